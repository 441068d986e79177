//! Whether an external document's link answers (for `d2files check --links`): a HEAD, or a
//! GET of one byte where the server refuses HEAD, from a client of its own that carries
//! nothing of ours; and whether DHIS2 would still accept the link today
//! ([`refused_link_reason`]).
//!
//! The link is anyone's URL: any DHIS2 user who may add documents wrote it. So the prober
//! * sends no DHIS2 credentials, no cookies (it keeps none) and no `Authorization` of any kind:
//!   userinfo in the link (`https://user:pass@host/`) is taken off before sending (reqwest
//!   would send it as Basic) and off everything it reports or logs;
//! * reads no body: the status says what a check needs, and a GET is dropped at its head, so
//!   a link to a large file costs no download;
//! * follows redirects on the link's own host only (http → https, a moved page), at most
//!   [`MAX_LINK_REDIRECTS`]; a redirect to another host is the answer, "redirects to HOST",
//!   and that host is never contacted;
//! * gives up after [`LINK_CONNECT_TIMEOUT`] connecting and [`LINK_TIMEOUT`] in all.
//!
//! Every string from the remote (a reason phrase, a `Location`, what a TLS error quotes of a
//! certificate) is made printable as server text is everywhere ([`printable`]) and shortened.

use std::fmt;
use std::time::Duration;

use reqwest::header::{ACCEPT, LOCATION, RANGE};
use reqwest::{Method, Response, StatusCode};
use url::Url;

use crate::api::client::{tls_config, without_userinfo};
use crate::api::documents::external_url_problem;
use crate::api::error::{Error, Result, found};
use crate::api::filename::printable;

/// How long connecting to a link's host may take: a host that is up accepts within a second or
/// two even over a slow link; one that drops packets is given up on well before the whole
/// probe's limit, so that limit still leaves room for the answer.
pub const LINK_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The whole probe of one link, redirects and the GET after a refused HEAD included: a site
/// that is up answers a HEAD in a second or two; a check of hundreds of links is not held up
/// for long by the dead ones.
pub const LINK_TIMEOUT: Duration = Duration::from_secs(10);
/// Redirects followed on the link's own host: an http → https upgrade and a moved page or two
/// take one to three; more is a loop or a broken site, and each hop is one more request to a
/// server nobody asked to load.
pub const MAX_LINK_REDIRECTS: usize = 5;
/// The most characters of remote text shown (a `Location`, a reason phrase, an error's detail).
const MAX_REMOTE_CHARS: usize = 200;

/// How a link is probed.
#[derive(Clone, Debug)]
pub struct LinkProbeOptions {
    pub connect_timeout: Duration,
    /// The whole probe, every request included.
    pub timeout: Duration,
    /// Same-host redirects followed before the link counts as redirecting for ever.
    pub max_redirects: usize,
    pub user_agent: String,
}

impl Default for LinkProbeOptions {
    fn default() -> Self {
        LinkProbeOptions {
            connect_timeout: LINK_CONNECT_TIMEOUT,
            timeout: LINK_TIMEOUT,
            max_redirects: MAX_LINK_REDIRECTS,
            user_agent: format!("d2files/{} (link check)", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// What a link's server said, or why it said nothing. Every string in it is printable, at most
/// 200 characters of remote text, and carries no userinfo. `Display` says it in words.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum LinkAnswer {
    /// A 2xx (or a 3xx without a `Location`), at the link or after redirects on its host;
    /// also a 416 to the one-byte GET, which says the resource is there and empty.
    Answers {
        status: u16,
        /// Where it answered: the link, or where its redirects led.
        url: String,
        redirects: usize,
        /// The answer is to the one-byte GET, because HEAD was refused (405, 501) or broke.
        ranged_get: bool,
    },
    /// A redirect away from the link's host (or to something that is no http(s) URL), not
    /// followed.
    RedirectsElsewhere {
        status: u16,
        /// `None` when the location is no http(s) URL.
        host: Option<String>,
        location: String,
    },
    /// A 4xx or 5xx (or a status beyond 599).
    ErrorStatus {
        status: u16,
        /// The server's reason phrase, or the standard one.
        reason: String,
        url: String,
    },
    /// More redirects on the link's host than [`LinkProbeOptions::max_redirects`].
    TooManyRedirects { redirects: usize, url: String },
    /// No HTTP answer at all.
    NoAnswer {
        why: NoAnswerReason,
        /// What failed, e.g. the resolver's or the TLS library's words.
        detail: String,
    },
    /// Nothing was sent: not an http(s) URL, or not a URL.
    NotProbed { reason: String },
}

/// Why a link gave no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoAnswerReason {
    /// The host's name does not resolve.
    UnknownHost,
    /// Nothing listens there.
    ConnectionRefused,
    /// Connecting, or the answer, took longer than allowed.
    TimedOut,
    /// The TLS handshake failed (an untrusted or expired certificate, another name).
    Tls,
    /// Connecting failed otherwise (no route, network down).
    CouldNotConnect,
    /// Connected, but the connection broke, or what came back was not HTTP.
    ConnectionBroke,
}

impl fmt::Display for NoAnswerReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoAnswerReason::UnknownHost => "the host name is unknown",
            NoAnswerReason::ConnectionRefused => "the connection was refused",
            NoAnswerReason::TimedOut => "it timed out",
            NoAnswerReason::Tls => "the TLS handshake failed",
            NoAnswerReason::CouldNotConnect => "could not connect",
            NoAnswerReason::ConnectionBroke => "the connection broke before an answer",
        })
    }
}

impl fmt::Display for LinkAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkAnswer::Answers {
                status,
                redirects,
                ranged_get,
                ..
            } => {
                write!(f, "answers (HTTP {status})")?;
                match redirects {
                    0 => {}
                    1 => write!(f, " after a redirect on its host")?,
                    n => write!(f, " after {n} redirects on its host")?,
                }
                if *ranged_get {
                    write!(f, " to a one-byte GET, HEAD having failed")?;
                }
                Ok(())
            }
            LinkAnswer::RedirectsElsewhere {
                status,
                host: Some(host),
                ..
            } => write!(f, "redirects to {host} (HTTP {status}), not followed"),
            LinkAnswer::RedirectsElsewhere {
                status, location, ..
            } => write!(
                f,
                "redirects to `{location}` (HTTP {status}), which is no http(s) URL"
            ),
            LinkAnswer::ErrorStatus { status, reason, .. } if reason.is_empty() => {
                write!(f, "answers with an error: HTTP {status}")
            }
            LinkAnswer::ErrorStatus { status, reason, .. } => {
                write!(f, "answers with an error: HTTP {status} {reason}")
            }
            LinkAnswer::TooManyRedirects { redirects, .. } => {
                write!(f, "keeps redirecting: still a redirect after {redirects}")
            }
            LinkAnswer::NoAnswer { why, detail } if detail.is_empty() => {
                write!(f, "no answer: {why}")
            }
            LinkAnswer::NoAnswer { why, detail } => write!(f, "no answer: {why} ({detail})"),
            LinkAnswer::NotProbed { reason } => write!(f, "not probed: {reason}"),
        }
    }
}

/// Why DHIS2 (2.38 to 2.44, the same rule in all) would refuse `url` as an external link
/// today, with E4004 on create and update; `None` when it accepts it. A link made on an older
/// server, or written into the database, may fail the rule and still be there. The reason does
/// not repeat the URL.
pub fn refused_link_reason(url: &str) -> Option<String> {
    external_url_problem(url)
        .map(|hint| format!("DHIS2 refuses this URL for a link today (E4004): {hint}"))
}

/// Probes one link with a client of its own (see [`LinkProber`] to probe many with one).
pub async fn probe_link(url: &str, options: &LinkProbeOptions) -> LinkAnswer {
    // A link that is not probed needs no client.
    if let Err(not_probed) = target(url) {
        return not_probed;
    }
    match LinkProber::new(options.clone()) {
        Ok(prober) => prober.probe(url).await,
        Err(error) => LinkAnswer::NotProbed {
            reason: format!("no HTTP client: {error}"),
        },
    }
}

/// A client for probing links, shared by many probes (one connection pool). It has no
/// credentials and no cookie store, and follows no redirect by itself.
#[derive(Clone, Debug)]
pub struct LinkProber {
    http: reqwest::Client,
    options: LinkProbeOptions,
}

impl LinkProber {
    pub fn new(options: LinkProbeOptions) -> Result<LinkProber> {
        let http = reqwest::Client::builder()
            .user_agent(options.user_agent.clone())
            // Redirects are followed by hand, on the link's host only (see `walk`).
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .tls_backend_preconfigured(tls_config()?)
            .build()
            .map_err(Error::from_reqwest)?;
        Ok(LinkProber { http, options })
    }

    /// What `url` answers. Never fails: every outcome is a [`LinkAnswer`].
    pub async fn probe(&self, url: &str) -> LinkAnswer {
        let answer = match target(url) {
            Err(not_probed) => not_probed,
            Ok(start) => match tokio::time::timeout(self.options.timeout, self.walk(start)).await {
                Ok(answer) => answer,
                Err(_) => LinkAnswer::NoAnswer {
                    why: NoAnswerReason::TimedOut,
                    detail: format!("after {}", seconds(self.options.timeout)),
                },
            },
        };
        tracing::debug!(link = %shown_text(url), %answer, "link probed");
        answer
    }

    /// Asks `start`, following redirects on its host.
    async fn walk(&self, start: Url) -> LinkAnswer {
        let mut url = start;
        let mut ranged_get = false;
        let mut redirects = 0;
        loop {
            let response = match self.exchange(&url, &mut ranged_get).await {
                Ok(response) => response,
                Err(no_answer) => return no_answer,
            };
            let status = response.status();
            let location = response
                .headers()
                .get(LOCATION)
                .filter(|_| status.is_redirection());
            let Some(location) = location else {
                return settled(&response, &url, redirects, ranged_get);
            };
            match next_hop(&url, location.as_bytes()) {
                Hop::SameHost(next) if redirects < self.options.max_redirects => {
                    redirects += 1;
                    url = next;
                }
                Hop::SameHost(_) => {
                    return LinkAnswer::TooManyRedirects {
                        redirects,
                        url: shown(&url),
                    };
                }
                Hop::Elsewhere { host, location } => {
                    return LinkAnswer::RedirectsElsewhere {
                        status: status.as_u16(),
                        host,
                        location,
                    };
                }
            }
        }
    }

    /// The answer at `url`: to a HEAD, or to the one-byte GET where the HEAD was refused
    /// (405, 501) or broke after connecting (some servers close on HEAD); once a server has
    /// refused HEAD, its redirects are asked with GET straight away.
    async fn exchange(
        &self,
        url: &Url,
        ranged_get: &mut bool,
    ) -> std::result::Result<Response, LinkAnswer> {
        if !*ranged_get {
            match self.send(Method::HEAD, url).await {
                Ok(response)
                    if !matches!(
                        response.status(),
                        StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED
                    ) =>
                {
                    return Ok(response);
                }
                Ok(_) => {}
                // A GET would meet the same refused port, unknown name or silence.
                Err(error) if error.is_connect() || error.is_timeout() => {
                    return Err(no_answer(&error, &self.options));
                }
                Err(_) => {}
            }
            *ranged_get = true;
        }
        self.send(Method::GET, url)
            .await
            .map_err(|error| no_answer(&error, &self.options))
    }

    /// One request, without credentials (`url` has none) and, for GET, for the first byte
    /// only. The body is never read: dropping the answer closes its connection.
    async fn send(&self, method: Method, url: &Url) -> reqwest::Result<Response> {
        let get = method == Method::GET;
        let mut request = self.http.request(method, url.clone()).header(ACCEPT, "*/*");
        if get {
            request = request.header(RANGE, "bytes=0-0");
        }
        request.send().await
    }
}

/// The link as it is requested: an http(s) URL without userinfo or fragment.
fn target(url: &str) -> std::result::Result<Url, LinkAnswer> {
    let not_probed = |reason: String| LinkAnswer::NotProbed { reason };
    let mut parsed = Url::parse(url.trim())
        .map_err(|error| not_probed(format!("`{}` is not a URL ({error})", shown_text(url))))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(not_probed(format!(
            "a {} link, and only http and https links are probed",
            shorten(&printable(parsed.scheme()))
        )));
    }
    strip(&mut parsed);
    Ok(parsed)
}

/// Takes userinfo and the fragment off an http(s) URL (neither is ever sent).
fn strip(url: &mut Url) {
    // Both only fail for URLs without a host, which http(s) URLs always have.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);
}

/// Where a redirect leads.
enum Hop {
    /// The same host (any scheme or port): followed.
    SameHost(Url),
    /// Another host, or no http(s) URL: reported, not followed.
    Elsewhere {
        host: Option<String>,
        location: String,
    },
}

fn next_hop(from: &Url, location: &[u8]) -> Hop {
    let text = String::from_utf8_lossy(location);
    let unreadable = || Hop::Elsewhere {
        host: None,
        location: shown_text(&text),
    };
    let Ok(mut next) = from.join(text.trim()) else {
        return unreadable();
    };
    if !matches!(next.scheme(), "http" | "https") {
        return unreadable();
    }
    strip(&mut next);
    // `Url` lower-cases host names, so this is the case-insensitive comparison.
    if next.host_str() == from.host_str() {
        Hop::SameHost(next)
    } else {
        Hop::Elsewhere {
            host: next.host_str().map(|host| shorten(&printable(host))),
            location: shown(&next),
        }
    }
}

/// The answer of a request that was not followed further.
fn settled(response: &Response, url: &Url, redirects: usize, ranged_get: bool) -> LinkAnswer {
    let status = response.status();
    let answered = (status.is_success() || status.is_redirection())
        || (ranged_get && status == StatusCode::RANGE_NOT_SATISFIABLE);
    if answered {
        return LinkAnswer::Answers {
            status: status.as_u16(),
            url: shown(url),
            redirects,
            ranged_get,
        };
    }
    // hyper keeps a reason phrase only when it is not the standard one, and httparse makes
    // one with bytes past ASCII empty; a tab may be left in it.
    let remote = response
        .extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|phrase| {
            String::from_utf8_lossy(phrase.as_bytes())
                .trim()
                .to_string()
        })
        .filter(|phrase| !phrase.is_empty());
    let reason = match remote {
        Some(phrase) => shorten(&printable(&phrase)),
        None => status.canonical_reason().unwrap_or("").to_string(),
    };
    LinkAnswer::ErrorStatus {
        status: status.as_u16(),
        reason,
        url: shown(url),
    }
}

/// Why a request got no answer, in words.
fn no_answer(error: &reqwest::Error, options: &LinkProbeOptions) -> LinkAnswer {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push(cause);
        source = cause.source();
    }
    let refused = causes.iter().any(|cause| {
        found::<std::io::Error>(*cause)
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
    });
    let tls = causes
        .iter()
        .any(|cause| found::<rustls::Error>(*cause).is_some());
    // hyper-util names a failed lookup so, with the resolver's words as its cause.
    let dns = causes.iter().any(|cause| cause.to_string() == "dns error");
    let innermost = causes
        .last()
        .map(|cause| shorten(&printable(&cause.to_string())))
        .unwrap_or_default();
    let (why, detail) = if error.is_timeout() {
        let detail = if error.is_connect() {
            format!(
                "connecting took longer than {}",
                seconds(options.connect_timeout)
            )
        } else {
            format!("after {}", seconds(options.timeout))
        };
        (NoAnswerReason::TimedOut, detail)
    } else if refused {
        (NoAnswerReason::ConnectionRefused, String::new())
    } else if dns {
        (NoAnswerReason::UnknownHost, innermost)
    } else if tls {
        (NoAnswerReason::Tls, innermost)
    } else if error.is_connect() {
        (NoAnswerReason::CouldNotConnect, innermost)
    } else {
        (NoAnswerReason::ConnectionBroke, innermost)
    };
    LinkAnswer::NoAnswer { why, detail }
}

/// A URL as reported: already without userinfo, printable, shortened.
fn shown(url: &Url) -> String {
    shorten(&printable(url.as_str()))
}

/// Text that may be a URL with userinfo, as reported.
fn shown_text(text: &str) -> String {
    shorten(&printable(&without_userinfo(text.trim())))
}

/// At most [`MAX_REMOTE_CHARS`] characters, `…` marking a cut.
fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_REMOTE_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_REMOTE_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// `10 s`, `0.3 s`.
fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0} s")
    } else {
        format!("{secs} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_are_probed_and_userinfo_never_shows() {
        for (url, expected) in [
            ("ftp://files.example.org/a", "a ftp link"),
            ("mailto:someone@example.org", "a mailto link"),
            ("javascript:alert(1)", "a javascript link"),
            ("not a url", "is not a URL"),
        ] {
            let Err(LinkAnswer::NotProbed { reason }) = target(url) else {
                panic!("{url} probed")
            };
            assert!(reason.contains(expected), "{url}: {reason}");
        }
        let Err(LinkAnswer::NotProbed { reason }) = target("ftp://user:secret@files.example.org/")
        else {
            panic!("probed")
        };
        assert!(!reason.contains("secret"), "{reason}");
        let Err(LinkAnswer::NotProbed { reason }) = target("https://user:secret@/") else {
            panic!("probed")
        };
        assert!(!reason.contains("secret"), "{reason}");
        let url = target("https://user:secret@Example.org/a#part").expect("probed");
        assert_eq!(url.as_str(), "https://example.org/a");
    }

    #[test]
    fn redirects_are_followed_on_the_same_host_only() {
        let from = Url::parse("http://example.org/a").expect("url");
        let Hop::SameHost(next) = next_hop(&from, b"https://u:p@EXAMPLE.org:8443/b#x") else {
            panic!("not followed")
        };
        assert_eq!(next.as_str(), "https://example.org:8443/b");
        let Hop::SameHost(next) = next_hop(&from, b"/c?d=e") else {
            panic!("not followed")
        };
        assert_eq!(next.as_str(), "http://example.org/c?d=e");
        let Hop::Elsewhere { host, location } =
            next_hop(&from, b"https://u:secret@evil.example/\xe2\x80\xaepath")
        else {
            panic!("followed")
        };
        assert_eq!(host.as_deref(), Some("evil.example"));
        assert!(!location.contains("secret"), "{location}");
        assert!(location.starts_with("https://evil.example/"), "{location}");
        let Hop::Elsewhere { host: None, .. } = next_hop(&from, b"javascript:alert(1)") else {
            panic!("followed")
        };
    }

    #[test]
    fn remote_text_is_printable_and_short() {
        assert_eq!(shorten(&"x".repeat(MAX_REMOTE_CHARS)).chars().count(), 200);
        let long = shorten(&"x".repeat(1000));
        assert_eq!(long.chars().count(), MAX_REMOTE_CHARS);
        assert!(long.ends_with('…'));
        assert_eq!(
            shown_text("https://u:p@host/\u{1b}[2J"),
            "https://***@host/?[2J"
        );
    }

    #[test]
    fn refused_links_are_explained_without_repeating_the_url() {
        assert_eq!(refused_link_reason("https://dhis2.org"), None);
        let reason =
            refused_link_reason("https://user:secret@example.org/report.").expect("refused");
        assert!(reason.contains("E4004"), "{reason}");
        assert!(reason.contains("ends with"), "{reason}");
        assert!(!reason.contains("secret"), "{reason}");
        let reason = refused_link_reason("ftp://example.org/a").expect("refused");
        assert!(reason.contains("http:// or https://"), "{reason}");
    }

    #[test]
    fn answers_read_as_words() {
        let answer = LinkAnswer::Answers {
            status: 206,
            url: "https://example.org/".into(),
            redirects: 2,
            ranged_get: true,
        };
        assert_eq!(
            answer.to_string(),
            "answers (HTTP 206) after 2 redirects on its host to a one-byte GET, HEAD having failed"
        );
        let answer = LinkAnswer::NoAnswer {
            why: NoAnswerReason::ConnectionRefused,
            detail: String::new(),
        };
        assert_eq!(answer.to_string(), "no answer: the connection was refused");
        assert_eq!(seconds(Duration::from_millis(300)), "0.3 s");
        assert_eq!(seconds(Duration::from_secs(10)), "10 s");
    }
}
