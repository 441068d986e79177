//! Changing a document in place, the way the server in front of us allows (dhis2-api.md §3.5):
//! a rename, or a new file behind the same uid. DHIS2 through 2.42.5 refuses (E4016) an update
//! of a file document that keeps its file, and every update before the DHIS2-9191 fix resets
//! the document's sharing. So: try the direct update; on E4016 use the old partial PATCH where
//! the server has it (≤ 2.40), else point the document at a fresh copy of its file; then put
//! back the sharing read before. A failure leaves the old name, file and sharing in place.
use std::path::Path;

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Serialize;
use serde_json::json;

use crate::api::client::{Client, check_uid};
use crate::api::documents::check_name;
use crate::api::error::{Error, Result};
use crate::api::file_resources::check_still_as_uploaded;
use crate::api::model::{Document, Domain, FileResource};
use crate::api::sharing::Sharing;
use crate::api::transfer::TransferOptions;
use crate::api::version::{Feature, ServerVersion};

/// How an edit was done, for telling the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EditPath {
    /// One update through DHIS2's importer.
    Direct,
    /// The old partial update (`PATCH` with a JSON object, ≤ 2.40), which keeps the file.
    PartialPatch,
    /// The document now shows a fresh copy of its file, as DHIS2 refused to keep the file.
    FreshCopy,
    /// The document shows a newly uploaded file.
    NewFile,
}

/// A document as an edit left it.
#[derive(Clone, Debug, Serialize)]
pub struct Edited {
    pub document: Document,
    pub path: EditPath,
    /// The file resource the document showed before, when it shows another now. It stays on
    /// the server, marked as assigned, whatever the version (§3.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_file: Option<String>,
    /// The version that decided the path, when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<ServerVersion>,
}

impl Edited {
    /// "renamed; DHIS2 2.41.7 needed a fresh copy of the file (file resource NEW); the old
    /// file resource OLD stays attached", with `done` the edit's past tense.
    pub fn describe(&self, done: &str) -> String {
        let version = self
            .version
            .as_ref()
            .map_or_else(|| "this DHIS2".to_string(), |v| format!("DHIS2 {v}"));
        let new_file = self.document.url.as_deref().unwrap_or_default();
        let previous = self
            .previous_file
            .as_deref()
            .map(|old| {
                format!("; the old file resource {old} stays on the server, marked as assigned")
            })
            .unwrap_or_default();
        match self.path {
            EditPath::Direct => format!("{done}{previous}"),
            EditPath::PartialPatch => {
                format!("{done} with {version}'s partial update, which keeps the file")
            }
            EditPath::FreshCopy => format!(
                "{done}; {version} refuses an update that keeps the file (E4016), so the \
                 document now shows a fresh copy of it (file resource {new_file}){previous}"
            ),
            EditPath::NewFile => {
                format!("{done}: the document shows file resource {new_file}{previous}")
            }
        }
    }
}

impl Client {
    /// Renames document `uid` to `name`, keeping its uid, file or link, and sharing.
    pub async fn rename_document(
        &self,
        uid: &str,
        name: &str,
        options: &TransferOptions,
    ) -> Result<Edited> {
        check_uid(uid)?;
        check_name(name)?;
        let before = self.get_document(uid).await?;
        let sharing = self.document_sharing(uid).await?;
        let url = before.url.clone().unwrap_or_default();
        let direct = self.update_document(uid, name, &url, before.external).await;
        match direct {
            Ok(_) => self.finish(&before, &sharing, EditPath::Direct, None).await,
            Err(error) if is_e4016(&error) => {
                self.rename_keeping_file(&before, name, &sharing, options)
                    .await
            }
            Err(error) => Err(error),
        }
    }

    /// Puts the file at `path` behind document `uid`: uploaded as a new file resource (stored
    /// and checked as an upload is), the document pointed at it, its sharing put back.
    pub async fn replace_document_file(
        &self,
        uid: &str,
        path: &Path,
        options: &TransferOptions,
    ) -> Result<Edited> {
        check_uid(uid)?;
        let before = self.get_document(uid).await?;
        if before.external {
            return Err(Error::InvalidInput(format!(
                "document {uid} is a link, not a file: there is no file to replace"
            )));
        }
        let sharing = self.document_sharing(uid).await?;
        let uploaded = self
            .upload_file_resource(path, &Domain::Document, options)
            .await?;
        options.unlinked.set(Some(&uploaded.id));
        let stored = self.stored_after_upload(&uploaded, options).await?;
        check_still_as_uploaded(&uploaded, &stored, &Domain::Document, path)
            .map_err(|error| self.redacted(error))?;
        let fresh = self
            .point_at(&before, before.title(), &stored, options)
            .await?;
        self.finish(&before, &sharing, EditPath::NewFile, Some(fresh))
            .await
    }

    /// The rename DHIS2 refused with E4016: the partial PATCH where the server has it, else a
    /// fresh copy of the file.
    async fn rename_keeping_file(
        &self,
        before: &Document,
        name: &str,
        sharing: &Sharing,
        options: &TransferOptions,
    ) -> Result<Edited> {
        let version = self
            .system_info()
            .await
            .ok()
            .and_then(|info| info.version)
            .and_then(|text| ServerVersion::parse(&text));
        let has_partial_patch = version
            .as_ref()
            .is_none_or(|v| v.supports(Feature::PartialUpdate));
        if has_partial_patch {
            match self
                .partial_patch(&before.id, &json!({ "name": name }))
                .await
            {
                Ok(()) => {
                    let mut edited = self
                        .finish(before, sharing, EditPath::PartialPatch, None)
                        .await?;
                    edited.version = version;
                    return Ok(edited);
                }
                // 2.41+ answers 415: it has no partial update.
                Err(error) if error.status() == Some(415) => {}
                Err(error) => return Err(error),
            }
        }
        let resource = self
            .get_file_resource(before.file_resource_uid().unwrap_or_default())
            .await?;
        let copy = self
            .copy_file_resource_to(&resource, self, &Domain::Document, None, options)
            .await?;
        options.unlinked.set(Some(&copy.id));
        let stored = self.stored_after_upload(&copy, options).await?;
        let fresh = self.point_at(before, name, &stored, options).await?;
        let mut edited = self
            .finish(before, sharing, EditPath::FreshCopy, Some(fresh))
            .await?;
        edited.version = version;
        Ok(edited)
    }

    /// Points `before` at the stored file resource `fresh` under `name`; the uid of the file
    /// it showed before is returned. On failure the document is as it was and `fresh` is
    /// named, linked to nothing.
    async fn point_at(
        &self,
        before: &Document,
        name: &str,
        fresh: &FileResource,
        options: &TransferOptions,
    ) -> Result<String> {
        self.update_document(&before.id, name, &fresh.id, false)
            .await
            .map_err(|error| Error::Context {
                context: format!(
                    "the document was left as it was; the server keeps file resource {}, \
                     linked to nothing",
                    fresh.id
                ),
                source: Box::new(error),
            })?;
        options.unlinked.set(None);
        Ok(before.url.clone().unwrap_or_default())
    }

    /// Puts back the sharing an update reset, and reads the document as it is now. Should the
    /// sharing not go back, the error says what the document is left with.
    async fn finish(
        &self,
        before: &Document,
        sharing: &Sharing,
        path: EditPath,
        previous_file: Option<String>,
    ) -> Result<Edited> {
        // The partial update bypasses the hook that resets sharing.
        if path != EditPath::PartialPatch {
            // Once more on a failure: the change is made, and a reset sharing is the one thing
            // left to undo.
            let put_back = match self.set_document_sharing(&before.id, sharing).await {
                Ok(()) => Ok(()),
                Err(_) => self.set_document_sharing(&before.id, sharing).await,
            };
            put_back.map_err(|error| Error::Context {
                context: format!(
                    "document {} was changed, but its sharing could not be put back (DHIS2 \
                         reset it on update); set it again with d2files documents share",
                    before.id
                ),
                source: Box::new(error),
            })?;
        }
        let document = self.get_document(&before.id).await?;
        Ok(Edited {
            document,
            path,
            previous_file,
            version: None,
        })
    }

    /// The old partial update (≤ 2.40): a JSON object of the properties to change, 204.
    async fn partial_patch(&self, uid: &str, body: &serde_json::Value) -> Result<()> {
        let url = self.endpoint(&format!("documents/{uid}"))?;
        self.within_deadline(
            crate::api::client::request_label(&Method::PATCH, &url),
            self.send(
                self.request(Method::PATCH, url.clone())
                    .header(ACCEPT, "application/json")
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.to_string()),
            ),
        )
        .await?;
        Ok(())
    }
}

/// DHIS2's refusal of an update that keeps a file document's file.
fn is_e4016(error: &Error) -> bool {
    error.error_code() == Some("E4016")
}
