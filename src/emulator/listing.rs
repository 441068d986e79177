//! List endpoints: parameters, the pager and the envelope (dhis2-api.md §3.2), where each
//! filter runs (§12.1), and on 2.44 the Gist-served form (§13.5, `gist.rs`).

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use url::form_urlencoded;

use super::fields::Fields;
use super::gist;
use super::model::{Keys, Listed};
use super::query::{
    Engine, Filter, OrderBy, OrderError, QueryError, Schema, default_order, is_persisted,
    parse_order, sort_order, split_filters,
};
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
    /// The orders asked for (none: the engine's default).
    order: Vec<OrderBy>,
    query: Option<String>,
    pairs: Vec<(String, String)>,
    raw_query: Option<String>,
    /// 2.44: the Gist backend answers (§13.5).
    gist: bool,
}

/// Where a list's pager links point: the API as the client addressed it (forwarded headers
/// honoured, for the metadata engine) and as the servlet saw it (for Gist).
pub struct ListUrls {
    pub collection: String,
    pub servlet: String,
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

/// Decides where each filter runs (§12.1): the database takes a filter on a plain persisted
/// property; `rootJunction=OR` over two or more filters sends all to memory, unless (2.42+)
/// every one can go to the database; on 2.38.0–2.38.1 one filter or order the database cannot
/// take sends the whole query to memory; a Gist list runs them all its own way.
fn plan(filters: &mut [Filter], or: bool, order: &[OrderBy], gist: bool, version: Dhis2Version) {
    let all_eligible = filters.iter().all(Filter::db_eligible);
    let or_over_several = or && filters.len() >= 2;
    let whole_in_memory = if version.has(Change::PerFilterPlanning) {
        or_over_several && !(version.has(Change::OrStaysInDb) && all_eligible)
    } else {
        !all_eligible || or_over_several || order.iter().any(|o| !is_persisted(o.key()))
    };
    for filter in filters.iter_mut() {
        let engine = if gist {
            Engine::Gist
        } else if whole_in_memory || !filter.db_eligible() {
            Engine::Memory
        } else {
            Engine::Db
        };
        filter.run_in(engine);
    }
}

impl ListParams {
    pub fn parse(
        raw_query: Option<&str>,
        schema: &Schema,
        version: Dhis2Version,
    ) -> Result<ListParams, WebMessage> {
        let pairs = query_pairs(raw_query);
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
        let mut filters = raw_filters
            .iter()
            .map(|f| Filter::parse(f, schema, version))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| query_error(version, e))?;
        let orders = values(&pairs, "order");
        let order = parse_order(&orders, schema, version)
            .map_err(|OrderError(message)| WebMessage::error(StatusCode::BAD_REQUEST, message))?;
        let fields = Fields::parse(&values(&pairs, "fields"));
        let request = gist::Request {
            pairs: &pairs,
            fields: &fields,
            raw_filters: &raw_filters,
            filters: &filters,
            orders: &orders,
            paging,
        };
        let gist = gist::bridged(version, &request, schema)?;
        plan(&mut filters, or, &order, gist, version);
        let fields = if fields.is_empty() {
            Fields::parse_str("id,displayName")
        } else {
            fields
        };
        Ok(ListParams {
            page,
            page_size: if gist {
                page_size.min(gist::MAX_PAGE_SIZE)
            } else {
                page_size
            },
            paging,
            fields,
            filters,
            or,
            order,
            query: first(&pairs, "query").filter(|q| !q.is_empty()),
            pairs,
            raw_query: raw_query.map(str::to_string),
            gist,
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

    /// The orders a sort uses: those asked for, else the engine's default (the metadata
    /// engine's `name` case-insensitive; Gist's none, leaving creation order).
    fn orders(&self) -> Vec<OrderBy> {
        if self.order.is_empty() && !self.gist {
            default_order()
        } else {
            self.order.clone()
        }
    }

    /// The top-level keys filtering and ordering read.
    fn keys_read(&self, orders: &[OrderBy]) -> Vec<&'static str> {
        let mut keys = vec!["id"];
        keys.extend(self.filters.iter().flat_map(|f| f.keys().iter().copied()));
        keys.extend(orders.iter().map(OrderBy::key));
        if self.query.is_some() {
            keys.extend(["code", "name"]);
        }
        keys
    }

    /// Filters, orders, pages and projects `items` into `{"pager":…, "<wrapper>":[…]}`, or on
    /// a Gist list `{"pager":…, "gist":true, "<wrapper>":[…]}` with Gist's pager and the keys
    /// in the order `fields` gave them. `render` draws an item with the keys asked for: every
    /// item is drawn with only the keys that filtering and ordering read, and only the
    /// returned page in full.
    pub fn respond<T: Listed>(
        &self,
        items: &[T],
        render: impl Fn(&T, Keys) -> Value,
        version: Dhis2Version,
        urls: &ListUrls,
        wrapper: &str,
    ) -> Response {
        let orders = self.orders();
        let keys = self.keys_read(&orders);
        let (kept, slim): (Vec<&T>, Vec<Value>) = items
            .iter()
            .map(|item| (item, render(item, Keys::Only(&keys))))
            .filter(|(_, object)| self.keeps(object))
            .unzip();
        let seqs: Vec<u64> = kept.iter().map(|item| item.seq()).collect();
        let order = sort_order(&slim, &orders, self.gist.then_some(seqs.as_slice()));
        drop(slim);
        let total = order.len() as i64;
        let page_count = (total + self.page_size - 1) / self.page_size;
        let offset = (self.page - 1).saturating_mul(self.page_size);
        let page_items: Vec<usize> = if self.paging {
            order
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(self.page_size).unwrap_or(usize::MAX))
                .collect()
        } else {
            order
        };
        let projected: Vec<Value> = page_items
            .into_iter()
            .map(|i| self.fields.apply(&render(kept[i], Keys::All), version))
            .collect();
        if self.gist {
            return self.gist_body(total, page_count, &projected, urls, wrapper);
        }
        let mut body = Map::new();
        if self.paging {
            // The pager clamps the page it reports, but the offset uses the requested page.
            let page = self.page.min(page_count).max(1);
            let mut pager = json!({
                "page": page, "total": total, "pageSize": self.page_size, "pageCount": page_count,
            });
            if page < page_count {
                pager["nextPage"] = json!(self.link(&urls.collection, page + 1));
            }
            if page > 1 {
                pager["prevPage"] = json!(self.link(&urls.collection, page - 1));
            }
            body.insert("pager".into(), pager);
        }
        body.insert(wrapper.into(), Value::Array(projected));
        Json(Value::Object(body)).into_response()
    }

    /// A Gist list (§13.5): the requested page, never clamped; `pageSize` capped at 1000;
    /// links to the request URL with `page` replaced; keys written in the order asked for.
    fn gist_body(
        &self,
        total: i64,
        page_count: i64,
        projected: &[Value],
        urls: &ListUrls,
        wrapper: &str,
    ) -> Response {
        let mut body = String::from("{");
        if self.paging {
            let mut pager = format!(
                "\"page\":{},\"pageSize\":{},\"total\":{total},\"pageCount\":{page_count}",
                self.page, self.page_size
            );
            let link =
                |page| Value::from(gist::link(&urls.servlet, self.raw_query.as_deref(), page));
            if self.page > 1 {
                pager.push_str(&format!(",\"prevPage\":{}", link(self.page - 1)));
            }
            if self.page < page_count {
                pager.push_str(&format!(",\"nextPage\":{}", link(self.page + 1)));
            }
            body.push_str(&format!("\"pager\":{{{pager}}},"));
        }
        let items: Vec<String> = projected
            .iter()
            .map(|item| self.fields.ordered_json(item))
            .collect();
        body.push_str(&format!(
            "\"gist\":true,{}:[{}]}}",
            Value::from(wrapper),
            items.join(",")
        ));
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
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
