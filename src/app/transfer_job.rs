//! What a transfer moves, and how it ended well: the data a transfer's effect, its row in the
//! transfer list and a confirmation to replace a file all carry.
use std::path::PathBuf;

use crate::api::{
    Document, DocumentDownload, Domain, Downloaded, Edited, FileResource, UploadedDocument,
};

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
    /// A new file behind document `uid` (`Client::replace_document_file`): uploaded, stored,
    /// checked, the document pointed at it, its sharing put back.
    ReplaceFile {
        uid: String,
        path: PathBuf,
    },
    /// A copy step's row: document `uid` re-created on profile `profile`'s server. Only a
    /// batch runs it (`ops::apply` with that server's connection), never a single transfer.
    CopyDocument {
        uid: String,
        profile: String,
    },
}

impl TransferJob {
    pub fn is_upload(&self) -> bool {
        matches!(
            self,
            TransferJob::UploadDocument { .. }
                | TransferJob::UploadResource { .. }
                | TransferJob::LinkDocument { .. }
                | TransferJob::ReplaceFile { .. }
        )
    }

    /// Bytes go from this server to another one's.
    pub fn is_copy(&self) -> bool {
        matches!(self, TransferJob::CopyDocument { .. })
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
    /// The document shows the new file (same uid, name and sharing).
    Replaced(Box<Edited>),
}

impl From<DocumentDownload> for TransferOutcome {
    fn from(download: DocumentDownload) -> Self {
        match download {
            DocumentDownload::Saved(saved) => TransferOutcome::Downloaded(Box::new(saved)),
            DocumentDownload::External { url } => TransferOutcome::External { url },
        }
    }
}
