//! The plan of a bulk download: where each document goes, which names collide, what exists.
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::api::filename::sanitize_file_name;
use crate::api::{Client, Document, Error, FileResource, Result};
use crate::ops::local_md5::file_md5;
use crate::ops::metadata::{document_or_why, documents_of, file_resources_of, once_each};
use crate::ops::plan::{Action, Existing, Plan, Step};

/// Plans saving these documents into `dir`, in the order given (repeats once). Two documents
/// with the same file name never overwrite each other: the later ones get their uid added. A
/// file already there with the same bytes is skipped; another file there is a conflict for the
/// user to answer. Reads the metadata a hundred documents per request.
pub async fn plan_download(
    client: &Client,
    uids: &[String],
    dir: &Path,
    jobs: usize,
) -> Result<Plan> {
    if !tokio::fs::metadata(dir).await.is_ok_and(|m| m.is_dir()) {
        return Err(Error::InvalidInput(format!(
            "{} is not a directory; a batch saves into one",
            dir.display()
        )));
    }
    let uids = once_each(uids);
    let documents = documents_of(client, &uids, jobs).await?;
    let readable = documents.values().filter_map(|read| read.as_ref().ok());
    let resources = file_resources_of(client, readable, jobs).await?;
    let mut taken = HashSet::new();
    let mut steps = Vec::with_capacity(uids.len());
    for uid in &uids {
        let document = document_or_why(&documents, uid);
        steps.push(plan_one(uid, document, &resources, dir, &mut taken).await);
    }
    Ok(Plan {
        steps,
        notes: Vec::new(),
    })
}

async fn plan_one(
    uid: &str,
    document: std::result::Result<&Document, String>,
    resources: &HashMap<String, FileResource>,
    dir: &Path,
    taken: &mut HashSet<String>,
) -> Step {
    let mut step = Step {
        label: uid.to_string(),
        uid: Some(uid.to_string()),
        bytes: None,
        action: Action::Cannot { why: String::new() },
    };
    let document = match document {
        Ok(document) => document,
        Err(why) => {
            step.action = Action::Cannot { why };
            return step;
        }
    };
    step.label = document.title().to_string();
    if document.external {
        step.action = Action::Skip {
            why: format!(
                "an external link ({}): there is no file to download",
                document.url.as_deref().unwrap_or_default()
            ),
        };
        return step;
    }
    let resource = match document.file_resource_uid() {
        Some(fr) => match resources.get(fr) {
            Some(resource) => Some(resource),
            None => {
                step.action = Action::Cannot {
                    why: format!(
                        "its file resource {fr}, which says what the bytes must be, could not \
                         be read"
                    ),
                };
                return step;
            }
        },
        None => None,
    };
    step.bytes = resource.and_then(|resource| resource.content_length);
    let stored_name = resource
        .and_then(|resource| resource.name.as_deref())
        .filter(|name| !name.trim().is_empty())
        .unwrap_or(document.title());
    let mut name = sanitize_file_name(stored_name);
    if !taken.insert(name.to_lowercase()) {
        name = with_uid_suffix(&name, uid);
        if !taken.insert(name.to_lowercase()) {
            step.action = Action::Cannot {
                why: format!("another document of this batch is saved as {name}"),
            };
            return step;
        }
    }
    let to = dir.join(&name);
    step.action = match what_is_at(&to, resource).await {
        Ok(existing) => Action::Download {
            to,
            existing,
            document: Box::new(document.clone()),
            resource: resource.cloned().map(Box::new),
        },
        Err(action) => action,
    };
    step
}

/// `report.pdf` → `report-UID.pdf`: the name a later document of the same name gets, the same
/// on every run.
pub fn with_uid_suffix(name: &str, uid: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => format!("{stem}-{uid}.{extension}"),
        _ => format!("{name}-{uid}"),
    }
}

/// What is at a download's target: nothing, or another file (a conflict); the same bytes
/// already there, or something that is not a regular file, end the step before it starts.
async fn what_is_at(
    to: &PathBuf,
    resource: Option<&FileResource>,
) -> std::result::Result<Existing, Action> {
    let metadata = match tokio::fs::symlink_metadata(to).await {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Absent),
        Err(error) => {
            return Err(Action::Cannot {
                why: format!("cannot look at {}: {error}", to.display()),
            });
        }
    };
    if !metadata.is_file() {
        return Err(Action::Cannot {
            why: format!(
                "{} exists and is not a regular file; nothing is written over it",
                to.display()
            ),
        });
    }
    let stored = resource.and_then(|r| r.content_length.zip(r.content_md5.as_deref()));
    if let Some((length, md5)) = stored
        && metadata.len() == length
        && file_md5(to)
            .await
            .is_some_and(|local| local.eq_ignore_ascii_case(md5))
    {
        return Err(Action::Skip {
            why: format!("{} is there already with the same MD5", to.display()),
        });
    }
    Ok(Existing::Ask)
}
