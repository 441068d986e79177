//! Uploads and downloads of documents end to end: the two-step upload with its phases and
//! failures, downloads into files and directories, overwrite rules, part files, broken
//! connections, cancellation and external links (dhis2-api.md §3.4, §3.7, §7.1-7.2, §7.6-7.7).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use d2files::api::{
    DocumentDownload, DownloadTarget, Error, ListQuery, Phase, TransferOptions, Verification,
};
use d2files::emulator::{FaultRule, SeedDocument, SeedFileResource};

/// Records the phases a transfer reports, collapsing repeats.
fn phase_recorder(options: TransferOptions) -> (TransferOptions, Arc<Mutex<Vec<Phase>>>) {
    let phases = Arc::new(Mutex::new(Vec::new()));
    let sink = phases.clone();
    let options = options.with_progress(move |progress| {
        let mut phases = sink.lock().expect("phases");
        if phases.last() != Some(&progress.phase) {
            phases.push(progress.phase);
        }
    });
    (options, phases)
}

#[tokio::test]
async fn an_uploaded_document_downloads_byte_for_byte() {
    let dir = temp_dir();
    let bytes = pseudo_random_bytes(300_000, 1);
    let source = write_file(dir.path(), "survey results.csv", &bytes);
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        let (options, phases) = phase_recorder(transfer());
        let uploaded = client
            .upload_document(&source, None, &options)
            .await
            .expect(v);
        assert_eq!(
            *phases.lock().expect("phases"),
            [Phase::Uploading, Phase::WaitingForStorage, Phase::Linking],
            "{v}"
        );
        let document = &uploaded.document;
        assert_eq!(
            document.name.as_deref(),
            Some("survey results.csv"),
            "{v}: file name by default"
        );
        assert!(!document.external, "{v}");
        assert_eq!(
            document.file_resource_uid(),
            Some(uploaded.file_resource.id.as_str()),
            "{v}"
        );
        assert!(uploaded.file_resource.is_stored(), "{v}");
        assert_eq!(
            uploaded.file_resource.content_md5.as_deref(),
            Some(md5_hex(&bytes).as_str()),
            "{v}"
        );
        let posts = requests_matching(&em, "POST", "/api/fileResources");
        assert_eq!(posts.len(), 1, "{v}");
        assert_eq!(posts[0].query.as_deref(), Some("domain=DOCUMENT"), "{v}");

        let target = dir.path().join(format!("copy-{v}.csv"));
        let (options, phases) = phase_recorder(transfer());
        let downloaded = client
            .download_document(
                &document.id,
                &DownloadTarget::File(target.clone()),
                &options,
            )
            .await
            .expect(v);
        let DocumentDownload::Saved(saved) = downloaded else {
            panic!("{v}: {downloaded:?}");
        };
        assert_eq!(*phases.lock().expect("phases"), [Phase::Downloading], "{v}");
        assert_eq!(saved.path, target, "{v}");
        assert_eq!(std::fs::read(&target).expect("saved"), bytes, "{v}");
        assert_eq!(saved.md5, Some(md5_hex(&bytes)), "{v}");
        assert_eq!(saved.bytes, bytes.len() as u64, "{v}");
        assert_eq!(saved.verification, Verification::Matched, "{v}");
        assert_eq!(saved.content_type.as_deref(), Some("text/csv"), "{v}");
        assert!(part_files(dir.path()).is_empty(), "{v}");
    }
}

#[tokio::test]
async fn an_upload_can_be_given_a_name() {
    let dir = temp_dir();
    let source = write_file(dir.path(), "x.txt", b"named");
    let em = start("2.42").await;
    let uploaded = admin(&em)
        .upload_document(&source, Some("  Field manual "), &transfer())
        .await
        .expect("upload");
    assert_eq!(uploaded.document.name.as_deref(), Some("Field manual"));
}

#[tokio::test]
async fn an_upload_waits_out_the_storage_delay() {
    let dir = temp_dir();
    let source = write_file(dir.path(), "slow.txt", b"slow store");
    let em = start_with("2.40", |o| o.storage_delay = Duration::from_millis(300)).await;
    let uploaded = admin(&em)
        .upload_document(&source, None, &transfer())
        .await
        .expect("upload");
    let fr = &uploaded.file_resource.id;
    let polls = count(&em, "GET", &format!("/api/fileResources/{fr}"));
    assert!(polls >= 2, "polled until STORED: {polls}");
    // The document was created only after the resource was stored.
    let order: Vec<String> = em
        .requests()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let post = order
        .iter()
        .position(|r| r == "POST /api/documents")
        .expect("document created");
    let last_poll = order
        .iter()
        .rposition(|r| r == &format!("GET /api/fileResources/{fr}"))
        .expect("polled");
    assert!(last_poll < post, "{order:?}");
}

#[tokio::test]
async fn stalled_storage_is_a_link_failure_naming_the_resource() {
    let dir = temp_dir();
    let source = write_file(dir.path(), "stuck.txt", b"never stored");
    for v in ["2.38", "2.41.7"] {
        let em = start(v).await;
        em.faults().stall_storage(true);
        let client = admin(&em);
        let error = client
            .upload_document(&source, None, &transfer_waiting(Duration::from_millis(100)))
            .await
            .expect_err(v);
        let Error::LinkFailed {
            file_resource_uid,
            source: cause,
        } = &error
        else {
            panic!("{v}: {error:?}");
        };
        assert!(
            matches!(cause.as_ref(), Error::StorageTimeout { uid, .. } if uid == file_resource_uid),
            "{v}: {cause:?}"
        );
        assert!(
            error.to_string().contains(file_resource_uid.as_str()),
            "{v}: {error}"
        );
        assert_eq!(count(&em, "POST", "/api/documents"), 0, "{v}: no document");
        client
            .get_file_resource(file_resource_uid)
            .await
            .expect("the uploaded resource exists");
    }
}

#[tokio::test]
async fn a_failed_second_step_can_be_linked_later_without_uploading_again() {
    let dir = temp_dir();
    let bytes = pseudo_random_bytes(50_000, 2);
    let source = write_file(dir.path(), "report.pdf", &bytes);
    for v in VERSIONS {
        let em = start(v).await;
        em.faults()
            .fail_next(FaultRule::new(500).method("POST").path("/api/documents"));
        let client = admin(&em);
        let error = client
            .upload_document(&source, Some("Report"), &transfer())
            .await
            .expect_err(v);
        let uid = error
            .unlinked_file_resource()
            .unwrap_or_else(|| panic!("{v}: {error:?}"))
            .to_string();
        assert_eq!(error.status(), Some(500), "{v}");
        assert!(error.to_string().contains(&uid), "{v}: {error}");
        assert!(
            error.to_string().contains("Emulated failure"),
            "{v}: DHIS2's words kept: {error}"
        );

        let document = client.link_document("Report", &uid).await.expect(v);
        assert_eq!(document.file_resource_uid(), Some(uid.as_str()), "{v}");
        assert_eq!(
            count(&em, "POST", "/api/fileResources"),
            1,
            "{v}: uploaded once"
        );
        let target = dir.path().join(format!("linked-{v}.pdf"));
        client
            .download_document(
                &document.id,
                &DownloadTarget::File(target.clone()),
                &transfer(),
            )
            .await
            .expect(v);
        assert_eq!(std::fs::read(&target).expect("saved"), bytes, "{v}");
    }
}

#[tokio::test]
async fn a_directory_target_uses_the_sanitised_server_name() {
    let em = start("2.41.7").await;
    let (fr, document) = seed_file_document(
        &em,
        "Evil",
        SeedFileResource::new("../../evil.txt", "text/plain", b"payload".to_vec()),
    );
    let outer = temp_dir();
    let inner = outer.path().join("a").join("b");
    std::fs::create_dir_all(&inner).expect("dirs");
    let client = admin(&em);
    let downloaded = client
        .download_document(
            &document,
            &DownloadTarget::Directory(inner.clone()),
            &transfer(),
        )
        .await
        .expect("download");
    let DocumentDownload::Saved(saved) = downloaded else {
        panic!("{downloaded:?}");
    };
    assert_eq!(saved.path, inner.join("evil.txt"));
    assert_eq!(std::fs::read(&saved.path).expect("saved"), b"payload");
    assert!(!outer.path().join("evil.txt").exists());
    assert!(!outer.path().join("a").join("evil.txt").exists());

    // The file resource download names the file the same way.
    let again = temp_dir();
    let saved = client
        .download_file_resource(
            &fr,
            None,
            &DownloadTarget::Directory(again.path().into()),
            &transfer(),
        )
        .await
        .expect("download");
    assert_eq!(saved.path, again.path().join("evil.txt"));
}

#[tokio::test]
async fn an_existing_file_is_kept_unless_overwrite() {
    let em = start("2.42").await;
    let (fr, document) = seed_file_document(
        &em,
        "Data",
        SeedFileResource::new("data.txt", "text/plain", b"theirs".to_vec()),
    );
    let dir = temp_dir();
    let target = write_file(dir.path(), "data.txt", b"mine");
    let client = admin(&em);
    for to in [
        DownloadTarget::File(target.clone()),
        DownloadTarget::Directory(dir.path().into()),
    ] {
        let error = client
            .download_document(&document, &to, &transfer())
            .await
            .expect_err("exists");
        assert!(
            matches!(&error, Error::TargetExists(path) if *path == target),
            "{error:?}"
        );
        assert_eq!(std::fs::read(&target).expect("kept"), b"mine");
        let error = client
            .download_file_resource(&fr, None, &to, &transfer())
            .await
            .expect_err("exists");
        assert!(matches!(error, Error::TargetExists(_)), "{error:?}");
        assert_eq!(std::fs::read(&target).expect("kept"), b"mine");
    }
    // A file target is checked before any byte is fetched.
    assert_eq!(
        count(&em, "GET", &format!("/api/documents/{document}/data")),
        1
    );
    assert!(part_files(dir.path()).is_empty());

    let overwrite = TransferOptions {
        overwrite: true,
        ..transfer()
    };
    client
        .download_document(&document, &DownloadTarget::File(target.clone()), &overwrite)
        .await
        .expect("overwrite");
    assert_eq!(std::fs::read(&target).expect("replaced"), b"theirs");
    assert!(part_files(dir.path()).is_empty());
}

#[tokio::test]
async fn a_broken_connection_leaves_no_part_file() {
    let bytes = pseudo_random_bytes(1_000_000, 3);
    for v in ["2.38", "2.42"] {
        let em = start(v).await;
        let (_, document) = seed_file_document(
            &em,
            "Big",
            SeedFileResource::new("big.bin", "application/octet-stream", bytes.clone()),
        );
        em.faults().drop_after_bytes(300_000, "/data");
        let dir = temp_dir();
        let target = dir.path().join("big.bin");
        let error = admin(&em)
            .download_document(
                &document,
                &DownloadTarget::File(target.clone()),
                &transfer(),
            )
            .await
            .expect_err(v);
        assert!(matches!(error, Error::Network(_)), "{v}: {error:?}");
        assert!(!target.exists(), "{v}");
        assert!(
            part_files(dir.path()).is_empty(),
            "{v}: {:?}",
            part_files(dir.path())
        );
    }
}

#[tokio::test]
async fn cancelling_mid_download_stops_and_cleans_up() {
    let bytes = pseudo_random_bytes(2_000_000, 4);
    let em = start("2.41.7").await;
    let (_, document) = seed_file_document(
        &em,
        "Large",
        SeedFileResource::new("large.bin", "application/octet-stream", bytes),
    );
    let dir = temp_dir();
    let target = dir.path().join("large.bin");
    let options = transfer();
    let cancel = options.cancel.clone();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let part_dir = dir.path().to_path_buf();
    let options = options.with_progress(move |progress| {
        sink.lock().expect("progress").push(progress.done);
        if progress.done == 0 {
            // A slow consumer: the next report comes with bytes already written.
            std::thread::sleep(Duration::from_millis(150));
        } else {
            assert_eq!(
                part_files(&part_dir).len(),
                1,
                "the part file holds the bytes so far"
            );
            cancel.cancel();
        }
    });
    let error = admin(&em)
        .download_document(&document, &DownloadTarget::File(target.clone()), &options)
        .await
        .expect_err("cancelled");
    assert!(matches!(error, Error::Cancelled), "{error:?}");
    let seen = seen.lock().expect("progress").clone();
    assert!(
        seen.iter().any(|done| *done > 0 && *done < 2_000_000),
        "cancelled mid-way: {seen:?}"
    );
    assert!(!target.exists());
    assert!(part_files(dir.path()).is_empty());
}

#[tokio::test]
async fn cancelling_before_the_upload_sends_nothing_lasting() {
    let dir = temp_dir();
    let source = write_file(dir.path(), "a.txt", &pseudo_random_bytes(100_000, 5));
    let em = start("2.41.7").await;
    let options = transfer();
    options.cancel.cancel();
    let error = admin(&em)
        .upload_document(&source, None, &options)
        .await
        .expect_err("cancelled");
    assert!(matches!(error, Error::Cancelled), "{error:?}");
    assert_eq!(count(&em, "POST", "/api/documents"), 0);
}

#[tokio::test]
async fn an_external_document_is_not_fetched() {
    for v in VERSIONS {
        let em = start(v).await;
        let url = format!("{}/external/brochure.pdf", em.base_url());
        let document = em.seed_document(SeedDocument::link("Brochure", &url));
        let dir = temp_dir();
        let result = admin(&em)
            .download_document(
                &document,
                &DownloadTarget::Directory(dir.path().into()),
                &transfer(),
            )
            .await
            .expect(v);
        let DocumentDownload::External { url: got } = result else {
            panic!("{v}: {result:?}");
        };
        assert_eq!(got, url, "{v}");
        let seen = em.requests();
        assert!(
            !seen.iter().any(|r| r.path.contains("/external/")),
            "{v}: {seen:?}"
        );
        // Its `/data`, asked for beside the metadata, is DHIS2's redirect to the link: the
        // only host asked is DHIS2, and the redirect is never followed.
        assert!(
            seen.iter()
                .filter(|r| r.path.ends_with("/data"))
                .all(|r| r.path.contains(&format!("/api/documents/{document}/"))),
            "{v}: {seen:?}"
        );
        assert!(
            std::fs::read_dir(dir.path()).expect("dir").next().is_none(),
            "{v}"
        );
    }
}

#[tokio::test]
async fn downloading_a_resource_not_yet_stored_says_so_instead_of_a_bare_500() {
    let em = start("2.41.7").await;
    let (fr, document) = seed_file_document(
        &em,
        "Late",
        SeedFileResource::new("late.txt", "text/plain", b"late".to_vec()).stored(false),
    );
    let dir = temp_dir();
    let error = admin(&em)
        .download_document(
            &document,
            &DownloadTarget::Directory(dir.path().into()),
            &transfer(),
        )
        .await
        .expect_err("not stored");
    assert!(error.to_string().contains("still PENDING"), "{error:?}");
    assert!(std::fs::read_dir(dir.path()).expect("dir").next().is_none());
    // The one `/data` asked for beside the metadata (DHIS2's bare 500), not asked again.
    assert_eq!(count(&em, "GET", "/data"), 1, "one body request");
    // The file resource download says the same.
    let error = admin(&em)
        .download_file_resource(
            &fr,
            None,
            &DownloadTarget::Directory(dir.path().into()),
            &transfer(),
        )
        .await
        .expect_err("not stored");
    assert!(error.to_string().contains("still PENDING"), "{error:?}");
}

#[tokio::test]
async fn a_missing_document_download_is_404() {
    let em = start("2.40").await;
    let dir = temp_dir();
    let error = admin(&em)
        .download_document(
            "AbCdEfGhIj1",
            &DownloadTarget::Directory(dir.path().into()),
            &transfer(),
        )
        .await
        .expect_err("missing");
    assert_eq!(error.status(), Some(404), "{error:?}");
    let listed = admin(&em)
        .list_documents(&ListQuery::new())
        .await
        .expect("list");
    assert!(listed.items.is_empty());
}

#[tokio::test]
async fn raw_content_disposition_names_are_read_leniently() {
    // DHIS2 writes `filename=<name>` unquoted (§7.7), and Latin-1 letters as single bytes.
    let em = start("2.42").await;
    let client = admin(&em);
    for (server_name, local_name) in [
        ("annual report 2025.pdf", "annual report 2025.pdf"),
        ("a \"quoted\"; name.pdf", "a _quoted_; name.pdf"),
        ("résumé.txt", "résumé.txt"),
        ("CON.txt", "_CON.txt"),
        (".hidden", "hidden"),
    ] {
        let (_, document) = seed_file_document(
            &em,
            "Named",
            SeedFileResource::new(server_name, "text/plain", b"x".to_vec()),
        );
        let dir = temp_dir();
        let downloaded = client
            .download_document(
                &document,
                &DownloadTarget::Directory(dir.path().into()),
                &transfer(),
            )
            .await
            .expect(server_name);
        let DocumentDownload::Saved(saved) = downloaded else {
            panic!("{server_name}: {downloaded:?}");
        };
        assert_eq!(saved.path, dir.path().join(local_name), "{server_name}");
        assert!(saved.path.exists(), "{server_name}");
    }
}

#[tokio::test]
async fn file_names_reach_the_server_as_they_are() {
    let dir = temp_dir();
    let em = start("2.41.7").await;
    let client = admin(&em);
    for name in [
        "résumé final.txt",
        "rapport d'activité (v2).txt",
        "数据.txt",
        "a;b=c.txt",
    ] {
        let source = write_file(dir.path(), name, b"content");
        let uploaded = client
            .upload_document(&source, None, &transfer())
            .await
            .expect(name);
        assert_eq!(uploaded.file_resource.name.as_deref(), Some(name), "{name}");
        assert_eq!(uploaded.document.name.as_deref(), Some(name), "{name}");
    }
}

#[tokio::test]
async fn progress_counts_every_byte_both_ways() {
    let dir = temp_dir();
    let bytes = pseudo_random_bytes(600_000, 6);
    let source = write_file(dir.path(), "counted.dat", &bytes);
    let em = start("2.42").await;
    let client = admin(&em);
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let options = transfer().with_progress(move |p| sink.lock().expect("reports").push(p));
    let uploaded = client
        .upload_document(&source, None, &options)
        .await
        .expect("upload");
    let target = dir.path().join("back.dat");
    client
        .download_document(
            &uploaded.document.id,
            &DownloadTarget::File(target),
            &options,
        )
        .await
        .expect("download");
    let reports = reports.lock().expect("reports").clone();
    let total = bytes.len() as u64;
    for phase in [Phase::Uploading, Phase::Downloading] {
        let of_phase: Vec<_> = reports.iter().filter(|p| p.phase == phase).collect();
        let last = of_phase
            .last()
            .unwrap_or_else(|| panic!("{phase:?}: {reports:?}"));
        assert_eq!((last.done, last.total), (total, Some(total)), "{phase:?}");
        assert!(
            of_phase.windows(2).all(|w| w[0].done <= w[1].done),
            "{phase:?} never goes backwards: {of_phase:?}"
        );
    }
}

#[tokio::test]
async fn cancelling_mid_upload_leaves_no_file_resource() {
    let dir = temp_dir();
    let source = write_file(dir.path(), "big.dat", &pseudo_random_bytes(3_000_000, 7));
    let em = start("2.41.7").await;
    let options = transfer();
    let cancel = options.cancel.clone();
    let options = options.with_progress(move |p| {
        if p.phase == Phase::Uploading && p.done == 0 {
            // A slow consumer: the next report comes with bytes already sent.
            std::thread::sleep(Duration::from_millis(150));
        } else if p.phase == Phase::Uploading {
            cancel.cancel();
        }
    });
    let client = admin(&em);
    let error = client
        .upload_document(&source, None, &options)
        .await
        .expect_err("cancelled");
    assert!(matches!(error, Error::Cancelled), "{error:?}");
    let listed = client
        .list_file_resources(&ListQuery::new())
        .await
        .expect("list");
    assert!(listed.items.is_empty(), "{:?}", listed.items);
    assert_eq!(count(&em, "POST", "/api/documents"), 0);
}

#[tokio::test]
async fn cancelling_while_waiting_for_storage_stops_waiting_and_names_what_the_server_kept() {
    let dir = temp_dir();
    let source = write_file(dir.path(), "a.txt", b"stalled");
    let em = start("2.40").await;
    em.faults().stall_storage(true);
    let options = transfer_waiting(Duration::from_secs(30));
    let cancel = options.cancel.clone();
    let options = options.with_progress(move |p| {
        if p.phase == Phase::WaitingForStorage {
            cancel.cancel();
        }
    });
    let error = admin(&em)
        .upload_document(&source, None, &options)
        .await
        .expect_err("cancelled");
    let Error::LinkFailed { source, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(matches!(**source, Error::Cancelled), "{error:?}");
    assert!(error.unlinked_file_resource().is_some(), "linkable later");
    assert_eq!(count(&em, "POST", "/api/documents"), 0);
}

#[tokio::test]
async fn a_file_that_changes_while_uploading_is_refused() {
    let dir = temp_dir();
    let em = start("2.41.7").await;
    let client = admin(&em);
    for grow in [true, false] {
        let source = write_file(
            dir.path(),
            "changing.log",
            &pseudo_random_bytes(1_000_000, 8),
        );
        let changed = source.clone();
        let options = transfer().with_progress(move |p| {
            if p.phase == Phase::Uploading && p.done == 0 {
                if grow {
                    let mut file = std::fs::OpenOptions::new()
                        .append(true)
                        .open(&changed)
                        .expect("open");
                    std::io::Write::write_all(&mut file, &[1u8; 300_000]).expect("append");
                } else {
                    std::fs::write(&changed, b"short").expect("truncate");
                }
            }
        });
        let error = client
            .upload_document(&source, None, &options)
            .await
            .expect_err("changed underneath");
        assert!(
            matches!(&error, Error::InvalidInput(text) if text.contains("changed while it was uploaded")),
            "grow={grow}: {error:?}"
        );
    }
    assert_eq!(count(&em, "POST", "/api/documents"), 0);
}

#[tokio::test]
async fn a_refused_first_step_is_the_servers_error_not_a_link_failure() {
    let dir = temp_dir();
    let source = write_file(dir.path(), "notes.txt", b"ten bytes!");
    let em = start_with("2.41.7", |o| o.max_upload_size = Some(5)).await;
    let error = admin(&em)
        .upload_document(&source, None, &transfer())
        .await
        .expect_err("too large");
    assert!(matches!(error, Error::Dhis2(_)), "{error:?}");
    assert_eq!(error.status(), Some(409));
    assert_eq!(error.unlinked_file_resource(), None);
    assert_eq!(count(&em, "POST", "/api/documents"), 0);
}

#[tokio::test]
async fn a_round_trip_works_under_a_context_path_with_a_token() {
    let dir = temp_dir();
    let bytes = pseudo_random_bytes(100_000, 9);
    let source = write_file(dir.path(), "ctx.pdf", &bytes);
    let em = start_with("2.42", |o| o.context_path = "/dhis".into()).await;
    let client = admin_pat(&em);
    let uploaded = client
        .upload_document(&source, None, &transfer())
        .await
        .expect("upload");
    let listed = client
        .list_documents(&ListQuery::new())
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 1);
    let downloaded = client
        .download_document(
            &uploaded.document.id,
            &DownloadTarget::Directory(dir.path().join("out")),
            &transfer(),
        )
        .await;
    // The directory must exist: nothing is created for the caller.
    assert!(
        matches!(downloaded, Err(Error::Io { .. })),
        "{downloaded:?}"
    );
    std::fs::create_dir(dir.path().join("out")).expect("mkdir");
    let downloaded = client
        .download_document(
            &uploaded.document.id,
            &DownloadTarget::Directory(dir.path().join("out")),
            &transfer(),
        )
        .await
        .expect("download");
    let DocumentDownload::Saved(saved) = downloaded else {
        panic!("{downloaded:?}");
    };
    assert_eq!(std::fs::read(&saved.path).expect("saved"), bytes);
    let seen = em.requests();
    assert!(
        seen.iter().all(|r| r.path.starts_with("/dhis/api/")),
        "{seen:?}"
    );
    assert!(seen.iter().all(|r| r.has_authorization), "{seen:?}");
}

#[tokio::test]
async fn a_download_asks_for_the_body_beside_the_metadata() {
    let em = start("2.41").await;
    let (fr, document) = seed_file_document(
        &em,
        "Report",
        SeedFileResource::new("report.pdf", "application/pdf", bytes(10_000)),
    );
    let dir = temp_dir();
    let target = DownloadTarget::Directory(dir.path().into());
    admin(&em)
        .download_document(&document, &target, &transfer())
        .await
        .expect("saved");
    admin(&em)
        .download_file_resource(
            &fr,
            None,
            &target,
            &TransferOptions {
                overwrite: true,
                ..transfer()
            },
        )
        .await
        .expect("saved");
    // Three requests for the document, two for the file resource, none of them repeated: the
    // body is not asked for again after the metadata came.
    assert_eq!(count(&em, "GET", &format!("/api/documents/{document}")), 2);
    assert_eq!(count(&em, "GET", &format!("/api/fileResources/{fr}")), 3);
    assert_eq!(em.requests().len(), 5);
}

#[tokio::test]
async fn a_target_that_refuses_asks_for_no_body() {
    let em = start("2.41").await;
    let (_, document) = seed_file_document(
        &em,
        "Report",
        SeedFileResource::new("report.pdf", "application/pdf", bytes(10_000)),
    );
    let dir = temp_dir();
    let existing = write_file(dir.path(), "report.pdf", b"mine");
    let error = admin(&em)
        .download_document(
            &document,
            &DownloadTarget::File(existing.clone()),
            &transfer(),
        )
        .await
        .expect_err("the file is there");
    assert!(error.to_string().contains("exists"), "{error}");
    assert_eq!(count(&em, "GET", "/data"), 0);
    assert_eq!(std::fs::read(&existing).expect("kept"), b"mine");
}

#[tokio::test]
async fn a_file_through_a_compressing_proxy_keeps_its_exact_bytes_and_md5() {
    // A JSON file: the type nginx's gzip_types compresses for a client that asks.
    let em = start_with("2.41", |o| o.compress_json = true).await;
    let contents = br#"{"district": "Bo", "cases": [1, 1, 1, 1, 1, 1, 1, 1]}"#.repeat(200);
    let (fr, document) = seed_file_document(
        &em,
        "Cases",
        SeedFileResource::new("cases.json", "application/json", contents.clone()),
    );
    let dir = temp_dir();
    let client = admin(&em);
    let target = DownloadTarget::Directory(dir.path().into());
    let DocumentDownload::Saved(saved) = client
        .download_document(&document, &target, &transfer())
        .await
        .expect("saved")
    else {
        panic!("a file document");
    };
    assert_eq!(saved.verification, Verification::Matched);
    assert_eq!(std::fs::read(&saved.path).expect("saved"), contents);
    let again = client
        .download_file_resource(
            &fr,
            None,
            &target,
            &TransferOptions {
                overwrite: true,
                ..transfer()
            },
        )
        .await
        .expect("saved");
    assert_eq!(again.verification, Verification::Matched);
    assert_eq!(std::fs::read(&again.path).expect("saved"), contents);
    // JSON is asked for compressed; a file's bytes never are.
    for request in em.requests() {
        let accepts_gzip = request
            .accept_encoding
            .as_deref()
            .is_some_and(|accepted| accepted.contains("gzip"));
        assert_eq!(
            accepts_gzip,
            !request.path.ends_with("/data"),
            "{request:?}"
        );
    }
}
