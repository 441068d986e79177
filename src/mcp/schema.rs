//! The tools' arguments: their JSON schemas (with descriptions an agent can act on) and their
//! translation into `api` queries.
use rmcp::schemars::{self, JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};

use crate::api::{self, DOCUMENT_FIELDS, Document, Filter, ListQuery, MAX_PAGE_SIZE, Order};

/// The page size when the agent names none (DHIS2's own default).
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// What a listed document carries unless the agent asks for more: enough to pick one and act
/// on it (a link's URL, a file's resource uid), a seventh of the bytes of every field.
pub const COMPACT_FIELDS: &str = "id,name,external,url,lastUpdated";

/// One field an agent may name: a property, or one with its own properties in `[...]`. No
/// presets (`*`, `:all`: sharing and access blocks in every row), exclusions (`!`) or
/// transformers (`~rename` could put another value under `id`).
static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z][A-Za-z0-9]*(\[[A-Za-z][A-Za-z0-9]*(,[A-Za-z][A-Za-z0-9]*)*\])?$")
        .expect("the field rule is a valid regex")
});

const UID_PATTERN: &str = "^[A-Za-z][A-Za-z0-9]{10}$";

/// Arguments of `files_documents_list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// DHIS2 filter(s), `property:operator:value`; several are combined with AND.
    /// Examples: `name:ilike:malaria` (name contains "malaria", any case),
    /// `lastUpdated:gt:2025-01-01`, `external:eq:true` (links only), `external:eq:false`
    /// (uploaded files only), `id:in:[RTkjSgLtdI6,TacExtJuMmW]`, `code:null`.
    /// Operators: eq, !eq, ieq, gt, ge, lt, le, like, !like, ilike, !ilike, $ilike
    /// (starts with), ilike$ (ends with), in, !in (value in brackets), null, !null (no value).
    /// A value may not contain a comma outside `[...]`.
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "filter_schema")]
    pub filter: Vec<String>,

    /// Sort order, `property:direction` with direction asc, desc, iasc or idesc
    /// (case-insensitive); several clauses separated by commas, e.g. `lastUpdated:desc` or
    /// `name:iasc,created:desc`. Default: name, case-insensitive ascending.
    #[serde(default)]
    pub order: Option<String>,

    /// Page number, counted from 1 (default 1). The answer's `pager` gives `pageCount` and
    /// `total`; a page past the end comes back empty.
    #[serde(default, deserialize_with = "lenient_number")]
    #[schemars(range(min = 1))]
    pub page: Option<u32>,

    /// Documents per page, 1 to 10000 (default 50).
    #[serde(default, deserialize_with = "lenient_number")]
    #[schemars(range(min = 1, max = MAX_PAGE_SIZE))]
    pub page_size: Option<u32>,

    /// The fields of each document. `"compact"` (default): id, name, external, url (the link,
    /// or the uid of an uploaded file's file resource) and lastUpdated. `"full"`: also
    /// displayName, code, contentType, attachment, created, createdBy and href. Or DHIS2 field
    /// names, as a list or comma-separated, e.g. `["name", "created", "createdBy[username]"]`
    /// (`id` always comes too; one level of `[...]`; no `*`, `:presets`, `!` or `~`).
    /// Sharing and access: name them here, or use files_documents_get.
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "fields_schema")]
    pub fields: Vec<String>,
}

impl ListArgs {
    /// The list query these arguments ask for (asking DHIS2 only for the fields returned), and
    /// what each document then shows; refused with a reason when malformed.
    pub fn to_request(&self) -> api::Result<(ListQuery, DocumentFields)> {
        let fields = DocumentFields::parse(&self.fields)?;
        let mut query = ListQuery::new()
            .page(self.page.unwrap_or(1))
            .page_size(self.page_size.unwrap_or(DEFAULT_PAGE_SIZE));
        query.fields = Some(fields.dhis2.clone());
        // A blank filter is how some agents say "no filter".
        for text in self.filter.iter().filter(|text| !text.trim().is_empty()) {
            query = query.filter(Filter::parse(text)?);
        }
        if let Some(order) = &self.order {
            for clause in order.split(',').filter(|clause| !clause.trim().is_empty()) {
                query = query.order_by(Order::parse(clause)?);
            }
        }
        query.validate()?;
        Ok((query, fields))
    }
}

/// What `files_documents_list` returns of each document: the `fields` DHIS2 is asked for, and
/// the top-level names kept of the answer (`None`: all of it).
#[derive(Debug, PartialEq)]
pub struct DocumentFields {
    pub dhis2: String,
    kept: Option<Vec<String>>,
}

impl DocumentFields {
    /// The `fields` argument: nothing or `"compact"`, `"full"`, or field names.
    fn parse(chosen: &[String]) -> api::Result<DocumentFields> {
        let entries: Vec<String> = chosen
            .iter()
            .flat_map(|text| split_top_level(text))
            .collect();
        let preset = match entries.as_slice() {
            [] => Some(COMPACT_FIELDS),
            [one] if one.eq_ignore_ascii_case("compact") => Some(COMPACT_FIELDS),
            [one] if one.eq_ignore_ascii_case("full") => return Ok(DocumentFields::full()),
            _ => None,
        };
        if let Some(preset) = preset {
            return Ok(DocumentFields::named(
                preset.split(',').map(str::to_string).collect(),
            ));
        }
        if let Some(bad) = entries.iter().find(|entry| !FIELD.is_match(entry)) {
            return Err(api::Error::InvalidInput(format!(
                "`{bad}` is not a field d2files passes on: name fields (letters and digits), \
                 optionally with one level of [sub,fields] (e.g. createdBy[username]); \
                 \"full\" gives every field d2files knows"
            )));
        }
        if let Some(preset) = entries
            .iter()
            .find(|entry| ["compact", "full"].contains(&entry.to_ascii_lowercase().as_str()))
        {
            return Err(api::Error::InvalidInput(format!(
                "\"{preset}\" stands alone: pass it as the whole `fields`, or name the fields"
            )));
        }
        Ok(DocumentFields::named(entries))
    }

    /// Every field d2files reads in lists (what `d2files documents list --json` shows).
    fn full() -> DocumentFields {
        DocumentFields {
            dhis2: DOCUMENT_FIELDS.to_string(),
            kept: None,
        }
    }

    /// These entries, with `id` first when they lack it: the agent's next call needs it.
    fn named(mut entries: Vec<String>) -> DocumentFields {
        if !entries.iter().any(|entry| entry == "id") {
            entries.insert(0, "id".to_string());
        }
        let kept = entries
            .iter()
            .map(|entry| entry.split('[').next().unwrap_or_default().to_string())
            .collect();
        DocumentFields {
            dhis2: entries.join(","),
            kept: Some(kept),
        }
    }

    /// The document as the agent gets it: the chosen names only (the model fills in the
    /// others, e.g. `external: false`), and no nulls, which DHIS2 leaves out too.
    pub fn project(&self, document: &Document) -> Value {
        let mut value = json!(document);
        if let (Some(kept), Value::Object(object)) = (&self.kept, &mut value) {
            object.retain(|key, _| kept.contains(key));
        }
        drop_nulls(&mut value);
        value
    }
}

/// Splits a fields text on commas outside `[...]`, as DHIS2 does.
fn split_top_level(text: &str) -> Vec<String> {
    let mut entries = Vec::new();
    let mut depth = 0i32;
    let mut entry = String::new();
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                entries.push(std::mem::take(&mut entry));
                continue;
            }
            _ => {}
        }
        entry.push(c);
    }
    entries.push(entry);
    entries.retain(|entry| !entry.is_empty());
    entries
}

fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(object) => {
            object.retain(|_, field| !field.is_null());
            object.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Arguments of the tools that act on one document.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentUid {
    /// The document's uid: 11 letters and digits, the first a letter (e.g. `RTkjSgLtdI6`).
    /// `files_documents_list` gives it as `id`.
    #[schemars(regex(pattern = UID_PATTERN))]
    pub uid: String,
}

/// Arguments of `files_documents_rename`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameArgs {
    /// The document's uid: 11 letters and digits, the first a letter (e.g. `RTkjSgLtdI6`).
    #[schemars(regex(pattern = UID_PATTERN))]
    pub uid: String,
    /// The new name as users will see it, 1 to 230 characters.
    #[schemars(length(min = 1, max = 230))]
    pub name: String,
}

/// Arguments of `files_check`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckArgs {
    /// DHIS2 filter(s) picking the documents to check, `property:operator:value`, combined
    /// with AND (the syntax of files_documents_list), e.g. `name:ilike:malaria`. Without one
    /// every document is checked, and file resources no document points at too.
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "filter_schema")]
    pub filter: Vec<String>,
    /// Also ask each external link whether it answers: one request from this machine to each
    /// link's host, never with DHIS2's credentials. Off by default.
    #[serde(default)]
    pub links: bool,
}

impl CheckArgs {
    /// The check these arguments ask for; refused with a reason when a filter is malformed.
    pub fn to_request(&self) -> api::Result<crate::ops::check::CheckRequest> {
        let mut query = ListQuery::new();
        for text in self.filter.iter().filter(|text| !text.trim().is_empty()) {
            query = query.filter(Filter::parse(text)?);
        }
        Ok(crate::ops::check::CheckRequest {
            query,
            links: self.links,
            ..crate::ops::check::CheckRequest::default()
        })
    }
}

/// Arguments of `files_resources_get`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileResourceUid {
    /// The file resource's uid: 11 letters and digits, the first a letter (e.g. `TacExtJuMmW`).
    /// For an uploaded-file document (`external: false`) it is the document's `url`.
    #[schemars(regex(pattern = UID_PATTERN))]
    pub uid: String,
}

/// Arguments of `files_documents_create_external`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExternalArgs {
    /// The document's name as users will see it, 1 to 230 characters. Names need not be unique.
    #[schemars(length(min = 1, max = 230))]
    pub name: String,

    /// The link: an http:// or https:// URL, ASCII only (percent-encode the rest), no spaces,
    /// not ending in `.` `?` `)` `,` `;` `!` or `:` (DHIS2 refuses those), e.g.
    /// `https://dhis2.org/downloads`.
    #[schemars(regex(pattern = "^https?://"))]
    pub url: String,
}

/// Accepts one filter as a string or several as an array: agents write both.
fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(deserializer)? {
        None => Vec::new(),
        Some(OneOrMany::One(one)) => vec![one],
        Some(OneOrMany::Many(many)) => many,
    })
}

/// Accepts a number also when written as a string (`"2"`), as some hosts send them.
fn lenient_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    let number = match &value {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::Number(number)) => number.as_u64(),
        Some(serde_json::Value::String(text)) => text.trim().parse().ok(),
        Some(_) => None,
    };
    number
        .and_then(|number| u32::try_from(number).ok())
        .map(Some)
        .ok_or_else(|| {
            let shown = value.map(|v| v.to_string()).unwrap_or_default();
            serde::de::Error::custom(format!("{shown} is not a whole number of 1 or more"))
        })
}

/// Inline, like the filter's: a preset or names as text, or names as a list.
fn fields_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [
            {"type": "string", "examples": ["compact", "full", "name,created,createdBy[username]"]},
            {"type": "array", "items": {"type": "string"},
             "examples": [["name", "created", "createdBy[username]"]]}
        ],
        "default": "compact"
    })
}

/// Inline (no `$ref`) so hosts with simple schema support still show both forms.
fn filter_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [
            {"type": "string", "examples": ["name:ilike:malaria"]},
            {"type": "array", "items": {"type": "string"},
             "examples": [["name:ilike:report", "lastUpdated:gt:2025-01-01"]]}
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(value: serde_json::Value) -> ListArgs {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn one_filter_or_several_both_read() {
        assert_eq!(
            args(json!({"filter": "name:ilike:x"})).filter,
            ["name:ilike:x"]
        );
        assert_eq!(
            args(json!({"filter": ["name:ilike:x", "external:eq:true"]})).filter,
            ["name:ilike:x", "external:eq:true"]
        );
        assert!(args(json!({"filter": null})).filter.is_empty());
        let (blank, _) = args(json!({"filter": ["", " "], "order": ""}))
            .to_request()
            .unwrap();
        assert!(blank.filters.is_empty() && blank.order.is_empty());
        assert!(args(json!({})).filter.is_empty());
    }

    #[test]
    fn page_numbers_may_come_as_text() {
        let (query, _) = args(json!({"page": "2", "page_size": " 10 "}))
            .to_request()
            .unwrap();
        assert_eq!((query.page, query.page_size), (2, 10));
        for bad in [
            json!({"page": "two"}),
            json!({"page": -1}),
            json!({"page_size": 1.5}),
        ] {
            let error = serde_json::from_value::<ListArgs>(bad.clone()).unwrap_err();
            assert!(!error.to_string().is_empty(), "{bad}");
        }
    }

    #[test]
    fn arguments_become_the_query_they_name() {
        let (query, _) = args(json!({
            "filter": ["name:ilike:malaria", "lastUpdated:gt:2025-01-01"],
            "order": "lastUpdated:desc, name:iasc",
            "page": 3,
            "page_size": 20
        }))
        .to_request()
        .unwrap();
        let filters: Vec<String> = query.filters.iter().map(ToString::to_string).collect();
        assert_eq!(filters, ["name:ilike:malaria", "lastUpdated:gt:2025-01-01"]);
        let order: Vec<String> = query.order.iter().map(ToString::to_string).collect();
        assert_eq!(order, ["lastUpdated:desc", "name:iasc"]);
        assert_eq!((query.page, query.page_size), (3, 20));

        let defaults = ListArgs::default().to_request().unwrap().0;
        assert_eq!((defaults.page, defaults.page_size), (1, DEFAULT_PAGE_SIZE));
        assert!(defaults.filters.is_empty() && defaults.order.is_empty());
    }

    #[test]
    fn malformed_arguments_are_refused_with_a_reason() {
        for (value, expected) in [
            (json!({"filter": "name"}), "Invalid filter"),
            (json!({"filter": "name:contains:x"}), "not a valid operator"),
            (json!({"filter": "id:in:a,b"}), "in brackets"),
            (json!({"filter": "name:eq:a,b"}), "comma"),
            (json!({"order": "name:up"}), "order direction"),
            (json!({"page": 0}), "numbered from 1"),
            (json!({"page_size": 10_001}), "page size"),
        ] {
            let error = args(value.clone()).to_request().unwrap_err().to_string();
            assert!(error.contains(expected), "{value}: {error}");
        }
        let unknown = serde_json::from_value::<ListArgs>(json!({"limit": 5})).unwrap_err();
        assert!(
            unknown.to_string().contains("unknown field `limit`"),
            "{unknown}"
        );
    }

    fn fields_of(value: serde_json::Value) -> api::Result<DocumentFields> {
        args(json!({ "fields": value }))
            .to_request()
            .map(|(query, fields)| {
                assert_eq!(query.fields.as_ref(), Some(&fields.dhis2));
                fields
            })
    }

    #[test]
    fn fields_are_a_preset_or_names_and_always_bring_the_id() {
        let compact = ListArgs::default().to_request().unwrap().1;
        assert_eq!(compact.dhis2, COMPACT_FIELDS);
        assert_eq!(fields_of(json!("Compact")).unwrap(), compact);
        assert_eq!(fields_of(json!([])).unwrap(), compact);
        assert_eq!(fields_of(json!("full")).unwrap().dhis2, DOCUMENT_FIELDS);
        for (chosen, dhis2) in [
            (json!("name, created"), "id,name,created"),
            (
                json!(["name", "createdBy[username, name]"]),
                "id,name,createdBy[username,name]",
            ),
            (json!("createdBy[id,name],id"), "createdBy[id,name],id"),
            (json!(["sharing"]), "id,sharing"),
        ] {
            assert_eq!(fields_of(chosen.clone()).unwrap().dhis2, dhis2, "{chosen}");
        }
        for (bad, expected) in [
            (json!("*"), "`*` is not a field"),
            (json!(":all"), "`:all` is not a field"),
            (json!(["name", "!href"]), "`!href` is not a field"),
            (json!("name~rename(id)"), "`name~rename(id)` is not a field"),
            (json!("createdBy[userCredentials[username]]"), "one level"),
            (json!(["full", "sharing"]), "\"full\" stands alone"),
        ] {
            let error = fields_of(bad.clone()).unwrap_err().to_string();
            assert!(error.contains(expected), "{bad}: {error}");
        }
    }

    #[test]
    fn a_document_shows_only_the_chosen_fields_and_no_nulls() {
        let document: Document = serde_json::from_value(json!({
            "id": "RTkjSgLtdI6", "name": "Report", "external": false, "url": "TacExtJuMmW",
            "created": "2025-03-04T10:11:12.345", "lastUpdated": "2025-03-05T10:11:12.345",
            "createdBy": {"id": "M5zQapPyTZI", "username": "admin"},
            "sharing": {"public": "rw------"}
        }))
        .unwrap();
        let compact = ListArgs::default().to_request().unwrap().1;
        assert_eq!(
            compact.project(&document),
            json!({"id": "RTkjSgLtdI6", "name": "Report", "external": false,
                   "url": "TacExtJuMmW", "lastUpdated": "2025-03-05T10:11:12.345"})
        );
        // Not asked for, so not claimed: the model's `external: false` stays out.
        assert_eq!(
            fields_of(json!("createdBy[username]"))
                .unwrap()
                .project(&document),
            json!({"id": "RTkjSgLtdI6", "createdBy": {"id": "M5zQapPyTZI", "username": "admin"}})
        );
        let full = fields_of(json!("full")).unwrap().project(&document);
        assert_eq!(full["sharing"], json!({"public": "rw------"}));
        assert_eq!(
            full["createdBy"],
            json!({"id": "M5zQapPyTZI", "username": "admin"})
        );
    }

    #[test]
    fn schemas_tell_an_agent_what_to_send() {
        let list = serde_json::to_value(schemars::schema_for!(ListArgs)).unwrap();
        let properties = &list["properties"];
        let filter = properties["filter"].to_string();
        assert!(filter.contains("name:ilike:malaria"), "{filter}");
        assert!(filter.contains("anyOf"), "{filter}");
        assert_eq!(properties["page"]["minimum"], 1);
        assert_eq!(properties["page_size"]["maximum"], MAX_PAGE_SIZE);
        assert!(
            properties["page_size"]["description"]
                .as_str()
                .unwrap()
                .contains(&MAX_PAGE_SIZE.to_string())
        );
        assert_eq!(list["additionalProperties"], false);

        let uid = serde_json::to_value(schemars::schema_for!(DocumentUid)).unwrap();
        assert_eq!(uid["properties"]["uid"]["pattern"], UID_PATTERN);
        assert_eq!(uid["required"], json!(["uid"]));
        let pattern = regex::Regex::new(UID_PATTERN).unwrap();
        for uid in [
            "RTkjSgLtdI6",
            "1TkjSgLtdI6",
            "RTkjSgLtdI",
            "RTkjSgLtdI66",
            "RTkjSgLtd-6",
        ] {
            assert_eq!(pattern.is_match(uid), api::is_valid_uid(uid), "{uid}");
        }
    }
}
