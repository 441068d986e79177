//! The plan of a restore: each document of a backup, re-created with its uid on a server, or
//! skipped because it is there already with the same content, or refused (a conflict, a
//! damaged copy) with the reason. Nothing on the server is changed by planning.
use std::collections::HashMap;
use std::path::Path;

use crate::api::{Client, Document, Error, FileResource, Result, ServerVersion, Sharing};
use crate::ops::backup::{BackedDocument, BackedFileResource, Manifest, is_backup_file};
use crate::ops::plan::{Action, FileSource, Plan, RestoreFile, RestoreItem, Step};

/// Plans restoring the backup in `dir` onto `client`'s server (of `version`, when known).
pub async fn plan_restore(
    client: &Client,
    dir: &Path,
    version: Option<&ServerVersion>,
) -> Result<Plan> {
    let manifest = Manifest::read(dir)?.ok_or_else(|| {
        Error::InvalidInput(format!(
            "{} holds no d2files backup (no {})",
            dir.display(),
            crate::ops::backup::MANIFEST_FILE
        ))
    })?;
    plan_recreate(client, &manifest, version, |resource| {
        backup_copy(dir, resource)
    })
    .await
}

/// The backup's copy of a file resource's bytes, when it is there and whole.
fn backup_copy(
    dir: &Path,
    resource: &BackedFileResource,
) -> std::result::Result<FileSource, String> {
    if !is_backup_file(&resource.file) {
        return Err(format!(
            "the manifest names {:?} as its file, which is not a file of the backup; nothing \
             is read from there",
            resource.file
        ));
    }
    let path = dir.join(&resource.file);
    let intact = std::fs::metadata(&path)
        .is_ok_and(|m| m.is_file() && Some(m.len()) == resource.content_length);
    if intact {
        Ok(FileSource::Backup(path))
    } else {
        Err(format!(
            "the backup's copy {} is missing or not the size it recorded",
            path.display()
        ))
    }
}

/// Plans re-creating `manifest`'s documents on `client`'s server, the bytes of each file coming
/// from `source_of` (a backup's copy, another server).
pub(crate) async fn plan_recreate(
    client: &Client,
    manifest: &Manifest,
    version: Option<&ServerVersion>,
    source_of: impl Fn(&BackedFileResource) -> std::result::Result<FileSource, String>,
) -> Result<Plan> {
    let keep_uid = version.is_none_or(ServerVersion::keeps_upload_uids);
    let uids: Vec<String> = manifest.documents.iter().map(|d| d.id.clone()).collect();
    let there: HashMap<String, Document> = client
        .documents_by_id(&uids)
        .await?
        .into_iter()
        .map(|document| (document.id.clone(), document))
        .collect();
    let file_uids: Vec<String> = manifest
        .file_resources
        .iter()
        .map(|fr| fr.id.clone())
        .collect();
    // Before 2.41 no list says which are there: an upload of one that is answers E1119.
    let resources_there: HashMap<String, FileResource> =
        match client.file_resources_by_id(&file_uids).await {
            Ok(found) => found.into_iter().map(|fr| (fr.id.clone(), fr)).collect(),
            Err(Error::NotAvailable { .. }) => HashMap::new(),
            Err(error) => return Err(error),
        };
    let steps = manifest
        .documents
        .iter()
        .map(|backed| {
            let resource = backed
                .url
                .as_deref()
                .and_then(|uid| manifest.file_resource(uid));
            let target = Target {
                document: there.get(&backed.id),
                resources: &resources_there,
                keep_uid,
            };
            plan_one(backed, resource, &target, &source_of)
        })
        .collect();
    let mut notes = vec![
        "sharing is applied once each document exists (DHIS2 discards sharing sent with a new \
         document)"
            .to_string(),
    ];
    if !keep_uid {
        notes.push(format!(
            "DHIS2 {} cannot keep file resource uids: each file gets a new one and its \
             document points at it (document uids are kept)",
            version.map(ToString::to_string).unwrap_or_default()
        ));
    }
    Ok(Plan { steps, notes })
}

/// What the target server has of one document.
struct Target<'a> {
    document: Option<&'a Document>,
    resources: &'a HashMap<String, FileResource>,
    keep_uid: bool,
}

fn plan_one(
    backed: &BackedDocument,
    resource: Option<&BackedFileResource>,
    target: &Target<'_>,
    source_of: &impl Fn(&BackedFileResource) -> std::result::Result<FileSource, String>,
) -> Step {
    let (there, resources_there, keep_uid) = (target.document, target.resources, target.keep_uid);
    let mut step = Step {
        label: backed.name.clone(),
        uid: Some(backed.id.clone()),
        bytes: resource.and_then(|r| r.content_length),
        action: Action::Skip { why: String::new() },
    };
    let cannot = |why: String| Action::Cannot { why };
    if let Some(existing) = there {
        let same = existing.title() == backed.name
            && existing.external == backed.external
            && existing.url == backed.url;
        step.action = if same {
            Action::Skip {
                why: "on the server already, the same".into(),
            }
        } else {
            cannot(format!(
                "a document with this uid is on the server with other content (\"{}\", {}); \
                 left as it is",
                existing.title(),
                existing.url.as_deref().unwrap_or_default()
            ))
        };
        return step;
    }
    let mut item = RestoreItem {
        id: backed.id.clone(),
        name: backed.name.clone(),
        external: backed.external,
        url: backed.url.clone(),
        sharing: backed.sharing.as_ref().and_then(sharing_of),
        file: None,
    };
    if !backed.external {
        let Some(resource) = resource else {
            step.action = cannot(format!(
                "the backup records no file resource for it ({})",
                backed.url.as_deref().unwrap_or_default()
            ));
            return step;
        };
        let source = match source_of(resource) {
            Ok(source) => source,
            Err(why) => {
                step.action = cannot(why);
                return step;
            }
        };
        let reuse = match resources_there.get(&resource.id) {
            None => None,
            Some(existing) if existing.assigned == Some(true) => {
                step.action = cannot(format!(
                    "file resource {} is on the server already and belongs to another \
                     document (DHIS2 would answer E4016)",
                    resource.id
                ));
                return step;
            }
            Some(existing) if existing.content_md5 == resource.content_md5 => {
                Some(existing.id.clone())
            }
            Some(_) => {
                step.action = cannot(format!(
                    "file resource {} is on the server already with other bytes; left as it is",
                    resource.id
                ));
                return step;
            }
        };
        item.file = Some(RestoreFile {
            source,
            uid: resource.id.clone(),
            md5: resource.content_md5.clone(),
            keep_uid,
            reuse,
        });
    }
    step.action = Action::Restore(Box::new(item));
    step
}

/// The sharing a backup recorded (the document's `sharing` as the server wrote it).
fn sharing_of(recorded: &serde_json::Value) -> Option<Sharing> {
    let mut document = Document::default();
    document.extra.insert("sharing".into(), recorded.clone());
    Sharing::of_document(&document)
}
