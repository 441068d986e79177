//! One error type that keeps DHIS2's own words: status, message, errorCode and error reports.
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::api::model::{ErrorReport, WebMessage};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// DHIS2 answered with a WebMessage error.
    #[error("{}", Dhis2Display(.0))]
    Dhis2(Box<Dhis2Error>),

    /// An error answer that was not a DHIS2 WebMessage (a proxy page, an empty 500).
    #[error("HTTP {status}{}", excerpt_suffix(.excerpt))]
    Http { status: u16, excerpt: String },

    /// The server answered, but there is no DHIS2 API under the base URL: its context path is
    /// wrong or missing. `found` is the base URL where DHIS2 does answer on that server, when a
    /// look found one.
    #[error(
        "the server at {server} answered, but there is no DHIS2 API at {api_path}; {}",
        match found {
            Some(found) => format!("DHIS2 answers at {found}"),
            None => "check the context path in the server URL".to_string(),
        }
    )]
    NoApi {
        server: String,
        api_path: String,
        found: Option<String>,
    },

    /// The credentials were refused, or the server sent us to its login page. Holds DHIS2's
    /// message or our description of what happened.
    #[error(
        "authentication failed: {0}; check the user name and password or the token, and the server URL"
    )]
    Authentication(String),

    /// A file resource whose domain the download endpoint never serves (DATA_VALUE, PUSH_ANALYSIS).
    /// DHIS2 ≤2.40 says this with a 401, which is not a credentials problem.
    #[error(
        "file resource {uid} cannot be downloaded here: DHIS2 never serves {domain} file resources from /api/fileResources/{{uid}}/data (HTTP {status}: {message})"
    )]
    DomainRefused {
        uid: String,
        domain: String,
        status: u16,
        message: String,
    },

    /// The server is too old for this operation.
    #[error("{what} is not available before DHIS2 {since}")]
    NotAvailable { what: String, since: String },

    /// Input refused before anything was sent.
    #[error("{0}")]
    InvalidInput(String),

    /// A page after the last one. DHIS2 answers it with an empty list and the last page's
    /// number (dhis2-api.md §3.2), which reads as if the list were empty.
    #[error("page {asked} is past the end: {}", pages_there_are(*.page_count, *.page_size))]
    PagePastEnd {
        asked: u32,
        page_count: u32,
        page_size: u32,
        total: u64,
    },

    /// Connecting, sending or receiving failed.
    #[error("network error: {0}")]
    Network(String),

    /// The server broke TLS or HTTP itself (plain HTTP on an https:// URL, an untrusted
    /// certificate, a malformed or oversized answer head): asking again gets the same answer.
    #[error("network error: {0}")]
    Protocol(String),

    /// A JSON answer did not arrive whole within the client's deadline
    /// ([`crate::api::ClientOptions::json_deadline`]), retries included.
    #[error(
        "network error: the server took longer than {} to answer ({request})",
        seconds(*.limit)
    )]
    Deadline { limit: Duration, request: String },

    /// A JSON answer larger than we are willing to hold in memory.
    #[error(
        "the server's answer to {what} is larger than {} MiB, more than any DHIS2 page d2files asks for; ask for fewer items (a smaller page size) or check the server URL",
        limit / (1024 * 1024)
    )]
    TooLarge { what: String, limit: u64 },

    /// The answer could not be read as the JSON we expected.
    #[error("could not read the server's answer to {what}: {detail}")]
    Decode { what: String, detail: String },

    /// The file resource did not reach STORED in time.
    #[error(
        "file resource {uid} was still {status} after {}s; the server may still store it later",
        waited.as_secs()
    )]
    StorageTimeout {
        uid: String,
        status: String,
        waited: Duration,
    },

    /// DHIS2 ≤2.40 gave up storing the bytes: the file resource will never be STORED.
    #[error(
        "the server could not store file resource {uid} (storageStatus FAILED) and will not try again; upload the file again"
    )]
    StorageFailed { uid: String },

    /// The server kept fewer bytes than the file has, or answered before it had read them all.
    #[error(
        "{detail}; the server keeps file resource {uid}, linked to nothing; upload the file again"
    )]
    UploadIncomplete { uid: String, detail: String },

    /// A document was created, but reading it back failed: it exists, so creating it again would
    /// make a second one.
    #[error(
        "document {uid} was created, but reading it back failed: {source}; check it with `d2files documents get {uid}` before creating it again"
    )]
    CreatedUnread {
        uid: String,
        #[source]
        source: Box<Error>,
    },

    /// Step two of a document upload failed after the bytes were stored.
    #[error(
        "the file was uploaded as file resource {file_resource_uid}, but creating the document failed: {source}"
    )]
    LinkFailed {
        file_resource_uid: String,
        #[source]
        source: Box<Error>,
    },

    /// A download would overwrite an existing file.
    #[error("{} already exists", .0.display())]
    TargetExists(PathBuf),

    /// The server sent something other than the file it describes (an HTML page, a compressed
    /// stream, more or fewer bytes than it stores); nothing was saved.
    #[error("{0}; nothing was saved")]
    WrongBody(String),

    /// The downloaded bytes do not match the server's MD5.
    #[error("downloaded bytes do not match the server's MD5 (expected {expected}, got {actual})")]
    Integrity { expected: String, actual: String },

    /// The server stored other bytes than the upload sent.
    #[error(
        "file resource {uid} was stored with MD5 {stored}, but the file sent has MD5 {sent}: the upload was damaged on the way; upload it again"
    )]
    UploadIntegrity {
        uid: String,
        stored: String,
        sent: String,
    },

    /// A local file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cancelled")]
    Cancelled,

    /// A bug in d2files stopped the work (a panic caught before it could take the screen).
    #[error("{0}")]
    Internal(String),

    /// A step that a larger operation needed failed: says which step, and why it was needed.
    #[error("{context}: {source}")]
    Context {
        context: String,
        #[source]
        source: Box<Error>,
    },
}

/// The parts of a DHIS2 WebMessage error worth showing.
#[derive(Clone, Debug, PartialEq)]
pub struct Dhis2Error {
    pub status: u16,
    pub message: String,
    pub error_code: Option<String>,
    pub dev_message: Option<String>,
    pub error_reports: Vec<ErrorReport>,
    /// The answer carried an import report (`responseType` ObjectReport, ImportReport or
    /// TypeReport): its `message` only sends the reader to it, and `error_reports` are what it
    /// says.
    pub import_report: bool,
    /// Our explanation where DHIS2's words alone mislead.
    pub hint: Option<String>,
}

impl Dhis2Error {
    pub fn from_web_message(status: u16, message: &WebMessage) -> Self {
        Dhis2Error {
            status,
            message: message
                .message
                .clone()
                .or_else(|| message.http_status.clone())
                .unwrap_or_else(|| format!("HTTP {status}")),
            error_code: message.error_code.clone(),
            dev_message: message.dev_message.clone(),
            error_reports: message.error_reports(),
            import_report: message.has_import_report(),
            hint: None,
        }
    }
}

struct Dhis2Display<'a>(&'a Dhis2Error);

impl fmt::Display for Dhis2Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let error = self.0;
        let reports: Vec<String> = error
            .error_reports
            .iter()
            .map(|report| match &report.error_code {
                Some(code) => format!("{code}: {}", report.message),
                None => report.message.clone(),
            })
            .collect();
        // A refused import's message ("please see full details in import report", worded by
        // each release) points at what the user never sees: the report's errors are the
        // message, or its emptiness is. Known by the answer's shape, never by its words.
        let pointer = error.import_report;
        match (pointer, reports.is_empty()) {
            (true, false) => write!(f, "{}", reports.join("; "))?,
            (true, true) => write!(f, "DHIS2 refused it and its import report gives no reason")?,
            (false, _) => write!(f, "{}", error.message)?,
        }
        match &error.error_code {
            Some(code) => write!(f, " ({code}, HTTP {})", error.status)?,
            None => write!(f, " (HTTP {})", error.status)?,
        }
        if !pointer {
            for report in &reports {
                write!(f, "; {report}")?;
            }
        }
        if let Some(hint) = &error.hint {
            write!(f, " — {hint}")?;
        }
        Ok(())
    }
}

/// "there are 3 pages of 50", "there is 1 page of 50", or that nothing matched.
fn pages_there_are(page_count: u32, page_size: u32) -> String {
    match page_count {
        0 => "nothing matches, so page 1 (empty) is the only page".to_string(),
        1 => format!("there is 1 page of {page_size}"),
        n => format!("there are {n} pages of {page_size}"),
    }
}

/// "120 s", or "0.3 s" for the short deadlines of tests.
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} s", duration.as_secs_f64())
    }
}

fn excerpt_suffix(excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::new()
    } else {
        format!(": {excerpt}")
    }
}

impl Error {
    /// The HTTP status of a server-side error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Dhis2(e) => Some(e.status),
            Error::Http { status, .. } | Error::DomainRefused { status, .. } => Some(*status),
            Error::NoApi { .. } => Some(404),
            Error::LinkFailed { source, .. } | Error::Context { source, .. } => source.status(),
            _ => None,
        }
    }

    /// DHIS2's errorCode, or the first error report's.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Dhis2(e) => e.error_code.as_deref().or_else(|| {
                e.error_reports
                    .iter()
                    .find_map(|report| report.error_code.as_deref())
            }),
            Error::LinkFailed { source, .. } | Error::Context { source, .. } => source.error_code(),
            _ => None,
        }
    }

    /// The uploaded-but-unlinked file resource, when step two of an upload failed.
    pub fn unlinked_file_resource(&self) -> Option<&str> {
        match self {
            Error::LinkFailed {
                file_resource_uid, ..
            } => Some(file_resource_uid),
            _ => None,
        }
    }

    /// Failures worth retrying on an idempotent request. [`Error::Protocol`] is not (the same
    /// server answers the same way), nor [`Error::Deadline`] (the call's time is spent).
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            Error::Network(_) => true,
            other => matches!(other.status(), Some(502..=504)),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Describes a reqwest failure without its URL's query (never holds credentials, but keep
    /// messages short) and in words an operator understands.
    pub(crate) fn from_reqwest(error: reqwest::Error) -> Self {
        let target = error
            .url()
            .map(|url| format!(" ({}{})", url.host_str().unwrap_or(""), port_suffix(url)))
            .unwrap_or_default();
        if let Some((problem, detail)) = protocol_problem(&error) {
            return Error::Protocol(format!("{problem}{target}{detail}"));
        }
        let kind = if error.is_timeout() {
            "the server stopped answering (timed out)"
        } else if error.is_connect() {
            "could not connect"
        } else if error.is_body() || error.is_decode() {
            "the connection broke while transferring data"
        } else if error.is_request() {
            "the request could not be sent"
        } else {
            "HTTP failure"
        };
        let mut detail = String::new();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            detail = cause.to_string();
            source = cause.source();
        }
        if detail.is_empty() {
            Error::Network(format!("{kind}{target}"))
        } else {
            Error::Network(format!("{kind}{target}: {detail}"))
        }
    }
}

/// What went wrong, and the detail or advice that follows the host, when a cause of `error` is
/// the server breaking TLS or HTTP: such failures repeat on every try, and reqwest files some
/// of them under "sending the request".
fn protocol_problem(error: &reqwest::Error) -> Option<(&'static str, String)> {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(tls) = found::<rustls::Error>(cause) {
            return Some(match tls {
                // The first bytes back were not a TLS record: most likely plain HTTP.
                rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => (
                    "the server does not speak TLS here",
                    "; try http://".to_string(),
                ),
                rustls::Error::InvalidCertificate(reason) => certificate_problem(reason),
                other => ("the TLS handshake failed", format!(": {other}")),
            });
        }
        if let Some(http) = found::<hyper::Error>(cause)
            && http.is_parse()
        {
            return Some(if http.is_parse_too_large() {
                (
                    "the server's answer could not be read",
                    ": its headers are too large".to_string(),
                )
            } else if error.url().is_some_and(|url| url.scheme() == "http") {
                // A TLS port answers plain HTTP with a TLS alert, which is no HTTP at all.
                (
                    "the server's answer is not HTTP",
                    format!(": {http}; if this port serves HTTPS, try https://"),
                )
            } else {
                ("the server's answer is not valid HTTP", format!(": {http}"))
            });
        }
        source = cause.source();
    }
    None
}

/// A refused certificate in words that say what to do about it.
fn certificate_problem(reason: &rustls::CertificateError) -> (&'static str, String) {
    use rustls::CertificateError as Refused;
    match reason {
        Refused::UnknownIssuer => (
            "the server's certificate is not trusted",
            ": UnknownIssuer; if it comes from an internal CA, add that CA with ca_file in the \
             profile (see README)"
                .to_string(),
        ),
        Refused::Expired
        | Refused::ExpiredContext { .. }
        | Refused::NotValidYet
        | Refused::NotValidYetContext { .. } => (
            "the server's certificate is out of date",
            format!(": {reason}; check it, and this machine's clock"),
        ),
        Refused::NotValidForName | Refused::NotValidForNameContext { .. } => (
            "the server's certificate is for another name",
            format!(": {reason}; use a host name it names"),
        ),
        other => ("the server's certificate was refused", format!(": {other}")),
    }
}

/// `cause` as an `E`, also when wrapped in `io::Error`s (whose `source` skips what they wrap;
/// hyper-rustls nests a rustls error two deep).
pub(crate) fn found<'a, E: std::error::Error + 'static>(
    cause: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut current = cause;
    loop {
        if let Some(wanted) = current.downcast_ref::<E>() {
            return Some(wanted);
        }
        current = current.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

fn port_suffix(url: &url::Url) -> String {
    url.port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dhis2_errors_read_like_dhis2() {
        let message: WebMessage = serde_json::from_str(
            r#"{"httpStatus":"Conflict","httpStatusCode":409,"status":"ERROR",
                "message":"One or more errors occurred, please see full details in import report.",
                "response":{"responseType":"ObjectReport","errorReports":[
                  {"message":"Property `url` requires a valid URL, was given `ftp://x`","errorCode":"E4004"}]}}"#,
        )
        .unwrap();
        let error = Error::Dhis2(Box::new(Dhis2Error::from_web_message(409, &message)));
        // The reports are the message: the user has no import report to see.
        assert_eq!(
            error.to_string(),
            "E4004: Property `url` requires a valid URL, was given `ftp://x` (HTTP 409)"
        );
        assert_eq!(error.error_code(), Some("E4004"));
        assert_eq!(error.status(), Some(409));
    }

    #[test]
    fn a_message_of_its_own_is_kept_beside_the_reports_and_an_empty_report_is_said() {
        let with_message: WebMessage = serde_json::from_str(
            r#"{"httpStatusCode":400,"status":"ERROR","message":"Invalid filter","errorCode":"E1003",
                "response":{"errorReports":[{"message":"Unknown path property: colour"}]}}"#,
        )
        .unwrap();
        let error = Error::Dhis2(Box::new(Dhis2Error::from_web_message(400, &with_message)));
        assert_eq!(
            error.to_string(),
            "Invalid filter (E1003, HTTP 400); Unknown path property: colour"
        );
        let empty: WebMessage = serde_json::from_str(
            r#"{"httpStatusCode":409,"status":"WARNING",
                "message":"One or more errors occurred, please see full details in import report.",
                "response":{"responseType":"ObjectReport","errorReports":[]}}"#,
        )
        .unwrap();
        let error = Error::Dhis2(Box::new(Dhis2Error::from_web_message(409, &empty)));
        assert_eq!(
            error.to_string(),
            "DHIS2 refused it and its import report gives no reason (HTTP 409)"
        );
    }

    #[test]
    fn an_import_report_is_known_by_its_shape_not_its_words() {
        // Any wording (2.43 rewrote many texts): the report is the reason.
        let reworded: WebMessage = serde_json::from_str(
            r#"{"httpStatusCode":409,"status":"ERROR","message":"Errors were found; see the report.",
                "response":{"responseType":"ImportReport","typeReports":[{"objectReports":[
                  {"errorReports":[{"message":"Property `url` refers to an object that does not exist","errorCode":"E4015"}]}]}]}}"#,
        )
        .unwrap();
        let error = Error::Dhis2(Box::new(Dhis2Error::from_web_message(409, &reworded)));
        assert_eq!(
            error.to_string(),
            "E4015: Property `url` refers to an object that does not exist (HTTP 409)"
        );
        // The old words without a report are only words.
        let bare: WebMessage = serde_json::from_str(
            r#"{"httpStatusCode":409,"status":"ERROR",
                "message":"One or more errors occurred, please see full details in import report."}"#,
        )
        .unwrap();
        let error = Error::Dhis2(Box::new(Dhis2Error::from_web_message(409, &bare)));
        assert_eq!(
            error.to_string(),
            "One or more errors occurred, please see full details in import report. (HTTP 409)"
        );
    }

    #[test]
    fn link_failure_names_the_file_resource() {
        let error = Error::LinkFailed {
            file_resource_uid: "TacExtJuMmW".into(),
            source: Box::new(Error::Http {
                status: 500,
                excerpt: String::new(),
            }),
        };
        assert!(error.to_string().contains("TacExtJuMmW"));
        assert_eq!(error.unlinked_file_resource(), Some("TacExtJuMmW"));
    }
}
