//! Masking our own credentials in text a server sent back. A hostile or careless server (or a
//! proxy's error page) may echo the `Authorization` header or the password; whatever it wrote
//! must not reach the terminal, a log file or an MCP agent.
use std::path::PathBuf;

use base64::Engine as _;
use serde_json::Value;

use crate::api::auth::Auth;
use crate::api::error::Error;

/// What a secret is replaced with.
const MASK: &str = "***";

/// A cut-off excerpt (`…` at its end) may end in the first part of a secret; a tail this long
/// is masked too. Shorter tails say nothing about the secret (2 characters of base64 are not
/// even a whole byte).
const MIN_CUT_TAIL: usize = 3;

/// The forms of one client's secrets a server could write back ([`Client::redactor`]). The
/// client masks them in every error itself; a program that shows what a successful answer
/// holds (names, URLs) masks their echoes with [`Redactor::echoes_in_text`] or
/// [`Redactor::echoes_in_json`], as the CLI and the MCP server do.
///
/// [`Client::redactor`]: crate::api::Client::redactor
#[derive(Clone, Debug)]
pub struct Redactor {
    /// Every form, longest first, so `user:password` is masked whole rather than around the
    /// password.
    needles: Vec<String>,
    /// The forms only an echo of our request holds (the Basic pair and its base64, the token),
    /// never an ordinary word: a password may be one (DHIS2's default is `district`), and
    /// masking it in stored names would corrupt the data itself.
    echoes: Vec<String>,
}

impl Redactor {
    pub(crate) fn for_auth(auth: &Auth) -> Redactor {
        let mut echoes = Vec::new();
        let mut password_forms = Vec::new();
        match auth {
            Auth::Basic { username, password } => {
                let password = password.expose();
                let pair = format!("{username}:{password}");
                for engine in [
                    base64::engine::general_purpose::STANDARD,
                    base64::engine::general_purpose::URL_SAFE,
                ] {
                    let encoded = engine.encode(&pair);
                    // Echoes drop the padding as often as they keep it.
                    echoes.push(encoded.trim_end_matches('=').to_string());
                    echoes.push(encoded);
                }
                echoes.push(pair);
                password_forms = text_forms(password);
            }
            Auth::Token(token) => echoes.extend(text_forms(token.expose())),
        }
        let needles = longest_first(echoes.iter().cloned().chain(password_forms).collect());
        Redactor {
            needles,
            echoes: longest_first(echoes),
        }
    }

    /// `text` with every form of the secrets masked, ignoring ASCII case.
    pub(crate) fn text(&self, text: &str) -> String {
        mask(&self.needles, text)
    }

    /// Every string in a JSON value (keys included) with every form of the secrets masked.
    pub(crate) fn json(&self, value: &mut Value) {
        mask_json(&self.needles, value);
    }

    /// `text` (which may hold stored data) with the echoes of our credentials masked.
    pub fn echoes_in_text(&self, text: &str) -> String {
        mask(&self.echoes, text)
    }

    /// Every string of a successful answer with the echoes of our credentials masked.
    pub fn echoes_in_json(&self, value: &mut Value) {
        mask_json(&self.echoes, value);
    }

    /// The error with every text it carries masked: the one way an error from a server's
    /// answer leaves the client.
    pub(crate) fn error(&self, error: Error) -> Error {
        let text = |value: String| self.text(&value);
        match error {
            Error::Dhis2(mut dhis2) => {
                dhis2.message = text(dhis2.message);
                dhis2.error_code = dhis2.error_code.map(text);
                dhis2.dev_message = dhis2.dev_message.map(text);
                dhis2.hint = dhis2.hint.map(text);
                for report in &mut dhis2.error_reports {
                    report.message = text(std::mem::take(&mut report.message));
                    report.error_code = report.error_code.take().map(text);
                    report.main_klass = report.main_klass.take().map(text);
                    report.error_property = report.error_property.take().map(text);
                    report
                        .error_properties
                        .iter_mut()
                        .for_each(|v| self.json(v));
                    report.args.iter_mut().for_each(|v| self.json(v));
                }
                Error::Dhis2(dhis2)
            }
            Error::Http { status, excerpt } => Error::Http {
                status,
                excerpt: text(excerpt),
            },
            Error::Authentication(message) => Error::Authentication(text(message)),
            Error::NoApi {
                server,
                api_path,
                found,
            } => Error::NoApi {
                server: text(server),
                api_path: text(api_path),
                found: found.map(text),
            },
            Error::DomainRefused {
                uid,
                domain,
                status,
                message,
            } => Error::DomainRefused {
                uid: text(uid),
                domain: text(domain),
                status,
                message: text(message),
            },
            Error::NotAvailable { what, since } => Error::NotAvailable {
                what: text(what),
                since: text(since),
            },
            Error::InvalidInput(message) => Error::InvalidInput(text(message)),
            page @ Error::PagePastEnd { .. } => page,
            Error::Network(message) => Error::Network(text(message)),
            Error::Decode { what, detail } => Error::Decode {
                what: text(what),
                detail: text(detail),
            },
            Error::StorageTimeout {
                uid,
                status,
                waited,
            } => Error::StorageTimeout {
                uid: text(uid),
                status: text(status),
                waited,
            },
            Error::LinkFailed {
                file_resource_uid,
                source,
            } => Error::LinkFailed {
                file_resource_uid: text(file_resource_uid),
                source: Box::new(self.error(*source)),
            },
            Error::TargetExists(path) => Error::TargetExists(self.path(path)),
            Error::Integrity { expected, actual } => Error::Integrity {
                expected: text(expected),
                actual: text(actual),
            },
            Error::UploadIntegrity { uid, stored, sent } => Error::UploadIntegrity {
                uid: text(uid),
                stored: text(stored),
                sent: text(sent),
            },
            Error::Io { path, source } => {
                let shown = source.to_string();
                let masked = text(shown.clone());
                Error::Io {
                    path: self.path(path),
                    source: if masked == shown {
                        source
                    } else {
                        std::io::Error::new(source.kind(), masked)
                    },
                }
            }
            Error::Cancelled => Error::Cancelled,
            Error::Internal(message) => Error::Internal(message),
            Error::WrongBody(message) => Error::WrongBody(text(message)),
            Error::Protocol(message) => Error::Protocol(text(message)),
            Error::Deadline { limit, request } => Error::Deadline {
                limit,
                request: text(request),
            },
            Error::TooLarge { what, limit } => Error::TooLarge {
                what: text(what),
                limit,
            },
            Error::StorageFailed { uid } => Error::StorageFailed { uid: text(uid) },
            Error::UploadIncomplete { uid, detail } => Error::UploadIncomplete {
                uid: text(uid),
                detail: text(detail),
            },
            Error::CreatedUnread { uid, source } => Error::CreatedUnread {
                uid: text(uid),
                source: Box::new(self.error(*source)),
            },
            Error::Context { context, source } => Error::Context {
                context: text(context),
                source: Box::new(self.error(*source)),
            },
        }
    }

    /// A path whose (server-chosen) name holds a secret is shown masked.
    fn path(&self, path: PathBuf) -> PathBuf {
        let shown = path.to_string_lossy();
        let masked = self.text(&shown);
        if masked == shown {
            path
        } else {
            PathBuf::from(masked)
        }
    }
}

fn mask(needles: &[String], text: &str) -> String {
    let mut out = text.to_string();
    for needle in needles {
        out = replace_ignoring_case(&out, needle);
    }
    mask_cut_tail(needles, out)
}

/// An excerpt shortened to `…` keeps no beginning of a secret either.
fn mask_cut_tail(needles: &[String], text: String) -> String {
    let Some(before) = text.strip_suffix('…') else {
        return text;
    };
    let longest = needles
        .iter()
        .filter_map(|needle| {
            (MIN_CUT_TAIL..needle.len())
                .rev()
                .filter(|&len| needle.is_char_boundary(len))
                .find(|&len| ends_with_ignoring_case(before, &needle[..len]))
        })
        .max();
    match longest {
        Some(len) => format!("{}{MASK}…", &before[..before.len() - len]),
        None => text,
    }
}

fn mask_json(needles: &[String], value: &mut Value) {
    match value {
        Value::String(text) => *text = mask(needles, text),
        Value::Array(items) => items.iter_mut().for_each(|item| mask_json(needles, item)),
        Value::Object(map) => {
            for (key, mut item) in std::mem::take(map) {
                mask_json(needles, &mut item);
                map.insert(mask(needles, &key), item);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn longest_first(mut needles: Vec<String>) -> Vec<String> {
    needles.retain(|needle| !needle.is_empty());
    needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    needles.dedup();
    needles
}

/// A secret as text may carry it: raw, percent-encoded (as a form value, and as a URL path
/// leaves most punctuation), HTML-escaped and JSON-escaped.
fn text_forms(secret: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let form_spaces = form.replace('+', "%20");
    let html = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    let json = serde_json::to_string(secret)
        .map(|quoted| quoted[1..quoted.len() - 1].to_string())
        .unwrap_or_default();
    vec![
        secret.to_string(),
        form,
        form_spaces,
        path_encoded(secret),
        html,
        json,
    ]
}

/// Percent-encoding as a URL path does it: only the bytes a path may not hold raw.
fn path_encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b' ' | b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}' | b'%' => {
                out.push_str(&format!("%{byte:02X}"))
            }
            byte if !(0x20..0x7f).contains(&byte) => out.push_str(&format!("%{byte:02X}")),
            byte => out.push(char::from(byte)),
        }
    }
    out
}

fn replace_ignoring_case(text: &str, needle: &str) -> String {
    let (haystack, wanted) = (text.as_bytes(), needle.as_bytes());
    if wanted.is_empty() || haystack.len() < wanted.len() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while at + wanted.len() <= haystack.len() {
        // The needle starts with a whole character, so a match starts on a char boundary.
        if haystack[at..at + wanted.len()].eq_ignore_ascii_case(wanted) {
            out.push_str(&text[copied..at]);
            out.push_str(MASK);
            at += wanted.len();
            copied = at;
        } else {
            at += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn ends_with_ignoring_case(text: &str, tail: &str) -> bool {
    text.len() >= tail.len()
        && text.as_bytes()[text.len() - tail.len()..].eq_ignore_ascii_case(tail.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_password_is_masked() {
        let redactor = Redactor::for_auth(&Auth::basic("admin", "Dist&rict 1"));
        let basic = base64::engine::general_purpose::STANDARD.encode("admin:Dist&rict 1");
        for echo in [
            "Dist&rict 1".to_string(),
            "dist&RICT 1".to_string(),
            format!("Basic {basic}"),
            format!("basic {}", basic.trim_end_matches('=')),
            "admin:Dist&rict 1".to_string(),
            "Dist%26rict+1".to_string(),
            "Dist%26rict%201".to_string(),
            "https://h/login/Dist&rict%201".to_string(),
            "Dist&amp;rict 1".to_string(),
        ] {
            let masked = redactor.text(&format!("you sent <{echo}>!"));
            assert!(masked.contains("***"), "{echo}: {masked}");
            assert!(!masked.contains("rict"), "{echo}: {masked}");
        }
        assert_eq!(redactor.text("nothing here"), "nothing here");
    }

    #[test]
    fn escaped_forms_of_odd_passwords_are_masked() {
        let redactor = Redactor::for_auth(&Auth::basic("u", "q\"uo\\te é?"));
        for echo in [
            r#"{"echo": "q\"uo\\te é?"}"#,
            "https://h/x/q%22uo\\te%20%C3%A9%3F",
            "q%22uo%5Cte+%C3%A9%3F",
        ] {
            let masked = redactor.text(echo);
            assert!(!masked.contains("uo"), "{echo}: {masked}");
        }
    }

    #[test]
    fn a_token_and_a_cut_off_echo_are_masked() {
        let redactor = Redactor::for_auth(&Auth::token("d2pat_AbCdEf123456"));
        assert_eq!(
            redactor.text("Authorization: ApiToken d2pat_AbCdEf123456."),
            "Authorization: ApiToken ***."
        );
        assert_eq!(redactor.text("token d2pat_AbCd…"), "token ***…");
        assert_eq!(redactor.text("an ellipsis…"), "an ellipsis…");
    }

    #[test]
    fn errors_and_json_are_masked_throughout() {
        let redactor = Redactor::for_auth(&Auth::basic("u", "s3cr3t-pw"));
        let error = Error::LinkFailed {
            file_resource_uid: "TacExtJuMmW".into(),
            source: Box::new(Error::Http {
                status: 500,
                excerpt: "echo s3cr3t-pw".into(),
            }),
        };
        let shown = redactor.error(error).to_string();
        assert!(
            shown.contains("echo ***") && !shown.contains("s3cr3t"),
            "{shown}"
        );
        let mut value = serde_json::json!({"s3cr3t-pw": ["a s3cr3t-pw", 1, {"x": "S3CR3T-PW"}]});
        redactor.json(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"***": ["a ***", 1, {"x": "***"}]})
        );
        // In stored data only what echoes the request is masked: a password may be a word.
        let basic = base64::engine::general_purpose::STANDARD.encode("u:s3cr3t-pw");
        let mut stored =
            serde_json::json!({"name": format!("s3cr3t-pw Basic {basic} u:s3cr3t-pw")});
        redactor.echoes_in_json(&mut stored);
        assert_eq!(
            stored,
            serde_json::json!({"name": "s3cr3t-pw Basic *** ***"})
        );
    }
}
