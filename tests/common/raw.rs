//! Raw HTTP to an emulator (plain reqwest, no `d2files::api`), for the suites that check the
//! emulator against the spec's words: requests as a user or as nobody, answers as (status,
//! headers, JSON or `Null`), and the body as text where key order matters.
use d2files::emulator::{ADMIN_PASSWORD, ADMIN_USERNAME, Emulator, GUEST_PASSWORD, GUEST_USERNAME};
use reqwest::{Method, StatusCode, header};
use serde_json::Value;

thread_local! {
    // One client per test thread: building one is slow, and a client must not outlive the
    // test's runtime (each #[tokio::test] has its own).
    static CLIENT: reqwest::Client = {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    };
}

/// The test thread's client: no redirects followed, no `d2files::api`.
pub fn client() -> reqwest::Client {
    CLIENT.with(reqwest::Client::clone)
}

/// Who sends a request.
#[derive(Clone, Copy, Debug)]
pub enum Who {
    Admin,
    Guest,
    Nobody,
}

pub fn request(em: &Emulator, method: Method, path: &str, who: Who) -> reqwest::RequestBuilder {
    let builder = client().request(method, format!("{}{path}", em.base_url()));
    match who {
        Who::Admin => builder.basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD)),
        Who::Guest => builder.basic_auth(GUEST_USERNAME, Some(GUEST_PASSWORD)),
        Who::Nobody => builder,
    }
}

/// One answer: status, headers, the body as text and as JSON (`Null` when it is not).
pub struct Answer {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub text: String,
    pub json: Value,
}

pub async fn send(builder: reqwest::RequestBuilder) -> Answer {
    let response = builder.send().await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        text,
        json,
    }
}

/// GET as the admin.
pub async fn get(em: &Emulator, path: &str) -> Answer {
    send(request(em, Method::GET, path, Who::Admin)).await
}

/// A multipart upload of `bytes` as `name` with the part's `content_type`, as the admin.
pub async fn upload(
    em: &Emulator,
    query: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Answer {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(content_type)
        .expect("mime");
    let form = reqwest::multipart::Form::new().part("file", part);
    send(
        request(
            em,
            Method::POST,
            &format!("/api/fileResources{query}"),
            Who::Admin,
        )
        .multipart(form),
    )
    .await
}

/// `POST /api/documents` with a JSON body, as the admin.
pub async fn create_document(em: &Emulator, body: Value) -> Answer {
    send(request(em, Method::POST, "/api/documents", Who::Admin).json(&body)).await
}

/// The `id`s of a list's `key` array, in order.
pub fn ids(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .unwrap_or_else(|| panic!("a `{key}` list in {body}"))
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_string())
        .collect()
}

/// A query-string value, encoded.
pub fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
