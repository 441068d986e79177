//! `check --against DIR`: the server's documents compared with a backup's manifest, by uid;
//! a file by its size and MD5 (a restore onto 2.38 gives files new uids, so those are not
//! compared).
use std::collections::HashMap;

use crate::api::{Document, FileResource};
use crate::ops::backup::{BackedDocument, Manifest};
use crate::ops::check::Probe;
use crate::ops::check::finding::{Class, Finding, Item, ItemKind, Report};

/// Adds the comparison to the report's document items; `everything` (no filter) also lists
/// what only the backup has.
pub(super) fn compare(
    report: &mut Report,
    manifest: &Manifest,
    documents: &[Document],
    probes: &HashMap<String, Probe>,
    everything: bool,
) {
    let backed: HashMap<&str, &BackedDocument> = manifest
        .documents
        .iter()
        .map(|document| (document.id.as_str(), document))
        .collect();
    let by_uid: HashMap<&str, &Document> = documents
        .iter()
        .map(|document| (document.id.as_str(), document))
        .collect();
    for item in report
        .items
        .iter_mut()
        .filter(|item| item.kind == ItemKind::Document)
    {
        let Some(document) = by_uid.get(item.uid.as_str()) else {
            continue;
        };
        match backed.get(item.uid.as_str()) {
            None => item.findings.push(
                Finding::new(Class::OnlyOnServer, "not in the backup")
                    .advice("d2files backup DIR adds it"),
            ),
            Some(backed) => {
                if let Some(difference) = difference(document, backed, manifest, probes) {
                    item.findings
                        .push(Finding::new(Class::Mismatch, difference).advice(
                            "back up again to keep the server's, or d2files restore DIR \
                             --replace to put the backup's back",
                        ));
                }
            }
        }
    }
    if everything {
        for backed in &manifest.documents {
            if by_uid.contains_key(backed.id.as_str()) {
                continue;
            }
            let mut item = Item::new(ItemKind::Document, &backed.id, &backed.name);
            item.findings.push(
                Finding::new(Class::OnlyInBackup, "in the backup, not on the server")
                    .advice("d2files restore DIR re-creates it with its uid"),
            );
            report.items.push(item);
        }
    }
}

/// How the server's document differs from the backup's, in words; `None` when it does not.
fn difference(
    document: &Document,
    backed: &BackedDocument,
    manifest: &Manifest,
    probes: &HashMap<String, Probe>,
) -> Option<String> {
    if document.title() != backed.name {
        return Some(format!(
            "named \"{}\" here, \"{}\" in the backup",
            document.title(),
            backed.name
        ));
    }
    if document.external != backed.external {
        return Some(if document.external {
            "a link here, a file in the backup".into()
        } else {
            "a file here, a link in the backup".into()
        });
    }
    if document.external {
        return (document.url != backed.url).then(|| {
            format!(
                "links to {} here, to {} in the backup",
                document.url.as_deref().unwrap_or_default(),
                backed.url.as_deref().unwrap_or_default()
            )
        });
    }
    let recorded = backed
        .url
        .as_deref()
        .and_then(|uid| manifest.file_resource(uid))?;
    let there: &FileResource = match document.file_resource_uid().and_then(|uid| probes.get(uid)) {
        Some(Probe::Read { resource, .. }) => resource,
        // A file that could not be read has its own finding.
        _ => return None,
    };
    if there.content_length != recorded.content_length {
        return Some(format!(
            "{} here, {} in the backup",
            size(there.content_length),
            size(recorded.content_length)
        ));
    }
    let same_md5 = match (&there.content_md5, &recorded.content_md5) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => true,
    };
    (!same_md5).then(|| {
        format!(
            "MD5 {} here, {} in the backup",
            there.content_md5.as_deref().unwrap_or_default(),
            recorded.content_md5.as_deref().unwrap_or_default()
        )
    })
}

fn size(length: Option<u64>) -> String {
    length.map_or_else(|| "size unknown".into(), |n| format!("{n} bytes"))
}
