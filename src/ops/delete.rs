//! The plan of a bulk delete: which documents exist, their bytes, and what the server does
//! after.
use std::collections::HashMap;

use crate::api::{Client, Result, ServerVersion, is_valid_uid};
use crate::ops::metadata::{documents_of, file_resources_of};
use crate::ops::plan::{Action, Plan, Step};
use crate::ops::run::DEFAULT_JOBS;

/// Plans deleting these documents, in the order given (repeats once). What cannot be deleted
/// because it is not there is a refusal in the plan, not an error of the whole.
pub async fn plan_delete(
    client: &Client,
    uids: &[String],
    version: Option<&ServerVersion>,
) -> Result<Plan> {
    let mut seen = std::collections::HashSet::new();
    let uids: Vec<String> = uids
        .iter()
        .filter(|uid| seen.insert(uid.as_str()))
        .cloned()
        .collect();
    let documents = documents_of(client, &uids, DEFAULT_JOBS).await?;
    // Sizes are a courtesy: a server that cannot tell them still deletes.
    let sizes: HashMap<String, u64> = file_resources_of(
        client,
        documents.values().filter_map(|read| read.as_ref().ok()),
        DEFAULT_JOBS,
    )
    .await
    .unwrap_or_default()
    .into_iter()
    .filter_map(|(uid, resource)| Some((uid, resource.content_length?)))
    .collect();
    let steps = uids
        .iter()
        .map(|uid| match documents.get(uid) {
            _ if !is_valid_uid(uid) => Step {
                label: uid.clone(),
                uid: Some(uid.clone()),
                bytes: None,
                action: Action::Cannot {
                    why: format!(
                        "{uid} is not a uid (11 letters and digits, starting with a letter)"
                    ),
                },
            },
            Some(Err(why)) => Step {
                label: uid.clone(),
                uid: Some(uid.clone()),
                bytes: None,
                action: Action::Cannot { why: why.clone() },
            },
            None => Step {
                label: uid.clone(),
                uid: Some(uid.clone()),
                bytes: None,
                action: Action::Cannot {
                    why: format!("document {uid} could not be read"),
                },
            },
            Some(Ok(document)) => Step {
                label: document.title().to_string(),
                uid: Some(uid.clone()),
                bytes: document
                    .file_resource_uid()
                    .and_then(|fr| sizes.get(fr).copied()),
                action: Action::Delete {
                    dashboards: Vec::new(),
                },
            },
        })
        .collect();
    Ok(Plan {
        steps,
        notes: vec![file_bytes_after_delete(version).to_string()],
    })
}

/// What the server does with a deleted document's file bytes on this version (dhis2-api.md
/// §3.6, §4.7).
pub fn file_bytes_after_delete(version: Option<&ServerVersion>) -> &'static str {
    match version {
        Some(version) if unassigns_on_delete(version) => {
            "the server deletes the files' bytes about 2 days later (DHIS2 2.41.7+, 2.42.4+)"
        }
        Some(_) => {
            "the server keeps the files' bytes for ever, linked to nothing (DHIS2 before 2.41.7, \
             and 2.42.0 to 2.42.3)"
        }
        None => {
            "the files' bytes stay on the server for ever before DHIS2 2.41.7 (and 2.42.0 to \
             2.42.3), and are deleted about 2 days later from 2.41.7 and 2.42.4"
        }
    }
}

/// 2.41.7+ and 2.42.4+ un-assign the file resource of a deleted document, and their clean-up
/// job deletes it.
fn unassigns_on_delete(version: &ServerVersion) -> bool {
    match version.minor {
        41 => version.patch >= 7,
        42 => version.patch >= 4,
        minor => minor > 42,
    }
}
