//! The plan of a bulk upload: the files named or found in directories, each checked before a
//! byte is sent.
use std::path::{Path, PathBuf};

use crate::api::{Client, Domain, Error, Result, default_document_name};
use crate::ops::plan::{Action, Plan, Step};

/// Why a subdirectory is not in a plan that does not go into subdirectories.
pub const SUBDIRECTORY_LEFT_OUT: &str = "a subdirectory, left out";

/// The most files one batch uploads: more is almost certainly a wrong directory (a home
/// directory, a disk root), and the plan alone would take minutes to check.
pub const MAX_UPLOAD_FILES: usize = 10_000;

/// Plans uploading these paths as documents named after their files. A directory brings its
/// files, and with `recursive` those of its subdirectories; hidden files, links to directories
/// and subdirectories (without `recursive`) are listed as skipped. A file DHIS2 would refuse
/// (empty, a blocked type, over the size limit this server stated) is refused in the plan.
pub async fn plan_upload(client: &Client, paths: &[PathBuf], recursive: bool) -> Result<Plan> {
    let mut steps = Vec::new();
    for path in paths {
        let metadata = tokio::fs::metadata(path).await;
        if metadata.as_ref().is_ok_and(|m| m.is_dir()) {
            walk(path, recursive, &mut steps).await?;
        } else {
            steps.push(file_step(path.clone()));
        }
        if steps.len() > MAX_UPLOAD_FILES {
            return Err(too_many());
        }
    }
    for step in &mut steps {
        if let Action::Upload { path, .. } = &step.action {
            match client.check_upload(path, &Domain::Document).await {
                Ok(length) => step.bytes = Some(length),
                Err(error) => {
                    step.action = Action::Cannot {
                        why: error.to_string(),
                    }
                }
            }
        }
    }
    Ok(Plan {
        steps,
        notes: Vec::new(),
    })
}

fn too_many() -> Error {
    Error::InvalidInput(format!(
        "more than {MAX_UPLOAD_FILES} files to upload; name a narrower directory"
    ))
}

fn file_step(path: PathBuf) -> Step {
    Step {
        label: path.display().to_string(),
        uid: None,
        bytes: None,
        action: Action::Upload {
            name: default_document_name(&path),
            path,
        },
    }
}

fn skipped(path: &Path, why: &str) -> Step {
    Step {
        label: path.display().to_string(),
        uid: None,
        bytes: None,
        action: Action::Skip { why: why.into() },
    }
}

/// The files under `dir`, sorted by name so a batch runs in the same order every time.
async fn walk(dir: &Path, recursive: bool, steps: &mut Vec<Step>) -> Result<()> {
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let mut entries = Vec::new();
        let mut read = tokio::fs::read_dir(&dir).await.map_err(|error| {
            Error::InvalidInput(format!(
                "cannot read the directory {}: {error}",
                dir.display()
            ))
        })?;
        while let Some(entry) = read.next_entry().await.map_err(|error| {
            Error::InvalidInput(format!(
                "cannot read the directory {}: {error}",
                dir.display()
            ))
        })? {
            entries.push(entry.path());
            if steps.len() + entries.len() > MAX_UPLOAD_FILES {
                return Err(too_many());
            }
        }
        entries.sort();
        let mut subdirectories = Vec::new();
        for path in entries {
            let hidden = path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with('.'));
            let link = tokio::fs::symlink_metadata(&path).await;
            let target = tokio::fs::metadata(&path).await;
            let is_dir = target.as_ref().is_ok_and(|m| m.is_dir());
            let is_link = link.as_ref().is_ok_and(|m| m.file_type().is_symlink());
            if hidden {
                steps.push(skipped(&path, "a hidden file"));
            } else if is_dir && is_link {
                steps.push(skipped(&path, "a link to a directory (not followed)"));
            } else if is_dir && recursive {
                subdirectories.push(path);
            } else if is_dir {
                steps.push(skipped(&path, SUBDIRECTORY_LEFT_OUT));
            } else {
                steps.push(file_step(path));
            }
        }
        // Depth first, in name order.
        pending.extend(subdirectories.into_iter().rev());
    }
    Ok(())
}
