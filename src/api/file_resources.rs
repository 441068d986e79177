//! `/api/fileResources`: upload, get, list (2.41+), wait until stored, download.
use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::header::ACCEPT;
use reqwest::multipart::Part;
use reqwest::{Method, Response};
use serde_json::Value;

use crate::api::ahead::beside;
use crate::api::blocklist::check_uploadable;
use crate::api::client::{Client, check_uid, read_limited, summarize_body};
use crate::api::error::{Dhis2Error, Error, Result};
use crate::api::listing::{AllPages, ById, Gathering, list_page};
use crate::api::model::{Dimension, Domain, FileResource, Page, StorageStatus, WebMessage};
use crate::api::query::ListQuery;
use crate::api::stall::{Moved, stalled};
use crate::api::transfer::download::{DownloadTarget, Downloaded, Expected, save_body};
use crate::api::transfer::part_file::check_target;
use crate::api::transfer::upload::{current_len, file_part, source_length, upload_mime};
use crate::api::transfer::{Phase, Progress, TransferOptions};

pub const FILE_RESOURCE_FIELDS: &str = "id,name,displayName,contentType,contentLength,contentMd5,domain,storageStatus,hasMultipleStorageFiles,assigned,created,lastUpdated,createdBy[id,username,name,displayName]";

impl Client {
    /// Uploads a file as a file resource of `domain`. The answer is always PENDING; see
    /// [`Client::wait_until_stored`].
    pub async fn upload_file_resource(
        &self,
        path: &Path,
        domain: &Domain,
        options: &TransferOptions,
    ) -> Result<FileResource> {
        self.upload_file_resource_with_uid(path, domain, None, options)
            .await
    }

    /// [`Client::upload_file_resource`], asking for the uid `uid` when one is given
    /// (`?uid=`, to restore or copy a file resource as it was, dhis2-api.md §11.1). DHIS2
    /// 2.39+ keeps it; 2.38 has no such parameter and makes a uid of its own without a word,
    /// so compare the answer's `id` with the uid asked for (a plan can know it beforehand:
    /// [`crate::api::ServerVersion::keeps_upload_uids`]). A uid taken already is DHIS2's
    /// 409 E1119 (`FileResource already exists`), with a hint naming it; one that is no uid is
    /// refused here (2.43 refuses it with a 400, older versions store it as given).
    pub async fn upload_file_resource_with_uid(
        &self,
        path: &Path,
        domain: &Domain,
        uid: Option<&str>,
        options: &TransferOptions,
    ) -> Result<FileResource> {
        if let Some(uid) = uid {
            check_uid(uid)?;
        }
        self.upload_unmasked(path, domain, uid, options)
            .await
            .map_err(|e| self.upload_error(e, domain, uid))
    }

    /// An upload's error as its caller gets it: a size limit it states is remembered, E1119 is
    /// explained, and since its errors quote the server (uids, names, its answer), it is
    /// masked once, on the way out.
    pub(crate) fn upload_error(&self, error: Error, domain: &Domain, uid: Option<&str>) -> Error {
        self.upload_limits().learn(domain, &error);
        self.redacted(explain_removed_domain(
            explain_taken_uid(error, uid),
            domain,
        ))
    }

    /// Everything about an upload that can be checked before a byte is sent: the source (see
    /// [`check_upload_source`]) and the size limit this server stated when it refused a larger
    /// file. Returns the file's length.
    pub async fn check_upload(&self, path: &Path, domain: &Domain) -> Result<u64> {
        let length = check_upload_source(path).await?;
        self.upload_limits().check(domain, path.display(), length)?;
        Ok(length)
    }

    async fn upload_unmasked(
        &self,
        path: &Path,
        domain: &Domain,
        uid: Option<&str>,
        options: &TransferOptions,
    ) -> Result<FileResource> {
        let length = self.check_upload(path, domain).await?;
        let (part, sent_source) = file_part(path, length, options).await?;
        options.unlinked.set(None);
        let moved = sent_source.moved();
        let watchdog = stalled(moved.clone(), options.min_progress, "upload", Some(length));
        let sent = self
            .post_file_part(part, domain, uid, &moved, watchdog)
            .await;
        if options.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        // Checked before looking at the answer: a source that shrank or grew breaks the request
        // body (which would otherwise read as a network failure) or sends a mix of old and new.
        if sent_source.changed() || current_len(path).await.ok() != Some(length) {
            // A change after the last byte went out still left a file resource on the server.
            let kept = match sent {
                Ok(response) => self
                    .read_answer::<WebMessage>(response, "fileResources")
                    .await
                    .ok()
                    .and_then(|message| file_resource_of(message).ok())
                    .map(|fr| format!(" (the server kept the bytes it got as file resource {}, linked to nothing)", fr.id)),
                Err(_) => None,
            };
            return Err(Error::InvalidInput(format!(
                "{} changed while it was uploaded; upload it again{}",
                path.display(),
                kept.unwrap_or_default()
            )));
        }
        let message: WebMessage = self.read_answer(sent?, "fileResources").await?;
        let resource = file_resource_of(message)?;
        options.unlinked.set(Some(&resource.id));
        if !sent_source.complete() {
            return Err(Error::UploadIncomplete {
                uid: resource.id.clone(),
                detail: format!(
                    "the server answered before it had read all {length} bytes of {}",
                    path.display()
                ),
            });
        }
        check_stored_length(&resource, domain, length, path.display())?;
        check_stored_md5(&resource, domain, sent_source.md5())?;
        Ok(resource)
    }

    /// POSTs `part` as the multipart `file` of a new file resource of `domain` (with `uid` when
    /// given), the part's bytes counted in `moved`. A server that stops reading the body would
    /// otherwise hold the upload for ever (the read timeout does not cover writes), and one
    /// that trickles its answer's head once the body is in would too (a byte now and then is a
    /// read): the body has the stall rule (`watchdog`, which resolves with its error), the
    /// answer the JSON deadline.
    pub(crate) async fn post_file_part(
        &self,
        part: Part,
        domain: &Domain,
        uid: Option<&str>,
        moved: &Moved,
        watchdog: impl Future<Output = Error>,
    ) -> Result<Response> {
        let url = self.endpoint("fileResources")?;
        let form = reqwest::multipart::Form::new().part("file", part);
        // Upper case: DHIS2 ≤2.39 compares enum values case-sensitively.
        let mut query = vec![("domain", domain.as_str())];
        query.extend(uid.map(|uid| ("uid", uid)));
        let send = self.send(
            self.upload_request(Method::POST, url)
                .header(ACCEPT, "application/json")
                .query(&query)
                .multipart(form),
        );
        let answer_due = async {
            moved.finished().await;
            tokio::time::sleep(self.json_deadline()).await;
        };
        tokio::select! {
            sent = send => sent,
            stall = watchdog => Err(stall),
            () = answer_due => Err(Error::Deadline {
                limit: self.json_deadline(),
                request: "POST /api/fileResources, once the file was sent".into(),
            }),
        }
    }

    /// Uploads a file resource and waits until the server has stored it (STORED).
    pub async fn upload_stored_file_resource(
        &self,
        path: &Path,
        domain: &Domain,
        options: &TransferOptions,
    ) -> Result<FileResource> {
        let uploaded = self.upload_file_resource(path, domain, options).await?;
        let stored = self.stored_after_upload(&uploaded, options).await?;
        check_still_as_uploaded(&uploaded, &stored, domain, path).map_err(|e| self.redacted(e))?;
        Ok(stored)
    }

    /// Metadata of one file resource. Read without `fields` so the server recomputes
    /// `storageStatus` (field-filtered reads report NONE).
    pub async fn get_file_resource(&self, uid: &str) -> Result<FileResource> {
        check_uid(uid)?;
        self.get_json(&format!("fileResources/{uid}"), &[]).await
    }

    /// One page of file resources. DHIS2 has no such list before 2.41.
    pub async fn list_file_resources(&self, query: &ListQuery) -> Result<Page<FileResource>> {
        match list_page(
            self,
            "fileResources",
            "fileResources",
            query,
            FILE_RESOURCE_FIELDS,
        )
        .await
        {
            Err(error) if error.status() == Some(405) => Err(Error::NotAvailable {
                what: "listing file resources".into(),
                since: "2.41".into(),
            }),
            other => other,
        }
    }

    /// The file resources with these uids (2.41+), a hundred per request; unknown uids are
    /// simply absent, and strings that are not uids are never sent. Field-filtered reads report
    /// `storageStatus` NONE (dhis2-api.md §7), so this is for names, types and sizes.
    pub async fn file_resources_by_id(&self, uids: &[String]) -> Result<Vec<FileResource>> {
        let mut by_id = ById::new(uids);
        for (index, query) in by_id.queries()?.iter().enumerate() {
            let page = self.list_file_resources(query).await?;
            by_id.keep(index, page.items);
        }
        Ok(by_id.found())
    }

    /// Every page of a file resource query (2.41+), up to `max_items`; see [`AllPages`].
    pub async fn list_all_file_resources(
        &self,
        query: &ListQuery,
        max_items: usize,
    ) -> Result<AllPages<FileResource>> {
        let mut gathering = Gathering::new(query, max_items);
        while let Some(query) = gathering.next_query() {
            gathering.take(self.list_file_resources(&query).await?);
        }
        Ok(gathering.finish())
    }

    /// The file resource an upload answered with, once STORED: that answer itself when it
    /// says STORED already (no poll; DHIS2 says PENDING, but a store that finishes first may
    /// not), else [`Client::wait_until_stored`].
    pub async fn stored_after_upload(
        &self,
        uploaded: &FileResource,
        options: &TransferOptions,
    ) -> Result<FileResource> {
        if uploaded.storage_status == Some(StorageStatus::Stored) {
            // The answer's uid goes on into a document: it must be one, as a poll would check.
            check_uid(&uploaded.id)?;
            return Ok(uploaded.clone());
        }
        self.wait_until_stored(&uploaded.id, options).await
    }

    /// Polls until the file resource is STORED, with backoff, up to the options' wait limit,
    /// reporting the waiting-for-storage phase first.
    pub async fn wait_until_stored(
        &self,
        uid: &str,
        options: &TransferOptions,
    ) -> Result<FileResource> {
        options.report(Progress {
            phase: Phase::WaitingForStorage,
            done: 0,
            total: None,
        });
        let policy = options.wait;
        let started = Instant::now();
        let mut delay = policy.first_delay;
        let timed_out = |status: String| Error::StorageTimeout {
            uid: uid.to_string(),
            status,
            waited: started.elapsed(),
        };
        // What the last answered poll said, for a wait that ends on an unanswered one.
        let mut last_status = None;
        loop {
            // The limit holds while a poll is in flight too: a server that answers slowly (or
            // trickles its answer) does not stretch the wait.
            let remaining = policy.limit.saturating_sub(started.elapsed());
            let poll = tokio::select! {
                _ = options.cancel.cancelled() => return Err(Error::Cancelled),
                poll = tokio::time::timeout(remaining, self.get_file_resource(uid)) => poll,
            };
            let Ok(read) = poll else {
                return Err(timed_out(last_status.unwrap_or_else(|| {
                    "unconfirmed (the server did not answer the status check in time)".into()
                })));
            };
            let resource = read?;
            last_status = resource.storage_status.as_ref().map(|s| s.to_string());
            match resource.storage_status {
                Some(StorageStatus::Stored) => return Ok(resource),
                Some(StorageStatus::Failed) => {
                    return Err(Error::StorageFailed {
                        uid: uid.to_string(),
                    });
                }
                _ => {}
            }
            if started.elapsed() >= policy.limit {
                return Err(self.redacted(timed_out(
                    last_status.unwrap_or_else(|| "not stored".into()),
                )));
            }
            let remaining = policy.limit.saturating_sub(started.elapsed());
            tokio::select! {
                _ = options.cancel.cancelled() => return Err(Error::Cancelled),
                _ = tokio::time::sleep(delay.min(remaining).max(Duration::from_millis(1))) => {}
            }
            delay = (delay * 2).min(policy.max_delay);
        }
    }

    /// Downloads a file resource's bytes, optionally an image variant. The bytes are asked for
    /// beside the metadata that says what they must be (see [`Client::download_document`]),
    /// unless the target refuses already.
    pub async fn download_file_resource(
        &self,
        uid: &str,
        dimension: Option<Dimension>,
        target: &DownloadTarget,
        options: &TransferOptions,
    ) -> Result<Downloaded> {
        check_uid(uid)?;
        let body_now = match target {
            DownloadTarget::File(path) => check_target(path, options.overwrite).await.is_ok(),
            DownloadTarget::Directory(_) => true,
        };
        let (resource, body) = if body_now {
            let (resource, body) = beside(
                self.get_file_resource(uid),
                self.send_data_request(uid, dimension),
            )
            .await;
            (resource, Some(body))
        } else {
            (self.get_file_resource(uid).await, None)
        };
        let resource = resource?;
        check_downloadable(&resource)?;
        if let DownloadTarget::File(path) = target {
            check_target(path, options.overwrite).await?;
        }
        let answer = match body {
            Some(body) => body.finish().await,
            None => self.send_data_request(uid, dimension).await,
        };
        let response = self.accepted_data(answer?, &resource).await?;
        // DHIS2 ignores a dimension for files it keeps in one size and serves the original.
        let variant =
            dimension.is_some_and(|d| d != Dimension::Original) && resource.has_image_variants();
        let expected = Expected::of_resource(
            &resource,
            variant,
            format!("file resource {uid}"),
            uid.to_string(),
        );
        // The saved name, the MD5 and the error texts come from the server.
        save_body(response, target, &expected, options)
            .await
            .map_err(|e| self.redacted(e))
    }
}

impl Client {
    /// Asks for the `/data` bytes of `resource`, whose metadata was just read with these
    /// credentials: a 401 or 403 here is about this resource (≤2.40 says "forbidden" with a
    /// 401), never a login problem, and comes back in DHIS2's words. Returns the 200 answer,
    /// whose body is the bytes.
    /// The length `/data` answers for a file resource with (its `Content-Length`), read no
    /// further than its headers: a check of whether the server can serve the bytes without
    /// fetching them. DHIS2 answers 0 when the store's blob is empty, and 500 (an error
    /// here) when it is gone (dhis2-api.md §4.6).
    pub async fn served_length(&self, resource: &FileResource) -> Result<Option<u64>> {
        let response = self.request_data(resource, None).await?;
        Ok(response.content_length())
    }

    pub(crate) async fn request_data(
        &self,
        resource: &FileResource,
        dimension: Option<Dimension>,
    ) -> Result<Response> {
        let answer = self.send_data_request(&resource.id, dimension).await?;
        self.accepted_data(answer, resource).await
    }

    /// `GET /api/fileResources/{uid}/data`, retried on 502/503/504 and network failures; a
    /// 401 or 403 comes back as it is, for [`Client::accepted_data`] to read.
    async fn send_data_request(&self, uid: &str, dimension: Option<Dimension>) -> Result<Response> {
        let url = self.endpoint(&format!("fileResources/{uid}/data"))?;
        let mut query = Vec::new();
        if let Some(dimension) = dimension {
            query.push(("dimension", dimension.as_str()));
        }
        self.send_idempotent_keeping(
            || self.data_request(Method::GET, url.clone()).query(&query),
            |status| matches!(status.as_u16(), 401 | 403),
        )
        .await
    }

    /// The answer whose body is `resource`'s bytes, or its refusal in DHIS2's words.
    async fn accepted_data(&self, answer: Response, resource: &FileResource) -> Result<Response> {
        if !answer.status().is_success() {
            return Err(self.redacted(download_refusal(answer, resource).await));
        }
        Ok(answer)
    }
}

/// Everything about an upload's source that can be checked before a byte is sent: a regular
/// file, readable in length, not empty, not a type DHIS2 refuses. The TUI's upload form asks
/// this before it closes. Returns the file's length.
pub async fn check_upload_source(path: &Path) -> Result<u64> {
    let length = source_length(path).await?;
    check_uploadable(path, upload_mime(path).essence_str(), length)?;
    Ok(length)
}

/// DHIS2's E1119 for an upload that asked for `uid`, with what it means: the uid is taken on
/// this server, and nothing was replaced.
fn explain_taken_uid(error: Error, uid: Option<&str>) -> Error {
    match (error, uid) {
        (Error::Dhis2(mut dhis2), Some(uid)) if dhis2.error_code.as_deref() == Some("E1119") => {
            dhis2.hint = Some(format!(
                "a file resource with uid {uid} exists on this server already; it was left as \
                 it is and nothing was uploaded in its place"
            ));
            Error::Dhis2(dhis2)
        }
        (error, _) => error,
    }
}

/// A 400 to an upload in a domain the server no longer has (PUSH_ANALYSIS, gone in 2.43,
/// [`Feature::PushAnalysisDomain`](crate::api::Feature)) says why, by the request and the
/// status, not by DHIS2's words.
fn explain_removed_domain(error: Error, domain: &Domain) -> Error {
    match error {
        Error::Dhis2(mut dhis2) if dhis2.status == 400 && *domain == Domain::PushAnalysis => {
            dhis2.hint = Some(
                "DHIS2 2.43 removed the PUSH_ANALYSIS domain; upload with another domain".into(),
            );
            Error::Dhis2(dhis2)
        }
        error => error,
    }
}

/// Refuses a file resource whose bytes the server does not have: DHIS2 would answer `/data`
/// with a bare 500 (dhis2-api.md §3.7), while its own metadata says why.
pub(crate) fn check_downloadable(resource: &FileResource) -> Result<()> {
    if resource.storage_status == Some(StorageStatus::Pending) {
        return Err(Error::InvalidInput(format!(
            "file resource {} is still PENDING: the server does not have its bytes (yet); if it \
             stays PENDING, they were lost and it must be uploaded again",
            resource.id
        )));
    }
    Ok(())
}

/// A refused download in DHIS2's words: [`Error::DomainRefused`] for the domains `/data` never
/// serves, otherwise the plain DHIS2 error (e.g. another user's avatar without F_USER_VIEW).
async fn download_refusal(response: Response, resource: &FileResource) -> Error {
    let status = response.status().as_u16();
    let body = read_limited(response).await;
    let message = serde_json::from_slice::<WebMessage>(&body)
        .ok()
        .filter(|message| message.message.is_some());
    match resource.domain.as_ref().filter(|d| d.download_refused()) {
        Some(domain) => Error::DomainRefused {
            uid: resource.id.clone(),
            domain: domain.to_string(),
            status,
            message: message
                .and_then(|message| message.message)
                .unwrap_or_else(|| format!("HTTP {status}")),
        },
        None => match message {
            Some(message) => Error::Dhis2(Box::new(Dhis2Error::from_web_message(status, &message))),
            None => Error::Http {
                status,
                excerpt: summarize_body(&body),
            },
        },
    }
}

/// Compares a file resource once STORED with what the upload's answer said (which was checked
/// against the file): a server that stored other bytes than it acknowledged is caught too.
pub(crate) fn check_still_as_uploaded(
    uploaded: &FileResource,
    stored: &FileResource,
    domain: &Domain,
    path: &Path,
) -> Result<()> {
    check_stored_length(
        stored,
        domain,
        uploaded.content_length.unwrap_or(0),
        path.display(),
    )?;
    check_stored_md5(stored, domain, uploaded.content_md5.clone())
}

/// Compares the length the server stored with the file's, always (also without the MD5
/// check), except where DHIS2 re-encodes images (the stored length is then its own). `source`
/// names the file: a path, or a file resource on another server.
pub(crate) fn check_stored_length(
    resource: &FileResource,
    domain: &Domain,
    length: u64,
    source: impl std::fmt::Display,
) -> Result<()> {
    if domain.reencodes_images() {
        return Ok(());
    }
    let detail = match resource.content_length {
        Some(stored) if stored == length => return Ok(()),
        Some(stored) if stored < length => {
            format!("the server stored only {stored} of the {length} bytes of {source}")
        }
        Some(stored) => {
            format!("the server stored {stored} bytes for the {length} bytes of {source}")
        }
        None => format!("the server did not say how many bytes of {source} it stored"),
    };
    Err(Error::UploadIncomplete {
        uid: resource.id.clone(),
        detail,
    })
}

/// Compares the MD5 the server computed with the bytes sent, except where DHIS2 re-encodes
/// images (its MD5 then describes its own bytes).
pub(crate) fn check_stored_md5(
    resource: &FileResource,
    domain: &Domain,
    sent: Option<String>,
) -> Result<()> {
    if domain.reencodes_images() {
        return Ok(());
    }
    match (resource.content_md5.as_deref(), sent) {
        (Some(stored), Some(sent)) if !stored.is_empty() && !stored.eq_ignore_ascii_case(&sent) => {
            Err(Error::UploadIntegrity {
                uid: resource.id.clone(),
                stored: stored.to_string(),
                sent,
            })
        }
        _ => Ok(()),
    }
}

pub(crate) fn file_resource_of(message: WebMessage) -> Result<FileResource> {
    let resource = message
        .response
        .and_then(|mut response| response.get_mut("fileResource").map(Value::take))
        .ok_or_else(|| Error::Decode {
            what: "the upload".into(),
            detail: "the answer carried no fileResource".into(),
        })?;
    serde_json::from_value(resource).map_err(|e| Error::Decode {
        what: "the upload".into(),
        detail: e.to_string(),
    })
}
