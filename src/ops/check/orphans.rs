//! Orphans (2.41+, which lists file resources): DOCUMENT file resources no document points at,
//! with their age and what this DHIS2 version will do with them (dhis2-api.md §4.7, §13.7).
use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;

use crate::api::{Document, Domain, FileResource, ServerVersion};
use crate::ops::check::age_text;
use crate::ops::check::finding::{Class, Finding, Item, ItemKind, Report};

/// DHIS2's `UNASSIGNED_GRACE_PERIOD`: the cleanup job deletes an unassigned file resource
/// this long after its last update (2.41.7+, 2.42.4+, 2.43+).
const CLEANUP_GRACE_HOURS: i64 = 48;

/// Adds one item per listed file resource: an orphan finding for a DOCUMENT one that no
/// document points at and the server does not count as assigned, nothing for the rest.
pub(super) fn classify(
    report: &mut Report,
    listed: &HashMap<String, FileResource>,
    documents: &[Document],
    version: Option<&ServerVersion>,
    now: NaiveDateTime,
) {
    let shown: HashSet<&str> = documents
        .iter()
        .filter(|document| !document.external)
        .filter_map(Document::file_resource_uid)
        .collect();
    let mut resources: Vec<&FileResource> = listed.values().collect();
    resources.sort_by(|a, b| a.id.cmp(&b.id));
    let mut assigned_unknown = false;
    for resource in resources {
        let mut item = Item::new(ItemKind::FileResource, &resource.id, resource.title());
        let orphan = resource.domain == Some(Domain::Document)
            && !shown.contains(resource.id.as_str())
            && resource.assigned != Some(true);
        if orphan {
            assigned_unknown |= resource.assigned.is_none();
            item.findings.push(orphan_finding(resource, version, now));
        }
        report.items.push(item);
    }
    if assigned_unknown {
        report.notes.push(
            "this DHIS2 version does not say which file resources are assigned (2.41.6 and \
             2.42.3 do): a file whose document you cannot see looks like an orphan, so check as \
             a superuser"
                .into(),
        );
    }
}

fn orphan_finding(
    resource: &FileResource,
    version: Option<&ServerVersion>,
    now: NaiveDateTime,
) -> Finding {
    let updated = resource.last_updated.or(resource.created);
    let age = updated.map(|updated| now - updated);
    let size = resource
        .content_length
        .map(crate::api::units::human_size)
        .unwrap_or_else(|| "size unknown".into());
    let mut reason = format!("no document points at it ({size}");
    if let Some(age) = age {
        reason.push_str(&format!(", last updated {} ago", age_text(age)));
    }
    reason.push_str("); ");
    reason.push_str(&fate(version, age));
    Finding::new(Class::Orphan, reason).advice(format!(
        "to keep it, link it to a document: d2files documents link {} --name NAME (DHIS2 has \
         no request that deletes a file resource)",
        resource.id
    ))
}

/// What the server will do with an orphan of this age.
fn fate(version: Option<&ServerVersion>, age: Option<chrono::Duration>) -> String {
    let cleaned = |age: Option<chrono::Duration>| match age {
        Some(age) if age.num_hours() >= CLEANUP_GRACE_HOURS => {
            "DHIS2's daily cleanup job deletes it at its next run (2 days after its last update)"
                .to_string()
        }
        Some(age) => format!(
            "DHIS2's cleanup job deletes it in about {}, 2 days after its last update",
            age_text(chrono::Duration::hours(CLEANUP_GRACE_HOURS) - age)
        ),
        None => "DHIS2's cleanup job deletes it 2 days after its last update".to_string(),
    };
    match version {
        Some(version) if version.cleans_up_unassigned_files() => cleaned(age),
        Some(version) => format!(
            "DHIS2 {version} keeps it for ever (its cleanup removes only files never stored)"
        ),
        None => format!(
            "kept for ever before DHIS2 2.41.7 and 2.42.4; from them on, {}",
            cleaned(age)
        ),
    }
}
