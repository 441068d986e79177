//! What a check finds: each item (a document, a file resource, a backup's file) with its
//! findings, each of a class with a reason and what to do about it.
use std::collections::BTreeMap;

use serde::Serialize;

/// The kind of a finding. The order is the order of the summary table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Nothing wrong found.
    Ok,
    /// A file document whose url names no file resource (E4015 on any metadata import).
    Dangling,
    /// The file resource's bytes are not in the file store.
    MissingBytes,
    /// Size or MD5 differ (from a backup's manifest, or from what the server serves).
    Mismatch,
    /// On the server, not in the backup checked against.
    OnlyOnServer,
    /// In the backup, not on the server.
    OnlyInBackup,
    /// A DOCUMENT file resource no document points at.
    Orphan,
    /// An external URL DHIS2 refuses today (E4004): the document cannot be updated.
    RefusedLink,
    /// An external URL that does not answer (`--links`).
    DeadLink,
    /// The item could not be read, so it was not checked.
    Unreadable,
    /// Informational: a file still being stored (PENDING, younger than the grace period).
    Storing,
    /// Informational: dashboards show the document.
    OnDashboards,
    /// Informational: the link redirects to another host, which the check does not follow.
    LinkElsewhere,
}

impl Class {
    /// rclone check's marks: `=` same, `!` a problem, `+`/`-` only on one side; `i` says
    /// something worth knowing that is no problem.
    pub fn symbol(self) -> char {
        match self {
            Class::Ok => '=',
            Class::OnlyOnServer => '+',
            Class::OnlyInBackup => '-',
            Class::Storing | Class::OnDashboards | Class::LinkElsewhere => 'i',
            _ => '!',
        }
    }

    pub fn is_problem(self) -> bool {
        !matches!(
            self,
            Class::Ok | Class::Storing | Class::OnDashboards | Class::LinkElsewhere
        )
    }

    /// The class's name in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Class::Ok => "ok",
            Class::Dangling => "dangling",
            Class::MissingBytes => "missing_bytes",
            Class::Mismatch => "mismatch",
            Class::OnlyOnServer => "only_on_server",
            Class::OnlyInBackup => "only_in_backup",
            Class::Orphan => "orphan",
            Class::RefusedLink => "refused_link",
            Class::DeadLink => "dead_link",
            Class::Unreadable => "unreadable",
            Class::Storing => "still_storing",
            Class::OnDashboards => "on_dashboards",
            Class::LinkElsewhere => "link_elsewhere",
        }
    }

    /// The class in words, for the summary table and the TUI.
    pub fn title(self) -> &'static str {
        match self {
            Class::Ok => "ok",
            Class::Dangling => "dangling",
            Class::MissingBytes => "missing bytes",
            Class::Mismatch => "mismatch",
            Class::OnlyOnServer => "only on the server",
            Class::OnlyInBackup => "only in the backup",
            Class::Orphan => "orphan",
            Class::RefusedLink => "refused link",
            Class::DeadLink => "dead link",
            Class::Unreadable => "not checked",
            Class::Storing => "still storing",
            Class::OnDashboards => "on dashboards",
            Class::LinkElsewhere => "link goes elsewhere",
        }
    }
}

impl Serialize for Class {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

/// One thing found about an item.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub class: Class,
    /// Why, in DHIS2's words or ours.
    pub reason: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
}

impl Finding {
    pub fn new(class: Class, reason: impl Into<String>) -> Finding {
        Finding {
            class,
            reason: reason.into(),
            advice: None,
        }
    }

    pub fn advice(mut self, advice: impl Into<String>) -> Finding {
        self.advice = Some(advice.into());
        self
    }
}

/// What was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Document,
    FileResource,
    /// A file of a backup folder (`check DIR`).
    BackupFile,
}

/// One item checked, with everything found about it (nothing: it is ok).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Item {
    pub kind: ItemKind,
    pub uid: String,
    /// Server text (or a path), raw: every face neutralises it.
    pub name: String,
    /// A file document's file resource, whose row a face may mark too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_resource: Option<String>,
    pub findings: Vec<Finding>,
}

impl Item {
    pub fn new(kind: ItemKind, uid: impl Into<String>, name: impl Into<String>) -> Item {
        Item {
            kind,
            uid: uid.into(),
            name: name.into(),
            file_resource: None,
            findings: Vec::new(),
        }
    }

    /// The item's worst finding: its first problem, else its first note, else ok.
    pub fn status(&self) -> Class {
        self.findings
            .iter()
            .find(|finding| finding.class.is_problem())
            .or(self.findings.first())
            .map_or(Class::Ok, |finding| finding.class)
    }

    pub fn has_problem(&self) -> bool {
        self.status().is_problem()
    }
}

/// A whole check: every item, and what the reader should know about how it ran.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub items: Vec<Item>,
    pub notes: Vec<String>,
}

impl Report {
    /// Findings by class; an item with none counts once as ok.
    pub fn counts(&self) -> BTreeMap<Class, usize> {
        let mut counts = BTreeMap::new();
        for item in &self.items {
            if item.findings.is_empty() {
                *counts.entry(Class::Ok).or_default() += 1;
            }
            for finding in &item.findings {
                *counts.entry(finding.class).or_default() += 1;
            }
        }
        counts
    }

    /// [`Report::counts`] under the classes' JSON names.
    pub fn counts_by_key(&self) -> BTreeMap<&'static str, usize> {
        self.counts()
            .into_iter()
            .map(|(class, count)| (class.key(), count))
            .collect()
    }

    /// How many items have a problem.
    pub fn problems(&self) -> usize {
        self.items.iter().filter(|item| item.has_problem()).count()
    }
}
