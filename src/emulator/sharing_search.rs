//! `GET /api/sharing/search?key=X` (dhis2-api.md §9.7): the user groups and users a sharing
//! dialog can name. Groups match `lower(name) like %x%`, users their full name, email or
//! username; `%` and `_` in the key act as SQL wildcards; at most `pageSize` (default 50) of
//! each; any signed-in user may ask.
use axum::Json;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::listing::{first, query_pairs};
use super::model::{USER_GROUPS, USERS};
use super::web_message::container_error_page;

/// DHIS2's default `pageSize` for the search.
const DEFAULT_PAGE_SIZE: usize = 50;

pub async fn search(RawQuery(raw): RawQuery) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let Some(key) = first(&pairs, "key") else {
        return container_error_page(
            StatusCode::BAD_REQUEST,
            "Required request parameter 'key' for method parameter type String is not present",
        )
        .into_response();
    };
    let size = first(&pairs, "pageSize")
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_PAGE_SIZE);
    let pattern = key.to_lowercase();
    let mut groups: Vec<_> = USER_GROUPS
        .iter()
        .filter(|group| like(&group.name.to_lowercase(), &pattern))
        .collect();
    groups.sort_by_key(|group| group.name);
    let mut users: Vec<_> = USERS
        .into_iter()
        .filter(|user| {
            [
                user.name().to_lowercase(),
                user.email.to_lowercase(),
                user.username.to_lowercase(),
            ]
            .iter()
            .any(|text| like(text, &pattern))
        })
        .collect();
    users.sort_by_key(|user| (user.surname, user.first_name));
    Json(json!({
        "users": users.iter().take(size).map(|user| json!({
            "id": user.id,
            "name": user.name(),
            "displayName": user.name(),
            "username": user.username,
        })).collect::<Vec<_>>(),
        "userGroups": groups.iter().take(size).map(|group| json!({
            "id": group.id,
            "name": group.name,
            "displayName": group.name,
        })).collect::<Vec<_>>(),
    }))
    .into_response()
}

/// SQL's `text like '%pattern%'`, with `%` any run of characters and `_` any one.
fn like(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    (0..=text.len()).any(|start| matches_here(&text[start..], &pattern))
}

/// Whether `pattern` matches a prefix of `text`.
fn matches_here(text: &[char], pattern: &[char]) -> bool {
    match pattern.split_first() {
        None => true,
        Some(('%', rest)) => (0..=text.len()).any(|skip| matches_here(&text[skip..], rest)),
        Some(('_', rest)) => !text.is_empty() && matches_here(&text[1..], rest),
        Some((c, rest)) => text.first() == Some(c) && matches_here(&text[1..], rest),
    }
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_matches_anywhere_with_sql_wildcards() {
        assert!(like("report viewers", "view"));
        assert!(like("report viewers", "r_p"));
        assert!(like("report viewers", "rep%ers"));
        assert!(!like("report viewers", "clerk"));
        assert!(like("anything", ""));
    }
}
