//! Sharing in the TUI, as data: what is known of each document's sharing (read when its details
//! open, kept by uid until an edit), and the sharing editor (`S`): the public access as a
//! choice, the user groups and users with their access, the search that adds one, and the
//! change it makes of them (`api::SharingChange`), for one document or for every marked one.
//!
//! Names here are the server's (groups, users, DHIS2's reasons): the screen draws them through
//! its frame-level neutralising, like every other server text.
use std::collections::HashMap;
use std::time::Duration;

use tui_input::Input;

use crate::api::{
    Access, Candidates, EDIT_ACCESS, Feature, NO_ACCESS, NamedAccess, ServerVersion, SharingChange,
    SharingView, VIEW_ACCESS, access_words,
};
use crate::app::ids::ReqId;

/// Typing in the editor's search waits this long for the next key before asking the server.
pub const SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);
/// The accesses an entry cycles through, in order.
pub const ACCESSES: [&str; 3] = [NO_ACCESS, VIEW_ACCESS, EDIT_ACCESS];

/// What is known of one document's sharing.
#[derive(Clone, Debug, PartialEq)]
pub enum SharingRead {
    /// Asked for; the answer to this request counts.
    Reading(ReqId),
    Read(Box<SharingView>),
    /// DHIS2's words (or ours) about why it could not be read.
    Failed(String),
}

/// Each document's sharing, by uid, as last read; an edit of the document forgets it.
#[derive(Clone, Debug, Default)]
pub struct SharingBook {
    reads: HashMap<String, SharingRead>,
}

impl SharingBook {
    pub fn get(&self, uid: &str) -> Option<&SharingRead> {
        self.reads.get(uid)
    }

    /// The sharing read for `uid`, when it has been read.
    pub fn view(&self, uid: &str) -> Option<&SharingView> {
        match self.reads.get(uid)? {
            SharingRead::Read(view) => Some(view),
            _ => None,
        }
    }

    pub fn start(&mut self, uid: &str, req: ReqId) {
        self.reads
            .insert(uid.to_string(), SharingRead::Reading(req));
    }

    /// Keeps an answer, if it is the one awaited for `uid` (an answer to a read made before
    /// an edit, or superseded, is dropped). Whether it was kept.
    pub fn record(&mut self, uid: &str, req: ReqId, result: Result<SharingView, String>) -> bool {
        if self.reads.get(uid) != Some(&SharingRead::Reading(req)) {
            return false;
        }
        let read = match result {
            Ok(view) => SharingRead::Read(Box::new(view)),
            Err(error) => SharingRead::Failed(error),
        };
        self.reads.insert(uid.to_string(), read);
        true
    }

    /// Keeps what the server answered after a change (read back by the runner).
    pub fn replace(&mut self, uid: &str, view: SharingView) {
        self.reads
            .insert(uid.to_string(), SharingRead::Read(Box::new(view)));
    }

    /// Forgets `uid`'s sharing: it was edited, so what was read may be out of date.
    pub fn forget(&mut self, uid: &str) {
        self.reads.remove(uid);
    }

    pub fn forget_all(&mut self) {
        self.reads.clear();
    }

    /// Whether a read is in flight (the spinner turns).
    pub fn reading(&self) -> bool {
        self.reads
            .values()
            .any(|read| matches!(read, SharingRead::Reading(_)))
    }
}

/// A user group or a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Group,
    User,
}

impl Who {
    pub fn word(self) -> &'static str {
        match self {
            Who::Group => "group",
            Who::User => "user",
        }
    }
}

/// One row of the editor: a group or user and the access it gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditorEntry {
    pub who: Who,
    pub id: String,
    pub name: String,
    pub access: &'static str,
}

/// One answer of the search: someone who can be added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub who: Who,
    pub id: String,
    pub name: String,
    pub username: Option<String>,
}

impl Candidate {
    /// Groups first, then users, as the server ordered each.
    pub fn all_of(candidates: Candidates) -> Vec<Candidate> {
        let groups = candidates.user_groups.into_iter().map(|g| (Who::Group, g));
        let users = candidates.users.into_iter().map(|u| (Who::User, u));
        groups
            .chain(users)
            .map(|(who, named)| Candidate {
                who,
                id: named.id,
                name: named.name,
                username: named.username,
            })
            .collect()
    }
}

/// Which documents the editor changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SharingTarget {
    /// One document: the editor shows its sharing and changes what is edited of it.
    One { uid: String, name: String },
    /// The marked documents: the editor holds a change made to each ("give group X view
    /// access to these 40 documents"); the rest of each one's sharing stays.
    Marked { uids: Vec<String> },
}

/// What the editor starts from.
#[derive(Clone, Debug, PartialEq)]
pub enum EditorBase {
    /// The document's sharing is being read.
    Waiting,
    /// Its sharing as read: the change is what differs from it.
    Read(Box<SharingView>),
    /// It could not be read: nothing can be changed.
    Failed(String),
    /// Marked documents: no one sharing to start from.
    Change,
}

/// Where the editor's keys go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditorFocus {
    /// The public access, the external access where offered, and the entries.
    Rows,
    /// The search field that adds someone.
    Search,
}

/// The search that adds a group or user: the text, the request waited for, the answers.
#[derive(Clone, Debug, Default)]
pub struct SharingSearch {
    pub input: Input,
    /// When the typed text is due to be sent.
    pub due: Option<Duration>,
    /// The request whose answer counts; answers to older ones are dropped.
    pub req: Option<ReqId>,
    pub results: Vec<Candidate>,
    pub cursor: usize,
    /// Why the search failed, in DHIS2's words.
    pub problem: Option<String>,
}

impl SharingSearch {
    pub fn selected(&self) -> Option<&Candidate> {
        self.results.get(self.cursor)
    }
}

/// The sharing editor (`S`).
#[derive(Clone, Debug)]
pub struct SharingEditor {
    pub target: SharingTarget,
    pub base: EditorBase,
    /// The public access chosen; `None` leaves each document's as it is (marks only).
    pub public: Option<&'static str>,
    /// Whether the server still has external (anonymous) access, so the editor offers it as
    /// the row after the public access (§9.6).
    pub external_offered: bool,
    /// External access on or off; `None` leaves each document's as it is (marks only).
    pub external: Option<bool>,
    pub entries: Vec<EditorEntry>,
    /// 0 is the public access, 1.. the entries.
    pub cursor: usize,
    pub focus: EditorFocus,
    pub search: SharingSearch,
    /// Enter with marks asks once, naming the count, before anything changes.
    pub confirming: bool,
    /// The highlighted answer of that confirmation.
    pub yes: bool,
    pub problem: Option<String>,
}

impl SharingEditor {
    /// The editor of one document, waiting for its sharing (see [`SharingEditor::start_from`]).
    pub fn of_document(uid: &str, name: &str) -> SharingEditor {
        SharingEditor::new(
            SharingTarget::One {
                uid: uid.to_string(),
                name: name.to_string(),
            },
            EditorBase::Waiting,
        )
    }

    /// The editor of a change for the marked documents: nothing changed yet. External access
    /// is offered where the server still has it.
    pub fn of_marked(uids: Vec<String>, external_offered: bool) -> SharingEditor {
        let mut editor = SharingEditor::new(SharingTarget::Marked { uids }, EditorBase::Change);
        editor.external_offered = external_offered;
        editor
    }

    fn new(target: SharingTarget, base: EditorBase) -> SharingEditor {
        SharingEditor {
            target,
            base,
            public: None,
            external_offered: false,
            external: None,
            entries: Vec::new(),
            cursor: 0,
            focus: EditorFocus::Rows,
            search: SharingSearch::default(),
            confirming: false,
            yes: true,
            problem: None,
        }
    }

    /// The one document it edits.
    pub fn uid(&self) -> Option<&str> {
        match &self.target {
            SharingTarget::One { uid, .. } => Some(uid),
            SharingTarget::Marked { .. } => None,
        }
    }

    pub fn is_bulk(&self) -> bool {
        matches!(self.target, SharingTarget::Marked { .. })
    }

    /// How many documents the change goes to.
    pub fn count(&self) -> usize {
        match &self.target {
            SharingTarget::One { .. } => 1,
            SharingTarget::Marked { uids } => uids.len(),
        }
    }

    /// Whether keys can change anything: the sharing is known (or it is a change for marks).
    pub fn editable(&self) -> bool {
        matches!(self.base, EditorBase::Read(_) | EditorBase::Change)
    }

    /// Starts from the document's sharing as read.
    pub fn start_from(&mut self, read: Result<SharingView, String>) {
        match read {
            Ok(view) => {
                self.public = Some(known_access(&view.public_access));
                // The server reports the flag exactly where it still has it.
                self.external_offered = view.external_access.is_some();
                self.external = view.external_access;
                let entries = |who: Who, accesses: &[NamedAccess]| -> Vec<EditorEntry> {
                    accesses
                        .iter()
                        .map(|entry| EditorEntry {
                            who,
                            id: entry.id.clone(),
                            name: entry.name.clone(),
                            access: known_access(&entry.access),
                        })
                        .collect()
                };
                self.entries = entries(Who::Group, &view.user_group_accesses);
                self.entries.extend(entries(Who::User, &view.user_accesses));
                self.base = EditorBase::Read(Box::new(view));
            }
            Err(error) => self.base = EditorBase::Failed(error),
        }
        self.cursor = 0;
    }

    /// Rows the cursor moves over: the public access, the external access where offered, and
    /// each entry.
    pub fn rows(&self) -> usize {
        self.first_entry_row() + self.entries.len()
    }

    /// The row of the first group or user.
    pub fn first_entry_row(&self) -> usize {
        1 + usize::from(self.external_offered)
    }

    /// Whether the cursor is on the external access row.
    pub fn on_external_row(&self) -> bool {
        self.external_offered && self.cursor == 1
    }

    /// The access of the highlighted row one step on (or back), wrapping; for the public
    /// access of marked documents "as it is" is one of the steps.
    pub fn step_access(&mut self, forward: bool) {
        if self.cursor == 0 {
            let bulk = self.is_bulk();
            let mut choices: Vec<Option<&'static str>> = Vec::new();
            if bulk {
                choices.push(None);
            }
            choices.extend(ACCESSES.iter().map(|access| Some(*access)));
            let at = choices.iter().position(|c| *c == self.public).unwrap_or(0);
            self.public = choices[step(at, choices.len(), forward)];
        } else if self.on_external_row() {
            let mut choices: Vec<Option<bool>> = Vec::new();
            if self.is_bulk() {
                choices.push(None);
            }
            choices.extend([Some(false), Some(true)]);
            let at = choices
                .iter()
                .position(|c| *c == self.external)
                .unwrap_or(0);
            self.external = choices[step(at, choices.len(), forward)];
        } else if let Some(entry) = self
            .cursor
            .checked_sub(self.first_entry_row())
            .and_then(|at| self.entries.get_mut(at))
        {
            let at = ACCESSES
                .iter()
                .position(|a| *a == entry.access)
                .unwrap_or(0);
            entry.access = ACCESSES[step(at, ACCESSES.len(), forward)];
        }
    }

    /// Removes the highlighted entry (the public and external access stay: they can be set to
    /// none).
    pub fn remove_selected(&mut self) -> bool {
        let first = self.first_entry_row();
        if self.cursor < first || self.cursor >= first + self.entries.len() {
            return false;
        }
        self.entries.remove(self.cursor - first);
        self.cursor = self.cursor.min(self.rows() - 1);
        true
    }

    /// Adds a search answer with view access (or moves to it when it is there already), and
    /// puts the cursor on it.
    pub fn add(&mut self, candidate: &Candidate) {
        let at = self
            .entries
            .iter()
            .position(|entry| entry.who == candidate.who && entry.id == candidate.id);
        let at = at.unwrap_or_else(|| {
            self.entries.push(EditorEntry {
                who: candidate.who,
                id: candidate.id.clone(),
                name: candidate.name.clone(),
                access: VIEW_ACCESS,
            });
            self.entries.len() - 1
        });
        self.cursor = at + self.first_entry_row();
    }

    /// The change the editor holds. For one document, what differs from its sharing as read
    /// (an entry taken out is set to none, which removes it); for marked documents, every row
    /// as it stands (none removes that group or user from each).
    pub fn change(&self) -> SharingChange {
        let mut change = SharingChange::default();
        let access = |entry: &EditorEntry| Access {
            id: entry.id.clone(),
            access: entry.access.to_string(),
        };
        match &self.base {
            EditorBase::Read(view) => {
                change.public_access = self
                    .public
                    .filter(|public| *public != known_access(&view.public_access))
                    .map(str::to_string);
                change.external_access = self
                    .external
                    .filter(|_| self.external != view.external_access);
                for (who, read) in [
                    (Who::Group, &view.user_group_accesses),
                    (Who::User, &view.user_accesses),
                ] {
                    let mut changed: Vec<Access> = self
                        .entries
                        .iter()
                        .filter(|entry| entry.who == who)
                        .filter(|entry| {
                            read.iter()
                                .find(|was| was.id == entry.id)
                                .is_none_or(|was| known_access(&was.access) != entry.access)
                        })
                        .map(access)
                        .collect();
                    changed.extend(
                        read.iter()
                            .filter(|was| {
                                !self.entries.iter().any(|e| e.who == who && e.id == was.id)
                            })
                            .map(|was| Access {
                                id: was.id.clone(),
                                access: NO_ACCESS.to_string(),
                            }),
                    );
                    match who {
                        Who::Group => change.user_groups = changed,
                        Who::User => change.users = changed,
                    }
                }
            }
            EditorBase::Change => {
                change.public_access = self.public.map(str::to_string);
                change.external_access = self.external;
                for entry in &self.entries {
                    match entry.who {
                        Who::Group => change.user_groups.push(access(entry)),
                        Who::User => change.users.push(access(entry)),
                    }
                }
            }
            EditorBase::Waiting | EditorBase::Failed(_) => {}
        }
        change
    }

    /// The change in words, for the confirmation: "give group “Report viewers” view access,
    /// remove user “Guest Viewer”".
    pub fn change_in_words(&self) -> String {
        let change = self.change();
        let mut phrases = Vec::new();
        if let Some(public) = &change.public_access {
            phrases.push(format!(
                "set everyone's access to “{}”",
                access_words(public)
            ));
        }
        match change.external_access {
            Some(true) => phrases.push("let anyone with the link view (external access)".into()),
            Some(false) => phrases.push("take away external access".into()),
            None => {}
        }
        for (who, accesses) in [
            (Who::Group, &change.user_groups),
            (Who::User, &change.users),
        ] {
            for access in accesses {
                let name = self
                    .entries
                    .iter()
                    .find(|entry| entry.who == who && entry.id == access.id)
                    .map_or(access.id.as_str(), |entry| entry.name.as_str());
                let who = who.word();
                phrases.push(match access.access.as_str() {
                    VIEW_ACCESS => format!("give {who} “{name}” view access"),
                    EDIT_ACCESS => format!("give {who} “{name}” view and edit access"),
                    _ => format!("remove {who} “{name}”"),
                });
            }
        }
        phrases.join(", ")
    }
}

/// One of the three accesses a document can have (documents are metadata only, §9.1): a
/// string with data bits or of another shape reads as its metadata part.
pub fn known_access(access: &str) -> &'static str {
    match access.get(..2) {
        Some("rw") => EDIT_ACCESS,
        Some("r-") => VIEW_ACCESS,
        _ => NO_ACCESS,
    }
}

/// A document's sharing in words, one part per entry: "everyone: can view", "Report viewers
/// (group): can view and edit", "Guest Viewer (user): can view".
pub fn in_words(view: &SharingView) -> Vec<String> {
    let mut parts = vec![format!("everyone: {}", access_words(&view.public_access))];
    for (who, entries) in [
        (Who::Group, &view.user_group_accesses),
        (Who::User, &view.user_accesses),
    ] {
        for entry in entries {
            parts.push(format!(
                "{} ({}): {}",
                entry.name,
                who.word(),
                access_words(&entry.access)
            ));
        }
    }
    parts
}

/// The document's external (anonymous) access, when it has it: flagged where the server's
/// version no longer honours it (2.41.9+, 2.42+; dhis2-api.md §9.6), so a document that relied
/// on it is seen to be closed to anonymous readers now.
pub fn external_access_note(
    view: &SharingView,
    version: Option<&ServerVersion>,
) -> Option<(String, bool)> {
    if view.external_access != Some(true) {
        return None;
    }
    Some(match version {
        Some(version) if !version.supports(Feature::ExternalAccessHonoured) => (
            format!(
                "anyone with the link: can view (external access; DHIS2 {version} no longer honours it)"
            ),
            true,
        ),
        _ => (
            "anyone with the link, signed in or not: can view (external access)".to_string(),
            false,
        ),
    })
}

fn step(at: usize, len: usize, forward: bool) -> usize {
    if forward {
        (at + 1) % len
    } else {
        (at + len - 1) % len
    }
}

/// How one document's sharing change ended well.
#[derive(Clone, Debug, PartialEq)]
pub enum ShareOutcome {
    /// Changed; what the server keeps, read back (one document only).
    Changed(Option<Box<SharingView>>),
    /// The document was shared so already: nothing was sent.
    Unchanged,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(id: &str, name: &str, access: &str) -> NamedAccess {
        NamedAccess {
            id: id.into(),
            name: name.into(),
            access: access.into(),
        }
    }

    fn view() -> SharingView {
        SharingView {
            public_access: "r-------".into(),
            external_access: None,
            creator: None,
            user_group_accesses: vec![named("gViewers001", "Report viewers", "r-------")],
            user_accesses: vec![named("uGuest00001", "Guest Viewer", "rw------")],
        }
    }

    #[test]
    fn one_documents_change_is_what_differs_from_what_was_read() {
        let mut editor = SharingEditor::of_document("D0000000000", "Report");
        editor.start_from(Ok(view()));
        assert_eq!(editor.change(), SharingChange::default());
        // Public to none, the group to edit, the user removed.
        editor.step_access(false);
        editor.cursor = 1;
        editor.step_access(true);
        editor.cursor = 2;
        assert!(editor.remove_selected());
        let change = editor.change();
        assert_eq!(change.public_access.as_deref(), Some(NO_ACCESS));
        assert_eq!(
            change.user_groups,
            vec![Access {
                id: "gViewers001".into(),
                access: EDIT_ACCESS.into()
            }]
        );
        assert_eq!(
            change.users,
            vec![Access {
                id: "uGuest00001".into(),
                access: NO_ACCESS.into()
            }]
        );
    }

    #[test]
    fn a_change_for_marks_is_every_row_and_leaves_the_public_access_unless_chosen() {
        let mut editor = SharingEditor::of_marked(vec!["A".into(), "B".into()], false);
        assert!(editor.change().is_empty());
        editor.add(&Candidate {
            who: Who::Group,
            id: "gViewers001".into(),
            name: "Report viewers".into(),
            username: None,
        });
        assert_eq!(editor.cursor, 1);
        let change = editor.change();
        assert_eq!(change.public_access, None);
        assert_eq!(change.user_groups[0].access, VIEW_ACCESS);
        assert_eq!(
            editor.change_in_words(),
            "give group “Report viewers” view access"
        );
        // The public access steps through "as it is" too.
        editor.cursor = 0;
        editor.step_access(true);
        assert_eq!(editor.public, Some(NO_ACCESS));
        editor.step_access(false);
        assert_eq!(editor.public, None);
    }

    #[test]
    fn the_book_keeps_only_the_answer_it_waits_for() {
        let mut book = SharingBook::default();
        book.start("D1", 1);
        book.start("D1", 2);
        assert!(!book.record("D1", 1, Ok(view())));
        assert!(book.reading());
        assert!(book.record("D1", 2, Ok(view())));
        assert!(book.view("D1").is_some());
        book.forget("D1");
        assert!(!book.record("D1", 2, Ok(view())));
        assert!(book.get("D1").is_none());
    }
}
