//! `/api/dashboards` as far as documents matter (dhis2-api.md §10): the list with the nested
//! `dashboardItems.resources.id` filter, and one dashboard. The dashboards, their JSON and what
//! deleting a document does to them (the same on every version) are in `model.rs`.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::documents;
use super::fields::Fields;
use super::listing::{ListParams, query_pairs, values};
use super::model::Dashboard;
use super::query::{Prop, PropType, Schema};
use super::state::{CurrentUser, Shared};
use super::version::{Change, Dhis2Version};
use super::web_message::WebMessage;

/// What a filter may reach inside `dashboardItems` (the same on every version).
fn item_schema(_: Dhis2Version) -> Schema {
    let prop = |name, ty| Prop { name, ty };
    Schema {
        props: vec![
            prop("id", PropType::Text),
            prop("type", PropType::Text),
            prop("contentCount", PropType::Int("Integer")),
            prop("resources", PropType::Objects(documents::schema)),
        ],
    }
}

fn schema(version: Dhis2Version) -> Schema {
    let prop = |name, ty| Prop { name, ty };
    Schema::identifiable(
        version,
        vec![
            prop("dashboardItems", PropType::Objects(item_schema)),
            prop("itemCount", PropType::Int("Integer")),
        ],
    )
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
    let dashboards: Vec<&Dashboard> = db.dashboards.values().collect();
    params.respond(
        &dashboards,
        // Dashboards are few: each is drawn whole, whatever keys the list reads.
        |dashboard, _| dashboard.to_json(&ctx, &db.documents),
        version,
        &state.list_urls(&headers, "dashboards"),
        "dashboards",
    )
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
    let base = state.base_url(&headers);
    let ctx = state.render_context(user, &base);
    let db = state.db();
    let Some(dashboard) = db.dashboards.get(&uid) else {
        return WebMessage::error(
            StatusCode::NOT_FOUND,
            format!("Dashboard with id {uid} could not be found."),
        )
        .code_if(version.has(Change::ErrorCodes), "E1005")
        .into_response();
    };
    let fields = Fields::parse(&values(&query_pairs(raw.as_deref()), "fields"));
    let fields = if fields.is_empty() {
        Fields::all()
    } else {
        fields
    };
    Json(fields.apply(&dashboard.to_json(&ctx, &db.documents), version)).into_response()
}
