//! `/api/documents` through `d2files::api::Client`: list (paging, filters, order, errors), get,
//! create links, link file resources, delete (dhis2-api.md §3, §5, §7).

mod common;

use std::collections::HashSet;

use common::*;
use d2files::api::{Direction, Error, Filter, ListQuery, Operator, Order};
use d2files::emulator::{Change, Emulator, SeedDocument, SeedFileResource};

/// Seven documents "Doc 1" … "Doc 7"; 2, 4 and 6 carry a code; returns their ids in name order.
fn seed_seven(em: &Emulator) -> Vec<String> {
    (1..=7)
        .map(|n| {
            let mut seed =
                SeedDocument::link(&format!("Doc {n}"), &format!("https://example.org/{n}"));
            if n % 2 == 0 {
                seed = seed.code(&format!("CODE_{n}"));
            }
            em.seed_document(seed)
        })
        .collect()
}

fn names(documents: &[d2files::api::Document]) -> Vec<String> {
    documents
        .iter()
        .map(|d| d.name.clone().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn pages_follow_the_pager_on_every_version() {
    for v in VERSIONS {
        let em = start(v).await;
        let ids = seed_seven(&em);
        let client = admin(&em);
        let first = client
            .list_documents(&ListQuery::new().page_size(3))
            .await
            .expect(v);
        assert_eq!(names(&first.items), ["Doc 1", "Doc 2", "Doc 3"], "{v}");
        assert_eq!(first.items[0].id, ids[0], "{v}");
        let pager = first.pager.clone().expect("paged");
        assert_eq!(
            (pager.page, pager.page_count, pager.total),
            (1, 3, 7),
            "{v}"
        );
        assert!(first.has_next(), "{v}");

        let last = client
            .list_documents(&ListQuery::new().page(3).page_size(3))
            .await
            .expect(v);
        assert_eq!(names(&last.items), ["Doc 7"], "{v}");
        assert!(!last.has_next(), "{v}");

        // Past the end: an empty page while the pager reports the last page (§7.13).
        let beyond = client
            .list_documents(&ListQuery::new().page(9).page_size(3))
            .await
            .expect(v);
        assert!(beyond.items.is_empty(), "{v}");
        assert_eq!(beyond.pager.as_ref().expect("paged").page, 3, "{v}");
        assert!(!beyond.has_next(), "{v}");
    }
}

#[tokio::test]
async fn list_all_gathers_every_page_once() {
    for v in ["2.38", "2.42", "2.44"] {
        let em = start(v).await;
        let ids = seed_seven(&em);
        let client = admin(&em);
        let all = client
            .list_all_documents(&ListQuery::new().page_size(3), usize::MAX)
            .await
            .expect(v);
        let got: Vec<String> = all.items.iter().map(|d| d.id.clone()).collect();
        assert_eq!(got, ids, "{v}: every document once, in order");
        assert_eq!((all.total, all.pages, all.cut), (Some(7), 3, None), "{v}");
        assert_eq!(
            count(&em, "GET", "/api/documents"),
            3,
            "{v}: one request a page"
        );

        let capped = client
            .list_all_documents(&ListQuery::new().page_size(3), 4)
            .await
            .expect(v);
        assert_eq!(capped.items.len(), 4, "{v}");
        assert_eq!(capped.cut, Some(d2files::api::Cut::MaxItems(4)), "{v}");
    }
}

#[tokio::test]
async fn filters_reach_the_server_and_narrow_the_list() {
    for v in VERSIONS {
        let em = start(v).await;
        let ids = seed_seven(&em);
        em.seed_document(SeedDocument::link(
            "Port link",
            "https://example.org:8443/a?b=c",
        ));
        let client = admin(&em);
        let list = |filter: &str| {
            let query = ListQuery::new().filter(Filter::parse(filter).expect(filter));
            let client = client.clone();
            async move { client.list_documents(&query).await }
        };

        let found = list("name:ilike:DOC 3").await.expect(v);
        assert_eq!(names(&found.items), ["Doc 3"], "{v}: ilike ignores case");

        let found = list("name:eq:Doc 5").await.expect(v);
        assert_eq!(names(&found.items), ["Doc 5"], "{v}: eq");

        let found = list("name:eq:doc 5").await.expect(v);
        assert!(found.items.is_empty(), "{v}: eq is case-sensitive");

        let found = list(&format!("id:in:[{},{}]", ids[0], ids[6]))
            .await
            .expect(v);
        assert_eq!(names(&found.items), ["Doc 1", "Doc 7"], "{v}: in");

        let found = list("code:!null").await.expect(v);
        assert_eq!(
            names(&found.items),
            ["Doc 2", "Doc 4", "Doc 6"],
            "{v}: !null"
        );

        // Everything after the second `:` is the value.
        let found = list("url:eq:https://example.org:8443/a?b=c")
            .await
            .expect(v);
        assert_eq!(names(&found.items), ["Port link"], "{v}: a value with `:`");

        let both = ListQuery::new()
            .filter(Filter::name_contains("doc"))
            .filter(Filter::new("code", Operator::Eq, Some("CODE_4")).expect("filter"));
        let found = client.list_documents(&both).await.expect(v);
        assert_eq!(
            names(&found.items),
            ["Doc 4"],
            "{v}: filters combine with AND"
        );
    }
}

#[tokio::test]
async fn order_is_applied_by_the_server() {
    for v in ["2.39", "2.42", "2.43", "2.44"] {
        let em = start(v).await;
        seed_seven(&em);
        let client = admin(&em);
        let query = ListQuery::new()
            .filter(Filter::name_contains("doc"))
            .order_by(Order::new("name", Direction::Desc));
        let page = client.list_documents(&query).await.expect(v);
        assert_eq!(
            names(&page.items),
            [
                "Doc 7", "Doc 6", "Doc 5", "Doc 4", "Doc 3", "Doc 2", "Doc 1"
            ],
            "{v}"
        );
        let sent = requests_matching(&em, "GET", "/api/documents");
        let query = sent
            .last()
            .and_then(|r| r.query.clone())
            .unwrap_or_default();
        assert!(
            query.contains("order=name%3Adesc") || query.contains("order=name:desc"),
            "{query}"
        );
    }
}

#[tokio::test]
async fn a_filter_the_server_rejects_surfaces_dhis2s_error() {
    for v in VERSIONS {
        let em = start(v).await;
        let query = ListQuery::new().filter(Filter::parse("nosuchfield:eq:x").expect("syntax ok"));
        let error = admin(&em).list_documents(&query).await.expect_err(v);
        let Error::Dhis2(dhis2) = &error else {
            panic!("{v}: expected a DHIS2 error, got {error:?}");
        };
        assert_eq!(dhis2.message, "Unknown path property: nosuchfield", "{v}");
        if version(v).has(Change::FilterErrorIs400) {
            assert_eq!(dhis2.status, 400, "{v}");
            assert_eq!(dhis2.error_code.as_deref(), Some("E1003"), "{v}");
        } else {
            assert_eq!(dhis2.status, 409, "{v}");
            assert_eq!(dhis2.error_code, None, "{v}");
        }
        assert!(error.to_string().contains("Unknown path property"), "{v}");
    }
}

#[tokio::test]
async fn malformed_filters_and_pages_are_refused_before_sending() {
    let em = start("2.42").await;
    let client = admin(&em);
    let comma = ListQuery::new().filter(Filter::parse("name:eq:a,b").expect("syntax ok"));
    for query in [
        comma,
        ListQuery::new().page(0),
        ListQuery::new().page_size(0),
    ] {
        let error = client.list_documents(&query).await.expect_err("refused");
        assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    }
    assert!(em.requests().is_empty(), "{:?}", em.requests());
}

#[tokio::test]
async fn get_returns_the_document() {
    for v in VERSIONS {
        let em = start(v).await;
        let fr = em
            .seed_file_resource(SeedFileResource::new(
                "report.pdf",
                "application/pdf",
                b"%PDF-1.4".to_vec(),
            ))
            .expect("seed");
        let id = em.seed_document(SeedDocument::file("Annual report", &fr).code("AR"));
        let document = admin(&em).get_document(&id).await.expect(v);
        assert_eq!(document.id, id, "{v}");
        assert_eq!(document.name.as_deref(), Some("Annual report"), "{v}");
        assert_eq!(document.code.as_deref(), Some("AR"), "{v}");
        assert!(!document.external, "{v}");
        assert_eq!(document.file_resource_uid(), Some(fr.as_str()), "{v}");
        assert!(document.created.is_some(), "{v}: no-timezone dates parse");
        assert!(
            document
                .href
                .as_deref()
                .is_some_and(|h| h.ends_with(&format!("/api/documents/{id}"))),
            "{v}: {:?}",
            document.href
        );
    }
}

#[tokio::test]
async fn a_missing_document_keeps_dhis2s_message() {
    for v in VERSIONS {
        let em = start(v).await;
        let error = admin(&em).get_document("AbCdEfGhIj1").await.expect_err(v);
        let Error::Dhis2(dhis2) = &error else {
            panic!("{v}: {error:?}");
        };
        assert_eq!(dhis2.status, 404, "{v}");
        assert_eq!(
            dhis2.message, "Document with id AbCdEfGhIj1 could not be found.",
            "{v}"
        );
        let expected_code = version(v).has(Change::ErrorCodes).then_some("E1005");
        assert_eq!(dhis2.error_code.as_deref(), expected_code, "{v}");
    }
}

#[tokio::test]
async fn a_malformed_uid_is_refused_locally() {
    // Each release answers its own way (404, 405, 400: §13.1); the client sends nothing.
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        for uid in ["short", "1bCdEfGhIj1", "AbCdEf/hIj1", "AbCdEfGhIj12"] {
            let error = client.get_document(uid).await.expect_err(uid);
            assert!(
                matches!(error, Error::InvalidInput(_)),
                "{v} {uid}: {error:?}"
            );
            let error = client.delete_document(uid).await.expect_err(uid);
            assert!(
                matches!(error, Error::InvalidInput(_)),
                "{v} {uid}: {error:?}"
            );
        }
        assert!(em.requests().is_empty(), "{v}: {:?}", em.requests());
    }
}

#[tokio::test]
async fn an_external_document_is_created_and_read_back() {
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        let created = client
            .create_external_document("  DHIS2 home ", "https://www.dhis2.org/path?q=1")
            .await
            .expect(v);
        assert!(created.external, "{v}");
        assert_eq!(created.name.as_deref(), Some("DHIS2 home"), "{v}: trimmed");
        assert_eq!(
            created.url.as_deref(),
            Some("https://www.dhis2.org/path?q=1"),
            "{v}"
        );
        let listed = client.list_documents(&ListQuery::new()).await.expect(v);
        assert_eq!(listed.items.len(), 1, "{v}");
        assert_eq!(listed.items[0].id, created.id, "{v}");
        let posts = requests_matching(&em, "POST", "/api/documents");
        assert_eq!(posts.len(), 1, "{v}");
    }
}

#[tokio::test]
async fn a_bad_link_is_refused_before_anything_is_sent() {
    let em = start("2.41.7").await;
    let client = admin(&em);
    for url in [
        "ftp://example.org/file",
        "https://example.org/a b",
        "https://example.org/end.",
        "https://example.org/é",
        "example.org",
    ] {
        let error = client
            .create_external_document("Link", url)
            .await
            .expect_err(url);
        assert!(matches!(error, Error::InvalidInput(_)), "{url}: {error:?}");
    }
    let error = client
        .create_external_document("   ", "https://example.org")
        .await
        .expect_err("a name is required");
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    assert_eq!(
        count(&em, "POST", "/api/documents"),
        0,
        "{:?}",
        em.requests()
    );
}

#[tokio::test]
async fn linking_an_unknown_file_resource_is_e4015() {
    for v in VERSIONS {
        let em = start(v).await;
        let error = admin(&em)
            .link_document("Report", "TacExtJuMmX")
            .await
            .expect_err(v);
        assert_eq!(error.status(), Some(409), "{v}: {error:?}");
        assert_eq!(error.error_code(), Some("E4015"), "{v}: {error:?}");
        let text = error.to_string();
        assert!(text.contains("could not find `TacExtJuMmX`"), "{v}: {text}");
    }
}

#[tokio::test]
async fn linking_an_assigned_file_resource_is_e4016() {
    for v in VERSIONS {
        let em = start(v).await;
        let fr = em
            .seed_file_resource(
                SeedFileResource::new("a.txt", "text/plain", b"a".to_vec()).assigned(true),
            )
            .expect("seed");
        let error = admin(&em).link_document("Report", &fr).await.expect_err(v);
        assert_eq!(error.status(), Some(409), "{v}: {error:?}");
        assert_eq!(error.error_code(), Some("E4016"), "{v}: {error:?}");
        assert!(
            error
                .to_string()
                .contains("already associated with another object"),
            "{v}: {error}"
        );
    }
}

#[tokio::test]
async fn linking_a_free_file_resource_creates_a_file_document() {
    for v in VERSIONS {
        let em = start(v).await;
        let fr = em
            .seed_file_resource(
                SeedFileResource::new("a.txt", "text/plain", b"a".to_vec()).domain("DATA_VALUE"),
            )
            .expect("seed");
        let client = admin(&em);
        let document = client.link_document("Report", &fr).await.expect(v);
        assert!(!document.external, "{v}");
        assert_eq!(document.file_resource_uid(), Some(fr.as_str()), "{v}");
        // The hook rewrote the domain; a second link to the same resource is refused.
        let resource = client.get_file_resource(&fr).await.expect(v);
        assert_eq!(resource.domain, Some(d2files::api::Domain::Document), "{v}");
        let again = client.link_document("Copy", &fr).await.expect_err(v);
        assert_eq!(again.error_code(), Some("E4016"), "{v}");
    }
}

#[tokio::test]
async fn delete_removes_then_reports_404() {
    for v in VERSIONS {
        let em = start(v).await;
        let id = em.seed_document(SeedDocument::link("Gone soon", "https://example.org"));
        let client = admin(&em);
        client.delete_document(&id).await.expect(v);
        let error = client.get_document(&id).await.expect_err(v);
        assert_eq!(error.status(), Some(404), "{v}");
        let error = client.delete_document(&id).await.expect_err(v);
        assert_eq!(error.status(), Some(404), "{v}");
        assert!(error.to_string().contains(&id), "{v}: {error}");
    }
}

#[tokio::test]
async fn delete_without_the_right_is_403_or_409_warning_by_version() {
    // 2.41.6 is the last 2.41 without the override (§6), so it is checked with the matrix.
    for v in VERSIONS.into_iter().chain(["2.41.6"]) {
        let override_delete = version(v).has(Change::DocumentDeleteOverride);
        let em = start(v).await;
        let fr = em
            .seed_file_resource(SeedFileResource::new(
                "kept.pdf",
                "application/pdf",
                b"%PDF-1.4".to_vec(),
            ))
            .expect("seed");
        let id = em.seed_document(SeedDocument::file("Kept", &fr));
        let error = guest(&em).delete_document(&id).await.expect_err(v);
        let Error::Dhis2(dhis2) = &error else {
            panic!("{v}: {error:?}");
        };
        if override_delete {
            assert_eq!(dhis2.status, 409, "{v}");
            assert_eq!(
                dhis2.message,
                "One or more errors occurred, please see full details in import report.",
                "{v}"
            );
            assert!(
                error.to_string().contains("may not delete the document"),
                "{v}: {error}"
            );
        } else {
            assert_eq!(dhis2.status, 403, "{v}");
            assert_eq!(
                dhis2.message, "You don't have the proper permissions to delete this object.",
                "{v}"
            );
        }
        assert!(!matches!(error, Error::Authentication(_)), "{v}");
        // Still there for its owner, who may delete it. The override un-assigns its file, so
        // only then can a new document link it (E4016 while it stays assigned).
        let client = admin(&em);
        client.get_document(&id).await.expect(v);
        client.delete_document(&id).await.expect(v);
        let relink = client.link_document("Again", &fr).await;
        if override_delete {
            relink.expect(v);
        } else {
            assert_eq!(relink.expect_err(v).error_code(), Some("E4016"), "{v}");
        }
    }
}

#[tokio::test]
async fn private_documents_are_invisible_to_other_users() {
    let em = start("2.41.7").await;
    let public = em.seed_document(SeedDocument::link("Public", "https://example.org/p"));
    let private =
        em.seed_document(SeedDocument::link("Private", "https://example.org/q").private());
    let guest = guest(&em);
    let page = guest.list_documents(&ListQuery::new()).await.expect("list");
    let seen: HashSet<String> = page.items.into_iter().map(|d| d.id).collect();
    assert!(seen.contains(&public));
    assert!(!seen.contains(&private));
    let error = guest.get_document(&private).await.expect_err("unreadable");
    assert_eq!(error.status(), Some(404));
}

#[tokio::test]
async fn any_combines_filters_with_or() {
    for v in ["2.38", "2.42", "2.44"] {
        let em = start(v).await;
        seed_seven(&em);
        let query = ListQuery {
            any: true,
            ..ListQuery::new()
                .filter(Filter::parse("name:eq:Doc 2").expect("filter"))
                .filter(Filter::parse("name:eq:Doc 6").expect("filter"))
        };
        let page = admin(&em).list_documents(&query).await.expect(v);
        assert_eq!(names(&page.items), ["Doc 2", "Doc 6"], "{v}");
    }
}

#[tokio::test]
async fn chosen_fields_are_all_the_server_sends() {
    let em = start("2.41.7").await;
    seed_seven(&em);
    let query = ListQuery {
        fields: Some("id,name".into()),
        ..ListQuery::new().page_size(2)
    };
    let page = admin(&em).list_documents(&query).await.expect("list");
    assert_eq!(names(&page.items), ["Doc 1", "Doc 2"]);
    for document in &page.items {
        assert!(document.url.is_none() && document.code.is_none() && document.href.is_none());
    }
}

#[tokio::test]
async fn an_operator_the_version_lacks_is_the_servers_error() {
    let none: [&str; 0] = [];
    let rows = [
        (Change::Ieq, "name:ieq:doc 1", "ieq", &["Doc 1"][..]),
        (
            Change::NotEmpty,
            "attributeValues:!empty",
            "!empty",
            &none[..],
        ),
    ];
    for v in VERSIONS {
        let em = start(v).await;
        seed_seven(&em);
        for (change, filter, operator, expected) in rows {
            let query = ListQuery::new().filter(Filter::parse(filter).expect(filter));
            let result = admin(&em).list_documents(&query).await;
            if version(v).has(change) {
                assert_eq!(names(&result.expect(v).items), expected, "{v} {filter}");
                continue;
            }
            let error = result.expect_err(v);
            let Error::Dhis2(dhis2) = &error else {
                panic!("{v} {filter}: {error:?}");
            };
            assert_eq!(
                dhis2.message,
                format!("`{operator}` is not a valid operator.")
            );
            if version(v).has(Change::FilterErrorIs400) {
                assert_eq!(dhis2.status, 400, "{v} {filter}");
                assert_eq!(dhis2.error_code.as_deref(), Some("E1003"), "{v} {filter}");
            } else {
                assert_eq!(dhis2.status, 409, "{v} {filter}");
                assert_eq!(dhis2.error_code, None, "{v} {filter}");
            }
        }
    }
}
