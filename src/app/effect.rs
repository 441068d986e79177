//! What `update` asks the outside world to do. The runner (or the event loop, for the terminal)
//! carries these out and answers with messages.
use std::path::PathBuf;

use crate::api::{
    Document, DocumentDownload, Domain, Downloaded, FileResource, ListQuery, UploadedDocument,
};
use crate::app::state::KnownResource;

/// Identifies a request so a late answer to an outdated one can be dropped.
pub type ReqId = u64;
pub type TransferId = u64;

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Connect,
    FetchDocuments {
        req: ReqId,
        query: ListQuery,
    },
    FetchResources {
        req: ReqId,
        query: ListQuery,
    },
    FetchDetail {
        req: ReqId,
        uid: String,
    },
    FetchResource {
        req: ReqId,
        uid: String,
    },
    /// The file resources behind a page of documents, for their type and size (2.41+).
    FetchDocumentFiles {
        uids: Vec<String>,
    },
    CreateLink {
        name: String,
        url: String,
    },
    Delete {
        uid: String,
        name: String,
    },
    StartTransfer {
        id: TransferId,
        job: TransferJob,
    },
    CancelTransfer(TransferId),
    CompletePath {
        req: ReqId,
        input: String,
    },
    /// Checks an upload's source before the form closes: there, a regular file, not empty, not
    /// a type DHIS2 refuses, not above a size limit the server stated for the domain.
    CheckUpload {
        req: ReqId,
        path: PathBuf,
        domain: Domain,
    },
    /// Adds a file resource to the list this tool keeps of its own uploads.
    RememberUpload(KnownResource),
    LoadKnownResources,
    /// Copies text to the clipboard (OSC 52, so it works over SSH).
    Copy(String),
    /// Opens a URL or a local file with the desktop's default program.
    Open(String),
    Quit,
}

/// What a transfer moves.
#[derive(Clone, Debug, PartialEq)]
pub enum TransferJob {
    DownloadDocument {
        uid: String,
        path: PathBuf,
        overwrite: bool,
    },
    DownloadResource {
        uid: String,
        path: PathBuf,
        overwrite: bool,
    },
    UploadDocument {
        path: PathBuf,
        name: String,
    },
    /// Step two of an upload again, for a file resource whose document could not be created.
    LinkDocument {
        name: String,
        file_resource_uid: String,
    },
    UploadResource {
        path: PathBuf,
        domain: Domain,
    },
}

impl TransferJob {
    pub fn is_upload(&self) -> bool {
        matches!(
            self,
            TransferJob::UploadDocument { .. }
                | TransferJob::UploadResource { .. }
                | TransferJob::LinkDocument { .. }
        )
    }

    /// The same download, now allowed to replace the existing file.
    pub fn overwriting(&self) -> TransferJob {
        let mut job = self.clone();
        if let TransferJob::DownloadDocument { overwrite, .. }
        | TransferJob::DownloadResource { overwrite, .. } = &mut job
        {
            *overwrite = true;
        }
        job
    }
}

/// How a transfer ended well.
#[derive(Clone, Debug)]
pub enum TransferOutcome {
    Downloaded(Box<Downloaded>),
    /// The document is an external link: nothing was fetched.
    External {
        url: String,
    },
    UploadedDocument(Box<UploadedDocument>),
    UploadedResource(Box<FileResource>),
    /// A retried step two: the document now points at the stored file resource.
    Linked(Box<Document>),
}

impl From<DocumentDownload> for TransferOutcome {
    fn from(download: DocumentDownload) -> Self {
        match download {
            DocumentDownload::Saved(saved) => TransferOutcome::Downloaded(Box::new(saved)),
            DocumentDownload::External { url } => TransferOutcome::External { url },
        }
    }
}
