//! Work over many items (design.md §7): a [`Plan`] computed before anything changes, which is
//! the only thing [`apply`] executes, with bounded concurrency and cancellation, ending in a
//! [`Summary`]. The CLI, the TUI and MCP are its faces; `api`'s transfer core still moves every
//! byte.
pub mod backup;
pub mod check;
mod copy;
mod delete;
mod download;
mod local_md5;
mod metadata;
mod outcome;
mod plan;
mod recreate;
mod restore;
mod run;
mod select;
mod summary;
mod upload;

pub use copy::{plan_copy, plan_copy_of};
pub use delete::{file_bytes_after_delete, plan_delete};
pub use download::{plan_download, with_uid_suffix};
pub use outcome::Outcome;
pub use plan::{
    Action, Existing, FileSource, Plan, Replaced, Resolution, RestoreFile, RestoreItem, Step,
};
pub use restore::{OnConflict, plan_restore};
pub use run::{
    ApplyOptions, DEFAULT_JOBS, Event, JOBS_VARIABLE, MAX_JOBS, Run, apply, jobs_for_link,
    jobs_from,
};
pub use select::{MAX_SELECTED, matching_documents};
pub use summary::{Counts, Summary};
pub use upload::{MAX_UPLOAD_FILES, SUBDIRECTORY_LEFT_OUT, plan_upload};
