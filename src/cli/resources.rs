//! `d2files resources …`
use std::path::Path;

use serde_json::json;

use crate::api::{
    Client, Dimension, Domain, Filter, Operator, Page, TransferOptions, UnlinkedUpload,
};
use crate::cli::args::ResourcesCommand;
use crate::cli::download_args::{download_target, suggest_force};
use crate::cli::list_args::{
    Gathered, all_limit, list_query, note_order_caveat, print_page_summary,
};
use crate::cli::output::print_resource_fields;
use crate::cli::output::{date, note, opt, print_json, print_table, saved_line, say, size};
use crate::cli::progress::transfer_options;

pub async fn run(
    client: &Client,
    command: ResourcesCommand,
    json: bool,
    unlinked: &UnlinkedUpload,
) -> anyhow::Result<()> {
    match command {
        ResourcesCommand::Upload {
            path,
            domain,
            no_wait,
            check,
        } => {
            let (mut options, bar) = transfer_options("↑", false, &check);
            options.unlinked = unlinked.clone();
            upload(client, &path, &domain, no_wait, options, bar, json).await
        }
        ResourcesCommand::List { list, domain } => {
            let mut query = list_query(&list)?;
            if let Some(domain) = domain {
                let domain: Domain = domain.parse().map_err(anyhow::Error::msg)?;
                query = query.filter(Filter::new("domain", Operator::Eq, Some(domain.as_str()))?);
            }
            note_order_caveat(client, &query).await;
            let (page, gathered) = if list.all {
                let all = client
                    .list_all_file_resources(&query, all_limit(&list))
                    .await?;
                let gathered = Gathered::of(&all);
                (
                    Page {
                        items: all.items,
                        pager: None,
                    },
                    Some(gathered),
                )
            } else {
                let page = client.list_file_resources(&query).await?;
                page.check_page_exists(query.page)?;
                (page, None)
            };
            if json {
                let pager = match &gathered {
                    Some(gathered) => gathered.json(),
                    None => json!(page.pager),
                };
                print_json(&json!({"pager": pager, "fileResources": page.items}))?;
                return Gathered::check(gathered, &list, "file resource");
            }
            let rows = page
                .items
                .iter()
                .map(|fr| {
                    vec![
                        fr.id.clone(),
                        fr.domain
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        size(fr.content_length),
                        date(fr.created),
                        opt(fr.content_type.as_deref()),
                        fr.title().to_string(),
                    ]
                })
                .collect();
            print_table(&["ID", "DOMAIN", "SIZE", "CREATED", "TYPE", "NAME"], rows)?;
            print_page_summary(&page, "file resource");
            Gathered::check(gathered, &list, "file resource")
        }
        ResourcesCommand::Get { uid } => {
            let resource = client.get_file_resource(&uid).await?;
            if json {
                print_json(&resource)
            } else {
                Ok(print_resource_fields(&resource)?)
            }
        }
        ResourcesCommand::Download {
            uid,
            out,
            dimension,
            force,
            check,
        } => {
            let dimension = dimension
                .map(|d| d.parse::<Dimension>())
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let target = download_target(out).await;
            let (options, bar) = transfer_options("↓", force, &check);
            let result = client
                .download_file_resource(&uid, dimension, &target, &options)
                .await;
            bar.finish_and_clear();
            let saved = result.map_err(suggest_force)?;
            if json {
                // The same shape as `documents download --json`'s saved file.
                let mut value = serde_json::to_value(&saved)?;
                value["kind"] = "saved".into();
                print_json(&value)
            } else {
                Ok(say(saved_line(&saved))?)
            }
        }
    }
}

async fn upload(
    client: &Client,
    path: &Path,
    domain: &str,
    no_wait: bool,
    options: TransferOptions,
    bar: indicatif::ProgressBar,
    json: bool,
) -> anyhow::Result<()> {
    let domain: Domain = domain.parse().map_err(anyhow::Error::msg)?;
    let result = if no_wait {
        client.upload_file_resource(path, &domain, &options).await
    } else {
        client
            .upload_stored_file_resource(path, &domain, &options)
            .await
    };
    bar.finish_and_clear();
    let resource = result?;
    if json {
        return print_json(&resource);
    }
    say(format!(
        "Uploaded {} as file resource {} ({}, {}, {})",
        path.display(),
        resource.id,
        domain,
        size(resource.content_length),
        // An unknown status is the server's own text: `say` shows it inert.
        resource
            .storage_status
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default()
    ))?;
    if domain.reencodes_images() {
        note(format!(
            "note: DHIS2 re-encodes {domain} images, so the stored bytes differ from yours"
        ));
    }
    Ok(())
}
