//! Network faults the api tests do not cover: a server that stops answering (before the
//! answer or in the middle of a download), a connection dropped mid-upload, and each step of
//! the two-step upload failing. Each ends with a clear message and nothing half-done.
mod common;

use std::time::Duration;

use common::*;
use d2files::api::{Auth, Client, ClientOptions, Domain, DownloadTarget, Error, ListQuery};
use d2files::emulator::{ADMIN_PASSWORD, ADMIN_USERNAME, Emulator, FaultBody, FaultRule};

/// A client that gives up on a silent server after 300 ms, retrying reads once.
fn impatient(em: &Emulator) -> Client {
    Client::with_options(
        &em.base_url(),
        Auth::basic(ADMIN_USERNAME, ADMIN_PASSWORD),
        ClientOptions {
            read_timeout: Duration::from_millis(300),
            retries: 1,
            retry_backoff: Duration::from_millis(1),
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

fn count(em: &Emulator, method: &str, path_end: &str) -> usize {
    em.requests()
        .iter()
        .filter(|r| r.method == method && r.path.ends_with(path_end))
        .count()
}

#[tokio::test]
async fn a_server_that_stops_answering_times_out_clearly() {
    let em = start("2.41").await;
    em.faults().delay(Duration::from_secs(5));
    let error = impatient(&em)
        .list_documents(&ListQuery::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Network(_)), "{error:?}");
    assert!(error.to_string().contains("stopped answering"), "{error}");
    // An idempotent read: tried again once, then given up.
    assert_eq!(count(&em, "GET", "/api/documents"), 2);
}

#[tokio::test]
async fn a_download_that_stalls_midway_times_out_and_leaves_nothing() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "big.bin", bytes(2_000_000));
    let dir = temp_dir();
    em.faults().stall_after_bytes(300_000, "/data");
    let error = impatient(&em)
        .download_file_resource(
            &uid,
            None,
            &DownloadTarget::Directory(dir.path().to_path_buf()),
            &transfer(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Network(_)), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("stopped answering") || text.contains("timed out"),
        "{text}"
    );
    assert!(text.contains("of 2000000 bytes"), "{text}");
    assert!(tree(dir.path()).is_empty(), "{:?}", tree(dir.path()));
}

#[tokio::test]
async fn a_connection_dropped_mid_upload_stores_nothing() {
    let em = start_with("2.41", |o| o.max_upload_size = None).await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "scan.pdf", &bytes(4_000_000));
    em.faults()
        .drop_request_after_bytes(1_000_000, "/api/fileResources");
    let client = admin(&em);
    let error = client
        .upload_document(&path, None, &transfer())
        .await
        .unwrap_err();
    assert!(error.unlinked_file_resource().is_none(), "{error:?}");
    assert!(
        matches!(error, Error::Network(_) | Error::Http { .. }),
        "{error:?}"
    );
    // Not retried (a POST), no file resource and no document on the server.
    assert_eq!(count(&em, "POST", "/api/fileResources"), 1);
    assert_eq!(count(&em, "POST", "/api/documents"), 0);
    let stored = client.list_file_resources(&ListQuery::new()).await.unwrap();
    assert!(stored.items.is_empty(), "{:?}", stored.items);
    // The file to upload is untouched.
    assert_eq!(std::fs::read(&path).unwrap().len(), 4_000_000);
}

#[tokio::test]
async fn a_failed_first_step_creates_no_document() {
    let em = start("2.40").await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "plan.docx", &bytes(10_000));
    em.faults().fail_next(
        FaultRule::new(500)
            .method("POST")
            .path("/api/fileResources")
            .body(FaultBody::PlainText),
    );
    let error = admin(&em)
        .upload_document(&path, None, &transfer())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 500, .. }),
        "{error:?}"
    );
    assert!(error.unlinked_file_resource().is_none());
    assert_eq!(
        count(&em, "POST", "/api/fileResources"),
        1,
        "a POST is never retried"
    );
    assert_eq!(count(&em, "POST", "/api/documents"), 0);
}

#[tokio::test]
async fn a_failed_second_step_names_the_resource_and_the_cli_hint_links_it() {
    let em = start("2.41").await;
    let home = temp_dir();
    write_file(home.path(), "budget.xlsx", &bytes(10_000));
    em.faults()
        .fail_next(FaultRule::new(500).method("POST").path("/api/documents"));
    let failed = run_as_admin(
        home.path(),
        &em,
        &["documents", "upload", "budget.xlsx", "--name", "Budget"],
    )
    .await;
    assert!(!failed.success);
    let hint = failed
        .stderr
        .lines()
        .find(|line| line.trim_start().starts_with("d2files documents link "))
        .unwrap_or_else(|| panic!("no link hint in {}", failed.stderr))
        .trim()
        .to_string();
    let uid = hint.split_whitespace().nth(3).unwrap().to_string();
    assert!(
        failed.stderr.contains(&format!("file resource {uid}")),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("Emulated failure"),
        "DHIS2's words: {}",
        failed.stderr
    );
    // Following the hint links the stored bytes without uploading them again.
    let linked = run_as_admin(
        home.path(),
        &em,
        &["documents", "link", &uid, "--name", "Budget"],
    )
    .await;
    assert!(linked.success, "{}", linked.stderr);
    assert_eq!(count(&em, "POST", "/api/fileResources"), 1);
    let documents = admin(&em).list_documents(&ListQuery::new()).await.unwrap();
    assert_eq!(documents.items.len(), 1);
    assert_eq!(documents.items[0].file_resource_uid(), Some(uid.as_str()));
}

#[tokio::test]
async fn a_proxy_415_and_a_403_keep_their_words() {
    let em = start("2.41").await;
    em.faults().fail_next(
        FaultRule::new(415)
            .method("POST")
            .path("/api/documents")
            .body(FaultBody::ProxyHtml),
    );
    let error = admin(&em)
        .create_external_document("Site", "https://dhis2.org")
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 415, .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("415 Unsupported Media Type"),
        "{error}"
    );
    em.faults()
        .fail_next(FaultRule::new(403).method("GET").path("/api/documents"));
    let error = admin(&em)
        .list_documents(&ListQuery::new())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(403), "{error:?}");
    assert!(error.to_string().contains("Forbidden"), "{error}");
    assert!(
        !matches!(error, Error::Authentication(_)),
        "a 403 is no credentials problem"
    );
}

#[tokio::test]
async fn an_upload_to_a_domain_this_version_lacks_is_not_sent_twice() {
    let em = start("2.39").await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "icon.png", &bytes(100));
    let error = admin(&em)
        .upload_file_resource(&path, &Domain::Icon, &transfer())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400), "{error:?}");
    assert_eq!(count(&em, "POST", "/api/fileResources"), 1);
}

#[tokio::test]
async fn transient_faults_on_reads_are_retried_until_they_pass() {
    let em = start("2.41").await;
    em.seed_document(d2files::emulator::SeedDocument::link(
        "Site",
        "https://dhis2.org",
    ));
    let client = admin(&em);
    // 502 then 504 (the default client retries twice): the third try answers.
    em.faults()
        .fail_next(FaultRule::new(502).method("GET").path("/api/documents"));
    em.faults()
        .fail_next(FaultRule::new(504).method("GET").path("/api/documents"));
    let page = client.list_documents(&ListQuery::new()).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(count(&em, "GET", "/api/documents"), 3);
    // A connection reset before the answer is retried the same way.
    em.faults().drop_request_after_bytes(0, "/api/documents");
    let page = client.list_documents(&ListQuery::new()).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(count(&em, "GET", "/api/documents"), 5);
}

#[tokio::test]
async fn a_connection_reset_on_a_write_is_not_retried() {
    let em = start("2.41").await;
    em.faults().drop_request_after_bytes(0, "/api/documents");
    let error = admin(&em)
        .create_external_document("Site", "https://dhis2.org")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Network(_)), "{error:?}");
    assert_eq!(count(&em, "POST", "/api/documents"), 1);
    let documents = admin(&em).list_documents(&ListQuery::new()).await.unwrap();
    assert!(documents.items.is_empty());
}

#[tokio::test]
async fn the_cli_reports_a_dropped_download_and_leaves_a_clean_directory() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "cable.bin", bytes(1_500_000));
    let home = temp_dir();
    // The cable is pulled after 400 kB: a body is never fetched twice behind the user's back.
    em.faults().drop_after_bytes(400_000, "/data");
    let run = run_as_admin(home.path(), &em, &["resources", "download", &uid]).await;
    assert!(!run.success, "{}", run.stdout);
    assert!(run.stderr.contains("network error"), "{}", run.stderr);
    assert!(run.stderr.contains("of 1500000 bytes"), "{}", run.stderr);
    let left = tree(home.path());
    assert!(
        left.iter()
            .all(|p| !p.to_string_lossy().starts_with("cable.bin")),
        "{left:?}"
    );
}
