//! `/api/documents`: list, get, create a link, the two-step upload, download and delete.
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use reqwest::Method;
use reqwest::header::ACCEPT;
use serde_json::json;

use crate::api::Domain;
use crate::api::ahead::beside;
use crate::api::client::{Client, check_uid, request_label};
use crate::api::error::{Error, Result};
use crate::api::file_resources::{check_downloadable, check_still_as_uploaded};
use crate::api::listing::{AllPages, ById, Gathering, list_page};
use crate::api::model::{Document, FileResource, Page};
use crate::api::query::ListQuery;
use crate::api::transfer::download::{DownloadTarget, Downloaded, Expected, save_body};
use crate::api::transfer::part_file::check_target;
use crate::api::transfer::{Phase, Progress, TransferOptions};

/// Fields asked for in lists and gets: everything the TUI and CLI show, without sharing blocks.
pub const DOCUMENT_FIELDS: &str = "id,name,displayName,code,url,external,contentType,attachment,created,lastUpdated,createdBy[id,username,name,displayName],href";

/// DHIS2's rule for external document URLs (`DocumentObjectBundleHook`): http(s) only, no
/// spaces, and the last character from a narrower set, so a trailing `.` `?` `)` `,` fails.
static EXTERNAL_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^https?://[-a-zA-Z0-9+&@#/%?=~_|!:,.;]*[-a-zA-Z0-9+&@#/%=~_|]$")
        .expect("the URL rule is a valid regex")
});

/// Checks a URL against DHIS2's own rule, with a hint about what to change.
pub fn check_external_url(url: &str) -> Result<()> {
    match external_url_problem(url) {
        None => Ok(()),
        Some(hint) => Err(Error::InvalidInput(format!(
            "DHIS2 will not accept `{url}` as a link: {hint}"
        ))),
    }
}

/// What DHIS2's rule finds wrong with `url` as an external link (E4004), as a hint about what
/// to change, without repeating the URL; `None` when the rule accepts it.
pub(crate) fn external_url_problem(url: &str) -> Option<&'static str> {
    if EXTERNAL_URL.is_match(url) {
        return None;
    }
    Some(
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            "it must start with http:// or https://"
        } else if url.chars().any(char::is_whitespace) {
            "it must not contain spaces"
        } else if !url.is_ascii() {
            "it must be ASCII (percent-encode other characters)"
        } else if url.len() <= "https://".len() {
            "it needs a host"
        } else {
            "it contains a character DHIS2 refuses, or ends with one of . ? ) , ; ! :"
        },
    )
}

/// The result of the two-step upload.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadedDocument {
    pub document: Document,
    pub file_resource: FileResource,
}

/// The result of downloading a document.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DocumentDownload {
    Saved(Downloaded),
    /// An external document: nothing was fetched, and DHIS2 credentials went nowhere.
    External {
        url: String,
    },
}

impl Client {
    pub async fn list_documents(&self, query: &ListQuery) -> Result<Page<Document>> {
        list_page(self, "documents", "documents", query, DOCUMENT_FIELDS).await
    }

    /// Every page of a query, in order, each document once, up to `max_items`; see [`AllPages`]
    /// for how a pager that does not page is caught.
    pub async fn list_all_documents(
        &self,
        query: &ListQuery,
        max_items: usize,
    ) -> Result<AllPages<Document>> {
        let mut gathering = Gathering::new(query, max_items);
        while let Some(query) = gathering.next_query() {
            gathering.take(self.list_documents(&query).await?);
        }
        Ok(gathering.finish())
    }

    /// The documents with these uids, a hundred per request; unknown (or unshared) uids are
    /// simply absent, and strings that are not uids are never sent.
    pub async fn documents_by_id(&self, uids: &[String]) -> Result<Vec<Document>> {
        let mut by_id = ById::new(uids);
        for (index, query) in by_id.queries()?.iter().enumerate() {
            let page = self.list_documents(query).await?;
            by_id.keep(index, page.items);
        }
        Ok(by_id.found())
    }

    pub async fn get_document(&self, uid: &str) -> Result<Document> {
        check_uid(uid)?;
        self.get_json(
            &format!("documents/{uid}"),
            &[("fields", format!("{DOCUMENT_FIELDS},*"))],
        )
        .await
    }

    /// Creates an external-link document after checking the URL against DHIS2's rule.
    pub async fn create_external_document(&self, name: &str, url: &str) -> Result<Document> {
        check_name(name)?;
        check_external_url(url)?;
        self.create_document(json!({"name": name.trim(), "url": url, "external": true}))
            .await
    }

    /// Step two of an upload on its own: a document pointing at an existing file resource.
    /// Also the way to retry linking after a failed step two without uploading again.
    pub async fn link_document(&self, name: &str, file_resource_uid: &str) -> Result<Document> {
        check_name(name)?;
        check_uid(file_resource_uid)?;
        self.create_document(
            json!({"name": name.trim(), "url": file_resource_uid, "external": false}),
        )
        .await
    }

    /// Creates a document with the uid `id`, to restore or copy one as it was (dhis2-api.md
    /// §11.2): a link to `url` when `external` (checked against DHIS2's rule), otherwise a
    /// document showing the file resource whose uid is `url`. The name is sent as given, not
    /// trimmed, so a copy keeps it. Every DHIS2 version keeps the id; its refusals come back in
    /// DHIS2's words and codes: E5000 when a document has that id already, E4015 when the file
    /// resource does not exist, E4016 when another document shows it. An id that is no uid is
    /// refused here (DHIS2 2.39.2+ answers E4014; older versions would store an id that no
    /// uid-checked read could then reach).
    ///
    /// DHIS2 discards any sharing sent with a create (§3.4), so none is sent: set it afterwards
    /// with [`Client::set_document_sharing`].
    pub async fn create_document_with_id(
        &self,
        id: &str,
        name: &str,
        url: &str,
        external: bool,
    ) -> Result<Document> {
        self.create_document(document_body(id, name, url, external)?)
            .await
    }

    /// Replaces document `id` with this name, url and kind (`PUT /api/documents/{id}`, §3.5),
    /// keeping its uid. A file document must point at a file resource no document shows yet:
    /// DHIS2 through 2.42.5 refuses (E4016) an update that keeps the file it has. DHIS2 resets
    /// the document's sharing on update, so set it again afterwards
    /// ([`Client::set_document_sharing`]).
    pub async fn update_document(
        &self,
        id: &str,
        name: &str,
        url: &str,
        external: bool,
    ) -> Result<Document> {
        let body = document_body(id, name, url, external)?;
        let endpoint = self.endpoint(&format!("documents/{id}"))?;
        self.put_json(endpoint, &body, "documents").await?;
        self.get_document(id).await
    }

    async fn create_document(&self, body: serde_json::Value) -> Result<Document> {
        let url = self.endpoint("documents")?;
        let message = self.post_json(url, &body, "documents").await?;
        let uid = message.created_uid().ok_or_else(|| Error::Decode {
            what: "the new document".into(),
            detail: "the answer carried no uid".into(),
        })?;
        self.get_document(&uid)
            .await
            .map_err(|source| Error::CreatedUnread {
                uid: uid.clone(),
                source: Box::new(source),
            })
    }

    /// Uploads a file as a document in DHIS2's two steps, as one operation: the bytes become a
    /// file resource with domain DOCUMENT, we wait until it is STORED, then a JSON document
    /// points at it. If step two fails the error names the stored file resource
    /// ([`Error::LinkFailed`]) so linking can be retried with [`Client::link_document`].
    pub async fn upload_document(
        &self,
        path: &Path,
        name: Option<&str>,
        options: &TransferOptions,
    ) -> Result<UploadedDocument> {
        let name = match name {
            Some(name) => name.to_string(),
            None => default_document_name(path),
        };
        check_name(&name)?;
        let uploaded = self
            .upload_file_resource(path, &Domain::Document, options)
            .await?;
        let stored = self
            .stored_after_upload(&uploaded, options)
            .await
            .map_err(|error| self.redacted(after_step_one(&uploaded.id, error)))?;
        check_still_as_uploaded(&uploaded, &stored, &Domain::Document, path)
            .map_err(|e| self.redacted(e))?;
        options.report(Progress {
            phase: Phase::Linking,
            done: 0,
            total: None,
        });
        let document = self
            .link_document(&name, &stored.id)
            .await
            .map_err(|error| self.redacted(after_step_one(&stored.id, error)))?;
        options.unlinked.set(None);
        Ok(UploadedDocument {
            document,
            file_resource: stored,
        })
    }

    /// A document and, for an uploaded file, the file resource behind it, read in its own
    /// right: a document whose file resource cannot be read is still worth showing.
    pub async fn get_document_with_resource(
        &self,
        uid: &str,
    ) -> Result<(Document, Option<Result<FileResource>>)> {
        let document = self.get_document(uid).await?;
        let resource = match document.file_resource_uid() {
            Some(fr) => Some(self.get_file_resource(fr).await),
            None => None,
        };
        Ok((document, resource))
    }

    /// Downloads a file document. An external document is not fetched: its URL is returned, so
    /// DHIS2 credentials never reach another host.
    ///
    /// The body is asked for beside the document and its file resource, which say what the
    /// bytes must be: over a slow link the download costs the body's round trip, not three in
    /// a row. An external document's `/data` is DHIS2's redirect to its link, never followed
    /// and dropped unread. A target that refuses already (a file there, no overwrite) asks for
    /// no body.
    pub async fn download_document(
        &self,
        uid: &str,
        target: &DownloadTarget,
        options: &TransferOptions,
    ) -> Result<DocumentDownload> {
        check_uid(uid)?;
        let body_now = match target {
            DownloadTarget::File(path) => check_target(path, options.overwrite).await.is_ok(),
            DownloadTarget::Directory(_) => true,
        };
        let (metadata, body) = if body_now {
            let (metadata, body) = beside(
                self.document_and_resource(uid),
                self.request_document_data(uid),
            )
            .await;
            (metadata, Some(body))
        } else {
            (self.document_and_resource(uid).await, None)
        };
        let (document, resource) = metadata?;
        if document.external {
            return Ok(DocumentDownload::External {
                url: document.url.unwrap_or_default(),
            });
        }
        if let DownloadTarget::File(path) = target {
            check_target(path, options.overwrite).await?;
        }
        if let Some(resource) = &resource {
            check_downloadable(resource)?;
        }
        let answer = match body {
            Some(body) => body.finish().await,
            None => self.request_document_data(uid).await,
        };
        self.save_document_body(answer, &document, resource.as_ref(), target, options)
            .await
            .map(DocumentDownload::Saved)
    }

    /// A document and, unless it is external, the file resource that says what its bytes must
    /// be (`None` for a legacy document without one); a failed read of it fails the download.
    async fn document_and_resource(&self, uid: &str) -> Result<(Document, Option<FileResource>)> {
        // Known by the uid asked for: the `id` a server answers with is its text, not ours.
        let document = Document {
            id: uid.to_string(),
            ..self.get_document(uid).await?
        };
        if document.external {
            return Ok((document, None));
        }
        let resource = match document.file_resource_uid() {
            Some(fr) => Some(self.get_file_resource(fr).await.map_err(|source| {
                let context = format!(
                    "document {uid}: could not read its file resource {fr}, which says what the \
                     bytes must be"
                );
                Error::Context {
                    context,
                    source: Box::new(source),
                }
            })?),
            None => None,
        };
        Ok((document, resource))
    }

    /// Downloads a file document whose metadata the caller has read already, with its file
    /// resource (`None` only for a legacy document without one): a batch reads them a hundred
    /// at a time, so each file costs one request. The file resource says what the bytes must
    /// be; without one only the answer's headers do.
    pub async fn download_read_document(
        &self,
        document: &Document,
        resource: Option<&FileResource>,
        target: &DownloadTarget,
        options: &TransferOptions,
    ) -> Result<Downloaded> {
        let uid = &document.id;
        check_uid(uid)?;
        if document.external {
            return Err(Error::InvalidInput(format!(
                "document {uid} is an external link: there is no file to download"
            )));
        }
        let answer = self.request_document_data(uid).await;
        self.save_document_body(answer, document, resource, target, options)
            .await
    }

    /// `GET /api/documents/{uid}/data`, retried on 502/503/504 and network failures.
    async fn request_document_data(&self, uid: &str) -> Result<reqwest::Response> {
        let url = self.endpoint(&format!("documents/{uid}/data"))?;
        self.send_idempotent(|| self.data_request(Method::GET, url.clone()))
            .await
    }

    /// Saves the `/data` answer of a file document as its file resource (or, without one, the
    /// answer's headers) says it must be.
    async fn save_document_body(
        &self,
        answer: Result<reqwest::Response>,
        document: &Document,
        resource: Option<&FileResource>,
        target: &DownloadTarget,
        options: &TransferOptions,
    ) -> Result<Downloaded> {
        let uid = &document.id;
        let what = format!("document {uid}");
        let expected = match resource {
            Some(resource) => {
                Expected::of_resource(resource, false, what, document.title().to_string())
            }
            // A legacy document whose bytes live outside the file store: only its headers say
            // what to expect.
            None => Expected {
                content_type: document.content_type.clone(),
                fallback_name: document.title().to_string(),
                what,
                ..Expected::default()
            },
        };
        let response = match answer {
            // DHIS2 answers a bare 500 when it lacks the bytes; a list's metadata cannot say
            // whether the file is still PENDING (lists report NONE), its own read can.
            Err(error) if error.status() == Some(500) => {
                return Err(match resource {
                    Some(resource) => self.why_no_bytes(&resource.id).await.unwrap_or(error),
                    None => error,
                });
            }
            answer => answer?,
        };
        if response.status().is_redirection() {
            // Only an external document redirects, and we checked it was not one.
            return Err(Error::Http {
                status: response.status().as_u16(),
                excerpt: "unexpected redirect for a file document".into(),
            });
        }
        // The saved name, the MD5 and the error texts come from the server.
        save_body(response, target, &expected, options)
            .await
            .map_err(|e| self.redacted(e))
    }

    /// Why the server had no bytes to send for file resource `uid`, when its metadata says:
    /// still PENDING.
    async fn why_no_bytes(&self, uid: &str) -> Option<Error> {
        let resource = self.get_file_resource(uid).await.ok()?;
        check_downloadable(&resource).err()
    }

    pub async fn delete_document(&self, uid: &str) -> Result<()> {
        check_uid(uid)?;
        let url = self.endpoint(&format!("documents/{uid}"))?;
        // Its answer is a WebMessage too: bounded like any JSON request.
        self.within_deadline(
            request_label(&Method::DELETE, &url),
            self.send(
                self.request(Method::DELETE, url.clone())
                    .header(ACCEPT, "application/json"),
            ),
        )
        .await
        .map_err(explain_delete_refusal)?;
        Ok(())
    }
}

/// What a failure after step one means for the stored file resource `uid`. Only where linking it
/// later can still work is it a [`Error::LinkFailed`] (whose hint is `documents link`): not when
/// the file resource is gone, will never be stored, is linked already, or when the document was
/// in fact created. A cancellation after step one is one too: the bytes stay on the server.
fn after_step_one(uid: &str, error: Error) -> Error {
    if error.status() == Some(404) && !matches!(error, Error::CreatedUnread { .. }) {
        return Error::Context {
            context: format!(
                "file resource {uid}, which the server had accepted, is gone, so there is \
                 nothing to link; upload the file again"
            ),
            source: Box::new(error),
        };
    }
    let linkable = match &error {
        Error::StorageFailed { .. } | Error::CreatedUnread { .. } => false,
        error => !matches!(error.error_code(), Some("E4015" | "E4016")),
    };
    if linkable {
        Error::LinkFailed {
            file_resource_uid: uid.to_string(),
            source: Box::new(error),
        }
    } else {
        error
    }
}

/// DHIS2 2.41.7+/2.42.4+ answer a delete without the right with a bare 409 WARNING and no
/// error reports; say what it usually means.
fn explain_delete_refusal(error: Error) -> Error {
    match error {
        Error::Dhis2(mut dhis2) if dhis2.status == 409 && dhis2.error_reports.is_empty() => {
            dhis2.hint = Some(
                "DHIS2 answers this when you may not delete the document \
                 (F_DOCUMENT_DELETE and write sharing are needed)"
                    .into(),
            );
            Error::Dhis2(dhis2)
        }
        other => other,
    }
}

/// The document name an upload gets by default: the file's name.
pub fn default_document_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// DHIS2's column for a document's name (dhis2-api.md §3.1): longer names fail on the server.
const MAX_NAME_CHARS: usize = 230;

/// A document's JSON with a given uid, refused here when DHIS2 would refuse it: a uid, a name,
/// and a link DHIS2 accepts or a file resource uid.
fn document_body(id: &str, name: &str, url: &str, external: bool) -> Result<serde_json::Value> {
    check_uid(id)?;
    check_name(name)?;
    if external {
        check_external_url(url)?;
    } else {
        check_uid(url)?;
    }
    Ok(json!({"id": id, "name": name, "url": url, "external": external}))
}

pub(crate) fn check_name(name: &str) -> Result<()> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::InvalidInput("a document needs a name".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::InvalidInput(format!(
            "DHIS2 document names are at most {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_urls_follow_dhis2s_rule() {
        for ok in [
            "https://dhis2.org",
            "http://x.org/a?b=c&d=e",
            "https://x.org/path/",
            "https://x.org/a#frag",
        ] {
            assert!(check_external_url(ok).is_ok(), "{ok}");
        }
        for (bad, hint) in [
            ("ftp://x.org", "http://"),
            ("https://x.org/a b", "spaces"),
            ("https://x.org/é", "ASCII"),
            ("https://x.org/a.", "ends with"),
            ("https://x.org/a?", "ends with"),
            ("https://", "host"),
        ] {
            let error = check_external_url(bad).unwrap_err().to_string();
            assert!(error.contains(hint), "{bad}: {error}");
        }
    }

    #[test]
    fn names_are_required_and_bounded() {
        assert!(check_name("  ").is_err());
        assert!(check_name(&"x".repeat(231)).is_err());
        assert!(check_name("Report").is_ok());
    }
}
