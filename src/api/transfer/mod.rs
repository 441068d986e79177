//! Streaming transfers and what both directions share: options, progress, cancellation.
//! Uploads read the file in chunks ([`upload`]); downloads save the body through this run's own
//! part file and move it into place once checked ([`download`], [`part_file`]). Memory stays
//! flat whatever the file size.
pub(crate) mod copy;
pub(crate) mod download;
pub(crate) mod part_file;
pub(crate) mod upload;

use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use tokio_util::sync::CancellationToken;

use crate::api::stall::MinProgress;

/// The stage a transfer is in. A document upload passes through the first three.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Phase {
    Uploading,
    WaitingForStorage,
    Linking,
    Downloading,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::Uploading => "uploading",
            Phase::WaitingForStorage => "waiting for storage",
            Phase::Linking => "linking",
            Phase::Downloading => "downloading",
        }
    }
}

/// A progress report: bytes done of the total when known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    pub total: Option<u64>,
}

pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Byte progress is reported at most this often (plus once at each phase change and at the end).
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// How long an upload waits for STORED: DHIS2 gives no FAILED signal, and a minute is the
/// spec's cap for small files on a slow store (dhis2-api.md §4.3).
pub const STORAGE_WAIT_LIMIT: Duration = Duration::from_secs(60);
/// The wait after the first poll that still reads PENDING: a local store takes milliseconds,
/// so the first poll goes at once and the second soon after.
pub const FIRST_POLL_DELAY: Duration = Duration::from_millis(100);
/// The longest wait between polls, doubled up to it: S3 or MinIO take seconds, and a poll a
/// second or two later costs one small request.
pub const MAX_POLL_DELAY: Duration = Duration::from_secs(2);

/// How long to wait for a file resource to reach STORED. The first poll goes as soon as the
/// upload's answer arrives, which over a slow link is already a round trip after the server
/// stored a small file; then the wait between polls doubles from `first_delay` to `max_delay`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitPolicy {
    pub limit: Duration,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        WaitPolicy {
            limit: STORAGE_WAIT_LIMIT,
            first_delay: FIRST_POLL_DELAY,
            max_delay: MAX_POLL_DELAY,
        }
    }
}

/// The file resource an upload created on the server and has not linked yet (set once the
/// server names it, cleared once a document points at it), so whoever interrupts an upload can
/// say what the server kept.
#[derive(Clone, Debug, Default)]
pub struct UnlinkedUpload(Arc<Mutex<Option<String>>>);

impl UnlinkedUpload {
    pub fn get(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn set(&self, uid: Option<&str>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = uid.map(str::to_string);
    }
}

/// Options shared by every transfer.
#[derive(Clone, Default)]
pub struct TransferOptions {
    pub progress: Option<ProgressFn>,
    pub cancel: CancellationToken,
    /// Replace an existing target file (otherwise the download refuses).
    pub overwrite: bool,
    /// Do not hash the bytes, so do not compare them with the server's MD5 (`--no-verify`).
    /// Lengths are still checked. MD5 costs ~1.7 s of CPU per GiB, more than loopback takes to
    /// move it; on a real network link it is hidden behind the wire.
    pub skip_md5_check: bool,
    pub wait: WaitPolicy,
    /// How little a transfer may move in a while before it counts as stalled.
    pub min_progress: MinProgress,
    /// Filled by uploads: what the server kept, for an interrupted upload's message.
    pub unlinked: UnlinkedUpload,
}

impl TransferOptions {
    pub fn with_progress(mut self, progress: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    pub fn report(&self, progress: Progress) {
        if let Some(callback) = &self.progress {
            callback(progress);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
