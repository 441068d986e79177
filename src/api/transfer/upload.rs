//! Uploads: the multipart `file` part that streams a file from disk, read and hashed on the
//! blocking pool, and what that stream saw of its source ([`SentSource`]).
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;
use md5::{Digest, Md5};
use reqwest::multipart::Part;

use super::{PROGRESS_INTERVAL, Phase, Progress, TransferOptions, hex};
use crate::api::error::{Error, Result};
use crate::api::stall::Moved;

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

/// The next chunk read, with the file to go on reading (`None` at the end) and the hash so far.
type ReadTask =
    tokio::task::JoinHandle<std::io::Result<(Option<std::fs::File>, Option<Md5>, Vec<u8>)>>;

/// Reads and hashes the next chunk on the blocking pool, straight into the buffer that is sent.
fn read_next(file: std::fs::File, mut hasher: Option<Md5>) -> ReadTask {
    tokio::task::spawn_blocking(move || {
        let mut buffer = Vec::with_capacity(READ_CHUNK);
        (&file).take(READ_CHUNK as u64).read_to_end(&mut buffer)?;
        if let Some(hasher) = hasher.as_mut() {
            hasher.update(&buffer);
        }
        // At the end the file is closed here, off the runtime: on NFSv4 a close is a round trip.
        let file = (!buffer.is_empty()).then_some(file);
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
            Ok((Some(file), hasher, buffer)) => Some((
                Ok(Upload::Chunk(Bytes::from(buffer))),
                Some(read_next(file, hasher)),
            )),
            Ok((None, hasher, _)) => Some((Ok(Upload::End(hasher)), None)),
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
