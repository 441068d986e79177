//! `/api/documents` (dhis2-api.md §3): list, get, create, update, patch, delete and `/data`.

use std::sync::LazyLock;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use regex::Regex;
use serde_json::{Map, Value, json};

use super::download;
use super::fields::Fields;
use super::listing::{ListParams, query_pairs, values};
use super::model::{Db, Document, Sharing, User, is_valid_uid};
use super::query::{Prop, PropType, Schema};
use super::state::{AppState, CurrentUser, Shared};
use super::version::{Change, Dhis2Version};
use super::web_message::{
    DOCUMENT_KLASS, ErrorReport, Status, WebMessage, import_conflict, object_report,
};

/// `DocumentObjectBundleHook`'s URL rule (matched against the whole URL).
static URL_PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^https?://[-a-zA-Z0-9+&@#/%?=~_|!:,.;]*[-a-zA-Z0-9+&@#/%=~_|]$")
        .expect("static regex")
});

const MAX_NAME_LENGTH: usize = 230;

pub fn schema(version: Dhis2Version) -> Schema {
    let prop = |name, ty| Prop { name, ty };
    let props = vec![
        prop("url", PropType::Text),
        prop("external", PropType::Bool),
        prop("attachment", PropType::Bool),
        prop("contentType", PropType::Text),
    ];
    Schema::identifiable(version, props)
}

/// 404 of the generic controllers (E1005 from 2.40).
pub fn not_found(version: Dhis2Version, uid: &str) -> WebMessage {
    WebMessage::error(
        StatusCode::NOT_FOUND,
        format!("Document with id {uid} could not be found."),
    )
    .code_if(version.has(Change::ErrorCodes), "E1005")
}

/// 403 of the generic controllers (E1006 from 2.40).
pub fn forbidden(version: Dhis2Version, action: &str) -> WebMessage {
    WebMessage::error(
        StatusCode::FORBIDDEN,
        format!("You don't have the proper permissions to {action} this object."),
    )
    .code_if(version.has(Change::ErrorCodes), "E1006")
}

/// Spring's 415 for a body the mapping does not consume.
pub fn unsupported_media_type(version: Dhis2Version, headers: &HeaderMap) -> WebMessage {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').map(str::trim).collect::<Vec<_>>().join(";"))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "application/octet-stream".to_string());
    let message = if version.has(Change::Spring6) {
        format!("Content-Type '{content_type}' is not supported")
    } else {
        format!("Content type '{content_type}' not supported")
    };
    WebMessage::error(StatusCode::UNSUPPORTED_MEDIA_TYPE, message)
}

fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

pub fn is_json(headers: &HeaderMap) -> bool {
    media_type(headers) == "application/json"
}

/// How a POST or PUT of a document is written.
#[derive(Clone, Copy)]
enum Body {
    Json,
    /// Up to 2.41, the second `consumes` mapping (§3.4).
    Xml,
}

/// Which mapping takes the request: JSON, or up to 2.41 XML too; anything else is Spring's
/// 415, before the handler runs.
fn metadata_mapping(state: &AppState, headers: &HeaderMap) -> Result<Body, WebMessage> {
    let xml = matches!(media_type(headers).as_str(), "application/xml" | "text/xml");
    if is_json(headers) {
        Ok(Body::Json)
    } else if xml && !state.version.has(Change::XmlMetadataRemoved) {
        Ok(Body::Xml)
    } else {
        Err(unsupported_media_type(state.version, headers))
    }
}

/// The body read as the mapping says.
fn metadata_body(kind: Body, body: &Bytes) -> Result<Value, WebMessage> {
    match kind {
        Body::Json => parse_body(body),
        Body::Xml => xml_document(body),
    }
}

/// The properties of a `<document>` in DHIS2's XML (identifiable ones as attributes of the root,
/// the others as elements, either accepted), as the JSON a body would carry.
fn xml_document(body: &Bytes) -> Result<Value, WebMessage> {
    static ROOT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<\s*(?:[\w-]+:)?document\b([^>]*)>").expect("static regex"));
    static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("static regex")
    });
    static ELEMENT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"<\s*(?:[\w-]+:)?(\w+)\b[^>/]*>([^<]*)<\s*/").expect("static regex")
    });
    let unescape = |text: &str| {
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    };
    let text = std::str::from_utf8(body)
        .map_err(|e| WebMessage::error(StatusCode::CONFLICT, e.to_string()))?;
    let root = ROOT.captures(text).ok_or_else(|| {
        WebMessage::error(
            StatusCode::CONFLICT,
            "Unexpected XML: no <document> element in the body",
        )
    })?;
    let mut object = Map::new();
    for attribute in ATTRIBUTE.captures_iter(&root[1]) {
        let value = attribute
            .get(2)
            .or(attribute.get(3))
            .map_or("", |m| m.as_str());
        object.insert(attribute[1].to_string(), json!(unescape(value)));
    }
    for element in ELEMENT.captures_iter(text) {
        object.insert(element[1].to_string(), json!(unescape(element[2].trim())));
    }
    Ok(Value::Object(object))
}

pub async fn list(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let version = state.version;
    let params = match ListParams::parse(raw.as_deref(), &schema(version), version) {
        Ok(params) => params,
        Err(message) => return message.into_response(),
    };
    let base = state.base_url(&headers);
    let ctx = state.render_context(user, &base);
    let db = state.db();
    let readable: Vec<&Document> = db
        .documents
        .values()
        .filter(|d| d.readable_by(user))
        .collect();
    params.respond(
        &readable,
        |d, keys| d.to_json_keys(&ctx, keys),
        version,
        &state.list_urls(&headers, "documents"),
        "documents",
    )
}

/// The readable document, or None.
pub fn readable(state: &AppState, uid: &str, user: &User) -> Option<Document> {
    state
        .db()
        .documents
        .get(uid)
        .filter(|d| d.readable_by(user))
        .cloned()
}

pub async fn get_one(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path(uid): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let version = state.version;
    if let Some(refusal) = state.refuses_get_of(&uid) {
        return refusal.into_response();
    }
    let Some(document) = readable(&state, &uid, user) else {
        return not_found(version, &uid).into_response();
    };
    let base = state.base_url(&headers);
    let fields = Fields::parse(&values(&query_pairs(raw.as_deref()), "fields"));
    let fields = if fields.is_empty() {
        Fields::all()
    } else {
        fields
    };
    Json(fields.apply(
        &document.to_json(&state.render_context(user, &base)),
        version,
    ))
    .into_response()
}

/// `GET /api/documents/{uid}/{property}` → `{"<property>": value}`.
pub async fn property(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path((uid, property)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    // `…/{uid}/translations` has a mapping of its own, whose uid is a `UID` from 2.43 (§13.1).
    if property == "translations"
        && let Some(refusal) = state.refuses_uid(&uid, true)
    {
        return refusal.into_response();
    }
    property_of(&state, user, &uid, &property, &headers)
}

/// `{"<property>": value}` of a readable document (also `GET …/{uid}/sharing`).
pub fn property_of(
    state: &AppState,
    user: &User,
    uid: &str,
    property: &str,
    headers: &HeaderMap,
) -> Response {
    let version = state.version;
    let Some(document) = readable(state, uid, user) else {
        return not_found(version, uid).into_response();
    };
    let base = state.base_url(headers);
    let object = document.to_json(&state.render_context(user, &base));
    match object.get(property) {
        Some(value) => Json(json!({ property: value })).into_response(),
        None => WebMessage::error(
            StatusCode::NOT_FOUND,
            format!("Property `{property}` does not exist on Document"),
        )
        .into_response(),
    }
}

/// `POST /api/documents/{uid}/favorite` before 2.44 marks it a favorite of the caller; on 2.44
/// the mapping is gone and the request falls onto `POST /{uid}/{property}`, which only consumes
/// JSON, so without a JSON body it is a 415 (§13.6).
pub async fn mark_property(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path((uid, property)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    favorite(&state, user, &uid, &property, &headers, true)
}

/// `DELETE /api/documents/{uid}/favorite`: as [`mark_property`], the other way.
pub async fn unmark_property(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path((uid, property)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    favorite(&state, user, &uid, &property, &headers, false)
}

fn favorite(
    state: &AppState,
    user: &User,
    uid: &str,
    property: &str,
    headers: &HeaderMap,
    mark: bool,
) -> Response {
    let version = state.version;
    if property != "favorite" || version.has(Change::FavoritesRemoved) {
        if !is_json(headers) {
            return unsupported_media_type(version, headers).into_response();
        }
        // A collection the emulator does not have (it only knows `favorite` here).
        return WebMessage::error(
            StatusCode::NOT_FOUND,
            format!("Property `{property}` does not exist on Document"),
        )
        .into_response();
    }
    if readable(state, uid, user).is_none() {
        return not_found(version, uid).into_response();
    }
    if let Some(document) = state.db().documents.get_mut(uid) {
        document.favorites.retain(|id| id != user.id);
        if mark {
            document.favorites.push(user.id.to_string());
        }
    }
    let done = if mark { "set as" } else { "removed as" };
    WebMessage::new(StatusCode::OK, Status::Ok)
        .message(format!(
            "Object '{uid}' {done} favorite for user '{}'",
            user.username
        ))
        .into_response()
}

/// The writable fields of a POST/PUT body (an empty string means null).
#[derive(Default, Debug)]
struct Input {
    id: Option<String>,
    name: Option<String>,
    code: Option<String>,
    url: Option<String>,
    external: bool,
    attachment: bool,
    content_type: Option<String>,
}

impl Input {
    fn from_json(value: &Value) -> Input {
        let text = |key: &str| {
            value
                .get(key)
                .and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .filter(|s| !s.is_empty())
        };
        let flag = |key: &str| match value.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        };
        Input {
            id: text("id"),
            name: text("name"),
            code: text("code"),
            url: text("url"),
            external: flag("external"),
            attachment: flag("attachment"),
            content_type: text("contentType"),
        }
    }

    fn from_document(document: &Document) -> Input {
        Input {
            id: Some(document.id.clone()),
            name: Some(document.name.clone()),
            code: document.code.clone(),
            url: Some(document.url.clone()),
            external: document.external,
            attachment: document.attachment,
            content_type: document.content_type.clone(),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "id": self.id, "name": self.name, "code": self.code, "url": self.url,
            "external": self.external, "attachment": self.attachment, "contentType": self.content_type,
        })
    }
}

fn report(code: &'static str, message: String, props: &[&str]) -> ErrorReport {
    ErrorReport::new(code, DOCUMENT_KLASS, message, props)
}

/// The length DHIS2 allows an `id` (`@PropertyRange(min=11,max=11)`).
const UID_LENGTH: usize = 11;

/// What a create says of the `id` it was given (dhis2-api.md §11.2): its length (schema
/// validation, every version), its form (`UidFormatCheck`, where the version has it), and
/// whether a document has it already (`CreationCheck`, E5000).
fn id_reports(state: &AppState, db: &Db, input: &Input, id: &str) -> Vec<ErrorReport> {
    let mut reports = Vec::new();
    let length = id.chars().count();
    if length > UID_LENGTH {
        reports.push(report(
            "E4001",
            format!(
                "Maximum length of property `id`is {UID_LENGTH}, but given length was {length}"
            ),
            &["id"],
        ));
    } else if length < UID_LENGTH {
        reports.push(report(
            "E4002",
            format!(
                "Allowed length range for property `id` is [{UID_LENGTH} to {UID_LENGTH}], but given length was {length}"
            ),
            &["id"],
        ));
    }
    if state.version.has(Change::DocumentUidCheck) && !is_valid_uid(id) {
        reports.push(report(
            "E4014",
            format!("Invalid UID `{id}` for property `Document`"),
            &["id", id],
        ));
    }
    if db.documents.contains_key(id) {
        let name = input.name.as_deref().unwrap_or("null");
        let mode = if state.version.has(Change::Texts243) {
            "strategy"
        } else {
            "mode"
        };
        reports.push(report(
            "E5000",
            format!(
                "Found matching object for reference, but import {mode} is CREATE. Identifier was UID, and object was {name} [{id}] (Document)."
            ),
            &[id],
        ));
    }
    reports
}

/// Schema validation plus `DocumentObjectBundleHook.validate` (same on create and update, which
/// is why a file-backed document keeping its url fails with E4016 on update).
fn validate(state: &AppState, input: &Input, creating: bool) -> Vec<ErrorReport> {
    let version = state.version;
    let db = state.db();
    let mut reports = Vec::new();
    let period = if !version.has(Change::E4000WithoutPeriod) {
        "."
    } else {
        ""
    };
    let missing = |property: &str| {
        report(
            "E4000",
            format!("Missing required property `{property}`{period}"),
            &[property],
        )
    };
    match &input.name {
        None => reports.push(missing("name")),
        Some(name) if name.chars().count() > MAX_NAME_LENGTH => reports.push(report(
            "E4001",
            format!(
                "Maximum length of property `name`is {MAX_NAME_LENGTH}, but given length was {}.",
                name.chars().count()
            ),
            &["name"],
        )),
        Some(_) => {}
    }
    if let Some(code) = &input.code
        && let Some(other) = db
            .documents
            .values()
            .find(|d| d.code.as_deref() == Some(code) && Some(&d.id) != input.id.as_ref())
    {
        let this = input.id.as_deref().unwrap_or("");
        reports.push(report(
            "E5003",
            format!(
                "Property `code` with value `{code}` on object {this} [Document] already exists on object {} [Document]",
                other.id
            ),
            &["code", code],
        ));
    }
    if creating && let Some(id) = &input.id {
        reports.extend(id_reports(state, &db, input, id));
    }
    match &input.url {
        None => reports.push(missing("url")),
        Some(url) if input.external => {
            if !URL_PATTERN.is_match(url) {
                reports.push(report(
                    "E4004",
                    format!("Property `url` requires a valid URL, was given `{url}`"),
                    &["url", url],
                ));
            }
        }
        Some(url) => match db.file_resources.get(url) {
            None => reports.push(report(
                "E4015",
                format!("Property `url` refers to an object that does not exist, could not find `{url}`"),
                &["url", url],
            )),
            Some(fr) if fr.assigned => reports.push(report(
                "E4016",
                format!(
                    "Object referenced by the `url` property is already associated with another object, value: `{url}`"
                ),
                &["url", url],
            )),
            Some(_) => {}
        },
    }
    reports
}

/// Writes a validated document: links its file resource (domain DOCUMENT, assigned) and resets
/// sharing (`clearSharing=true`: any `sharing`, `publicAccess`, `userAccesses`… in the body is
/// never read, §3.4).
fn save(
    state: &AppState,
    input: Input,
    uid: &str,
    user: &'static User,
    existing: Option<&Document>,
) {
    let mut db = state.db();
    let timestamp = state.now();
    let file_resource = if input.external {
        None
    } else {
        input.url.clone()
    };
    if let Some(fr_id) = &file_resource
        && let Some(fr) = db.file_resources.get_mut(fr_id)
    {
        fr.domain = super::model::Domain::Document;
        fr.assigned = true;
        fr.last_updated = timestamp;
    }
    // The creator owns a new document; an update keeps the owner it had.
    let sharing = match existing {
        Some(document) => Sharing {
            owner: document.sharing.owner.clone(),
            ..Sharing::cleared(user.id, user)
        },
        None => Sharing::cleared(user.id, user),
    };
    let document = Document {
        id: uid.to_string(),
        name: input.name.unwrap_or_default(),
        code: input.code,
        url: input.url.unwrap_or_default(),
        external: input.external,
        content_type: input.content_type,
        attachment: input.attachment,
        created: existing.map_or(timestamp, |d| d.created),
        last_updated: timestamp,
        created_by: existing.map_or(user.id, |d| d.created_by),
        last_updated_by: user.id,
        sharing,
        file_resource,
        favorites: existing.map_or_else(Vec::new, |d| d.favorites.clone()),
        seq: match existing {
            Some(document) => document.seq,
            None => db.next_seq(),
        },
    };
    db.documents.insert(uid.to_string(), document);
}

/// A JSON body; one that does not parse is Jackson's 409.
pub fn parse_body(body: &Bytes) -> Result<Value, WebMessage> {
    serde_json::from_slice::<Value>(body)
        .map_err(|e| WebMessage::error(StatusCode::CONFLICT, e.to_string()))
}

pub async fn create(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let version = state.version;
    let kind = match metadata_mapping(&state, &headers) {
        Ok(kind) => kind,
        Err(refusal) => return refusal.into_response(),
    };
    if !user.can_create_document() {
        return forbidden(version, "create").into_response();
    }
    let input = match metadata_body(kind, &body) {
        Ok(value) => Input::from_json(&value),
        Err(message) => return message.into_response(),
    };
    // An id that passed validation is kept as given (`setAutoFields` only fills a missing one).
    let uid = input.id.clone().unwrap_or_else(|| state.db().fresh_uid());
    let reports = validate(&state, &input, true);
    if !reports.is_empty() {
        return import_conflict(&uid, DOCUMENT_KLASS, &reports, version).into_response();
    }
    save(&state, input, &uid, user, None);
    let base = state.base_url(&headers);
    WebMessage::new(StatusCode::CREATED, Status::Ok)
        .response(object_report(&uid, DOCUMENT_KLASS, &[], version))
        .location(&format!("{base}/api/documents/{uid}"))
        .into_response()
}

/// The shared tail of PUT and JSON-Patch PATCH: validation through the importer, then save.
fn import_update(
    state: &AppState,
    uid: &str,
    user: &'static User,
    existing: &Document,
    mut input: Input,
) -> Response {
    let version = state.version;
    input.id = Some(uid.to_string());
    let reports = validate(state, &input, false);
    if !reports.is_empty() {
        return import_conflict(uid, DOCUMENT_KLASS, &reports, version).into_response();
    }
    save(state, input, uid, user, Some(existing));
    WebMessage::new(StatusCode::OK, Status::Ok)
        .response(object_report(uid, DOCUMENT_KLASS, &[], version))
        .into_response()
}

/// The target of PUT/PATCH: 404 when missing or unreadable, 403 when not writable.
pub(crate) fn writable(state: &AppState, uid: &str, user: &User) -> Result<Document, WebMessage> {
    let document = readable(state, uid, user).ok_or_else(|| not_found(state.version, uid))?;
    if document.writable_by(user) && user.can_create_document() {
        Ok(document)
    } else {
        Err(forbidden(state.version, "update"))
    }
}

pub async fn update(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path(uid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let kind = match metadata_mapping(&state, &headers) {
        Ok(kind) => kind,
        Err(refusal) => return refusal.into_response(),
    };
    if let Some(refusal) = state.refuses_uid(&uid, true) {
        return refusal.into_response();
    }
    let existing = match writable(&state, &uid, user) {
        Ok(document) => document,
        Err(message) => return message.into_response(),
    };
    match metadata_body(kind, &body) {
        Ok(value) => import_update(&state, &uid, user, &existing, Input::from_json(&value)),
        Err(message) => message.into_response(),
    }
}

/// RFC 6902 on the document's writable fields (add/replace/remove).
fn apply_json_patch(document: &Document, patch: &Value) -> Result<Input, String> {
    let mut object: Map<String, Value> = match Input::from_document(document).to_json() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let operations = patch
        .as_array()
        .ok_or_else(|| "A JSON patch must be an array of operations".to_string())?;
    for operation in operations {
        let op = operation.get("op").and_then(Value::as_str).unwrap_or("");
        let path = operation.get("path").and_then(Value::as_str).unwrap_or("");
        let key = path.trim_start_matches('/').to_string();
        match op {
            "add" | "replace" => {
                let value = operation.get("value").cloned().unwrap_or(Value::Null);
                object.insert(key, value);
            }
            "remove" => {
                object.remove(&key);
            }
            other => return Err(format!("Unsupported JSON patch operation `{other}`")),
        }
    }
    Ok(Input::from_json(&Value::Object(object)))
}

pub async fn patch(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path(uid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let version = state.version;
    let json_patch = media_type(&headers) == "application/json-patch+json";
    if !json_patch && version.has(Change::LegacyJsonPatchRemoved) {
        return unsupported_media_type(version, &headers).into_response();
    }
    if let Some(refusal) = state.refuses_uid(&uid, true) {
        return refusal.into_response();
    }
    let existing = match writable(&state, &uid, user) {
        Ok(document) => document,
        Err(message) => return message.into_response(),
    };
    let value = match parse_body(&body) {
        Ok(value) => value,
        Err(message) => return message.into_response(),
    };
    if json_patch {
        return match apply_json_patch(&existing, &value) {
            Ok(input) => import_update(&state, &uid, user, &existing, input),
            Err(message) => WebMessage::error(StatusCode::BAD_REQUEST, message).into_response(),
        };
    }
    // ≤2.40 old partial update: merge the given properties, 204, no importer and no hooks.
    let mut db = state.db();
    if let Some(document) = db.documents.get_mut(&uid) {
        let given = Input::from_json(&value);
        if let Some(name) = given.name {
            document.name = name;
        }
        if value.get("code").is_some() {
            document.code = given.code;
        }
        if let Some(url) = given.url {
            document.url = url;
        }
        if value.get("external").is_some() {
            document.external = given.external;
        }
        if value.get("attachment").is_some() {
            document.attachment = given.attachment;
        }
        if value.get("contentType").is_some() {
            document.content_type = given.content_type;
        }
        document.last_updated = state.now();
        document.last_updated_by = user.id;
    }
    StatusCode::NO_CONTENT.into_response()
}

pub async fn delete(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path(uid): Path<String>,
) -> Response {
    let version = state.version;
    if let Some(refusal) = state.refuses_uid(&uid, true) {
        return refusal.into_response();
    }
    let Some(document) = readable(&state, &uid, user) else {
        return not_found(version, &uid).into_response();
    };
    let allowed = user.can_delete_document() && document.writable_by(user);
    let overridden = version.has(Change::DocumentDeleteOverride);
    if !allowed {
        if overridden {
            // DocumentController catches the ForbiddenException and reports a WARNING.
            return WebMessage::new(StatusCode::CONFLICT, Status::Warning)
                .message("One or more errors occurred, please see full details in import report.")
                .response(object_report(&uid, DOCUMENT_KLASS, &[], version))
                .into_response();
        }
        return forbidden(version, "delete").into_response();
    }
    {
        let mut db = state.db();
        db.delete_document(&uid, state.now());
        if overridden
            && let Some(fr_id) = &document.file_resource
            && let Some(fr) = db.file_resources.get_mut(fr_id)
        {
            fr.assigned = false;
            fr.last_updated = state.now();
        }
    }
    WebMessage::new(StatusCode::OK, Status::Ok)
        .response(object_report(&uid, DOCUMENT_KLASS, &[], version))
        .into_response()
}

pub async fn data(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path(uid): Path<String>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let Some(document) = readable(&state, &uid, user) else {
        // Still a plain `String` uid on 2.43, so a malformed one is a 404 too (§13.1).
        let message = if state.version.has(Change::Texts243) {
            format!("Document not found or not accessible: '{uid}'")
        } else {
            format!("Document not found for uid: {uid}")
        };
        return WebMessage::error(StatusCode::NOT_FOUND, message).into_response();
    };
    if document.external {
        let mut response = StatusCode::FOUND.into_response();
        if let Ok(location) = axum::http::HeaderValue::from_str(&document.url) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        return response;
    }
    let file_resource = document
        .file_resource
        .as_ref()
        .and_then(|id| state.db().file_resources.get(id).cloned());
    let Some(fr) = file_resource else {
        // A legacy file-system document whose file is not there.
        return WebMessage::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("File not found: documents/{}", document.url),
        )
        .into_response();
    };
    download::serve_stored(&state, &fr, uri.path()).await
}
