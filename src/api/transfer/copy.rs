//! Server-to-server copies: a file resource's `/data` body on one server piped into the
//! multipart upload of a new file resource on another. No temporary file and never the whole
//! file in memory: the upload pulls each chunk from the download as it sends it, so a few
//! chunks are in flight whatever the file's size. The download's checks (the answer's headers,
//! the length, the MD5) run on the way and are settled before the multipart body's closing
//! boundary goes out, so a source that sends fewer or other bytes leaves the target an
//! unfinished request rather than a file resource; the upload's checks (the stored length and
//! MD5) follow the target's answer.
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use md5::{Digest, Md5};
use reqwest::Response;
use reqwest::multipart::Part;

use super::download::{
    Expected, UNANNOUNCED_BODY_LIMIT, broken_transfer, check_answer, short_body, too_long, verify,
};
use super::{PROGRESS_INTERVAL, Phase, Progress, TransferOptions, hex};
use crate::api::client::{Client, check_uid};
use crate::api::error::{Error, Result};
use crate::api::file_resources::{
    check_downloadable, check_stored_length, check_stored_md5, file_resource_of,
};
use crate::api::model::{Domain, FileResource, WebMessage};
use crate::api::stall::{Moved, stalled};

impl Client {
    /// Copies a file resource's bytes from this client's server (`resource` as read there) into
    /// `target` as a new file resource of `domain`, asking for the uid `uid` when given (kept
    /// on 2.39+, a new one on 2.38; see [`Client::upload_file_resource_with_uid`]). The
    /// download body streams straight into the upload body: no temporary file, never the whole
    /// file in memory. The bytes must be as long as the source stores and have its contentMd5
    /// (hashed on the way unless [`TransferOptions::skip_md5_check`]); the target must store as
    /// many bytes, with the same MD5. Progress is reported as [`Phase::Uploading`] (the bytes
    /// handed to the target); cancellation and the stall rule hold on both sides.
    ///
    /// A file document's bytes are copied the same way, with its file resource and
    /// [`Domain::Document`]: the bytes come from `/api/fileResources/{uid}/data`, which DHIS2
    /// serves for a standalone file resource and a document's alike, streamed (the ETag filter
    /// that buffers `/api/documents/{uid}/data` whole in the server's memory excludes it) and
    /// with the stored blob's real length (dhis2-api.md §4.6, §14.2, §14.3). It does not check
    /// the document's sharing, so read the document first.
    ///
    /// Returns the target's file resource, PENDING: wait with [`Client::wait_until_stored`].
    /// When the source fails, the error says what the target kept (nothing, unless it answered
    /// before the upload ended: then [`Error::UploadIncomplete`] names it); a cancelled copy
    /// records in [`TransferOptions::unlinked`] the file resource the target named, if any.
    pub async fn copy_file_resource_to(
        &self,
        resource: &FileResource,
        target: &Client,
        domain: &Domain,
        uid: Option<&str>,
        options: &TransferOptions,
    ) -> Result<FileResource> {
        // Both servers' words can reach the error: both clients' credentials are masked.
        self.copy_unmasked(resource, target, domain, uid, options)
            .await
            .map_err(|e| self.redacted(target.redacted(e)))
    }

    async fn copy_unmasked(
        &self,
        resource: &FileResource,
        target: &Client,
        domain: &Domain,
        uid: Option<&str>,
        options: &TransferOptions,
    ) -> Result<FileResource> {
        check_uid(&resource.id)?;
        if let Some(uid) = uid {
            check_uid(uid)?;
        }
        check_downloadable(resource)?;
        let what = format!("file resource {} on the source server", resource.id);
        let name = resource.name.clone().unwrap_or_default();
        let expected = Expected::of_resource(resource, false, what.clone(), name);
        if let Some(length) = expected.length {
            target.upload_limits().check(domain, &what, length)?;
        }
        let response = self.request_data(resource, None).await?;
        check_answer(&response, &expected)?;
        let total = expected.length.or(response.content_length());
        // The MD5 the target must have stored when the bytes are not hashed here: the source's
        // own, where it describes the bytes served.
        let source_md5 = expected.md5.clone().filter(|_| !expected.skip_md5);
        options.unlinked.set(None);
        let pipe = Pipe::new(response, total, expected, options);
        let (moved, seen) = (pipe.moved.clone(), pipe.seen.clone());
        let part = piped_part(pipe, resource)?;
        let watchdog = copy_watchdog(moved.clone(), seen.clone(), options, total);
        let sent = target
            .post_file_part(part, domain, uid, &moved, watchdog)
            .await;
        if let Some(failure) = seen.take_failure() {
            return Err(after_source_failure(target, sent, failure, options).await);
        }
        if options.cancel.is_cancelled() {
            if let Some(kept) = named_by(target, sent).await {
                options.unlinked.set(Some(&kept.id));
            }
            return Err(Error::Cancelled);
        }
        let sent = sent.map_err(|e| target.upload_error(e, domain, uid))?;
        let message: WebMessage = target.read_answer(sent, "fileResources").await?;
        let created = file_resource_of(message)?;
        options.unlinked.set(Some(&created.id));
        let done = moved.get();
        if !seen.complete() {
            let all = total.map_or_else(|| "all the".to_string(), |total| format!("all {total}"));
            return Err(Error::UploadIncomplete {
                uid: created.id,
                detail: format!("the target answered before it had read {all} bytes of {what}"),
            });
        }
        check_stored_length(&created, domain, done, &what)?;
        check_stored_md5(&created, domain, seen.md5().or(source_md5))?;
        options.report(Progress {
            phase: Phase::Uploading,
            done,
            total: Some(done),
        });
        Ok(created)
    }
}

/// The multipart `file` part of a copy: the pipe's bytes under the source's name and content
/// type, as long as the source announced (sent chunked when nobody said).
fn piped_part(pipe: Pipe, resource: &FileResource) -> Result<Part> {
    let length = pipe.total;
    let stream = futures_util::stream::unfold(pipe, |mut pipe| async move {
        let item = pipe.next_chunk().await?;
        Some((item, pipe))
    });
    let body = reqwest::Body::wrap_stream(stream);
    let part = match length {
        Some(length) => Part::stream_with_length(body, length),
        None => Part::stream(body),
    };
    let name = resource
        .name
        .clone()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "untitled".to_string());
    // Verbatim, parameters included, as DHIS2 stores and serves it; what no parser reads
    // DHIS2 would store as application/octet-stream too.
    let content_type = resource
        .content_type
        .as_deref()
        .filter(|content_type| content_type.parse::<mime_guess::Mime>().is_ok())
        .unwrap_or("application/octet-stream");
    part.file_name(name)
        .mime_str(content_type)
        .map_err(Error::from_reqwest)
}

/// Resolves with what ends a copy's body early: the stall rule over the bytes it moves, naming
/// the side that stopped (the pipe waits on the source while the source sends nothing, and is
/// not polled while the target reads nothing), or a cancellation while the body goes out (the
/// pipe sees one only while it waits on the source). Once the body is out, the target's answer
/// is awaited, so a cancelled copy can still name what the target kept.
async fn copy_watchdog(
    moved: Moved,
    seen: Seen,
    options: &TransferOptions,
    total: Option<u64>,
) -> Error {
    let cancelled_mid_body = async {
        tokio::select! {
            () = options.cancel.cancelled() => Error::Cancelled,
            () = moved.finished() => std::future::pending().await,
        }
    };
    tokio::select! {
        cancelled = cancelled_mid_body => cancelled,
        stall = stalled(moved.clone(), options.min_progress, "copy", total) => match stall {
            Error::Network(detail) => {
                let side = if seen.waiting_for_source() {
                    "the source server stopped sending"
                } else {
                    "the target server stopped reading"
                };
                Error::Network(format!("{detail}; {side}"))
            }
            other => other,
        },
    }
}

/// The error of a copy whose source failed (or that was cancelled), saying what the target
/// kept: the upload was cut off before its end, so nothing, unless the target answered anyway.
async fn after_source_failure(
    target: &Client,
    sent: Result<Response>,
    failure: Error,
    options: &TransferOptions,
) -> Error {
    let kept = named_by(target, sent).await;
    if let Some(kept) = &kept {
        options.unlinked.set(Some(&kept.id));
    }
    match (failure, kept) {
        (Error::Cancelled, _) => Error::Cancelled,
        (failure, Some(kept)) => Error::UploadIncomplete {
            uid: kept.id,
            detail: format!("the copy's source failed ({failure}), but the target answered"),
        },
        (failure, None) => Error::Context {
            context: "the copy was stopped before its last byte reached the target, which \
                      stored nothing"
                .into(),
            source: Box::new(failure),
        },
    }
}

/// The file resource a target's answer names, if it gave one.
async fn named_by(target: &Client, sent: Result<Response>) -> Option<FileResource> {
    let message: WebMessage = target.read_answer(sent.ok()?, "fileResources").await.ok()?;
    file_resource_of(message).ok()
}

/// What the pipe saw of the source, shared with the copy (which reads the target's answer) and
/// the stall rule.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<SeenState>>);

#[derive(Default)]
struct SeenState {
    /// Why the source's bytes were refused or did not all arrive; the upload was cut off then.
    failure: Option<Error>,
    /// The MD5 of the bytes piped, once they all arrived (when hashing).
    md5: Option<String>,
    /// Every byte arrived and checked out.
    complete: bool,
    waiting_for_source: bool,
}

impl Seen {
    fn lock(&self) -> MutexGuard<'_, SeenState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take_failure(&self) -> Option<Error> {
        self.lock().failure.take()
    }

    fn md5(&self) -> Option<String> {
        self.lock().md5.clone()
    }

    fn complete(&self) -> bool {
        self.lock().complete
    }

    fn waiting_for_source(&self) -> bool {
        self.lock().waiting_for_source
    }
}

/// The source's body as the upload's: counted, hashed, bounded by the announced length, with
/// progress and cancellation. A failure ends the stream with an error, which breaks the
/// upload off before its closing boundary.
struct Pipe {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    hasher: Option<Md5>,
    done: u64,
    total: Option<u64>,
    expected: Expected,
    options: TransferOptions,
    moved: Moved,
    seen: Seen,
    /// When progress was last reported with bytes moved (`None` until the first chunk, which
    /// is reported at once, so the copy shows as moving from its first bytes).
    last_report: Option<Instant>,
    finished: bool,
}

impl Pipe {
    fn new(
        response: Response,
        total: Option<u64>,
        expected: Expected,
        options: &TransferOptions,
    ) -> Pipe {
        options.report(Progress {
            phase: Phase::Uploading,
            done: 0,
            total,
        });
        Pipe {
            body: Box::pin(response.bytes_stream()),
            hasher: (!options.skip_md5_check).then(Md5::new),
            done: 0,
            total,
            expected,
            options: options.clone(),
            moved: Moved::default(),
            seen: Seen::default(),
            last_report: None,
            finished: false,
        }
    }

    async fn next_chunk(&mut self) -> Option<std::io::Result<Bytes>> {
        if self.finished {
            return None;
        }
        self.seen.lock().waiting_for_source = true;
        let next = tokio::select! {
            biased;
            _ = self.options.cancel.cancelled() => Err(Error::Cancelled),
            next = self.body.next() => Ok(next),
        };
        self.seen.lock().waiting_for_source = false;
        let accepted = match next {
            Ok(Some(Ok(chunk))) => self.accept(chunk),
            Ok(Some(Err(error))) => Err(broken_transfer(error, self.done, self.total)),
            Ok(None) => return self.end(),
            Err(cancelled) => Err(cancelled),
        };
        match accepted {
            Ok(chunk) => Some(Ok(chunk)),
            Err(error) => self.fail(error),
        }
    }

    fn accept(&mut self, chunk: Bytes) -> Result<Bytes> {
        let limit = self.total.unwrap_or(UNANNOUNCED_BODY_LIMIT);
        if self.done + chunk.len() as u64 > limit {
            return Err(too_long(&self.expected, self.total, limit));
        }
        self.done += chunk.len() as u64;
        self.moved.add(chunk.len() as u64);
        // On the runtime: MD5 of a network chunk (tens of KiB) takes microseconds.
        if let Some(hasher) = self.hasher.as_mut() {
            hasher.update(&chunk);
        }
        if self
            .last_report
            .is_none_or(|last| last.elapsed() >= PROGRESS_INTERVAL)
        {
            self.last_report = Some(Instant::now());
            self.options.report(Progress {
                phase: Phase::Uploading,
                done: self.done,
                total: self.total,
            });
        }
        Ok(chunk)
    }

    /// The source's body ended: it must be whole and have the source's MD5 before the upload
    /// may end.
    fn end(&mut self) -> Option<std::io::Result<Bytes>> {
        if let Some(total) = self.total.filter(|total| *total != self.done) {
            return self.fail(short_body(&self.expected, self.done, total));
        }
        let md5 = self.hasher.take().map(|hasher| hex(&hasher.finalize()));
        if let Some(Err(mismatch)) = md5.as_deref().map(|md5| verify(&self.expected, md5)) {
            return self.fail(mismatch);
        }
        self.finished = true;
        let mut seen = self.seen.lock();
        seen.md5 = md5;
        seen.complete = true;
        self.moved.finish();
        None
    }

    fn fail(&mut self, error: Error) -> Option<std::io::Result<Bytes>> {
        self.finished = true;
        self.seen.lock().failure = Some(error);
        Some(Err(std::io::Error::other("the copy's source failed")))
    }
}
