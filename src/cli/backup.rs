//! `d2files backup DIR` (the plan: what changed since the last run; the run; the manifest) and
//! `d2files restore DIR` and `d2files copy --from A --to B` (the plan: what to re-create; the
//! run).
use std::time::{Duration, Instant};

use crate::api::{Client, ListQuery, TransferOptions};
use crate::cli::args::BACKUP_JOBS;
use crate::cli::args::{BackupArgs, CopyArgs, RestoreArgs, RunArgs};
use crate::cli::batch::{self, Lines, Verb, print_plan};
use crate::cli::connect::server_version;
use crate::ops::backup::{BackupRequest, plan_backup};
use crate::ops::{ApplyOptions, Plan, jobs_for_link, plan_copy, plan_restore};

pub async fn run(client: &Client, args: &BackupArgs, json: bool) -> anyhow::Result<()> {
    let mut query = ListQuery::new();
    for filter in &args.filters {
        query = query.filter(filter.parse()?);
    }
    let asked = Instant::now();
    let dhis2_version = client
        .system_info()
        .await
        .ok()
        .and_then(|info| info.version);
    let jobs = jobs_of(&args.run, asked.elapsed());
    let backup = plan_backup(
        client,
        BackupRequest {
            dir: &args.dir,
            query,
            prune: args.prune,
            resources: args.resources,
            jobs,
            dhis2_version,
        },
    )
    .await?;
    if args.run.batch.dry_run {
        return print_plan(&backup.plan, Verb::Backup, json);
    }
    if !json {
        for note in &backup.plan.notes {
            crate::cli::output::note(format!("note: {note}"));
        }
    }
    let (options, lines) = how_to_run(&args.run, jobs, json);
    let ran = batch::run(client, &backup.plan, lines, options, backup.recorder()).await?;
    // Written whatever happened: what was saved is recorded, even after Ctrl-C.
    let manifest = backup.finish(&ran.summary)?;
    if !json {
        crate::cli::output::note(format!(
            "{} documents and {} files in {}",
            manifest.documents.len(),
            manifest.file_resources.len(),
            args.dir.display()
        ));
    }
    batch::conclude(&ran, Verb::Backup, json)
}

pub async fn restore(client: &Client, args: &RestoreArgs, json: bool) -> anyhow::Result<()> {
    let asked = Instant::now();
    let version = server_version(client).await;
    let jobs = jobs_of(&args.run, asked.elapsed());
    let plan = plan_restore(
        client,
        &args.dir,
        version.as_ref(),
        args.replace.on_conflict(),
    )
    .await?;
    recreate(client, &plan, &args.run, jobs, Verb::Restore, json).await
}

pub async fn copy(
    source: &Client,
    target: &Client,
    args: &CopyArgs,
    json: bool,
) -> anyhow::Result<()> {
    let mut query = ListQuery::new();
    for filter in &args.filters {
        query = query.filter(filter.parse()?);
    }
    let asked = Instant::now();
    let version = server_version(target).await;
    let jobs = jobs_of(&args.run, asked.elapsed());
    let on_conflict = args.replace.on_conflict();
    let plan = plan_copy(source, target, &query, version.as_ref(), on_conflict, jobs).await?;
    recreate(target, &plan, &args.run, jobs, Verb::Copy, json).await
}

/// Transfers at once: `--jobs`, or by default more the slower the server's first answer came.
fn jobs_of(run: &RunArgs, answer: Duration) -> usize {
    run.jobs.map_or_else(
        || jobs_for_link(usize::from(BACKUP_JOBS), answer),
        usize::from,
    )
}

/// A restore's or a copy's plan: printed (`--dry-run`), or run onto `target`.
async fn recreate(
    target: &Client,
    plan: &Plan,
    run: &RunArgs,
    jobs: usize,
    verb: Verb,
    json: bool,
) -> anyhow::Result<()> {
    if run.batch.dry_run {
        return print_plan(plan, verb, json);
    }
    if !json {
        for note in &plan.notes {
            crate::cli::output::note(format!("note: {note}"));
        }
    }
    let (options, lines) = how_to_run(run, jobs, json);
    let ran = batch::run(target, plan, lines, options, |_| {}).await?;
    batch::conclude(&ran, verb, json)
}

/// The run's options and lines, as `--jobs`, `--no-verify` and `--verbose` ask.
fn how_to_run(run: &RunArgs, jobs: usize, json: bool) -> (ApplyOptions, Lines) {
    let options = ApplyOptions {
        jobs,
        transfer: TransferOptions {
            skip_md5_check: run.check.no_verify,
            ..TransferOptions::default()
        },
    };
    let lines = Lines {
        json,
        every_item: run.verbose,
    };
    (options, lines)
}
