//! `/api/fileResources` through `d2files::api::Client`: upload per domain, storage status,
//! download refusals, list, and the upload checks (dhis2-api.md §4, §7.2-7.4, §7.15-7.18).

mod common;

use std::time::Duration;

use common::*;
use d2files::api::{
    Dimension, Domain, DownloadTarget, Error, Feature, FileResource, Filter, ListQuery,
    StorageStatus, Verification,
};
use d2files::emulator::{Change, SeedFileResource};

/// The domains a version knows (ICON and JOB_DATA arrived in 2.40, PUSH_ANALYSIS left in 2.43).
fn domains(v: &str) -> Vec<Domain> {
    let mut all = vec![
        Domain::Document,
        Domain::DataValue,
        Domain::MessageAttachment,
        Domain::UserAvatar,
        Domain::OrgUnit,
    ];
    if supports(v, Feature::PushAnalysisDomain) {
        all.push(Domain::PushAnalysis);
    }
    if supports(v, Feature::IconAndJobData) {
        all.extend([Domain::Icon, Domain::JobData]);
    }
    all
}

fn refusal_status(v: &str) -> u16 {
    if version(v).has(Change::ForbiddenDownload403) {
        403
    } else {
        401
    }
}

#[tokio::test]
async fn uploads_in_every_domain_store_and_download_per_domain_rules() {
    let dir = temp_dir();
    let png = png_bytes();
    let path = write_file(dir.path(), "pic.png", &png);
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        for domain in domains(v) {
            let what = format!("{v} {domain}");
            let uploaded = client
                .upload_file_resource(&path, &domain, &transfer())
                .await
                .expect(&what);
            assert_eq!(uploaded.domain.as_ref(), Some(&domain), "{what}");
            assert_eq!(uploaded.name.as_deref(), Some("pic.png"), "{what}");
            assert_eq!(
                uploaded.storage_status,
                Some(StorageStatus::Pending),
                "{what}: an upload always answers PENDING"
            );
            let stored = client
                .wait_until_stored(&uploaded.id, &transfer())
                .await
                .expect(&what);
            assert!(stored.is_stored(), "{what}");

            let target = dir.path().join(format!("{}-{}.png", v, domain));
            let result = client
                .download_file_resource(
                    &uploaded.id,
                    None,
                    &DownloadTarget::File(target.clone()),
                    &transfer(),
                )
                .await;
            if domain.download_refused() {
                let error = result.expect_err(&what);
                assert!(
                    matches!(error, Error::DomainRefused { .. }),
                    "{what}: {error:?}"
                );
                assert!(!target.exists(), "{what}");
            } else {
                let saved = result.expect(&what);
                let bytes = std::fs::read(&target).expect("downloaded");
                assert_eq!(saved.bytes, bytes.len() as u64, "{what}");
                if domain.reencodes_images() {
                    assert_eq!(saved.verification, Verification::Reencoded, "{what}");
                } else {
                    assert_eq!(bytes, png, "{what}: byte for byte");
                    assert_eq!(saved.verification, Verification::Matched, "{what}");
                    assert_eq!(
                        stored.content_md5.as_deref(),
                        Some(md5_hex(&png).as_str()),
                        "{what}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn the_domain_is_sent_in_upper_case() {
    // 2.38/2.39 bind enum parameters case-sensitively.
    let dir = temp_dir();
    let path = write_file(dir.path(), "a.txt", b"hello");
    let em = start("2.38").await;
    let uploaded = admin(&em)
        .upload_file_resource(&path, &Domain::MessageAttachment, &transfer())
        .await
        .expect("upload");
    assert_eq!(uploaded.domain, Some(Domain::MessageAttachment));
    let posts = requests_matching(&em, "POST", "/api/fileResources");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].query.as_deref(), Some("domain=MESSAGE_ATTACHMENT"));
}

#[tokio::test]
async fn a_domain_the_version_lacks_is_dhis2s_400() {
    let dir = temp_dir();
    let path = write_file(dir.path(), "icon.png", &png_bytes());
    let em = start("2.39").await;
    let error = admin(&em)
        .upload_file_resource(&path, &Domain::Icon, &transfer())
        .await
        .expect_err("no ICON before 2.40");
    assert_eq!(error.status(), Some(400), "{error:?}");
    assert!(error.to_string().contains("No enum constant"), "{error}");
}

#[tokio::test]
async fn data_value_downloads_are_refused_by_domain_not_credentials() {
    for v in VERSIONS {
        let em = start(v).await;
        let uid = em
            .seed_file_resource(
                SeedFileResource::new("value.csv", "text/csv", b"a,b\n".to_vec())
                    .domain("DATA_VALUE"),
            )
            .expect("seed");
        let dir = temp_dir();
        let error = admin(&em)
            .download_file_resource(
                &uid,
                None,
                &DownloadTarget::Directory(dir.path().into()),
                &transfer(),
            )
            .await
            .expect_err(v);
        let Error::DomainRefused {
            uid: refused,
            domain,
            status,
            message,
        } = &error
        else {
            panic!("{v}: expected DomainRefused, got {error:?}");
        };
        assert_eq!(refused, &uid, "{v}");
        assert_eq!(domain, "DATA_VALUE", "{v}");
        assert_eq!(*status, refusal_status(v), "{v}");
        assert_eq!(
            message,
            &download_refusal_message(v, &uid),
            "{v}: DHIS2's own words"
        );
        assert!(
            !error.to_string().contains("password"),
            "{v}: not a credentials hint: {error}"
        );
        assert!(
            std::fs::read_dir(dir.path()).expect("dir").next().is_none(),
            "{v}"
        );
    }
}

#[tokio::test]
async fn list_works_from_2_41_and_is_not_available_before() {
    let dir = temp_dir();
    let a = write_file(dir.path(), "a.txt", b"alpha");
    let b = write_file(dir.path(), "b.txt", b"bravo");
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        let first = client
            .upload_file_resource(&a, &Domain::Document, &transfer())
            .await
            .expect(v);
        let second = client
            .upload_file_resource(&b, &Domain::MessageAttachment, &transfer())
            .await
            .expect(v);
        let result = client.list_file_resources(&ListQuery::new()).await;
        if supports(v, Feature::FileResourceList) {
            let page = result.expect(v);
            let mut ids: Vec<&str> = page.items.iter().map(|fr| fr.id.as_str()).collect();
            ids.sort_unstable();
            let mut expected = vec![first.id.as_str(), second.id.as_str()];
            expected.sort_unstable();
            assert_eq!(ids, expected, "{v}");
            let named = client
                .list_file_resources(&ListQuery::new().filter(Filter::name_contains("b.t")))
                .await
                .expect(v);
            let ids: Vec<&str> = named.items.iter().map(|fr| fr.id.as_str()).collect();
            assert_eq!(ids, [second.id.as_str()], "{v}");
        } else {
            let error = result.expect_err(v);
            assert!(
                matches!(error, Error::NotAvailable { .. }),
                "{v}: {error:?}"
            );
            assert!(error.to_string().contains("2.41"), "{v}: {error}");
        }
    }
}

#[tokio::test]
async fn file_resources_are_read_by_id_in_batches_on_2_41_and_later() {
    for v in ["2.40.6", "2.41.7", "2.42.0", "2.43", "2.44"] {
        let em = start(v).await;
        let mut seeded = Vec::new();
        for n in 0..130 {
            let name = format!("f{n}.txt");
            let bytes = vec![b'x'; n + 1];
            seeded.push(
                em.seed_file_resource(SeedFileResource::new(&name, "text/plain", bytes))
                    .expect(v),
            );
        }
        // All of them, a uid that is not there, and a string that is no uid (a hostile
        // document url must not reach the filter).
        let mut asked = seeded.clone();
        asked.push("AAAAAAAAAAA".into());
        asked.push("x],name:eq:[y".into());
        let result = admin(&em).file_resources_by_id(&asked).await;
        if !supports(v, Feature::FileResourceList) {
            assert!(
                matches!(result, Err(Error::NotAvailable { .. })),
                "{v}: {result:?}"
            );
            continue;
        }
        let found = result.expect(v);
        let mut ids: Vec<&str> = found.iter().map(|fr| fr.id.as_str()).collect();
        ids.sort_unstable();
        let mut expected: Vec<&str> = seeded.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(ids, expected, "{v}");
        let sized = found.iter().find(|fr| fr.id == seeded[4]).expect(v);
        assert_eq!(sized.content_length, Some(5), "{v}");
        assert_eq!(sized.content_type.as_deref(), Some("text/plain"), "{v}");
        // 131 uids: two requests; the string that is no uid was never sent.
        let lists: Vec<_> = em
            .requests()
            .into_iter()
            .filter(|r| r.method == "GET" && r.path.ends_with("/fileResources"))
            .collect();
        assert_eq!(lists.len(), 2, "{v}: {lists:?}");
        assert!(
            lists
                .iter()
                .all(|r| !r.query.as_deref().unwrap_or("").contains("%3Aeq")),
            "{v}: {lists:?}"
        );
    }
}

#[tokio::test]
async fn blocklisted_files_are_refused_in_dhis2s_words_before_sending() {
    let dir = temp_dir();
    let exe = write_file(dir.path(), "setup.exe", b"MZ\x90\x00");
    let html = write_file(dir.path(), "page.html", b"<html></html>");
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        for path in [&exe, &html] {
            let error = client
                .upload_file_resource(path, &Domain::Document, &transfer())
                .await
                .expect_err(v);
            let text = error.to_string();
            assert!(
                text.contains("File type not allowed") && text.contains("E6101"),
                "{v}: {error}"
            );
        }
        // DHIS2 would have read the whole file to say so (E6101, tests/emulator.rs).
        assert_eq!(count(&em, "POST", "/api/fileResources"), 0, "{v}");
    }
}

#[tokio::test]
async fn the_upload_size_limit_is_dhis2s_409_text() {
    let dir = temp_dir();
    let path = write_file(dir.path(), "big.bin.txt", &vec![7u8; 1500]);
    // 2.39.8 and 2.40.6 bring the limit inside their minors (§6), so they are extra rows.
    for v in VERSIONS.into_iter().chain(["2.39.8", "2.40.6"]) {
        let limited = version(v).has(Change::UploadLimits);
        let em = start_with(v, |o| o.max_upload_size = Some(1000)).await;
        let result = admin(&em)
            .upload_file_resource(&path, &Domain::Document, &transfer())
            .await;
        if limited {
            let error = result.expect_err(v);
            let Error::Dhis2(dhis2) = &error else {
                panic!("{v}: {error:?}");
            };
            assert_eq!(dhis2.status, 409, "{v}");
            assert_eq!(
                dhis2.message, "File size can't be bigger than 1000, current file size 1500",
                "{v}"
            );
        } else {
            let uploaded = result.expect(v);
            assert_eq!(uploaded.content_length, Some(1500), "{v}");
        }
    }
}

#[tokio::test]
async fn a_limit_the_server_stated_refuses_the_next_larger_file_before_sending() {
    let dir = temp_dir();
    let big = write_file(dir.path(), "big.txt", &vec![7u8; 1500]);
    let bigger = write_file(dir.path(), "bigger.txt", &vec![7u8; 2000]);
    let small = write_file(dir.path(), "small.txt", &vec![7u8; 900]);
    let em = start_with("2.41.7", |o| o.max_upload_size = Some(1000)).await;
    let client = admin(&em);
    // Nothing is known before the first refusal: the file is sent, as DHIS2 does not say.
    client
        .check_upload(&bigger, &Domain::Document)
        .await
        .expect("not known yet");
    client
        .upload_file_resource(&big, &Domain::Document, &transfer())
        .await
        .expect_err("over the limit");
    assert_eq!(count(&em, "POST", "/api/fileResources"), 1);
    let error = client
        .check_upload(&bigger, &Domain::Document)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("at most 1000 B (1000 bytes")
            && error.to_string().contains("nothing was sent"),
        "{error}"
    );
    client
        .upload_file_resource(&bigger, &Domain::Document, &transfer())
        .await
        .expect_err("refused here");
    assert_eq!(count(&em, "POST", "/api/fileResources"), 1, "nothing sent");
    // Under the limit, and in another domain, files still go.
    client
        .upload_file_resource(&small, &Domain::Document, &transfer())
        .await
        .expect("under the limit");
    client
        .check_upload(&bigger, &Domain::DataValue)
        .await
        .expect("another domain's limit is not known");
}

#[tokio::test]
async fn an_empty_file_is_refused_in_dhis2s_words_before_sending() {
    let dir = temp_dir();
    let path = write_file(dir.path(), "empty.txt", b"");
    for v in VERSIONS {
        let em = start(v).await;
        let error = admin(&em)
            .upload_file_resource(&path, &Domain::Document, &transfer())
            .await
            .expect_err(v);
        assert!(
            error
                .to_string()
                .contains("Could not read file or file is empty."),
            "{v}: {error}"
        );
        assert_eq!(count(&em, "POST", "/api/fileResources"), 0, "{v}");
    }
}

#[tokio::test]
async fn a_missing_local_file_is_an_io_error_and_nothing_is_sent() {
    let dir = temp_dir();
    let em = start("2.41.7").await;
    let client = admin(&em);
    let error = client
        .upload_file_resource(&dir.path().join("nope.txt"), &Domain::Document, &transfer())
        .await
        .expect_err("no file");
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    let error = client
        .upload_file_resource(dir.path(), &Domain::Document, &transfer())
        .await
        .expect_err("a directory");
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    assert!(em.requests().is_empty());
}

#[tokio::test]
async fn get_reports_pending_until_stored() {
    let dir = temp_dir();
    let path = write_file(dir.path(), "a.txt", b"some text");
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        em.faults().stall_storage(true);
        let stalled = client
            .upload_file_resource(&path, &Domain::Document, &transfer())
            .await
            .expect(v);
        let read: FileResource = client.get_file_resource(&stalled.id).await.expect(v);
        assert_eq!(read.storage_status, Some(StorageStatus::Pending), "{v}");
        assert_eq!(read.content_length, Some(9), "{v}");
        assert_eq!(
            read.content_md5.as_deref(),
            Some(md5_hex(b"some text").as_str()),
            "{v}"
        );
        assert_eq!(read.content_type.as_deref(), Some("text/plain"), "{v}");
        em.faults().stall_storage(false);
        let stored = client
            .upload_file_resource(&path, &Domain::Document, &transfer())
            .await
            .expect(v);
        let read = client
            .wait_until_stored(&stored.id, &transfer())
            .await
            .expect(v);
        assert_eq!(read.storage_status, Some(StorageStatus::Stored), "{v}");
        // Read without `fields`, so the server checked the store.
        let gets = requests_matching(&em, "GET", &format!("/api/fileResources/{}", stored.id));
        assert!(gets.iter().all(|r| r.query.is_none()), "{v}: {gets:?}");
    }
}

#[tokio::test]
async fn waiting_honours_the_storage_delay() {
    let dir = temp_dir();
    let path = write_file(dir.path(), "a.txt", b"delayed");
    let em = start_with("2.40", |o| o.storage_delay = Duration::from_millis(300)).await;
    let client = admin(&em);
    let uploaded = client
        .upload_file_resource(&path, &Domain::Document, &transfer())
        .await
        .expect("upload");
    let stored = client
        .wait_until_stored(&uploaded.id, &transfer())
        .await
        .expect("stored");
    assert!(stored.is_stored());
    let polls = count(&em, "GET", &format!("/api/fileResources/{}", uploaded.id));
    assert!(polls >= 2, "polled until STORED: {polls}");
}

#[tokio::test]
async fn waiting_on_a_stalled_store_times_out_naming_the_resource() {
    let dir = temp_dir();
    let path = write_file(dir.path(), "a.txt", b"stuck");
    let em = start("2.42").await;
    em.faults().stall_storage(true);
    let client = admin(&em);
    let uploaded = client
        .upload_file_resource(&path, &Domain::Document, &transfer())
        .await
        .expect("upload");
    let error = client
        .wait_until_stored(&uploaded.id, &transfer_waiting(Duration::from_millis(100)))
        .await
        .expect_err("never stored");
    let Error::StorageTimeout { uid, status, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(uid, &uploaded.id);
    assert_eq!(status, "PENDING");
}

#[tokio::test]
async fn a_missing_file_resource_keeps_dhis2s_message() {
    for v in VERSIONS {
        let em = start(v).await;
        let error = admin(&em)
            .get_file_resource("AbCdEfGhIj1")
            .await
            .expect_err(v);
        let Error::Dhis2(dhis2) = &error else {
            panic!("{v}: {error:?}");
        };
        assert_eq!(dhis2.status, 404, "{v}");
        assert_eq!(
            dhis2.message, "FileResource with id AbCdEfGhIj1 could not be found.",
            "{v}"
        );
        let code = version(v)
            .has(Change::FileResource404Code)
            .then_some("E1005");
        assert_eq!(dhis2.error_code.as_deref(), code, "{v}");
    }
}

#[tokio::test]
async fn a_refused_avatar_download_is_not_a_credentials_problem() {
    // Only users with F_USER_VIEW may fetch other users' avatars; ≤2.40 says no with a 401.
    for v in VERSIONS {
        let em = start(v).await;
        let uid = em
            .seed_file_resource(
                SeedFileResource::new("face.png", "image/png", png_bytes()).domain("USER_AVATAR"),
            )
            .expect("seed");
        let dir = temp_dir();
        let error = guest(&em)
            .download_file_resource(
                &uid,
                None,
                &DownloadTarget::Directory(dir.path().into()),
                &transfer(),
            )
            .await
            .expect_err(v);
        assert!(!matches!(error, Error::Authentication(_)), "{v}: {error:?}");
        assert_eq!(error.status(), Some(refusal_status(v)), "{v}: {error:?}");
        assert!(
            error
                .to_string()
                .contains(&download_refusal_message(v, &uid)),
            "{v}: {error}"
        );
        // The admin may.
        admin(&em)
            .download_file_resource(
                &uid,
                None,
                &DownloadTarget::Directory(dir.path().into()),
                &transfer(),
            )
            .await
            .expect(v);
    }
}

#[tokio::test]
async fn an_image_size_is_asked_for_in_upper_case() {
    for v in ["2.38", "2.42", "2.44"] {
        let em = start(v).await;
        let uid = em
            .seed_file_resource(
                SeedFileResource::new("map.png", "image/png", png_bytes()).domain("ORG_UNIT"),
            )
            .expect("seed");
        let dir = temp_dir();
        let saved = admin(&em)
            .download_file_resource(
                &uid,
                Some(Dimension::Small),
                &DownloadTarget::Directory(dir.path().into()),
                &transfer(),
            )
            .await
            .expect(v);
        assert_eq!(saved.path, dir.path().join("map.png"), "{v}");
        assert_eq!(saved.verification, Verification::Reencoded, "{v}");
        let sent = requests_matching(&em, "GET", "/data");
        assert_eq!(sent.len(), 1, "{v}");
        assert_eq!(sent[0].query.as_deref(), Some("dimension=SMALL"), "{v}");
    }
}

#[tokio::test]
async fn avatar_uploads_are_validated_in_dhis2s_words() {
    // From 2.39.8/2.40.6/2.41.2: image types only, and the extension check is case-sensitive.
    let dir = temp_dir();
    let text = write_file(dir.path(), "notes.txt", b"not an image");
    let upper = write_file(dir.path(), "FACE.JPG", &png_bytes());
    for v in VERSIONS.into_iter().chain(["2.39.8", "2.40.6"]) {
        let validated = version(v).has(Change::UploadLimits);
        let em = start(v).await;
        let client = admin(&em);
        for (path, words) in [
            (
                &text,
                "Invalid content type, valid content types are: image/jpeg,image/png,image/gif",
            ),
            (
                &upper,
                "Wrong file extension, valid extensions are: jpg,jpeg,png,gif",
            ),
        ] {
            let result = client
                .upload_file_resource(path, &Domain::UserAvatar, &transfer())
                .await;
            if validated {
                let error = result.expect_err(v);
                let Error::Dhis2(dhis2) = &error else {
                    panic!("{v}: {error:?}");
                };
                assert_eq!((dhis2.status, dhis2.message.as_str()), (409, words), "{v}");
            } else {
                result.expect(v);
            }
        }
    }
}

#[tokio::test]
async fn list_all_gathers_every_file_resource_page_once() {
    for v in ["2.40", "2.41", "2.42", "2.44"] {
        let em = start(v).await;
        let mut ids: Vec<String> = (1..=5)
            .map(|n| {
                em.seed_file_resource(SeedFileResource::new(
                    &format!("f{n}.txt"),
                    "text/plain",
                    vec![b'x'; n],
                ))
                .expect("seed")
            })
            .collect();
        let result = admin(&em)
            .list_all_file_resources(&ListQuery::new().page_size(2), usize::MAX)
            .await;
        if supports(v, Feature::FileResourceList) {
            let mut got: Vec<String> = result.expect(v).items.into_iter().map(|fr| fr.id).collect();
            got.sort();
            ids.sort();
            assert_eq!(got, ids, "{v}");
            assert_eq!(count(&em, "GET", "/api/fileResources"), 3, "{v}");
        } else {
            let error = result.expect_err(v);
            assert!(
                matches!(error, Error::NotAvailable { .. }),
                "{v}: {error:?}"
            );
            assert_eq!(count(&em, "GET", "/api/fileResources"), 1, "{v}");
        }
    }
}
