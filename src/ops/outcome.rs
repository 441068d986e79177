//! How a step of a run ended.
use serde::Serialize;

use crate::api::{Document, Downloaded, FileResource};
use crate::ops::plan::Step;

/// How a step ended.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Downloaded(Downloaded),
    Deleted,
    Uploaded {
        document: Box<Document>,
        file_resource: Box<FileResource>,
    },
    /// A document re-created with its uid; `file_resource` is the uid its bytes have now;
    /// `previous_file` the file resource a replaced document showed before, which stays on
    /// the server.
    Restored {
        document: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        file_resource: Option<String>,
        sharing_applied: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        previous_file: Option<String>,
    },
    Skipped {
        why: String,
    },
    /// `error` in DHIS2's words or ours; `unlinked` names a file resource the server kept,
    /// linked to nothing.
    Failed {
        error: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        unlinked: Option<String>,
    },
    Cancelled {
        #[serde(skip_serializing_if = "Option::is_none")]
        unlinked: Option<String>,
    },
}

impl Outcome {
    /// The bytes the step moved or freed.
    pub fn bytes(&self, step: &Step) -> u64 {
        match self {
            Outcome::Downloaded(saved) => saved.bytes,
            Outcome::Deleted | Outcome::Restored { .. } => step.bytes.unwrap_or(0),
            Outcome::Uploaded { file_resource, .. } => file_resource.content_length.unwrap_or(0),
            _ => 0,
        }
    }
}
