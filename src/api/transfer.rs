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
use crate::api::filename::{parse_content_disposition, sanitize_file_name};

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
    pub fallback_name: String,
}

/// Removes the part file unless the download completed.
struct PartFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

pub(crate) fn part_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    target.with_file_name(name)
}

/// Resolves the final path of a download from the target and the answer's headers.
pub(crate) fn resolve_target(
    target: &DownloadTarget,
    response: &Response,
    fallback_name: &str,
) -> PathBuf {
    match target {
        DownloadTarget::File(path) => path.clone(),
        DownloadTarget::Directory(dir) => {
            let name = response
                .headers()
                .get(reqwest::header::CONTENT_DISPOSITION)
                .and_then(|value| value.to_str().ok())
                .and_then(parse_content_disposition)
                .unwrap_or_else(|| fallback_name.to_string());
            dir.join(sanitize_file_name(&name))
        }
    }
}

/// Checks a target before any byte is fetched.
pub(crate) fn check_target(path: &Path, overwrite: bool) -> Result<()> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
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
    if !overwrite && path.exists() {
        return Err(Error::TargetExists(path.to_path_buf()));
    }
    Ok(())
}

/// Writes a 200 answer's body to `target`, through a part file, checking length and MD5.
pub(crate) async fn save_body(
    response: Response,
    target: &DownloadTarget,
    expected: &Expected,
    options: &TransferOptions,
) -> Result<Downloaded> {
    let path = resolve_target(target, &response, &expected.fallback_name);
    check_target(&path, options.overwrite)?;
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let total = response.content_length();
    let part = PartFile {
        path: part_path(&path),
        keep: false,
    };
    // A leftover part file is replaced, never written through: it may be a symlink planted in
    // a shared directory, pointing at another file of the user's.
    let _ = tokio::fs::remove_file(&part.path).await;
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&part.path)
        .await
        .map_err(|e| Error::io(&part.path, e))?
        .into_std()
        .await;
    let mut sink = Sink::new(file);
    let mut stream = response.bytes_stream();
    let mut hasher = (!options.skip_md5_check).then(Md5::new);
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
            chunk = stream.next() => chunk,
        };
        let Some(chunk) = chunk else { break };
        let chunk = chunk.map_err(|e| broken_transfer(e, done, total))?;
        if let Some(hasher) = hasher.as_mut() {
            hasher.update(&chunk);
        }
        done += chunk.len() as u64;
        sink.push(chunk)
            .await
            .map_err(|e| Error::io(&part.path, e))?;
        if last_report.elapsed() >= PROGRESS_INTERVAL {
            last_report = Instant::now();
            options.report(Progress {
                phase: Phase::Downloading,
                done,
                total,
            });
        }
    }
    sink.finish().await.map_err(|e| Error::io(&part.path, e))?;
    if let Some(total) = total.filter(|total| *total != done) {
        return Err(Error::Network(format!(
            "the connection broke after {done} of {total} bytes"
        )));
    }
    let md5 = hasher.map(|hasher| hex(&hasher.finalize()));
    let verification = match &md5 {
        Some(md5) => verify(expected, md5)?,
        None => Verification::Skipped,
    };
    finish(part, &path, options.overwrite)?;
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

/// Moves the complete part file into place without clobbering a file that appeared meanwhile.
fn finish(mut part: PartFile, path: &Path, overwrite: bool) -> Result<()> {
    if overwrite {
        std::fs::rename(&part.path, path).map_err(|e| Error::io(path, e))?;
    } else {
        match std::fs::hard_link(&part.path, path) {
            Ok(()) => {
                let _ = std::fs::remove_file(&part.path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(Error::TargetExists(path.to_path_buf()));
            }
            // File systems without hard links: check, then rename.
            Err(_) => {
                if path.exists() {
                    return Err(Error::TargetExists(path.to_path_buf()));
                }
                std::fs::rename(&part.path, path).map_err(|e| Error::io(path, e))?;
            }
        }
    }
    part.keep = true;
    Ok(())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What an upload stream saw of its source: the MD5 of the bytes sent once the whole file was
/// read (unless the check is skipped), and whether the file changed size meanwhile.
#[derive(Clone, Default)]
pub(crate) struct SentSource(Arc<Mutex<SentState>>);

#[derive(Default)]
struct SentState {
    md5: Option<String>,
    changed: bool,
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
                self.sent.lock().md5 = hasher.map(|hasher| hex(&hasher.finalize()));
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

/// A multipart `file` part streaming `path` from disk with progress and cancellation.
/// Returns the part, the file's length and what the stream will have sent.
pub(crate) async fn file_part(
    path: &Path,
    options: &TransferOptions,
) -> Result<(Part, u64, SentSource)> {
    let metadata = tokio::fs::metadata(path)
        .await
        .map_err(|e| Error::io(path, e))?;
    if metadata.is_dir() {
        return Err(Error::InvalidInput(format!(
            "{} is a directory, not a file",
            path.display()
        )));
    }
    // A FIFO or device would block the open or never end; only regular files have a length.
    if !metadata.is_file() {
        return Err(Error::InvalidInput(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(path, e))?;
    let length = metadata.len();
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "untitled".to_string());
    let mime = mime_guess::from_path(path).first_or_octet_stream();
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
    Ok((part, length, sent))
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
    fn part_files_sit_beside_the_target() {
        assert_eq!(
            part_path(Path::new("/tmp/x/report.pdf")),
            PathBuf::from("/tmp/x/report.pdf.part")
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
        let part = PartFile {
            path: part_path(&target),
            keep: false,
        };
        std::fs::write(&part.path, b"theirs").unwrap();
        let part_path = part.path.clone();
        assert!(matches!(
            finish(part, &target, false),
            Err(Error::TargetExists(_))
        ));
        assert_eq!(std::fs::read(&target).unwrap(), b"mine");
        assert!(!part_path.exists(), "the part file is removed on failure");
    }
}
