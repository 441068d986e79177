//! The DHIS2 objects d2files reads and writes, tolerant of missing and unknown fields.
//!
//! Unknown fields are kept in `extra` so `--json` output shows everything the server sent.
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A reference to a user, as DHIS2 writes `createdBy` / `lastUpdatedBy`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

impl UserRef {
    /// The best human label: display name, name, then user name.
    pub fn label(&self) -> Option<&str> {
        self.display_name
            .as_deref()
            .or(self.name.as_deref())
            .or(self.username.as_deref())
    }
}

/// An entry of `/api/documents`: an uploaded file (`url` is a file resource uid) or an external link.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub id: String,
    #[serde(default, deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub external: bool,
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub content_type: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub attachment: Option<bool>,
    #[serde(
        default,
        deserialize_with = "lenient_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<NaiveDateTime>,
    #[serde(
        default,
        deserialize_with = "lenient_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_updated: Option<NaiveDateTime>,
    #[serde(
        default,
        deserialize_with = "lenient_user",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_by: Option<UserRef>,
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub href: Option<String>,
    /// Every other field the server sent, kept as it came.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Document {
    /// The name to show: the translated display name when present.
    pub fn title(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or(&self.id)
    }

    /// The uid of the file resource behind a file document.
    pub fn file_resource_uid(&self) -> Option<&str> {
        if self.external {
            None
        } else {
            self.url.as_deref()
        }
    }
}

/// What a file resource belongs to; it decides who may download it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Domain {
    DataValue,
    PushAnalysis,
    Document,
    MessageAttachment,
    UserAvatar,
    OrgUnit,
    Icon,
    JobData,
    /// A domain this client does not know (a newer server).
    Other(String),
}

impl Domain {
    pub const KNOWN: [Domain; 8] = [
        Domain::Document,
        Domain::DataValue,
        Domain::MessageAttachment,
        Domain::UserAvatar,
        Domain::OrgUnit,
        Domain::Icon,
        Domain::JobData,
        Domain::PushAnalysis,
    ];

    /// The wire form, always upper case (DHIS2 ≤2.39 compares enum values case-sensitively).
    pub fn as_str(&self) -> &str {
        match self {
            Domain::DataValue => "DATA_VALUE",
            Domain::PushAnalysis => "PUSH_ANALYSIS",
            Domain::Document => "DOCUMENT",
            Domain::MessageAttachment => "MESSAGE_ATTACHMENT",
            Domain::UserAvatar => "USER_AVATAR",
            Domain::OrgUnit => "ORG_UNIT",
            Domain::Icon => "ICON",
            Domain::JobData => "JOB_DATA",
            Domain::Other(other) => other,
        }
    }

    /// Domains whose uploads the server re-encodes, so bytes and MD5 change on the way in.
    pub fn reencodes_images(&self) -> bool {
        matches!(self, Domain::UserAvatar | Domain::OrgUnit | Domain::Icon)
    }

    /// Domains `/api/fileResources/{uid}/data` always refuses.
    pub fn download_refused(&self) -> bool {
        matches!(self, Domain::DataValue | Domain::PushAnalysis)
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Domain {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let upper = text.trim().to_ascii_uppercase().replace('-', "_");
        Domain::KNOWN
            .iter()
            .find(|domain| domain.as_str() == upper)
            .cloned()
            .ok_or_else(|| {
                let valid: Vec<&str> = Domain::KNOWN.iter().map(Domain::as_str).collect();
                format!(
                    "unknown domain `{text}`; valid domains are {}",
                    valid.join(", ")
                )
            })
    }
}

impl Serialize for Domain {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Domain {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(text.parse().unwrap_or(Domain::Other(text)))
    }
}

/// Whether the bytes of a file resource have reached the server's store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageStatus {
    /// Shown by field-filtered reads, which skip the store check.
    None,
    Pending,
    Stored,
    Failed,
    /// A status this client does not know (a newer server), as the server wrote it.
    Other(String),
}

impl StorageStatus {
    pub fn as_str(&self) -> &str {
        match self {
            StorageStatus::None => "NONE",
            StorageStatus::Pending => "PENDING",
            StorageStatus::Stored => "STORED",
            StorageStatus::Failed => "FAILED",
            StorageStatus::Other(other) => other,
        }
    }

    /// Known statuses in any case; anything else kept as it came.
    fn parse(text: &str) -> StorageStatus {
        match text.trim().to_ascii_uppercase().as_str() {
            "NONE" => StorageStatus::None,
            "PENDING" => StorageStatus::Pending,
            "STORED" => StorageStatus::Stored,
            "FAILED" => StorageStatus::Failed,
            _ => StorageStatus::Other(text.to_string()),
        }
    }
}

impl fmt::Display for StorageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StorageStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StorageStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(StorageStatus::parse(&String::deserialize(deserializer)?))
    }
}

/// An entry of `/api/fileResources`: a typed binary blob.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileResource {
    pub id: String,
    #[serde(default, deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub content_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub content_length: Option<u64>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub content_md5: Option<String>,
    #[serde(default)]
    pub domain: Option<Domain>,
    #[serde(default, deserialize_with = "lenient_status")]
    pub storage_status: Option<StorageStatus>,
    #[serde(
        default,
        deserialize_with = "lenient_opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub has_multiple_storage_files: Option<bool>,
    /// Only exposed from DHIS2 2.41.6 / 2.42.3.
    #[serde(
        default,
        deserialize_with = "lenient_opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub assigned: Option<bool>,
    #[serde(
        default,
        deserialize_with = "lenient_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<NaiveDateTime>,
    #[serde(
        default,
        deserialize_with = "lenient_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_updated: Option<NaiveDateTime>,
    #[serde(
        default,
        deserialize_with = "lenient_user",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_by: Option<UserRef>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl FileResource {
    pub fn title(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or(&self.id)
    }

    pub fn is_stored(&self) -> bool {
        self.storage_status == Some(StorageStatus::Stored)
    }

    /// Whether DHIS2 keeps this file in several sizes, so a `dimension` picks one: PNG or JPEG
    /// images of the data value, avatar and org unit domains, once the variants exist (§4.6).
    pub fn has_image_variants(&self) -> bool {
        let image = self.content_type.as_deref().is_some_and(|t| {
            let essence = media_type(t);
            ["image/png", "image/jpeg", "image/jpg"]
                .iter()
                .any(|known| essence.eq_ignore_ascii_case(known))
        });
        let domain = matches!(
            self.domain,
            Some(Domain::DataValue | Domain::UserAvatar | Domain::OrgUnit)
        );
        image && domain && self.has_multiple_storage_files == Some(true)
    }
}

/// Image sizes DHIS2 may keep for image file resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    Small,
    Medium,
    Large,
    Original,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Small => "SMALL",
            Dimension::Medium => "MEDIUM",
            Dimension::Large => "LARGE",
            Dimension::Original => "ORIGINAL",
        }
    }
}

impl FromStr for Dimension {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "small" => Ok(Dimension::Small),
            "medium" => Ok(Dimension::Medium),
            "large" => Ok(Dimension::Large),
            "original" => Ok(Dimension::Original),
            _ => Err(format!(
                "unknown dimension `{text}`; use small, medium, large or original"
            )),
        }
    }
}

/// The paging block of a list answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pager {
    #[serde(default, deserialize_with = "lenient_count")]
    pub page: u32,
    #[serde(default, deserialize_with = "lenient_count")]
    pub page_count: u32,
    #[serde(default, deserialize_with = "lenient_count")]
    pub total: u64,
    #[serde(default, deserialize_with = "lenient_count")]
    pub page_size: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_page: Option<String>,
}

/// One page of a list, with the pager when the server paged it. Where a list ends (its methods
/// and [`Pager::continues_after`]) is decided in `listing.rs`, which follows pages.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub pager: Option<Pager>,
}

/// A validation problem reported inside a WebMessage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorReport {
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_klass: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_property: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_properties: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Value>,
}

/// DHIS2's envelope for errors and for the answer to every write.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebMessage {
    #[serde(default)]
    pub http_status: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt_count")]
    pub http_status_code: Option<u16>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub dev_message: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub response: Option<Value>,
}

impl WebMessage {
    /// The error reports, wherever this response type keeps them.
    pub fn error_reports(&self) -> Vec<ErrorReport> {
        let Some(response) = &self.response else {
            return Vec::new();
        };
        let mut reports = Vec::new();
        collect_error_reports(response, &mut reports);
        reports
    }

    /// Whether the answer carries an import report (`response.responseType` ObjectReport,
    /// ImportReport or TypeReport), whose error reports say why a write was refused.
    pub fn has_import_report(&self) -> bool {
        self.response
            .as_ref()
            .and_then(|response| response.get("responseType"))
            .and_then(serde_json::Value::as_str)
            .is_some_and(|kind| matches!(kind, "ObjectReport" | "ImportReport" | "TypeReport"))
    }

    /// The uid a create answered with (`response.uid`).
    pub fn created_uid(&self) -> Option<String> {
        self.response
            .as_ref()?
            .get("uid")?
            .as_str()
            .map(str::to_string)
    }
}

/// ObjectReports keep `errorReports` at the top; ImportReports nest them in type and object reports.
fn collect_error_reports(value: &Value, out: &mut Vec<ErrorReport>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "errorReports" {
                    if let Value::Array(items) = child {
                        out.extend(
                            items
                                .iter()
                                .filter_map(|item| serde_json::from_value(item.clone()).ok()),
                        );
                    }
                } else {
                    collect_error_reports(child, out);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_error_reports(item, out)),
        _ => {}
    }
}

/// The part of `/api/system/info` d2files uses.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemInfo {
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub revision: Option<String>,
    #[serde(default)]
    pub system_name: Option<String>,
    #[serde(default)]
    pub context_path: Option<String>,
    #[serde(default)]
    pub server_time_zone_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_date")]
    pub server_date: Option<NaiveDateTime>,
}

/// The part of `/api/me` d2files uses.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_strings")]
    pub authorities: Vec<String>,
}

impl Me {
    pub fn label(&self) -> &str {
        self.username
            .as_deref()
            .or(self.display_name.as_deref())
            .or(self.name.as_deref())
            .unwrap_or("?")
    }
}

/// Parses DHIS2 dates: `2025-03-04T10:11:12.345` (no zone), with or without fraction, with a
/// zone or offset, or a bare date. Anything else reads as absent rather than failing the object.
pub fn parse_dhis2_date(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if let Ok(parsed) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(parsed.naive_utc());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(parsed) = NaiveDateTime::parse_from_str(text, format) {
            return Some(parsed);
        }
    }
    if let Ok(parsed) = chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(parsed.naive_utc());
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
}

fn lenient_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(text) => parse_dhis2_date(&text),
        // Some exports write epoch milliseconds.
        Value::Number(n) => n
            .as_i64()
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|dt| dt.naive_utc()),
        _ => None,
    })
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::String(text) => text.eq_ignore_ascii_case("true"),
        _ => false,
    })
}

/// Text fields: a number or boolean where text belongs is kept as its text; anything else
/// (null, an object) is absent, rather than failing the whole list.
fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(text) => Some(text),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

fn lenient_opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        Value::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
        Value::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    })
}

/// A whole number, also when written as text (`"583"`); anything else, or out of range, is absent.
fn whole_number<T: TryFrom<u64>>(value: Value) -> Option<T> {
    let number = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    number.and_then(|n| T::try_from(n).ok())
}

fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(whole_number(Value::deserialize(d)?))
}

fn lenient_opt_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    Ok(whole_number(Value::deserialize(d)?))
}

/// Pager numbers: `null`, text or nonsense count as 0 (unknown) rather than failing the list.
fn lenient_count<'de, D: Deserializer<'de>, T: TryFrom<u64> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(whole_number(Value::deserialize(d)?).unwrap_or_default())
}

fn lenient_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| match item {
                Value::String(text) => Some(text),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

fn lenient_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<StorageStatus>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(text) => Some(StorageStatus::parse(&text)),
        _ => None,
    })
}

fn lenient_user<'de, D: Deserializer<'de>>(d: D) -> Result<Option<UserRef>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// A content type without its parameters, trimmed: `text/csv; charset=utf-8` is `text/csv`.
/// Compare it without regard to case, as media types are.
pub fn media_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_tolerates_missing_unknown_and_odd_fields() {
        let doc: Document = serde_json::from_str(
            r#"{"id":"RTkjSgLtdI6","name":"Report","external":"true","lastUpdated":"2025-03-04T10:11:12.345",
                "created":"not a date","createdBy":{"id":"M5zQapPyTZI","code":null,"username":"admin"},
                "sharing":{"public":"rw------"}}"#,
        )
        .unwrap();
        assert!(doc.external);
        assert_eq!(doc.created, None);
        assert_eq!(
            doc.last_updated.unwrap().to_string(),
            "2025-03-04 10:11:12.345"
        );
        assert_eq!(doc.created_by.unwrap().label(), Some("admin"));
        assert!(doc.extra.contains_key("sharing"));
    }

    #[test]
    fn file_resource_reads_domain_and_status_leniently() {
        let fr: FileResource = serde_json::from_str(
            r#"{"id":"TacExtJuMmW","domain":"FUTURE_DOMAIN","storageStatus":"stored","contentLength":"12"}"#,
        )
        .unwrap();
        assert_eq!(fr.domain, Some(Domain::Other("FUTURE_DOMAIN".into())));
        assert!(fr.is_stored());
        assert_eq!(fr.content_length, Some(12));
    }

    #[test]
    fn domain_parses_any_case_and_lists_valid_values_on_error() {
        assert_eq!("document".parse::<Domain>(), Ok(Domain::Document));
        assert_eq!("data-value".parse::<Domain>(), Ok(Domain::DataValue));
        let err = "docs".parse::<Domain>().unwrap_err();
        assert!(err.contains("MESSAGE_ATTACHMENT"), "{err}");
    }

    #[test]
    fn dates_in_every_dhis2_shape() {
        for text in [
            "2025-03-04T10:11:12.345",
            "2025-03-04T10:11:12",
            "2025-03-04T10:11:12.345Z",
            "2025-03-04T10:11:12.345+0000",
        ] {
            assert!(parse_dhis2_date(text).is_some(), "{text}");
        }
        assert!(parse_dhis2_date("2025-03-04").is_some());
        assert!(parse_dhis2_date("yesterday").is_none());
    }

    #[test]
    fn error_reports_are_found_in_object_and_import_reports() {
        let msg: WebMessage = serde_json::from_str(
            r#"{"httpStatusCode":409,"status":"ERROR","message":"One or more errors occurred",
                "response":{"responseType":"ObjectReport","uid":"Xb3sL9pQw2e","errorReports":[
                  {"message":"Property `url` requires a valid URL","errorCode":"E4004","args":["url"]}]}}"#,
        )
        .unwrap();
        let reports = msg.error_reports();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].error_code.as_deref(), Some("E4004"));
        assert_eq!(msg.created_uid().as_deref(), Some("Xb3sL9pQw2e"));
    }
}
