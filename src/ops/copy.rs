//! The plan of a copy between servers: a restore whose bytes come straight from the source
//! server (streamed into the target's upload, never through a file), with the same uid,
//! conflict and sharing rules.
use std::collections::HashMap;

use crate::api::{Client, FileResource, ListQuery, Result, ServerVersion};
use crate::ops::backup::{Manifest, backed_document, entry, list_documents};
use crate::ops::metadata::file_resources_of;
use crate::ops::plan::{FileSource, Plan};
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
