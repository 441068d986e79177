//! The client on a release whose lists the Gist backend serves (2.44, dhis2-api.md §13.5) gives
//! the rows, order and paging of the newest release before it, for query shapes Gist would
//! answer differently: OR, `iasc`, anchored and negated `like`, the `*` and `?` wildcards.
//! Both releases come from the version table, so a new release is one row of the matrix.
mod common;

use common::*;
use d2files::api::{Feature, Filter, ListQuery, Order, Page};

fn query(filters: &[&str], orders: &[&str], any: bool) -> ListQuery {
    let mut query = ListQuery::new().page_size(5);
    for filter in filters {
        query = query.filter(Filter::parse(filter).expect("filter"));
    }
    for order in orders {
        query = query.order_by(Order::parse(order).expect("order"));
    }
    // Fields Gist could serve: the client's own default (with `href`) never qualifies.
    ListQuery {
        any,
        fields: Some("id,name,code,created".into()),
        ..query
    }
}

fn shapes() -> Vec<ListQuery> {
    vec![
        // rootJunction=OR: Gist's own planning, the metadata engine's in-memory OR.
        query(&["name:ilike:malaria", "name:ilike:budget"], &[], true),
        // `iasc` keeps a request from Gist (§12.4); `asc` would be case-sensitive there.
        query(&[], &["name:iasc"], false),
        query(&[], &["name:asc"], false),
        // Anchored forms: no `*`/`?` translation under Gist, `%` stripped in the database.
        query(&["name:$ilike:2025"], &[], false),
        query(&["name:like$:report"], &[], false),
        query(&["name:$ilike:2025*"], &[], false),
        // `?` and `*` are wildcards only under Gist, and make it match the whole value.
        query(&["name:ilike:2025?malaria*"], &[], false),
        query(&["name:!ilike:2025*report"], &[], false),
        query(&["name:!like:_"], &["created:desc"], false),
    ]
}

#[tokio::test]
async fn a_gist_served_release_lists_what_the_release_before_it_lists() {
    let baseline = VERSIONS
        .into_iter()
        .rev()
        .find(|v| !supports(v, Feature::GistLists))
        .expect("a release before Gist lists");
    let before = start_with(baseline, |o| o.seed_demo = true).await;
    for v in VERSIONS
        .into_iter()
        .filter(|v| supports(v, Feature::GistLists))
    {
        let after = start_with(v, |o| o.seed_demo = true).await;
        for query in shapes() {
            let old = admin(&before).list_documents(&query).await.expect(baseline);
            let new = admin(&after).list_documents(&query).await.expect(v);
            let ids = |page: &Page<d2files::api::Document>| -> Vec<String> {
                page.items.iter().map(|d| d.id.clone()).collect()
            };
            assert_eq!(ids(&new), ids(&old), "{v} vs {baseline}: {query:?}");
            assert_eq!(
                pager_shape(&new),
                pager_shape(&old),
                "{v} vs {baseline}: {query:?}"
            );
        }
    }
}
