//! The TUI's integrity check (`d2files check`, `ops::check`) as data: the one check running
//! (its request, the filter it covers, how far it is), the last report indexed by uid once when
//! it arrives (so each drawn row costs one lookup, not a walk of the report), and the
//! "problems only" view of each pane.
use std::collections::HashMap;

use crate::api::units::count;
use crate::app::ids::ReqId;
use crate::ops::check::{CheckProgress, Class, Finding, ItemKind, Report};

/// The check in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunningCheck {
    pub req: ReqId,
    /// The Documents filter text it checks ("" = every document, and orphans).
    pub scope: String,
    /// Reads done of reads to do; `None` while the lists are still being read.
    pub progress: Option<CheckProgress>,
}

/// What the check found about one document or file resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// Its worst finding's class ([`crate::ops::check::Item::status`]), worked out once.
    pub status: Class,
    /// Server text inside (names, DHIS2's words): drawn through the screen's neutralising.
    pub findings: Vec<Finding>,
}

/// The mark a checked row carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// Something is wrong (`!`).
    Problem,
    /// Worth knowing, nothing wrong (`i`): a file still being stored.
    Note,
}

impl Marker {
    /// The glyph: the CLI's marks, plain ASCII, so they read the same without colour or
    /// Unicode.
    pub fn symbol(self) -> &'static str {
        match self {
            Marker::Problem => "!",
            Marker::Note => "i",
        }
    }
}

impl Checked {
    /// The row's mark: `!` for a problem, `i` for a note worth a glance, none when it is fine.
    /// Being on dashboards is said in the details only: on a row it would mark half the list.
    pub fn marker(&self) -> Option<Marker> {
        if self.status.is_problem() {
            Some(Marker::Problem)
        } else if self
            .findings
            .iter()
            .any(|finding| finding.class != Class::OnDashboards)
        {
            Some(Marker::Note)
        } else {
            None
        }
    }

    pub fn has_problem(&self) -> bool {
        self.status.is_problem()
    }
}

/// A problem file resource (an orphan), as the file resources pane lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProblemResource {
    pub uid: String,
    pub name: String,
}

/// The last check's report, indexed.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckResult {
    /// The Documents filter text it covered.
    pub scope: String,
    documents: HashMap<String, Checked>,
    resources: HashMap<String, Checked>,
    /// The documents with a problem, in the report's order.
    pub document_problems: Vec<String>,
    /// The file resources with a problem (orphans), in the report's order.
    pub resource_problems: Vec<ProblemResource>,
    /// Whether any document, or any file resource, has a mark to draw (else no column).
    documents_marked: bool,
    resources_marked: bool,
    /// How the check ran (what it could not look at), in ops' words.
    pub notes: Vec<String>,
    /// How many documents and file resources it checked.
    pub documents_checked: usize,
    pub resources_checked: usize,
    /// Documents still being stored (informational).
    pub storing: usize,
    /// Whether every file resource with a problem is an orphan.
    pub only_orphans: bool,
}

impl CheckResult {
    /// Indexes a report by uid (one pass), for the check of `scope`.
    pub fn new(report: Report, scope: String) -> CheckResult {
        let mut result = CheckResult {
            scope,
            documents: HashMap::new(),
            resources: HashMap::new(),
            document_problems: Vec::new(),
            resource_problems: Vec::new(),
            documents_marked: false,
            resources_marked: false,
            notes: report.notes,
            documents_checked: 0,
            resources_checked: 0,
            storing: 0,
            only_orphans: true,
        };
        for item in report.items {
            let checked = Checked {
                status: item.status(),
                findings: item.findings,
            };
            let marked = checked.marker().is_some();
            // A file whose bytes are lost or differ is marked on its own row too, with what
            // the check found through its document.
            if let Some(file) = item
                .file_resource
                .filter(|_| matches!(checked.status, Class::MissingBytes | Class::Mismatch))
            {
                result.resources_marked = true;
                result
                    .resources
                    .entry(file)
                    .or_insert_with(|| checked.clone());
            }
            match item.kind {
                ItemKind::Document => {
                    result.documents_checked += 1;
                    result.documents_marked |= marked;
                    if checked.has_problem() {
                        result.document_problems.push(item.uid.clone());
                    } else if checked.status == Class::Storing {
                        result.storing += 1;
                    }
                    result.documents.insert(item.uid, checked);
                }
                ItemKind::FileResource => {
                    result.resources_checked += 1;
                    result.resources_marked |= marked;
                    if checked.has_problem() {
                        result.only_orphans &= checked.status == Class::Orphan;
                        result.resource_problems.push(ProblemResource {
                            uid: item.uid.clone(),
                            name: item.name,
                        });
                    }
                    // What its document's check found stays, unless this finds more.
                    let kept = result.resources.get(&item.uid);
                    if kept.is_none_or(|_| marked) {
                        result.resources.insert(item.uid, checked);
                    }
                }
                // A server check has none; a backup's files have no row here.
                ItemKind::BackupFile => {}
            }
        }
        result
    }

    /// What the check found about document `uid`, if it checked it.
    pub fn document(&self, uid: &str) -> Option<&Checked> {
        self.documents.get(uid)
    }

    /// What the check found about file resource `uid`, if it listed it.
    pub fn resource(&self, uid: &str) -> Option<&Checked> {
        self.resources.get(uid)
    }

    /// Whether the Documents table needs its mark column.
    pub fn marks_documents(&self) -> bool {
        self.documents_marked
    }

    /// Whether the file resources table needs its mark column.
    pub fn marks_resources(&self) -> bool {
        self.resources_marked
    }

    /// "check: 4 problems in 49 documents; 3 orphan file resources; 1 still storing".
    pub fn summary(&self) -> String {
        let documents = count(self.documents_checked, "document", "documents");
        let mut text = match self.document_problems.len() {
            0 => format!("check: no problems in {documents}"),
            n => format!("check: {} in {documents}", count(n, "problem", "problems")),
        };
        if self.resources_checked > 0 {
            let (one, many) = if self.only_orphans {
                ("orphan file resource", "orphan file resources")
            } else {
                (
                    "file resource with problems",
                    "file resources with problems",
                )
            };
            match self.resource_problems.len() {
                0 => text.push_str("; no orphan file resources"),
                n => text.push_str(&format!("; {}", count(n, one, many))),
            }
        }
        if self.storing > 0 {
            text.push_str(&format!("; {} still storing", self.storing));
        }
        text
    }

    /// How many rows with a problem the check found, documents and file resources.
    pub fn problems(&self) -> usize {
        self.document_problems.len() + self.resource_problems.len()
    }
}

/// The check as the TUI keeps it: at most one running, the last result, and per pane whether
/// the list shows only the rows with a problem (and under which filter it was asked for, so a
/// new filter ends the view).
#[derive(Clone, Debug, Default)]
pub struct CheckState {
    pub running: Option<RunningCheck>,
    pub result: Option<CheckResult>,
    /// The Documents pane shows only the last check's problem documents; the filter text
    /// (and for file resources the domain) it was opened under.
    pub documents_view: Option<String>,
    pub resources_view: Option<String>,
}

impl CheckState {
    /// What the check found about document `uid`.
    pub fn document(&self, uid: &str) -> Option<&Checked> {
        self.result.as_ref()?.document(uid)
    }

    /// What the check found about file resource `uid`.
    pub fn resource(&self, uid: &str) -> Option<&Checked> {
        self.result.as_ref()?.resource(uid)
    }

    /// "checking 120/500", or "checking: reading the lists" before the reads are counted.
    pub fn progress_text(&self) -> Option<String> {
        let running = self.running.as_ref()?;
        Some(match running.progress {
            Some(CheckProgress { done, total }) if total > 0 => {
                format!("checking {done}/{total}")
            }
            Some(_) => "checking".to_string(),
            None => "checking: reading the lists".to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::Item;

    fn item(kind: ItemKind, uid: &str, findings: &[Class]) -> Item {
        let mut item = Item::new(kind, uid, format!("name of {uid}"));
        item.findings = findings
            .iter()
            .map(|class| Finding::new(*class, "why"))
            .collect();
        item
    }

    #[test]
    fn a_report_is_indexed_once_with_its_marks_and_summary() {
        let report = Report {
            items: vec![
                item(ItemKind::Document, "D1", &[]),
                item(ItemKind::Document, "D2", &[Class::MissingBytes]),
                item(ItemKind::Document, "D3", &[Class::OnDashboards]),
                item(ItemKind::Document, "D4", &[Class::Storing]),
                item(
                    ItemKind::Document,
                    "D5",
                    &[Class::OnDashboards, Class::Dangling],
                ),
                item(ItemKind::FileResource, "F1", &[]),
                item(ItemKind::FileResource, "F2", &[Class::Orphan]),
            ],
            notes: vec!["a note".into()],
        };
        let result = CheckResult::new(report, String::new());
        let marker = |uid| result.document(uid).and_then(Checked::marker);
        assert_eq!(marker("D1"), None);
        assert_eq!(marker("D2"), Some(Marker::Problem));
        assert_eq!(marker("D3"), None, "dashboards alone are no mark");
        assert_eq!(marker("D4"), Some(Marker::Note));
        assert_eq!(marker("D5"), Some(Marker::Problem));
        assert_eq!(marker("D9"), None);
        assert_eq!(result.document_problems, ["D2", "D5"]);
        assert_eq!(
            result.resource_problems,
            [ProblemResource {
                uid: "F2".into(),
                name: "name of F2".into()
            }]
        );
        assert!(result.document("F2").is_none(), "kinds are kept apart");
        assert_eq!(result.resource("F1").and_then(Checked::marker), None);
        assert_eq!(
            result.summary(),
            "check: 2 problems in 5 documents; 1 orphan file resource; 1 still storing"
        );
    }

    #[test]
    fn a_file_whose_bytes_are_lost_is_marked_on_its_own_row_too() {
        let mut lost = item(ItemKind::Document, "D1", &[Class::MissingBytes]);
        lost.file_resource = Some("F1".into());
        let mut fine = item(ItemKind::Document, "D2", &[]);
        fine.file_resource = Some("F2".into());
        let report = Report {
            items: vec![
                lost,
                fine,
                item(ItemKind::FileResource, "F1", &[]),
                item(ItemKind::FileResource, "F2", &[]),
            ],
            notes: Vec::new(),
        };
        let result = CheckResult::new(report, String::new());
        let marker = |uid| result.resource(uid).and_then(Checked::marker);
        assert_eq!(marker("F1"), Some(Marker::Problem));
        assert_eq!(marker("F2"), None);
        assert!(result.marks_resources());
        assert!(
            result.resource_problems.is_empty(),
            "the problem is its document's"
        );
    }

    #[test]
    fn a_clean_filtered_check_says_so_without_orphans() {
        let report = Report {
            items: vec![item(ItemKind::Document, "D1", &[])],
            notes: Vec::new(),
        };
        let result = CheckResult::new(report, "name:ilike:x".into());
        assert_eq!(result.summary(), "check: no problems in 1 document");
        assert!(!result.marks_documents());
        assert!(!result.marks_resources());
    }
}
