//! A plan: one step per item, each saying what will be done to it, known before anything is.
use std::path::PathBuf;

use serde::Serialize;

use crate::api::{Client, Document, FileResource, Sharing};

/// What a batch will do, item by item, plus what the user should know before confirming it
/// (e.g. what the server does with deleted documents' bytes on this version).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub notes: Vec<String>,
}

/// One item of a plan.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// The item as the user knows it: a document's name, a file's path. Server text, raw: every
    /// face neutralises it before a terminal sees it.
    pub label: String,
    /// The document's uid, when the item is one.
    pub uid: Option<String>,
    /// The bytes the step moves or frees, when known.
    pub bytes: Option<u64>,
    #[serde(flatten)]
    pub action: Action,
}

/// What a step does.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Save a file document's bytes at `to`.
    Download {
        to: PathBuf,
        existing: Existing,
        #[serde(skip)]
        document: Box<Document>,
        #[serde(skip)]
        resource: Option<Box<FileResource>>,
    },
    /// Save a file resource's bytes at `to` (one no document points at, in a backup).
    DownloadFile {
        to: PathBuf,
        #[serde(skip)]
        resource: Box<FileResource>,
    },
    /// Delete a document; `dashboards` name the dashboards that show it.
    Delete { dashboards: Vec<String> },
    /// Upload a file as a document called `name`.
    Upload { path: PathBuf, name: String },
    /// Re-create a backed-up document with its uid (and first its file resource), then its
    /// sharing.
    Restore(Box<RestoreItem>),
    /// Nothing to do, and that is fine (already there with the same bytes, skipped by choice).
    Skip { why: String },
    /// Cannot be done (no such document, a file DHIS2 refuses): a failure known in advance.
    Cannot { why: String },
}

/// A document to re-create on a server, as a backup recorded it.
#[derive(Clone, Debug, Serialize)]
pub struct RestoreItem {
    pub id: String,
    pub name: String,
    pub external: bool,
    /// A link's URL (a file document's is its file resource's uid, known once it exists).
    pub url: Option<String>,
    /// Applied once the document exists (DHIS2 discards sharing sent with a new document).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sharing: Option<Sharing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<RestoreFile>,
    /// The document with this uid on the server now, which this one replaces (`--replace`):
    /// updated in place, so its uid, and whatever points at it, stay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<Replaced>,
}

/// What a replaced document was on the server.
#[derive(Clone, Debug, Serialize)]
pub struct Replaced {
    pub name: String,
    /// The file resource it showed, which stays on the server once the document shows another
    /// (DHIS2 keeps it marked as assigned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_resource: Option<String>,
}

/// The bytes of a document to re-create.
#[derive(Clone, Debug, Serialize)]
pub struct RestoreFile {
    /// Where the bytes come from.
    pub source: FileSource,
    /// The file resource's uid where it came from.
    pub uid: String,
    pub md5: Option<String>,
    /// Ask the server to keep `uid` (2.39+); otherwise it makes its own.
    pub keep_uid: bool,
    /// Why the file gets a new uid although the server could keep it (the uid is taken there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_uid_because: Option<String>,
    /// A file resource with these very bytes is on the server already, linked to nothing:
    /// only the document is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reuse: Option<String>,
}

/// Where a re-created document's bytes come from: a backup's copy on disk, or another server
/// (a copy, streamed from one to the other).
#[derive(Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileSource {
    Backup(PathBuf),
    Server {
        #[serde(skip)]
        client: Client,
        /// The file resource there, as read there.
        resource: Box<FileResource>,
    },
}

impl RestoreFile {
    /// Where the bytes come from, for messages.
    pub fn source_name(&self) -> String {
        match &self.source {
            FileSource::Backup(path) => path.display().to_string(),
            FileSource::Server { client, resource } => {
                format!("file resource {} of {}", resource.id, client.base_url())
            }
        }
    }
}

impl std::fmt::Debug for FileSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileSource::Backup(path) => f.debug_tuple("Backup").field(path).finish(),
            FileSource::Server { client, resource } => f
                .debug_struct("Server")
                .field("base_url", &client.base_url())
                .field("resource", &resource.id)
                .finish(),
        }
    }
}

/// A download target that exists already.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Existing {
    /// Nothing there.
    Absent,
    /// Another file is there: the user must say Replace or Skip; unresolved, the step skips.
    Ask,
    /// The user said Replace.
    Replace,
}

/// The answer to a conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    Replace,
    Skip,
}

impl Step {
    /// A step that does something (so counts, takes a transfer slot and has an outcome of its
    /// own), as opposed to a skip or a refusal known in advance.
    pub fn acts(&self) -> bool {
        !matches!(self.action, Action::Skip { .. } | Action::Cannot { .. })
    }

    pub fn is_conflict(&self) -> bool {
        matches!(
            self.action,
            Action::Download {
                existing: Existing::Ask,
                ..
            }
        )
    }
}

impl Plan {
    /// The steps still waiting for Replace or Skip, in order.
    pub fn conflicts(&self) -> Vec<usize> {
        (0..self.steps.len())
            .filter(|&i| self.steps[i].is_conflict())
            .collect()
    }

    /// Answers the conflict at `index`; a step that is no conflict is left as it is.
    pub fn resolve(&mut self, index: usize, resolution: Resolution) {
        let Some(step) = self.steps.get_mut(index).filter(|step| step.is_conflict()) else {
            return;
        };
        match (&mut step.action, resolution) {
            (Action::Download { existing, .. }, Resolution::Replace) => {
                *existing = Existing::Replace
            }
            (Action::Download { to, .. }, Resolution::Skip) => {
                let why = format!("{} exists; skipped as asked", to.display());
                step.action = Action::Skip { why };
            }
            _ => {}
        }
    }

    /// Answers every remaining conflict the same way.
    pub fn resolve_all(&mut self, resolution: Resolution) {
        for index in self.conflicts() {
            self.resolve(index, resolution);
        }
    }

    /// How many steps do something.
    pub fn acting(&self) -> usize {
        self.steps.iter().filter(|step| step.acts()).count()
    }

    /// The bytes the acting steps move or free, as far as known.
    pub fn bytes(&self) -> u64 {
        self.steps
            .iter()
            .filter(|step| step.acts())
            .filter_map(|step| step.bytes)
            .sum()
    }

    /// The plan restricted to these steps (to retry the failed ones), in their order.
    pub fn only(&self, indices: &[usize]) -> Plan {
        Plan {
            steps: indices
                .iter()
                .filter_map(|&i| self.steps.get(i).cloned())
                .collect(),
            notes: self.notes.clone(),
        }
    }
}
