//! The router and the middleware every request passes through (the shared state is in
//! `state.rs`).
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Extensions, HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;
use tower_http::compression::predicate::Predicate;
use tower_http::compression::{CompressionLayer, CompressionLevel};

use super::faults::{FaultBody, FaultRule};
use super::state::{AppState, CurrentUser, RecordedRequest, Shared};
use super::web_message::{WebMessage, html_escape};
use super::{
    auth, cleanup, dashboards, documents, file_resources, link, sharing, sharing_search, system,
};

pub fn router(state: Shared) -> Router {
    let api = Router::new()
        .route("/api/system/info", get(system::info))
        .route("/api/system/ping", get(system::ping))
        .route("/api/me", get(system::me))
        .route(
            "/api/documents",
            get(documents::list)
                .post(documents::create)
                .fallback(method_fallback),
        )
        .route(
            "/api/documents/{uid}",
            get(documents::get_one)
                .put(documents::update)
                .patch(documents::patch)
                .delete(documents::delete)
                .fallback(method_fallback),
        )
        .route(
            "/api/documents/{uid}/data",
            get(documents::data).fallback(method_fallback),
        )
        .route(
            "/api/documents/{uid}/sharing",
            get(sharing::read_document_sharing)
                .put(sharing::replace_document_sharing)
                .fallback(method_fallback),
        )
        .route(
            "/api/sharing/search",
            get(sharing_search::search).fallback(method_fallback),
        )
        .route(
            "/api/sharing",
            get(sharing::read)
                .post(sharing::write)
                .put(sharing::write)
                .fallback(method_fallback),
        )
        .route(
            "/api/documents/{uid}/{property}",
            get(documents::property)
                .post(documents::mark_property)
                .delete(documents::unmark_property)
                .fallback(method_fallback),
        )
        .route(
            "/api/dashboards",
            get(dashboards::list).fallback(method_fallback),
        )
        .route(
            "/api/dashboards/{uid}",
            get(dashboards::get_one).fallback(method_fallback),
        )
        .route(
            "/api/fileResources",
            get(file_resources::list)
                .post(file_resources::upload)
                .fallback(method_fallback),
        )
        .route(
            "/api/fileResources/{uid}",
            get(file_resources::get_one).fallback(method_fallback),
        )
        .route(
            "/api/fileResources/{uid}/data",
            get(file_resources::data).fallback(method_fallback),
        )
        .route(
            "/api/fileResources/{uid}/{property}",
            get(file_resources::property).fallback(method_fallback),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), require_auth));
    let mut public = Router::new().route("/external/{*rest}", get(system::external));
    for path in [
        "/dhis-web-commons/security/login.action",
        "/dhis-web-login",
        "/dhis-web-login/",
        "/login/",
    ] {
        public = public.route(path, get(system::login_page));
    }
    let app = api.merge(public).fallback(no_handler);
    let app = if state.context_path.is_empty() {
        app
    } else {
        Router::new()
            .nest(&state.context_path, app)
            .fallback(outside_the_context)
    };
    // Inside the front middleware, so the link paces the compressed bytes.
    let app = if state.compress_json {
        app.layer(json_compression())
    } else {
        app
    };
    app.layer(middleware::from_fn_with_state(state.clone(), front))
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// nginx's `gzip on; gzip_types application/json` at its default level 1: a JSON answer
/// (a file's `/data` of that type too) is gzipped when the request's `Accept-Encoding` takes
/// gzip, anything else goes as it is.
fn json_compression() -> CompressionLayer<impl Predicate> {
    let json = |_: StatusCode, _: axum::http::Version, headers: &HeaderMap, _: &Extensions| {
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"))
    };
    CompressionLayer::new()
        .no_br()
        .no_deflate()
        .no_zstd()
        .quality(CompressionLevel::Fastest)
        .compress_when(json)
}

async fn method_fallback(State(state): State<Shared>, method: Method) -> WebMessage {
    state.method_not_allowed(&method)
}

/// A path inside DHIS2 that no controller serves: Spring Security asks who is calling first
/// (every path but the public ones needs a login), then Spring answers its 404.
async fn no_handler(State(state): State<Shared>, method: Method, request: Request) -> Response {
    if let Err(refusal) = auth::authenticate(request.headers(), &state.login_url(request.headers()))
    {
        return *refusal;
    }
    WebMessage::error(
        StatusCode::NOT_FOUND,
        format!("No handler found for {method} {}", request.uri().path()),
    )
    .into_response()
}

/// A path outside DHIS2's context path never reaches DHIS2: the servlet container answers,
/// with its own HTML page (Tomcat's, which DHIS2 is usually deployed in).
async fn outside_the_context() -> Response {
    let page = "<!doctype html><html lang=\"en\"><head><title>HTTP Status 404 – Not Found</title>\
                </head><body><h1>HTTP Status 404 – Not Found</h1><hr class=\"line\" /><p><b>Type\
                </b> Status Report</p><p><b>Description</b> The origin server did not find a \
                current representation for the target resource or is not willing to disclose \
                that one exists.</p><hr class=\"line\" /><h3>Apache Tomcat/9.0.85</h3></body>\
                </html>";
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html;charset=utf-8")],
        page,
    )
        .into_response()
}

/// The path a request was sent with, before [`normalize`] rewrote it (the request log keeps
/// this one).
#[derive(Clone, Debug)]
pub struct SentPath(pub String);

/// Serves the paths DHIS2 maps besides the plain ones (dhis2-api.md §13.8): `/api/<N>/…` as
/// `/api/…` for the N the release knows ([`Dhis2Version::api_version_numbers`]), a trailing `/`
/// and a `.json` suffix (except on `/data`, which sends the file). Runs before routing.
pub fn normalize(state: &AppState, mut request: Request) -> Request {
    let path = request.uri().path().to_string();
    let context = state.context_path.as_str();
    let Some(inside) = path.strip_prefix(context) else {
        return request;
    };
    let Some(rest) = inside.strip_prefix("/api/") else {
        return request;
    };
    let mut rest = rest.to_string();
    if let Some((number, after)) = rest.split_once('/')
        && let Ok(number) = number.parse::<u8>()
        && state.version.api_version_numbers().contains(&number)
    {
        rest = after.to_string();
    }
    if rest.len() > 1
        && let Some(stripped) = rest.strip_suffix('/')
    {
        rest = stripped.to_string();
    }
    if !rest.ends_with("/data.json")
        && let Some(stripped) = rest.strip_suffix(".json")
    {
        rest = stripped.to_string();
    }
    let rewritten = format!("{context}/api/{rest}");
    if rewritten == path {
        return request;
    }
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{rewritten}?{query}"),
        None => rewritten,
    };
    let mut parts = request.uri().clone().into_parts();
    match path_and_query.parse() {
        Ok(path_and_query) => parts.path_and_query = Some(path_and_query),
        Err(_) => return request,
    }
    if let Ok(uri) = axum::http::Uri::from_parts(parts) {
        *request.uri_mut() = uri;
        request.extensions_mut().insert(SentPath(path));
    }
    request
}

/// The request log keeps at most this many entries (the oldest half is dropped first).
const MAX_RECORDED_REQUESTS: usize = 100_000;
fn record(state: &AppState, method: &str, request: &Request) {
    let path = match request.extensions().get::<SentPath>() {
        Some(SentPath(sent)) => sent.as_str(),
        None => request.uri().path(),
    };
    let mut log = state.requests.lock().unwrap_or_else(|e| e.into_inner());
    // Bounded so that a long demo session cannot grow it without limit.
    if log.len() >= MAX_RECORDED_REQUESTS {
        log.drain(..MAX_RECORDED_REQUESTS / 2);
    }
    log.push(RecordedRequest {
        method: method.to_string(),
        path: path.to_string(),
        query: request.uri().query().map(str::to_string),
        has_authorization: request.headers().contains_key(header::AUTHORIZATION),
        accept_encoding: request
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string),
    });
}

/// Records the request, holds it for the latency, then applies the delay, login-redirect and
/// failure faults.
async fn front(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    record(&state, &method, &request);
    // The daily cleanup job, run when a 02:00 has passed since the last request.
    cleanup::run_if_due(&state);
    // Each request sleeps on its own task: concurrent requests are held side by side.
    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    let request = match state.link_rate {
        Some(rate) => link::paced_request(request, rate),
        None => request,
    };
    let delay = state.faults.current_delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if state.faults.take_redirect() {
        return auth::redirect_to_login(&state.login_url(request.headers()));
    }
    if let Some(location) = state.faults.take_redirect_to() {
        return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
    }
    if let Some(rule) = state.faults.take_failure(&method, &path) {
        // Like a proxy, read the rest of the request before answering, so a client still
        // sending an upload reads the answer instead of meeting a broken pipe.
        let mut body = request.into_body().into_data_stream();
        while let Some(Ok(_)) = body.next().await {}
        return fault_response(&rule);
    }
    if let Some(bytes) = state.faults.take_drop_request_after(&path) {
        return drop_request(request, bytes).await;
    }
    let response = next.run(request).await;
    let response = if response.status().is_success() && state.faults.take_tamper(&path) {
        tamper(response)
    } else if let Some(bytes) = state.faults.take_stall_after(&path) {
        stall_after(response, bytes)
    } else {
        response
    };
    match state.link_rate {
        Some(rate) => link::paced_response(response, rate),
        None => response,
    }
}

/// Reads `limit` bytes of the request body, then answers with a body that fails at once, so
/// the connection is torn down without a usable answer.
async fn drop_request(request: Request, limit: u64) -> Response {
    let mut body = request.into_body().into_data_stream();
    let mut read = 0u64;
    while read < limit {
        match body.next().await {
            Some(Ok(chunk)) => read += chunk.len() as u64,
            _ => break,
        }
    }
    let cut = futures_util::stream::once(async {
        Err::<bytes::Bytes, _>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "emulator fault: connection dropped",
        ))
    });
    Response::new(axum::body::Body::from_stream(cut))
}

/// Passes `limit` bytes of the body, then sends nothing more and never ends.
fn stall_after(response: Response, limit: u64) -> Response {
    let (parts, body) = response.into_parts();
    let mut sent = 0u64;
    let passed = body.into_data_stream().map(move |chunk| {
        chunk.map(|bytes| {
            let room = usize::try_from(limit.saturating_sub(sent)).unwrap_or(usize::MAX);
            let bytes = if bytes.len() > room {
                bytes.slice(..room)
            } else {
                bytes
            };
            sent += bytes.len() as u64;
            bytes
        })
    });
    // Content-Length promised the whole body: the client waits for the rest.
    let hung = passed.chain(futures_util::stream::pending());
    Response::from_parts(parts, axum::body::Body::from_stream(hung))
}

/// Flips the first byte of the body, keeping its length.
fn tamper(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let mut first = true;
    let stream = body.into_data_stream().map(move |chunk| {
        chunk.map(|bytes| {
            if !first || bytes.is_empty() {
                return bytes;
            }
            first = false;
            let mut changed = bytes.to_vec();
            changed[0] ^= 0xff;
            bytes::Bytes::from(changed)
        })
    });
    Response::from_parts(parts, axum::body::Body::from_stream(stream))
}

async fn require_auth(State(state): State<Shared>, mut request: Request, next: Next) -> Response {
    match auth::authenticate(request.headers(), &state.login_url(request.headers())) {
        Ok(user) => {
            request.extensions_mut().insert(CurrentUser(user));
            next.run(request).await
        }
        Err(response) => *response,
    }
}

fn fault_response(rule: &FaultRule) -> Response {
    let status = StatusCode::from_u16(rule.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Error");
    match rule.body {
        FaultBody::WebMessage => {
            WebMessage::error(status, format!("Emulated failure: {reason}")).into_response()
        }
        FaultBody::ProxyHtml => {
            let title = html_escape(&format!("{} {reason}", status.as_u16()));
            (
                status,
                [(header::CONTENT_TYPE, "text/html")],
                format!(
                    "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n"
                ),
            )
                .into_response()
        }
        FaultBody::PlainText => (
            status,
            [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
            format!("{} {reason}", status.as_u16()),
        )
            .into_response(),
        FaultBody::Empty => status.into_response(),
        FaultBody::TruncatedJson => {
            let full = WebMessage::error(status, format!("Emulated failure: {reason}"))
                .to_json()
                .to_string();
            let cut = full.len() / 2;
            (
                status,
                [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
                full[..cut].to_string(),
            )
                .into_response()
        }
    }
}
