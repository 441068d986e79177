//! Property tests: the parsers that read what servers and users send never panic, and the
//! ones with a printed form read back what they print.
use std::path::{Component, Path};

use d2files::api::filename::{
    is_reserved, is_terminal_control, parse_content_disposition, printable, sanitize_file_name,
};
use d2files::api::{Document, FileResource, Filter, Operator, Pager, WebMessage};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Names as hostile servers and careless uploaders write them: separators, dots, control
/// characters, Windows device names and non-ASCII letters, in any mix and length.
fn hostile_name() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("/".to_string()),
        Just("\\".to_string()),
        Just("..".to_string()),
        Just(".".to_string()),
        Just(" ".to_string()),
        Just("CON".to_string()),
        Just("nul".to_string()),
        Just("COM1".to_string()),
        Just("\u{0}".to_string()),
        Just("\n".to_string()),
        Just("\u{1b}[31m".to_string()),
        Just("\u{7f}".to_string()),
        Just("\u{202e}".to_string()),
        Just("\u{2066}".to_string()),
        Just("COM\u{b9}".to_string()),
        Just("lpt\u{b3}".to_string()),
        Just("CONIN$".to_string()),
        Just("conout$".to_string()),
        format_character().prop_map(String::from),
        Just(".pdf".to_string()),
        "[a-zA-Z0-9_-]{1,12}",
        "[éßあ😀]{1,6}",
        any::<char>().prop_map(String::from),
    ];
    prop_oneof![
        prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat()),
        // Past the length limit, with and without an extension.
        ("[a-zé. ]{150,400}", prop::option::of("\\.[a-z]{1,5}"))
            .prop_map(|(stem, ext)| stem + &ext.unwrap_or_default()),
        any::<String>(),
    ]
}

/// A character of Unicode's Cf category, from every range of it (and the separators and
/// fillers that are as invisible).
fn format_character() -> impl Strategy<Value = char> {
    prop_oneof![
        Just('\u{ad}'),
        (0x600u32..=0x605).prop_map(|c| char::from_u32(c).unwrap()),
        Just('\u{61c}'),
        Just('\u{6dd}'),
        Just('\u{70f}'),
        Just('\u{890}'),
        Just('\u{8e2}'),
        Just('\u{180e}'),
        (0x200bu32..=0x200f).prop_map(|c| char::from_u32(c).unwrap()),
        (0x202au32..=0x202e).prop_map(|c| char::from_u32(c).unwrap()),
        (0x2060u32..=0x2064).prop_map(|c| char::from_u32(c).unwrap()),
        (0x2066u32..=0x206f).prop_map(|c| char::from_u32(c).unwrap()),
        Just('\u{feff}'),
        (0xfff9u32..=0xfffb).prop_map(|c| char::from_u32(c).unwrap()),
        Just('\u{110bd}'),
        Just('\u{110cd}'),
        (0x13430u32..=0x1343f).prop_map(|c| char::from_u32(c).unwrap()),
        (0x1bca0u32..=0x1bca3).prop_map(|c| char::from_u32(c).unwrap()),
        (0x1d173u32..=0x1d17a).prop_map(|c| char::from_u32(c).unwrap()),
        Just('\u{e0001}'),
        (0xe0020u32..=0xe007f).prop_map(|c| char::from_u32(c).unwrap()),
        Just('\u{2028}'),
        Just('\u{3164}'),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        // Failures print their minimal input; no regression files in the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn content_disposition_never_panics(header in any::<String>()) {
        if let Some(name) = parse_content_disposition(&header) {
            prop_assert!(!name.trim().is_empty());
        }
    }

    #[test]
    fn content_disposition_reads_dhis2s_raw_form(name in "[^\"]{0,80}") {
        // DHIS2 writes `filename=<name>` raw: a `;` inside the name belongs to it.
        let parsed = parse_content_disposition(&format!("filename={name}"));
        let expected = Some(name.trim().to_string()).filter(|n| !n.is_empty());
        prop_assert_eq!(parsed, expected);
    }

    #[test]
    fn content_disposition_reads_quoted_names(name in "[^\"\\\\]{0,80}") {
        let parsed = parse_content_disposition(&format!("attachment; filename=\"{name}\""));
        let expected = Some(name.clone()).filter(|n| !n.trim().is_empty());
        prop_assert_eq!(parsed, expected);
    }

    #[test]
    fn content_disposition_decodes_rfc5987(name in any::<String>()) {
        let encoded: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
        let parsed = parse_content_disposition(&format!(
            "attachment; filename=\"fallback.bin\"; filename*=UTF-8''{encoded}"
        ));
        let expected = if name.trim().is_empty() { "fallback.bin".to_string() } else { name };
        prop_assert_eq!(parsed, Some(expected));
    }

    #[test]
    fn sanitised_names_are_safe(name in hostile_name()) {
        let clean = sanitize_file_name(&name);
        prop_assert!(!clean.is_empty());
        prop_assert!(clean != "." && clean != "..");
        prop_assert!(clean.len() <= 200, "{} bytes", clean.len());
        prop_assert!(!clean.contains(['/', '\\']), "{clean:?}");
        prop_assert!(!clean.chars().any(char::is_control), "{clean:?}");
        prop_assert!(!clean.chars().any(is_terminal_control), "{clean:?}");
        prop_assert!(!clean.starts_with('.'), "{clean:?}");
        let stem = clean.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
        prop_assert!(
            !["CON", "PRN", "AUX", "NUL", "COM1", "LPT1", "COM\u{b9}", "LPT\u{b3}", "CONIN$", "CONOUT$"]
                .contains(&stem.as_str()),
            "{clean:?}"
        );
        prop_assert!(!is_reserved(&clean), "{clean:?}");
        // Joined to a directory it names exactly one entry inside that directory.
        let dir = Path::new("/downloads/here");
        let joined = dir.join(&clean);
        prop_assert_eq!(joined.parent(), Some(dir));
        let last: Vec<Component> = joined.components().skip(dir.components().count()).collect();
        prop_assert!(matches!(last.as_slice(), [Component::Normal(_)]), "{last:?}");
    }

    #[test]
    fn sanitising_is_idempotent(name in hostile_name()) {
        let once = sanitize_file_name(&name);
        prop_assert_eq!(sanitize_file_name(&once), once);
    }

    #[test]
    fn format_characters_never_survive(before in "[a-z]{0,8}", c in format_character(), after in "[a-z.]{0,8}") {
        let name = format!("{before}{c}{after}");
        prop_assert!(!sanitize_file_name(&name).contains(c), "{name:?}");
        prop_assert!(!printable(&name).contains(c), "{name:?}");
    }

    #[test]
    fn printable_text_is_inert_and_stable(text in hostile_name()) {
        let shown = printable(&text);
        prop_assert!(!shown.chars().any(is_terminal_control), "{shown:?}");
        prop_assert_eq!(shown.chars().count(), text.chars().count());
        prop_assert_eq!(printable(&shown), shown);
    }

    #[test]
    fn long_names_keep_their_extension(stem in "[a-zé]{201,400}", ext in "[a-z]{1,5}") {
        let clean = sanitize_file_name(&format!("{stem}.{ext}"));
        prop_assert!(clean.len() <= 200);
        let suffix = format!(".{}", ext);
        prop_assert!(clean.ends_with(&suffix), "{}", clean);
    }

    #[test]
    fn filter_parsing_never_panics(text in any::<String>()) {
        if let Ok(filter) = Filter::parse(&text) {
            // Whatever parses prints to a form that parses to the same filter.
            prop_assert_eq!(Filter::parse(&filter.to_string()).ok(), Some(filter));
        }
    }

    #[test]
    fn filters_round_trip_through_their_text(filter in valid_filter()) {
        let text = filter.to_string();
        prop_assert_eq!(Filter::parse(&text).ok(), Some(filter.clone()), "{}", text);
        prop_assert_eq!(text.parse::<Filter>().ok(), Some(filter));
    }

    #[test]
    fn models_decode_any_json_without_panicking(value in json_value()) {
        let _ = serde_json::from_value::<Document>(value.clone());
        let _ = serde_json::from_value::<FileResource>(value.clone());
        let _ = serde_json::from_value::<WebMessage>(value.clone());
        let _ = serde_json::from_value::<Pager>(value.clone());
        let text = value.to_string();
        let _ = serde_json::from_str::<Document>(&text);
        let _ = serde_json::from_str::<FileResource>(&text);
        if let Ok(message) = serde_json::from_str::<WebMessage>(&text) {
            let _ = message.error_reports();
            let _ = message.created_uid();
        }
        let _ = serde_json::from_str::<Pager>(&text);
    }

    #[test]
    fn models_decode_their_own_fields_with_any_values(object in model_object()) {
        // The keys DHIS2 sends, with values of any type: a clear error or a value, never a panic.
        if let Ok(document) = serde_json::from_value::<Document>(object.clone()) {
            let _ = document.title();
            let _ = document.file_resource_uid();
        }
        if let Ok(resource) = serde_json::from_value::<FileResource>(object.clone()) {
            let _ = resource.title();
            let _ = resource.is_stored();
        }
        if let Ok(message) = serde_json::from_value::<WebMessage>(object.clone()) {
            let _ = message.error_reports();
        }
        let _ = serde_json::from_value::<Pager>(object);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoders(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<Document>(&bytes);
        let _ = serde_json::from_slice::<FileResource>(&bytes);
        let _ = serde_json::from_slice::<WebMessage>(&bytes);
        let _ = serde_json::from_slice::<Pager>(&bytes);
    }
}

const OPERATORS: &[&str] = &[
    "eq",
    "!eq",
    "ne",
    "neq",
    "ieq",
    "gt",
    "ge",
    "gte",
    "lt",
    "le",
    "lte",
    "like",
    "!like",
    "$like",
    "!$like",
    "like$",
    "!like$",
    "ilike",
    "!ilike",
    "$ilike",
    "startsWith",
    "!$ilike",
    "ilike$",
    "endsWith",
    "!ilike$",
    "in",
    "!in",
    "null",
    "!null",
    "empty",
    "!empty",
    "token",
    "!token",
];

fn valid_filter() -> impl Strategy<Value = Filter> {
    let property = "[a-zA-Z_][a-zA-Z0-9_.]{0,20}";
    // The value runs to the end of the text, so it may hold `:`; only trailing space is trimmed.
    let value = "[^\\s]([^\\n]{0,30}[^\\s])?";
    (property, prop::sample::select(OPERATORS), value).prop_map(|(property, spelling, value)| {
        let operator: Operator = spelling.parse().expect("a listed spelling");
        let value = if operator.is_unary() {
            None
        } else if matches!(operator, Operator::In | Operator::NotIn) {
            Some(format!("[{value}]"))
        } else {
            Some(value)
        };
        Filter::new(&property, operator, value.as_deref()).expect("a valid filter")
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(field_key(), inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn field_key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(MODEL_KEYS).prop_map(str::to_string),
        "[a-zA-Z]{1,10}",
    ]
}

const MODEL_KEYS: &[&str] = &[
    "id",
    "name",
    "displayName",
    "code",
    "url",
    "external",
    "contentType",
    "attachment",
    "created",
    "lastUpdated",
    "createdBy",
    "href",
    "contentLength",
    "contentMd5",
    "domain",
    "storageStatus",
    "hasMultipleStorageFiles",
    "assigned",
    "httpStatus",
    "httpStatusCode",
    "status",
    "message",
    "devMessage",
    "errorCode",
    "response",
    "errorReports",
    "uid",
    "page",
    "pageCount",
    "total",
    "pageSize",
    "nextPage",
    "prevPage",
    "username",
];

fn model_object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(prop::sample::select(MODEL_KEYS), json_value(), 0..12).prop_map(
        |map| {
            let mut object: Map<String, Value> =
                map.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            // Most real answers carry an id string; keep that case well covered.
            object
                .entry("id")
                .or_insert_with(|| Value::String("RTkjSgLtdI6".into()));
            Value::Object(object)
        },
    )
}
