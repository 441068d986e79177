//! `backup`: a directory holding every file document's bytes (verified as downloads are) and a
//! manifest of the documents and file resources, kept up to date run after run. A second run
//! fetches only what changed, and one that was stopped resumes where it was.
mod journal;
mod manifest;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::json;

pub use journal::{Entry, JOURNAL_FILE, Journal};
pub use manifest::{
    BackedDocument, BackedFileResource, MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, Manifest,
    is_backup_file,
};

use crate::api::filename::sanitize_file_name;
use crate::api::{Client, DOCUMENT_FIELDS, Document, Error, FileResource, ListQuery, Result};
use crate::ops::download::with_uid_suffix;
use crate::ops::metadata::file_resources_of;
use crate::ops::outcome::Outcome;
use crate::ops::plan::{Action, Existing, Plan, Step};
use crate::ops::run::Event;
use crate::ops::summary::Summary;

/// The sub-directory holding the files, beside the manifest.
pub const FILES_DIR: &str = "files";
/// The file DHIS2's own `/api/metadata` import takes, for the documents.
pub const METADATA_FILE: &str = "metadata.json";
/// Documents per list request: few requests for a large server, each answer a few MB.
const PAGE_SIZE: u32 = 1000;
/// The most documents one backup lists; a list cut shorter than the server's is refused, since
/// what it missed would count as gone.
const MAX_DOCUMENTS: usize = 1_000_000;

/// What a backup run is asked to do.
pub struct BackupRequest<'a> {
    pub dir: &'a Path,
    /// The server filters that pick the documents (all when empty).
    pub query: ListQuery,
    /// Delete the local files of documents the server no longer has.
    pub prune: bool,
    /// Also the file resources no document points at (2.41+, which lists them).
    pub resources: bool,
    pub jobs: usize,
    pub dhis2_version: Option<String>,
}

/// A backup ready to run: its plan (one download per file to fetch) and the manifest it
/// becomes.
pub struct Backup {
    pub dir: PathBuf,
    pub plan: Plan,
    /// Every document the run keeps without fetching (links, unchanged files), in the
    /// server's order.
    kept: Vec<BackedDocument>,
    kept_resources: Vec<BackedFileResource>,
    /// What step `i` records once its file is saved.
    pending: Vec<Entry>,
    /// Entries of the previous manifest for documents whose step may fail: kept if it does.
    previous: HashMap<String, (BackedDocument, Option<BackedFileResource>)>,
    /// Standalone file resources an earlier run saved.
    previous_resources: HashMap<String, BackedFileResource>,
    gone: Vec<BackedDocument>,
    header: Manifest,
    journal: Journal,
}

/// Plans a backup into `request.dir` (created if missing): lists the documents (one request
/// per page), then reads the file resources of those to fetch, a hundred per request.
pub async fn plan_backup(client: &Client, request: BackupRequest<'_>) -> Result<Backup> {
    let dir = request.dir;
    let files = dir.join(FILES_DIR);
    tokio::fs::create_dir_all(&files).await.map_err(|error| {
        Error::InvalidInput(format!("cannot create {}: {error}", files.display()))
    })?;
    let mut previous = Manifest::read(dir)?;
    let journal_entries = Journal::read(dir);
    if let Some(manifest) = previous.as_mut() {
        fold_journal(manifest, journal_entries);
    } else if !journal_entries.is_empty() {
        let mut manifest = Manifest::new("", None);
        fold_journal(&mut manifest, journal_entries);
        previous = Some(manifest);
    }
    let listed = list_documents(client, &request.query).await?;
    let everything = request.query.filters.is_empty();
    let previous = previous.unwrap_or_else(|| Manifest::new("", None));
    let mut taken: HashSet<String> = previous
        .documents
        .iter()
        .chain(&previous.gone)
        .filter_map(|d| d.file.as_deref().map(str::to_lowercase))
        .collect();
    let before: HashMap<&str, &BackedDocument> = previous
        .documents
        .iter()
        .map(|d| (d.id.as_str(), d))
        .collect();
    let mut kept = Vec::new();
    let mut kept_resources = Vec::new();
    let mut to_fetch = Vec::new();
    for document in &listed {
        let mut backed = backed_document(document);
        if document.external {
            kept.push(backed);
            continue;
        }
        let earlier = before.get(document.id.as_str());
        let unchanged = earlier.and_then(|earlier| {
            let fr = previous.file_resource(earlier.url.as_deref()?)?;
            let same = earlier.url == backed.url && still_there(dir, fr);
            same.then_some((earlier, fr))
        });
        match unchanged {
            Some((earlier, fr)) => {
                backed.file = earlier.file.clone();
                kept.push(backed);
                kept_resources.push(fr.clone());
            }
            None => {
                let earlier_file = earlier
                    .and_then(|e| e.file.clone())
                    .filter(|file| is_backup_file(file));
                to_fetch.push((document, earlier_file));
            }
        }
    }
    let resources =
        file_resources_of(client, to_fetch.iter().map(|(d, _)| *d), request.jobs).await?;
    let mut steps = Vec::with_capacity(to_fetch.len());
    let mut pending = Vec::with_capacity(to_fetch.len());
    for (document, earlier_file) in to_fetch {
        let backed = backed_document(document);
        let fr_uid = document.file_resource_uid().unwrap_or_default();
        let Some(resource) = resources.get(fr_uid) else {
            steps.push(Step {
                label: document.title().to_string(),
                uid: Some(document.id.clone()),
                bytes: None,
                action: Action::Cannot {
                    why: format!(
                        "its file resource {fr_uid}, which says what the bytes must be, could \
                         not be read"
                    ),
                },
            });
            pending.push(entry(backed, None, String::new()));
            continue;
        };
        let relative = earlier_file.unwrap_or_else(|| {
            unique_name(
                stored_name(resource, document.title()),
                &document.id,
                &mut taken,
            )
        });
        let to = dir.join(&relative);
        let existing = if tokio::fs::symlink_metadata(&to).await.is_ok() {
            // This document's earlier bytes, or a part of a run that stopped: ours to replace.
            Existing::Replace
        } else {
            Existing::Absent
        };
        steps.push(Step {
            label: document.title().to_string(),
            uid: Some(document.id.clone()),
            bytes: resource.content_length,
            action: Action::Download {
                to,
                existing,
                document: Box::new(document.clone()),
                resource: Some(Box::new(resource.clone())),
            },
        });
        pending.push(entry(backed, Some(resource), relative));
    }
    let document_steps = steps.len();
    // File resources no document points at: with --resources fetched like the documents'
    // files, otherwise carried over as an earlier run saved them.
    let referenced: HashSet<&str> = previous
        .documents
        .iter()
        .chain(&previous.gone)
        .filter_map(|d| d.url.as_deref())
        .chain(listed.iter().filter_map(|d| d.file_resource_uid()))
        .collect();
    let previous_resources: HashMap<String, BackedFileResource> = previous
        .file_resources
        .iter()
        .filter(|fr| !referenced.contains(fr.id.as_str()))
        .map(|fr| (fr.id.clone(), fr.clone()))
        .collect();
    if request.resources {
        for resource in list_standalone(client, &referenced).await? {
            let earlier = previous_resources.get(&resource.id);
            let refused = resource.domain.as_ref().filter(|d| d.download_refused());
            if let Some(domain) = refused {
                steps.push(Step {
                    label: resource.title().to_string(),
                    uid: Some(resource.id.clone()),
                    bytes: resource.content_length,
                    action: Action::Skip {
                        why: format!(
                            "DHIS2 never serves {} file resources for download",
                            domain.as_str()
                        ),
                    },
                });
                pending.push(standalone_entry(&resource, String::new()));
                continue;
            }
            if let Some(earlier) = earlier.filter(|earlier| still_there(dir, earlier)) {
                kept_resources.push(earlier.clone());
                continue;
            }
            let relative = earlier
                .map(|earlier| earlier.file.clone())
                .filter(|file| is_backup_file(file))
                .unwrap_or_else(|| {
                    unique_name(
                        stored_name(&resource, &resource.id),
                        &resource.id,
                        &mut taken,
                    )
                });
            steps.push(Step {
                label: resource.title().to_string(),
                uid: Some(resource.id.clone()),
                bytes: resource.content_length,
                action: Action::DownloadFile {
                    to: dir.join(&relative),
                    resource: Box::new(resource.clone()),
                },
            });
            pending.push(standalone_entry(&resource, relative));
        }
    } else {
        kept_resources.extend(
            previous_resources
                .values()
                .filter(|fr| still_there(dir, fr))
                .cloned(),
        );
    }
    let listed_ids: HashSet<&str> = listed.iter().map(|d| d.id.as_str()).collect();
    let mut gone: Vec<BackedDocument> = previous.gone.clone();
    let mut previous_entries = HashMap::new();
    for earlier in &previous.documents {
        let fr = earlier
            .url
            .as_deref()
            .and_then(|uid| previous.file_resource(uid))
            .cloned();
        if !listed_ids.contains(earlier.id.as_str()) {
            if everything {
                gone.push(earlier.clone());
            } else {
                // Outside this run's filter: kept as it was.
                kept.push(earlier.clone());
                kept_resources.extend(fr);
            }
        } else {
            previous_entries.insert(earlier.id.clone(), (earlier.clone(), fr));
        }
    }
    let mut notes = Vec::new();
    let unchanged = listed.len() - document_steps;
    if unchanged > 0 && !previous.documents.is_empty() {
        notes.push(format!(
            "{unchanged} documents unchanged since the backup of {}",
            previous.updated
        ));
    }
    let newly_gone = gone.len() - previous.gone.len();
    if newly_gone > 0 {
        notes.push(if request.prune {
            format!("{newly_gone} documents are gone from the server: their files are deleted here (--prune)")
        } else {
            format!(
                "{newly_gone} documents are gone from the server: their files stay here, listed as gone in the manifest (--prune deletes them)"
            )
        });
    }
    if request.prune {
        for document in gone.drain(..) {
            if let Some(file) = document.file.as_deref().filter(|file| is_backup_file(file)) {
                let _ = tokio::fs::remove_file(dir.join(file)).await;
            }
        }
    }
    let server = crate::api::without_userinfo(client.base_url());
    Ok(Backup {
        dir: dir.to_path_buf(),
        plan: Plan { steps, notes },
        kept,
        kept_resources,
        pending,
        previous: previous_entries,
        previous_resources,
        gone,
        header: Manifest::new(server.trim_end_matches('/'), request.dhis2_version),
        journal: Journal::in_dir(dir),
    })
}

impl Backup {
    /// What the run's event callback does with an event: a saved file goes to the journal at
    /// once, so a stopped run resumes after it.
    pub fn recorder(&self) -> impl Fn(&Event) + Send + Sync + 'static {
        let journal = self.journal.clone();
        let pending = self.pending.clone();
        move |event| {
            if let Event::Finished {
                step,
                outcome: Outcome::Downloaded(_),
            } = event
                && let Some(entry) = pending.get(*step)
            {
                journal.record(entry);
            }
        }
    }

    /// Writes the manifest and `metadata.json` for what the run did: every saved file, and for
    /// a document whose file could not be fetched, what an earlier run saved of it.
    pub fn finish(self, summary: &Summary) -> Result<Manifest> {
        let mut manifest = self.header;
        manifest.documents = self.kept;
        manifest.file_resources = self.kept_resources;
        for ((_, outcome), entry) in summary.steps.iter().zip(self.pending) {
            if matches!(outcome, Outcome::Downloaded(_)) {
                manifest.documents.extend(entry.document);
                manifest.file_resources.push(entry.file_resource);
            } else if let Some((document, resource)) = entry
                .document
                .as_ref()
                .and_then(|document| self.previous.get(&document.id))
            {
                manifest.documents.push(document.clone());
                manifest.file_resources.extend(resource.clone());
            } else if entry.document.is_none()
                && let Some(earlier) = self.previous_resources.get(&entry.file_resource.id)
            {
                // A standalone file resource that failed this time: what an earlier run saved.
                manifest.file_resources.push(earlier.clone());
            }
        }
        manifest.gone = self.gone;
        manifest.documents.sort_by(|a, b| a.id.cmp(&b.id));
        manifest.file_resources.sort_by(|a, b| a.id.cmp(&b.id));
        manifest.file_resources.dedup_by(|a, b| a.id == b.id);
        manifest.write(&self.dir)?;
        manifest::write_atomically(&self.dir, METADATA_FILE, &metadata_json(&manifest))?;
        self.journal.remove();
        Ok(manifest)
    }
}

/// The file resources the server lists that no document points at.
async fn list_standalone(client: &Client, referenced: &HashSet<&str>) -> Result<Vec<FileResource>> {
    let query = ListQuery::new().page_size(PAGE_SIZE);
    let all = client
        .list_all_file_resources(&query, MAX_DOCUMENTS)
        .await
        .map_err(|error| match error {
            Error::NotAvailable { .. } => Error::InvalidInput(
                "--resources needs DHIS2 2.41 or later: before it the server cannot list file \
                 resources"
                    .into(),
            ),
            other => other,
        })?;
    if let Some(cut) = all.cut {
        return Err(Error::InvalidInput(format!(
            "the server's file resource list stopped after {} ({})",
            all.items.len(),
            cut.code()
        )));
    }
    Ok(all
        .items
        .into_iter()
        .filter(|resource| !referenced.contains(resource.id.as_str()))
        .collect())
}

/// What a standalone file resource's step records once saved.
fn standalone_entry(resource: &FileResource, file: String) -> Entry {
    let recorded = entry(backed_document(&Document::default()), Some(resource), file);
    Entry {
        document: None,
        file_resource: recorded.file_resource,
    }
}

/// Every document the query picks, in pages of [`PAGE_SIZE`], with their sharing.
pub(crate) async fn list_documents(client: &Client, query: &ListQuery) -> Result<Vec<Document>> {
    let mut query = query.clone();
    query.page = 1;
    query.page_size = PAGE_SIZE;
    query.fields = Some(format!("{DOCUMENT_FIELDS},sharing"));
    let all = client.list_all_documents(&query, MAX_DOCUMENTS).await?;
    if let Some(cut) = all.cut {
        return Err(Error::InvalidInput(format!(
            "the server's list stopped after {} documents ({}); a backup of part of it would \
             take the rest for gone",
            all.items.len(),
            cut.code()
        )));
    }
    Ok(all.items)
}

pub(crate) fn backed_document(document: &Document) -> BackedDocument {
    let date =
        |d: Option<chrono::NaiveDateTime>| d.map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3f").to_string());
    BackedDocument {
        id: document.id.clone(),
        name: document.title().to_string(),
        external: document.external,
        url: document.url.clone(),
        created: date(document.created),
        last_updated: date(document.last_updated),
        sharing: document.extra.get("sharing").cloned(),
        file: None,
    }
}

pub(crate) fn entry(
    mut document: BackedDocument,
    resource: Option<&FileResource>,
    file: String,
) -> Entry {
    document.file = Some(file.clone()).filter(|f| !f.is_empty());
    let file_resource = BackedFileResource {
        id: resource.map(|r| r.id.clone()).unwrap_or_default(),
        name: resource.and_then(|r| r.name.clone()),
        content_type: resource.and_then(|r| r.content_type.clone()),
        content_length: resource.and_then(|r| r.content_length),
        content_md5: resource.and_then(|r| r.content_md5.clone()),
        domain: resource.and_then(|r| r.domain.as_ref().map(|d| d.as_str().to_string())),
        file,
    };
    Entry {
        document: Some(document),
        file_resource,
    }
}

/// A file name under `files/` no other document of the backup has: the stored name, made
/// safe, with the uid added when it is taken.
fn unique_name(stored: &str, uid: &str, taken: &mut HashSet<String>) -> String {
    let mut name = format!("{FILES_DIR}/{}", sanitize_file_name(stored));
    if !taken.insert(name.to_lowercase()) {
        // Made safe again: the uid may take a long name past the length limit.
        let suffixed = with_uid_suffix(&sanitize_file_name(stored), uid);
        name = format!("{FILES_DIR}/{}", sanitize_file_name(&suffixed));
        taken.insert(name.to_lowercase());
    }
    name
}

/// The name a file resource's bytes are stored under: its own, else `fallback`.
fn stored_name<'a>(resource: &'a FileResource, fallback: &'a str) -> &'a str {
    resource
        .name
        .as_deref()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or(fallback)
}

/// The file an earlier run saved is there, as long as it was.
fn still_there(dir: &Path, resource: &BackedFileResource) -> bool {
    is_backup_file(&resource.file)
        && std::fs::metadata(dir.join(&resource.file))
            .is_ok_and(|m| m.is_file() && Some(m.len()) == resource.content_length)
}

/// Adds what an interrupted run saved to the manifest it started from.
fn fold_journal(manifest: &mut Manifest, entries: Vec<Entry>) {
    for entry in entries {
        if let Some(document) = entry.document {
            manifest.documents.retain(|d| d.id != document.id);
            manifest.documents.push(document);
        }
        manifest
            .file_resources
            .retain(|fr| fr.id != entry.file_resource.id);
        manifest.file_resources.push(entry.file_resource);
    }
}

/// The documents as DHIS2's `/api/metadata` import takes them (file resources cannot be
/// imported that way: restore them first, then import this).
fn metadata_json(manifest: &Manifest) -> Vec<u8> {
    let documents: Vec<serde_json::Value> = manifest
        .documents
        .iter()
        .map(|d| {
            let mut value =
                json!({"id": d.id, "name": d.name, "url": d.url, "external": d.external});
            if let Some(sharing) = &d.sharing {
                value["sharing"] = sharing.clone();
            }
            value
        })
        .collect();
    serde_json::to_vec_pretty(&json!({ "documents": documents })).unwrap_or_default()
}
