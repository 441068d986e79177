//! Streaming transfers: uploads read the file in chunks, downloads write chunks to
//! `<target>.part` and rename it when complete. Both report progress and stop on cancellation;
//! memory stays flat whatever the file size.
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use md5::{Digest, Md5};
use reqwest::Response;
use reqwest::multipart::Part;
pub use tokio_util::sync::CancellationToken;

use crate::api::error::{Error, Result};
use crate::api::filename::{parse_content_disposition, printable, sanitize_file_name};
use crate::api::model::{Domain, FileResource};
use crate::api::stall::{MinProgress, Moved, stalled};

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

/// How long to wait for a file resource to reach STORED.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitPolicy {
    pub limit: Duration,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        WaitPolicy {
            limit: Duration::from_secs(60),
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
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

/// Where a download goes: this exact file, or a directory (the server's file name, sanitised).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownloadTarget {
    File(PathBuf),
    Directory(PathBuf),
}

impl DownloadTarget {
    /// A path given by a user: an existing directory means "inside it", anything else is the file.
    pub fn from_user_path(path: impl Into<PathBuf>) -> DownloadTarget {
        let path = path.into();
        if path.is_dir() {
            DownloadTarget::Directory(path)
        } else {
            DownloadTarget::File(path)
        }
    }
}

/// How a download was checked against the server's MD5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    Matched,
    /// The server reported no MD5.
    Unavailable,
    /// The domain re-encodes images, so the stored MD5 describes other bytes.
    Reencoded,
    /// The caller asked for no check ([`TransferOptions::skip_md5_check`]).
    Skipped,
}

/// A completed download.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Downloaded {
    pub path: PathBuf,
    pub bytes: u64,
    /// The MD5 of the bytes saved; `None` when the check was skipped.
    pub md5: Option<String>,
    pub content_type: Option<String>,
    pub verification: Verification,
}

/// What the server says the bytes should be.
#[derive(Clone, Debug, Default)]
pub(crate) struct Expected {
    pub md5: Option<String>,
    pub skip_md5: bool,
    /// The stored length (`contentLength`) when the bytes served are the stored ones (not an
    /// image variant): the body must be exactly this long, whatever its headers say.
    pub length: Option<u64>,
    /// The stored content type, to tell the file from an HTML page served in its place.
    pub content_type: Option<String>,
    /// The file's own name from the metadata: DHIS2 writes the header's name in ISO-8859-1, so
    /// `健康报告.pdf` arrives there as `????.pdf`, while the file resource's `name` is right.
    pub stored_name: Option<String>,
    /// The name when neither the metadata nor the header gives one.
    pub fallback_name: String,
    /// What is downloaded, for messages: "file resource UID".
    pub what: String,
}

impl Expected {
    /// What a file resource's metadata says its `/data` bytes must be. An image `variant` (a
    /// smaller size) has other bytes than the stored length and MD5 describe, and the domains
    /// that re-encode images have an MD5 of their own.
    pub(crate) fn of_resource(
        resource: &FileResource,
        variant: bool,
        what: String,
        fallback_name: String,
    ) -> Expected {
        Expected {
            md5: resource.content_md5.clone(),
            skip_md5: variant
                || resource
                    .domain
                    .as_ref()
                    .is_some_and(Domain::reencodes_images),
            length: resource.content_length.filter(|_| !variant),
            content_type: resource.content_type.clone(),
            stored_name: resource.name.clone(),
            fallback_name,
            what,
        }
    }
}

/// The most a download whose length nobody announced may write (a legacy document streamed
/// without Content-Length): far above any file DHIS2 stores (`max.file_upload_size` defaults to
/// 10 MB; servers that raise it allow a few GB), far below filling a disk by surprise.
const UNANNOUNCED_BODY_LIMIT: u64 = 16 << 30;

/// A part file name is the target's name, this many random characters and `.part`.
const PART_RANDOM_CHARS: usize = 8;

/// Part file names keep at most this much of the target's name, so the random part and the
/// suffix still fit the 255 bytes file systems allow.
const PART_NAME_KEEP: usize = 200;

/// Creates this run's own part file beside `target`: a new file with a unique name, so two runs
/// downloading the same file never share, remove or link each other's part file. It is
/// removed when dropped, unless it was moved into place.
fn create_part_file(target: &Path) -> Result<(std::fs::File, tempfile::TempPath)> {
    let dir = directory_of(target);
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let mut keep = name.len().min(PART_NAME_KEEP);
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    let prefix = format!("{}.", &name[..keep]);
    let mut builder = tempfile::Builder::new();
    builder
        .prefix(&prefix)
        .suffix(".part")
        .rand_bytes(PART_RANDOM_CHARS);
    // As a plain create would make it (the umask applies), not tempfile's private 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let part = builder.tempfile_in(dir).map_err(|e| {
        Error::io(
            dir.join(format!("{}.part", &name[..keep])),
            std::io::Error::new(e.kind(), strip_path(&e)),
        )
    })?;
    Ok(part.into_parts())
}

/// tempfile's errors repeat the path; ours name it once.
fn strip_path(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at path ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Resolves the final path of a download: the target file, or in a target directory the
/// metadata's name, else the header's, else the fallback, made safe.
pub(crate) fn resolve_target(
    target: &DownloadTarget,
    response: &Response,
    expected: &Expected,
) -> PathBuf {
    match target {
        DownloadTarget::File(path) => path.clone(),
        DownloadTarget::Directory(dir) => {
            let name = expected
                .stored_name
                .clone()
                .filter(|name| !name.trim().is_empty())
                .or_else(|| {
                    response
                        .headers()
                        .get(reqwest::header::CONTENT_DISPOSITION)
                        .and_then(|value| value.to_str().ok())
                        .and_then(parse_content_disposition)
                })
                .unwrap_or_else(|| expected.fallback_name.clone());
            dir.join(sanitize_file_name(&name))
        }
    }
}

/// The directory a file path is in (`.` for a bare name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Checks a target before any byte is fetched. Only a regular file (or a symlink to one) is
/// ever replaced: a device, FIFO or socket given as the target is refused even with overwrite.
pub(crate) fn check_target(path: &Path, overwrite: bool) -> Result<()> {
    let parent = directory_of(path);
    if !parent.is_dir() {
        let reason = if parent.exists() {
            (
                std::io::ErrorKind::NotADirectory,
                "not a directory, so nothing can be saved in it",
            )
        } else {
            (
                std::io::ErrorKind::NotFound,
                "the directory to download into does not exist",
            )
        };
        return Err(Error::io(parent, std::io::Error::new(reason.0, reason.1)));
    }
    if path.is_dir() {
        return Err(Error::InvalidInput(format!(
            "{} is a directory",
            path.display()
        )));
    }
    match std::fs::metadata(path) {
        Ok(metadata) if !metadata.is_file() => Err(Error::InvalidInput(format!(
            "{} is not a regular file (a device, pipe or socket); d2files only saves over regular files",
            path.display()
        ))),
        Ok(_) if !overwrite => Err(Error::TargetExists(path.to_path_buf())),
        // A dangling symlink exists too: never write through it.
        Err(_) if !overwrite && path.symlink_metadata().is_ok() => {
            Err(Error::TargetExists(path.to_path_buf()))
        }
        _ => Ok(()),
    }
}

/// The file a download replaces: a symlink to a regular file is followed, so the file it points
/// at gets the new bytes and the link stays a link.
fn replaced_path(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Refuses an answer that cannot be the file, before a byte of it is saved: a compressed stream
/// nobody asked for, an HTML page in place of a file of another type, or a length other than
/// the stored one.
fn check_answer(response: &Response, expected: &Expected) -> Result<()> {
    let headers = response.headers();
    let header = |name| {
        headers
            .get(name)
            .and_then(|value: &reqwest::header::HeaderValue| value.to_str().ok())
            .map(str::trim)
    };
    if let Some(encoding) = header(reqwest::header::CONTENT_ENCODING)
        .filter(|encoding| !encoding.is_empty() && !encoding.eq_ignore_ascii_case("identity"))
    {
        return Err(Error::WrongBody(format!(
            "the server compressed {} (Content-Encoding: {}) although d2files did not ask for it, \
             so the bytes are not the file",
            expected.what,
            printable(encoding)
        )));
    }
    let is_html = |content_type: &str| {
        content_type
            .split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("text/html"))
    };
    if header(reqwest::header::CONTENT_TYPE).is_some_and(is_html)
        && !expected.content_type.as_deref().is_some_and(is_html)
    {
        return Err(Error::WrongBody(format!(
            "the server answered with an HTML page instead of {} (a login page or a proxy's \
             error page?)",
            expected.what
        )));
    }
    if let (Some(stored), Some(announced)) = (expected.length, response.content_length())
        && stored != announced
    {
        let detail = if announced == 0 {
            " (DHIS2 sends an empty body when the stored file is lost)".to_string()
        } else {
            String::new()
        };
        return Err(Error::WrongBody(format!(
            "the server announced {announced} bytes for {}, which holds {stored}{detail}",
            expected.what
        )));
    }
    Ok(())
}

/// Writes a 200 answer's body to `target`, through this run's own part file, checking the
/// length (always) and the MD5 (unless skipped), and never writing past the announced length.
pub(crate) async fn save_body(
    response: Response,
    target: &DownloadTarget,
    expected: &Expected,
    options: &TransferOptions,
) -> Result<Downloaded> {
    let path = resolve_target(target, &response, expected);
    check_target(&path, options.overwrite)?;
    check_answer(&response, expected)?;
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let total = expected.length.or(response.content_length());
    let limit = total.unwrap_or(UNANNOUNCED_BODY_LIMIT);
    let replaced = replaced_path(&path);
    let (file, part) = create_part_file(&replaced)?;
    let mut sink = Sink::new(file);
    let mut stream = response.bytes_stream();
    let mut hasher = (!options.skip_md5_check).then(Md5::new);
    let moved = Moved::default();
    let watchdog = stalled(moved.clone(), options.min_progress, "download", total);
    tokio::pin!(watchdog);
    let mut done = 0u64;
    let mut last_report = Instant::now();
    options.report(Progress {
        phase: Phase::Downloading,
        done,
        total,
    });
    loop {
        let chunk = tokio::select! {
            biased;
            _ = options.cancel.cancelled() => return Err(Error::Cancelled),
            stall = &mut watchdog => return Err(stall),
            chunk = stream.next() => chunk,
        };
        let Some(chunk) = chunk else { break };
        let chunk = chunk.map_err(|e| broken_transfer(e, done, total))?;
        if done + chunk.len() as u64 > limit {
            // Stop at the announced length: a body that keeps coming would fill the disk.
            return Err(Error::WrongBody(match total {
                Some(total) => format!(
                    "the server sent more than the {total} bytes of {}",
                    expected.what
                ),
                None => format!(
                    "the server sent more than {} of {} without saying how long it is",
                    super::units::human_size(limit),
                    expected.what
                ),
            }));
        }
        if let Some(hasher) = hasher.as_mut() {
            hasher.update(&chunk);
        }
        done += chunk.len() as u64;
        moved.add(chunk.len() as u64);
        sink.push(chunk).await.map_err(|e| Error::io(&part, e))?;
        if last_report.elapsed() >= PROGRESS_INTERVAL {
            last_report = Instant::now();
            options.report(Progress {
                phase: Phase::Downloading,
                done,
                total,
            });
        }
    }
    sink.finish().await.map_err(|e| Error::io(&part, e))?;
    if let Some(total) = total.filter(|total| *total != done) {
        return Err(short_body(expected, done, total));
    }
    let md5 = hasher.map(|hasher| hex(&hasher.finalize()));
    let verification = match &md5 {
        Some(md5) => verify(expected, md5)?,
        None => Verification::Skipped,
    };
    finish(part, &replaced, &path, options.overwrite)?;
    options.report(Progress {
        phase: Phase::Downloading,
        done,
        total: Some(done),
    });
    Ok(Downloaded {
        path,
        bytes: done,
        md5,
        content_type,
        verification,
    })
}

/// A body that ended cleanly before its length: the server sent fewer bytes than it stores.
fn short_body(expected: &Expected, done: u64, total: u64) -> Error {
    Error::WrongBody(format!(
        "the server sent only {done} of the {total} bytes of {}",
        expected.what
    ))
}

/// A batch is handed to the blocking pool once it holds this many bytes.
const SINK_BATCH: usize = 1 << 20;

/// Writes a download's chunks on the blocking pool, one batch in flight, so the disk works
/// while the next chunks arrive and are hashed, and no chunk is copied in user space (the
/// chunks are reference-counted `Bytes`).
struct Sink {
    /// The file while no batch is in flight.
    idle: Option<std::fs::File>,
    busy: Option<tokio::task::JoinHandle<std::io::Result<std::fs::File>>>,
    batch: Vec<Bytes>,
    batch_len: usize,
}

impl Sink {
    fn new(file: std::fs::File) -> Sink {
        Sink {
            idle: Some(file),
            busy: None,
            batch: Vec::new(),
            batch_len: 0,
        }
    }

    async fn push(&mut self, chunk: Bytes) -> std::io::Result<()> {
        self.batch_len += chunk.len();
        self.batch.push(chunk);
        if self.batch_len >= SINK_BATCH {
            self.send().await?;
        }
        Ok(())
    }

    /// Waits for the batch in flight, then starts the next one.
    async fn send(&mut self) -> std::io::Result<()> {
        let mut file = self.wait().await?;
        let batch = std::mem::take(&mut self.batch);
        self.batch_len = 0;
        self.busy = Some(tokio::task::spawn_blocking(move || {
            for chunk in &batch {
                file.write_all(chunk)?;
            }
            Ok(file)
        }));
        Ok(())
    }

    async fn wait(&mut self) -> std::io::Result<std::fs::File> {
        match (self.busy.take(), self.idle.take()) {
            (Some(task), _) => task.await.map_err(std::io::Error::other)?,
            (None, Some(file)) => Ok(file),
            (None, None) => Err(std::io::Error::other("the download's file was lost")),
        }
    }

    /// Writes what is left and closes the file.
    async fn finish(mut self) -> std::io::Result<()> {
        if !self.batch.is_empty() {
            self.send().await?;
        }
        self.wait().await.map(drop)
    }
}

fn broken_transfer(error: reqwest::Error, done: u64, total: Option<u64>) -> Error {
    let of_total = total.map(|t| format!(" of {t}")).unwrap_or_default();
    match Error::from_reqwest(error) {
        Error::Network(detail) => {
            Error::Network(format!("{detail} (after {done}{of_total} bytes)"))
        }
        other => other,
    }
}

fn verify(expected: &Expected, actual: &str) -> Result<Verification> {
    if expected.skip_md5 {
        return Ok(Verification::Reencoded);
    }
    match expected.md5.as_deref().filter(|md5| !md5.is_empty()) {
        None => Ok(Verification::Unavailable),
        Some(md5) if md5.eq_ignore_ascii_case(actual) => Ok(Verification::Matched),
        Some(md5) => Err(Error::Integrity {
            expected: md5.to_string(),
            actual: actual.to_string(),
        }),
    }
}

/// Moves this run's complete part file into place (`replaced`, the file `path` names), without
/// clobbering a file that appeared meanwhile unless asked to.
fn finish(part: tempfile::TempPath, replaced: &Path, path: &Path, overwrite: bool) -> Result<()> {
    if overwrite {
        return part.persist(replaced).map_err(|e| Error::io(path, e.error));
    }
    match part.persist_noclobber(replaced) {
        Ok(()) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Error::TargetExists(path.to_path_buf()))
        }
        // File systems without hard links or RENAME_NOREPLACE (FAT on a USB stick): check,
        // then rename.
        Err(e) => {
            if replaced.symlink_metadata().is_ok() {
                return Err(Error::TargetExists(path.to_path_buf()));
            }
            e.path
                .persist(replaced)
                .map_err(|e| Error::io(path, e.error))
        }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What an upload stream saw of its source: the MD5 of the bytes sent once the whole file was
/// read (unless the check is skipped), whether the file changed size meanwhile, whether the
/// request body reached its end, and the bytes handed over so far.
#[derive(Clone, Default)]
pub(crate) struct SentSource(Arc<Mutex<SentState>>, Moved);

#[derive(Default)]
struct SentState {
    md5: Option<String>,
    changed: bool,
    complete: bool,
}

impl SentSource {
    fn lock(&self) -> std::sync::MutexGuard<'_, SentState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn md5(&self) -> Option<String> {
        self.lock().md5.clone()
    }

    pub(crate) fn changed(&self) -> bool {
        self.lock().changed
    }

    /// Whether every byte of the file went into the request body. A server that answers
    /// before reading it all leaves this false.
    pub(crate) fn complete(&self) -> bool {
        self.lock().complete
    }

    pub(crate) fn moved(&self) -> Moved {
        self.1.clone()
    }
}

/// Reads the source for the request body, hashing and counting, with progress and cancellation.
struct UploadSource {
    chunks: std::pin::Pin<Box<dyn futures_util::Stream<Item = std::io::Result<Upload>> + Send>>,
    length: u64,
    done: u64,
    last_report: Instant,
    options: TransferOptions,
    sent: SentSource,
    finished: bool,
}

impl UploadSource {
    async fn next_chunk(&mut self) -> Option<std::io::Result<bytes::Bytes>> {
        if self.finished {
            return None;
        }
        let item = match self.chunks.next().await {
            Some(Ok(Upload::Chunk(chunk))) => self.accept(chunk),
            Some(Err(error)) => Err(error),
            // A file that shrank would leave the declared Content-Length unmet.
            Some(Ok(Upload::End(_))) | None if self.done < self.length => {
                Err(self.changed("shrank"))
            }
            Some(Ok(Upload::End(hasher))) => {
                let mut sent = self.sent.lock();
                sent.md5 = hasher.map(|hasher| hex(&hasher.finalize()));
                sent.complete = true;
                self.sent.1.finish();
                return None;
            }
            None => return None,
        };
        self.finished = item.is_err();
        Some(item)
    }

    fn accept(&mut self, chunk: bytes::Bytes) -> std::io::Result<bytes::Bytes> {
        if self.options.cancel.is_cancelled() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "cancelled",
            ));
        }
        self.done += chunk.len() as u64;
        self.sent.1.add(chunk.len() as u64);
        if self.done > self.length {
            return Err(self.changed("grew"));
        }
        if self.last_report.elapsed() >= PROGRESS_INTERVAL || self.done == self.length {
            self.last_report = Instant::now();
            self.options.report(Progress {
                phase: Phase::Uploading,
                done: self.done,
                total: Some(self.length),
            });
        }
        Ok(chunk)
    }

    fn changed(&self, how: &str) -> std::io::Error {
        self.sent.lock().changed = true;
        std::io::Error::other(format!("the file {how} while it was uploaded"))
    }
}

/// A multipart `file` part streaming `path` (of `length` bytes, as [`source_length`] read it)
/// from disk with progress and cancellation. Returns the part and what the stream will have
/// sent.
pub(crate) async fn file_part(
    path: &Path,
    length: u64,
    options: &TransferOptions,
) -> Result<(Part, SentSource)> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(path, e))?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "untitled".to_string());
    let mime = upload_mime(path);
    // Set before the first report, so a slow progress consumer hears of the first chunk.
    let last_report = Instant::now();
    options.report(Progress {
        phase: Phase::Uploading,
        done: 0,
        total: Some(length),
    });
    let sent = SentSource::default();
    let source = UploadSource {
        chunks: Box::pin(read_chunks(
            file.into_std().await,
            (!options.skip_md5_check).then(Md5::new),
        )),
        length,
        done: 0,
        last_report,
        options: options.clone(),
        sent: sent.clone(),
        finished: false,
    };
    let stream = futures_util::stream::unfold(source, |mut source| async move {
        let item = source.next_chunk().await?;
        Some((item, source))
    });
    let part = Part::stream_with_length(reqwest::Body::wrap_stream(stream), length)
        .file_name(name)
        .mime_str(mime.essence_str())
        .map_err(Error::from_reqwest)?;
    Ok((part, sent))
}

/// The length of an upload's source, which must be a regular file: a directory is named as
/// one, and a FIFO or device would block the open or never end.
pub(crate) async fn source_length(path: &Path) -> Result<u64> {
    let metadata = tokio::fs::metadata(path)
        .await
        .map_err(|e| Error::io(path, e))?;
    if metadata.is_dir() {
        return Err(Error::InvalidInput(format!(
            "{} is a directory, not a file",
            path.display()
        )));
    }
    if !metadata.is_file() {
        return Err(Error::InvalidInput(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    Ok(metadata.len())
}

/// The content type an upload of `path` declares (DHIS2 stores it as the file's type).
pub(crate) fn upload_mime(path: &Path) -> mime_guess::Mime {
    mime_guess::from_path(path).first_or_octet_stream()
}

/// Bytes read per blocking-pool hop of an upload.
const READ_CHUNK: usize = 256 * 1024;

/// What an upload's reader yields: a chunk, then the MD5 of all of them (when hashing).
enum Upload {
    Chunk(Bytes),
    End(Option<Md5>),
}

type ReadTask = tokio::task::JoinHandle<std::io::Result<(std::fs::File, Option<Md5>, Vec<u8>)>>;

/// Reads and hashes the next chunk on the blocking pool, straight into the buffer that is sent.
fn read_next(file: std::fs::File, mut hasher: Option<Md5>) -> ReadTask {
    tokio::task::spawn_blocking(move || {
        let mut buffer = Vec::with_capacity(READ_CHUNK);
        (&file).take(READ_CHUNK as u64).read_to_end(&mut buffer)?;
        if let Some(hasher) = hasher.as_mut() {
            hasher.update(&buffer);
        }
        Ok((file, hasher, buffer))
    })
}

/// The file as `Bytes` chunks, then their MD5. The next chunk is read and hashed on the
/// blocking pool while the current one is sent, so neither the disk nor MD5 (about as fast
/// as loopback) sits between two sends.
fn read_chunks(
    file: std::fs::File,
    hasher: Option<Md5>,
) -> impl futures_util::Stream<Item = std::io::Result<Upload>> + Send + 'static {
    futures_util::stream::unfold(Some(read_next(file, hasher)), |task| async move {
        let read = task?.await.map_err(std::io::Error::other).and_then(|r| r);
        match read {
            Ok((_, hasher, buffer)) if buffer.is_empty() => Some((Ok(Upload::End(hasher)), None)),
            Ok((file, hasher, buffer)) => Some((
                Ok(Upload::Chunk(Bytes::from(buffer))),
                Some(read_next(file, hasher)),
            )),
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// The file's size now, to detect a source that changed while it was sent.
pub(crate) async fn current_len(path: &Path) -> Result<u64> {
    tokio::fs::metadata(path)
        .await
        .map(|m| m.len())
        .map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_file_is_new_and_sits_beside_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.pdf");
        let (_, first) = create_part_file(&target).unwrap();
        let (_, second) = create_part_file(&target).unwrap();
        assert_ne!(first.to_path_buf(), second.to_path_buf());
        for part in [&first, &second] {
            assert_eq!(part.parent(), Some(dir.path()));
            let name = part.file_name().unwrap().to_str().unwrap();
            assert!(
                name.starts_with("report.pdf.") && name.ends_with(".part"),
                "{name}"
            );
        }
        let long = dir.path().join(format!("{}.pdf", "é".repeat(126)));
        let (_, part) = create_part_file(&long).unwrap();
        assert!(part.file_name().unwrap().len() <= 255);
        drop(first);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "dropped parts go"
        );
    }

    #[test]
    fn md5_verification_distinguishes_the_three_cases() {
        let mut expected = Expected {
            md5: Some("ABC".into()),
            ..Expected::default()
        };
        assert_eq!(verify(&expected, "abc").unwrap(), Verification::Matched);
        assert!(matches!(
            verify(&expected, "abd"),
            Err(Error::Integrity { .. })
        ));
        expected.skip_md5 = true;
        assert_eq!(verify(&expected, "abd").unwrap(), Verification::Reencoded);
        assert_eq!(
            verify(&Expected::default(), "abd").unwrap(),
            Verification::Unavailable
        );
    }

    #[test]
    fn finishing_never_clobbers_without_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.txt");
        std::fs::write(&target, b"mine").unwrap();
        let (mut file, part) = create_part_file(&target).unwrap();
        file.write_all(b"theirs").unwrap();
        let part_path = part.to_path_buf();
        assert!(matches!(
            finish(part, &target, &target, false),
            Err(Error::TargetExists(_))
        ));
        assert_eq!(std::fs::read(&target).unwrap(), b"mine");
        assert!(!part_path.exists(), "the part file is removed on failure");
    }
}
