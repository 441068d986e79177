//! Metadata list filters and ordering (dhis2-api.md §5, §12), evaluated on the objects' JSON.
//!
//! Where DHIS2 evaluates a filter decides what `like` makes of `%` and `_` (§12.1, §12.2), so
//! each filter carries its [`Engine`], chosen by the list for the release: the database (`%`
//! stripped, `_` any one character, `\` escaping), memory (both literal) or, on 2.44, the Gist
//! backend (both wildcards, and `*`/`?` for a whole-value match).

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value;

use super::version::{Change, Dhis2Version};

/// How a property compares and parses filter values.
#[derive(Clone, Copy, Debug)]
pub enum PropType {
    Text,
    Bool,
    Date,
    /// An integer property; the name is Java's type for error messages.
    Int(&'static str),
    /// An enum: its simple class name and its constants for the version.
    Enum(&'static str, fn(Dhis2Version) -> Vec<&'static str>),
    /// A reference to a user: `createdBy.username`; the bare path means its id.
    UserRef,
    /// The sharing object: `sharing.owner`, `sharing.public`.
    Sharing,
    /// A collection (always empty here); compared by size.
    Collection,
    /// A collection of objects with their own schema: compared by size, or a path into them
    /// (`dashboardItems.resources.id`).
    Objects(fn(Dhis2Version) -> Schema),
}

#[derive(Clone, Copy, Debug)]
pub struct Prop {
    pub name: &'static str,
    pub ty: PropType,
}

impl Schema {
    /// The properties every identifiable object has (and, on 2.38–2.40, the legacy sharing
    /// projections), plus the collection's own.
    pub fn identifiable(version: Dhis2Version, own: Vec<Prop>) -> Schema {
        let prop = |name, ty| Prop { name, ty };
        let mut props = own;
        props.extend([
            prop("id", PropType::Text),
            prop("name", PropType::Text),
            prop("displayName", PropType::Text),
            prop("code", PropType::Text),
            prop("created", PropType::Date),
            prop("lastUpdated", PropType::Date),
            prop("createdBy", PropType::UserRef),
            prop("lastUpdatedBy", PropType::UserRef),
            prop("user", PropType::UserRef),
            prop("sharing", PropType::Sharing),
            prop("href", PropType::Text),
            prop("attributeValues", PropType::Collection),
            prop("translations", PropType::Collection),
        ]);
        if !version.has(Change::FavoritesRemoved) {
            props.extend([
                prop("favorite", PropType::Bool),
                prop("favorites", PropType::Collection),
            ]);
        }
        if !version.has(Change::LegacySharingFieldsRemoved) {
            props.extend([
                prop("publicAccess", PropType::Text),
                prop("externalAccess", PropType::Bool),
                prop("userGroupAccesses", PropType::Collection),
                prop("userAccesses", PropType::Collection),
            ]);
        }
        Schema { props }
    }
}

/// The filterable and orderable properties of one object type, for one version.
pub struct Schema {
    pub props: Vec<Prop>,
}

impl Schema {
    pub fn get(&self, name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| p.name == name)
    }
}

/// A filter rejected by the parser; its text is DHIS2's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError(pub String);

/// A parsed property path.
#[derive(Clone, Debug)]
enum Path {
    /// `identifiable`: id, code, name or shortName.
    Identifiable,
    /// A property and, for references, the sub-field (JSON key) compared.
    Prop {
        key: &'static str,
        sub: Option<String>,
        ty: PropType,
    },
    /// A path into each object of a collection; any object that matches counts, as when
    /// `InMemoryQueryEngine` flattens the collection (dhis2-api.md §10.2).
    Within { key: &'static str, inner: Box<Path> },
}

impl Path {
    /// The type the filter value is parsed and compared as.
    fn ty(&self) -> PropType {
        match self {
            Path::Identifiable => PropType::Text,
            Path::Prop { ty, .. } => *ty,
            Path::Within { inner, .. } => inner.ty(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Anchor {
    Anywhere,
    Start,
    End,
}

#[derive(Clone, Debug)]
enum Op {
    Eq,
    Ne,
    Ieq,
    Gt,
    Ge,
    Lt,
    Le,
    Like {
        negated: bool,
        ignore_case: bool,
        anchor: Anchor,
    },
    In {
        negated: bool,
    },
    Null {
        negated: bool,
    },
    Empty {
        negated: bool,
    },
    Token {
        negated: bool,
    },
}

/// A typed filter value.
#[derive(Clone, Debug, PartialEq)]
enum Typed {
    Text(String),
    Bool(bool),
    Date(NaiveDateTime),
    Int(i64),
}

/// What `identifiable` compares.
const IDENTIFIABLE_KEYS: &[&str] = &["id", "code", "name", "shortName"];

/// Properties that are no database column (left out of `:owner`/`:persisted`, but for the
/// computed `access` and `href` every preset brings, and evaluated in memory by a filter or an
/// order).
pub const NOT_PERSISTED: &[&str] = &[
    "displayName",
    "access",
    "href",
    "favorite",
    "user",
    "storageStatus",
];

/// Whether a property is a database column.
pub fn is_persisted(name: &str) -> bool {
    !NOT_PERSISTED.contains(&name)
}

/// Where a filter is evaluated (§12.1), which decides how `like` reads `%` and `_` (§12.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// JPA criteria in PostgreSQL.
    Db,
    /// `InMemoryQueryEngine`.
    Memory,
    /// A 2.44 list answered by the Gist backend (§13.5).
    Gist,
}

#[derive(Clone, Debug)]
pub struct Filter {
    path: Path,
    op: Op,
    /// `None` when the filter had no value part (matches nothing for value operators).
    value: Option<Typed>,
    list: Vec<Typed>,
    /// The value part as given; lower-cased for the operators that ignore case.
    raw: Option<String>,
    /// A plain persisted property (no `.` path, no `identifiable`): the database can take it.
    db_eligible: bool,
    /// Where it runs; the list plans it ([`Filter::run_in`]).
    engine: Engine,
}

fn parse_op(op: &str, version: Dhis2Version) -> Option<Op> {
    let like = |negated, ignore_case, anchor| Op::Like {
        negated,
        ignore_case,
        anchor,
    };
    Some(match op {
        "eq" => Op::Eq,
        "!eq" | "ne" | "neq" => Op::Ne,
        "ieq" if version.has(Change::Ieq) => Op::Ieq,
        "gt" => Op::Gt,
        "ge" | "gte" => Op::Ge,
        "lt" => Op::Lt,
        "le" | "lte" => Op::Le,
        "like" => like(false, false, Anchor::Anywhere),
        "!like" => like(true, false, Anchor::Anywhere),
        "$like" => like(false, false, Anchor::Start),
        "!$like" => like(true, false, Anchor::Start),
        "like$" => like(false, false, Anchor::End),
        "!like$" => like(true, false, Anchor::End),
        "ilike" => like(false, true, Anchor::Anywhere),
        "!ilike" => like(true, true, Anchor::Anywhere),
        "$ilike" | "startsWith" => like(false, true, Anchor::Start),
        "!$ilike" => like(true, true, Anchor::Start),
        "ilike$" | "endsWith" => like(false, true, Anchor::End),
        "!ilike$" => like(true, true, Anchor::End),
        "in" => Op::In { negated: false },
        "!in" => Op::In { negated: true },
        "null" => Op::Null { negated: false },
        "!null" => Op::Null { negated: true },
        "empty" => Op::Empty { negated: false },
        "!empty" if version.has(Change::NotEmpty) => Op::Empty { negated: true },
        "token" => Op::Token { negated: false },
        "!token" => Op::Token { negated: true },
        _ => return None,
    })
}

fn parse_path(schema: &Schema, path: &str, version: Dhis2Version) -> Result<Path, QueryError> {
    if path == "identifiable" {
        return Ok(Path::Identifiable);
    }
    let mut segments = path.split('.');
    let first = segments.next().unwrap_or_default();
    let prop = schema
        .get(first)
        .ok_or_else(|| QueryError(format!("Unknown path property: {first}")))?;
    let rest: Vec<&str> = segments.collect();
    match (prop.ty, rest.as_slice()) {
        (PropType::Objects(_), []) => Ok(Path::Prop {
            key: prop.name,
            sub: None,
            ty: PropType::Collection,
        }),
        (PropType::Objects(inner), _) => Ok(Path::Within {
            key: prop.name,
            inner: Box::new(parse_path(&inner(version), &rest.join("."), version)?),
        }),
        (_, []) => Ok(Path::Prop {
            key: prop.name,
            sub: matches!(prop.ty, PropType::UserRef).then(|| "id".to_string()),
            ty: prop.ty,
        }),
        (PropType::UserRef, [sub]) => match *sub {
            "id" | "code" | "name" | "displayName" | "username" => Ok(Path::Prop {
                key: prop.name,
                sub: Some(sub.to_string()),
                ty: PropType::Text,
            }),
            other => Err(QueryError(format!("Unknown path property: {other}"))),
        },
        (PropType::Sharing, [sub]) => match *sub {
            "owner" | "public" => Ok(Path::Prop {
                key: prop.name,
                sub: Some(sub.to_string()),
                ty: PropType::Text,
            }),
            "external" if !version.has(Change::ExternalSharingRemoved) => Ok(Path::Prop {
                key: prop.name,
                sub: Some(sub.to_string()),
                ty: PropType::Bool,
            }),
            other => Err(QueryError(format!("Unknown path property: {other}"))),
        },
        _ => Err(QueryError(
            "Simple type was found before finished parsing path expression, please check your path string."
                .to_string(),
        )),
    }
}

/// Accepts the ISO forms DHIS2's `DateUtils.parseDate` takes.
pub fn parse_date(value: &str) -> Option<NaiveDateTime> {
    if let Ok(date) = DateTime::parse_from_rfc3339(value) {
        return Some(date.naive_utc());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(date) = NaiveDateTime::parse_from_str(value, format) {
            return Some(date);
        }
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

fn unable(value: &str, type_name: &str) -> QueryError {
    QueryError(format!("Unable to parse `{value}` as `{type_name}`."))
}

/// `QueryUtils.parseValue` for one value of the property's type.
fn typed_value(ty: PropType, value: &str, version: Dhis2Version) -> Result<Typed, QueryError> {
    Ok(match ty {
        PropType::Text | PropType::UserRef | PropType::Sharing => Typed::Text(value.to_string()),
        PropType::Bool => Typed::Bool(value.eq_ignore_ascii_case("true")),
        PropType::Date => Typed::Date(parse_date(value).ok_or_else(|| unable(value, "Date"))?),
        PropType::Int(name) => Typed::Int(value.parse().map_err(|_| unable(value, name))?),
        PropType::Collection | PropType::Objects(_) => {
            Typed::Int(value.parse().map_err(|_| unable(value, "Integer"))?)
        }
        PropType::Enum(name, values) => {
            let constants = values(version);
            if constants.contains(&value) {
                Typed::Text(value.to_string())
            } else {
                return Err(QueryError(format!(
                    "Unable to parse `{value}` as `{name}`, available values are: [{}]",
                    constants.join(", ")
                )));
            }
        }
    })
}

impl Filter {
    /// Parses `path:op[:value]`; everything after the second `:` is the value.
    pub fn parse(
        filter: &str,
        schema: &Schema,
        version: Dhis2Version,
    ) -> Result<Filter, QueryError> {
        // Java's String.split drops trailing empty parts.
        let mut parts: Vec<&str> = filter.split(':').collect();
        while parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        if parts.len() < 2 {
            return Err(QueryError(format!("Invalid filter => {filter}")));
        }
        let raw =
            (parts.len() >= 3).then(|| filter[parts[0].len() + parts[1].len() + 2..].to_string());
        let path = parse_path(schema, parts[0], version)?;
        let op = parse_op(parts[1], version)
            .ok_or_else(|| QueryError(format!("`{}` is not a valid operator.", parts[1])))?;
        let ty = path.ty();
        let mut value = None;
        let mut list = Vec::new();
        match &op {
            Op::In { .. } => {
                let arg = raw.clone().unwrap_or_else(|| "null".to_string());
                let inner = arg
                    .strip_prefix('[')
                    .and_then(|a| a.strip_suffix(']'))
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| {
                        QueryError(format!("Invalid argument `{arg}` for in operator."))
                    })?;
                for item in inner.split(',') {
                    list.push(typed_value(ty, item, version)?);
                }
            }
            // These compare with `raw` itself, lower-cased once here when case does not matter.
            Op::Null { .. } | Op::Empty { .. } | Op::Like { .. } | Op::Token { .. } | Op::Ieq => {}
            _ => {
                if let Some(raw) = &raw {
                    value = Some(typed_value(ty, raw, version)?);
                }
            }
        }
        let ignores_case = matches!(
            op,
            Op::Like {
                ignore_case: true,
                ..
            } | Op::Token { .. }
                | Op::Ieq
        );
        let raw = if ignores_case {
            raw.map(|text| text.to_lowercase())
        } else {
            raw
        };
        let db_eligible =
            !parts[0].contains('.') && matches!(&path, Path::Prop { key, .. } if is_persisted(key));
        Ok(Filter {
            path,
            op,
            value,
            list,
            raw,
            db_eligible,
            engine: Engine::Memory,
        })
    }

    /// Whether the database could evaluate it (a plain persisted property).
    pub fn db_eligible(&self) -> bool {
        self.db_eligible
    }

    /// Where it is evaluated, as the list's planner decided.
    pub fn run_in(&mut self, engine: Engine) {
        self.engine = engine;
    }

    /// A one-level persisted path, as a Gist filter needs (§13.5).
    pub fn is_plain_persisted(&self) -> bool {
        self.db_eligible
    }

    /// The top-level keys of an object that [`Filter::matches`] reads.
    pub fn keys(&self) -> &[&'static str] {
        match &self.path {
            Path::Identifiable => IDENTIFIABLE_KEYS,
            Path::Prop { key, .. } | Path::Within { key, .. } => std::slice::from_ref(key),
        }
    }

    pub fn matches(&self, object: &Value) -> bool {
        self.matches_at(&self.path, object)
    }

    fn matches_at(&self, path: &Path, object: &Value) -> bool {
        match path {
            Path::Within { key, inner } => object
                .get(*key)
                .and_then(Value::as_array)
                .is_some_and(|items| items.iter().any(|item| self.matches_at(inner, item))),
            Path::Identifiable => IDENTIFIABLE_KEYS
                .iter()
                .any(|key| self.matches_value(object.get(*key), PropType::Text)),
            Path::Prop { key, sub, ty } => {
                let mut value = object.get(*key);
                if let Some(sub) = sub {
                    value = value.and_then(|v| v.get(sub.as_str()));
                }
                self.matches_value(value, *ty)
            }
        }
    }

    fn matches_value(&self, value: Option<&Value>, ty: PropType) -> bool {
        let value = value.filter(|v| !v.is_null());
        match &self.op {
            Op::Null { negated } => value.is_some() == *negated,
            Op::Empty { negated } => {
                let empty = match value {
                    None => true,
                    Some(Value::Array(items)) => items.is_empty(),
                    Some(Value::String(s)) => s.is_empty(),
                    Some(_) => false,
                };
                empty != *negated
            }
            // SQL semantics: any comparison with NULL is false.
            _ if value.is_none() => false,
            Op::In { negated } => {
                let Some(actual) = value.and_then(|v| typed_json(v, ty)) else {
                    return false;
                };
                self.list.contains(&actual) != *negated
            }
            Op::Like {
                negated,
                ignore_case,
                anchor,
            } => {
                let Some(pattern) = &self.raw else {
                    return false;
                };
                let text = value.map(text_of).unwrap_or_default();
                let text = if *ignore_case {
                    text.to_lowercase()
                } else {
                    text
                };
                like_matches(&text, pattern, *anchor, self.engine) != *negated
            }
            Op::Token { negated } => {
                let Some(tokens) = &self.raw else {
                    return false;
                };
                let text = value.map(text_of).unwrap_or_default().to_lowercase();
                let hit = match self.engine {
                    // `col ~* '(?=.*t1)(?=.*t2)'`: each token anywhere (§12.3).
                    Engine::Db | Engine::Gist => {
                        token_words(tokens).all(|token| text.contains(token))
                    }
                    // Each token starts a word of the value.
                    Engine::Memory => {
                        let words: Vec<&str> = token_words(&text).collect();
                        token_words(tokens).all(|token| words.iter().any(|w| w.starts_with(token)))
                    }
                };
                hit != *negated
            }
            Op::Ieq => match (&self.raw, value) {
                (Some(expected), Some(actual)) => {
                    let actual = text_of(actual).to_lowercase();
                    match self.engine {
                        // The database form strips `%` as `like` does (§12.2).
                        Engine::Db => actual == expected.replace('%', ""),
                        Engine::Memory | Engine::Gist => actual == *expected,
                    }
                }
                _ => false,
            },
            op => {
                let (Some(expected), Some(actual)) =
                    (&self.value, value.and_then(|v| typed_json(v, ty)))
                else {
                    return false;
                };
                let Some(ordering) = compare_typed(&actual, expected) else {
                    return false;
                };
                match op {
                    Op::Eq => ordering == Ordering::Equal,
                    Op::Ne => ordering != Ordering::Equal,
                    Op::Gt => ordering == Ordering::Greater,
                    Op::Ge => ordering != Ordering::Less,
                    Op::Lt => ordering == Ordering::Less,
                    Op::Le => ordering != Ordering::Greater,
                    _ => false,
                }
            }
        }
    }
}

/// `TokenUtils`: every character that is no letter or digit separates tokens, so `%`, `_` and
/// `*` are never wildcards here.
fn token_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
}

/// One piece of a SQL `LIKE` pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Piece {
    /// `%`: any run of characters.
    Any,
    /// `_`: any one character.
    One,
    Char(char),
}

/// A `LIKE` pattern's pieces; with `escapes`, `\` makes the next character literal (PostgreSQL's
/// default escape).
fn like_pattern(pattern: &str, escapes: bool) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        pieces.push(match c {
            '\\' if escapes => Piece::Char(chars.next().unwrap_or('\\')),
            '%' => Piece::Any,
            '_' => Piece::One,
            c => Piece::Char(c),
        });
    }
    pieces
}

/// Whether all of `text` matches the pattern (SQL `LIKE`).
fn like_whole(text: &str, pattern: &[Piece]) -> bool {
    let text: Vec<char> = text.chars().collect();
    // reachable[i]: the pattern so far can end just before text[i].
    let mut reachable = vec![false; text.len() + 1];
    reachable[0] = true;
    for piece in pattern {
        let mut next = vec![false; text.len() + 1];
        match piece {
            Piece::Any => {
                let mut seen = false;
                for i in 0..=text.len() {
                    seen |= reachable[i];
                    next[i] = seen;
                }
            }
            Piece::One => next[1..].copy_from_slice(&reachable[..text.len()]),
            Piece::Char(c) => {
                for i in 0..text.len() {
                    next[i + 1] = reachable[i] && text[i] == *c;
                }
            }
        }
        reachable = next;
    }
    reachable[text.len()]
}

/// `like` (already lower-cased on both sides when case does not matter), as `engine` reads the
/// value (§12.2): in memory `%` and `_` are literal; the database strips `%`, wraps the value as
/// the anchor says and takes `_` for any character; Gist binds the value as it is (`%` and `_`
/// wildcards) and, for the unanchored forms, reads `*` and `?` as a pattern for the whole value.
fn like_matches(text: &str, value: &str, anchor: Anchor, engine: Engine) -> bool {
    let wrapped = |value: &str| match anchor {
        Anchor::Anywhere => format!("%{value}%"),
        Anchor::Start => format!("{value}%"),
        Anchor::End => format!("%{value}"),
    };
    match engine {
        Engine::Memory => match anchor {
            Anchor::Anywhere => text.contains(value),
            Anchor::Start => text.starts_with(value),
            Anchor::End => text.ends_with(value),
        },
        Engine::Db => like_whole(text, &like_pattern(&wrapped(&value.replace('%', "")), true)),
        Engine::Gist => {
            let pattern = if anchor == Anchor::Anywhere && value.contains(['*', '?']) {
                value.replace('*', "%").replace('?', "_")
            } else {
                wrapped(value)
            };
            like_whole(text, &like_pattern(&pattern, false))
        }
    }
}

/// The string a `like` sees.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A JSON value as the property's type (collections by size).
fn typed_json(value: &Value, ty: PropType) -> Option<Typed> {
    Some(match (ty, value) {
        (PropType::Collection, Value::Array(items)) => Typed::Int(items.len() as i64),
        (PropType::Bool, Value::Bool(b)) => Typed::Bool(*b),
        (PropType::Int(_), Value::Number(n)) => Typed::Int(n.as_i64()?),
        (PropType::Date, Value::String(s)) => Typed::Date(parse_date(s)?),
        (_, Value::String(s)) => Typed::Text(s.clone()),
        (_, other) => Typed::Text(other.to_string()),
    })
}

fn compare_typed(a: &Typed, b: &Typed) -> Option<Ordering> {
    Some(match (a, b) {
        (Typed::Text(a), Typed::Text(b)) => a.cmp(b),
        (Typed::Bool(a), Typed::Bool(b)) => a.cmp(b),
        (Typed::Date(a), Typed::Date(b)) => a.cmp(b),
        (Typed::Int(a), Typed::Int(b)) => a.cmp(b),
        _ => return None,
    })
}

/// Splits comma-joined filters as 2.42 does: commas inside `[...]` stay, and a piece that is
/// not itself `path:op…` is dropped (so `name:eq:a,b` keeps only `name:eq:a`).
pub fn split_filters(filter: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in filter.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                pieces.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    pieces.push(current);
    let mut kept: Vec<String> = Vec::new();
    for (i, piece) in pieces.into_iter().enumerate() {
        let looks_like_filter = piece.split(':').filter(|p| !p.is_empty()).count() >= 2;
        if i == 0 || looks_like_filter {
            kept.push(piece);
        }
    }
    kept
}

/// One resolved `order` clause.
#[derive(Clone, Debug)]
pub struct OrderBy {
    key: &'static str,
    ty: PropType,
    descending: bool,
    ignore_case: bool,
}

impl OrderBy {
    /// The object key it sorts on.
    pub fn key(&self) -> &'static str {
        self.key
    }
}

/// Java's `String.hashCode`, over UTF-16 code units.
fn java_hash(text: &str) -> i32 {
    text.encode_utf16().fold(0i32, |hash, unit| {
        hash.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// The iteration order of a `java.util.HashSet` holding `items` (added in this order): by
/// bucket, `(h ^ (h >>> 16)) & (capacity - 1)` for a table of 16 doubled while more than three
/// quarters full, and in a bucket by arrival. Duplicates are dropped.
fn java_hash_set_order(items: Vec<String>) -> Vec<String> {
    let mut unique: Vec<String> = Vec::new();
    for item in items {
        if !unique.contains(&item) {
            unique.push(item);
        }
    }
    let mut capacity = 16usize;
    while unique.len() * 4 > capacity * 3 {
        capacity *= 2;
    }
    let bucket = |text: &str| {
        let hash = java_hash(text) as u32;
        ((hash ^ (hash >> 16)) as usize) & (capacity - 1)
    };
    // A stable sort keeps arrival order inside a bucket.
    unique.sort_by_key(|item| bucket(item));
    unique
}

/// An `order` DHIS2 refuses (2.43+): `No such property: X`, a 400 without errorCode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderError(pub String);

/// Parses `order` values (comma-separated or repeated) as the release does (§5.2, §12.4):
/// up to 2.41 the clauses sit in a `HashSet`, so their priority is the set's order, not the
/// request's; unknown properties, non-simple properties, bad directions and duplicates are
/// silently ignored, except from 2.43, where an unknown property is an error and an unknown
/// direction means `asc`. Defaults to name iasc.
pub fn parse_order(
    values: &[String],
    schema: &Schema,
    version: Dhis2Version,
) -> Result<Vec<OrderBy>, OrderError> {
    let mut clauses: Vec<String> = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|clause| clause.trim().to_string())
        .filter(|clause| !clause.is_empty())
        .collect();
    if !version.has(Change::OrderKeepsRequestOrder) {
        clauses = java_hash_set_order(clauses);
    }
    let strict = version.has(Change::UnknownOrderIs400);
    let mut orders: Vec<OrderBy> = Vec::new();
    for clause in &clauses {
        let mut parts = clause.splitn(2, ':');
        let name = parts.next().unwrap_or_default().trim();
        let direction = parts.next().unwrap_or("asc").to_ascii_lowercase();
        let (descending, ignore_case) = match direction.as_str() {
            "asc" => (false, false),
            "desc" => (true, false),
            "iasc" => (false, true),
            "idesc" => (true, true),
            _ if strict => (false, false),
            _ => continue,
        };
        let Some(prop) = schema.get(name) else {
            if strict {
                return Err(OrderError(format!("No such property: {name}")));
            }
            continue;
        };
        if matches!(
            prop.ty,
            PropType::UserRef | PropType::Sharing | PropType::Collection | PropType::Objects(_)
        ) || orders.iter().any(|o| o.key == prop.name)
        {
            continue;
        }
        orders.push(OrderBy {
            key: prop.name,
            ty: prop.ty,
            descending,
            ignore_case,
        });
    }
    Ok(orders)
}

/// The metadata engine's order when none is asked for: `name` case-insensitive (then `id`).
pub fn default_order() -> Vec<OrderBy> {
    vec![OrderBy {
        key: "name",
        ty: PropType::Text,
        descending: false,
        ignore_case: true,
    }]
}

/// The order of `objects` (as indices) by the clauses, then by id for a stable page order, or
/// by `seqs` (the database keys, a Gist list's order) when given. NULLs sort as in PostgreSQL:
/// last ascending, first descending.
pub fn sort_order(objects: &[Value], orders: &[OrderBy], seqs: Option<&[u64]>) -> Vec<usize> {
    let key_of = |object: &Value, order: &OrderBy| -> Option<Typed> {
        let value = object.get(order.key).filter(|v| !v.is_null())?;
        match typed_json(value, order.ty)? {
            Typed::Text(s) if order.ignore_case => Some(Typed::Text(s.to_lowercase())),
            other => Some(other),
        }
    };
    // Each key is computed once, not in every comparison (dates parse, names lower-case).
    let keys: Vec<(Vec<Option<Typed>>, &str)> = objects
        .iter()
        .map(|object| {
            let id = object.get("id").and_then(Value::as_str).unwrap_or("");
            (orders.iter().map(|o| key_of(object, o)).collect(), id)
        })
        .collect();
    let mut indices: Vec<usize> = (0..objects.len()).collect();
    indices.sort_by(|&a, &b| {
        let ((a_keys, a_id), (b_keys, b_id)) = (&keys[a], &keys[b]);
        for ((order, x), y) in orders.iter().zip(a_keys).zip(b_keys) {
            let ordering = match (x, y) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => compare_typed(x, y).unwrap_or(Ordering::Equal),
            };
            let ordering = if order.descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        match seqs {
            Some(seqs) => seqs[a].cmp(&seqs[b]),
            None => a_id.cmp(b_id),
        }
    });
    indices
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema {
            props: vec![
                Prop {
                    name: "id",
                    ty: PropType::Text,
                },
                Prop {
                    name: "name",
                    ty: PropType::Text,
                },
                Prop {
                    name: "code",
                    ty: PropType::Text,
                },
                Prop {
                    name: "external",
                    ty: PropType::Bool,
                },
                Prop {
                    name: "created",
                    ty: PropType::Date,
                },
                Prop {
                    name: "createdBy",
                    ty: PropType::UserRef,
                },
                Prop {
                    name: "translations",
                    ty: PropType::Collection,
                },
            ],
        }
    }

    fn doc() -> Value {
        json!({"id":"abcdefghijk","name":"2025 Malaria annual report","external":false,
               "created":"2024-05-01T10:00:00.000","createdBy":{"id":"u1","username":"admin"},
               "translations":[]})
    }

    fn check(filter: &str, version: u8) -> Result<bool, QueryError> {
        Filter::parse(filter, &schema(), Dhis2Version::new(version, 0)).map(|f| f.matches(&doc()))
    }

    #[test]
    fn operators() {
        assert_eq!(check("name:ilike:MALARIA", 41), Ok(true));
        assert_eq!(check("name:like:MALARIA", 41), Ok(false));
        assert_eq!(check("name:$ilike:2025", 41), Ok(true));
        assert_eq!(check("name:ilike$:REPORT", 41), Ok(true));
        assert_eq!(check("name:!ilike:report", 41), Ok(false));
        assert_eq!(check("name:token:mal ann", 41), Ok(true));
        assert_eq!(check("name:token:alaria", 41), Ok(false));
        assert_eq!(check("external:eq:false", 41), Ok(true));
        assert_eq!(check("created:gt:2024-01-01", 41), Ok(true));
        assert_eq!(check("created:lt:2024-01-01", 41), Ok(false));
        assert_eq!(check("id:in:[x,abcdefghijk]", 41), Ok(true));
        assert_eq!(check("id:!in:[x,abcdefghijk]", 41), Ok(false));
        assert_eq!(check("code:null", 41), Ok(true));
        assert_eq!(check("code:!null", 41), Ok(false));
        assert_eq!(check("code:eq:x", 41), Ok(false));
        assert_eq!(check("code:ne:x", 41), Ok(false));
        assert_eq!(check("createdBy.username:eq:admin", 41), Ok(true));
        assert_eq!(check("createdBy:eq:u1", 41), Ok(true));
        assert_eq!(check("translations:empty", 41), Ok(true));
        assert_eq!(check("translations:eq:0", 41), Ok(true));
        assert_eq!(check("identifiable:token:annual", 41), Ok(true));
        assert_eq!(check("name:ieq:2025 MALARIA ANNUAL REPORT", 41), Ok(true));
    }

    #[test]
    fn value_may_contain_colons() {
        let object = json!({"name": "a:b:c"});
        let f =
            Filter::parse("name:eq:a:b:c", &schema(), Dhis2Version::new(41, 0)).expect("parses");
        assert!(f.matches(&object));
    }

    #[test]
    fn errors_carry_dhis2_text() {
        let err = |f: &str, v: u8| check(f, v).expect_err(f).0;
        assert_eq!(err("foo:eq:1", 41), "Unknown path property: foo");
        assert_eq!(err("name", 41), "Invalid filter => name");
        assert_eq!(err("name:zz:1", 41), "`zz` is not a valid operator.");
        assert_eq!(err("name:ieq:x", 40), "`ieq` is not a valid operator.");
        assert_eq!(err("name:!empty", 41), "`!empty` is not a valid operator.");
        assert!(check("name:!empty", 42).is_ok());
        assert_eq!(err("id:in:x", 41), "Invalid argument `x` for in operator.");
        assert_eq!(
            err("created:gt:soon", 41),
            "Unable to parse `soon` as `Date`."
        );
        assert!(err("name.x:eq:1", 41).starts_with("Simple type was found"));
    }

    #[test]
    fn comma_splitting() {
        assert_eq!(split_filters("name:eq:a,b"), vec!["name:eq:a"]);
        assert_eq!(
            split_filters("id:in:[a,b],name:ilike:x"),
            vec!["id:in:[a,b]", "name:ilike:x"]
        );
    }

    fn v42() -> Dhis2Version {
        Dhis2Version::new(42, 0)
    }

    #[test]
    fn ordering() {
        let objects = vec![
            json!({"id":"b","name":"beta"}),
            json!({"id":"a","name":"Alpha"}),
            json!({"id":"c","name":"alpha"}),
        ];
        let ids = |order: Vec<usize>| -> Vec<&str> {
            order
                .into_iter()
                .map(|i| objects[i]["id"].as_str().unwrap_or(""))
                .collect()
        };
        assert_eq!(
            ids(sort_order(&objects, &default_order(), None)),
            ["a", "c", "b"]
        );
        assert_eq!(
            ids(sort_order(
                &objects,
                &parse_order(&["name:desc,bogus:asc".into()], &schema(), v42()).expect("parses"),
                None,
            )),
            ["b", "c", "a"]
        );
    }
}
