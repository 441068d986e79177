//! What DHIS2 2.43 changed for documents and file resources, each test from the words of
//! dhis2-api.md §13 (and the rows of §6, §9.6, §12.4 it extends), checked beside the release
//! before it; and the file resource cleanup job on every release (§4.7, §13.7).
mod common;

use chrono::Duration;
use common::raw::{Who, create_document, get, request, send, upload};
use common::{VERSIONS, start};
use d2files::emulator::{Change, LostBytes, SeedDocument, SeedFileResource};
use reqwest::{Method, StatusCode, header};
use serde_json::json;

/// The 400 of a `UID`-typed parameter (§13.1), path variable or request parameter.
fn uid_refusal(value: &str, path: bool) -> String {
    let kind = if path { "path parameter" } else { "parameter" };
    format!(
        "Value '{value}' is not valid for {kind} uid. UID must be an alphanumeric string of 11 \
         characters starting with a letter, but was: {value}"
    )
}

const DIGIT_FIRST: &str = "1234567890a";

// ---------------------------------------------------------------- §13.1 uid validation

#[tokio::test]
async fn get_of_a_malformed_document_uid_is_404_then_405_then_400_for_a_digit_first_one() {
    // | `GET /api/documents/{uid}` | ≤2.41 404 | 2.42 405 | 2.43 / 2.44 405 if not 11
    // alphanumerics; 400 if it fits the regex but is no UID (e.g. `1234567890a`) |
    for version in VERSIONS {
        let release = common::version(version);
        let em = start(version).await;
        let answer = get(&em, "/api/documents/abc").await;
        let short = if release.has(Change::GetMalformedUidIs405) {
            405
        } else {
            404
        };
        assert_eq!(answer.status.as_u16(), short, "{version}");
        let answer = get(&em, &format!("/api/documents/{DIGIT_FIRST}")).await;
        if release.has(Change::UidBinding) {
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{version}");
            assert_eq!(answer.json["message"], uid_refusal(DIGIT_FIRST, true));
            assert!(answer.json.get("errorCode").is_none(), "no errorCode");
        } else {
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{version}");
        }
    }
}

#[tokio::test]
async fn writes_to_a_malformed_document_uid_are_404_until_243_then_400() {
    // | `PUT`/`PATCH`/`DELETE /api/documents/{uid}`, `PUT …/{uid}/sharing`,
    // `…/{uid}/translations` | ≤2.41 404 | 2.42 404 | 2.43 / 2.44 400 (`UID` path variable) |
    for version in VERSIONS {
        let bound = common::version(version).has(Change::UidBinding);
        let em = start(version).await;
        for bad in ["abc", DIGIT_FIRST] {
            let body = json!({"name": "x", "url": "https://dhis2.org", "external": true});
            let put = send(
                request(
                    &em,
                    Method::PUT,
                    &format!("/api/documents/{bad}"),
                    Who::Admin,
                )
                .json(&body),
            )
            .await;
            let patch = send(
                request(
                    &em,
                    Method::PATCH,
                    &format!("/api/documents/{bad}"),
                    Who::Admin,
                )
                .header(header::CONTENT_TYPE, "application/json-patch+json")
                .body("[]"),
            )
            .await;
            let delete = send(request(
                &em,
                Method::DELETE,
                &format!("/api/documents/{bad}"),
                Who::Admin,
            ))
            .await;
            let sharing = send(
                request(
                    &em,
                    Method::PUT,
                    &format!("/api/documents/{bad}/sharing"),
                    Who::Admin,
                )
                .json(&json!({"owner": "M5zQapPyTZI", "public": "r-------"})),
            )
            .await;
            let translations = get(&em, &format!("/api/documents/{bad}/translations")).await;
            for (what, answer) in [
                ("PUT", &put),
                ("PATCH", &patch),
                ("DELETE", &delete),
                ("PUT sharing", &sharing),
                ("GET translations", &translations),
            ] {
                if bound {
                    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{version} {what}");
                    assert_eq!(answer.json["message"], uid_refusal(bad, true), "{what}");
                } else {
                    assert_eq!(
                        answer.status,
                        StatusCode::NOT_FOUND,
                        "{version} {what} {bad}: {}",
                        answer.text
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_document_data_uid_is_never_bound_so_it_stays_a_404_with_243s_words() {
    // | `GET /api/documents/{uid}/data` | 404 `Document not found for uid: X` | same | 404
    // `Document not found or not accessible: 'X'` (still a `String` uid, so never 400) |
    for version in VERSIONS {
        let message = if common::version(version).has(Change::Texts243) {
            format!("Document not found or not accessible: '{DIGIT_FIRST}'")
        } else {
            format!("Document not found for uid: {DIGIT_FIRST}")
        };
        let em = start(version).await;
        let answer = get(&em, &format!("/api/documents/{DIGIT_FIRST}/data")).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{version}");
        assert_eq!(answer.json["message"], message, "{version}");
        assert!(answer.json.get("errorCode").is_none(), "{version}");
    }
}

#[tokio::test]
async fn file_resource_uids_are_bound_from_243() {
    // | `GET /api/fileResources/{uid}`, `…/{uid}/data` | 404 | 404 | 400 |
    for version in VERSIONS {
        let bound = common::version(version).has(Change::UidBinding);
        let em = start(version).await;
        for path in [
            format!("/api/fileResources/{DIGIT_FIRST}"),
            format!("/api/fileResources/{DIGIT_FIRST}/data"),
            "/api/fileResources/abc".to_string(),
            "/api/fileResources/abc/data".to_string(),
        ] {
            let answer = get(&em, &path).await;
            if bound {
                assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{version} {path}");
                let value = path.trim_start_matches("/api/fileResources/");
                let value = value.trim_end_matches("/data");
                assert_eq!(answer.json["message"], uid_refusal(value, true));
            } else {
                assert_eq!(answer.status, StatusCode::NOT_FOUND, "{version} {path}");
            }
        }
    }
}

#[tokio::test]
async fn an_upload_uid_is_validated_from_243_before_anything_else() {
    // | `POST /api/fileResources?uid=` | ignored (2.38) / not validated | not validated | 400 |;
    // "An 11-character non-UID is stored as given"; "2.43: uid binding first, then the same as
    // 2.42" (§11.1).
    for version in VERSIONS {
        let release = common::version(version);
        let em = start(version).await;
        if !release.has(Change::UidBinding) {
            let answer = upload(
                &em,
                &format!("?domain=DOCUMENT&uid={DIGIT_FIRST}"),
                "a.txt",
                "text/plain",
                b"hello".to_vec(),
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::ACCEPTED,
                "{version}: {}",
                answer.text
            );
            let id = &answer.json["response"]["fileResource"]["id"];
            assert_eq!(
                id == DIGIT_FIRST,
                release.has(Change::UploadUid),
                "{version}: {id}"
            );
            continue;
        }
        for bad in ["abc", DIGIT_FIRST] {
            // An empty file would be refused later (409); the uid comes first.
            let answer = upload(
                &em,
                &format!("?domain=DOCUMENT&uid={bad}"),
                "a.txt",
                "text/plain",
                vec![],
            )
            .await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{version}");
            assert_eq!(answer.json["message"], uid_refusal(bad, false));
            assert!(answer.json.get("errorCode").is_none());
        }
        assert!(em.run_cleanup().is_empty(), "nothing was stored");
    }
}

// ---------------------------------------------------------------- §13.2 the new texts

#[tokio::test]
async fn a_refused_file_resource_download_says_not_found_or_not_accessible_from_243() {
    // | FR `/data` refused (403, E1006) | `You don't have access to fileResource '<uid>' or this
    // fileResource is not available from this endpoint` | `File resource not found or not
    // accessible: <uid>` |
    for version in VERSIONS {
        let em = start(version).await;
        let fr = em
            .seed_file_resource(
                SeedFileResource::new("v.csv", "text/csv", b"1,2".to_vec()).domain("DATA_VALUE"),
            )
            .expect("seed");
        let answer = get(&em, &format!("/api/fileResources/{fr}/data")).await;
        // | Forbidden FR download | **401** up to 2.40 | **403** from 2.41 | (§6)
        if common::version(version).has(Change::ForbiddenDownload403) {
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{version}");
            assert_eq!(answer.json["errorCode"], "E1006");
        } else {
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{version}");
        }
        let expected = if !common::version(version).has(Change::Texts243) {
            format!(
                "You don't have access to fileResource '{fr}' or this fileResource is not available from this endpoint"
            )
        } else {
            format!("File resource not found or not accessible: {fr}")
        };
        assert_eq!(answer.json["message"], expected, "{version}");
    }
}

#[tokio::test]
async fn a_store_failure_is_a_500_in_each_releases_words() {
    // | Storage IOException (500) on FR or document `/data` | `Failed fetching the file from
    // storage` + devMessage `There was an exception when trying to fetch the file from the
    // storage backend…` | `Failed to fetch file resource from storage` + devMessage `Exception
    // occurred while fetching file resource from the storage backend` |
    for version in VERSIONS {
        let (message, dev) = if common::version(version).has(Change::Texts243) {
            (
                "Failed to fetch file resource from storage",
                "Exception occurred while fetching file resource from the storage backend",
            )
        } else {
            (
                "Failed fetching the file from storage",
                "There was an exception when trying to fetch the file from the storage backend",
            )
        };
        let em = start(version).await;
        let (fr, document) = common::seed_file_document(
            &em,
            "Report",
            SeedFileResource::new("r.pdf", "application/pdf", b"%PDF-1.4".to_vec()),
        );
        assert!(em.lose_bytes(&fr, LostBytes::Unreadable).expect("damaged"));
        let plain = get(&em, &format!("/api/fileResources/{fr}")).await;
        assert_eq!(
            plain.json["storageStatus"], "STORED",
            "the store says it has it"
        );
        for path in [
            format!("/api/fileResources/{fr}/data"),
            format!("/api/documents/{document}/data"),
        ] {
            let answer = get(&em, &path).await;
            assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
            assert_eq!(answer.json["message"], message, "{version} {path}");
            assert!(
                answer.json["devMessage"]
                    .as_str()
                    .is_some_and(|text| text.starts_with(dev)),
                "{}",
                answer.text
            );
        }
    }
}

#[tokio::test]
async fn e5000_speaks_of_the_import_strategy_from_243() {
    // | E5000 | `…but import mode is CREATE…` | `…but import strategy is CREATE…` |
    for version in VERSIONS {
        let word = if common::version(version).has(Change::Texts243) {
            "strategy"
        } else {
            "mode"
        };
        let em = start(version).await;
        let id =
            em.seed_document(SeedDocument::link("Home", "https://dhis2.org").id("RTkjSgLtdI6"));
        let answer = create_document(
            &em,
            json!({"id": id, "name": "Again", "external": true, "url": "https://dhis2.org"}),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CONFLICT);
        let report = &answer.json["response"]["errorReports"][0];
        assert_eq!(report["errorCode"], "E5000");
        let text = report["message"].as_str().expect("message");
        assert!(
            text.starts_with(&format!(
                "Found matching object for reference, but import {word} is CREATE."
            )),
            "{version}: {text}"
        );
    }
}

// ---------------------------------------------------------------- §13.3 PUSH_ANALYSIS

#[tokio::test]
async fn push_analysis_uploads_are_refused_and_the_demo_keeps_none_from_243() {
    // `POST /api/fileResources?domain=PUSH_ANALYSIS` → 400 `Value 'PUSH_ANALYSIS' is not valid
    // for parameter domain. Valid values are: [DATA_VALUE, DOCUMENT, MESSAGE_ATTACHMENT,
    // USER_AVATAR, ORG_UNIT, ICON, JOB_DATA]`; the migration deletes them.
    for version in VERSIONS {
        let em = common::start_with(version, |o| o.seed_demo = true).await;
        let answer = upload(
            &em,
            "?domain=PUSH_ANALYSIS",
            "a.pdf",
            "application/pdf",
            b"%PDF".to_vec(),
        )
        .await;
        if !common::version(version).has(Change::PushAnalysisRemoved) {
            assert_eq!(answer.status, StatusCode::ACCEPTED, "{version}");
            continue;
        }
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{version}");
        assert_eq!(
            answer.json["message"],
            "Value 'PUSH_ANALYSIS' is not valid for parameter domain. Valid values are: \
             [DATA_VALUE, DOCUMENT, MESSAGE_ATTACHMENT, USER_AVATAR, ORG_UNIT, ICON, JOB_DATA]"
        );
        let listed = get(
            &em,
            "/api/fileResources?fields=domain&paging=false&gist=false",
        )
        .await;
        let domains: Vec<&str> = listed.json["fileResources"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|fr| fr["domain"].as_str())
            .collect();
        assert!(!domains.is_empty());
        assert!(!domains.contains(&"PUSH_ANALYSIS"), "{version}");
        // The enum lost the constant, so a filter on it no longer parses.
        let filtered = get(&em, "/api/fileResources?filter=domain:eq:PUSH_ANALYSIS").await;
        assert_eq!(filtered.status, StatusCode::BAD_REQUEST);
    }
}

// ---------------------------------------------------------------- §13.8 other changes

#[tokio::test]
async fn unauthenticated_browsers_go_to_login_from_243() {
    // "Unauthenticated non-XHR requests redirect to `/login/` on 2.43+ and 2.44, instead of
    // `/dhis-web-login/` on 2.42"; before, §6: | `/dhis-web-commons/security/login.action` |
    // same | same | `/dhis-web-login` | `/dhis-web-login/` (2.43: `/login/`) |
    for version in VERSIONS {
        let release = common::version(version);
        let path = if release.has(Change::LoginSlashLogin) {
            "/login/"
        } else if release.has(Change::LoginDhisWebLoginSlash) {
            "/dhis-web-login/"
        } else if release.has(Change::LoginDhisWebLogin) {
            "/dhis-web-login"
        } else {
            "/dhis-web-commons/security/login.action"
        };
        let em = common::start_with(version, |o| o.context_path = "/dhis".into()).await;
        let answer = send(request(&em, Method::GET, "/api/documents", Who::Nobody)).await;
        assert_eq!(answer.status, StatusCode::FOUND, "{version}");
        let location = answer.headers[header::LOCATION].to_str().expect("location");
        assert_eq!(location, format!("{}{path}", em.base_url()), "{version}");
        let page = send(request(&em, Method::GET, path, Who::Nobody)).await;
        assert_eq!(page.status, StatusCode::OK, "the login page is there");
    }
}

#[tokio::test]
async fn versioned_api_paths_are_api_versions_the_release_knows() {
    // "`@ApiVersion` is gone (2.43+). `/api/28/…` through `/api/44/…` are rewritten to
    // `/api/…` by `ApiVersionFilter.java` (regex `2[8-9]|3\d|4[0-4]`)"; before, `@ApiVersion`
    // mapped them up to the release's own number.
    for version in VERSIONS {
        let numbers = common::version(version).api_version_numbers();
        let (lowest, highest) = (*numbers.start(), *numbers.end());
        assert_eq!(
            highest,
            if common::version(version).has(Change::ApiVersionFilter) {
                44
            } else {
                common::version(version).minor
            },
            "{version}"
        );
        let em = start(version).await;
        em.seed_document(SeedDocument::link("Home", "https://dhis2.org"));
        for n in [lowest, highest] {
            let answer = get(&em, &format!("/api/{n}/documents?fields=name&gist=false")).await;
            assert_eq!(answer.status, StatusCode::OK, "{version} /api/{n}");
            assert_eq!(answer.json["documents"][0]["name"], "Home");
            let answer = get(
                &em,
                &format!("/api/{n}/documents.json?fields=name&gist=false"),
            )
            .await;
            assert_eq!(answer.status, StatusCode::OK, "{version} /api/{n} .json");
            assert_eq!(answer.json["documents"][0]["name"], "Home");
            // Writes go through the same mapping.
            let created = send(
                request(&em, Method::POST, &format!("/api/{n}/documents"), Who::Admin).json(
                    &json!({"name": format!("Via {n}"), "url": "https://dhis2.org", "external": true}),
                ),
            )
            .await;
            assert_eq!(
                created.status,
                StatusCode::CREATED,
                "{version} POST /api/{n}: {}",
                created.text
            );
        }
        for n in [lowest - 1, highest + 1] {
            let answer = get(&em, &format!("/api/{n}/documents")).await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{version} /api/{n}");
            assert_eq!(
                answer.json["message"],
                format!("No handler found for GET /api/{n}/documents")
            );
            let answer = send(
                request(
                    &em,
                    Method::POST,
                    &format!("/api/{n}/documents"),
                    Who::Admin,
                )
                .json(&json!({"name": "x", "url": "https://dhis2.org", "external": true})),
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::NOT_FOUND,
                "{version} POST /api/{n}"
            );
            assert_eq!(
                answer.json["message"],
                format!("No handler found for POST /api/{n}/documents")
            );
        }
        // The request log keeps the path as it was sent.
        assert!(
            em.requests()
                .iter()
                .any(|r| r.path == format!("/api/{highest}/documents"))
        );
    }
}

#[tokio::test]
async fn an_unknown_order_property_is_a_400_and_an_unknown_direction_asc_from_243() {
    // | 2.43+ | Request order kept; duplicates dropped; **an unknown direction becomes
    // `asc`**; **an unknown property throws `IllegalArgumentException("No such property: X")`**,
    // which `CrudControllerAdvice` turns into **400** (no errorCode) |
    let names = |answer: &common::raw::Answer| -> Vec<String> {
        answer.json["documents"]
            .as_array()
            .expect("list")
            .iter()
            .map(|d| d["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    for version in VERSIONS {
        let em = start(version).await;
        for name in ["beta", "alpha", "Gamma"] {
            em.seed_document(SeedDocument::link(name, "https://dhis2.org"));
        }
        let unknown = get(&em, "/api/documents?fields=name&order=nope:asc&gist=false").await;
        let sideways = get(
            &em,
            "/api/documents?fields=name&order=name:sideways&gist=false",
        )
        .await;
        if !common::version(version).has(Change::UnknownOrderIs400) {
            assert_eq!(unknown.status, StatusCode::OK);
            // Both dropped: the default, name case-insensitive.
            assert_eq!(names(&unknown), ["alpha", "beta", "Gamma"]);
            assert_eq!(names(&sideways), ["alpha", "beta", "Gamma"]);
        } else {
            assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{version}");
            assert_eq!(unknown.json["message"], "No such property: nope");
            assert!(unknown.json.get("errorCode").is_none());
            // `asc`, case-sensitive: upper case first.
            assert_eq!(names(&sideways), ["Gamma", "alpha", "beta"], "{version}");
        }
    }
}

// ---------------------------------------------------------------- §9.6 external sharing

#[tokio::test]
async fn external_sharing_is_gone_from_2419_2426_and_243() {
    // | 2.38.0 – 2.41.8.x | Present | … | **2.41.9** … removed | 2.42.0 – 2.42.5.2 | still
    // present | 2.42.6 | removed | **2.43.0**+ / 2.44 | removed |; after the removal, output
    // no longer carries `sharing.external`, `meta.allowExternalAccess`,
    // `object.externalAccess` or `access.externalize`.
    let edges = ["2.41.8", "2.41.9", "2.42.5", "2.42.6"];
    for version in VERSIONS.into_iter().chain(edges) {
        let present = !common::version(version).has(Change::ExternalSharingRemoved);
        let em = start(version).await;
        let id = em.seed_document(SeedDocument::link("Home", "https://dhis2.org"));
        let document = get(&em, &format!("/api/documents/{id}")).await.json;
        let sharing = get(&em, &format!("/api/sharing?type=document&id={id}"))
            .await
            .json;
        let me = get(&em, "/api/me?fields=access").await.json;
        for (what, there) in [
            (
                "sharing.external",
                document["sharing"].get("external").is_some(),
            ),
            (
                "access.externalize",
                document["access"].get("externalize").is_some(),
            ),
            (
                "meta.allowExternalAccess",
                sharing["meta"].get("allowExternalAccess").is_some(),
            ),
            (
                "object.externalAccess",
                sharing["object"].get("externalAccess").is_some(),
            ),
            (
                "me access.externalize",
                me["access"].get("externalize").is_some(),
            ),
        ] {
            assert_eq!(there, present, "{version}: {what}");
        }
    }
}

// ---------------------------------------------------------------- §4.7, §13.7 cleanup

/// What the cleanup job leaves of a set of file resources, one release at a time.
struct Orphans {
    old_document: String,
    young_document: String,
    old_data_value: String,
    old_attachment: String,
    old_icon: String,
    old_org_unit: String,
    old_avatar: String,
    never_stored: String,
    linked: String,
    job_data: String,
}

fn seed_orphans(em: &d2files::emulator::Emulator) -> Orphans {
    let now = em.now();
    let seed = |name: &str, domain: &str, age: Duration, stored: bool, assigned: bool| {
        em.seed_file_resource(
            SeedFileResource::new(name, "text/plain", b"kept?".to_vec())
                .domain(domain)
                .stored(stored)
                .assigned(assigned)
                .created(now - age)
                .last_updated(now - age),
        )
        .expect("seed")
    };
    let orphans = Orphans {
        old_document: seed("old.txt", "DOCUMENT", Duration::days(3), true, false),
        young_document: seed("young.txt", "DOCUMENT", Duration::minutes(1), true, false),
        old_data_value: seed("value.txt", "DATA_VALUE", Duration::days(30), true, false),
        old_attachment: seed(
            "mail.txt",
            "MESSAGE_ATTACHMENT",
            Duration::days(30),
            true,
            false,
        ),
        old_icon: seed("icon.png", "ICON", Duration::days(3), true, false),
        old_org_unit: seed("unit.png", "ORG_UNIT", Duration::days(3), true, false),
        old_avatar: seed("me.png", "USER_AVATAR", Duration::days(3), true, false),
        never_stored: seed("lost.txt", "DOCUMENT", Duration::hours(3), false, false),
        linked: seed("linked.txt", "DOCUMENT", Duration::days(30), true, true),
        job_data: seed("job.json", "JOB_DATA", Duration::hours(1), true, false),
    };
    em.seed_document(SeedDocument::file("Linked", &orphans.linked));
    orphans
}

/// The clock moved to the next 02:00 and a minute past it: one run of the daily job.
fn pass_two_oclock(em: &d2files::emulator::Emulator) -> Vec<String> {
    let now = em.now();
    let mut next = now.date().and_hms_opt(2, 0, 0).expect("02:00");
    if next <= now {
        next += Duration::days(1);
    }
    let before = em.set_now(next - Duration::minutes(1));
    assert!(before.is_empty(), "nothing runs before 02:00: {before:?}");
    em.advance_clock(Duration::minutes(2))
}

#[tokio::test]
async fn the_daily_cleanup_deletes_what_each_release_deletes() {
    // §4.7: 2.38 → 2.41.6 and 2.42.0 → 2.42.3 delete unassigned FRs created more than 2 h ago
    // only if their content was never stored; 2.41.7+/2.42.4+ (and 2.43) delete unassigned
    // FRs of domains DOCUMENT, ICON, ORG_UNIT, USER_AVATAR whose lastUpdated is more than
    // 2 days old, plus orphaned JOB_DATA; DATA_VALUE cleanup is disabled, MESSAGE_ATTACHMENT is
    // never cleaned. "runs daily at 02:00".
    // The last patches before the new job (2.41.6, 2.42.3) beside the matrix.
    for version in VERSIONS.into_iter().chain(["2.41.6", "2.42.3"]) {
        let new_job = common::version(version).has(Change::UnassignedFileCleanup);
        let em = start(version).await;
        let o = seed_orphans(&em);
        let mut deleted = pass_two_oclock(&em);
        deleted.sort();
        let mut expected = if new_job {
            vec![
                o.old_document.clone(),
                o.old_icon.clone(),
                o.old_org_unit.clone(),
                o.old_avatar.clone(),
                o.job_data.clone(),
            ]
        } else {
            vec![o.never_stored.clone()]
        };
        expected.sort();
        assert_eq!(deleted, expected, "{version}");
        for kept in [
            &o.young_document,
            &o.old_data_value,
            &o.old_attachment,
            &o.linked,
        ] {
            let answer = get(&em, &format!("/api/fileResources/{kept}")).await;
            assert_eq!(answer.status, StatusCode::OK, "{version} keeps {kept}");
        }
        for gone in &expected {
            let answer = get(&em, &format!("/api/fileResources/{gone}")).await;
            assert_eq!(
                answer.status,
                StatusCode::NOT_FOUND,
                "{version} deleted {gone}"
            );
        }
        // Linking an old upload again: E4015 where the job took it, a document where not.
        let answer = create_document(
            &em,
            json!({"name": "Late", "external": false, "url": o.old_document}),
        )
        .await;
        if new_job {
            assert_eq!(answer.status, StatusCode::CONFLICT, "{version}");
            assert_eq!(
                answer.json["response"]["errorReports"][0]["errorCode"],
                "E4015"
            );
        } else {
            assert_eq!(
                answer.status,
                StatusCode::CREATED,
                "{version}: {}",
                answer.text
            );
        }
        // Three days on, the young one is old enough for the new job; the old job has nothing.
        let later = em.advance_clock(Duration::days(3));
        if new_job {
            let mut later = later;
            later.sort();
            let mut expected = vec![o.young_document.clone(), o.never_stored.clone()];
            expected.sort();
            assert_eq!(later, expected, "{version}");
        } else {
            assert!(later.is_empty(), "{version}: {later:?}");
        }
    }
}

#[tokio::test]
async fn a_deleted_documents_file_goes_two_days_later_where_delete_unassigns_it() {
    // §3.6: 2.41.7+, 2.42.4+, 2.43: the FR is set to `assigned=false`. The cleanup job deletes
    // unassigned DOCUMENT-domain FRs whose `lastUpdated` is older than 2 days; before, the FR is
    // untouched: stays `assigned=true`, content kept forever.
    for version in VERSIONS.into_iter().chain(["2.41.6"]) {
        let goes = common::version(version).has(Change::DocumentDeleteOverride);
        let em = start(version).await;
        let (fr, document) = common::seed_file_document(
            &em,
            "Report",
            SeedFileResource::new("r.pdf", "application/pdf", b"%PDF".to_vec()),
        );
        let deleted = send(request(
            &em,
            Method::DELETE,
            &format!("/api/documents/{document}"),
            Who::Admin,
        ))
        .await;
        assert_eq!(deleted.status, StatusCode::OK);
        assert!(pass_two_oclock(&em).is_empty(), "{version}: too young yet");
        let cleaned = em.advance_clock(Duration::days(2));
        assert_eq!(cleaned.contains(&fr), goes, "{version}: {cleaned:?}");
        let answer = get(&em, &format!("/api/fileResources/{fr}")).await;
        assert_eq!(answer.status == StatusCode::OK, !goes, "{version}");
    }
}

#[tokio::test]
async fn the_job_runs_on_a_request_after_two_oclock_and_times_follow_the_clock() {
    let em = start("2.43").await;
    let o = seed_orphans(&em);
    let now = em.now();
    let next = {
        let at = now.date().and_hms_opt(2, 0, 0).expect("02:00");
        if at <= now {
            at + Duration::days(1)
        } else {
            at
        }
    };
    assert!(em.set_now(next - Duration::seconds(1)).is_empty());
    // Set a second before: the next request after 02:00 runs it.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let answer = get(&em, &format!("/api/fileResources/{}", o.old_document)).await;
    assert_eq!(
        answer.status,
        StatusCode::NOT_FOUND,
        "the request ran the job first"
    );
    // What the server writes follows its clock.
    let info = get(&em, "/api/system/info").await.json;
    assert!(
        info["serverDate"]
            .as_str()
            .is_some_and(|date| date.starts_with(&next.format("%Y-%m-%dT02:00").to_string())),
        "{info}"
    );
    let created = create_document(
        &em,
        json!({"name": "Now", "external": true, "url": "https://dhis2.org"}),
    )
    .await;
    let uid = created.json["response"]["uid"]
        .as_str()
        .expect("uid")
        .to_string();
    let document = get(&em, &format!("/api/documents/{uid}?fields=created"))
        .await
        .json;
    assert!(
        document["created"]
            .as_str()
            .is_some_and(|date| date.starts_with(&next.format("%Y-%m-%d").to_string())),
        "{document}"
    );
}
