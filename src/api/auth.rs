//! Credentials, kept out of every `Debug`/`Display` so they cannot reach logs or error text.
use std::fmt;

use base64::Engine as _;

/// A password or token. Its text leaves this type only through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret's text, for building a request header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How the client authenticates to DHIS2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// HTTP Basic with a DHIS2 user name and password.
    Basic { username: String, password: Secret },
    /// A personal access token (`d2pat_…`), sent as `Authorization: ApiToken …`.
    Token(Secret),
}

impl Auth {
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self::Basic {
            username: username.into(),
            password: Secret::new(password),
        }
    }

    pub fn token(token: impl Into<String>) -> Self {
        Self::Token(Secret::new(token))
    }

    /// The value of the `Authorization` header.
    pub(crate) fn header_value(&self) -> String {
        match self {
            Self::Basic { username, password } => {
                let pair = format!("{username}:{}", password.expose());
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )
            }
            Self::Token(token) => format!("ApiToken {}", token.expose()),
        }
    }

    /// Who is authenticating, safe to show: the user name, or "personal access token".
    pub fn describe(&self) -> String {
        match self {
            Self::Basic { username, .. } => username.clone(),
            Self::Token(_) => "personal access token".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_secret() {
        let auth = Auth::basic("admin", "district-secret");
        assert!(!format!("{auth:?}").contains("district-secret"));
        let token = Secret::new("d2pat_abc");
        assert_eq!(token.to_string(), "***");
        assert!(!format!("{:?}", Auth::Token(token)).contains("d2pat_abc"));
    }

    #[test]
    fn basic_header_is_base64_of_user_and_password() {
        let auth = Auth::basic("admin", "district");
        assert_eq!(auth.header_value(), "Basic YWRtaW46ZGlzdHJpY3Q=");
        assert_eq!(Auth::token("d2pat_x").header_value(), "ApiToken d2pat_x");
    }
}
