//! A base URL that reaches a web server, but not DHIS2's API: a context path too many (DHIS2
//! at the root, the URL ending in `/dhis`) or one missing (DHIS2 under `/dhis`, the URL at the
//! root). The 404 that says so becomes [`Error::NoApi`], naming where DHIS2 does answer when a
//! look on the same server finds it.
use std::time::Duration;

use reqwest::header::{ACCEPT, LOCATION};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::api::client::{Client, deadline, read_limited};
use crate::api::error::Error;

/// The context path DHIS2's installation guides use, tried when the URL may lack one.
const CONVENTIONAL_CONTEXT_PATH: &str = "dhis/";

/// How long one look may take: the server has just answered, so it answers quickly.
const LOOK_DEADLINE: Duration = Duration::from_secs(10);

/// What a 404 says of the base URL.
enum Missing {
    /// DHIS2 itself has no handler for the path: it runs on this server, at another path.
    NoHandler,
    /// Something else (the servlet container, a proxy) answered: DHIS2 is not at this path.
    NotDhis2,
}

/// What `GET <base>/api/system/info` says of a base URL.
#[derive(PartialEq)]
enum Look {
    Dhis2,
    NotFound,
    Other,
}

impl Client {
    /// `error`, or [`Error::NoApi`] when it is a 404 saying there is no DHIS2 API under the
    /// base URL at all, not that an object is missing. Once the API has answered, a 404 is an
    /// object missing. Before, a DHIS2 404 without an errorCode (a path DHIS2 has no handler
    /// for, or an object missing on 2.38 and 2.39) is told apart by looking at the base URL,
    /// never by its words, which Spring and DHIS2 change between releases.
    pub(crate) async fn placed(&self, error: Error) -> Error {
        if self.api_answered() {
            return error;
        }
        let missing = match &error {
            Error::Dhis2(dhis2) if dhis2.status == 404 && dhis2.error_code.is_none() => {
                Missing::NoHandler
            }
            Error::Http { status: 404, .. } => Missing::NotDhis2,
            _ => return error,
        };
        let base = self.base();
        // The base URL itself first: DHIS2 may be there after all, and only an object missing.
        if self.look(base, true).await == Look::Dhis2 {
            self.confirm_api();
            return error;
        }
        let above: Vec<Url> = ancestors(base);
        let found = match missing {
            // DHIS2 answered, so its context path is one of the base path's ancestors. Walking
            // up from the nearest, every path is inside DHIS2 until its own context path
            // answers, and a walk that meets anything but a 404 stops: our credentials never
            // leave the DHIS2 that answered.
            Missing::NoHandler => {
                let mut found = None;
                for candidate in above {
                    match self.look(&candidate, true).await {
                        Look::Dhis2 => {
                            found = Some(candidate);
                            break;
                        }
                        Look::NotFound => {}
                        Look::Other => break,
                    }
                }
                found
            }
            // Nothing here is DHIS2: look above and at the conventional context path, without
            // credentials (these are places the user did not name); DHIS2 answers an anonymous
            // request with its 401 or its login page.
            Missing::NotDhis2 => {
                let mut candidates = above;
                if let Ok(conventional) = origin(base).join(CONVENTIONAL_CONTEXT_PATH)
                    && conventional != *base
                {
                    candidates.push(conventional);
                }
                let mut found = None;
                for candidate in candidates {
                    if self.look(&candidate, false).await == Look::Dhis2 {
                        found = Some(candidate);
                        break;
                    }
                }
                found
            }
        };
        Error::NoApi {
            server: url_text(&origin(base)),
            api_path: format!("{}api", base.path()),
            found: found.as_ref().map(url_text),
        }
    }

    /// `GET <base>/api/system/info`, with our credentials or none, read for a sign of DHIS2.
    async fn look(&self, base: &Url, with_credentials: bool) -> Look {
        let Ok(url) = base.join("api/system/info") else {
            return Look::Other;
        };
        let request = if with_credentials {
            self.request(Method::GET, url)
        } else {
            self.anonymous_request(Method::GET, url)
        };
        let request = request.header(ACCEPT, "application/json");
        let looked = deadline(LOOK_DEADLINE, String::new(), async {
            let response = request.send().await.map_err(Error::from_reqwest)?;
            let status = response.status();
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|value| value.to_str().ok())
                .map(str::to_ascii_lowercase);
            let body = read_limited(response).await;
            let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
            let has = |key: &str| json.as_ref().is_some_and(|value| value.get(key).is_some());
            // The system info itself; DHIS2's 401 to a request without a login; its login page.
            let dhis2 = (status.is_success() && has("version"))
                || (status == StatusCode::UNAUTHORIZED && has("httpStatusCode"))
                || (status.is_redirection() && location.is_some_and(|l| l.contains("login")));
            Ok(match status {
                _ if dhis2 => Look::Dhis2,
                StatusCode::NOT_FOUND => Look::NotFound,
                _ => Look::Other,
            })
        })
        .await;
        looked.unwrap_or(Look::Other)
    }
}

/// A URL as messages write a server's: without the trailing slash.
fn url_text(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// `https://host:port/` of a URL.
fn origin(url: &Url) -> Url {
    let mut origin = url.clone();
    origin.set_path("/");
    origin
}

/// The base URLs above `base`, nearest first: `/a/b/` gives `/a/` and `/`.
fn ancestors(base: &Url) -> Vec<Url> {
    let segments: Vec<&str> = base
        .path()
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    (0..segments.len())
        .rev()
        .map(|keep| {
            let mut url = base.clone();
            let path: String = segments[..keep]
                .iter()
                .map(|segment| format!("/{segment}"))
                .collect();
            url.set_path(&format!("{path}/"));
            url
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_come_nearest_first() {
        let paths = |url: &str| -> Vec<String> {
            ancestors(&Url::parse(url).unwrap())
                .iter()
                .map(|u| u.path().to_string())
                .collect()
        };
        assert_eq!(paths("http://h/a/b/"), ["/a/", "/"]);
        assert_eq!(paths("http://h/dhis/"), ["/"]);
        assert!(paths("http://h/").is_empty());
    }
}
