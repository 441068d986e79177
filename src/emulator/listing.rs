//! List endpoints: parameters, the pager and the envelope (dhis2-api.md §3.2).

use axum::Json;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use url::form_urlencoded;

use super::fields::Fields;
use super::model::Keys;
use super::query::{Filter, OrderBy, QueryError, Schema, parse_order, sort_order, split_filters};
use super::version::{Change, Dhis2Version};
use super::web_message::WebMessage;

const DEFAULT_PAGE_SIZE: i64 = 50;

/// The query string as ordered (name, value) pairs, `+` and `%xx` decoded as a servlet does.
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// All values of one parameter.
pub fn values(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

pub fn first(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// A filter, order or parameter error, with the version's status (409 before 2.40, then 400 E1003).
pub fn query_error(version: Dhis2Version, error: QueryError) -> WebMessage {
    if version.has(Change::FilterErrorIs400) {
        WebMessage::error(StatusCode::BAD_REQUEST, error.0).code("E1003")
    } else {
        WebMessage::error(StatusCode::CONFLICT, error.0)
    }
}

/// A request parameter that does not bind (2.40+ wording of `MethodArgumentTypeMismatchException`).
pub fn bad_parameter(name: &str, value: &str, type_name: &str) -> WebMessage {
    WebMessage::error(
        StatusCode::BAD_REQUEST,
        format!(
            "Value '{value}' is not valid for parameter {name}. It should be of type {type_name}"
        ),
    )
}

pub struct ListParams {
    page: i64,
    page_size: i64,
    paging: bool,
    fields: Fields,
    filters: Vec<Filter>,
    or: bool,
    order: Vec<OrderBy>,
    query: Option<String>,
    pairs: Vec<(String, String)>,
}

fn int_param(
    pairs: &[(String, String)],
    name: &str,
    default: i64,
    version: Dhis2Version,
) -> Result<i64, WebMessage> {
    match first(pairs, name) {
        None => Ok(default),
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(n) if n >= 1 => Ok(n),
            Ok(_) => Ok(default),
            Err(_) if version.has(Change::StrictListParams) => {
                Err(bad_parameter(name, &raw, "Integer"))
            }
            Err(_) => Ok(default),
        },
    }
}

impl ListParams {
    pub fn parse(
        pairs: Vec<(String, String)>,
        schema: &Schema,
        version: Dhis2Version,
    ) -> Result<ListParams, WebMessage> {
        let page = int_param(&pairs, "page", 1, version)?;
        let page_size = int_param(&pairs, "pageSize", DEFAULT_PAGE_SIZE, version)?;
        let paging = first(&pairs, "paging").is_none_or(|p| !p.eq_ignore_ascii_case("false"));
        let or = match first(&pairs, "rootJunction") {
            None => false,
            Some(j) if version.has(Change::StrictListParams) => {
                match j.to_ascii_uppercase().as_str() {
                    "AND" => false,
                    "OR" => true,
                    _ => {
                        return Err(WebMessage::error(
                            StatusCode::BAD_REQUEST,
                            format!(
                                "Value '{j}' is not valid for parameter rootJunction. Valid values are: [AND, OR]"
                            ),
                        ));
                    }
                }
            }
            Some(j) => j == "OR",
        };
        let mut raw_filters = values(&pairs, "filter");
        if version.has(Change::SplitsFiltersOnComma) {
            raw_filters = raw_filters.iter().flat_map(|f| split_filters(f)).collect();
        }
        let filters = raw_filters
            .iter()
            .map(|f| Filter::parse(f, schema, version))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| query_error(version, e))?;
        let fields = Fields::parse(&values(&pairs, "fields"));
        let fields = if fields.is_empty() {
            Fields::parse_str("id,displayName")
        } else {
            fields
        };
        Ok(ListParams {
            page,
            page_size,
            paging,
            fields,
            filters,
            or,
            order: parse_order(&values(&pairs, "order"), schema),
            query: first(&pairs, "query").filter(|q| !q.is_empty()),
            pairs,
        })
    }

    fn keeps(&self, object: &Value) -> bool {
        let filtered = if self.filters.is_empty() {
            true
        } else if self.or {
            self.filters.iter().any(|f| f.matches(object))
        } else {
            self.filters.iter().all(|f| f.matches(object))
        };
        let queried = self.query.as_ref().is_none_or(|q| {
            let field = |k: &str| object.get(k).and_then(Value::as_str).unwrap_or("");
            field("id") == q
                || field("code") == q
                || field("name").to_lowercase().contains(&q.to_lowercase())
        });
        filtered && queried
    }

    /// The top-level keys filtering and ordering read.
    fn keys_read(&self) -> Vec<&'static str> {
        let mut keys = vec!["id"];
        keys.extend(self.filters.iter().flat_map(|f| f.keys().iter().copied()));
        keys.extend(self.order.iter().map(OrderBy::key));
        if self.query.is_some() {
            keys.extend(["code", "name"]);
        }
        keys
    }

    /// Filters, orders, pages and projects `items` into `{"pager":…, "<wrapper>":[…]}`.
    /// `render` draws an item with the keys asked for: every item is drawn with only the keys
    /// that filtering and ordering read, and only the returned page in full.
    /// `collection_url` is the absolute URL of the list, for `nextPage`/`prevPage`.
    pub fn respond<T>(
        &self,
        items: &[T],
        render: impl Fn(&T, Keys) -> Value,
        version: Dhis2Version,
        collection_url: &str,
        wrapper: &str,
    ) -> Json<Value> {
        let keys = self.keys_read();
        let (kept, slim): (Vec<&T>, Vec<Value>) = items
            .iter()
            .map(|item| (item, render(item, Keys::Only(&keys))))
            .filter(|(_, object)| self.keeps(object))
            .unzip();
        let order = sort_order(&slim, &self.order);
        drop(slim);
        let mut body = Map::new();
        let page_items: Vec<usize> = if self.paging {
            let total = order.len() as i64;
            let page_count = (total + self.page_size - 1) / self.page_size;
            // The pager clamps the page it reports, but the offset uses the requested page.
            let page = self.page.min(page_count).max(1);
            let offset = (self.page - 1).saturating_mul(self.page_size);
            let mut pager = json!({
                "page": page, "total": total, "pageSize": self.page_size, "pageCount": page_count,
            });
            if page < page_count {
                pager["nextPage"] = json!(self.link(collection_url, page + 1));
            }
            if page > 1 {
                pager["prevPage"] = json!(self.link(collection_url, page - 1));
            }
            body.insert("pager".into(), pager);
            order
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(self.page_size).unwrap_or(usize::MAX))
                .collect()
        } else {
            order
        };
        let projected = page_items
            .into_iter()
            .map(|i| self.fields.apply(&render(kept[i], Keys::All), version))
            .collect();
        body.insert(wrapper.into(), Value::Array(projected));
        Json(Value::Object(body))
    }

    /// `DefaultLinkService`: `page=` (not for page 1), `pageSize=` when not 50, then the other
    /// parameters of the request.
    fn link(&self, collection_url: &str, page: i64) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        if self.page_size != DEFAULT_PAGE_SIZE {
            query.append_pair("pageSize", &self.page_size.to_string());
        }
        for (k, v) in &self.pairs {
            if k != "page" && k != "pageSize" {
                query.append_pair(k, v);
            }
        }
        let query = query.finish();
        if query.is_empty() {
            collection_url.to_string()
        } else {
            format!("{collection_url}?{query}")
        }
    }
}
