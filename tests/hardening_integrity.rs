//! Integrity: uploads compare the server's contentMd5 with the bytes sent, downloads compare
//! the bytes received with it, and image domains that re-encode say so instead of failing.
mod common;

use common::*;
use d2files::api::{Domain, DownloadTarget, Error, Verification};
use d2files::emulator::SeedFileResource;

/// A PNG signature and header: enough for DHIS2's (and the emulator's) image checks.
fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0, 0, 0, 13]);
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
    ]);
    bytes
}

#[tokio::test]
async fn a_pass_through_upload_matches_the_local_md5() {
    let em = start("2.41").await;
    let dir = temp_dir();
    let contents = bytes(300_000);
    let path = write_file(dir.path(), "report.pdf", &contents);
    let client = admin(&em);
    let resource = client
        .upload_file_resource(&path, &Domain::Document, &transfer())
        .await
        .unwrap();
    assert_eq!(
        resource.content_md5.as_deref(),
        Some(md5_hex(&contents).as_str())
    );
    let uploaded = client
        .upload_document(&path, None, &transfer())
        .await
        .unwrap();
    assert_eq!(
        uploaded.file_resource.content_md5.as_deref(),
        Some(md5_hex(&contents).as_str())
    );
}

#[tokio::test]
async fn a_damaged_upload_is_reported_with_the_file_resource() {
    let em = start("2.41").await;
    let dir = temp_dir();
    let contents = bytes(100_000);
    let path = write_file(dir.path(), "data.csv", &contents);
    em.faults().corrupt_next_uploads(1);
    let error = admin(&em)
        .upload_file_resource(&path, &Domain::Document, &transfer())
        .await
        .unwrap_err();
    let Error::UploadIntegrity { uid, stored, sent } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(sent, &md5_hex(&contents));
    assert_ne!(stored, sent);
    let text = error.to_string();
    assert!(
        text.contains(uid.as_str()) && text.contains("upload it again"),
        "{text}"
    );
}

#[tokio::test]
async fn a_damaged_document_upload_fails_in_the_cli_before_linking() {
    let em = start("2.40").await;
    let home = temp_dir();
    write_file(home.path(), "minutes.txt", &bytes(5_000));
    em.faults().corrupt_next_uploads(1);
    let run = run_as_admin(home.path(), &em, &["documents", "upload", "minutes.txt"]).await;
    assert!(!run.success, "{}", run.stdout);
    assert!(run.stderr.contains("damaged on the way"), "{}", run.stderr);
    assert!(
        em.requests()
            .iter()
            .all(|r| !(r.method == "POST" && r.path.ends_with("/documents"))),
        "no document was created from damaged bytes"
    );
}

#[tokio::test]
async fn image_domains_say_re_encoded_instead_of_corrupted() {
    let em = start("2.42").await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "logo.png", &png());
    let client = admin(&em);
    for domain in [Domain::UserAvatar, Domain::OrgUnit, Domain::Icon] {
        let resource = client
            .upload_file_resource(&path, &domain, &transfer())
            .await
            .unwrap_or_else(|e| panic!("{domain}: {e}"));
        // The server re-encoded the image: its MD5 describes other bytes, and that is fine.
        assert_ne!(
            resource.content_md5.as_deref(),
            Some(md5_hex(&png()).as_str())
        );
        if domain == Domain::OrgUnit {
            let stored = client
                .wait_until_stored(&resource.id, &transfer())
                .await
                .unwrap();
            let saved = client
                .download_file_resource(
                    &stored.id,
                    None,
                    &DownloadTarget::File(dir.path().join("downloaded.png")),
                    &transfer(),
                )
                .await
                .unwrap();
            assert_eq!(saved.verification, Verification::Reencoded);
        }
    }
}

#[tokio::test]
async fn the_cli_notes_the_re_encoding_of_an_image_upload() {
    let em = start("2.41").await;
    let home = temp_dir();
    write_file(home.path(), "logo.png", &png());
    let run = run_as_admin(
        home.path(),
        &em,
        &["resources", "upload", "logo.png", "--domain", "ORG_UNIT"],
    )
    .await;
    assert!(run.success, "{}", run.stderr);
    assert!(run.stderr.contains("re-encodes"), "{}", run.stderr);
}

#[tokio::test]
async fn a_download_is_verified_against_the_servers_md5() {
    let em = start("2.41").await;
    let contents = bytes(200_000);
    let uid = seed_blob(&em, "a.bin", contents.clone());
    let dir = temp_dir();
    let saved = admin(&em)
        .download_file_resource(
            &uid,
            None,
            &DownloadTarget::File(dir.path().join("a.bin")),
            &transfer(),
        )
        .await
        .unwrap();
    assert_eq!(saved.verification, Verification::Matched);
    assert_eq!(saved.md5, Some(md5_hex(&contents)));
}

#[tokio::test]
async fn a_damaged_download_is_refused_and_leaves_no_file() {
    let em = start("2.41").await;
    let contents = bytes(200_000);
    let uid = seed_blob(&em, "a.bin", contents);
    let dir = temp_dir();
    em.faults().tamper_next_download("/data");
    let error = admin(&em)
        .download_file_resource(
            &uid,
            None,
            &DownloadTarget::File(dir.path().join("a.bin")),
            &transfer(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Integrity { .. }), "{error:?}");
    assert!(tree(dir.path()).is_empty(), "{:?}", tree(dir.path()));
}

#[tokio::test]
async fn the_cli_reports_a_damaged_download_and_leaves_no_file() {
    let em = start("2.39").await;
    let uid = seed_blob(&em, "b.bin", bytes(50_000));
    let home = temp_dir();
    em.faults().tamper_next_download("/data");
    let run = run_as_admin(home.path(), &em, &["resources", "download", &uid]).await;
    assert!(!run.success, "{}", run.stdout);
    assert!(
        run.stderr.contains("do not match the server's MD5"),
        "{}",
        run.stderr
    );
    assert!(!home.path().join("b.bin").exists());
    assert!(
        tree(home.path())
            .iter()
            .all(|path| !path.to_string_lossy().ends_with(".part")),
        "no part file is left"
    );
}

#[tokio::test]
async fn the_cli_says_how_a_download_was_checked() {
    let em = start("2.41").await;
    let plain = seed_blob(&em, "a.bin", bytes(1_000));
    let logo = em
        .seed_file_resource(
            SeedFileResource::new("logo.png", "image/png", png()).domain("ORG_UNIT"),
        )
        .unwrap();
    let home = temp_dir();
    for (uid, expected) in [
        (plain, "verified against the server's MD5"),
        (logo, "DHIS2 re-encodes images"),
    ] {
        let run = run_as_admin(home.path(), &em, &["resources", "download", &uid]).await;
        assert!(run.success, "{}", run.stderr);
        assert!(run.stdout.contains(expected), "{}", run.stdout);
    }
}

fn unchecked() -> d2files::api::TransferOptions {
    d2files::api::TransferOptions {
        skip_md5_check: true,
        ..transfer()
    }
}

#[tokio::test]
async fn skipping_the_check_saves_what_came_and_says_it_was_not_checked() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "a.bin", bytes(200_000));
    let dir = temp_dir();
    let target = dir.path().join("a.bin");
    em.faults().tamper_next_download("/data");
    let saved = admin(&em)
        .download_file_resource(
            &uid,
            None,
            &DownloadTarget::File(target.clone()),
            &unchecked(),
        )
        .await
        .unwrap();
    assert_eq!(saved.verification, Verification::Skipped);
    assert_eq!(saved.md5, None);
    assert_eq!(std::fs::metadata(&target).unwrap().len(), 200_000);
}

#[tokio::test]
async fn skipping_the_check_still_refuses_a_short_download() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "a.bin", bytes(300_000));
    let dir = temp_dir();
    em.faults().drop_after_bytes(100_000, "/data");
    let error = admin(&em)
        .download_file_resource(
            &uid,
            None,
            &DownloadTarget::File(dir.path().join("a.bin")),
            &unchecked(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Network(_)), "{error:?}");
    assert!(tree(dir.path()).is_empty(), "{:?}", tree(dir.path()));
}

#[tokio::test]
async fn skipping_the_check_accepts_an_upload_the_server_stored_differently() {
    let em = start("2.41").await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "data.csv", &bytes(100_000));
    em.faults().corrupt_next_uploads(1);
    let resource = admin(&em)
        .upload_file_resource(&path, &Domain::Document, &unchecked())
        .await
        .unwrap();
    assert_ne!(
        resource.content_md5.as_deref(),
        Some(md5_hex(&bytes(100_000)).as_str())
    );
}

#[tokio::test]
async fn the_cli_no_verify_flag_skips_the_check_and_says_so() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "a.bin", bytes(1_000));
    let home = temp_dir();
    let text = run_as_admin(
        home.path(),
        &em,
        &["resources", "download", &uid, "--no-verify"],
    )
    .await;
    assert!(text.success, "{}", text.stderr);
    assert!(
        text.stdout.contains("MD5 not checked (--no-verify)") && !text.stdout.contains("md5 "),
        "{}",
        text.stdout
    );
    let json = run_as_admin(
        home.path(),
        &em,
        &[
            "--json",
            "resources",
            "download",
            &uid,
            "copy.bin",
            "--no-verify",
        ],
    )
    .await;
    assert!(json.success, "{}", json.stderr);
    let saved: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(saved["verification"], "skipped");
    assert!(saved["md5"].is_null(), "{saved}");
}
