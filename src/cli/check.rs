//! `d2files check`: the audit's findings, one line each (`=` same, `!` a problem, `+`/`-` only
//! on one side, `i` worth knowing), a table by class, JSON Lines with `--json`; exit 0 clean,
//! 1 problems found, 2 could not run.
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::api::{Client, ListQuery};
use crate::cli::args::AuditArgs;
use crate::cli::interrupt::{Interrupted, stop_signal};
use crate::cli::output::{note, print_json_line, print_table, say};
use crate::cli::progress::BAR_TICK;
use crate::ops::check::{
    CheckProgress, CheckRequest, Class, Item, ItemKind, Report, check_backup, check_server,
};

/// The check found problems: exit status 1 (the totals line has said how many).
#[derive(Debug, thiserror::Error)]
#[error("the check found problems")]
pub struct ProblemsFound;

/// The check could not run (no server, no backup, a bad filter): exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0:#}")]
pub struct CheckFailed(pub(crate) anyhow::Error);

/// Checks the server `client` reaches.
pub async fn run(client: &Client, args: &AuditArgs, json: bool) -> anyhow::Result<()> {
    let request = request(args).map_err(CheckFailed)?;
    let bar = Bar::new();
    let show = |progress| bar.show(progress);
    let checked = tokio::select! {
        checked = check_server(client, &request, &show) => checked,
        signal = stop_signal() => {
            let done = format!(
                "the check stopped after {} of {} reads; it changes nothing",
                bar.0.position(),
                bar.0.length().unwrap_or(0)
            );
            bar.clear();
            return Err(Interrupted::batch(signal, &done, &[]).into());
        }
    };
    bar.clear();
    let report = checked.map_err(|error| CheckFailed(error.into()))?;
    conclude(&report, args.verbose, json)
}

/// Verifies the backup folder `args.dir` offline.
pub async fn run_offline(args: &AuditArgs, json: bool) -> anyhow::Result<()> {
    let Some(dir) = &args.dir else {
        return Err(CheckFailed(anyhow::anyhow!("no backup folder named")).into());
    };
    let bar = Bar::new();
    let report = check_backup(dir, &|progress| bar.show(progress))
        .await
        .map_err(|error| CheckFailed(error.into()))?;
    bar.clear();
    conclude(&report, args.verbose, json)
}

fn request(args: &AuditArgs) -> anyhow::Result<CheckRequest> {
    let mut query = ListQuery::new();
    for filter in &args.filters {
        query = query.filter(filter.parse()?);
    }
    Ok(CheckRequest {
        query,
        against: args.against.clone(),
        data: args.data,
        links: args.links,
        jobs: usize::from(args.jobs),
        pending_grace: Duration::from_secs(u64::from(args.pending_minutes) * 60),
    })
}

/// The lines, the table and the ending.
fn conclude(report: &Report, verbose: bool, json: bool) -> anyhow::Result<()> {
    for item in &report.items {
        if json {
            print_json_line(&json!({
                "kind": item.kind,
                "uid": item.uid,
                "name": item.name,
                "status": item.status(),
                "findings": item.findings,
            }))?;
        } else {
            item_lines(item, verbose)?;
        }
    }
    let counts = report.counts();
    let problems = report.problems();
    if json {
        let by_class = report.counts_by_key();
        print_json_line(&json!({"summary": {
            "items": report.items.len(),
            "problems": problems,
            "counts": by_class,
            "notes": report.notes,
        }}))?;
    } else {
        for line in &report.notes {
            note(format!("note: {line}"));
        }
        let rows = counts
            .iter()
            .map(|(class, count)| {
                vec![
                    format!("{} {}", class.symbol(), class.title()),
                    count.to_string(),
                ]
            })
            .collect();
        print_table(&["CLASS", "COUNT"], rows)?;
        say(totals_line(report, problems))?;
    }
    if problems > 0 {
        return Err(ProblemsFound.into());
    }
    Ok(())
}

/// "checked 12 documents and 20 file resources: 3 with problems".
fn totals_line(report: &Report, problems: usize) -> String {
    let count = |kind: ItemKind| report.items.iter().filter(|i| i.kind == kind).count();
    let mut parts = Vec::new();
    for (kind, one, many) in [
        (ItemKind::Document, "document", "documents"),
        (ItemKind::FileResource, "file resource", "file resources"),
        (ItemKind::BackupFile, "backup file", "backup files"),
    ] {
        match count(kind) {
            0 => {}
            n => parts.push(crate::api::units::count(n, one, many)),
        }
    }
    let checked = if parts.is_empty() {
        "nothing".to_string()
    } else {
        parts.join(" and ")
    };
    match problems {
        0 => format!("checked {checked}: no problems"),
        1 => format!("checked {checked}: 1 with problems"),
        n => format!("checked {checked}: {n} with problems"),
    }
}

/// One line per finding (and its advice, indented); an ok item only when asked.
fn item_lines(item: &Item, verbose: bool) -> anyhow::Result<()> {
    let who = if item.uid == item.name || item.name.is_empty() {
        item.uid.clone()
    } else {
        format!("{} \"{}\"", item.uid, item.name)
    };
    if item.findings.is_empty() {
        if verbose {
            say(format!("= {who}: ok"))?;
        }
        return Ok(());
    }
    for finding in &item.findings {
        // Dashboards matter for an item with a problem; for the rest they are noise.
        if finding.class == Class::OnDashboards && !verbose && !item.has_problem() {
            continue;
        }
        say(format!(
            "{} {who}: {}: {}",
            finding.class.symbol(),
            finding.class.title(),
            finding.reason
        ))?;
        if let Some(advice) = &finding.advice {
            say(format!("    what to do: {advice}"))?;
        }
    }
    Ok(())
}

/// The progress bar on stderr, drawn only on a terminal.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Bar {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template("checking [{bar:30}] {pos}/{len} read, ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(BAR_TICK);
        Bar(bar)
    }

    fn show(&self, progress: CheckProgress) {
        self.0.set_length(progress.total as u64);
        self.0.set_position(progress.done as u64);
    }

    fn clear(&self) {
        self.0.finish_and_clear();
    }
}
