//! `d2files backup DIR` (the plan: what changed since the last run; the run; the manifest) and
//! `d2files restore DIR` (the plan: what to re-create; the run).
use crate::api::{Client, ListQuery, ServerVersion, TransferOptions};
use crate::cli::args::{BackupArgs, RestoreArgs, RunArgs};
use crate::cli::batch::{self, Lines, Verb, print_plan};
use crate::ops::backup::{BackupRequest, plan_backup};
use crate::ops::{ApplyOptions, plan_restore};

pub async fn run(client: &Client, args: &BackupArgs, json: bool) -> anyhow::Result<()> {
    let mut query = ListQuery::new();
    for filter in &args.filters {
        query = query.filter(filter.parse()?);
    }
    let dhis2_version = client
        .system_info()
        .await
        .ok()
        .and_then(|info| info.version);
    let backup = plan_backup(
        client,
        BackupRequest {
            dir: &args.dir,
            query,
            prune: args.prune,
            jobs: usize::from(args.run.jobs),
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
    let (options, lines) = how_to_run(&args.run, json);
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
    let version = client
        .system_info()
        .await
        .ok()
        .and_then(|info| info.version.as_deref().and_then(ServerVersion::parse));
    let plan = plan_restore(client, &args.dir, version.as_ref()).await?;
    if args.run.batch.dry_run {
        return print_plan(&plan, Verb::Restore, json);
    }
    if !json {
        for note in &plan.notes {
            crate::cli::output::note(format!("note: {note}"));
        }
    }
    let (options, lines) = how_to_run(&args.run, json);
    let ran = batch::run(client, &plan, lines, options, |_| {}).await?;
    batch::conclude(&ran, Verb::Restore, json)
}

/// The run's options and lines, as `--jobs`, `--no-verify` and `--verbose` ask.
fn how_to_run(run: &RunArgs, json: bool) -> (ApplyOptions, Lines) {
    let options = ApplyOptions {
        jobs: usize::from(run.jobs),
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
