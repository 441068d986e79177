//! The DHIS2 client: documents and file resources over the Web API. No terminal code here.
//!
//! ```no_run
//! # async fn demo() -> d2files::api::Result<()> {
//! use d2files::api::{Auth, Client, ListQuery, Filter};
//! let client = Client::new("https://dhis.example.org", Auth::token("d2pat_…"))?;
//! let page = client
//!     .list_documents(&ListQuery::new().filter(Filter::name_contains("malaria")))
//!     .await?;
//! for document in page.items {
//!     println!("{} {}", document.id, document.title());
//! }
//! # Ok(()) }
//! ```
mod ahead;
mod auth;
mod blocklist;
mod client;
mod context_path;
mod dashboards;
mod documents;
mod edit;
mod error;
mod file_resources;
pub mod filename;
mod link_probe;
mod listing;
mod model;
mod preview_fetch;
mod query;
mod redact;
mod sharing;
mod sharing_view;
mod stall;
mod transfer;
pub mod units;
mod upload_limits;
mod version;

pub use auth::{Auth, Secret};
// For `config`, which shows the URLs of profile files, and `ops`, which records the server a
// backup came from; the api uses it in place.
pub(crate) use client::without_userinfo;
pub use client::{
    CONNECT_TIMEOUT, Client, ClientOptions, JSON_DEADLINE, MAX_JSON_BODY, READ_TIMEOUT, RETRIES,
    RETRY_BACKOFF, ServerInfo, is_valid_uid,
};
pub use dashboards::{
    DOCUMENTS_PER_DASHBOARD_QUERY, Dashboard, DashboardEffect, DashboardItem, deletion_effects,
};
pub use documents::{
    DOCUMENT_FIELDS, DocumentDownload, UploadedDocument, check_external_url, default_document_name,
};
pub use edit::{EditPath, Edited};
pub use error::{Dhis2Error, Error, Result};
pub use file_resources::{FILE_RESOURCE_FIELDS, check_upload_source};
pub use link_probe::{
    LINK_CONNECT_TIMEOUT, LINK_TIMEOUT, LinkAnswer, LinkProbeOptions, LinkProber,
    MAX_LINK_REDIRECTS, NoAnswerReason, probe_link, refused_link_reason,
};
pub use listing::{AllPages, Cut};
pub use model::{
    Dimension, Document, Domain, ErrorReport, FileResource, Me, Page, Pager, StorageStatus,
    SystemInfo, UserRef, WebMessage, media_type, parse_dhis2_date,
};
pub use preview_fetch::FilePrefix;
pub use query::{Direction, Filter, ListQuery, MAX_PAGE_SIZE, Operator, Order};
pub use redact::Redactor;
pub use sharing::{Access, Sharing, is_valid_access_string};
pub use sharing_view::{
    Candidates, EDIT_ACCESS, NO_ACCESS, Named, NamedAccess, SharingChange, SharingView,
    VIEW_ACCESS, access_of_word, access_words,
};
pub use stall::MinProgress;
pub use transfer::download::{DownloadTarget, Downloaded, Verification};
pub use transfer::{
    CancellationToken, Phase, Progress, ProgressFn, TransferOptions, UnlinkedUpload, WaitPolicy,
};
pub use version::{Feature, FeatureSupport, NEWEST_KNOWN_MINOR, OLDEST_KNOWN_MINOR, ServerVersion};
