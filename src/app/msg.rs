//! Everything that can happen to the TUI: keys, time, and the replies of the effect runner.
use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::{KeyEvent, MouseEventKind};

use crate::api::{
    AllPages, Candidates, Document, Edited, Error, FileResource, Page, Progress, ServerInfo,
    SharingView,
};
use crate::app::ids::{BatchId, ReqId, TransferId};
use crate::app::known_resources::KnownResource;
use crate::app::path_completion::Completion;
use crate::app::sharing::ShareOutcome;
use crate::app::state::Pane;
use crate::app::transfer_job::TransferOutcome;
use crate::config::ProfileSummary;
use crate::ops::check::{CheckProgress, Report};
use crate::ops::{Event, Plan, Summary};

/// The profiles the files configure, for the list a copy's target is chosen from.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfiguredProfiles {
    /// Project file first, then the user's; none of them with a secret.
    pub profiles: Vec<ProfileSummary>,
    /// Where a new profile would be written: the project's file if there is one, else the
    /// user's.
    pub add_to: Option<PathBuf>,
}

/// A document with, for a file document, its file resource (or why it could not be read).
#[derive(Clone, Debug)]
pub struct Detail {
    pub document: Document,
    pub resource: Option<Result<FileResource, String>>,
}

/// A file resource read for the preview, and what its first bytes show.
#[derive(Clone, Debug)]
pub struct PreviewRead {
    pub resource: FileResource,
    pub preview: crate::preview::Preview,
}

pub enum Msg {
    /// Time since start; the loop sends it before each batch and while something animates.
    Tick(Duration),
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    Resize(u16, u16),
    /// A click or a wheel turn (only with `--mouse`; the loop drops moves and releases).
    /// A click or a wheel notch, with what lies under it (resolved by the event loop from
    /// the screen's layout, so `update` needs no layout of its own).
    Mouse {
        kind: MouseEventKind,
        spot: Spot,
    },
    Connected(Result<ServerInfo, Error>),
    DocumentsLoaded {
        req: ReqId,
        page: u32,
        result: Result<Page<Document>, Error>,
    },
    ResourcesLoaded {
        req: ReqId,
        page: u32,
        result: Result<Page<FileResource>, Error>,
    },
    /// The document behind the details panel and, for a file document, its file resource.
    DetailLoaded {
        req: ReqId,
        result: Result<Box<Detail>, Error>,
    },
    ResourceLoaded {
        req: ReqId,
        uid: String,
        result: Result<Box<FileResource>, Error>,
    },
    /// The answer to [`crate::app::effect::Effect::FetchPreview`].
    PreviewLoaded {
        req: ReqId,
        uid: String,
        result: Result<Box<PreviewRead>, Error>,
    },
    DocumentFilesLoaded(Result<Vec<FileResource>, Error>),
    LinkCreated(Result<Document, Error>),
    Deleted {
        uid: String,
        name: String,
        result: Result<(), Error>,
    },
    /// The answer to [`crate::app::effect::Effect::CheckUpload`].
    UploadChecked {
        req: ReqId,
        result: Result<(), Error>,
    },
    /// The upload form's path is a directory: its files are planned as a batch.
    UploadIsDirectory {
        req: ReqId,
    },
    Completed {
        req: ReqId,
        completion: Completion,
    },
    /// The answer to [`crate::app::effect::Effect::PlanBatch`].
    BatchPlanned {
        req: ReqId,
        result: Result<Plan, Error>,
    },
    /// A step of a running batch started, progressed or ended.
    BatchEvent {
        batch: BatchId,
        event: Event,
    },
    /// Every step of the batch ended.
    BatchFinished {
        batch: BatchId,
        summary: Summary,
    },
    /// The answer to [`crate::app::effect::Effect::ListProfiles`]: the profiles, or why the
    /// files could not be read.
    ProfilesListed {
        req: ReqId,
        result: Result<ConfiguredProfiles, String>,
    },
    /// How far the check is (sent at most ten times a second, and at its start and end).
    CheckProgress {
        req: ReqId,
        progress: CheckProgress,
    },
    /// The check's report, or why it could not run.
    Checked {
        req: ReqId,
        result: Result<Box<Report>, Error>,
    },
    /// The documents matching a filter, for "all that match".
    MatchingSelected {
        req: ReqId,
        result: Result<AllPages<Document>, Error>,
    },
    /// The answer to [`crate::app::effect::Effect::Rename`]; an error names a file resource
    /// the server keeps linked to nothing.
    Renamed {
        req: ReqId,
        uid: String,
        result: Result<Box<Edited>, Error>,
    },
    /// A document's sharing, with names.
    SharingLoaded {
        req: ReqId,
        uid: String,
        result: Result<Box<SharingView>, Error>,
    },
    /// The user groups and users a search key can mean.
    SharingCandidates {
        req: ReqId,
        result: Result<Candidates, Error>,
    },
    /// How the sharing change of each document ended, in the order asked.
    SharingApplied {
        req: ReqId,
        outcomes: Vec<(String, Result<ShareOutcome, Error>)>,
    },
    /// The file resources this tool uploaded in earlier runs (from its data directory).
    KnownResources(Vec<KnownResource>),
    TransferStarted(TransferId),
    TransferProgress(TransferId, Progress),
    TransferFinished(TransferId, Result<TransferOutcome, Error>),
    /// A runner side effect failed (open, copy, save): shown as an error toast.
    Failed(String),
    /// A link or file could not be opened here (no desktop over SSH, no launcher): `target`
    /// is copied to the clipboard instead, which works over SSH.
    /// The terminal refused the clipboard (OSC 52) write.
    CopyFailed(String),
    OpenFailed {
        target: String,
        reason: String,
    },
}

/// A place on the main screen the mouse can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spot {
    /// A pane's tab.
    Tab(Pane),
    /// The item at this index of the current pane's list.
    Row(usize),
    /// The list's frame or its empty rows.
    List,
    /// The details or transfers panel.
    Panel,
    /// Anything else: header, footer, prompts.
    Elsewhere,
}
