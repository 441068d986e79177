//! `/api/fileResources` (dhis2-api.md §4): upload, metadata, list and `/data`.

use std::time::Instant;

use axum::Extension;
use axum::Json;
use axum::extract::{FromRequest, Multipart, OriginalUri, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::download;
use super::fields::Fields;
use super::listing::{ListParams, first, query_pairs, values};
use super::model::{Domain, FileResource, StatusView, User, is_variant_image};
use super::query::{Prop, PropType, Schema};
use super::state::{AppState, CurrentUser, Shared};
use super::store::{self, Blob, BlobWriter};
use super::version::{Change, Dhis2Version};
use super::web_message::{Status, WebMessage, container_error_page};

const DOMAIN_CLASS: &str = "org.hisp.dhis.fileresource.FileResourceDomain";
const DIMENSION_CLASS: &str = "org.hisp.dhis.fileresource.ImageFileDimension";
const DIMENSIONS: [&str; 4] = ["SMALL", "MEDIUM", "LARGE", "ORIGINAL"];

/// Content types refused by `FileResourceBlocklist` (whole, lower-cased string).
const BLOCKED_CONTENT_TYPES: &[&str] = &[
    "text/html",
    "text/css",
    "text/javascript",
    "font/otf",
    "application/x-shockwave-flash",
    "application/vnd.debian.binary-package",
    "application/x-rpm",
    "application/java-archive",
    "application/x-ms-dos-executable",
    "application/vnd.microsoft.portable-executable",
    "application/vnd.apple.installer+xml",
    "application/vnd.mozilla.xul+xml",
    "application/x-httpd-php",
    "application/x-sh",
    "application/x-csh",
];
/// Extensions refused by `FileResourceBlocklist` (of the lower-cased name).
const BLOCKED_EXTENSIONS: &[&str] = &[
    "html", "htm", "css", "js", "mjs", "otf", "swf", "deb", "rpm", "jar", "jsp", "exe", "msi",
    "mpkg", "xul", "php", "bin", "sh", "csh", "bat",
];
const IMAGE_CONTENT_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/gif"];
const IMAGE_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "gif"];
/// Appended to avatar, org-unit and icon uploads instead of really resizing them: like DHIS2's
/// re-encoding it changes the stored length and MD5, while the image still decodes.
const REENCODE_MARKER: &[u8] = b"\n<!-- d2files emulator: re-encoded -->\n";

fn storage_statuses(version: Dhis2Version) -> Vec<&'static str> {
    if !version.has(Change::FailedStatusRemoved) {
        vec!["NONE", "PENDING", "FAILED", "STORED"]
    } else {
        vec!["NONE", "PENDING", "STORED"]
    }
}

pub fn schema(version: Dhis2Version) -> Schema {
    let prop = |name, ty| Prop { name, ty };
    let mut props = vec![
        prop("contentType", PropType::Text),
        prop("contentLength", PropType::Int("Long")),
        prop("contentMd5", PropType::Text),
        prop(
            "domain",
            PropType::Enum("FileResourceDomain", Domain::names),
        ),
        prop(
            "storageStatus",
            PropType::Enum("FileResourceStorageStatus", storage_statuses),
        ),
        prop("hasMultipleStorageFiles", PropType::Bool),
    ];
    if version.has(Change::AssignedVisible) {
        props.push(prop("assigned", PropType::Bool));
    }
    Schema::identifiable(version, props)
}

fn not_found(version: Dhis2Version, uid: &str) -> WebMessage {
    WebMessage::error(
        StatusCode::NOT_FOUND,
        format!("FileResource with id {uid} could not be found."),
    )
    .code_if(version.has(Change::FileResource404Code), "E1005")
}

fn conflict(message: impl Into<String>) -> WebMessage {
    WebMessage::error(StatusCode::CONFLICT, message)
}

/// Binds an enum request parameter as Spring does for the version (400 when it does not bind).
fn bind_enum(
    version: Dhis2Version,
    parameter: &str,
    class: &str,
    value: &str,
    constants: &[&'static str],
) -> Result<&'static str, WebMessage> {
    let found = if version.has(Change::EnumsIgnoreCase) {
        constants
            .iter()
            .find(|c| c.eq_ignore_ascii_case(value.trim()))
    } else {
        constants.iter().find(|c| **c == value)
    };
    if let Some(constant) = found {
        return Ok(constant);
    }
    let message = if version.has(Change::EnumsIgnoreCase) {
        format!(
            "Value '{value}' is not valid for parameter {parameter}. Valid values are: [{}]",
            constants.join(", ")
        )
    } else {
        format!(
            "Failed to convert value of type 'java.lang.String' to required type '{class}'; nested exception is \
             org.springframework.core.convert.ConversionFailedException: Failed to convert from type \
             [java.lang.String] to type [@org.springframework.web.bind.annotation.RequestParam {class}] for value \
             '{value}'; nested exception is java.lang.IllegalArgumentException: No enum constant {class}.{value}"
        )
    };
    Err(WebMessage::error(StatusCode::BAD_REQUEST, message))
}

/// `FilenameUtils.getName`: drop any `/` or `\` path; blank becomes `untitled`.
fn clean_name(original: Option<&str>) -> String {
    let name = original
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("");
    if name.trim().is_empty() {
        "untitled".to_string()
    } else {
        name.to_string()
    }
}

fn extension(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, ext)| ext)
}

/// A part's declared content type if it looks like `type/subtype[; params]`.
fn declared_content_type(raw: Option<&str>) -> Option<String> {
    let raw = raw?.trim();
    let essence = raw.split(';').next().unwrap_or("").trim();
    let (kind, sub) = essence.split_once('/')?;
    let token = |s: &str| !s.is_empty() && !s.contains(char::is_whitespace);
    (token(kind) && token(sub)).then(|| raw.to_string())
}

/// The uploaded `file` part, streamed to disk, plus the form fields seen.
struct Received {
    blob: Option<(BlobWriter, Option<String>, Option<String>)>,
    domain: Option<String>,
    uid: Option<String>,
}

async fn receive(state: &AppState, request: Request) -> Result<Received, Response> {
    let mut multipart = Multipart::from_request(request, &()).await.map_err(|_| {
        WebMessage::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Current request is not a multipart request",
        )
        .into_response()
    })?;
    let broken = |e: axum::extract::multipart::MultipartError| {
        container_error_page(StatusCode::BAD_REQUEST, &e.body_text())
    };
    let io_error = |e: std::io::Error| {
        WebMessage::error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
    };
    let mut received = Received {
        blob: None,
        domain: None,
        uid: None,
    };
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        match field.name() {
            Some("file") if received.blob.is_none() => {
                let file_name = field.file_name().map(str::to_string);
                // The part's header as sent: `field.content_type()` is the parsed (lower-cased)
                // form, while DHIS2 keeps what the client declared.
                let content_type = field
                    .headers()
                    .get(axum::http::header::CONTENT_TYPE)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_string);
                let mut writer = state
                    .store
                    .writer(state.max_upload_size)
                    .await
                    .map_err(io_error)?;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if let Err(e) = writer.write(&chunk).await {
                                writer.discard().await;
                                return Err(io_error(e));
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            writer.discard().await;
                            return Err(broken(e));
                        }
                    }
                }
                received.blob = Some((writer, file_name, content_type));
            }
            Some("domain") => received.domain = field.text().await.ok(),
            Some("uid") => received.uid = field.text().await.ok(),
            _ => while let Ok(Some(_)) = field.chunk().await {},
        }
    }
    Ok(received)
}

/// Domain checks of `FileResourceUtils` (2.39.8+/2.40.6+/2.41.2+; ICON from 2.40.6).
fn validate_domain(
    version: Dhis2Version,
    domain: Domain,
    content_type: Option<&str>,
    name: &str,
    size: u64,
) -> Result<bool, WebMessage> {
    let limit_message = |max: u64| {
        conflict(format!(
            "File size can't be bigger than {max}, current file size {size}"
        ))
    };
    match domain {
        Domain::UserAvatar | Domain::OrgUnit if version.has(Change::UploadLimits) => {
            let Some(content_type) = content_type else {
                return Err(conflict("Invalid content type, content type is NULL"));
            };
            let essence = content_type.split(';').next().unwrap_or("").trim();
            if !IMAGE_CONTENT_TYPES.contains(&essence) {
                return Err(conflict(format!(
                    "Invalid content type, valid content types are: {}",
                    IMAGE_CONTENT_TYPES.join(",")
                )));
            }
            if !IMAGE_EXTENSIONS.contains(&extension(name)) {
                return Err(conflict(format!(
                    "Wrong file extension, valid extensions are: {}",
                    IMAGE_EXTENSIONS.join(",")
                )));
            }
            let max = if domain == Domain::UserAvatar {
                2_000_000
            } else {
                8_000_000
            };
            if size > max {
                return Err(limit_message(max));
            }
            Ok(true)
        }
        Domain::Icon if version.has(Change::IconValidation) => {
            if extension(name) != "png" {
                return Err(conflict("Wrong file extension, valid extensions are: png"));
            }
            if size > 25_000_000 {
                return Err(limit_message(25_000_000));
            }
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Whether a stored blob starts like a PNG, JPEG or GIF (what ImageIO could decode).
async fn is_image(blob: &Blob) -> bool {
    let mut head = [0u8; 8];
    let Ok(mut file) = tokio::fs::File::open(&blob.path).await else {
        return false;
    };
    let Ok(n) = tokio::io::AsyncReadExt::read(&mut file, &mut head).await else {
        return false;
    };
    let head = &head[..n];
    head.starts_with(b"\x89PNG\r\n\x1a\n")
        || head.starts_with(&[0xff, 0xd8, 0xff])
        || head.starts_with(b"GIF87a")
        || head.starts_with(b"GIF89a")
}

fn is_blocked(content_type: &str, name: &str) -> bool {
    BLOCKED_CONTENT_TYPES.contains(&content_type.to_lowercase().as_str())
        || BLOCKED_EXTENSIONS.contains(&extension(&name.to_lowercase()))
}

pub async fn upload(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let received = match receive(&state, request).await {
        Ok(received) => received,
        Err(response) => return response,
    };
    let Some((writer, original_name, raw_content_type)) = received.blob else {
        return container_error_page(
            StatusCode::BAD_REQUEST,
            "Required request part 'file' is not present",
        );
    };
    let blob = match writer.finish().await {
        Ok(blob) => blob,
        Err(e) => {
            return WebMessage::error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
                .into_response();
        }
    };
    let domain_value = first(&pairs, "domain").or(received.domain);
    let uid_value = first(&pairs, "uid").or(received.uid);
    match store_upload(
        &state,
        user,
        &blob,
        original_name.as_deref(),
        raw_content_type.as_deref(),
        domain_value.as_deref(),
        uid_value.filter(|u| !u.is_empty()),
    )
    .await
    {
        Ok(fr) => {
            let base = state.base_url(&headers);
            let ctx = state.render_context(user, &base);
            WebMessage::new(StatusCode::ACCEPTED, Status::Ok)
                .response(json!({
                    "responseType": "FileResource",
                    "fileResource": fr.to_json(&ctx, StatusView::Pending, true),
                }))
                .into_response()
        }
        Err(message) => {
            let _ = tokio::fs::remove_file(&blob.path).await;
            message.into_response()
        }
    }
}

/// Validates in `FileResourceController`'s order and saves the file resource.
async fn store_upload(
    state: &AppState,
    user: &'static User,
    blob: &Blob,
    original_name: Option<&str>,
    raw_content_type: Option<&str>,
    domain_value: Option<&str>,
    uid: Option<String>,
) -> Result<FileResource, WebMessage> {
    let version = state.version;
    // 2.43 binds `uid` as a `UID` before the controller runs (§11.1).
    if let Some(refusal) = uid.as_deref().and_then(|uid| state.refuses_uid(uid, false)) {
        return Err(refusal);
    }
    let domain_name = match domain_value {
        Some(value) => bind_enum(
            version,
            "domain",
            DOMAIN_CLASS,
            value,
            &Domain::names(version),
        )?,
        None => "DATA_VALUE",
    };
    let domain = Domain::from_name(domain_name, version).unwrap_or(Domain::DataValue);
    let name = clean_name(original_name);
    let generic_limit = |size: u64| match state.max_upload_size {
        Some(limit) if size > limit => Err(conflict(format!(
            "File size can't be bigger than {limit}, current file size {size}"
        ))),
        _ => Ok(()),
    };
    // The generic check runs first up to 2.43; on 2.44 it runs after the domain checks, on
    // the re-encoded file (§13.4).
    let after_domain = version.has(Change::SizeCheckAfterDomain);
    if !after_domain {
        generic_limit(blob.len)?;
    }
    let reencode = validate_domain(version, domain, raw_content_type, &name, blob.len)?;
    if after_domain {
        let reencoded = if reencode {
            REENCODE_MARKER.len() as u64
        } else {
            0
        };
        generic_limit(blob.len + reencoded)?;
    }
    if blob.len == 0 {
        return Err(conflict("Could not read file or file is empty.")
            .code_if(version.has(Change::EmptyUploadCode), "E1004"));
    }
    let uid = uid.filter(|_| version.has(Change::UploadUid));
    let taken = uid
        .as_ref()
        .is_some_and(|uid| state.db().file_resources.contains_key(uid));
    if let Some(uid) = uid.as_ref().filter(|_| taken) {
        return Err(conflict(format!("FileResource already exists: `{uid}`")).code("E1119"));
    }
    let mut content_type = declared_content_type(raw_content_type)
        .unwrap_or_else(|| "application/octet-stream".to_string());
    if is_blocked(&content_type, &name) {
        return Err(conflict("File type not allowed").code("E6101"));
    }
    let image = is_image(blob).await;
    if reencode && !image {
        return Err(WebMessage::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Failed to resize image: the file could not be read as an image",
        ));
    }
    // The asynchronous save makes image variants first; when the bytes are no image, neither
    // the variants nor the original get stored, so the file resource stays PENDING.
    let unstorable = domain.has_image_variants() && is_variant_image(&content_type) && !image;
    let (len, md5) = if reencode {
        let grown = store::append_and_rehash(blob, REENCODE_MARKER)
            .await
            .map_err(|e| {
                WebMessage::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("Failed to resize image: {e}"),
                )
            })?;
        // The re-encoded file's type is probed from the extension.
        content_type = match extension(&name) {
            "png" => "image/png",
            "gif" => "image/gif",
            _ => "image/jpeg",
        }
        .to_string();
        (grown.len, grown.md5)
    } else if state.faults.take_corrupt_upload() {
        let damaged = store::damage_and_rehash(blob)
            .await
            .map_err(|e| WebMessage::error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        (damaged.len, damaged.md5)
    } else {
        (blob.len, blob.md5.clone())
    };
    let stored_at = if unstorable || state.faults.storage_stalled() {
        None
    } else {
        Some(Instant::now() + state.storage_delay)
    };
    let mut db = state.db();
    let id = uid.unwrap_or_else(|| db.fresh_uid());
    let timestamp = state.now();
    let fr = FileResource {
        id: id.clone(),
        name,
        content_type,
        content_length: len,
        content_md5: md5,
        domain,
        assigned: false,
        created: timestamp,
        last_updated: timestamp,
        created_by: user.id,
        blob: blob.path.clone(),
        stored_at,
        blob_gone: false,
        seq: db.next_seq(),
    };
    db.file_resources.insert(id, fr.clone());
    Ok(fr)
}

pub async fn get_one(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path(uid): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let version = state.version;
    if let Some(refusal) = state.refuses_uid(&uid, true) {
        return refusal.into_response();
    }
    let Some(fr) = state.db().file_resources.get(&uid).cloned() else {
        return not_found(version, &uid).into_response();
    };
    let base = state.base_url(&headers);
    let ctx = state.render_context(user, &base);
    let fields = Fields::parse(&values(&query_pairs(raw.as_deref()), "fields"));
    if version.has(Change::FileResourceList) && !fields.is_empty() {
        // 2.41+: `fields` goes through the generic getObject (no storage check).
        let object = fr.to_json(&ctx, StatusView::Unchecked, false);
        return Json(fields.apply(&object, version)).into_response();
    }
    Json(fr.to_json(&ctx, StatusView::Checked, true)).into_response()
}

/// `GET /api/fileResources/{uid}/{property}` (2.41+, the generic controller) → `{"<property>": value}`.
pub async fn property(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path((uid, property)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let version = state.version;
    if !version.has(Change::FileResourceList) {
        return WebMessage::error(
            StatusCode::NOT_FOUND,
            format!("No handler found for GET {}", uri.path()),
        )
        .into_response();
    }
    let Some(fr) = state.db().file_resources.get(&uid).cloned() else {
        return not_found(version, &uid).into_response();
    };
    let base = state.base_url(&headers);
    let object = fr.to_json(
        &state.render_context(user, &base),
        StatusView::Unchecked,
        false,
    );
    match object.get(&property) {
        Some(value) => Json(json!({ property.clone(): value })).into_response(),
        None => WebMessage::error(
            StatusCode::NOT_FOUND,
            format!("Property `{property}` does not exist on FileResource"),
        )
        .into_response(),
    }
}

pub async fn list(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let version = state.version;
    if !version.has(Change::FileResourceList) {
        return state.method_not_allowed(&Method::GET).into_response();
    }
    let params = match ListParams::parse(raw.as_deref(), &schema(version), version) {
        Ok(params) => params,
        Err(message) => return message.into_response(),
    };
    let base = state.base_url(&headers);
    let ctx = state.render_context(user, &base);
    let db = state.db();
    let resources: Vec<&FileResource> = db.file_resources.values().collect();
    params.respond(
        &resources,
        |fr, keys| fr.to_json_keys(&ctx, StatusView::Unchecked, false, keys),
        version,
        &state.list_urls(&headers, "fileResources"),
        "fileResources",
    )
}

pub async fn data(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path(uid): Path<String>,
    RawQuery(raw): RawQuery,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let version = state.version;
    if let Some(refusal) = state.refuses_uid(&uid, true) {
        return refusal.into_response();
    }
    if let Some(dimension) = first(&query_pairs(raw.as_deref()), "dimension")
        && let Err(message) = bind_enum(
            version,
            "dimension",
            DIMENSION_CLASS,
            &dimension,
            &DIMENSIONS,
        )
    {
        return message.into_response();
    }
    let Some(fr) = state.db().file_resources.get(&uid).cloned() else {
        return not_found(version, &uid).into_response();
    };
    let allowed = match fr.domain {
        Domain::UserAvatar => user.has("F_USER_VIEW"),
        domain => domain.downloadable(),
    };
    if !allowed {
        let message = if version.has(Change::Texts243) {
            format!("File resource not found or not accessible: {uid}")
        } else {
            format!(
                "You don't have access to fileResource '{uid}' or this fileResource is not available from this endpoint"
            )
        };
        return if version.has(Change::ForbiddenDownload403) {
            WebMessage::error(StatusCode::FORBIDDEN, message).code("E1006")
        } else {
            WebMessage::error(StatusCode::UNAUTHORIZED, message)
        }
        .into_response();
    }
    // Image variants are not really produced: every dimension serves the stored file.
    download::serve_stored(&state, &fr, uri.path()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_path() {
        assert_eq!(clean_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(clean_name(Some("C:\\temp\\report.pdf")), "report.pdf");
        assert_eq!(clean_name(Some("  ")), "untitled");
        assert_eq!(clean_name(None), "untitled");
        assert_eq!(
            clean_name(Some("a \"quoted\"; name.pdf")),
            "a \"quoted\"; name.pdf"
        );
    }

    #[test]
    fn blocklist() {
        assert!(is_blocked("text/html", "a.txt"));
        assert!(!is_blocked("text/html; charset=utf-8", "a.txt"));
        assert!(is_blocked("text/plain", "RUN.EXE"));
        assert!(!is_blocked("application/pdf", "report.pdf"));
    }

    #[test]
    fn enum_binding_follows_the_version() {
        let bind = |minor, value: &str| {
            bind_enum(
                Dhis2Version::new(minor, 0),
                "domain",
                DOMAIN_CLASS,
                value,
                &["DOCUMENT"],
            )
        };
        assert_eq!(bind(40, "document").ok(), Some("DOCUMENT"));
        assert!(bind(39, "document").is_err());
        assert_eq!(bind(39, "DOCUMENT").ok(), Some("DOCUMENT"));
    }
}
