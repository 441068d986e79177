//! What the handlers share: the server's settings for this run, the data, the blob store, the
//! faults to inject and the request log.
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::http::{HeaderMap, Method, StatusCode, header};

use chrono::NaiveDateTime;

use super::clock::Clock;
use super::faults::Faults;
use super::listing::ListUrls;
use super::model::{Db, RenderContext, User, is_valid_uid};
use super::store::BlobStore;
use super::version::{Change, Dhis2Version};
use super::web_message::WebMessage;

/// One request as the emulator saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// The path as received, context path included.
    pub path: String,
    pub query: Option<String>,
    pub has_authorization: bool,
    /// The `Accept-Encoding` the client sent, if any.
    pub accept_encoding: Option<String>,
}

/// Everything the handlers share.
pub struct AppState {
    pub version: Dhis2Version,
    /// "" or "/dhis".
    pub context_path: String,
    pub storage_delay: Duration,
    /// Bytes per second every request and answer body is paced to (None: unpaced).
    pub link_rate: Option<u64>,
    /// Compress JSON answers for a client that accepts gzip, as nginx in front of DHIS2 does.
    pub compress_json: bool,
    /// How long every answer is held.
    pub latency: Duration,
    /// The effective global upload limit (None where the version or the options have none).
    pub max_upload_size: Option<u64>,
    pub db: Mutex<Db>,
    pub store: BlobStore,
    pub faults: Faults,
    pub requests: Mutex<Vec<RecordedRequest>>,
    pub local_addr: SocketAddr,
    /// The server time, which a test may set.
    pub clock: Clock,
    /// When the cleanup job last looked whether a daily run was due.
    pub cleanup_looked_at: Mutex<NaiveDateTime>,
}

pub type Shared = Arc<AppState>;

/// The authenticated user of a request (set by the auth middleware).
#[derive(Clone, Copy)]
pub struct CurrentUser(pub &'static User);

impl AppState {
    /// What rendering an object for `user` needs: the version's rules and the base for `href`.
    pub fn render_context<'a>(&self, user: &'a User, base_url: &'a str) -> RenderContext<'a> {
        RenderContext {
            version: self.version,
            user,
            base_url,
        }
    }

    /// The server time (Etc/UTC), as the clock reads it.
    pub fn now(&self) -> NaiveDateTime {
        self.clock.now()
    }

    pub fn db(&self) -> MutexGuard<'_, Db> {
        // Handlers never leave the data half-written across a panic point.
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `scheme://host[:port]<context>` as the client addressed us (honours X-Forwarded-*).
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let scheme = text("x-forwarded-proto").unwrap_or("http");
        let host = text(header::HOST.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| self.local_addr.to_string());
        let host = match text("x-forwarded-port") {
            Some(port) => {
                let name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
                format!("{name}:{port}")
            }
            None => host,
        };
        format!("{scheme}://{host}{}", self.context_path)
    }

    /// `scheme://host[:port]<context>` as the servlet sees it: the `Host` header, no
    /// forwarded headers (what a Gist pager's links are built from, §13.5).
    pub fn servlet_url(&self, headers: &HeaderMap) -> String {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| self.local_addr.to_string());
        format!("http://{host}{}", self.context_path)
    }

    /// Where a list's pager links point, for the collection `/api/<name>`.
    pub fn list_urls(&self, headers: &HeaderMap, name: &str) -> ListUrls {
        ListUrls {
            collection: format!("{}/api/{name}", self.base_url(headers)),
            servlet: format!("{}/api/{name}", self.servlet_url(headers)),
        }
    }

    pub fn login_url(&self, headers: &HeaderMap) -> String {
        format!("{}{}", self.base_url(headers), self.version.login_path())
    }

    /// Spring's 405 (wording per Spring version).
    pub fn method_not_allowed(&self, method: &Method) -> WebMessage {
        let message = if self.version.has(Change::Spring6) {
            format!("Request method '{method}' is not supported")
        } else {
            format!("Request method '{method}' not supported")
        };
        WebMessage::error(StatusCode::METHOD_NOT_ALLOWED, message)
    }

    /// 2.42 maps `GET /api/{objects}/{uid}` only for `[a-zA-Z0-9]{11}`; another uid falls to
    /// the PUT/DELETE mappings, so GET answers 405. From 2.43 the uid that fits the pattern is
    /// also bound as a `UID`, so a digit-first one is a 400 (§13.1). `None`: the uid is served.
    pub fn refuses_get_of(&self, uid: &str) -> Option<WebMessage> {
        let well_formed = uid.len() == 11 && uid.bytes().all(|b| b.is_ascii_alphanumeric());
        if self.version.has(Change::GetMalformedUidIs405) && !well_formed {
            return Some(self.method_not_allowed(&Method::GET));
        }
        self.refuses_uid(uid, true)
    }

    /// A `UID`-typed parameter (2.43+, §13.1): the 400 for a value that is no uid, with no
    /// errorCode; `path` for a path variable, else a request parameter (`?uid=`).
    pub fn refuses_uid(&self, value: &str, path: bool) -> Option<WebMessage> {
        if !self.version.has(Change::UidBinding) || is_valid_uid(value) {
            return None;
        }
        let kind = if path { "path parameter" } else { "parameter" };
        Some(WebMessage::error(
            StatusCode::BAD_REQUEST,
            format!(
                "Value '{value}' is not valid for {kind} uid. UID must be an alphanumeric string \
                 of 11 characters starting with a letter, but was: {value}"
            ),
        ))
    }
}
