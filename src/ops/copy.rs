//! The plan of a copy between servers: a restore whose bytes come straight from the source
//! server (streamed into the target's upload, never through a file), with the same uid,
//! conflict and sharing rules.
use std::collections::HashMap;

use crate::api::{
    Client, FileResource, Filter, ListQuery, Operator, Result, ServerVersion, is_valid_uid,
};
use crate::ops::backup::{Manifest, backed_document, entry, list_documents};
use crate::ops::metadata::{document_or_why, documents_of, file_resources_of, once_each};
use crate::ops::plan::{Action, FileSource, Plan, Step};
use crate::ops::restore::{OnConflict, plan_recreate};

/// Plans copying the documents `query` picks on `source` to `target` (of `target_version`),
/// `on_conflict` saying what becomes of what is there with other content.
pub async fn plan_copy(
    source: &Client,
    target: &Client,
    query: &ListQuery,
    target_version: Option<&ServerVersion>,
    on_conflict: OnConflict,
    jobs: usize,
) -> Result<Plan> {
    let documents = list_documents(source, query).await?;
    let resources: HashMap<String, FileResource> =
        file_resources_of(source, documents.iter(), jobs).await?;
    // What the source holds, in a backup's terms, so a copy plans as a restore does.
    let mut manifest = Manifest::new(source.base_url(), None);
    for document in &documents {
        let backed = backed_document(document);
        let resource = document
            .file_resource_uid()
            .filter(|_| !document.external)
            .and_then(|uid| resources.get(uid));
        match resource {
            Some(resource) => {
                let recorded = entry(backed, Some(resource), String::new());
                manifest.documents.extend(recorded.document);
                manifest.file_resources.push(recorded.file_resource);
            }
            None => manifest.documents.push(backed),
        }
    }
    let mut plan = plan_recreate(target, &manifest, target_version, on_conflict, |recorded| {
        resources
            .get(&recorded.id)
            .map(|resource| FileSource::Server {
                client: source.clone(),
                resource: Box::new(resource.clone()),
            })
            .ok_or_else(|| {
                format!(
                    "file resource {} could not be read on the source",
                    recorded.id
                )
            })
    })
    .await?;
    plan.notes.push(format!(
        "the bytes go from {} straight to {}, checked against their MD5 at both ends",
        crate::api::without_userinfo(source.base_url()).trim_end_matches('/'),
        crate::api::without_userinfo(target.base_url()).trim_end_matches('/')
    ));
    Ok(plan)
}

/// Uids a query of [`plan_copy_of`] names at most: a hundred, as the by-uid reads send them,
/// keeps the URL short.
const UIDS_PER_QUERY: usize = 100;

/// Plans copying the documents `uids` names (marks, a row) from `source` to `target`, in that
/// order, each once: [`plan_copy`] over `id:in:[…]`, a hundred uids a query. A uid the
/// source's list does not bring is a step that cannot be done, with the reason.
pub async fn plan_copy_of(
    source: &Client,
    target: &Client,
    uids: &[String],
    target_version: Option<&ServerVersion>,
    on_conflict: OnConflict,
    jobs: usize,
) -> Result<Plan> {
    let uids = once_each(uids);
    let valid: Vec<String> = uids
        .iter()
        .filter(|uid| is_valid_uid(uid))
        .cloned()
        .collect();
    let mut planned: HashMap<String, Step> = HashMap::new();
    let mut notes: Vec<String> = Vec::new();
    for chunk in valid.chunks(UIDS_PER_QUERY) {
        let ids = format!("[{}]", chunk.join(","));
        let query = ListQuery::new().filter(Filter::new("id", Operator::In, Some(&ids))?);
        let part = plan_copy(source, target, &query, target_version, on_conflict, jobs).await?;
        for step in part.steps {
            // Only what was asked for: a server that ignores the filter adds nothing.
            if let Some(uid) = step.uid.clone().filter(|uid| chunk.contains(uid)) {
                planned.entry(uid).or_insert(step);
            }
        }
        for note in part.notes {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    let unlisted: Vec<String> = valid
        .iter()
        .filter(|uid| !planned.contains_key(*uid))
        .cloned()
        .collect();
    // Why the list left them out, in DHIS2's words where it has some (not found, not shared).
    let read = if unlisted.is_empty() {
        HashMap::new()
    } else {
        documents_of(source, &unlisted, jobs).await?
    };
    let steps = uids
        .iter()
        .map(|uid| match planned.remove(uid) {
            Some(step) => step,
            None => {
                let why = match document_or_why(&read, uid) {
                    Err(why) => format!("on the source: {why}"),
                    Ok(_) => "the source's list of documents leaves it out, so nothing of it \
                              is copied"
                        .to_string(),
                };
                Step {
                    label: uid.clone(),
                    uid: Some(uid.clone()),
                    bytes: None,
                    action: Action::Cannot { why },
                }
            }
        })
        .collect();
    Ok(Plan { steps, notes })
}
