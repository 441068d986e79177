//! The `fields` parameter (dhis2-api.md §5.3): plain lists, nesting with `[...]` or `(...)`,
//! presets, `!exclusions` and the `~rename(...)` transformer, applied to an object's JSON.

use serde_json::{Map, Value};

use super::query::NOT_PERSISTED;
use super::version::{Change, Dhis2Version};

#[derive(Clone, Debug, PartialEq)]
enum Entry {
    Include {
        name: String,
        rename: Option<String>,
        children: Option<Vec<Entry>>,
    },
    Exclude(String),
    Preset(String),
}

/// A parsed `fields` expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Fields {
    entries: Vec<Entry>,
}

/// Reference and collection properties (left out of `:simple`).
const NOT_SIMPLE: &[&str] = &[
    "createdBy",
    "lastUpdatedBy",
    "user",
    "sharing",
    "access",
    "attributeValues",
    "translations",
    "favorites",
    "userGroupAccesses",
    "userAccesses",
];

/// Splits on commas outside `[]`/`()`.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn parse_entries(text: &str) -> Vec<Entry> {
    split_top_level(text).into_iter().map(parse_entry).collect()
}

/// The index of the bracket closing the one at `open`.
fn matching_close(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in text[open..].char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

fn parse_entry(token: &str) -> Entry {
    if let Some(name) = token.strip_prefix('!') {
        return Entry::Exclude(name.to_string());
    }
    if token == "*" {
        return Entry::Preset("all".to_string());
    }
    if let Some(preset) = token.strip_prefix(':') {
        return Entry::Preset(preset.to_string());
    }
    // name[~transformer(...)...][children]
    let open = token.find(['[', '(']).filter(|&i| {
        // `(` only opens children when not part of a transformer.
        !token[..i].contains('~')
    });
    let (head, children) = match open {
        Some(i) => {
            let close = matching_close(token, i).unwrap_or(token.len());
            let inner = &token[i + 1..close];
            let after = token.get(close + 1..).unwrap_or("");
            (
                format!("{}{}", &token[..i], after),
                Some(parse_entries(inner)),
            )
        }
        None => (token.to_string(), None),
    };
    let mut pieces = head.split('~');
    let name = pieces.next().unwrap_or_default().trim().to_string();
    let rename = pieces.find_map(|t| {
        t.strip_prefix("rename(")
            .and_then(|r| r.strip_suffix(')'))
            .map(str::to_string)
    });
    Entry::Include {
        name,
        rename,
        children,
    }
}

impl Fields {
    /// Parses one or more `fields` parameter values.
    pub fn parse(values: &[String]) -> Fields {
        Fields {
            entries: values.iter().flat_map(|v| parse_entries(v)).collect(),
        }
    }

    pub fn parse_str(text: &str) -> Fields {
        Fields {
            entries: parse_entries(text),
        }
    }

    /// `*`: every field.
    pub fn all() -> Fields {
        Fields::parse_str("*")
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Projects `object`; unknown fields are silently dropped.
    pub fn apply(&self, object: &Value, version: Dhis2Version) -> Value {
        project(&self.entries, object, version)
    }

    /// The fields as plain paths, each root field with the fields asked of it (none for a
    /// leaf), for the Gist check (dhis2-api.md §13.5); `None` when one is a preset, an
    /// exclusion, a transformer or nested more than two levels.
    pub fn plain_paths(&self) -> Option<Vec<(String, Vec<String>)>> {
        let plain_leaf = |entry: &Entry| match entry {
            Entry::Include {
                name,
                rename: None,
                children: None,
            } if !name.contains('~') => Some(name.clone()),
            _ => None,
        };
        self.entries
            .iter()
            .map(|entry| match entry {
                Entry::Include {
                    name,
                    rename: None,
                    children: Some(children),
                } if !name.contains('~') => {
                    let leaves = children
                        .iter()
                        .map(plain_leaf)
                        .collect::<Option<Vec<_>>>()?;
                    Some((name.clone(), leaves))
                }
                entry => plain_leaf(entry).map(|name| (name, Vec::new())),
            })
            .collect()
    }

    /// `projected` (what [`Fields::apply`] made) as JSON text with its keys in the order the
    /// fields asked for them, as a Gist list writes them; keys no entry names (a preset's)
    /// follow in their own order.
    pub fn ordered_json(&self, projected: &Value) -> String {
        ordered(&self.entries, projected)
    }
}

fn ordered(entries: &[Entry], value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|item| ordered(entries, item)).collect();
            format!("[{}]", items.join(","))
        }
        Value::Object(object) => {
            let mut written: Vec<&str> = Vec::new();
            let mut parts: Vec<String> = Vec::new();
            for entry in entries {
                let Entry::Include {
                    name,
                    rename,
                    children,
                } = entry
                else {
                    continue;
                };
                let key = rename.as_deref().unwrap_or(name);
                let Some(v) = object.get(key).filter(|_| !written.contains(&key)) else {
                    continue;
                };
                written.push(key);
                let text = match children {
                    Some(children) => ordered(children, v),
                    None => v.to_string(),
                };
                parts.push(format!("{}:{text}", Value::from(key)));
            }
            for (key, v) in object {
                if !written.contains(&key.as_str()) {
                    parts.push(format!("{}:{v}", Value::from(key.as_str())));
                }
            }
            format!("{{{}}}", parts.join(","))
        }
        other => other.to_string(),
    }
}

/// The keys a preset names. Every known preset also brings the computed `access` and `href`
/// (§3.1: "computed when `fields` contains `access`, `*` or a `:` preset"; `href` "only when
/// `fields` contains `href`, `*` or a preset").
fn preset_keys(preset: &str, object: &Map<String, Value>, version: Dhis2Version) -> Vec<String> {
    let mut keys = preset_properties(preset, object, version);
    if !keys.is_empty() {
        for computed in ["access", "href"] {
            if !keys.iter().any(|k| k == computed) {
                keys.push(computed.to_string());
            }
        }
    }
    keys
}

fn preset_properties(
    preset: &str,
    object: &Map<String, Value>,
    version: Dhis2Version,
) -> Vec<String> {
    let keys = object.keys().cloned();
    match preset {
        "all" => keys.collect(),
        "identifiable" => ["id", "name", "code", "created", "lastUpdated", "href"]
            .map(String::from)
            .to_vec(),
        "nameable" => [
            "id",
            "name",
            "shortName",
            "description",
            "code",
            "created",
            "lastUpdated",
            "href",
        ]
        .map(String::from)
        .to_vec(),
        "owner" => keys
            .filter(|k| !NOT_PERSISTED.contains(&k.as_str()))
            .collect(),
        "persisted" if version.has(Change::PersistedAndSimplePresets) => keys
            .filter(|k| !NOT_PERSISTED.contains(&k.as_str()))
            .collect(),
        "simple" if version.has(Change::PersistedAndSimplePresets) => {
            keys.filter(|k| !NOT_SIMPLE.contains(&k.as_str())).collect()
        }
        _ => Vec::new(),
    }
}

fn project(entries: &[Entry], value: &Value, version: Dhis2Version) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| project(entries, item, version))
                .collect(),
        ),
        Value::Object(object) => {
            let mut out = Map::new();
            let mut renames = Vec::new();
            for entry in entries {
                match entry {
                    Entry::Preset(preset) => {
                        for key in preset_keys(preset, object, version) {
                            if let Some(v) = object.get(&key) {
                                out.insert(key, v.clone());
                            }
                        }
                    }
                    Entry::Include {
                        name,
                        rename,
                        children,
                    } => {
                        let Some(v) = object.get(name) else {
                            continue;
                        };
                        let v = match children {
                            Some(children) => project(children, v, version),
                            None => v.clone(),
                        };
                        out.insert(name.clone(), v);
                        if let Some(rename) = rename {
                            renames.push((name.clone(), rename.clone()));
                        }
                    }
                    Entry::Exclude(_) => {}
                }
            }
            for entry in entries {
                if let Entry::Exclude(name) = entry {
                    out.remove(name);
                }
            }
            for (from, to) in renames {
                if let Some(v) = out.remove(&from) {
                    out.insert(to, v);
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object() -> Value {
        json!({"id":"a","name":"n","displayName":"n","href":"h","created":"c",
               "createdBy":{"id":"u","username":"admin","name":"x"},"translations":[]})
    }

    fn apply(fields: &str) -> Value {
        Fields::parse_str(fields).apply(&object(), Dhis2Version::new(41, 0))
    }

    #[test]
    fn lists_nesting_presets_and_exclusions() {
        assert_eq!(apply("id,displayName"), json!({"id":"a","displayName":"n"}));
        assert_eq!(apply("id,nope"), json!({"id":"a"}));
        assert_eq!(
            apply("id,createdBy[id,username]"),
            json!({"id":"a","createdBy":{"id":"u","username":"admin"}})
        );
        assert_eq!(
            apply("*,!href,!createdBy,!translations,!displayName,!created"),
            json!({"id":"a","name":"n"})
        );
        assert_eq!(
            apply(":identifiable"),
            json!({"id":"a","name":"n","href":"h","created":"c"})
        );
        assert_eq!(apply("name~rename(label)"), json!({"label":"n"}));
        assert_eq!(
            apply("createdBy[id]~rename(owner)"),
            json!({"owner":{"id":"u"}})
        );
        assert_eq!(
            apply("createdBy(username)"),
            json!({"createdBy":{"username":"admin"}})
        );
    }
}
