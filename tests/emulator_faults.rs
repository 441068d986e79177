//! The damage an integrity check looks for, injected into the emulator and observed over real
//! HTTP with raw reqwest (no d2files::api): lost bytes (`Emulator::lose_bytes`), file resource
//! rows gone under their documents (`Emulator::remove_file_resource`, or a document seeded
//! dangling), orphans with a past `lastUpdated`, and links DHIS2 refuses today. Each is checked
//! before and after the damage, so a fault that does nothing fails the test.
mod common;

use chrono::{Duration as Days, NaiveDateTime};
use common::{VERSIONS, start};
use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_USERNAME, Change, Emulator, LostBytes, SeedDocument, SeedFileResource,
};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

const CONTENT: &[u8] = b"%PDF-1.4 eleven bytes and then some\n";

thread_local! {
    // One client per test (each runs on a thread and a runtime of its own): building one costs
    // more than the requests it sends, and every test loops over the whole matrix.
    static CLIENT: reqwest::Client = {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .expect("client")
    };
}

fn client() -> reqwest::Client {
    CLIENT.with(reqwest::Client::clone)
}

/// An answer as the tests look at it: status, headers, raw body.
struct Answer {
    status: StatusCode,
    headers: header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn get(em: &Emulator, path: &str) -> Answer {
    let response = client()
        .get(format!("{}{path}", em.base_url()))
        .basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD))
        .send()
        .await
        .expect("an answer");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("the body").to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

async fn post_document(em: &Emulator, body: Value) -> Answer {
    let response = client()
        .post(format!("{}/api/documents", em.base_url()))
        .basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD))
        .json(&body)
        .send()
        .await
        .expect("an answer");
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.bytes().await.expect("the body").to_vec(),
    }
}

/// A stored PDF file resource and a document showing it: (file resource, document).
fn seed_pdf_document(em: &Emulator) -> (String, String) {
    let fr = em
        .seed_file_resource(SeedFileResource::new(
            "report.pdf",
            "application/pdf",
            CONTENT,
        ))
        .expect("seeded");
    let document = em.seed_document(SeedDocument::file("Report", &fr));
    (fr, document)
}

fn lists_file_resources(v: &str) -> bool {
    common::version(v).has(Change::FileResourceList)
}

/// The file resource as the 2.41+ list shows it (`None` when it is not listed).
async fn listed(em: &Emulator, uid: &str, fields: &str) -> Option<Value> {
    let answer = get(
        em,
        &format!("/api/fileResources?fields={fields}&filter=id:eq:{uid}&paging=false"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    answer.json()["fileResources"]
        .as_array()
        .expect("a list")
        .first()
        .cloned()
}

/// Both `/data` endpoints of a file document answer the same.
async fn both_data(em: &Emulator, fr: &str, document: &str) -> [Answer; 2] {
    [
        get(em, &format!("/api/fileResources/{fr}/data")).await,
        get(em, &format!("/api/documents/{document}/data")).await,
    ]
}

// ---------------------------------------------------------------- lost bytes

#[tokio::test]
async fn a_blob_gone_from_the_store_reads_pending_and_its_data_is_an_empty_500() {
    for version in VERSIONS {
        let em = start(version).await;
        let (fr, document) = seed_pdf_document(&em);
        let before = get(&em, &format!("/api/fileResources/{fr}")).await.json();
        assert_eq!(before["storageStatus"], "STORED", "{version}");
        for answer in both_data(&em, &fr, &document).await {
            assert_eq!(answer.status, StatusCode::OK, "{version}");
            assert_eq!(answer.body, CONTENT, "{version}");
        }

        assert!(
            em.lose_bytes(&fr, LostBytes::Gone).expect("lost"),
            "{version}"
        );

        let plain = get(&em, &format!("/api/fileResources/{fr}")).await;
        assert_eq!(plain.status, StatusCode::OK, "{version}");
        let plain = plain.json();
        assert_eq!(plain["storageStatus"], "PENDING", "{version}");
        // The row is as it was: only the store lost the bytes.
        assert_eq!(plain["contentLength"], json!(CONTENT.len()), "{version}");
        assert_eq!(plain["contentMd5"], before["contentMd5"], "{version}");
        let with_fields = get(
            &em,
            &format!("/api/fileResources/{fr}?fields=storageStatus"),
        )
        .await
        .json();
        if lists_file_resources(version) {
            // The field-filtered paths never check the store (dhis2-api.md §4.3).
            assert_eq!(with_fields["storageStatus"], "NONE", "{version}");
            let row = listed(&em, &fr, "id,storageStatus,contentLength")
                .await
                .expect("listed");
            assert_eq!(row["storageStatus"], "NONE", "{version}");
            assert_eq!(row["contentLength"], json!(CONTENT.len()), "{version}");
        } else {
            // 2.40 serialises the object plainly, `fields` or not.
            assert_eq!(with_fields["storageStatus"], "PENDING", "{version}");
        }
        for answer in both_data(&em, &fr, &document).await {
            assert_eq!(
                answer.status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{version}"
            );
            assert!(answer.body.is_empty(), "{version}: {:?}", answer.body);
            assert_eq!(
                answer.header(header::CONTENT_TYPE),
                Some("application/pdf"),
                "{version}"
            );
        }
    }
}

#[tokio::test]
async fn an_emptied_blob_reads_stored_and_its_data_is_an_empty_200() {
    for version in VERSIONS {
        let em = start(version).await;
        let (fr, document) = seed_pdf_document(&em);
        let before = get(&em, &format!("/api/fileResources/{fr}")).await.json();

        assert!(
            em.lose_bytes(&fr, LostBytes::Empty).expect("emptied"),
            "{version}"
        );

        let plain = get(&em, &format!("/api/fileResources/{fr}")).await.json();
        assert_eq!(plain["storageStatus"], "STORED", "{version}");
        assert_eq!(plain["contentLength"], json!(CONTENT.len()), "{version}");
        assert_eq!(plain["contentMd5"], before["contentMd5"], "{version}");
        if lists_file_resources(version) {
            let row = listed(&em, &fr, "id,storageStatus").await.expect("listed");
            assert_eq!(row["storageStatus"], "NONE", "{version}");
        }
        for answer in both_data(&em, &fr, &document).await {
            assert_eq!(answer.status, StatusCode::OK, "{version}");
            assert_eq!(
                answer.header(header::CONTENT_LENGTH),
                Some("0"),
                "{version}"
            );
            assert!(answer.body.is_empty(), "{version}");
            assert_eq!(
                answer.header(header::CONTENT_TYPE),
                Some("application/pdf"),
                "{version}"
            );
        }
    }
}

#[tokio::test]
async fn losing_the_bytes_of_no_file_resource_is_refused() {
    let em = start("2.42.4").await;
    assert!(
        !em.lose_bytes("NoSuchFr001", LostBytes::Gone)
            .expect("no error")
    );
    assert!(
        !em.lose_bytes("NoSuchFr001", LostBytes::Empty)
            .expect("no error")
    );
    assert!(!em.remove_file_resource("NoSuchFr001"));
}

#[tokio::test]
async fn a_pending_file_resource_that_loses_its_bytes_stays_pending() {
    let em = start("2.42.4").await;
    let fr = em
        .seed_file_resource(
            SeedFileResource::new("late.pdf", "application/pdf", CONTENT).stored(false),
        )
        .expect("seeded");
    assert!(em.lose_bytes(&fr, LostBytes::Gone).expect("lost"));
    let plain = get(&em, &format!("/api/fileResources/{fr}")).await.json();
    assert_eq!(plain["storageStatus"], "PENDING");
    let data = get(&em, &format!("/api/fileResources/{fr}/data")).await;
    assert_eq!(data.status, StatusCode::INTERNAL_SERVER_ERROR);
}

// ---------------------------------------------------------------- dangling documents

#[tokio::test]
async fn a_document_seeded_with_no_file_resource_reads_but_its_data_is_500() {
    for version in VERSIONS {
        let em = start(version).await;
        // DHIS2 refuses to create it (E4015) ...
        let refused = post_document(
            &em,
            json!({"name": "Lost", "url": "NoSuchFr001", "external": false}),
        )
        .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{version}");
        assert!(
            refused.json().to_string().contains("E4015"),
            "{version}: {}",
            refused.json()
        );
        // ... but one made before the check, or in the database, can be there.
        let document = em.seed_document(SeedDocument::file("Lost", "NoSuchFr001"));
        let read = get(&em, &format!("/api/documents/{document}")).await;
        assert_eq!(read.status, StatusCode::OK, "{version}");
        assert_eq!(read.json()["url"], "NoSuchFr001", "{version}");
        assert_eq!(read.json()["external"], false, "{version}");
        let listed = get(
            &em,
            &format!("/api/documents?fields=id,url&filter=id:eq:{document}"),
        )
        .await
        .json();
        assert_eq!(listed["documents"][0]["url"], "NoSuchFr001", "{version}");
        let fr = get(&em, "/api/fileResources/NoSuchFr001").await;
        assert_eq!(fr.status, StatusCode::NOT_FOUND, "{version}");
        let data = get(&em, &format!("/api/documents/{document}/data")).await;
        assert_eq!(data.status, StatusCode::INTERNAL_SERVER_ERROR, "{version}");
    }
}

#[tokio::test]
async fn removing_the_row_under_a_document_leaves_it_dangling() {
    for version in VERSIONS {
        let em = start(version).await;
        let (fr, document) = seed_pdf_document(&em);
        let data = get(&em, &format!("/api/documents/{document}/data")).await;
        assert_eq!(data.status, StatusCode::OK, "{version}");
        if lists_file_resources(version) {
            assert!(listed(&em, &fr, "id").await.is_some(), "{version}");
        }

        assert!(em.remove_file_resource(&fr), "{version}");
        assert!(!em.remove_file_resource(&fr), "{version}: removed once");

        let read = get(&em, &format!("/api/fileResources/{fr}")).await;
        assert_eq!(read.status, StatusCode::NOT_FOUND, "{version}");
        let fr_data = get(&em, &format!("/api/fileResources/{fr}/data")).await;
        assert_eq!(fr_data.status, StatusCode::NOT_FOUND, "{version}");
        if lists_file_resources(version) {
            assert!(listed(&em, &fr, "id").await.is_none(), "{version}");
        }
        let read = get(&em, &format!("/api/documents/{document}")).await;
        assert_eq!(read.status, StatusCode::OK, "{version}");
        assert_eq!(read.json()["url"], json!(fr), "{version}");
        let data = get(&em, &format!("/api/documents/{document}/data")).await;
        assert_eq!(data.status, StatusCode::INTERNAL_SERVER_ERROR, "{version}");
    }
}

// ---------------------------------------------------------------- orphans

/// DHIS2's wire format for dates (no zone, milliseconds).
fn wire(date: NaiveDateTime) -> String {
    date.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

#[tokio::test]
async fn orphans_with_a_past_last_updated_are_listed_with_their_dates() {
    let now = chrono::Utc::now().naive_utc();
    let three_days_ago = now - Days::days(3);
    let an_hour_ago = now - Days::hours(1);
    let a_week_ago = now - Days::days(7);
    for version in VERSIONS {
        let em = start(version).await;
        let old = em
            .seed_file_resource(
                SeedFileResource::new("old.pdf", "application/pdf", CONTENT)
                    .created(a_week_ago)
                    .last_updated(three_days_ago),
            )
            .expect("seeded");
        let recent = em
            .seed_file_resource(
                SeedFileResource::new("recent.pdf", "application/pdf", CONTENT)
                    .created(an_hour_ago)
                    .last_updated(an_hour_ago),
            )
            .expect("seeded");
        // Linked, so not an orphan, however old.
        let (linked, _) = seed_pdf_document(&em);
        // Not a DOCUMENT file resource: the cleanup job never looks at DATA_VALUE.
        em.seed_file_resource(
            SeedFileResource::new("value.pdf", "application/pdf", CONTENT)
                .domain("DATA_VALUE")
                .last_updated(three_days_ago),
        )
        .expect("seeded");

        // Every version reads the dates on the plain GET.
        let plain = get(&em, &format!("/api/fileResources/{old}")).await.json();
        assert_eq!(plain["lastUpdated"], wire(three_days_ago), "{version}");
        assert_eq!(plain["created"], wire(a_week_ago), "{version}");
        // `assigned` can be listed and filtered on only where it is serialised (§6).
        if !common::version(version).has(Change::AssignedVisible) {
            continue;
        }
        let answer = get(
            &em,
            "/api/fileResources?fields=id,assigned,lastUpdated,created,domain\
             &filter=assigned:eq:false&filter=domain:eq:DOCUMENT&order=lastUpdated:asc&paging=false",
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{version}: {}",
            answer.json()
        );
        let rows = answer.json()["fileResources"].clone();
        assert_eq!(
            rows,
            json!([
                {"id": old, "assigned": false, "lastUpdated": wire(three_days_ago),
                 "created": wire(a_week_ago), "domain": "DOCUMENT"},
                {"id": recent, "assigned": false, "lastUpdated": wire(an_hour_ago),
                 "created": wire(an_hour_ago), "domain": "DOCUMENT"},
            ]),
            "{version}"
        );
        // What a check asks for: orphans past the two-day grace period.
        let two_days_ago = wire(now - Days::days(2));
        let past_grace = get(
            &em,
            &format!(
                "/api/fileResources?fields=id&filter=assigned:eq:false&filter=domain:eq:DOCUMENT\
                 &filter=lastUpdated:lt:{two_days_ago}&paging=false"
            ),
        )
        .await
        .json();
        assert_eq!(
            past_grace["fileResources"],
            json!([{"id": old}]),
            "{version}"
        );
        let linked_row = listed(&em, &linked, "assigned").await.expect("listed");
        assert_eq!(linked_row["assigned"], true, "{version}");
    }
}

// ---------------------------------------------------------------- links refused today

#[tokio::test]
async fn links_dhis2_refuses_today_can_be_seeded_and_are_served_as_given() {
    let refused = [
        "ftp://files.example.org/report.pdf",
        "https://example.org/report.",
        "https://example.org/a b",
        "http://example.org/(draft)",
    ];
    for version in VERSIONS {
        let em = start(version).await;
        for url in refused {
            let create = post_document(
                &em,
                json!({"name": "Old link", "url": url, "external": true}),
            )
            .await;
            assert_eq!(create.status, StatusCode::CONFLICT, "{version} {url}");
            assert!(
                create.json().to_string().contains("E4004"),
                "{version} {url}: {}",
                create.json()
            );
            let document = em.seed_document(SeedDocument::link("Old link", url));
            let read = get(&em, &format!("/api/documents/{document}")).await.json();
            assert_eq!(read["url"], url, "{version}");
            assert_eq!(read["external"], true, "{version}");
            let data = get(&em, &format!("/api/documents/{document}/data")).await;
            assert_eq!(data.status, StatusCode::FOUND, "{version} {url}");
            assert_eq!(data.header(header::LOCATION), Some(url), "{version}");
        }
    }
}
