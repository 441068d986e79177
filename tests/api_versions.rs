//! The client across releases where the release decides what it sees: on 2.44 a list gives the
//! same rows, order and paging as on 2.43 (d2files asks `gist=false`, dhis2-api.md §13.5); the
//! caveat for several orders (§12.4); a domain the release removed (§13.3); and errors told
//! apart by status and errorCode while 2.43 rewords them (§13.2).
mod common;

use common::*;
use d2files::api::{Domain, Error, Feature, Filter, ListQuery, Order, Page};
use d2files::emulator::Emulator;

async fn demo(version: &str) -> Emulator {
    start_with(version, |o| o.seed_demo = true).await
}

fn queries() -> Vec<ListQuery> {
    let filter = |text: &str| Filter::parse(text).expect("filter");
    vec![
        ListQuery::new(),
        ListQuery::new().page_size(7).page(3),
        // Past the end: the metadata engine clamps the page it reports.
        ListQuery::new().page_size(20).page(9),
        // Larger than a Gist page may be.
        ListQuery::new().page_size(2_000),
        ListQuery::new().order_by(Order::parse("created:desc").expect("order")),
        ListQuery::new()
            .order_by(Order::parse("code:asc").expect("order"))
            .order_by(Order::parse("name:desc").expect("order")),
        ListQuery::new().filter(filter("name:ilike:malaria_")),
        ListQuery::new().filter(filter("name:ilike:2025*report")),
        ListQuery::new().filter(filter("name:like:%")),
        ListQuery::new()
            .filter(filter("name:ilike:report"))
            .filter(filter("external:eq:true")),
    ]
}

#[tokio::test]
async fn a_list_on_244_has_the_rows_order_and_paging_of_243() {
    let before = demo("2.43").await;
    let after = demo("2.44").await;
    let (before_client, after_client) = (admin(&before), admin(&after));
    // The client's own default fields (with `href`) never qualify for Gist; fields a user or
    // the MCP list's compact choice names can, and are what would change the answer.
    let documents = |query: &ListQuery| ListQuery {
        fields: Some("id,name,code,url,external,created,lastUpdated".into()),
        ..query.clone()
    };
    let resources = |query: &ListQuery| ListQuery {
        fields: Some("id,name,contentType,domain,created".into()),
        ..query.clone()
    };
    for query in queries()
        .into_iter()
        .flat_map(|q| [q.clone(), documents(&q)])
    {
        let old = before_client.list_documents(&query).await.expect("2.43");
        let new = after_client.list_documents(&query).await.expect("2.44");
        let ids = |page: &Page<d2files::api::Document>| -> Vec<String> {
            page.items.iter().map(|d| d.id.clone()).collect()
        };
        assert_eq!(ids(&new), ids(&old), "{query:?}");
        assert_eq!(pager_shape(&new), pager_shape(&old), "{query:?}");
        assert_eq!(
            new.check_page_exists(query.page).is_ok(),
            old.check_page_exists(query.page).is_ok(),
            "{query:?}"
        );
        let query = resources(&query);
        let old = before_client.list_file_resources(&query).await;
        let new = after_client.list_file_resources(&query).await;
        match (old, new) {
            (Ok(old), Ok(new)) => {
                let ids = |page: &Page<d2files::api::FileResource>| -> Vec<String> {
                    page.items.iter().map(|f| f.id.clone()).collect()
                };
                assert_eq!(ids(&new), ids(&old), "{query:?}");
                assert_eq!(pager_shape(&new), pager_shape(&old), "{query:?}");
            }
            // A filter file resources lack (`external`) fails on both alike.
            (Err(old), Err(new)) => assert_eq!(new.status(), old.status(), "{query:?}"),
            (old, new) => panic!("{query:?}: 2.43 {old:?}, 2.44 {new:?}"),
        }
    }
    let all = |client: d2files::api::Client| async move {
        client
            .list_all_documents(&documents(&ListQuery::new().page_size(8)), 1_000)
            .await
            .expect("all")
            .items
            .into_iter()
            .map(|d| d.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(all(after_client).await, all(before_client).await);
}

#[tokio::test]
async fn several_orders_get_a_caveat_only_where_their_priority_is_lost() {
    let one = ListQuery::new().order_by(Order::parse("name:asc").expect("order"));
    let two = one
        .clone()
        .order_by(Order::parse("created:desc").expect("order"));
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        assert_eq!(client.order_caveat(&one).await, None, "{v}");
        assert_eq!(
            count(&em, "GET", "/api/system/info"),
            0,
            "{v}: one order asks nothing"
        );
        let caveat = client.order_caveat(&two).await;
        assert_eq!(
            caveat.is_some(),
            !supports(v, Feature::OrderPriority),
            "{v}: {caveat:?}"
        );
        if let Some(caveat) = caveat {
            assert!(caveat.contains("name:asc, created:desc"), "{caveat}");
        }
    }
}

#[tokio::test]
async fn an_upload_in_a_removed_domain_says_why() {
    let dir = temp_dir();
    let path = write_file(dir.path(), "analysis.pdf", b"%PDF-1.4");
    for v in VERSIONS {
        let em = start(v).await;
        let uploaded = admin(&em)
            .upload_file_resource(&path, &Domain::PushAnalysis, &transfer())
            .await;
        if supports(v, Feature::PushAnalysisDomain) {
            uploaded.expect(v);
        } else {
            let error = uploaded.expect_err(v);
            assert_eq!(error.status(), Some(400), "{v}");
            assert!(
                error
                    .to_string()
                    .contains("removed the PUSH_ANALYSIS domain"),
                "{v}: {error}"
            );
        }
    }
}

#[tokio::test]
async fn refusals_are_known_by_status_and_error_code_on_every_release() {
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        // A document on a file resource that does not exist: E4015 in every release's words.
        let error = client
            .create_document_with_id("Zq2bVkOBNh5", "Lost", "NoSuchFile1", false)
            .await
            .expect_err(v);
        assert_eq!(error.status(), Some(409), "{v}");
        assert_eq!(error.error_code(), Some("E4015"), "{v}");
        let Error::Dhis2(dhis2) = &error else {
            panic!("{v}: {error:?}");
        };
        assert!(
            dhis2.import_report,
            "{v}: the answer carries an import report"
        );
        assert!(error.to_string().starts_with("E4015: "), "{v}: {error}");
    }
}

#[tokio::test]
async fn an_upload_left_unlinked_past_the_cleanup_cannot_be_linked_where_the_job_takes_it() {
    // §4.7: from 2.41.7/2.42.4 (and 2.43) the daily job deletes unassigned DOCUMENT file
    // resources two days after their last update; before, a stored orphan stays for ever.
    let dir = temp_dir();
    let path = write_file(dir.path(), "late.txt", b"linked too late");
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        let uploaded = client
            .upload_file_resource(&path, &Domain::Document, &transfer())
            .await
            .expect(v);
        client
            .wait_until_stored(&uploaded.id, &transfer())
            .await
            .expect(v);
        // Three days and a 02:00 later.
        em.advance_clock(chrono::Duration::days(3));
        let linked = client.link_document("Late", &uploaded.id).await;
        if supports(v, Feature::UnassignedFileCleanup) {
            let error = linked.expect_err(v);
            assert_eq!(error.error_code(), Some("E4015"), "{v}: {error}");
        } else {
            linked.expect(v);
        }
    }
}

#[tokio::test]
async fn an_unknown_order_property_is_dhis2s_400_from_243_and_dropped_before() {
    for v in VERSIONS {
        let em = demo(v).await;
        let query = ListQuery::new().order_by(Order::parse("nope:asc").expect("order"));
        let listed = admin(&em).list_documents(&query).await;
        if version(v).has(d2files::emulator::Change::UnknownOrderIs400) {
            let error = listed.expect_err(v);
            assert_eq!(error.status(), Some(400), "{v}: {error:?}");
            assert!(
                error.to_string().contains("No such property: nope"),
                "{v}: {error}"
            );
        } else {
            // Dropped without a word: the default order.
            let default = admin(&em).list_documents(&ListQuery::new()).await.expect(v);
            let ids = |page: &Page<d2files::api::Document>| -> Vec<String> {
                page.items.iter().map(|d| d.id.clone()).collect()
            };
            assert_eq!(ids(&listed.expect(v)), ids(&default), "{v}");
        }
    }
}

#[test]
fn the_clients_feature_table_agrees_with_the_emulators_version_table() {
    use d2files::emulator::Change;
    // Each client feature beside the emulator row that makes it so, and whether the row
    // gives (true) or takes away (false) the feature.
    let pairs = [
        (Feature::FileResourceList, Change::FileResourceList, true),
        (Feature::FileResourceOwners, Change::FileResourceList, true),
        (Feature::UploadUid, Change::UploadUid, true),
        (
            Feature::PushAnalysisDomain,
            Change::PushAnalysisRemoved,
            false,
        ),
        (
            Feature::FailedStorageStatus,
            Change::FailedStatusRemoved,
            false,
        ),
        (
            Feature::ExternalSharing,
            Change::ExternalSharingRemoved,
            false,
        ),
        (Feature::IconAndJobData, Change::IconAndJobData, true),
        (Feature::OrderPriority, Change::OrderKeepsRequestOrder, true),
        (
            Feature::UnassignedFileCleanup,
            Change::UnassignedFileCleanup,
            true,
        ),
        (Feature::GistLists, Change::GistLists, true),
        (
            Feature::PartialUpdate,
            Change::LegacyJsonPatchRemoved,
            false,
        ),
    ];
    // The matrix, and the patches where a row turns.
    let patches = [
        "2.39.8", "2.40.6", "2.41.6", "2.41.8", "2.41.9", "2.42.3", "2.42.5", "2.42.6",
    ];
    for v in VERSIONS.iter().chain(patches.iter()) {
        for (feature, change, gives) in pairs {
            assert_eq!(
                supports(v, feature),
                version(v).has(change) == gives,
                "{v}: {feature:?} against {change:?}"
            );
        }
    }
}
