//! `d2files documents …`
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::bail;
use serde_json::json;

use crate::api::{
    AllPages, Client, Cut, Document, DocumentDownload, DownloadTarget, FileResource, ListQuery,
    Page, TransferOptions, UnlinkedUpload,
};
use crate::cli::args::{CheckArgs, DocumentsCommand, ListArgs};
use crate::cli::output::{self, date, note, opt, print_fields, print_json, print_table, say, size};
use crate::cli::progress::transfer_options;

/// Where `--all` stops without `--max-items`: 100,000 documents are 30 to 100 MiB of JSON and
/// several times that in memory, more than DHIS2 instances hold; past it a list is better
/// filtered than printed.
pub const MAX_ALL_ITEMS: usize = 100_000;

pub async fn run(
    client: &Client,
    command: DocumentsCommand,
    json: bool,
    unlinked: &UnlinkedUpload,
) -> anyhow::Result<()> {
    match command {
        DocumentsCommand::List(args) => list(client, &args, json).await,
        DocumentsCommand::Get { uid } => get(client, &uid, json).await,
        DocumentsCommand::Upload { path, name, check } => {
            let (mut options, bar) = transfer_options("↑", false, &check);
            options.unlinked = unlinked.clone();
            upload(client, &path, name, options, bar, json).await
        }
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
        DocumentsCommand::Download {
            uid,
            out,
            force,
            check,
        } => download(client, &uid, out, force, &check, json).await,
        DocumentsCommand::Delete { uid, yes } => delete(client, &uid, yes, json).await,
    }
}

/// Builds a list query from the command line; the api validates it before anything is sent.
pub fn list_query(args: &ListArgs) -> anyhow::Result<ListQuery> {
    let mut query = ListQuery::new().page(args.page).page_size(args.page_size);
    for filter in &args.filters {
        query = query.filter(filter.parse()?);
    }
    for order in &args.order {
        query = query.order_by(crate::api::Order::parse(order)?);
    }
    Ok(query)
}

async fn list(client: &Client, args: &ListArgs, json: bool) -> anyhow::Result<()> {
    let query = list_query(args)?;
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
                d.title().to_string(),
                kind(d).to_string(),
                opt(d.url.as_deref()),
                date(d.last_updated),
            ]
        })
        .collect();
    print_table(
        &["ID", "NAME", "KIND", "URL / FILE RESOURCE", "UPDATED"],
        rows,
    )?;
    print_page_summary(&page, "document");
    Gathered::check(gathered, args, "document")
}

/// The item limit of `--all`: the user's `--max-items`, else [`MAX_ALL_ITEMS`].
pub fn all_limit(args: &ListArgs) -> usize {
    args.max_items
        .map_or(MAX_ALL_ITEMS, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// What `--all` gathered, beside the items.
pub struct Gathered {
    total: Option<u64>,
    fetched: usize,
    pages: u32,
    cut: Option<Cut>,
}

impl Gathered {
    pub fn of<T>(all: &AllPages<T>) -> Gathered {
        Gathered {
            total: all.total,
            fetched: all.items.len(),
            pages: all.pages,
            cut: all.cut,
        }
    }

    /// The `"pager"` of `--all --json`: `{"total", "fetched", "pages", "complete", "cut"}`.
    pub fn json(&self) -> serde_json::Value {
        json!({
            "total": self.total,
            "fetched": self.fetched,
            "pages": self.pages,
            "complete": self.cut.is_none(),
            "cut": self.cut.map(|cut| cut.code()),
        })
    }

    /// A cut list is never silent: a note when the user's `--max-items` made it, else an error
    /// (non-zero exit) after the items were printed.
    pub fn check(gathered: Option<Gathered>, args: &ListArgs, noun: &str) -> anyhow::Result<()> {
        match gathered.and_then(|gathered| gathered.cut) {
            None => Ok(()),
            Some(cut @ Cut::MaxItems(_)) if args.max_items.is_some() => {
                note(format!("note: {cut} (--max-items)"));
                Ok(())
            }
            Some(cut @ Cut::MaxItems(_)) => bail!(
                "the {noun} list is incomplete: {cut}; narrow it with --filter, or pass \
                 --max-items N to accept the first N"
            ),
            Some(cut) => bail!("the {noun} list is incomplete: {cut}"),
        }
    }
}

/// "page 2/12, 583 documents" on stderr, so stdout stays just the table.
pub fn print_page_summary<T>(page: &Page<T>, noun: &str) {
    match &page.pager {
        Some(pager) => note(format!(
            "page {}/{}, {} {noun}{}",
            pager.page,
            pager.page_count.max(1),
            pager.total,
            if pager.total == 1 { "" } else { "s" }
        )),
        None => note(format!(
            "{} {noun}{}",
            page.items.len(),
            if page.items.len() == 1 { "" } else { "s" }
        )),
    }
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

pub fn print_resource_fields(resource: &FileResource) -> Result<(), output::OutputFailed> {
    print_fields(&[
        ("file resource", resource.id.clone()),
        ("file name", opt(resource.name.as_deref())),
        ("type", opt(resource.content_type.as_deref())),
        ("size", size(resource.content_length)),
        ("md5", opt(resource.content_md5.as_deref())),
        (
            "domain",
            resource
                .domain
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        (
            "storage",
            resource
                .storage_status
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
        ),
        (
            "assigned",
            resource.assigned.map(|a| a.to_string()).unwrap_or_default(),
        ),
        ("created", date(resource.created)),
    ])
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

/// An existing target is the one refusal `--force` answers: say so.
pub fn suggest_force(error: crate::api::Error) -> anyhow::Error {
    match error {
        crate::api::Error::TargetExists(_) => {
            anyhow::anyhow!("{error} (use --force to overwrite)")
        }
        other => other.into(),
    }
}

/// OUT as the user gave it: an existing directory means "inside it"; nothing means here.
pub async fn download_target(out: Option<PathBuf>) -> DownloadTarget {
    DownloadTarget::from_user_path(out.unwrap_or_else(|| PathBuf::from("."))).await
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

async fn delete(client: &Client, uid: &str, yes: bool, json: bool) -> anyhow::Result<()> {
    let document = client.get_document(uid).await?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("refusing to delete without --yes when not asked on a terminal");
        }
        let question = format!("Delete document \"{}\" ({uid})?", document.title());
        if !output::confirm(&question)? {
            note("Nothing deleted.");
            return Ok(());
        }
    }
    client.delete_document(uid).await?;
    if json {
        print_json(&json!({"deleted": uid, "name": document.title()}))
    } else {
        say(format!("Deleted document {uid} ({})", document.title()))?;
        Ok(())
    }
}
