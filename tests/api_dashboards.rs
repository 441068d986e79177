//! Documents on dashboards through `d2files::api::Client` (dhis2-api.md §10): which dashboards
//! show some documents, in batches; what deleting documents does to them, predicted and then
//! done; and the emulator's latency option.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use d2files::api::{
    DOCUMENTS_PER_DASHBOARD_QUERY, Dashboard, DashboardEffect, DashboardItem, deletion_effects,
};
use d2files::emulator::{ADMIN_PASSWORD, ADMIN_USERNAME, Emulator, SeedDashboard, SeedDocument};

/// The demo's documents on its dashboards (assets/demo/manifest.json).
const MALARIA_REPORT: &str = "nY0y40ZG4lX";
const MALARIA_CASES: &str = "zzQl3NLWDXr";
const IMMUNIZATION_SOP: &str = "qrXuWRLtFaD";
const MALARIA_DASHBOARD: &str = "Rk7mVbT2xQp";
const IMMUNIZATION_DASHBOARD: &str = "Hq3sLw8NcZe";
const OVERVIEW_DASHBOARD: &str = "Pn5tYd1KfGu";

fn uids(uids: &[&str]) -> Vec<String> {
    uids.iter().map(|uid| uid.to_string()).collect()
}

fn ids(dashboards: &[Dashboard]) -> Vec<&str> {
    let mut ids: Vec<&str> = dashboards.iter().map(|d| d.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

async fn demo(version: &str) -> Emulator {
    start_with(version, |o| o.seed_demo = true).await
}

#[tokio::test]
async fn the_dashboards_showing_documents_come_with_every_item_and_their_raw_names() {
    let em = demo("2.41.7").await;
    let client = admin(&em);
    let shown = client
        .dashboards_showing(&uids(&[IMMUNIZATION_SOP]))
        .await
        .expect("dashboards");
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].id, IMMUNIZATION_DASHBOARD);
    assert_eq!(shown[0].name, "Immunization");
    assert_eq!(shown[0].items.len(), 2, "the chart item too");
    assert_eq!(shown[0].items[0].documents, [IMMUNIZATION_SOP]);
    assert!(shown[0].items[1].documents.is_empty());
    let asked = requests_matching(&em, "GET", "/api/dashboards");
    let query = asked[0].query.as_deref().unwrap_or("");
    assert!(
        query.contains("dashboardItems.resources.id%3Ain%3A%5BqrXuWRLtFaD%5D")
            && query.contains("paging=false"),
        "{query}"
    );

    let shown = client
        .dashboards_showing(&uids(&[MALARIA_REPORT, IMMUNIZATION_SOP, "not a uid"]))
        .await
        .expect("dashboards");
    assert_eq!(
        ids(&shown),
        [
            IMMUNIZATION_DASHBOARD,
            OVERVIEW_DASHBOARD,
            MALARIA_DASHBOARD
        ]
    );
    assert!(
        client
            .dashboards_showing(&[])
            .await
            .expect("none")
            .is_empty()
            && count(&em, "GET", "/api/dashboards") == 2,
        "nothing to ask, nothing asked"
    );

    let document = em.seed_document(SeedDocument::link("Link", "https://example.org"));
    let hostile = "Ops\u{1b}[2J\u{7}\nboard";
    em.seed_dashboard(SeedDashboard::new(hostile).documents(&[&document]));
    let shown = client
        .dashboards_showing(&[document])
        .await
        .expect("dashboards");
    assert_eq!(shown[0].name, hostile, "kept raw: the UI neutralises");
}

#[tokio::test]
async fn many_documents_are_asked_in_batches_and_each_dashboard_comes_once() {
    let em = start("2.42.4").await;
    let documents: Vec<String> = (0..DOCUMENTS_PER_DASHBOARD_QUERY + 5)
        .map(|n| {
            em.seed_document(SeedDocument::link(
                &format!("doc {n}"),
                "https://example.org",
            ))
        })
        .collect();
    let first = &documents[0];
    let last = &documents[documents.len() - 1];
    let across = em.seed_dashboard(
        SeedDashboard::new("Both batches")
            .documents(&[first])
            .documents(&[last]),
    );
    let second_only = em.seed_dashboard(SeedDashboard::new("Second batch").documents(&[last]));
    em.seed_dashboard(SeedDashboard::new("Nothing asked").visualization());
    let mut asked = documents.clone();
    asked.push(first.clone());
    let shown = admin(&em)
        .dashboards_showing(&asked)
        .await
        .expect("dashboards");
    let mut expected = vec![across.as_str(), second_only.as_str()];
    expected.sort_unstable();
    assert_eq!(ids(&shown), expected);
    let requests = requests_matching(&em, "GET", "/api/dashboards");
    assert_eq!(requests.len(), 2, "{} uids", asked.len());
    for request in requests {
        let query = request.query.unwrap_or_default();
        let filter = url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "filter")
            .map(|(_, value)| value.into_owned())
            .expect("a filter");
        let listed = filter.split(',').count();
        assert!(listed <= DOCUMENTS_PER_DASHBOARD_QUERY, "{listed} uids");
    }
}

#[tokio::test]
async fn deleting_a_document_takes_it_off_items_deletes_emptied_items_and_keeps_dashboards() {
    for version in VERSIONS {
        let em = demo(version).await;
        let client = admin(&em);
        client
            .delete_document(MALARIA_REPORT)
            .await
            .expect("deleted");
        let shown = client
            .dashboards_showing(&uids(&[MALARIA_CASES, "TLmDWzHWTtn"]))
            .await
            .expect("dashboards");
        let dashboard = |id: &str| {
            shown
                .iter()
                .find(|d| d.id == id)
                .unwrap_or_else(|| panic!("{version}: {id} is gone"))
        };
        let malaria = dashboard(MALARIA_DASHBOARD);
        assert_eq!(malaria.items.len(), 2, "{version}");
        assert_eq!(malaria.items[0].documents, [MALARIA_CASES], "{version}");
        let overview = dashboard(OVERVIEW_DASHBOARD);
        assert_eq!(
            overview.items.len(),
            1,
            "{version}: the emptied item is deleted"
        );
        assert_eq!(
            overview.items[0].documents,
            ["TLmDWzHWTtn", "tfLUhfKrwrO"],
            "{version}"
        );
        assert!(
            client
                .dashboards_showing(&uids(&[MALARIA_REPORT]))
                .await
                .expect("dashboards")
                .is_empty(),
            "{version}"
        );
    }
}

#[tokio::test]
async fn the_predicted_effects_of_deleting_a_set_are_what_the_server_does() {
    let em = demo("2.40.6").await;
    let client = admin(&em);
    let deleted: BTreeSet<String> = [MALARIA_REPORT, IMMUNIZATION_SOP].map(String::from).into();
    let before = client
        .dashboards_showing(&deleted.iter().cloned().collect::<Vec<_>>())
        .await
        .expect("dashboards");
    let mut effects = deletion_effects(&before, &deleted);
    effects.sort_by(|a, b| a.dashboard_id.cmp(&b.dashboard_id));
    let effect = |id: &str, name: &str, losing, emptied, documents: &[&str]| DashboardEffect {
        dashboard_id: id.into(),
        dashboard_name: name.into(),
        items_losing_documents: losing,
        items_deleted: emptied,
        documents: uids(documents),
    };
    assert_eq!(
        effects,
        [
            effect(
                IMMUNIZATION_DASHBOARD,
                "Immunization",
                0,
                1,
                &[IMMUNIZATION_SOP]
            ),
            effect(
                OVERVIEW_DASHBOARD,
                "Programme overview",
                0,
                1,
                &[MALARIA_REPORT]
            ),
            effect(
                MALARIA_DASHBOARD,
                "Malaria programme",
                1,
                0,
                &[MALARIA_REPORT]
            ),
        ]
    );

    for uid in &deleted {
        client.delete_document(uid).await.expect("deleted");
    }
    for effect in &effects {
        let was = before
            .iter()
            .find(|d| d.id == effect.dashboard_id)
            .expect("known");
        assert_eq!(
            items_on_server(&em, &effect.dashboard_id).await,
            was.items.len() - effect.items_deleted,
            "{}",
            effect.dashboard_id
        );
    }
}

/// How many items the dashboard has now, read over plain HTTP (the client finds dashboards
/// only by their documents, and one left with a chart alone shows none).
async fn items_on_server(em: &Emulator, id: &str) -> usize {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/api/dashboards/{id}?fields=dashboardItems[id]",
            em.base_url()
        ))
        .basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD))
        .send()
        .await
        .expect("answered")
        .error_for_status()
        .expect("the dashboard is still there")
        .json()
        .await
        .expect("JSON");
    body["dashboardItems"].as_array().map_or(0, Vec::len)
}

#[test]
fn effects_leave_out_dashboards_that_lose_nothing() {
    let dashboard = Dashboard {
        id: "a".into(),
        name: "A".into(),
        items: vec![DashboardItem {
            id: "i".into(),
            documents: uids(&["kept"]),
        }],
    };
    let deleted: BTreeSet<String> = ["other".to_string()].into();
    assert!(deletion_effects(&[dashboard], &deleted).is_empty());
}

/// Long enough that a held answer is still held when the test looks.
const HELD: Duration = Duration::from_secs(3);

/// Waits until the emulator has seen `n` requests to `path_part`.
async fn until_received(em: &Emulator, path_part: &str, n: usize) {
    for _ in 0..1000 {
        if count(em, "GET", path_part) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the emulator never received {n} requests to {path_part}");
}

#[tokio::test]
async fn latency_holds_every_answer_and_holds_concurrent_requests_side_by_side() {
    const CONCURRENT: usize = 8;
    let em = start_with("2.41.7", |o| o.latency = HELD).await;
    let client = admin(&em);
    let requests: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.system_info().await })
        })
        .collect();
    until_received(&em, "/api/system/info", CONCURRENT).await;
    assert!(
        requests.iter().all(|request| !request.is_finished()),
        "every request arrived while none was answered yet"
    );
    for request in requests {
        request.await.expect("joined").expect("answered");
    }
}
