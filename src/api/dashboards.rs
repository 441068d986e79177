//! Documents on dashboards (dhis2-api.md §10): which dashboards show some documents, and what
//! deleting them would do to those dashboards.
use std::collections::{BTreeSet, HashSet};

use serde::Deserialize;

use crate::api::client::{Client, is_valid_uid};
use crate::api::error::Result;
use crate::api::query::{Filter, Operator};

/// Document uids per dashboards request: each takes 12 characters of the `in:[…]` list, so the
/// URL stays near 1.5 KB, well inside the 8 KB request line of Tomcat and common proxies.
pub const DOCUMENTS_PER_DASHBOARD_QUERY: usize = 100;

/// Only what the effects need: the documents each item shows.
const DASHBOARD_FIELDS: &str = "id,name,dashboardItems[id,resources[id]]";

/// A dashboard as far as documents matter: its items and the documents each shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dashboard {
    pub id: String,
    /// As the server wrote it (neutralise before showing it).
    pub name: String,
    pub items: Vec<DashboardItem>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardItem {
    pub id: String,
    /// Document uids, in the item's order.
    pub documents: Vec<String>,
}

/// What deleting some documents does to one dashboard (§10.3). The dashboard itself stays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardEffect {
    pub dashboard_id: String,
    /// As the server wrote it (neutralise before showing it).
    pub dashboard_name: String,
    /// Items that lose documents but keep others.
    pub items_losing_documents: usize,
    /// Items that show only deleted documents: the server deletes them.
    pub items_deleted: usize,
    /// The deleted documents it shows, sorted.
    pub documents: Vec<String>,
}

#[derive(Deserialize)]
struct DashboardList {
    dashboards: Vec<WireDashboard>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireDashboard {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    dashboard_items: Option<Vec<WireItem>>,
}

#[derive(Deserialize)]
struct WireItem {
    id: String,
    #[serde(default)]
    resources: Option<Vec<Reference>>,
}

#[derive(Deserialize)]
struct Reference {
    id: String,
}

impl From<WireDashboard> for Dashboard {
    fn from(wire: WireDashboard) -> Dashboard {
        Dashboard {
            id: wire.id,
            name: wire.name.unwrap_or_default(),
            items: wire
                .dashboard_items
                .unwrap_or_default()
                .into_iter()
                .map(|item| DashboardItem {
                    id: item.id,
                    documents: item
                        .resources
                        .unwrap_or_default()
                        .into_iter()
                        .map(|reference| reference.id)
                        .collect(),
                })
                .collect(),
        }
    }
}

impl Dashboard {
    fn shows_any(&self, documents: &[&str]) -> bool {
        self.items
            .iter()
            .flat_map(|item| &item.documents)
            .any(|shown| documents.contains(&shown.as_str()))
    }
}

impl Client {
    /// Every dashboard, with the documents its items show, in one request (`paging=false`):
    /// cheaper than asking which show thousands of documents, when all of them matter.
    pub async fn all_dashboards(&self) -> Result<Vec<Dashboard>> {
        let list: DashboardList = self
            .get_json(
                "dashboards",
                &[
                    ("fields", DASHBOARD_FIELDS.to_string()),
                    ("paging", "false".to_string()),
                ],
            )
            .await?;
        Ok(list.dashboards.into_iter().map(Dashboard::from).collect())
    }

    /// The dashboards that show any of these documents (§10.2 filter, `in:[…]`, paging=false),
    /// asked in batches of [`DOCUMENTS_PER_DASHBOARD_QUERY`] so no URL grows past a bound. Each
    /// dashboard comes once, with every item it has; strings that are not uids are never sent.
    pub async fn dashboards_showing(&self, document_uids: &[String]) -> Result<Vec<Dashboard>> {
        let mut asked = HashSet::new();
        let uids: Vec<&str> = document_uids
            .iter()
            .map(String::as_str)
            .filter(|uid| is_valid_uid(uid) && asked.insert(*uid))
            .collect();
        let mut found: Vec<Dashboard> = Vec::new();
        let mut kept = HashSet::new();
        for batch in uids.chunks(DOCUMENTS_PER_DASHBOARD_QUERY) {
            let filter = Filter::new(
                "dashboardItems.resources.id",
                Operator::In,
                Some(&format!("[{}]", batch.join(","))),
            )?;
            let list: DashboardList = self
                .get_json(
                    "dashboards",
                    &[
                        ("filter", filter.to_string()),
                        ("fields", DASHBOARD_FIELDS.to_string()),
                        ("paging", "false".to_string()),
                    ],
                )
                .await?;
            // A server that ignores the filter adds nothing; one shown in two batches comes once.
            for dashboard in list.dashboards.into_iter().map(Dashboard::from) {
                if dashboard.shows_any(batch) && kept.insert(dashboard.id.clone()) {
                    found.push(dashboard);
                }
            }
        }
        Ok(found)
    }
}

/// What deleting `deleted` does to these dashboards (§10.3): per dashboard that shows any of
/// them, the items that lose documents and the items that are deleted because they are left
/// empty. Dashboards showing none of them are left out.
pub fn deletion_effects(
    dashboards: &[Dashboard],
    deleted: &BTreeSet<String>,
) -> Vec<DashboardEffect> {
    let mut effects = Vec::new();
    for dashboard in dashboards {
        let mut effect = DashboardEffect {
            dashboard_id: dashboard.id.clone(),
            dashboard_name: dashboard.name.clone(),
            items_losing_documents: 0,
            items_deleted: 0,
            documents: Vec::new(),
        };
        let mut shown = BTreeSet::new();
        for item in &dashboard.items {
            let (gone, kept): (Vec<&String>, Vec<&String>) = item
                .documents
                .iter()
                .partition(|document| deleted.contains(*document));
            if gone.is_empty() {
                continue;
            }
            shown.extend(gone);
            if kept.is_empty() {
                effect.items_deleted += 1;
            } else {
                effect.items_losing_documents += 1;
            }
        }
        if !shown.is_empty() {
            effect.documents = shown.into_iter().cloned().collect();
            effects.push(effect);
        }
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dashboard(id: &str, items: &[&[&str]]) -> Dashboard {
        Dashboard {
            id: id.to_string(),
            name: format!("{id} name"),
            items: items
                .iter()
                .enumerate()
                .map(|(i, documents)| DashboardItem {
                    id: format!("{id}{i}"),
                    documents: documents.iter().map(|d| d.to_string()).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn effects_count_items_that_lose_documents_and_items_left_empty() {
        let dashboards = [
            dashboard("a", &[&["x", "y"], &[], &["x", "x"]]),
            dashboard("b", &[&["y"]]),
            dashboard("c", &[&["z", "x", "w"], &["w"]]),
        ];
        let deleted: BTreeSet<String> = ["x", "z"].map(String::from).into();
        assert_eq!(
            deletion_effects(&dashboards, &deleted),
            [
                DashboardEffect {
                    dashboard_id: "a".into(),
                    dashboard_name: "a name".into(),
                    items_losing_documents: 1,
                    items_deleted: 1,
                    documents: vec!["x".into()],
                },
                DashboardEffect {
                    dashboard_id: "c".into(),
                    dashboard_name: "c name".into(),
                    items_losing_documents: 1,
                    items_deleted: 0,
                    documents: vec!["x".into(), "z".into()],
                },
            ]
        );
        assert!(deletion_effects(&dashboards, &BTreeSet::new()).is_empty());
    }
}
