//! Downloads: a 200 answer's body, refused before saving if it cannot be the file, streamed
//! into this run's own part file ([`super::part_file`]) with the length (always) and MD5
//! (unless skipped) checked before it is moved into place.
use std::path::PathBuf;
use std::time::Instant;

use futures_util::StreamExt;
use reqwest::Response;

use super::part_file::{PartFile, check_target};
use super::{PROGRESS_INTERVAL, Phase, Progress, TransferOptions};
use crate::api::error::{Error, Result};
use crate::api::filename::{parse_content_disposition, printable, sanitize_file_name};
use crate::api::model::{Domain, FileResource, media_type};
use crate::api::stall::{Moved, stalled};

/// Where a download goes: this exact file, or a directory (the server's file name, sanitised).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownloadTarget {
    File(PathBuf),
    Directory(PathBuf),
}

impl DownloadTarget {
    /// A path given by a user: an existing directory means "inside it", anything else is the file.
    pub async fn from_user_path(path: impl Into<PathBuf>) -> DownloadTarget {
        let path = path.into();
        // tokio's metadata runs on the blocking pool: a slow mount stalls no runtime worker.
        if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir()) {
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
pub(super) const UNANNOUNCED_BODY_LIMIT: u64 = 16 << 30;

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

/// Refuses an answer that cannot be the file, before a byte of it is saved: a compressed stream
/// nobody asked for, an HTML page in place of a file of another type, or a length other than
/// the stored one.
pub(super) fn check_answer(response: &Response, expected: &Expected) -> Result<()> {
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
    let is_html = |content_type: &str| media_type(content_type).eq_ignore_ascii_case("text/html");
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
    check_target(&path, options.overwrite).await?;
    check_answer(&response, expected)?;
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let total = expected.length.or(response.content_length());
    let mut part = PartFile::create(&path, !options.skip_md5_check).await?;
    let checked = receive(response, &mut part, total, expected, options)
        .await
        .and_then(|(done, md5)| {
            let verification = match &md5 {
                Some(md5) => verify(expected, md5)?,
                None => Verification::Skipped,
            };
            Ok((done, md5, verification))
        });
    let (done, md5, verification) = match checked {
        Ok(checked) => checked,
        Err(error) => {
            part.discard().await;
            return Err(error);
        }
    };
    part.persist(&path, options.overwrite).await?;
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

/// Streams the body into `part`, with the stall watchdog beside it, progress and cancellation,
/// stopping at `total` (the announced length, else [`UNANNOUNCED_BODY_LIMIT`]). Returns the
/// bytes written, exactly `total` when it is known, and their MD5 (when hashing).
async fn receive(
    response: Response,
    part: &mut PartFile,
    total: Option<u64>,
    expected: &Expected,
    options: &TransferOptions,
) -> Result<(u64, Option<String>)> {
    let limit = total.unwrap_or(UNANNOUNCED_BODY_LIMIT);
    let mut stream = response.bytes_stream();
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
            return Err(too_long(expected, total, limit));
        }
        done += chunk.len() as u64;
        moved.add(chunk.len() as u64);
        part.push(chunk).await?;
        if last_report.elapsed() >= PROGRESS_INTERVAL {
            last_report = Instant::now();
            options.report(Progress {
                phase: Phase::Downloading,
                done,
                total,
            });
        }
    }
    let md5 = part.finish_writing().await?;
    if let Some(total) = total.filter(|total| *total != done) {
        return Err(short_body(expected, done, total));
    }
    Ok((done, md5))
}

/// A body that went on past `limit`: the announced length `total`, else
/// [`UNANNOUNCED_BODY_LIMIT`].
pub(super) fn too_long(expected: &Expected, total: Option<u64>, limit: u64) -> Error {
    Error::WrongBody(match total {
        Some(total) => format!(
            "the server sent more than the {total} bytes of {}",
            expected.what
        ),
        None => format!(
            "the server sent more than {} of {} without saying how long it is",
            crate::api::units::human_size(limit),
            expected.what
        ),
    })
}

/// A body that ended cleanly before its length: the server sent fewer bytes than it stores.
pub(super) fn short_body(expected: &Expected, done: u64, total: u64) -> Error {
    Error::WrongBody(format!(
        "the server sent only {done} of the {total} bytes of {}",
        expected.what
    ))
}

pub(super) fn broken_transfer(error: reqwest::Error, done: u64, total: Option<u64>) -> Error {
    let of_total = total.map(|t| format!(" of {t}")).unwrap_or_default();
    match Error::from_reqwest(error) {
        Error::Network(detail) => {
            Error::Network(format!("{detail} (after {done}{of_total} bytes)"))
        }
        other => other,
    }
}

pub(super) fn verify(expected: &Expected, actual: &str) -> Result<Verification> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
