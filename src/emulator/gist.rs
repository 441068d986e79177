//! DHIS2 2.44's Gist bridge (dhis2-api.md §13.5): which metadata list requests the Gist backend
//! answers instead of the metadata engine, and how its pager differs. The list itself is drawn
//! in `listing.rs`; `like` under Gist is `query.rs`'s [`Engine::Gist`](super::query::Engine).
//!
//! A request is bridged when `gist=true` forces it, or, unless `gist=false` forbids it, when
//! all of these hold: only the parameters below are present; paging is on; no `fields`, or
//! fields that are plain (no preset, `href` or `access`, at most two levels through an
//! identifiable reference, the leaf simple and persisted, `sharing` or a root `display*`);
//! filters whose text has neither `token` nor `display`, on one-level persisted properties;
//! orders that are not `iasc`/`idesc`, on one-level simple properties that are persisted or
//! `display*`.

use super::fields::Fields;
use super::query::{Filter, PropType, Schema, is_persisted};
use super::version::{Change, Dhis2Version};
use super::web_message::WebMessage;
use axum::http::StatusCode;

/// The largest page a Gist list gives.
pub const MAX_PAGE_SIZE: i64 = 1000;

/// The only parameters a bridged request may carry.
const BRIDGED_PARAMETERS: &[&str] = &[
    "fields",
    "filter",
    "order",
    "page",
    "pageSize",
    "paging",
    "locale",
    "rootJunction",
    "gist",
];

/// `gist=` as Spring binds a `Boolean`; `None` when absent.
fn gist_parameter(pairs: &[(String, String)]) -> Result<Option<bool>, WebMessage> {
    let Some((_, value)) = pairs.iter().find(|(name, _)| name == "gist") else {
        return Ok(None);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => Ok(Some(true)),
        "false" | "off" | "no" | "0" | "" => Ok(Some(false)),
        _ => Err(WebMessage::error(
            StatusCode::BAD_REQUEST,
            format!(
                "Value '{value}' is not valid for parameter gist. It should be of type Boolean"
            ),
        )),
    }
}

fn is_simple(ty: PropType) -> bool {
    matches!(
        ty,
        PropType::Text | PropType::Bool | PropType::Date | PropType::Int(_) | PropType::Enum(..)
    )
}

/// A root `display*` field (translated, computed).
fn is_display(name: &str) -> bool {
    name.starts_with("display")
}

/// The leaf fields of a user reference a Gist list can draw.
const REFERENCE_LEAVES: &[&str] = &["id", "code", "name", "username"];

fn fields_qualify(fields: &Fields, schema: &Schema) -> bool {
    if fields.is_empty() {
        // No `fields` means `id,displayName`, which qualifies.
        return true;
    }
    let Some(paths) = fields.plain_paths() else {
        return false;
    };
    paths.iter().all(|(name, children)| {
        let Some(prop) = schema.get(name) else {
            return false;
        };
        if children.is_empty() {
            name == "sharing" || is_display(name) || (is_simple(prop.ty) && is_persisted(name))
        } else {
            matches!(prop.ty, PropType::UserRef)
                && children
                    .iter()
                    .all(|child| REFERENCE_LEAVES.contains(&child.as_str()))
        }
    })
}

fn orders_qualify(orders: &[String], schema: &Schema) -> bool {
    orders
        .iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|clause| !clause.is_empty())
        .all(|clause| {
            let (name, direction) = clause.split_once(':').unwrap_or((clause, "asc"));
            let direction = direction.to_ascii_lowercase();
            direction != "iasc"
                && direction != "idesc"
                && !name.contains('.')
                && schema.get(name).is_some_and(|prop| {
                    is_simple(prop.ty) && (is_persisted(name) || is_display(name))
                })
        })
}

/// What a list request asks, as the bridge looks at it.
pub struct Request<'a> {
    /// Every query parameter, in order.
    pub pairs: &'a [(String, String)],
    pub fields: &'a Fields,
    /// The filters as written (after 2.42's comma splitting) and as parsed.
    pub raw_filters: &'a [String],
    pub filters: &'a [Filter],
    /// The `order` values as written.
    pub orders: &'a [String],
    pub paging: bool,
}

/// Whether the Gist backend answers this list request (always `false` before 2.44).
pub fn bridged(
    version: Dhis2Version,
    request: &Request,
    schema: &Schema,
) -> Result<bool, WebMessage> {
    if !version.has(Change::GistLists) {
        return Ok(false);
    }
    let Request {
        pairs,
        fields,
        raw_filters,
        filters,
        orders,
        paging,
    } = *request;
    match gist_parameter(pairs)? {
        Some(forced) if forced => return Ok(true),
        Some(_) => return Ok(false),
        None => {}
    }
    let only_bridged = pairs
        .iter()
        .all(|(name, _)| BRIDGED_PARAMETERS.contains(&name.as_str()));
    let filters_qualify = raw_filters
        .iter()
        .all(|text| !text.contains("token") && !text.contains("display"))
        && filters.iter().all(Filter::is_plain_persisted);
    Ok(only_bridged
        && paging
        && fields_qualify(fields, schema)
        && filters_qualify
        && orders_qualify(orders, schema))
}

/// A Gist pager's link: the request URL as the servlet saw it (its own scheme, host and port,
/// not the forwarded ones), with `page` replaced, so it comes last and is there for page 1 too.
pub fn link(servlet_url: &str, raw_query: Option<&str>, page: i64) -> String {
    let mut pieces: Vec<&str> = raw_query
        .unwrap_or("")
        .split('&')
        .filter(|piece| !piece.is_empty())
        .filter(|piece| {
            let name = piece.split('=').next().unwrap_or("");
            name != "page"
        })
        .collect();
    let page = format!("page={page}");
    pieces.push(&page);
    format!("{servlet_url}?{}", pieces.join("&"))
}
