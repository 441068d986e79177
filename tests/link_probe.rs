//! The link prober (`d2files::api::probe_link`) against small link hosts on 127.0.0.1, each
//! written for one answer (`common/hostile.rs`), whose request logs show what was sent. The api
//! alone: no emulator, so this runs in the api-only build too.
#[path = "common/hostile.rs"]
mod hostile;

use std::time::Duration;

use d2files::api::{LinkAnswer, LinkProbeOptions, LinkProber, NoAnswerReason, probe_link};
use hostile::{Conn, Request, serve, serve_raw};

/// Short limits, so a failure ends quickly; each test is bounded by [`within`] besides.
fn options() -> LinkProbeOptions {
    LinkProbeOptions {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        ..LinkProbeOptions::default()
    }
}

/// Bounds a probe, so a prober that hangs fails the test instead of holding it.
async fn within<T>(work: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), work)
        .await
        .expect("the probe ended")
}

async fn probe(url: &str) -> LinkAnswer {
    within(probe_link(url, &options())).await
}

fn methods(seen: &[Request]) -> Vec<String> {
    seen.iter()
        .map(|r| format!("{} {}", r.method, r.path()))
        .collect()
}

/// A HEAD answer: a head only, no body.
async fn head_only(conn: &mut Conn, status: u16, headers: &[(&str, &str)]) {
    let _ = conn.head(status, headers).await;
}

#[tokio::test]
async fn a_head_answered_200_is_the_answer_and_nothing_else_is_asked() {
    let host = serve(|request, mut conn| async move {
        if request.method == "HEAD" {
            head_only(&mut conn, 200, &[("Content-Length", "1000")]).await;
        } else {
            conn.respond(500, "text/plain", b"only HEAD expected").await;
        }
    })
    .await;
    let url = format!("{}/report.pdf", host.base_url());
    let answer = probe(&url).await;
    assert_eq!(
        answer,
        LinkAnswer::Answers {
            status: 200,
            url: url.clone(),
            redirects: 0,
            ranged_get: false
        }
    );
    assert_eq!(answer.to_string(), "answers (HTTP 200)");
    let seen = host.seen();
    assert_eq!(methods(&seen), ["HEAD /report.pdf"]);
    let agent = seen[0].header("user-agent").unwrap_or("");
    assert!(agent.starts_with("d2files/"), "{agent}");
}

#[tokio::test]
async fn a_refused_head_falls_back_to_a_one_byte_get_that_reads_no_body() {
    // Far more than socket buffers hold: the server can send it all only if it is read.
    const BODY: usize = 64 * 1024 * 1024;
    for refusal in [405u16, 501] {
        let (sent_tx, mut sent_rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
        let host = serve(move |request, mut conn| {
            let sent_tx = sent_tx.clone();
            async move {
                if request.method == "HEAD" {
                    head_only(&mut conn, refusal, &[("Content-Length", "0")]).await;
                    return;
                }
                // Range ignored, as many servers do: the whole file follows the head.
                let length = BODY.to_string();
                let _ = conn
                    .head(
                        200,
                        &[
                            ("Content-Type", "application/pdf"),
                            ("Content-Length", &length),
                        ],
                    )
                    .await;
                let chunk = vec![b'x'; 64 * 1024];
                let mut sent = 0;
                while sent < BODY && conn.write(&chunk).await.is_ok() {
                    sent += chunk.len();
                }
                let _ = sent_tx.send(sent);
            }
        })
        .await;
        let url = format!("{}/big.pdf", host.base_url());
        let answer = probe(&url).await;
        assert_eq!(
            answer,
            LinkAnswer::Answers {
                status: 200,
                url,
                redirects: 0,
                ranged_get: true
            },
            "{refusal}"
        );
        let seen = host.seen();
        assert_eq!(
            methods(&seen),
            ["HEAD /big.pdf", "GET /big.pdf"],
            "{refusal}"
        );
        assert_eq!(seen[1].header("range"), Some("bytes=0-0"), "{refusal}");
        let sent = within(sent_rx.recv()).await.expect("the server reports");
        assert!(
            sent < BODY,
            "{refusal}: the whole body was taken ({sent} bytes)"
        );
    }
}

#[tokio::test]
async fn a_head_whose_connection_breaks_is_asked_again_with_get() {
    let host = serve(|request, mut conn| async move {
        if request.method == "GET" {
            let _ = conn.head(206, &[("Content-Length", "1")]).await;
            let _ = conn.write(b"%").await;
        }
        // HEAD: the connection is dropped without an answer.
    })
    .await;
    let url = format!("{}/page", host.base_url());
    let answer = probe(&url).await;
    assert_eq!(
        answer,
        LinkAnswer::Answers {
            status: 206,
            url,
            redirects: 0,
            ranged_get: true
        }
    );
    assert_eq!(methods(&host.seen()), ["HEAD /page", "GET /page"]);
}

#[tokio::test]
async fn an_error_status_is_reported_with_its_status_and_printable_reason() {
    let host = serve(|request, mut conn| async move {
        match request.path() {
            "/missing" => head_only(&mut conn, 404, &[("Content-Length", "0")]).await,
            path => {
                // Reason phrases of the server's own: with a tab, very long, past ASCII (a
                // bidirectional override, which hyper drops).
                let reason = match path {
                    "/tab" => "Down\tfor now".to_string(),
                    "/long" => "x".repeat(5000),
                    _ => "Down \u{202e}fdp.exe".to_string(),
                };
                let head = format!(
                    "HTTP/1.1 503 {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = conn.write(head.as_bytes()).await;
            }
        }
    })
    .await;
    let url = format!("{}/missing", host.base_url());
    let answer = probe(&url).await;
    assert_eq!(
        answer,
        LinkAnswer::ErrorStatus {
            status: 404,
            reason: "Not Found".into(),
            url
        }
    );
    assert_eq!(
        answer.to_string(),
        "answers with an error: HTTP 404 Not Found"
    );
    let reason_of = |answer: LinkAnswer| match answer {
        LinkAnswer::ErrorStatus {
            status: 503,
            reason,
            ..
        } => reason,
        other => panic!("{other:?}"),
    };
    let tab = reason_of(probe(&format!("{}/tab", host.base_url())).await);
    assert_eq!(tab, "Down?for now");
    let long = reason_of(probe(&format!("{}/long", host.base_url())).await);
    assert_eq!(long.chars().count(), 200, "{long}");
    let bidi = reason_of(probe(&format!("{}/bidi", host.base_url())).await);
    assert_eq!(bidi, "Service Unavailable");
    // A HEAD refused for a reason other than the method is not asked again with GET.
    assert_eq!(host.count("GET", "/missing"), 0);
}

#[tokio::test]
async fn a_host_that_accepts_and_never_answers_is_no_answer_within_the_timeout() {
    let host = serve(|_, mut conn| async move {
        conn.linger(Duration::from_secs(60)).await;
    })
    .await;
    let quick = LinkProbeOptions {
        timeout: Duration::from_millis(300),
        ..options()
    };
    let answer = within(probe_link(&format!("{}/slow", host.base_url()), &quick)).await;
    let LinkAnswer::NoAnswer { why, detail } = &answer else {
        panic!("{answer:?}")
    };
    assert_eq!(*why, NoAnswerReason::TimedOut, "{answer}");
    assert_eq!(detail, "after 0.3 s");
    assert_eq!(answer.to_string(), "no answer: it timed out (after 0.3 s)");
}

#[tokio::test]
async fn a_refused_connection_is_no_answer_in_plain_words() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let answer = probe(&format!("http://127.0.0.1:{port}/gone")).await;
    assert_eq!(
        answer,
        LinkAnswer::NoAnswer {
            why: NoAnswerReason::ConnectionRefused,
            detail: String::new()
        }
    );
    assert_eq!(answer.to_string(), "no answer: the connection was refused");
}

#[tokio::test]
async fn https_to_a_port_without_tls_is_no_answer_from_tls() {
    let host = serve_raw(|mut conn| async move {
        let _ = conn.read_some().await;
        let _ = conn
            .write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
    })
    .await;
    let answer = probe(&format!("{}/", host.https_url())).await;
    let LinkAnswer::NoAnswer { why, .. } = &answer else {
        panic!("{answer:?}")
    };
    assert_eq!(*why, NoAnswerReason::Tls, "{answer}");
}

#[tokio::test]
async fn a_redirect_to_another_host_is_reported_and_not_followed() {
    let elsewhere = serve(|_, mut conn| async move {
        head_only(&mut conn, 200, &[("Content-Length", "0")]).await;
    })
    .await;
    // The same machine under another name: a host the link did not name.
    let location = format!(
        "http://localhost:{}/landing",
        elsewhere.base_url().rsplit(':').next().expect("port")
    );
    let host = {
        let location = location.clone();
        serve(move |_, mut conn| {
            let location = location.clone();
            async move {
                head_only(
                    &mut conn,
                    302,
                    &[("Location", &location), ("Content-Length", "0")],
                )
                .await;
            }
        })
        .await
    };
    let answer = probe(&format!("{}/moved", host.base_url())).await;
    assert_eq!(
        answer,
        LinkAnswer::RedirectsElsewhere {
            status: 302,
            host: Some("localhost".into()),
            location
        }
    );
    assert_eq!(
        answer.to_string(),
        "redirects to localhost (HTTP 302), not followed"
    );
    assert_eq!(elsewhere.connections(), 0, "the other host was contacted");
}

#[tokio::test]
async fn redirects_on_the_same_host_are_followed_up_to_the_limit() {
    let host = serve(|request, mut conn| async move {
        match request.path() {
            "/start" => {
                head_only(
                    &mut conn,
                    301,
                    &[("Location", "/next"), ("Content-Length", "0")],
                )
                .await
            }
            "/next" => head_only(&mut conn, 200, &[("Content-Length", "0")]).await,
            _ => {
                head_only(
                    &mut conn,
                    302,
                    &[("Location", "/loop"), ("Content-Length", "0")],
                )
                .await
            }
        }
    })
    .await;
    let answer = probe(&format!("{}/start", host.base_url())).await;
    assert_eq!(
        answer,
        LinkAnswer::Answers {
            status: 200,
            url: format!("{}/next", host.base_url()),
            redirects: 1,
            ranged_get: false
        }
    );
    let limit = options().max_redirects;
    let answer = probe(&format!("{}/loop", host.base_url())).await;
    assert_eq!(
        answer,
        LinkAnswer::TooManyRedirects {
            redirects: limit,
            url: format!("{}/loop", host.base_url())
        }
    );
    assert_eq!(host.count("HEAD", "/loop"), limit + 1);
}

#[tokio::test]
async fn no_credentials_or_cookies_reach_the_link_host_even_from_the_url() {
    let host = serve(|request, mut conn| async move {
        let port = request
            .header("host")
            .and_then(|host| host.rsplit(':').next())
            .unwrap_or("")
            .to_string();
        match (request.method.as_str(), request.path()) {
            (_, "/start") => {
                // Sets a cookie and redirects with credentials of its own in the location.
                let location = format!("http://bob:hunter2@127.0.0.1:{port}/next");
                head_only(
                    &mut conn,
                    302,
                    &[
                        ("Set-Cookie", "session=abc123; Path=/"),
                        ("Location", &location),
                        ("Content-Length", "0"),
                    ],
                )
                .await;
            }
            ("HEAD", _) => head_only(&mut conn, 405, &[("Content-Length", "0")]).await,
            _ => conn.respond(200, "text/plain", b"x").await,
        }
    })
    .await;
    let addr = host.base_url().trim_start_matches("http://").to_string();
    let url = format!("http://alice:s3cret@{addr}/start?x=1");
    // One prober for two probes: the second must not send the cookie the first was given.
    let prober = LinkProber::new(options()).expect("a prober");
    for _ in 0..2 {
        let answer = within(prober.probe(&url)).await;
        assert_eq!(
            answer,
            LinkAnswer::Answers {
                status: 200,
                url: format!("http://{addr}/next"),
                redirects: 1,
                ranged_get: true
            }
        );
        let reported = format!("{answer} {answer:?}");
        for secret in ["alice", "s3cret", "bob", "hunter2"] {
            assert!(!reported.contains(secret), "{reported}");
        }
    }
    let seen = host.seen();
    assert_eq!(
        methods(&seen),
        ["HEAD /start", "HEAD /next", "GET /next"].repeat(2)
    );
    // Basic of either user, as reqwest would have sent it from the URL.
    let basic = ["YWxpY2U6czNjcmV0", "Ym9iOmh1bnRlcjI="];
    for request in &seen {
        for name in ["authorization", "proxy-authorization", "cookie"] {
            assert_eq!(request.header(name), None, "{name} in {request:?}");
        }
        let text = format!("{} {:?}", request.target, request.headers);
        for secret in ["alice", "s3cret", "bob", "hunter2", "abc123"]
            .iter()
            .chain(&basic)
        {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}

#[tokio::test]
async fn links_that_are_not_http_are_not_probed() {
    let host = serve(|_, mut conn| async move {
        head_only(&mut conn, 200, &[("Content-Length", "0")]).await;
    })
    .await;
    let addr = host.base_url().trim_start_matches("http://").to_string();
    for url in [
        format!("ftp://{addr}/report.pdf"),
        format!("ws://{addr}/socket"),
        "file:///etc/passwd".to_string(),
        "mailto:someone@example.org".to_string(),
        "javascript:alert(1)".to_string(),
        "no url at all".to_string(),
    ] {
        let answer = probe(&url).await;
        assert!(
            matches!(answer, LinkAnswer::NotProbed { .. }),
            "{url}: {answer:?}"
        );
        assert!(answer.to_string().starts_with("not probed: "), "{answer}");
    }
    assert_eq!(host.connections(), 0);
}
