//! `/api/dashboards` as far as documents matter (dhis2-api.md §10): dashboards, their items and
//! the documents each item shows; the list with the nested `dashboardItems.resources.id`
//! filter, one dashboard, and what deleting a document does to them (the same on every
//! version).

use std::collections::BTreeMap;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use serde_json::{Value, json};

use super::documents;
use super::fields::Fields;
use super::listing::{ListParams, query_pairs, values};
use super::model::{Document, RenderContext, format_date, now};
use super::query::{Prop, PropType, Schema};
use super::state::{CurrentUser, Shared};
use super::version::Dhis2Version;
use super::web_message::WebMessage;

#[derive(Clone, Debug)]
pub struct Dashboard {
    pub id: String,
    pub name: String,
    pub created: NaiveDateTime,
    pub last_updated: NaiveDateTime,
    pub items: Vec<DashboardItem>,
}

#[derive(Clone, Debug)]
pub struct DashboardItem {
    pub id: String,
    /// The uid of the chart it embeds (the emulator has no visualizations, only their uids).
    pub visualization: Option<String>,
    /// Document uids, in the order the item shows them (a document may repeat).
    pub resources: Vec<String>,
}

impl DashboardItem {
    /// `DashboardItem.getType`: the first kind of content it has wins, embedded objects before
    /// documents, so RESOURCES means documents and nothing else (§10.1).
    fn item_type(&self) -> Option<&'static str> {
        if self.visualization.is_some() {
            Some("VISUALIZATION")
        } else if !self.resources.is_empty() {
            Some("RESOURCES")
        } else {
            None
        }
    }

    fn to_json(&self, ctx: &RenderContext, documents: &BTreeMap<String, Document>) -> Value {
        let mut item = json!({
            "id": self.id,
            "contentCount": self.resources.len() + usize::from(self.visualization.is_some()),
            // Whole documents, so a filter on any document property sees it; `fields` narrows.
            "resources": self
                .resources
                .iter()
                .filter_map(|uid| documents.get(uid))
                .map(|document| document.to_json(ctx))
                .collect::<Vec<_>>(),
        });
        if let Some(kind) = self.item_type() {
            item["type"] = json!(kind);
        }
        if let Some(uid) = &self.visualization {
            item["visualization"] = json!({ "id": uid });
        }
        item
    }
}

impl Dashboard {
    fn to_json(&self, ctx: &RenderContext, documents: &BTreeMap<String, Document>) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "displayName": self.name,
            "created": format_date(self.created),
            "lastUpdated": format_date(self.last_updated),
            "href": format!("{}/api/dashboards/{}", ctx.base_url, self.id),
            "itemCount": self.items.len(),
            "dashboardItems": self
                .items
                .iter()
                .map(|item| item.to_json(ctx, documents))
                .collect::<Vec<_>>(),
            "favorites": [],
            "translations": [],
            "attributeValues": [],
        })
    }
}

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

pub fn schema(version: Dhis2Version) -> Schema {
    let prop = |name, ty| Prop { name, ty };
    Schema::identifiable(
        version,
        vec![
            prop("dashboardItems", PropType::Objects(item_schema)),
            prop("itemCount", PropType::Int("Integer")),
        ],
    )
}

/// `DashboardItemDeletionHandler` and `DashboardDeletionHandler` (§10.3): the document leaves
/// every item, every occurrence of it; an item left without documents is deleted and leaves its
/// dashboard. The dashboard itself stays, even with no items left.
pub fn remove_document(dashboards: &mut BTreeMap<String, Dashboard>, uid: &str) {
    for dashboard in dashboards.values_mut() {
        let mut touched = false;
        dashboard.items.retain_mut(|item| {
            if !item.resources.iter().any(|shown| shown == uid) {
                return true;
            }
            touched = true;
            item.resources.retain(|shown| shown != uid);
            !item.resources.is_empty()
        });
        if touched {
            dashboard.last_updated = now();
        }
    }
}

pub async fn list(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let version = state.version;
    let params = match ListParams::parse(query_pairs(raw.as_deref()), &schema(version), version) {
        Ok(params) => params,
        Err(message) => return message.into_response(),
    };
    let base = state.base_url(&headers);
    let ctx = state.render_context(user, &base);
    let db = state.db();
    let dashboards: Vec<&Dashboard> = db.dashboards.values().collect();
    params
        .respond(
            &dashboards,
            // Dashboards are few: each is drawn whole, whatever keys the list reads.
            |dashboard, _| dashboard.to_json(&ctx, &db.documents),
            version,
            &format!("{base}/api/dashboards"),
            "dashboards",
        )
        .into_response()
}

pub async fn get_one(
    State(state): State<Shared>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    Path(uid): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let version = state.version;
    // 2.42 maps GET only for `[a-zA-Z0-9]{11}`, as for documents.
    if version.malformed_uid_is_405()
        && !(uid.len() == 11 && uid.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return state.method_not_allowed(&Method::GET).into_response();
    }
    let base = state.base_url(&headers);
    let ctx = state.render_context(user, &base);
    let db = state.db();
    let Some(dashboard) = db.dashboards.get(&uid) else {
        return WebMessage::error(
            StatusCode::NOT_FOUND,
            format!("Dashboard with id {uid} could not be found."),
        )
        .code_if(version.has_error_codes(), "E1005")
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
