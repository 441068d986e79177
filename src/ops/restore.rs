//! The plan of a restore: each document of a backup, re-created with its uid on a server, or
//! skipped because it is there already with the same content, or refused (a conflict, a
//! damaged copy) with the reason. Nothing on the server is changed by planning.
use std::collections::HashMap;
use std::path::Path;

use crate::api::{Client, Document, Error, FileResource, Result, ServerVersion, Sharing};
use crate::ops::backup::{BackedDocument, BackedFileResource, Manifest, is_backup_file};
use crate::ops::metadata::file_resources_of;
use crate::ops::plan::{Action, FileSource, Plan, Replaced, RestoreFile, RestoreItem, Step};

/// Plans restoring the backup in `dir` onto `client`'s server (of `version`, when known);
/// `on_conflict` says what becomes of what is there with other content.
pub async fn plan_restore(
    client: &Client,
    dir: &Path,
    version: Option<&ServerVersion>,
    on_conflict: OnConflict,
) -> Result<Plan> {
    let manifest = Manifest::read(dir)?.ok_or_else(|| {
        Error::InvalidInput(format!(
            "{} holds no d2files backup (no {})",
            dir.display(),
            crate::ops::backup::MANIFEST_FILE
        ))
    })?;
    plan_recreate(client, &manifest, version, on_conflict, |resource| {
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

/// What to do with a document or file resource that is on the server already with other
/// content.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnConflict {
    /// Report it and leave it as it is.
    #[default]
    Keep,
    /// Replace it: the document is updated in place (its uid kept), and a file whose uid is
    /// taken on the server is uploaded under a new one.
    Replace,
}

/// Plans re-creating `manifest`'s documents on `client`'s server, the bytes of each file coming
/// from `source_of` (a backup's copy, another server).
pub(crate) async fn plan_recreate(
    client: &Client,
    manifest: &Manifest,
    version: Option<&ServerVersion>,
    on_conflict: OnConflict,
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
    // The files of the documents there, to tell the same bytes from others (read one by one
    // where the server lists none)...
    let mut resources_there = file_resources_of(client, there.values(), JOBS_FOR_READS).await?;
    // ...and which of the backup's file resource uids are taken. Before 2.41 no list says: an
    // upload of one that is answers E1119.
    let unknown: Vec<String> = manifest
        .file_resources
        .iter()
        .map(|fr| fr.id.clone())
        .filter(|uid| !resources_there.contains_key(uid))
        .collect();
    match client.file_resources_by_id(&unknown).await {
        Ok(found) => resources_there.extend(found.into_iter().map(|fr| (fr.id.clone(), fr))),
        Err(Error::NotAvailable { .. }) => {}
        Err(error) => return Err(error),
    }
    let rules = Rules {
        keep_uid,
        on_conflict,
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
            };
            plan_one(backed, resource, &target, rules, &source_of)
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
    if on_conflict == OnConflict::Replace {
        notes.push(
            "a replaced document keeps its uid and shows the backup's file; the file it showed \
             stays on the server (DHIS2 keeps it as assigned) and is named in the summary"
                .to_string(),
        );
    }
    Ok(Plan { steps, notes })
}

/// File resources read one by one at once where the server lists none (2.38–2.40).
const JOBS_FOR_READS: usize = 8;

/// What the target server has of one document.
struct Target<'a> {
    document: Option<&'a Document>,
    /// The file resources there that matter: the backup's uids that are taken, and the files
    /// of the documents there.
    resources: &'a HashMap<String, FileResource>,
}

/// How a restore goes on this server.
#[derive(Clone, Copy)]
struct Rules {
    keep_uid: bool,
    on_conflict: OnConflict,
}

/// The hint a conflict carries.
const REPLACE_HINT: &str = "left as it is (--replace replaces it)";

fn plan_one(
    backed: &BackedDocument,
    resource: Option<&BackedFileResource>,
    target: &Target<'_>,
    rules: Rules,
    source_of: &impl Fn(&BackedFileResource) -> std::result::Result<FileSource, String>,
) -> Step {
    let mut step = Step {
        label: backed.name.clone(),
        uid: Some(backed.id.clone()),
        bytes: resource.and_then(|r| r.content_length),
        action: Action::Skip { why: String::new() },
    };
    let replace = rules.on_conflict == OnConflict::Replace;
    let mut replaces = None;
    if let Some(existing) = target.document {
        if same_document(existing, backed, resource, target.resources) {
            step.action = Action::Skip {
                why: "already on the target server, the same".into(),
            };
            return step;
        }
        if !replace {
            step.action = Action::Cannot {
                why: format!(
                    "a document with this uid is on the server with other content (\"{}\", \
                     {}); {REPLACE_HINT}",
                    existing.title(),
                    existing.url.as_deref().unwrap_or_default()
                ),
            };
            return step;
        }
        replaces = Some(Replaced {
            name: existing.title().to_string(),
            file_resource: existing
                .file_resource_uid()
                .filter(|_| !existing.external)
                .map(str::to_string),
        });
    }
    let mut item = RestoreItem {
        id: backed.id.clone(),
        name: backed.name.clone(),
        external: backed.external,
        url: backed.url.clone(),
        sharing: backed.sharing.as_ref().and_then(sharing_of),
        file: None,
        replaces,
    };
    if !backed.external {
        let Some(resource) = resource else {
            step.action = Action::Cannot {
                why: format!(
                    "the backup records no file resource for it ({})",
                    backed.url.as_deref().unwrap_or_default()
                ),
            };
            return step;
        };
        let source = match source_of(resource) {
            Ok(source) => source,
            Err(why) => {
                step.action = Action::Cannot { why };
                return step;
            }
        };
        let shown_now = item
            .replaces
            .as_ref()
            .and_then(|replaced| replaced.file_resource.as_deref());
        let taken = match file_uid_taken(resource, target.resources, shown_now) {
            Ok(taken) => taken,
            Err(why) if replace => Some(Taken::Other(why)),
            Err(why) => {
                step.action = Action::Cannot {
                    why: format!("{why}; {REPLACE_HINT}"),
                };
                return step;
            }
        };
        let (reuse, new_uid_because) = match taken {
            None => (None, None),
            Some(Taken::Reusable) => (Some(resource.id.clone()), None),
            Some(Taken::Other(why)) => (None, Some(why)),
        };
        item.file = Some(RestoreFile {
            source,
            uid: resource.id.clone(),
            md5: resource.content_md5.clone(),
            keep_uid: rules.keep_uid && new_uid_because.is_none(),
            new_uid_because,
            reuse,
        });
    }
    step.action = Action::Restore(Box::new(item));
    step
}

/// The document there is the one backed up: the same name and kind, and the same link or the
/// same bytes (whatever the file resource's uid, which a 2.38 server chose itself).
fn same_document(
    existing: &Document,
    backed: &BackedDocument,
    resource: Option<&BackedFileResource>,
    resources_there: &HashMap<String, FileResource>,
) -> bool {
    if existing.title() != backed.name || existing.external != backed.external {
        return false;
    }
    if backed.external {
        return existing.url == backed.url;
    }
    let there = existing
        .file_resource_uid()
        .and_then(|uid| resources_there.get(uid));
    match (there, resource) {
        (Some(there), Some(backed)) => same_md5(there, backed),
        _ => existing.url == backed.url,
    }
}

fn same_md5(there: &FileResource, backed: &BackedFileResource) -> bool {
    match (&there.content_md5, &backed.content_md5) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// The backup's file resource uid is taken on the server.
enum Taken {
    /// By a file resource with these very bytes that no document shows: it can be linked.
    Reusable,
    /// By another (why): the file needs a new uid.
    Other(String),
}

/// Whether the backup's file resource uid is free on the server; `Err` when it is taken in a
/// way that is a conflict unless the user said `--replace`. `shown_now` is the file of the
/// document being replaced, whose uid is taken by the document itself.
fn file_uid_taken(
    resource: &BackedFileResource,
    resources_there: &HashMap<String, FileResource>,
    shown_now: Option<&str>,
) -> std::result::Result<Option<Taken>, String> {
    let Some(existing) = resources_there.get(&resource.id) else {
        return Ok(None);
    };
    if shown_now == Some(resource.id.as_str()) {
        // DHIS2 through 2.42.5 refuses an update that keeps the document's file (E4016).
        return Ok(Some(Taken::Other(format!(
            "the document shows file resource {} already, and DHIS2 refuses an update that \
             keeps it (E4016)",
            resource.id
        ))));
    }
    if existing.assigned == Some(true) {
        return Err(format!(
            "file resource {} is on the server already and belongs to another document \
             (DHIS2 would answer E4016)",
            resource.id
        ));
    }
    if same_md5(existing, resource) {
        return Ok(Some(Taken::Reusable));
    }
    Err(format!(
        "file resource {} is on the server already with other bytes",
        resource.id
    ))
}

/// The sharing a backup recorded (the document's `sharing` as the server wrote it).
fn sharing_of(recorded: &serde_json::Value) -> Option<Sharing> {
    let mut document = Document::default();
    document.extra.insert("sharing".into(), recorded.clone());
    Sharing::of_document(&document)
}
