//! `d2files documents …`
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::bail;
use serde_json::json;

use crate::api::{
    Client, Document, DocumentDownload, ListQuery, Page, TransferOptions, UnlinkedUpload,
    is_valid_uid,
};
use crate::cli::args::{BatchArgs, CheckArgs, DocumentsCommand, ListArgs, SelectArgs};
use crate::cli::batch::{self, Verb, print_plan};
use crate::cli::download_args::{download_target, suggest_force};
use crate::cli::list_args::{
    Gathered, all_limit, list_query, note_order_caveat, print_page_summary,
};
use crate::cli::output::{
    self, date, note, opt, print_fields, print_json, print_resource_fields, print_table, say, size,
};
use crate::cli::progress::transfer_options;
use crate::ops::{self, ApplyOptions};

pub async fn run(
    client: &Client,
    command: DocumentsCommand,
    json: bool,
    unlinked: &UnlinkedUpload,
) -> anyhow::Result<()> {
    match command {
        DocumentsCommand::List(args) => list(client, &args, json).await,
        DocumentsCommand::Get { uid } => get(client, &uid, json).await,
        DocumentsCommand::Upload {
            paths,
            name,
            recursive,
            batch,
            check,
        } => match single_upload(&paths, &batch) {
            Some(path) => {
                let (mut options, bar) = transfer_options("↑", false, &check);
                options.unlinked = unlinked.clone();
                upload(client, path, name, options, bar, json).await
            }
            None => {
                if name.is_some() {
                    bail!(
                        "--name names one document; with several files each is named after \
                         its file"
                    );
                }
                let plan = ops::plan_upload(client, &paths, recursive).await?;
                let subdirectories_left_out = plan.steps.iter().any(|step| {
                    matches!(&step.action, ops::Action::Skip { why } if why == ops::SUBDIRECTORY_LEFT_OUT)
                });
                if subdirectories_left_out {
                    note("note: subdirectories are left out; --recursive includes their files");
                }
                if batch.dry_run {
                    return print_plan(&plan, Verb::Upload, json);
                }
                batch::apply(client, &plan, Verb::Upload, json, apply_options(&check)?).await
            }
        },
        DocumentsCommand::UploadUrl { name, link } => {
            let document = client.create_external_document(&name, &link).await?;
            if json {
                print_json(&document)
            } else {
                say(format!(
                    "Created link document {} ({})",
                    document.id,
                    document.title()
                ))?;
                Ok(())
            }
        }
        DocumentsCommand::Link {
            file_resource,
            name,
        } => {
            let document = client.link_document(&name, &file_resource).await?;
            if json {
                print_json(&document)
            } else {
                say(format!(
                    "Created document {} ({})",
                    document.id,
                    document.title()
                ))?;
                Ok(())
            }
        }
        DocumentsCommand::Rename { uid, name } => {
            let edited = client
                .rename_document(&uid, &name, &TransferOptions::default())
                .await?;
            edited_lines(&edited, "renamed", json)
        }
        DocumentsCommand::Replace { uid, path, check } => {
            let (mut options, bar) = transfer_options("↑", false, &check);
            options.unlinked = unlinked.clone();
            let edited = client.replace_document_file(&uid, &path, &options).await;
            bar.finish_and_clear();
            edited_lines(&edited?, "replaced its file", json)
        }
        DocumentsCommand::Sharing { uid } => crate::cli::sharing::show(client, &uid, json).await,
        DocumentsCommand::Share {
            uids,
            public,
            external,
            groups,
            users,
            batch,
        } => {
            let request = crate::cli::sharing::ShareRequest {
                uids: &uids,
                public: public.as_deref(),
                external: external.as_deref(),
                groups: &groups,
                users: &users,
                dry_run: batch.dry_run,
            };
            crate::cli::sharing::share(client, request, json).await
        }
        DocumentsCommand::Download {
            items,
            select,
            force,
            skip_existing,
            batch,
            check,
        } => match download_request(items, &select, batch.dry_run)? {
            DownloadRequest::One { uid, out } => {
                download(client, &uid, out, force, &check, json).await
            }
            DownloadRequest::Many { uids, dir } => {
                let uids = match uids {
                    Some(uids) => uids,
                    None => selected(client, &select).await?,
                };
                let jobs = jobs()?;
                let mut plan = ops::plan_download(client, &uids, &dir, jobs).await?;
                if batch.dry_run {
                    return print_plan(&plan, Verb::Download, json);
                }
                if !batch::settle_conflicts(&mut plan, force, skip_existing)? {
                    return Err(crate::cli::Declined("Nothing downloaded.").into());
                }
                batch::apply(client, &plan, Verb::Download, json, apply_options(&check)?).await
            }
        },
        DocumentsCommand::Delete {
            uids,
            select,
            yes,
            max_delete,
            batch,
        } => {
            let uids = if select.filters.is_empty() {
                uids
            } else {
                selected(client, &select).await?
            };
            delete(client, &uids, yes, max_delete, batch.dry_run, json).await
        }
    }
}

async fn list(client: &Client, args: &ListArgs, json: bool) -> anyhow::Result<()> {
    let query = list_query(args)?;
    note_order_caveat(client, &query).await;
    let (page, gathered) = if args.all {
        let all = client.list_all_documents(&query, all_limit(args)).await?;
        let gathered = Gathered::of(&all);
        (
            Page {
                items: all.items,
                pager: None,
            },
            Some(gathered),
        )
    } else {
        let page = client.list_documents(&query).await?;
        page.check_page_exists(query.page)?;
        (page, None)
    };
    if json {
        let pager = match &gathered {
            Some(gathered) => gathered.json(),
            None => json!(page.pager),
        };
        print_json(&json!({"pager": pager, "documents": page.items}))?;
        return Gathered::check(gathered, args, "document");
    }
    let rows = page
        .items
        .iter()
        .map(|d| {
            vec![
                d.id.clone(),
                kind(d).to_string(),
                date(d.last_updated),
                opt(d.url.as_deref()),
                d.title().to_string(),
            ]
        })
        .collect();
    print_table(
        &["ID", "KIND", "UPDATED", "URL / FILE RESOURCE", "NAME"],
        rows,
    )?;
    print_page_summary(&page, "document");
    Gathered::check(gathered, args, "document")
}

fn kind(document: &Document) -> &'static str {
    if document.external { "link" } else { "file" }
}

async fn get(client: &Client, uid: &str, json: bool) -> anyhow::Result<()> {
    let (document, resource) = client.get_document_with_resource(uid).await?;
    if json {
        let mut value = serde_json::to_value(&document)?;
        if let Some(Ok(resource)) = &resource {
            value["fileResource"] = serde_json::to_value(resource)?;
        }
        return print_json(&value);
    }
    print_fields(&[
        ("id", document.id.clone()),
        ("name", document.title().to_string()),
        ("kind", kind(&document).to_string()),
        ("url", opt(document.url.as_deref())),
        ("created", date(document.created)),
        ("updated", date(document.last_updated)),
        (
            "by",
            opt(document.created_by.as_ref().and_then(|u| u.label())),
        ),
    ])?;
    match resource {
        Some(Ok(resource)) => {
            say("")?;
            print_resource_fields(&resource)?;
        }
        Some(Err(error)) => note(format!("file resource: {error}")),
        None => {}
    }
    Ok(())
}

async fn upload(
    client: &Client,
    path: &Path,
    name: Option<String>,
    options: TransferOptions,
    bar: indicatif::ProgressBar,
    json: bool,
) -> anyhow::Result<()> {
    let result = client
        .upload_document(path, name.as_deref(), &options)
        .await;
    bar.finish_and_clear();
    let uploaded = match result {
        Ok(uploaded) => uploaded,
        Err(error) => {
            if let Some(fr) = error.unlinked_file_resource() {
                note(format!(
                    "hint: the bytes are on the server as file resource {fr}; create the \
                     document without uploading again:"
                ));
                note(format!("  d2files documents link {fr} --name NAME"));
            }
            return Err(error.into());
        }
    };
    if json {
        return print_json(&uploaded);
    }
    say(format!(
        "Uploaded {} as document {} (file resource {}, {})",
        path.display(),
        uploaded.document.id,
        uploaded.file_resource.id,
        size(uploaded.file_resource.content_length)
    ))?;
    Ok(())
}

async fn download(
    client: &Client,
    uid: &str,
    out: Option<PathBuf>,
    force: bool,
    check: &CheckArgs,
    json: bool,
) -> anyhow::Result<()> {
    let target = download_target(out).await;
    let (options, bar) = transfer_options("↓", force, check);
    let result = client.download_document(uid, &target, &options).await;
    bar.finish_and_clear();
    let outcome = result.map_err(suggest_force)?;
    if json {
        return print_json(&outcome);
    }
    match outcome {
        DocumentDownload::Saved(saved) => say(output::saved_line(&saved))?,
        DocumentDownload::External { url } => {
            say(&url)?;
            note("This document is an external link; nothing was downloaded.");
        }
    }
    Ok(())
}

/// Whether the command handles Ctrl-C itself: a batch, and a delete (which asks first, and is
/// one).
pub fn stops_itself(command: &DocumentsCommand) -> bool {
    match command {
        DocumentsCommand::Download {
            items,
            select,
            batch,
            ..
        } => !matches!(
            download_request(items.clone(), select, batch.dry_run),
            Ok(DownloadRequest::One { .. })
        ),
        DocumentsCommand::Upload { paths, batch, .. } => single_upload(paths, batch).is_none(),
        DocumentsCommand::Delete { .. } => true,
        _ => false,
    }
}

/// What `documents download` was asked: one document (to a file or into a directory), or a
/// batch into a directory.
enum DownloadRequest {
    One {
        uid: String,
        out: Option<PathBuf>,
    },
    Many {
        uids: Option<Vec<String>>,
        dir: PathBuf,
    },
}

/// Reads `UID… [OUT]`: the last word is where to save when it is no uid or is a directory
/// (a directory named like a uid is rare, and then it is one).
fn download_request(
    mut items: Vec<String>,
    select: &SelectArgs,
    dry_run: bool,
) -> anyhow::Result<DownloadRequest> {
    if !select.filters.is_empty() {
        if items.len() > 1 {
            bail!("with --filter, give only the directory to save into");
        }
        let dir = items
            .pop()
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        return Ok(DownloadRequest::Many { uids: None, dir });
    }
    let names_target = |word: &str| !is_valid_uid(word) || Path::new(word).is_dir();
    let out = match items.last() {
        Some(last) if items.len() > 1 && names_target(last) => items.pop().map(PathBuf::from),
        _ => None,
    };
    if items.len() == 1 && !dry_run {
        let uid = items.remove(0);
        return Ok(DownloadRequest::One { uid, out });
    }
    Ok(DownloadRequest::Many {
        uids: Some(items),
        dir: out.unwrap_or_else(|| PathBuf::from(".")),
    })
}

/// One file and no plan asked for: the single upload, with its own messages and `--name`.
fn single_upload<'a>(paths: &'a [PathBuf], batch: &BatchArgs) -> Option<&'a Path> {
    match paths {
        [path] if !batch.dry_run && !path.is_dir() => Some(path),
        _ => None,
    }
}

/// The uids `--filter` picks: the first page's (with a note when more match), or with --all
/// every match. A selection cut short is refused: acting on part of it would surprise.
async fn selected(client: &Client, select: &SelectArgs) -> anyhow::Result<Vec<String>> {
    let mut query = ListQuery::new();
    for filter in &select.filters {
        query = query.filter(filter.parse()?);
    }
    if select.all {
        let all = ops::matching_documents(client, &query).await?;
        if let Some(cut) = all.cut {
            bail!(
                "the selection stopped after {} documents ({}); narrow the filter",
                all.items.len(),
                cut.code()
            );
        }
        return Ok(all.items.into_iter().map(|d| d.id).collect());
    }
    query.page_size = SELECTED_WITHOUT_ALL;
    let page = client.list_documents(&query).await?;
    if let Some(total) = page.pager.as_ref().map(|pager| pager.total)
        && total > page.items.len() as u64
    {
        note(format!(
            "note: {total} documents match; this takes the first {} (--all takes every one)",
            page.items.len()
        ));
    }
    Ok(page.items.into_iter().map(|d| d.id).collect())
}

/// Documents `--filter` takes without `--all`: a list's first page, as `documents list` shows.
const SELECTED_WITHOUT_ALL: u32 = 50;

/// Deletes past which a script must say how many it means (`--max-delete`): a filter typed
/// wrong in a cron job should not empty a server.
const MAX_DELETE_UNASKED: usize = 10;

/// Deletes past which the terminal asks for the number rather than a yes.
const DELETE_COUNT_TYPED_ABOVE: usize = 10;

fn jobs() -> anyhow::Result<usize> {
    ops::jobs_from(std::env::var(ops::JOBS_VARIABLE).ok().as_deref()).map_err(anyhow::Error::msg)
}

fn apply_options(check: &CheckArgs) -> anyhow::Result<ApplyOptions> {
    Ok(ApplyOptions {
        jobs: jobs()?,
        transfer: TransferOptions {
            skip_md5_check: check.no_verify,
            ..TransferOptions::default()
        },
    })
}

async fn delete(
    client: &Client,
    uids: &[String],
    yes: bool,
    max_delete: Option<usize>,
    dry_run: bool,
    json: bool,
) -> anyhow::Result<()> {
    let version = crate::cli::connect::server_version(client).await;
    let plan = ops::plan_delete(client, uids, version.as_ref()).await?;
    if dry_run {
        return print_plan(&plan, Verb::Delete, json);
    }
    let count = plan.acting();
    let asks = std::io::stdin().is_terminal();
    let limit = max_delete.or((!asks).then_some(MAX_DELETE_UNASKED));
    if let Some(limit) = limit.filter(|&limit| count > limit) {
        bail!(
            "refusing to delete {count} documents, more than --max-delete {limit}; check the plan \
             with --dry-run, then pass --max-delete {count}"
        );
    }
    if !yes && count > 0 {
        if !asks {
            bail!("refusing to delete without --yes when not asked on a terminal");
        }
        for line in batch::plan_lines(&plan, Verb::Delete) {
            note(line);
        }
        let agreed = match &plan.steps[..] {
            [step] => output::confirm(&format!(
                "Delete document \"{}\" ({})?",
                step.label,
                step.uid.as_deref().unwrap_or_default()
            ))?,
            _ if count > DELETE_COUNT_TYPED_ABOVE => {
                output::ask(&format!("Type {count} to delete {count} documents:"))?
                    == count.to_string()
            }
            _ => output::confirm(&format!("Delete {count} documents?"))?,
        };
        if !agreed {
            return Err(crate::cli::Declined("Nothing deleted.").into());
        }
    }
    let options = ApplyOptions {
        jobs: jobs()?,
        transfer: TransferOptions::default(),
    };
    batch::apply(client, &plan, Verb::Delete, json, options).await
}

/// What an edit did, in a line (or the document and the path taken, as JSON).
fn edited_lines(edited: &crate::api::Edited, done: &str, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(edited);
    }
    say(format!(
        "Document {} \"{}\": {}",
        edited.document.id,
        edited.document.title(),
        edited.describe(done)
    ))?;
    Ok(())
}
