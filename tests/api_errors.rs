//! Error answers that are not DHIS2's happy path: proxy pages, broken JSON, transient 5xx
//! and the retry rules (retry idempotent reads, never writes).

mod common;

use d2files::api::{ClientOptions, Domain, Error, ListQuery};
use d2files::emulator::{FaultBody, FaultRule, SeedDocument};

use common::*;

#[tokio::test]
async fn an_html_error_page_becomes_http_with_a_short_excerpt() {
    let em = start("2.41.7").await;
    em.faults().fail_next(
        FaultRule::new(500)
            .path("/api/documents")
            .body(FaultBody::ProxyHtml),
    );
    let error = admin(&em)
        .list_documents(&ListQuery::new())
        .await
        .expect_err("500");
    let Error::Http { status, excerpt } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*status, 500);
    assert_eq!(
        excerpt, "500 Internal Server Error",
        "the page's title only"
    );
    assert!(!error.to_string().contains('<'), "{error}");
}

#[tokio::test]
async fn a_plain_text_or_empty_error_body_is_http() {
    let em = start("2.40").await;
    let client = admin(&em);
    em.faults().fail_next(
        FaultRule::new(500)
            .path("/api/documents")
            .body(FaultBody::PlainText),
    );
    let error = client
        .list_documents(&ListQuery::new())
        .await
        .expect_err("500");
    assert!(
        matches!(&error, Error::Http { status: 500, excerpt } if excerpt == "500 Internal Server Error"),
        "{error:?}"
    );
    em.faults().fail_next(
        FaultRule::new(500)
            .path("/api/documents")
            .body(FaultBody::Empty),
    );
    let error = client
        .list_documents(&ListQuery::new())
        .await
        .expect_err("500");
    assert!(
        matches!(&error, Error::Http { status: 500, excerpt } if excerpt.is_empty()),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "HTTP 500");
}

#[tokio::test]
async fn a_proxy_413_explains_the_upload_limit() {
    let em = start("2.42").await;
    em.faults().fail_next(
        FaultRule::new(413)
            .path("/api/documents")
            .body(FaultBody::ProxyHtml),
    );
    let error = admin(&em)
        .list_documents(&ListQuery::new())
        .await
        .expect_err("413");
    let Error::Http { status, excerpt } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*status, 413);
    assert!(excerpt.contains("proxy"), "{excerpt}");
    assert!(
        excerpt.contains("413 Payload Too Large"),
        "the page's title: {excerpt}"
    );
}

#[tokio::test]
async fn a_proxy_413_on_an_upload_explains_the_upload_limit() {
    let em = start("2.42").await;
    em.faults().fail_next(
        FaultRule::new(413)
            .method("POST")
            .path("/api/fileResources")
            .body(FaultBody::ProxyHtml),
    );
    let dir = temp_dir();
    // Several MiB, so the answer comes while the client is still sending.
    let path = write_file(dir.path(), "a.txt", &vec![b'x'; 8 << 20]);
    let error = admin(&em)
        .upload_file_resource(&path, &Domain::Document, &transfer())
        .await
        .expect_err("413");
    assert_eq!(error.status(), Some(413), "{error:?}");
    assert!(error.to_string().contains("proxy"), "{error}");
}

#[tokio::test]
async fn truncated_json_in_a_success_is_a_decode_error() {
    let em = start("2.41.7").await;
    em.faults().fail_next(
        FaultRule::new(200)
            .method("GET")
            .path("/api/documents")
            .body(FaultBody::TruncatedJson),
    );
    let error = admin(&em)
        .list_documents(&ListQuery::new())
        .await
        .expect_err("cut JSON");
    let Error::Decode { what, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(what, "documents");
}

#[tokio::test]
async fn truncated_json_in_an_error_is_http_not_a_panic() {
    let em = start("2.41.7").await;
    em.faults().fail_next(
        FaultRule::new(409)
            .path("/api/documents")
            .body(FaultBody::TruncatedJson),
    );
    let error = admin(&em)
        .list_documents(&ListQuery::new())
        .await
        .expect_err("409");
    assert!(
        matches!(error, Error::Http { status: 409, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_503_on_a_read_is_retried_and_succeeds() {
    for v in ["2.38", "2.42"] {
        let em = start(v).await;
        em.seed_document(SeedDocument::link("Kept", "https://example.org"));
        em.faults().fail_next(
            FaultRule::new(503)
                .method("GET")
                .path("/api/documents")
                .times(2),
        );
        let page = admin(&em).list_documents(&ListQuery::new()).await.expect(v);
        assert_eq!(page.items.len(), 1, "{v}");
        assert_eq!(
            count(&em, "GET", "/api/documents"),
            3,
            "{v}: two failures, then success"
        );
    }
}

#[tokio::test]
async fn retries_stop_after_the_configured_number() {
    let em = start("2.41.7").await;
    em.faults().fail_next(
        FaultRule::new(502)
            .method("GET")
            .path("/api/documents")
            .times(10)
            .body(FaultBody::ProxyHtml),
    );
    let error = admin(&em)
        .list_documents(&ListQuery::new())
        .await
        .expect_err("still failing");
    assert_eq!(error.status(), Some(502), "{error:?}");
    assert_eq!(
        count(&em, "GET", "/api/documents"),
        3,
        "one try plus two retries"
    );

    let no_retries = admin_with(
        &em,
        ClientOptions {
            retries: 0,
            ..fast_options()
        },
    );
    let before = count(&em, "GET", "/api/documents");
    no_retries
        .list_documents(&ListQuery::new())
        .await
        .expect_err("no retry");
    assert_eq!(count(&em, "GET", "/api/documents"), before + 1);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let em = start("2.41.7").await;
    em.faults()
        .fail_next(FaultRule::new(500).method("GET").path("/api/documents"));
    let error = admin(&em)
        .list_documents(&ListQuery::new())
        .await
        .expect_err("500 is not transient");
    assert_eq!(error.status(), Some(500));
    assert_eq!(count(&em, "GET", "/api/documents"), 1);
}

#[tokio::test]
async fn a_503_on_a_write_is_not_retried() {
    let em = start("2.41.7").await;
    em.faults()
        .fail_next(FaultRule::new(503).method("POST").path("/api/documents"));
    let client = admin(&em);
    let error = client
        .create_external_document("Link", "https://example.org")
        .await
        .expect_err("503");
    assert_eq!(error.status(), Some(503), "{error:?}");
    assert_eq!(
        count(&em, "POST", "/api/documents"),
        1,
        "a write is sent once"
    );
    let listed = client
        .list_documents(&ListQuery::new())
        .await
        .expect("list");
    assert!(
        listed.items.is_empty(),
        "nothing was created behind our back"
    );

    em.faults()
        .fail_next(FaultRule::new(503).method("DELETE").path("/api/documents"));
    let id = em.seed_document(SeedDocument::link("Kept", "https://example.org"));
    client.delete_document(&id).await.expect_err("503");
    assert_eq!(count(&em, "DELETE", "/api/documents"), 1);

    em.faults().fail_next(
        FaultRule::new(503)
            .method("POST")
            .path("/api/fileResources"),
    );
    let dir = temp_dir();
    let path = write_file(dir.path(), "a.txt", b"hello");
    client
        .upload_file_resource(&path, &Domain::Document, &transfer())
        .await
        .expect_err("503");
    assert_eq!(count(&em, "POST", "/api/fileResources"), 1);
}

#[tokio::test]
async fn a_server_that_went_away_is_a_network_error() {
    let em = start("2.41.7").await;
    let client = admin(&em);
    em.shutdown().await;
    let error = client.connect().await.expect_err("gone");
    assert!(matches!(error, Error::Network(_)), "{error:?}");
}

#[tokio::test]
async fn a_server_that_stops_answering_times_out_and_is_retried() {
    let em = start("2.41.7").await;
    em.faults().delay(std::time::Duration::from_millis(400));
    let client = admin_with(
        &em,
        ClientOptions {
            read_timeout: std::time::Duration::from_millis(50),
            ..fast_options()
        },
    );
    let error = client
        .list_documents(&ListQuery::new())
        .await
        .expect_err("too slow");
    let Error::Network(detail) = &error else {
        panic!("{error:?}");
    };
    assert!(detail.contains("timed out"), "{detail}");
    assert_eq!(
        count(&em, "GET", "/api/documents"),
        3,
        "a timeout is transient"
    );
}
