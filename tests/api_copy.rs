//! Copies of a file resource from one server to another, two emulators in one test: the
//! download body piped into the upload body, with the bytes, the MD5 and the uid kept (2.39+)
//! or a new uid (2.38), and the faults of either side: a source that breaks off, sends other
//! bytes or stalls, a target that refuses (E1119, a size limit), a cancellation
//! (dhis2-api.md §4.2, §4.6, §11.1).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::hostile;
use common::*;
use d2files::api::{
    Client, Domain, DownloadTarget, Error, FileResource, ListQuery, MinProgress, Phase, Progress,
    TransferOptions, Verification,
};
use d2files::emulator::{Emulator, SeedFileResource};

/// Several times any buffer on the way (256 KiB reads, 1 MiB write batches), below the
/// emulator's default 10 MB upload limit.
const LARGE: usize = 6_000_000;

/// A source emulator holding `bytes` as a file resource, and that resource as it reads there.
async fn source_with(version: &str, name: &str, bytes: Vec<u8>) -> (Emulator, FileResource) {
    let em = start(version).await;
    let uid = em
        .seed_file_resource(SeedFileResource::new(name, "application/pdf", bytes))
        .expect("seed");
    let resource = admin(&em).get_file_resource(&uid).await.expect("read");
    (em, resource)
}

/// The bytes of file resource `uid` on `em`, downloaded and checked against its MD5.
async fn bytes_on(em: &Emulator, uid: &str) -> Vec<u8> {
    let dir = temp_dir();
    let path = dir.path().join("copied");
    let downloaded = admin(em)
        .download_file_resource(uid, None, &DownloadTarget::File(path.clone()), &transfer())
        .await
        .expect("download from the target");
    assert_eq!(downloaded.verification, Verification::Matched);
    std::fs::read(path).expect("read the download")
}

/// The file resources a 2.41+ target holds.
async fn held_by(target: &Client) -> Vec<FileResource> {
    target
        .list_file_resources(&ListQuery::new())
        .await
        .expect("list")
        .items
}

/// Options whose progress reports are kept.
fn recording() -> (TransferOptions, Arc<Mutex<Vec<Progress>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let options = transfer().with_progress(move |p| sink.lock().expect("progress").push(p));
    (options, seen)
}

#[tokio::test]
async fn a_large_file_resource_is_copied_byte_for_byte_with_its_uid() {
    let original = pseudo_random_bytes(LARGE, 1);
    let (source_em, resource) = source_with("2.41", "report.pdf", original.clone()).await;
    let target_em = start("2.41").await;
    let target = admin(&target_em);
    let (options, seen) = recording();
    let copied = admin(&source_em)
        .copy_file_resource_to(
            &resource,
            &target,
            &Domain::Document,
            Some(&resource.id),
            &options,
        )
        .await
        .expect("copied");
    assert_eq!(copied.id, resource.id, "2.41 keeps the uid");
    assert_eq!(
        copied.content_md5.as_deref(),
        Some(md5_hex(&original).as_str())
    );
    let stored = target
        .wait_until_stored(&copied.id, &options)
        .await
        .expect("stored");
    assert_eq!(stored.name.as_deref(), Some("report.pdf"));
    assert_eq!(stored.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(stored.content_length, Some(LARGE as u64));
    assert_eq!(bytes_on(&target_em, &copied.id).await, original);
    let seen = seen.lock().expect("progress").clone();
    let copying: Vec<_> = seen
        .iter()
        .filter(|p| p.phase == Phase::Uploading)
        .collect();
    assert!(
        copying.windows(2).all(|w| w[0].done <= w[1].done),
        "{copying:?}"
    );
    assert_eq!(copying.last().map(|p| p.done), Some(LARGE as u64));
    assert_eq!(count(&source_em, "GET", "/data"), 1, "one download");
    assert_eq!(count(&target_em, "POST", "/api/fileResources"), 1);
}

#[tokio::test]
async fn a_2_38_target_gives_the_copy_a_uid_of_its_own() {
    let original = pseudo_random_bytes(300_000, 2);
    let (source_em, resource) = source_with("2.41", "old.pdf", original.clone()).await;
    let target_em = start("2.38").await;
    let copied = admin(&source_em)
        .copy_file_resource_to(
            &resource,
            &admin(&target_em),
            &Domain::Document,
            Some(&resource.id),
            &transfer(),
        )
        .await
        .expect("copied");
    assert_ne!(copied.id, resource.id, "2.38 ignores uid=");
    admin(&target_em)
        .wait_until_stored(&copied.id, &transfer())
        .await
        .expect("stored");
    assert_eq!(bytes_on(&target_em, &copied.id).await, original);
}

#[tokio::test]
async fn a_file_document_is_copied_with_its_file_resource_and_then_linked() {
    let original = pseudo_random_bytes(500_000, 3);
    let source_em = start("2.41").await;
    let (fr, document) = seed_file_document(
        &source_em,
        "Annual report",
        SeedFileResource::new("annual.pdf", "application/pdf", original.clone()),
    );
    let source = admin(&source_em);
    let read = source.get_document(&document).await.expect("document");
    let resource = source.get_file_resource(&fr).await.expect("its file");
    let target_em = start("2.42").await;
    let target = admin(&target_em);
    let copied = source
        .copy_file_resource_to(
            &resource,
            &target,
            &Domain::Document,
            Some(&fr),
            &transfer(),
        )
        .await
        .expect("copied");
    target
        .wait_until_stored(&copied.id, &transfer())
        .await
        .expect("stored");
    target
        .create_document_with_id(&document, read.title(), &copied.id, false)
        .await
        .expect("linked");
    let dir = temp_dir();
    let path = dir.path().join("annual.pdf");
    target
        .download_document(&document, &DownloadTarget::File(path.clone()), &transfer())
        .await
        .expect("the copy downloads");
    assert_eq!(std::fs::read(path).expect("read"), original);
}

#[tokio::test]
async fn a_source_that_breaks_off_fails_the_copy_and_the_target_stores_nothing() {
    let (source_em, resource) = source_with("2.41", "cut.pdf", pseudo_random_bytes(LARGE, 4)).await;
    source_em.faults().drop_after_bytes(1_000_000, "/data");
    let target_em = start("2.41").await;
    let target = admin(&target_em);
    let options = transfer();
    let error = admin(&source_em)
        .copy_file_resource_to(&resource, &target, &Domain::Document, None, &options)
        .await
        .expect_err("a broken source");
    let text = error.to_string();
    assert!(text.contains("stored nothing"), "{text}");
    assert!(text.contains(&format!("of {LARGE}")), "{text}");
    assert_eq!(
        count(&target_em, "POST", "/api/fileResources"),
        1,
        "it was sent"
    );
    assert!(held_by(&target).await.is_empty());
    assert_eq!(options.unlinked.get(), None);
}

#[tokio::test]
async fn a_source_with_other_bytes_than_its_md5_fails_the_copy_and_the_target_stores_nothing() {
    let (source_em, resource) =
        source_with("2.41", "damaged.pdf", pseudo_random_bytes(LARGE, 5)).await;
    source_em.faults().tamper_next_download("/data");
    let target_em = start("2.41").await;
    let target = admin(&target_em);
    let error = admin(&source_em)
        .copy_file_resource_to(&resource, &target, &Domain::Document, None, &transfer())
        .await
        .expect_err("damaged bytes");
    let Error::Context { source, context } = &error else {
        panic!("{error:?}")
    };
    assert!(matches!(**source, Error::Integrity { .. }), "{error:?}");
    assert!(context.contains("stored nothing"), "{context}");
    assert_eq!(
        count(&target_em, "POST", "/api/fileResources"),
        1,
        "it was sent"
    );
    assert!(held_by(&target).await.is_empty());
}

#[tokio::test]
async fn a_source_that_stalls_mid_body_is_ended_by_the_stall_rule() {
    let (source_em, resource) =
        source_with("2.41", "stalled.pdf", pseudo_random_bytes(LARGE, 6)).await;
    source_em.faults().stall_after_bytes(1_000_000, "/data");
    let target_em = start("2.41").await;
    let target = admin(&target_em);
    let options = TransferOptions {
        min_progress: MinProgress {
            bytes: 1024,
            window: Duration::from_millis(300),
        },
        ..transfer()
    };
    let error = admin(&source_em)
        .copy_file_resource_to(&resource, &target, &Domain::Document, None, &options)
        .await
        .expect_err("stalled");
    assert!(matches!(error, Error::Network(_)), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("copy stalled"), "{text}");
    assert!(text.contains("the source server stopped sending"), "{text}");
    // The bytes before the stall went on to the target while the source was still sending.
    assert!(
        text.contains(&format!("after 1000000 of {LARGE} bytes")),
        "{text}"
    );
    assert!(held_by(&target).await.is_empty());
}

#[tokio::test]
async fn a_uid_taken_on_the_target_is_dhis2s_e1119_and_nothing_is_replaced() {
    let (source_em, resource) =
        source_with("2.41", "twice.pdf", pseudo_random_bytes(1000, 7)).await;
    let target_em = start("2.41").await;
    let target = admin(&target_em);
    let source = admin(&source_em);
    let options = transfer();
    let copy = || {
        source.copy_file_resource_to(
            &resource,
            &target,
            &Domain::Document,
            Some(&resource.id),
            &options,
        )
    };
    copy().await.expect("the first copy");
    let error = copy().await.expect_err("the uid is taken");
    assert_eq!(error.error_code(), Some("E1119"), "{error:?}");
    assert_eq!(error.status(), Some(409));
    let text = error.to_string();
    assert!(text.contains("FileResource already exists"), "{text}");
    assert!(text.contains("nothing was uploaded in its place"), "{text}");
    assert_eq!(held_by(&target).await.len(), 1);
}

#[tokio::test]
async fn a_target_size_limit_is_dhis2s_refusal_and_the_next_copy_is_refused_before_sending() {
    let (source_em, resource) = source_with("2.41", "big.pdf", pseudo_random_bytes(LARGE, 8)).await;
    let target_em = start_with("2.42", |o| o.max_upload_size = Some(1_000_000)).await;
    let target = admin(&target_em);
    let source = admin(&source_em);
    let options = transfer();
    let copy =
        || source.copy_file_resource_to(&resource, &target, &Domain::Document, None, &options);
    let error = copy().await.expect_err("too large for the target");
    assert_eq!(error.status(), Some(409), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("File size can't be bigger than 1000000"),
        "{error}"
    );
    let again = copy().await.expect_err("refused at once");
    assert!(matches!(again, Error::InvalidInput(_)), "{again:?}");
    assert!(again.to_string().contains("nothing was sent"), "{again}");
    assert_eq!(count(&target_em, "POST", "/api/fileResources"), 1);
    assert_eq!(count(&source_em, "GET", "/data"), 1);
    assert!(held_by(&target).await.is_empty());
}

#[tokio::test]
async fn cancelling_mid_copy_is_cancelled_and_the_target_stores_nothing() {
    let (source_em, resource) =
        source_with("2.41", "cancelled.pdf", pseudo_random_bytes(LARGE, 9)).await;
    // Cancelled at the first chunk: without the cancellation the copy would finish, and the
    // target would hold a file resource.
    let target_em = start("2.41").await;
    let target = admin(&target_em);
    let options = transfer();
    let cancel = options.cancel.clone();
    let options = options.with_progress(move |p| {
        if p.phase == Phase::Uploading && p.done > 0 {
            cancel.cancel();
        }
    });
    let error = admin(&source_em)
        .copy_file_resource_to(&resource, &target, &Domain::Document, None, &options)
        .await
        .expect_err("cancelled");
    assert!(matches!(error, Error::Cancelled), "{error:?}");
    assert_eq!(options.unlinked.get(), None, "the target named nothing");
    assert!(held_by(&target).await.is_empty());
}

#[tokio::test]
async fn a_copy_paced_by_a_slow_source_outlasts_the_read_timeout() {
    let original = pseudo_random_bytes(3_000_000, 10);
    let source_em = start_with("2.41", |o| o.link_rate = Some(1_000_000)).await;
    let uid = source_em
        .seed_file_resource(SeedFileResource::new(
            "slow.pdf",
            "application/pdf",
            original.clone(),
        ))
        .expect("seed");
    let short_reads = d2files::api::ClientOptions {
        read_timeout: Duration::from_secs(1),
        ..fast_options()
    };
    let source = admin_with(&source_em, short_reads.clone());
    let resource = source.get_file_resource(&uid).await.expect("read");
    let target_em = start("2.41").await;
    let target = admin_with(&target_em, short_reads);
    let copied = source
        .copy_file_resource_to(&resource, &target, &Domain::Document, None, &transfer())
        .await
        .expect("copied");
    target
        .wait_until_stored(&copied.id, &transfer())
        .await
        .expect("stored");
    assert_eq!(bytes_on(&target_em, &copied.id).await, original);
}

/// A target at `server` (a hostile script), with the test client options.
fn hostile_target(server: &hostile::Hostile) -> Client {
    Client::with_options(
        &server.base_url(),
        d2files::api::Auth::basic("admin", "district"),
        fast_options(),
    )
    .expect("client")
}

/// More than loopback's socket buffers hold, so a target that stops reading stops the copy.
const BEYOND_SOCKET_BUFFERS: usize = 32 << 20;

#[tokio::test]
async fn a_target_that_stops_reading_is_ended_by_the_stall_rule() {
    let (source_em, resource) = source_with(
        "2.41",
        "unread.pdf",
        pseudo_random_bytes(BEYOND_SOCKET_BUFFERS, 11),
    )
    .await;
    let server = hostile::serve(|_, mut conn| async move {
        conn.read_some().await;
        // Holds the connection without reading another byte.
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let options = TransferOptions {
        min_progress: MinProgress {
            bytes: 1024,
            window: Duration::from_millis(300),
        },
        ..transfer()
    };
    let error = admin(&source_em)
        .copy_file_resource_to(
            &resource,
            &hostile_target(&server),
            &Domain::Document,
            None,
            &options,
        )
        .await
        .expect_err("stalled");
    let text = error.to_string();
    assert!(text.contains("copy stalled"), "{text}");
    assert!(text.contains("the target server stopped reading"), "{text}");
}

#[tokio::test]
async fn a_target_that_answers_before_reading_the_body_is_named_as_keeping_a_file_resource() {
    const KEPT: &str = "TacExtJuMmW";
    let (source_em, resource) =
        source_with("2.41", "early.pdf", pseudo_random_bytes(LARGE, 12)).await;
    let server = hostile::serve(|_, mut conn| async move {
        let mut kept = hostile::file_resource_json(KEPT, "early.pdf", 0, None);
        kept["storageStatus"] = "PENDING".into();
        let answer = serde_json::json!({
            "httpStatus": "Accepted", "httpStatusCode": 202, "status": "OK",
            "response": {"responseType": "FileResource", "fileResource": kept}
        });
        conn.json(202, &answer).await;
        // Holds the connection without reading the body.
        tokio::time::sleep(Duration::from_secs(10)).await;
    })
    .await;
    let options = transfer();
    let error = admin(&source_em)
        .copy_file_resource_to(
            &resource,
            &hostile_target(&server),
            &Domain::Document,
            None,
            &options,
        )
        .await
        .expect_err("nothing arrived");
    let Error::UploadIncomplete { uid, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(uid, KEPT);
    assert!(error.to_string().contains("linked to nothing"), "{error}");
    assert_eq!(options.unlinked.get().as_deref(), Some(KEPT));
}

#[tokio::test]
async fn a_target_that_stores_other_bytes_is_caught_with_or_without_hashing() {
    let original = pseudo_random_bytes(400_000, 14);
    let (source_em, resource) = source_with("2.41", "stored.pdf", original.clone()).await;
    let target_em = start("2.41").await;
    let target = admin(&target_em);
    let unhashed = TransferOptions {
        skip_md5_check: true,
        ..transfer()
    };
    // Unhashed, the source's own contentMd5 is what the target must have stored.
    for options in [transfer(), unhashed] {
        target_em.faults().corrupt_next_uploads(1);
        let error = admin(&source_em)
            .copy_file_resource_to(&resource, &target, &Domain::Document, None, &options)
            .await
            .expect_err("stored damaged");
        let Error::UploadIntegrity { uid, sent, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(sent, &md5_hex(&original));
        assert_eq!(options.unlinked.get().as_ref(), Some(uid), "named");
    }
}

#[tokio::test]
async fn a_source_that_never_serves_the_domain_says_so_in_dhis2s_words() {
    let source_em = start("2.41").await;
    let uid = source_em
        .seed_file_resource(SeedFileResource {
            domain: "DATA_VALUE".into(),
            ..SeedFileResource::new("value.pdf", "application/pdf", bytes(1000))
        })
        .expect("seed");
    let source = admin(&source_em);
    let resource = source.get_file_resource(&uid).await.expect("read");
    let target_em = start("2.41").await;
    let error = source
        .copy_file_resource_to(
            &resource,
            &admin(&target_em),
            &Domain::Document,
            None,
            &transfer(),
        )
        .await
        .expect_err("refused");
    assert!(
        matches!(error, Error::DomainRefused { status: 403, .. }),
        "{error:?}"
    );
    assert_eq!(count(&target_em, "POST", "/api/fileResources"), 0);
}
