//! `/api/system/info`, `/api/system/ping`, `/api/me`, the login page and the external links target.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::fields::Fields;
use super::listing::{query_pairs, values};
use super::model::format_date;
use super::state::{CurrentUser, Shared};
use super::version::Change;

/// Projects with `fields`, defaulting to `*`.
fn with_fields(object: Value, raw_query: Option<&str>, state: &Shared) -> Json<Value> {
    let fields = Fields::parse(&values(&query_pairs(raw_query), "fields"));
    if fields.is_empty() {
        Json(object)
    } else {
        Json(fields.apply(&object, state.version))
    }
}

pub async fn info(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Json<Value> {
    let base = state.base_url(&headers);
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut info = json!({
        "contextPath": base,
        "userAgent": user_agent,
        "calendar": "iso8601",
        "dateFormat": "yyyy-mm-dd",
        "serverDate": format_date(state.now()),
        "serverTimeZoneId": "Etc/UTC",
        "serverTimeZoneDisplayName": "Coordinated Universal Time",
        "lastAnalyticsTableSuccess": "2025-11-24T02:00:13.412",
        "intervalSinceLastAnalyticsTableSuccess": "21 h, 57 m, 1 s",
        "lastAnalyticsTableRuntime": "6 m, 12 s",
        "version": state.version.to_string(),
        "revision": "d2f1e5a",
        "buildTime": "2025-06-12T09:41:27.000",
        "jasperReportsVersion": "6.20.6",
        "environmentVariable": "DHIS2_HOME",
        "systemId": "eed3d451-4ff5-4193-b951-ffcc68954299",
        "systemName": "Ministry of Health HMIS (d2files emulator)",
        "instanceBaseUrl": base,
        "emailConfigured": false,
        "redisEnabled": false,
        "systemMetadataVersion": "",
        "isMetadataVersionEnabled": false,
        "isMetadataSyncEnabled": false,
        "encryption": true,
    });
    if user.is_superuser() {
        info["javaVersion"] = json!("17.0.13");
        info["javaVendor"] = json!("Eclipse Adoptium");
        info["osName"] = json!("Linux");
        info["fileStoreProvider"] = json!("filesystem");
        info["cpuCores"] = json!(2);
        info["databaseInfo"] =
            json!({"spatialSupport": true, "databaseVersion": "PostgreSQL 16.4"});
    }
    with_fields(info, raw.as_deref(), &state)
}

/// Plain `pong`.
pub async fn ping() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain;charset=UTF-8")], "pong")
}

pub async fn me(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    RawQuery(raw): RawQuery,
) -> Json<Value> {
    let mut me = json!({
        "id": user.id,
        "username": user.username,
        "name": user.name(),
        "displayName": user.name(),
        "firstName": user.first_name,
        "surname": user.surname,
        "email": user.email,
        "created": "2021-01-12T08:00:00.000",
        "lastUpdated": "2025-10-02T14:11:09.552",
        "authorities": user.authorities,
        "userRoles": [],
        "userGroups": [],
        "organisationUnits": [{"id": "ImspTQPwCqd"}],
        "dataViewOrganisationUnits": [],
        "teiSearchOrganisationUnits": [],
        "settings": {"keyUiLocale": "en", "keyDbLocale": "en"},
        "programs": [],
        "dataSets": [],
        "patTokens": [],
        "twoFactorType": "NOT_ENABLED",
        "access": {"manage": true, "write": true, "read": true, "update": true, "delete": true},
    });
    // `access.externalize` went with external sharing (§9.6).
    if !state.version.has(Change::ExternalSharingRemoved) {
        me["access"]["externalize"] = json!(true);
    }
    with_fields(me, raw.as_deref(), &state)
}

/// An external document's target: unauthenticated, records whether credentials were sent
/// (the request log's `has_authorization`).
pub async fn external(Path(rest): Path<String>, headers: HeaderMap) -> Response {
    let credentials = if headers.contains_key(header::AUTHORIZATION) {
        "present"
    } else {
        "absent"
    };
    (
        [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
        format!("External resource /{rest}\nAuthorization header: {credentials}\n"),
    )
        .into_response()
}

/// What following the 302 of an anonymous request lands on.
pub async fn login_page() -> Html<&'static str> {
    Html(
        "<!doctype html><html><head><title>DHIS 2</title></head><body>\
         <form method=\"post\" action=\"dhis-web-commons-security/login.action\">\
         <input name=\"j_username\"><input name=\"j_password\" type=\"password\">\
         <button>Sign in</button></form></body></html>",
    )
}
