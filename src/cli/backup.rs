//! `d2files backup DIR`: the plan (what changed since the last run), the run, the manifest.
use crate::api::{Client, ListQuery, TransferOptions};
use crate::cli::args::BackupArgs;
use crate::cli::batch::{self, Lines, Verb, print_plan};
use crate::ops::ApplyOptions;
use crate::ops::backup::{BackupRequest, plan_backup};

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
            jobs: usize::from(args.jobs),
            dhis2_version,
        },
    )
    .await?;
    if args.batch.dry_run {
        return print_plan(&backup.plan, Verb::Backup, json);
    }
    if !json {
        for note in &backup.plan.notes {
            crate::cli::output::note(format!("note: {note}"));
        }
    }
    let options = ApplyOptions {
        jobs: usize::from(args.jobs),
        transfer: TransferOptions {
            skip_md5_check: args.check.no_verify,
            ..TransferOptions::default()
        },
    };
    let lines = Lines {
        json,
        every_item: args.verbose,
    };
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
