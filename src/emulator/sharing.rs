//! Sharing of documents (dhis2-api.md §9): `GET`, `POST` and `PUT /api/sharing?type=document&id=`
//! (`SharingController`) and `PUT /api/documents/{uid}/sharing` (`AbstractCrudController.setSharing`).
//! Documents are the only shareable type here; the data is `model::Sharing`.

use std::collections::BTreeMap;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::documents::{is_json, parse_body, property_of, unsupported_media_type, writable};
use super::listing::{first, query_pairs};
use super::model::{Document, Sharing, User, find_user, find_user_group, user_by_id};
use super::state::{AppState, CurrentUser, Shared};
use super::version::Change;
use super::web_message::{DOCUMENT_KLASS, ErrorReport, Status, WebMessage, container_error_page};

const SHARING_KLASS: &str = "org.hisp.dhis.user.sharing.Sharing";
/// The schema's singular name, the only `type` this emulator shares (matched exactly, §9.2).
const DOCUMENT_TYPE: &str = "document";
/// Positions 5–8 of an access string, always unused.
const UNUSED_TAIL: &str = "----";

/// `AccessStringHelper.isValid`: eight characters, `r`/`w` or `-` in the first four, the
/// rest `-`; case-sensitive (§9.1).
fn is_valid_access(access: &str) -> bool {
    let bytes = access.as_bytes();
    bytes.len() == 8
        && matches!(bytes[0], b'r' | b'-')
        && matches!(bytes[1], b'w' | b'-')
        && matches!(bytes[2], b'r' | b'-')
        && matches!(bytes[3], b'w' | b'-')
        && &bytes[4..] == UNUSED_TAIL.as_bytes()
}

/// Whether a valid access string grants data rights, which documents do not have.
fn has_data_bits(access: &str) -> bool {
    access.get(2..4).is_some_and(|data| data != "--")
}

/// `disableDataSharing`: the metadata part kept, the data part cleared.
fn without_data_bits(access: &str) -> String {
    format!("{}--{UNUSED_TAIL}", access.get(..2).unwrap_or("--"))
}

/// `?type=…&id=…`, both required (Spring's 400 page otherwise). The refusal is boxed: it
/// travels in a `Result`.
fn target(raw: Option<&str>) -> Result<(String, String), Box<Response>> {
    let pairs = query_pairs(raw);
    let required = |name: &str| {
        first(&pairs, name).ok_or_else(|| {
            Box::new(container_error_page(
                StatusCode::BAD_REQUEST,
                &format!(
                    "Required request parameter '{name}' for method parameter type String is not present"
                ),
            ))
        })
    };
    Ok((required("type")?, required("id")?))
}

/// Steps 1 and 2 of every `/api/sharing` request: the type, then the object looked up without
/// ACL (its id is not format-checked).
fn shared_object(state: &AppState, kind: &str, id: &str) -> Result<Document, WebMessage> {
    if kind != DOCUMENT_TYPE {
        return Err(WebMessage::error(
            StatusCode::CONFLICT,
            format!("Type {kind} is not supported."),
        ));
    }
    state.db().documents.get(id).cloned().ok_or_else(|| {
        WebMessage::error(
            StatusCode::NOT_FOUND,
            format!("Object of type {kind} with ID {id} was not found."),
        )
    })
}

/// The refusal of `/api/sharing`, worded "manage" also for a read (sic, §9.2).
fn no_manage_access(state: &AppState) -> WebMessage {
    WebMessage::error(
        StatusCode::FORBIDDEN,
        "You do not have manage access to this object.",
    )
    .code_if(state.version.has(Change::SharingForbiddenCode), "E1006")
}

/// `GET /api/sharing?type=document&id=UID`.
pub async fn read(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (kind, id) = match target(raw.as_deref()) {
        Ok(target) => target,
        Err(response) => return *response,
    };
    let document = match shared_object(&state, &kind, &id) {
        Ok(document) => document,
        Err(message) => return message.into_response(),
    };
    if !document.readable_by(user) {
        return no_manage_access(&state).into_response();
    }
    let body = json!({
        "meta": meta(&state, user),
        "object": object(&state, &document, user),
    });
    ([(header::CACHE_CONTROL, "no-cache")], Json(body)).into_response()
}

/// What the caller may change: `allowPublicAccess`, and `allowExternalAccess` while it exists.
fn meta(state: &AppState, user: &User) -> Value {
    let mut meta = json!({"allowPublicAccess": user.can_make_public()});
    if !state.version.has(Change::ExternalSharingRemoved) {
        meta["allowExternalAccess"] = json!(user.can_make_external());
    }
    meta
}

/// The `object` of the answer: `user` is the creator, not the owner; groups sorted by name;
/// an entry naming no user or group is left out (§9.2).
fn object(state: &AppState, document: &Document, user: &User) -> Value {
    let sharing = &document.sharing;
    // A null public string reads as what the caller could set it to.
    let public = sharing.public.clone().unwrap_or_else(|| {
        if user.can_make_public() {
            "rw------"
        } else {
            "--------"
        }
        .to_string()
    });
    let creator = user_by_id(document.created_by);
    let mut groups: Vec<(&str, &str, &String)> = sharing
        .user_groups
        .iter()
        .filter_map(|(id, access)| find_user_group(id).map(|g| (g.id, g.name, access)))
        .collect();
    groups.sort_by_key(|(_, name, _)| *name);
    let users: Vec<Value> = sharing
        .users
        .iter()
        .filter_map(|(id, access)| find_user(id).map(|u| access_entry(u.id, &u.name(), access)))
        .collect();
    let mut object = json!({
        "id": document.id,
        "name": document.name,
        "displayName": document.name,
        "publicAccess": public,
        "user": {"id": creator.id, "name": creator.name()},
        "userGroupAccesses": groups
            .into_iter()
            .map(|(id, name, access)| access_entry(id, name, access))
            .collect::<Vec<_>>(),
        "userAccesses": users,
    });
    if !state.version.has(Change::ExternalSharingRemoved) {
        object["externalAccess"] = json!(sharing.external);
    }
    object
}

/// Whether `user` may change a document's external access here: with the right, and while the
/// version still has it (afterwards the property is unknown, so ignored).
fn may_set_external(state: &AppState, user: &User) -> bool {
    user.can_make_external() && !state.version.has(Change::ExternalSharingRemoved)
}

fn access_entry(id: &str, name: &str, access: &str) -> Value {
    json!({"id": id, "name": name, "displayName": name, "access": access})
}

/// `POST` or `PUT /api/sharing?type=document&id=UID` (the two are one handler in DHIS2).
pub async fn write(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Spring matches `consumes` before anything of the handler runs.
    if !is_json(&headers) {
        return unsupported_media_type(state.version, &headers).into_response();
    }
    let (kind, id) = match target(raw.as_deref()) {
        Ok(target) => target,
        Err(response) => return *response,
    };
    match write_sharing(&state, user, &kind, &id, &body) {
        Ok(()) => WebMessage::new(StatusCode::OK, Status::Ok)
            .message("Access control set")
            .into_response(),
        Err(message) => message.into_response(),
    }
}

/// §9.3's steps in order; nothing is saved unless every step passes.
fn write_sharing(
    state: &AppState,
    user: &'static User,
    kind: &str,
    id: &str,
    body: &Bytes,
) -> Result<(), WebMessage> {
    let document = shared_object(state, kind, id)?;
    if !(user.can_create_document() && document.writable_by(user)) {
        return Err(no_manage_access(state));
    }
    let body = parse_body(body)?;
    let sent = body.get("object").cloned().unwrap_or_else(|| json!({}));
    let public = sent.get("publicAccess").and_then(Value::as_str);
    if let Some(public) = public.filter(|p| !is_valid_access(p)) {
        return Err(WebMessage::error(
            StatusCode::CONFLICT,
            format!("Invalid public access string: {public}"),
        ));
    }
    let mut sharing = document.sharing.clone();
    // Without the right to make documents public the string is ignored, without a word; with
    // it, an absent one is stored as null.
    if user.can_make_public() {
        sharing.public = public.map(without_data_bits);
    }
    // Step 5: read into a primitive, so an absent one is `false`; ignored without the right,
    // and once the version has no external sharing (an unknown property then).
    if may_set_external(state, user) {
        sharing.external = sent.get("externalAccess").and_then(Value::as_bool) == Some(true);
    }
    sharing.user_groups = listed_accesses(&sent, "userGroupAccesses", "user group", |id| {
        find_user_group(id).is_some()
    })?;
    sharing.users = listed_accesses(&sent, "userAccesses", "user", |id| find_user(id).is_some())?;
    let mut db = state.db();
    if let Some(stored) = db.documents.get_mut(id) {
        stored.sharing = sharing;
        stored.last_updated = state.now();
        stored.last_updated_by = user.id;
    }
    Ok(())
}

/// One of the body's lists, which replaces the stored one: a bad string refuses the request,
/// an id that names no one is dropped, data rights are cleared. An entry without an access
/// string is dropped too (DHIS2 would store null, which its ACL reads as every right).
fn listed_accesses(
    sent: &Value,
    key: &str,
    what: &str,
    exists: impl Fn(&str) -> bool,
) -> Result<BTreeMap<String, String>, WebMessage> {
    let mut accesses = BTreeMap::new();
    for entry in sent
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(id), Some(access)) = (
            entry.get("id").and_then(Value::as_str),
            entry.get("access").and_then(Value::as_str),
        ) else {
            continue;
        };
        if !is_valid_access(access) {
            return Err(WebMessage::error(
                StatusCode::CONFLICT,
                format!("Invalid {what} access string: {access}"),
            ));
        }
        if exists(id) {
            accesses.insert(id.to_string(), without_data_bits(access));
        }
    }
    Ok(accesses)
}

/// `GET /api/documents/{uid}/sharing`: the `sharing` property, like any other.
pub async fn read_document_sharing(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path(uid): Path<String>,
    headers: HeaderMap,
) -> Response {
    property_of(&state, user, &uid, "sharing", &headers)
}

/// `PUT /api/documents/{uid}/sharing` with a bare `Sharing` (§9.4): saved as sent, checked
/// after the save, so a 409 still changed the document.
pub async fn replace_document_sharing(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path(uid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let version = state.version;
    if !is_json(&headers) {
        return unsupported_media_type(version, &headers).into_response();
    }
    if let Some(refusal) = state.refuses_uid(&uid, true) {
        return refusal.into_response();
    }
    let document = match writable(&state, &uid, user) {
        Ok(document) => document,
        Err(refusal) => return refusal.into_response(),
    };
    let sent = match parse_body(&body) {
        Ok(value) => value,
        Err(message) => return message.into_response(),
    };
    let text = |key: &str| sent.get(key).and_then(Value::as_str).map(str::to_string);
    let sharing = Sharing {
        // Copied verbatim: omitting it clears the owner.
        owner: text("owner"),
        public: if user.can_make_public() {
            text("public")
        } else {
            document.sharing.public.clone()
        },
        external: if may_set_external(&state, user) {
            sent.get("external").and_then(Value::as_bool) == Some(true)
        } else {
            document.sharing.external
        },
        users: mapped_accesses(&sent, "users", |id| find_user(id).is_some()),
        user_groups: mapped_accesses(&sent, "userGroups", |id| find_user_group(id).is_some()),
    };
    let reports = sharing_reports(&sharing);
    if let Some(stored) = state.db().documents.get_mut(&uid) {
        stored.sharing = sharing;
        stored.last_updated = state.now();
        stored.last_updated_by = user.id;
    }
    if reports.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    WebMessage::error(
        StatusCode::CONFLICT,
        "One or more errors occurred, please see full details in import report.",
    )
    .response(type_report(&reports, &state))
    .into_response()
}

/// A `users` or `userGroups` map: the keys are ignored, each entry's own `id` counts, and one
/// without an id that names someone is dropped.
fn mapped_accesses(
    sent: &Value,
    key: &str,
    exists: impl Fn(&str) -> bool,
) -> BTreeMap<String, String> {
    sent.get(key)
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::values)
        .filter_map(|entry| {
            let id = entry.get("id").and_then(Value::as_str)?;
            let access = entry.get("access").and_then(Value::as_str)?;
            exists(id).then(|| (id.to_string(), access.to_string()))
        })
        .collect()
}

/// `DefaultSharingService`'s checks, run on what was saved: E3015 for the public string,
/// E3016 once for data rights anywhere, then E3017 per group and E3018 per user.
fn sharing_reports(sharing: &Sharing) -> Vec<ErrorReport> {
    let report = |code, message: String, value: &str| {
        ErrorReport::new(code, SHARING_KLASS, message, &[value])
    };
    let mut reports = Vec::new();
    if let Some(public) = sharing.public.as_deref().filter(|p| !is_valid_access(p)) {
        reports.push(report(
            "E3015",
            format!("Invalid public access string: `{public}`"),
            public,
        ));
    }
    let every = || {
        sharing
            .public
            .iter()
            .chain(sharing.user_groups.values())
            .chain(sharing.users.values())
    };
    if every().any(|access| is_valid_access(access) && has_data_bits(access)) {
        reports.push(ErrorReport::new(
            "E3016",
            SHARING_KLASS,
            "Data sharing is not enabled for this object".to_string(),
            &[],
        ));
    }
    for (code, what, accesses) in [
        ("E3017", "user group", &sharing.user_groups),
        ("E3018", "user", &sharing.users),
    ] {
        for access in accesses.values().filter(|a| !is_valid_access(a)) {
            reports.push(report(
                code,
                format!("Invalid {what} access string: `{access}`"),
                access,
            ));
        }
    }
    reports
}

/// The TypeReport a refused sharing update answers with; each report names the document's
/// class as `errorKlass`.
fn type_report(reports: &[ErrorReport], state: &AppState) -> Value {
    let version = state.version;
    let errors: Vec<Value> = reports
        .iter()
        .map(|report| {
            let mut json = report.to_json(version);
            json["errorKlass"] = json!(DOCUMENT_KLASS);
            json
        })
        .collect();
    let zero = json!({"created": 0, "updated": 0, "deleted": 0, "ignored": 0, "total": 0});
    json!({
        "responseType": "TypeReport",
        "klass": SHARING_KLASS,
        "stats": zero,
        "objectReports": [{"klass": SHARING_KLASS, "index": 0, "errorReports": errors}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_strings_follow_access_string_helper() {
        for valid in ["--------", "r-------", "rw------", "-w------", "rwrw----"] {
            assert!(is_valid_access(valid), "{valid}");
        }
        for invalid in [
            "rwx-----",
            "RW------",
            "rw-----",
            "rw-------",
            "rw----r-",
            "ééé",
        ] {
            assert!(!is_valid_access(invalid), "{invalid}");
        }
        assert!(has_data_bits("rwr-----"));
        assert!(!has_data_bits("rw------"));
        assert_eq!(without_data_bits("rwrw----"), "rw------");
        assert_eq!(without_data_bits("r-r-----"), "r-------");
    }
}
