//! The HTTP core: base URL with context path, authentication, redirects refused, errors decoded
//! from DHIS2's WebMessage, and retries for idempotent reads.
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, LOCATION, WWW_AUTHENTICATE};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use rustls_platform_verifier::ConfigVerifierExt;
use serde::de::DeserializeOwned;
use url::Url;

use crate::api::auth::Auth;
use crate::api::error::{Dhis2Error, Error, Result};
use crate::api::model::{Me, SystemInfo, WebMessage};
use crate::api::redact::Redactor;
use crate::api::upload_limits::UploadLimits;
use crate::api::version::ServerVersion;

/// How long connecting may take: a reachable server accepts within a second or two; ten
/// covers a slow VPN or satellite link without leaving a dead address hanging for long.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a read may wait for the next bytes: longer than DHIS2 takes to start answering a
/// heavy list on a busy server, short enough that a dead server is noticed within a minute.
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Extra attempts for idempotent reads: two ride out a proxy restart or a blip without
/// hammering a server that is really down.
pub const RETRIES: u32 = 2;
/// The first retry's wait, doubled for the next: 0.3 s then 0.6 s, under a second in all.
pub const RETRY_BACKOFF: Duration = Duration::from_millis(300);
/// The whole of one JSON request (connecting, every retry and its backoff, the whole body).
/// The largest page d2files asks for, 10,000 documents with every list field and 230-character
/// names, is 10.2 MiB (measured on the emulator): it arrives in about 85 s over a 1 Mbit/s
/// link, while a server that trickles its answer cannot keep a command or an MCP tool call
/// waiting for more than two minutes.
pub const JSON_DEADLINE: Duration = Duration::from_secs(120);
/// The largest JSON answer read: six times that 10.2 MiB page, room for long external links,
/// and still far from straining memory. Bytes past it are never read.
pub const MAX_JSON_BODY: usize = 64 * 1024 * 1024;

/// Tuning for a [`Client`]. Transfers have no total timeout (a 1 GiB transfer over a slow link
/// may take an hour): connecting and each read are bounded. JSON answers (metadata) also have a
/// total deadline, `json_deadline`.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    /// How long a read may wait for the next bytes before the server counts as gone.
    pub read_timeout: Duration,
    /// Extra attempts for idempotent reads after a 502/503/504 or a network failure.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub retry_backoff: Duration,
    /// The most one JSON request may take, retries included (see [`JSON_DEADLINE`]).
    pub json_deadline: Duration,
    /// A PEM file of CA certificates trusted besides the platform's (an internal CA).
    pub ca_file: Option<PathBuf>,
    pub user_agent: String,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: CONNECT_TIMEOUT,
            read_timeout: READ_TIMEOUT,
            retries: RETRIES,
            retry_backoff: RETRY_BACKOFF,
            json_deadline: JSON_DEADLINE,
            ca_file: None,
            user_agent: format!("d2files/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// A DHIS2 connection. Cheap to clone; clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// For JSON: asks for gzip, brotli and zstd and decodes them, for a compressing proxy in
    /// front of DHIS2 (dhis2-api.md §14.1).
    http: reqwest::Client,
    /// For file bodies (`/data`): asks for no encoding and decodes none, so the bytes that
    /// arrive are the file's, checked against its length and MD5 as they are, and a server
    /// that encodes one anyway is refused by name (`transfer::download::check_answer`).
    data_http: reqwest::Client,
    /// Like `data_http`, without the per-read timeout, for uploads: reqwest starts that timer
    /// when the request starts and stops it only at the answer's head, so a body that takes
    /// longer to send than the timeout (any large file over a slow link, or a copy paced by
    /// its source) would fail however steadily it moves. The stall rule bounds the body, the
    /// JSON deadline the answer.
    upload_http: reqwest::Client,
    base_url: Url,
    api_root: Url,
    authorization: HeaderValue,
    auth: Auth,
    redactor: Redactor,
    options: ClientOptions,
    /// What this server said of its upload size limits when it refused a file.
    upload_limits: UploadLimits,
    /// Whether the API under the base URL has answered with JSON: a 404 then means an object
    /// is missing, not the API, and needs no look for DHIS2 elsewhere.
    api_answered: AtomicBool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("auth", &self.inner.auth)
            .finish()
    }
}

/// What a connection check learns about the server and the user.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ServerInfo {
    pub base_url: String,
    pub version: Option<ServerVersion>,
    /// The version exactly as the server wrote it.
    pub version_text: String,
    pub system_name: Option<String>,
    pub time_zone: Option<String>,
    pub user: Me,
    /// Round trip of the system info request.
    #[serde(serialize_with = "serialize_millis")]
    pub latency: Duration,
}

fn serialize_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

impl Client {
    /// A client for `base_url` (which may carry a context path, e.g. `https://host/dhis`).
    pub fn new(base_url: &str, auth: Auth) -> Result<Client> {
        Client::with_options(base_url, auth, ClientOptions::default())
    }

    pub fn with_options(base_url: &str, auth: Auth, options: ClientOptions) -> Result<Client> {
        let base_url = parse_base_url(base_url)?;
        let api_root = base_url
            .join("api/")
            .map_err(|e| Error::InvalidInput(format!("bad server URL: {e}")))?;
        let mut authorization = HeaderValue::from_str(&auth.header_value()).map_err(|_| {
            Error::InvalidInput(
                "the credentials contain characters that cannot be sent in a header".into(),
            )
        })?;
        authorization.set_sensitive(true);
        let tls = match &options.ca_file {
            Some(ca_file) => tls_config_trusting(ca_file)?,
            None => tls_config()?,
        };
        let builder = || {
            reqwest::Client::builder()
                .user_agent(options.user_agent.clone())
                // Never follow: a redirect is either the login page (unauthenticated) or an
                // external document, and neither may receive our Authorization header.
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(options.connect_timeout)
                .tls_backend_preconfigured(tls.clone())
        };
        let http = builder()
            .read_timeout(options.read_timeout)
            .build()
            .map_err(Error::from_reqwest)?;
        let data_http = builder()
            .no_gzip()
            .no_brotli()
            .no_zstd()
            .read_timeout(options.read_timeout)
            .build()
            .map_err(Error::from_reqwest)?;
        let upload_http = builder()
            .no_gzip()
            .no_brotli()
            .no_zstd()
            .build()
            .map_err(Error::from_reqwest)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                data_http,
                upload_http,
                base_url,
                api_root,
                authorization,
                redactor: Redactor::for_auth(&auth),
                auth,
                options,
                upload_limits: UploadLimits::default(),
                api_answered: AtomicBool::new(false),
            }),
        })
    }

    pub(crate) fn upload_limits(&self) -> &UploadLimits {
        &self.inner.upload_limits
    }

    /// The server's base URL, with a trailing slash.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The base URL, parsed, with a trailing slash.
    pub(crate) fn base(&self) -> &Url {
        &self.inner.base_url
    }

    /// `/api/<path>` on this server.
    pub(crate) fn endpoint(&self, path: &str) -> Result<Url> {
        self.inner
            .api_root
            .join(path)
            .map_err(|e| Error::InvalidInput(format!("bad path {path}: {e}")))
    }

    /// A request with our credentials and the XHR header, so a lost login answers 401 JSON
    /// instead of a redirect to an HTML page.
    pub(crate) fn request(&self, method: Method, url: Url) -> RequestBuilder {
        self.inner
            .http
            .request(method, url)
            .header(AUTHORIZATION, self.inner.authorization.clone())
            .header("X-Requested-With", "XMLHttpRequest")
    }

    /// [`Client::request`] for a file's bytes (`/data`): no encoding asked for or decoded (see
    /// `Inner::data_http`).
    pub(crate) fn data_request(&self, method: Method, url: Url) -> RequestBuilder {
        self.inner
            .data_http
            .request(method, url)
            .header(AUTHORIZATION, self.inner.authorization.clone())
            .header("X-Requested-With", "XMLHttpRequest")
    }

    /// [`Client::request`] for an upload's POST: without the per-read timeout (see
    /// `Inner::upload_http`), so the caller bounds the body and the answer.
    pub(crate) fn upload_request(&self, method: Method, url: Url) -> RequestBuilder {
        self.inner
            .upload_http
            .request(method, url)
            .header(AUTHORIZATION, self.inner.authorization.clone())
            .header("X-Requested-With", "XMLHttpRequest")
    }

    /// A request with the XHR header and no credentials, for a place the user did not name.
    pub(crate) fn anonymous_request(&self, method: Method, url: Url) -> RequestBuilder {
        self.inner
            .http
            .request(method, url)
            .header("X-Requested-With", "XMLHttpRequest")
    }

    /// Sends and turns every non-2xx answer into an [`Error`] in DHIS2's words.
    pub(crate) async fn send(&self, request: RequestBuilder) -> Result<Response> {
        let response = request
            .send()
            .await
            .map_err(|e| self.redacted(Error::from_reqwest(e)))?;
        if response.status().is_success() {
            self.note_answer(&response);
            Ok(response)
        } else {
            let error = self.redacted(error_from_response(response).await);
            Err(self.placed(error).await)
        }
    }

    /// Remembers that the API answered, when `response` is a JSON success.
    fn note_answer(&self, response: &Response) {
        if self.api_answered() {
            return;
        }
        let json = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.to_ascii_lowercase().contains("json"));
        if json && response.status().is_success() {
            self.inner.api_answered.store(true, Ordering::Relaxed);
        }
    }

    /// Whether the API under the base URL has answered with JSON (see [`Client::placed`]).
    pub(crate) fn api_answered(&self) -> bool {
        self.inner.api_answered.load(Ordering::Relaxed)
    }

    /// Remembers that a look found DHIS2 at the base URL.
    pub(crate) fn confirm_api(&self) {
        self.inner.api_answered.store(true, Ordering::Relaxed);
    }

    /// `error` with our own credentials masked wherever a server wrote them into it. Every
    /// error built from a server's answer passes through here before it is returned or logged.
    pub(crate) fn redacted(&self, error: Error) -> Error {
        self.inner.redactor.error(error)
    }

    /// The masks for this client's credentials, for showing what its answers hold.
    pub fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }

    /// Sends an idempotent request, retrying transient failures with backoff.
    pub(crate) async fn send_idempotent(
        &self,
        make_request: impl Fn() -> RequestBuilder,
    ) -> Result<Response> {
        self.send_idempotent_keeping(make_request, |_| false).await
    }

    /// Like [`Client::send_idempotent`], but an answer whose status `keep` accepts is handed
    /// back as it is, for the caller to read in context (e.g. a 401 that is no login problem).
    pub(crate) async fn send_idempotent_keeping(
        &self,
        make_request: impl Fn() -> RequestBuilder,
        keep: impl Fn(StatusCode) -> bool,
    ) -> Result<Response> {
        let mut delay = self.inner.options.retry_backoff;
        let mut attempt = 0;
        loop {
            let sent = match make_request().send().await.map_err(Error::from_reqwest) {
                Ok(response) if response.status().is_success() || keep(response.status()) => {
                    self.note_answer(&response);
                    Ok(response)
                }
                Ok(response) => Err(self.redacted(error_from_response(response).await)),
                Err(error) => Err(self.redacted(error)),
            };
            match sent {
                Err(error) if error.is_transient() && attempt < self.inner.options.retries => {
                    tracing::warn!(%error, attempt, "transient failure, retrying");
                    attempt += 1;
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(error) => return Err(self.placed(error).await),
                ok => return ok,
            }
        }
    }

    /// GET `/api/<path>` as JSON, with retries.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T> {
        let url = self.endpoint(path)?;
        self.within_deadline(request_label(&Method::GET, &url), async {
            let response = self
                .send_idempotent(|| {
                    self.request(Method::GET, url.clone())
                        .header(ACCEPT, "application/json")
                        .query(query)
                })
                .await?;
            read_json(response, path).await
        })
        .await
        .map_err(|e| self.redacted(e))
    }

    /// POST a JSON body to `url` and read DHIS2's WebMessage answer, once (a POST is never
    /// retried), bounded like every JSON request; `what` names the answer in errors.
    pub(crate) async fn post_json(
        &self,
        url: Url,
        body: &serde_json::Value,
        what: &str,
    ) -> Result<WebMessage> {
        self.write_json(Method::POST, url, body, what).await
    }

    /// PUT a JSON body to `url` (a whole object, replaced through DHIS2's importer), once, as
    /// [`Client::post_json`] does.
    pub(crate) async fn put_json(
        &self,
        url: Url,
        body: &serde_json::Value,
        what: &str,
    ) -> Result<WebMessage> {
        self.write_json(Method::PUT, url, body, what).await
    }

    async fn write_json(
        &self,
        method: Method,
        url: Url,
        body: &serde_json::Value,
        what: &str,
    ) -> Result<WebMessage> {
        self.within_deadline(request_label(&method, &url), async {
            let response = self
                .send(
                    self.request(method.clone(), url.clone())
                        .header(ACCEPT, "application/json")
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body.to_string()),
                )
                .await?;
            read_json(response, what).await
        })
        .await
        .map_err(|e| self.redacted(e))
    }

    /// Runs `work` (a JSON request: sending, its retries, reading the whole answer) within
    /// the options' `json_deadline`; `request` names it in the error, e.g. `GET /api/me`.
    pub(crate) async fn within_deadline<T>(
        &self,
        request: String,
        work: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        deadline(self.inner.options.json_deadline, request, work).await
    }

    /// How long a JSON answer may take ([`ClientOptions::json_deadline`]).
    pub(crate) fn json_deadline(&self) -> Duration {
        self.inner.options.json_deadline
    }

    /// Reads a JSON answer already under way (e.g. to an upload) within the JSON deadline; a
    /// decode error (which may quote the body) comes out redacted.
    pub(crate) async fn read_answer<T: DeserializeOwned>(
        &self,
        response: Response,
        what: &str,
    ) -> Result<T> {
        let request = format!("reading the answer from {}", response.url().path());
        self.within_deadline(request, read_json(response, what))
            .await
            .map_err(|e| self.redacted(e))
    }

    pub async fn system_info(&self) -> Result<SystemInfo> {
        self.get_json("system/info", &[]).await
    }

    pub async fn me(&self) -> Result<Me> {
        self.get_json(
            "me",
            &[(
                "fields",
                "id,username,name,displayName,authorities".to_string(),
            )],
        )
        .await
    }

    /// Checks the connection: server version and the user the credentials belong to.
    pub async fn connect(&self) -> Result<ServerInfo> {
        // Side by side: over a slow link the check costs one round trip, not two. The system
        // info's error, the more telling (no DHIS2 there, a context path), wins over the user's.
        let timed_info = async {
            let started = Instant::now();
            let info = self.system_info().await;
            (info, started.elapsed())
        };
        let ((info, latency), user) = tokio::join!(timed_info, self.me());
        let info = info?;
        let user = user?;
        let version_text = info.version.clone().unwrap_or_default();
        Ok(ServerInfo {
            base_url: self.base_url().to_string(),
            version: ServerVersion::parse(&version_text),
            version_text,
            system_name: info.system_name,
            time_zone: info.server_time_zone_id,
            user,
            latency,
        })
    }
}

/// `work`, or [`Error::Deadline`] once `limit` has passed; dropping `work` then closes its
/// connection. For any bounded wait on the server (the JSON deadline uses it).
pub(crate) async fn deadline<T>(
    limit: Duration,
    request: String,
    work: impl Future<Output = Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(limit, work).await {
        Ok(result) => result,
        Err(_) => Err(Error::Deadline { limit, request }),
    }
}

/// `GET /api/documents/RTkjSgLtdI6`: how errors name a request (the query left out).
pub(crate) fn request_label(method: &Method, url: &Url) -> String {
    format!("{method} {}", url.path())
}

/// The TLS setup every client shares: the platform verifier reqwest would build, but built once
/// per process, because loading the system's root certificates for each client costs tens of
/// milliseconds (most of a client's construction).
pub(crate) fn tls_config() -> Result<rustls::ClientConfig> {
    static CONFIG: OnceLock<Result<rustls::ClientConfig, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            crypto_provider().map_err(|e| e.to_string())?;
            let mut config =
                rustls::ClientConfig::with_platform_verifier().map_err(|e| e.to_string())?;
            // What reqwest offers when it configures rustls itself.
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Ok(config)
        })
        .clone()
        .map_err(|e| {
            Error::Network(format!(
                "could not set up TLS: {e}; install the system's CA certificates, or give the \
                 server's CA with ca_file in the profile (or SSL_CERT_FILE)"
            ))
        })
}

/// rustls needs one process-wide crypto provider; the first client installs ring.
fn crypto_provider() -> Result<Arc<rustls::crypto::CryptoProvider>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .ok_or_else(|| Error::Network("could not set up TLS: no crypto provider".into()))
}

/// The platform verifier plus the CA certificates in `ca_file` (PEM), for a profile whose
/// server has a certificate from an internal CA. Built per client: only such profiles pay
/// for loading the roots again.
fn tls_config_trusting(ca_file: &Path) -> Result<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let shown = ca_file.display();
    let pem = std::fs::read(ca_file).map_err(|e| Error::io(ca_file, e))?;
    let roots = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::InvalidInput(format!("ca_file {shown}: not a PEM file ({e})")))?;
    if roots.is_empty() {
        return Err(Error::InvalidInput(format!(
            "ca_file {shown}: no certificate in it (expected -----BEGIN CERTIFICATE----- blocks)"
        )));
    }
    // Not through the shared setup: on a machine without system roots (a slim container)
    // that fails, while the CA given here is all this server needs.
    let provider = crypto_provider()?;
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider)
        .map_err(|e| Error::InvalidInput(format!("ca_file {shown}: {e}")))?;
    let mut config = rustls::ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn parse_base_url(text: &str) -> Result<Url> {
    let trimmed = text.trim();
    // Error messages repeat the URL: never with a password written into it.
    let shown = without_userinfo(trimmed);
    let mut url = Url::parse(trimmed).map_err(|e| {
        Error::InvalidInput(format!(
            "`{shown}` is not a server URL ({e}); expected e.g. https://dhis.example.org"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::InvalidInput(format!(
            "`{shown}`: the server URL must start with http:// or https://"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::InvalidInput(
            "put credentials in the profile, not in the server URL".into(),
        ));
    }
    url.set_query(None);
    url.set_fragment(None);
    // A base URL given as `…/api` would otherwise become `…/api/api/`.
    let path = url.path().trim_end_matches('/').to_string();
    let path = path.strip_suffix("/api").unwrap_or(&path).to_string();
    url.set_path(&format!("{path}/"));
    Ok(url)
}

/// `scheme://user:pass@host/…` → `scheme://***@host/…`; anything else unchanged.
pub(crate) fn without_userinfo(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => text.to_string(),
    }
}

/// Reads a success body as JSON, naming what was being read when it is not. At most
/// [`MAX_JSON_BODY`] is read. A DHIS2 error envelope sent with a 2xx status is that error,
/// and an HTML page (an SSO portal's login) says so instead of quoting a JSON parser.
pub(crate) async fn read_json<T: DeserializeOwned>(response: Response, what: &str) -> Result<T> {
    let decode = |detail: String| Error::Decode {
        what: what.to_string(),
        detail,
    };
    let bytes = read_capped(response, what).await?;
    // Some proxies and Windows-built servers start JSON with a UTF-8 byte order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(error) => return Err(decode(not_json(bytes, &error))),
    };
    if let Some(error) = error_in_success(&value) {
        return Err(error);
    }
    serde_json::from_value(value).map_err(|e| decode(e.to_string()))
}

/// The body of a success, refused past [`MAX_JSON_BODY`] (announced or counted).
async fn read_capped(mut response: Response, what: &str) -> Result<Vec<u8>> {
    let too_large = || Error::TooLarge {
        what: what.to_string(),
        limit: MAX_JSON_BODY as u64,
    };
    if response
        .content_length()
        .is_some_and(|length| length > MAX_JSON_BODY as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Error::from_reqwest)? {
        if body.len() + chunk.len() > MAX_JSON_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Why a success body is not JSON, in words: empty, an HTML page, other text, or (for JSON that
/// broke off or went wrong) the parser's message.
fn not_json(body: &[u8], error: &serde_json::Error) -> String {
    let start = body.iter().find(|b| !b.is_ascii_whitespace());
    match start {
        None => "the answer was empty".to_string(),
        Some(_) if looks_like_html(body) => format!(
            "the server answered with an HTML page (its login page?) instead of JSON: {}; \
             is the URL the DHIS2 server and not an SSO portal?",
            summarize_body(body)
        ),
        Some(b'{' | b'[') => error.to_string(),
        Some(_) => format!("the answer is not JSON: {}", summarize_body(body)),
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let start: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect();
    start.starts_with(b"<!doctype html")
        || start.starts_with(b"<html")
        || start.starts_with(b"<head")
}

/// A WebMessage error (`"status": "ERROR"`, or `"WARNING"` as import reports with errors say
/// it, with a 4xx/5xx `httpStatusCode`) that came with a 2xx status, as some proxies and
/// gateways send: the error in DHIS2's words.
fn error_in_success(value: &serde_json::Value) -> Option<Error> {
    if !matches!(value.get("status")?.as_str()?, "ERROR" | "WARNING") {
        return None;
    }
    let message: WebMessage = serde_json::from_value(value.clone()).ok()?;
    let code = message.http_status_code.filter(|code| *code >= 400)?;
    let error = Dhis2Error::from_web_message(code, &message);
    Some(if code == 401 {
        Error::Authentication(error.message)
    } else {
        Error::Dhis2(Box::new(error))
    })
}

/// At most this much of an error body is read: error pages can be large and are shown shortened.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Turns a non-2xx answer into an [`Error`], keeping DHIS2's message, errorCode and reports.
pub(crate) async fn error_from_response(response: Response) -> Error {
    let status = response.status();
    if status.is_redirection() {
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_string();
        return redirect_error(status, &location);
    }
    // DHIS2 refuses a malformed token or one with a bad checksum with a 400 that carries
    // `WWW-Authenticate: ApiToken`: a credentials problem, not a bad request.
    let token_refused = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().to_ascii_lowercase().starts_with("apitoken"));
    let body = read_limited(response).await;
    let code = status.as_u16();
    match serde_json::from_slice::<WebMessage>(&body) {
        Ok(message) if message.message.is_some() || message.http_status_code.is_some() => {
            let error = Dhis2Error::from_web_message(code, &message);
            if status == StatusCode::UNAUTHORIZED || token_refused {
                Error::Authentication(error.message)
            } else {
                Error::Dhis2(Box::new(error))
            }
        }
        _ => {
            let excerpt = summarize_body(&body);
            match code {
                401 => Error::Authentication("HTTP 401 Unauthorized".into()),
                413 => Error::Http {
                    status: code,
                    excerpt: format!(
                        "the upload is larger than a proxy in front of DHIS2 accepts{}",
                        if excerpt.is_empty() {
                            String::new()
                        } else {
                            format!(" ({excerpt})")
                        }
                    ),
                },
                _ => Error::Http {
                    status: code,
                    excerpt,
                },
            }
        }
    }
}

fn redirect_error(status: StatusCode, location: &str) -> Error {
    let lower = location.to_ascii_lowercase();
    if lower.contains("login") || lower.contains("security") {
        Error::Authentication(format!(
            "the server sent us to its login page ({})",
            Url::parse(location)
                .map(|url| url.path().to_string())
                .unwrap_or_else(|_| location.to_string())
        ))
    } else {
        Error::Http {
            status: status.as_u16(),
            excerpt: format!("unexpected redirect to {location}"),
        }
    }
}

pub(crate) async fn read_limited(mut response: Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= ERROR_BODY_LIMIT {
            break;
        }
    }
    body
}

/// The longest excerpt of a page quoted in an error: a title or a sentence fits, a page's
/// navigation and scripts do not, and the error stays one line.
const EXCERPT_CHARS: usize = 200;

/// A short, single-line excerpt of a non-JSON error body: an HTML page's title or its text.
pub(crate) fn summarize_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    let source = match (lower.find("<title>"), lower.find("</title>")) {
        (Some(start), Some(end)) if end > start => text[start + 7..end].to_string(),
        _ => strip_tags(&text),
    };
    let words: Vec<&str> = source.split_whitespace().collect();
    let mut excerpt = words.join(" ");
    if excerpt.chars().count() > EXCERPT_CHARS {
        excerpt = excerpt.chars().take(EXCERPT_CHARS).collect::<String>() + "…";
    }
    excerpt
}

fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag && !c.is_control() => out.push(c),
            _ if !in_tag => out.push(' '),
            _ => {}
        }
    }
    out
}

/// A DHIS2 uid: 11 letters and digits, the first a letter.
pub fn is_valid_uid(uid: &str) -> bool {
    uid.len() == 11
        && uid.chars().all(|c| c.is_ascii_alphanumeric())
        && uid.starts_with(|c: char| c.is_ascii_alphabetic())
}

/// Refuses a malformed uid before sending it (DHIS2 2.42 answers those with a confusing 405).
pub(crate) fn check_uid(uid: &str) -> Result<()> {
    if is_valid_uid(uid) {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "`{uid}` is not a DHIS2 uid (11 letters and digits, starting with a letter)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_their_context_path() {
        assert_eq!(
            parse_base_url("https://host/dhis").unwrap().as_str(),
            "https://host/dhis/"
        );
        assert_eq!(
            parse_base_url("https://host/dhis/api/").unwrap().as_str(),
            "https://host/dhis/"
        );
        assert_eq!(
            parse_base_url("http://127.0.0.1:8080").unwrap().as_str(),
            "http://127.0.0.1:8080/"
        );
        assert!(parse_base_url("ftp://host").is_err());
        assert!(parse_base_url("https://admin:district@host").is_err());
        assert!(parse_base_url("host").is_err());
        let error = parse_base_url("ftp://admin:S3cret@host:99999/x")
            .unwrap_err()
            .to_string();
        assert!(
            !error.contains("S3cret") && error.contains("***@host"),
            "{error}"
        );
        assert_eq!(without_userinfo("https://h/a@b"), "https://h/a@b");
        assert_eq!(without_userinfo("https://u:p@h/x@y"), "https://***@h/x@y");
        assert_eq!(without_userinfo("https://h/x"), "https://h/x");
        assert_eq!(without_userinfo("not a url"), "not a url");
    }

    #[test]
    fn html_error_pages_shrink_to_their_title() {
        let page = b"<html><head><title>413 Request Entity Too Large</title></head><body><h1>nginx</h1></body></html>";
        assert_eq!(summarize_body(page), "413 Request Entity Too Large");
        assert_eq!(summarize_body(b"<h1>Oops</h1>\n<p>bad</p>"), "Oops bad");
    }

    #[test]
    fn login_redirects_are_authentication_failures() {
        let error = redirect_error(StatusCode::FOUND, "http://h/dhis-web-login/");
        assert!(matches!(error, Error::Authentication(_)), "{error}");
        let error = redirect_error(StatusCode::FOUND, "https://example.org/file.pdf");
        assert!(matches!(error, Error::Http { status: 302, .. }), "{error}");
    }

    #[test]
    fn clients_share_one_tls_setup_with_http2_offered() {
        let config = tls_config().expect("platform roots load");
        assert_eq!(
            config.alpn_protocols,
            [b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        for url in ["https://play.dhis2.org/dev", "http://127.0.0.1:1"] {
            Client::new(url, Auth::basic("a", "b")).expect(url);
        }
    }

    #[test]
    fn uids_are_checked() {
        assert!(is_valid_uid("RTkjSgLtdI6"));
        assert!(!is_valid_uid("1TkjSgLtdI6"));
        assert!(!is_valid_uid("short"));
        assert!(!is_valid_uid("RTkjSgLtd/6"));
    }
}
