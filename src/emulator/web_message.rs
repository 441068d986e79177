//! The DHIS2 WebMessage envelope (dhis2-api.md §1.2), error reports, and the non-JSON error
//! pages a servlet container or a proxy sends instead.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::version::{Change, Dhis2Version};

pub const DOCUMENT_KLASS: &str = "org.hisp.dhis.document.Document";

/// `OK | WARNING | ERROR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Ok,
    Warning,
    Error,
}

/// One WebMessage answer: the JSON body plus the headers `WebMessageControllerAdvice` adds.
/// Boxed: it travels in `Result`s.
#[derive(Debug)]
pub struct WebMessage(Box<Inner>);

#[derive(Debug)]
struct Inner {
    status: StatusCode,
    kind: Status,
    message: Option<String>,
    dev_message: Option<String>,
    response: Option<Value>,
    error_code: Option<String>,
    headers: HeaderMap,
}

/// The wire shape, in DHIS2's `@JsonPropertyOrder`; `None` is omitted (NON_NULL).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    http_status: &'a str,
    http_status_code: u16,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dev_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
}

impl WebMessage {
    pub fn new(status: StatusCode, kind: Status) -> Self {
        Self(Box::new(Inner {
            status,
            kind,
            message: None,
            dev_message: None,
            response: None,
            error_code: None,
            headers: HeaderMap::new(),
        }))
    }

    /// An ERROR message with the given status and text.
    pub fn error(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(status, Status::Error).message(message)
    }

    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.0.message = Some(message.into());
        self
    }

    pub fn dev_message(mut self, message: impl Into<String>) -> Self {
        self.0.dev_message = Some(message.into());
        self
    }

    pub fn response(mut self, response: Value) -> Self {
        self.0.response = Some(response);
        self
    }

    pub fn code(mut self, code: &str) -> Self {
        self.0.error_code = Some(code.to_string());
        self
    }

    /// Adds `code` only where the version carries it.
    pub fn code_if(self, present: bool, code: &str) -> Self {
        if present { self.code(code) } else { self }
    }

    pub fn header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.0.headers.insert(name, value);
        }
        self
    }

    /// `Location` is absolute: the API path plus the object's location.
    pub fn location(self, url: &str) -> Self {
        self.header(header::LOCATION, url)
    }

    pub fn to_json(&self) -> Value {
        let envelope = Envelope {
            http_status: reason(self.0.status),
            http_status_code: self.0.status.as_u16(),
            status: self.0.kind,
            message: self.0.message.as_deref(),
            dev_message: self.0.dev_message.as_deref(),
            response: self.0.response.as_ref(),
            error_code: self.0.error_code.as_deref(),
        };
        serde_json::to_value(envelope).unwrap_or(Value::Null)
    }
}

impl IntoResponse for WebMessage {
    fn into_response(self) -> Response {
        let body = self.to_json().to_string();
        let mut response = (self.0.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=UTF-8"),
        );
        if self.0.status.is_client_error() || self.0.status.is_server_error() {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache, private"),
            );
        }
        headers.extend(self.0.headers);
        response
    }
}

/// Spring's `HttpStatus` reason phrase (the same as the IANA one for every status used here).
pub fn reason(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Unknown")
}

/// One `ErrorReport` of an ObjectReport (`args` only from 2.41).
#[derive(Clone, Debug)]
pub struct ErrorReport {
    pub message: String,
    pub error_code: &'static str,
    pub main_klass: &'static str,
    /// The first is also the report's `errorProperty`.
    pub error_properties: Vec<String>,
}

impl ErrorReport {
    pub fn new(
        error_code: &'static str,
        main_klass: &'static str,
        message: String,
        properties: &[&str],
    ) -> Self {
        Self {
            message,
            error_code,
            main_klass,
            error_properties: properties.iter().map(|p| p.to_string()).collect(),
        }
    }

    pub fn to_json(&self, version: Dhis2Version) -> Value {
        let mut report = json!({
            "message": self.message,
            "mainKlass": self.main_klass,
            "errorCode": self.error_code,
            "errorProperties": self.error_properties,
        });
        if let Some(property) = self.error_properties.first() {
            report["errorProperty"] = json!(property);
        }
        if version.has(Change::ErrorReportArgs) {
            report["args"] = json!(self.error_properties);
        }
        report
    }
}

/// `{"responseType":"ObjectReport","uid":…,"klass":…,"errorReports":[…]}`.
pub fn object_report(
    uid: &str,
    klass: &str,
    reports: &[ErrorReport],
    version: Dhis2Version,
) -> Value {
    json!({
        "responseType": "ObjectReport",
        "uid": uid,
        "klass": klass,
        "errorReports": reports.iter().map(|r| r.to_json(version)).collect::<Vec<_>>(),
    })
}

/// The import-report failure: 409, status ERROR (POST/PUT rewrite WARNING) with the reports.
pub fn import_conflict(
    uid: &str,
    klass: &str,
    reports: &[ErrorReport],
    version: Dhis2Version,
) -> WebMessage {
    WebMessage::error(
        StatusCode::CONFLICT,
        "One or more errors occurred, please see full details in import report.",
    )
    .response(object_report(uid, klass, reports, version))
}

/// The servlet container's own error page (not JSON), e.g. for a missing multipart part.
pub fn container_error_page(status: StatusCode, message: &str) -> Response {
    let title = format!("HTTP Status {} – {}", status.as_u16(), reason(status));
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><title>{title}</title></head><body>\
         <h1>{title}</h1><hr class=\"line\" /><p><b>Type</b> Status Report</p>\
         <p><b>Message</b> {}</p><hr class=\"line\" /><h3>Apache Tomcat/9.0.83</h3></body></html>",
        html_escape(message)
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html;charset=utf-8")],
        body,
    )
        .into_response()
}

pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_omits_absent_fields_and_mirrors_status() {
        let message = WebMessage::error(StatusCode::NOT_FOUND, "gone").code("E1005");
        assert_eq!(
            message.to_json(),
            json!({"httpStatus":"Not Found","httpStatusCode":404,"status":"ERROR",
                   "message":"gone","errorCode":"E1005"})
        );
    }

    #[test]
    fn args_only_from_241() {
        let report = ErrorReport::new("E4015", DOCUMENT_KLASS, "m".into(), &["url", "x"]);
        assert!(
            report
                .to_json(Dhis2Version::new(40, 0))
                .get("args")
                .is_none()
        );
        assert_eq!(
            report.to_json(Dhis2Version::new(41, 0))["args"],
            json!(["url", "x"])
        );
    }
}
