//! The plan of a bulk delete: which documents exist, their bytes, and what the server does
//! after.
use std::collections::{BTreeSet, HashMap};

use crate::api::{Client, Dashboard, Result, ServerVersion, deletion_effects};
use crate::ops::metadata::{document_or_why, documents_of, file_resources_of, once_each};
use crate::ops::plan::{Action, Plan, Step};
use crate::ops::run::DEFAULT_JOBS;

/// Plans deleting these documents, in the order given (repeats once). What cannot be deleted
/// because it is not there is a refusal in the plan, not an error of the whole.
pub async fn plan_delete(
    client: &Client,
    uids: &[String],
    version: Option<&ServerVersion>,
) -> Result<Plan> {
    let uids = once_each(uids);
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
    let dashboards = client.dashboards_showing(&uids).await;
    let steps: Vec<Step> = uids
        .iter()
        .map(|uid| match document_or_why(&documents, uid) {
            Err(why) => Step {
                label: uid.clone(),
                uid: Some(uid.clone()),
                bytes: None,
                action: Action::Cannot { why },
            },
            Ok(document) => Step {
                label: document.title().to_string(),
                uid: Some(uid.clone()),
                bytes: document
                    .file_resource_uid()
                    .and_then(|fr| sizes.get(fr).copied()),
                action: Action::Delete {
                    dashboards: showing(dashboards.as_deref().unwrap_or_default(), uid),
                },
            },
        })
        .collect();
    let mut notes = Vec::new();
    match &dashboards {
        Ok(dashboards) => notes.extend(dashboard_note(dashboards, &steps)),
        Err(error) => notes.push(format!(
            "which dashboards show these documents could not be read ({error}); DHIS2 takes \
             deleted documents off every dashboard item, and deletes items left empty"
        )),
    }
    notes.push(file_bytes_after_delete(version).to_string());
    Ok(Plan { steps, notes })
}

/// The names of the dashboards that show `uid`.
fn showing(dashboards: &[Dashboard], uid: &str) -> Vec<String> {
    dashboards
        .iter()
        .filter(|dashboard| {
            dashboard
                .items
                .iter()
                .any(|item| item.documents.iter().any(|shown| shown == uid))
        })
        .map(|dashboard| dashboard.name.clone())
        .collect()
}

/// What the deletes do to dashboards (dhis2-api.md §10.3), in one sentence: DHIS2 does it
/// silently.
fn dashboard_note(dashboards: &[Dashboard], steps: &[Step]) -> Option<String> {
    let deleted: BTreeSet<String> = steps
        .iter()
        .filter(|step| matches!(step.action, Action::Delete { .. }))
        .filter_map(|step| step.uid.clone())
        .collect();
    let effects = deletion_effects(dashboards, &deleted);
    if effects.is_empty() {
        return None;
    }
    let plural =
        |count: usize, word: &str| format!("{count} {word}{}", if count == 1 { "" } else { "s" });
    let losing: usize = effects.iter().map(|e| e.items_losing_documents).sum();
    let emptied: usize = effects.iter().map(|e| e.items_deleted).sum();
    let mut note = format!(
        "DHIS2 will take them off {} on {}",
        plural(losing + emptied, "dashboard item"),
        plural(effects.len(), "dashboard")
    );
    if emptied > 0 {
        let on: Vec<String> = effects
            .iter()
            .filter(|e| e.items_deleted > 0)
            .map(|e| format!("{} on {}", e.items_deleted, e.dashboard_name))
            .collect();
        note.push_str(&format!(
            ", and delete the {} left empty ({})",
            plural(emptied, "item"),
            on.join(", ")
        ));
    }
    note.push_str("; the dashboards themselves stay");
    Some(note)
}

/// What the server does with a deleted document's file bytes on this version (dhis2-api.md
/// §3.6, §4.7).
pub fn file_bytes_after_delete(version: Option<&ServerVersion>) -> &'static str {
    match version {
        Some(version) if version.cleans_up_unassigned_files() => {
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
