//! Authentication as DHIS2's Spring Security chain answers it (dhis2-api.md §2).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use regex::Regex;
use std::sync::LazyLock;

use super::model::{ADMIN, USERS, User};
use super::web_message::WebMessage;

/// `ApiTokenResolver.AUTHORIZATION_PATTERN`.
static TOKEN_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^ApiToken (?<token>[a-z0-9\-._~+/]+=*)$").expect("static regex")
});

const PAT_PREFIX: &str = "d2pat_";
const PAT_CODE_LENGTH: usize = 32;

/// CRC-32 (IEEE), as `java.util.zip.CRC32`.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

/// `ApiKeyTokenGenerator.isValidTokenChecksum` for V1 personal access tokens:
/// `d2pat_` + 32-char code + the code's CRC32 in decimal, zero-padded to 10 digits.
pub fn valid_pat_checksum(token: &str) -> bool {
    let Some(rest) = token.strip_prefix(PAT_PREFIX) else {
        return false;
    };
    if rest.len() <= PAT_CODE_LENGTH || !rest.is_char_boundary(PAT_CODE_LENGTH) {
        return false;
    }
    let (code, checksum) = rest.split_at(PAT_CODE_LENGTH);
    format!("{:010}", crc32(code.as_bytes())) == checksum
}

/// Who a request is, or the response that refuses it.
/// The refusal is boxed: it travels in a `Result`.
pub fn authenticate(headers: &HeaderMap, login_url: &str) -> Result<&'static User, Box<Response>> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if authorization
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("apitoken"))
    {
        return token_user(authorization);
    }
    if authorization
        .get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("basic "))
    {
        return basic_user(&authorization[6..]).ok_or_else(|| Box::new(unauthorized()));
    }
    // No credentials we understand: anonymous.
    let xhr = headers
        .get("x-requested-with")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("XMLHttpRequest"));
    Err(Box::new(if xhr {
        unauthorized()
    } else {
        redirect_to_login(login_url)
    }))
}

fn basic_user(encoded: &str) -> Option<&'static User> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (username, password) = decoded.split_once(':')?;
    USERS
        .into_iter()
        .find(|u| u.username == username && u.password == password)
}

fn token_user(authorization: &str) -> Result<&'static User, Box<Response>> {
    let token_error = |status: StatusCode, message: &str| {
        Box::new(
            WebMessage::error(status, message)
                .header(header::WWW_AUTHENTICATE, "ApiToken")
                .into_response(),
        )
    };
    let Some(captures) = TOKEN_HEADER.captures(authorization) else {
        return Err(token_error(
            StatusCode::BAD_REQUEST,
            "Api token is malformed",
        ));
    };
    let token = &captures["token"];
    if !valid_pat_checksum(token) {
        return Err(token_error(
            StatusCode::BAD_REQUEST,
            "Checksum validation failed",
        ));
    }
    if token == super::model::ADMIN_PAT {
        Ok(&ADMIN)
    } else {
        Err(token_error(
            StatusCode::UNAUTHORIZED,
            "The API token does not exists",
        ))
    }
}

/// Failed Basic login, or anonymous XHR: 401 JSON without `WWW-Authenticate`.
pub fn unauthorized() -> Response {
    WebMessage::error(StatusCode::UNAUTHORIZED, "Unauthorized").into_response()
}

/// Anonymous browser request: 302 to the version's login page.
pub fn redirect_to_login(login_url: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(login_url) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_java() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn admin_pat_has_a_valid_checksum() {
        assert!(valid_pat_checksum(super::super::model::ADMIN_PAT));
        let mut broken = super::super::model::ADMIN_PAT.to_string();
        broken.pop();
        broken.push('0');
        assert!(!valid_pat_checksum(&broken));
        assert!(!valid_pat_checksum("d2pat_short"));
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).expect("header"));
        }
        map
    }

    #[test]
    fn schemes() {
        let basic = |u: &str, p: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        };
        let login = "http://x/dhis-web-login";
        let ok = authenticate(
            &headers(&[("authorization", &basic("admin", "district"))]),
            login,
        );
        assert_eq!(ok.map(|u| u.username).ok(), Some("admin"));
        let bad = authenticate(&headers(&[("authorization", &basic("admin", "x"))]), login);
        assert_eq!(
            bad.err().map(|r| r.status()),
            Some(StatusCode::UNAUTHORIZED)
        );
        let anonymous = authenticate(&HeaderMap::new(), login);
        assert_eq!(anonymous.err().map(|r| r.status()), Some(StatusCode::FOUND));
        let malformed = authenticate(&headers(&[("authorization", "apitoken a b")]), login);
        assert_eq!(
            malformed.err().map(|r| r.status()),
            Some(StatusCode::BAD_REQUEST)
        );
    }
}
