//! `d2files documents …`
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::bail;
use serde_json::json;

use crate::api::{Client, Document, DocumentDownload, Page, TransferOptions, UnlinkedUpload};
use crate::cli::args::{CheckArgs, DocumentsCommand, ListArgs};
use crate::cli::download_args::{download_target, suggest_force};
use crate::cli::list_args::{Gathered, all_limit, list_query, print_page_summary};
use crate::cli::output::{
    self, date, note, opt, print_fields, print_json, print_resource_fields, print_table, say, size,
};
use crate::cli::progress::transfer_options;

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

async fn delete(client: &Client, uid: &str, yes: bool, json: bool) -> anyhow::Result<()> {
    let document = client.get_document(uid).await?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("refusing to delete without --yes when not asked on a terminal");
        }
        let question = format!("Delete document \"{}\" ({uid})?", document.title());
        if !output::confirm(&question)? {
            return Err(crate::cli::Declined("Nothing deleted.").into());
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
