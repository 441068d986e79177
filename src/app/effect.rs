//! What `update` asks the outside world to do. The runner (or the event loop, for the terminal)
//! carries these out and answers with messages.
use std::path::PathBuf;

use crate::api::{Domain, ListQuery, SharingChange};
use crate::app::batch::{BatchWork, SharedPlan};
use crate::app::ids::{BatchId, ReqId, TransferId};
use crate::app::known_resources::KnownResource;
use crate::app::transfer_job::TransferJob;

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Connect,
    FetchDocuments {
        req: ReqId,
        query: ListQuery,
    },
    FetchResources {
        req: ReqId,
        query: ListQuery,
    },
    FetchDetail {
        req: ReqId,
        uid: String,
    },
    FetchResource {
        req: ReqId,
        uid: String,
    },
    /// The file resources behind a page of documents, for their type and size (2.41+).
    FetchDocumentFiles {
        uids: Vec<String>,
    },
    CreateLink {
        name: String,
        url: String,
    },
    Delete {
        uid: String,
        name: String,
    },
    StartTransfer {
        id: TransferId,
        job: TransferJob,
    },
    CancelTransfer(TransferId),
    /// Plans work over many items (`ops::plan_*`); answered by `Msg::BatchPlanned`.
    PlanBatch {
        req: ReqId,
        work: BatchWork,
    },
    /// Applies a confirmed plan (`ops::apply`), a few steps at a time, onto the server of
    /// profile `onto` (connected when the plan was made: a copy's target) or, when `None`, the
    /// session's; answered by `Msg::BatchEvent`s and one `Msg::BatchFinished`.
    ApplyBatch {
        batch: BatchId,
        plan: SharedPlan,
        onto: Option<String>,
    },
    /// Reads the configured profiles (`config::list_profiles`), for the list a copy's target
    /// is chosen from; answered by `Msg::ProfilesListed`.
    ListProfiles {
        req: ReqId,
    },
    /// Stops one step of a batch, queued or running.
    CancelBatchStep {
        batch: BatchId,
        step: usize,
    },
    /// Stops every step of a batch that has not ended.
    CancelBatch(BatchId),
    /// Runs the integrity check (`ops::check::check_server`) over the documents `query`'s
    /// filters pick (every document and, 2.41+, every file resource when it has none), in the
    /// background; answered by `Msg::CheckProgress`es and one `Msg::Checked`. A new one stops
    /// the one before.
    StartCheck {
        req: ReqId,
        query: ListQuery,
    },
    /// Stops the running check (it only reads, so nothing is left half done).
    CancelCheck,
    /// Reads these documents (a hundred per request), for the list's "problems only" view;
    /// answered as a first page without a pager (`Msg::DocumentsLoaded`, page 1).
    FetchDocumentsById {
        req: ReqId,
        uids: Vec<String>,
    },
    /// Pages in every document matching `query`'s filters (`ops::matching_documents`).
    SelectMatching {
        req: ReqId,
        query: ListQuery,
    },
    /// Renames a document (`Client::rename_document`: the update the server allows, its
    /// sharing put back); answered by `Msg::Renamed`.
    Rename {
        req: ReqId,
        uid: String,
        name: String,
    },
    /// Reads a document's sharing with names (`Client::document_sharing_view`); answered by
    /// `Msg::SharingLoaded`.
    FetchSharing {
        req: ReqId,
        uid: String,
    },
    /// Asks the server for the user groups and users `key` can mean (`/api/sharing/search`);
    /// answered by `Msg::SharingCandidates`.
    SearchSharing {
        req: ReqId,
        key: String,
    },
    /// Makes `change` to the sharing of each document: read, changed, written unless the
    /// same, a few documents at a time; answered by one `Msg::SharingApplied`.
    ApplySharing {
        req: ReqId,
        uids: Vec<String>,
        change: SharingChange,
    },
    /// Reads the first bytes of file resource `uid` (at most what `limits` allow for its type)
    /// and decodes them for the preview pane; answered by `Msg::PreviewLoaded`. A newer one
    /// stops the one before.
    FetchPreview {
        req: ReqId,
        uid: String,
        limits: crate::preview::Limits,
    },
    /// Stops the preview read in flight: the cursor moved on.
    CancelPreview,
    CompletePath {
        req: ReqId,
        input: String,
    },
    /// Checks an upload's source before the form closes: there, a regular file, not empty, not
    /// a type DHIS2 refuses, not above a size limit the server stated for the domain.
    CheckUpload {
        req: ReqId,
        path: PathBuf,
        domain: Domain,
    },
    /// Adds a file resource to the list this tool keeps of its own uploads.
    RememberUpload(KnownResource),
    LoadKnownResources,
    /// Copies text to the clipboard (OSC 52, so it works over SSH).
    Copy(String),
    /// Opens a URL or a local file with the desktop's default program.
    Open(String),
    Quit,
}
