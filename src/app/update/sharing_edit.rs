//! The sharing editor (`S`) from `update`'s side: opening it on a document (its sharing read
//! once, shared with the details) or on the marked documents (a change for each), its keys, the
//! debounced search whose stale answers are dropped by request id, the one confirmation of a
//! change to many, and the summary of what the runner did.
use ratatui::crossterm::event::KeyEvent;

use crate::api::{Candidates, Error, Feature, SharingView};
use crate::app::effect::Effect;
use crate::app::ids::ReqId;
use crate::app::keymap::{Action, Context};
use crate::app::sharing::{
    Candidate, EditorBase, EditorFocus, SEARCH_DEBOUNCE, ShareOutcome, SharingEditor, SharingRead,
    SharingSearch, SharingTarget, in_words,
};
use crate::app::state::{Dialog, Pane, PendingEdit, State};

use super::batches::{documents, marked_documents};
use super::detail_panel::request_sharing;
use super::fields::{edit, form_action};

/// Failures a summary names; the rest are counted.
const FAILURES_NAMED: usize = 3;

/// `S`: the editor of the row's sharing, or with marks, of a change for every marked document.
pub(super) fn open_editor(state: &mut State, fx: &mut Vec<Effect>) {
    if state.pane != Pane::Documents {
        state.toast_info("Sharing works in the Documents pane");
        return;
    }
    if !state.documents.marks.is_empty() {
        let uids = marked_documents(state);
        let external_offered = state
            .server()
            .and_then(|info| info.version.as_ref())
            .is_some_and(|version| version.supports(Feature::ExternalSharing));
        state.dialog = Some(Dialog::Sharing(Box::new(SharingEditor::of_marked(
            uids,
            external_offered,
        ))));
        return;
    }
    let Some(document) = state.selected_document() else {
        return;
    };
    let (uid, name) = (document.id.clone(), document.title().to_string());
    let mut editor = SharingEditor::of_document(&uid, &name);
    match state.sharing.get(&uid) {
        Some(SharingRead::Read(view)) => editor.start_from(Ok(SharingView::clone(view))),
        // Its answer fills the editor too.
        Some(SharingRead::Reading(_)) => {}
        Some(SharingRead::Failed(_)) | None => {
            state.sharing.forget(&uid);
            request_sharing(state, &uid, fx);
        }
    }
    state.dialog = Some(Dialog::Sharing(Box::new(editor)));
}

pub(super) fn editor_key(
    state: &mut State,
    mut editor: Box<SharingEditor>,
    key: KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    if editor.confirming {
        let yes = match state.settings.keymap.action(Context::Confirm, &key) {
            Some(Action::Yes) => true,
            Some(Action::No) => false,
            Some(Action::Accept) => editor.yes,
            Some(Action::Toggle) => {
                editor.yes = !editor.yes;
                return Some(Dialog::Sharing(editor));
            }
            _ => return Some(Dialog::Sharing(editor)),
        };
        if yes {
            apply(state, &editor, fx);
            return None;
        }
        // No: back to the editor, as it was.
        editor.confirming = false;
        return Some(Dialog::Sharing(editor));
    }
    if editor.focus == EditorFocus::Search {
        search_key(state, &mut editor, key);
        return Some(Dialog::Sharing(editor));
    }
    let editable = editor.editable();
    match state.settings.keymap.action(Context::Sharing, &key) {
        Some(Action::Close) => return None,
        Some(Action::Down) => editor.cursor = (editor.cursor + 1).min(editor.rows() - 1),
        Some(Action::Up) => editor.cursor = editor.cursor.saturating_sub(1),
        Some(step @ (Action::NextChoice | Action::PreviousChoice)) if editable => {
            editor.step_access(step == Action::NextChoice);
            editor.problem = None;
        }
        Some(Action::Remove) if editable => {
            editor.remove_selected();
            editor.problem = None;
        }
        Some(Action::Add) if editable => editor.focus = EditorFocus::Search,
        Some(Action::Accept) if editable => return submit(state, editor, fx),
        _ => {}
    }
    Some(Dialog::Sharing(editor))
}

/// Keys in the search field: typing asks the server after a pause; Enter adds the name
/// highlighted; Down/Up move through the names; Tab goes back to the rows, Esc too, clearing.
fn search_key(state: &mut State, editor: &mut SharingEditor, key: KeyEvent) {
    let search = &mut editor.search;
    match form_action(state, &key) {
        Some(Action::Close) => {
            editor.search = SharingSearch::default();
            editor.focus = EditorFocus::Rows;
        }
        Some(Action::Complete) => editor.focus = EditorFocus::Rows,
        Some(Action::NextField) => {
            search.cursor = (search.cursor + 1).min(search.results.len().saturating_sub(1));
        }
        Some(Action::PreviousField) => search.cursor = search.cursor.saturating_sub(1),
        Some(Action::Accept) => {
            if let Some(candidate) = search.selected().cloned() {
                editor.add(&candidate);
                editor.search = SharingSearch::default();
                editor.focus = EditorFocus::Rows;
                editor.problem = None;
            }
        }
        _ => {
            if edit(&mut search.input, key) {
                // An answer about the text before is stale from now on.
                search.req = None;
                search.problem = None;
                if search.input.value().trim().is_empty() {
                    search.due = None;
                    search.results.clear();
                } else {
                    search.due = Some(state.now + SEARCH_DEBOUNCE);
                }
            }
        }
    }
}

/// The tick: the search text typed is sent once typing pauses.
pub(super) fn search_if_due(state: &mut State, fx: &mut Vec<Effect>) {
    let now = state.now;
    let due = matches!(
        &state.dialog,
        Some(Dialog::Sharing(editor)) if editor.search.due.is_some_and(|due| due <= now)
    );
    if !due {
        return;
    }
    let req = state.next_req();
    if let Some(Dialog::Sharing(editor)) = &mut state.dialog {
        editor.search.due = None;
        editor.search.req = Some(req);
        fx.push(Effect::SearchSharing {
            req,
            key: editor.search.input.value().trim().to_string(),
        });
    }
}

/// The names the search found, if they answer the request waited for.
pub(super) fn candidates_loaded(state: &mut State, req: ReqId, result: Result<Candidates, Error>) {
    let Some(Dialog::Sharing(editor)) = &mut state.dialog else {
        return;
    };
    let search = &mut editor.search;
    if search.req != Some(req) {
        return;
    }
    search.req = None;
    search.cursor = 0;
    match result {
        Ok(candidates) => {
            search.results = Candidate::all_of(candidates);
            search.problem = search
                .results
                .is_empty()
                .then(|| "no user group or user matches".to_string());
        }
        Err(error) => {
            search.results.clear();
            search.problem = Some(error.to_string());
        }
    }
}

/// A document's sharing read: kept for the details, and the editor waiting for it starts.
pub(super) fn sharing_loaded(
    state: &mut State,
    req: ReqId,
    uid: String,
    result: Result<Box<SharingView>, Error>,
) {
    let result = result.map(|view| *view).map_err(|error| error.to_string());
    if !state.sharing.record(&uid, req, result.clone()) {
        return;
    }
    if let Some(Dialog::Sharing(editor)) = &mut state.dialog
        && editor.uid() == Some(uid.as_str())
        && editor.base == EditorBase::Waiting
    {
        editor.start_from(result);
    }
}

/// Enter: one document's change goes at once; a change to marks is confirmed first.
fn submit(
    state: &mut State,
    mut editor: Box<SharingEditor>,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    let change = editor.change();
    if change.is_empty() {
        if editor.is_bulk() {
            let keys = &state.settings.keymap;
            editor.problem = Some(format!(
                "nothing to change yet: {} adds a group or user, {} sets everyone's access",
                keys.hint(Context::Sharing, Action::Add),
                keys.hint(Context::Sharing, Action::NextChoice)
            ));
            return Some(Dialog::Sharing(editor));
        }
        state.toast_info("Nothing changed in the sharing: nothing was sent");
        return None;
    }
    if editor.is_bulk() {
        editor.confirming = true;
        // A change to many documents is said before it is made; No is the default.
        editor.yes = false;
        return Some(Dialog::Sharing(editor));
    }
    apply(state, &editor, fx);
    None
}

/// Sends the change to the runner, for each document.
fn apply(state: &mut State, editor: &SharingEditor, fx: &mut Vec<Effect>) {
    let (uids, what) = match &editor.target {
        SharingTarget::One { uid, name } => (vec![uid.clone()], format!("“{name}”")),
        SharingTarget::Marked { uids } => (uids.clone(), documents(uids.len())),
    };
    let req = state.next_req();
    state
        .edits
        .push((req, PendingEdit::Sharing { uids: uids.clone() }));
    state.toast_info(format!("Changing the sharing of {what}…"));
    fx.push(Effect::ApplySharing {
        req,
        uids,
        change: editor.change(),
    });
}

/// What the runner did, document by document: the details' sharing refreshed, and a toast.
pub(super) fn sharing_applied(
    state: &mut State,
    req: ReqId,
    outcomes: Vec<(String, Result<ShareOutcome, Error>)>,
    fx: &mut Vec<Effect>,
) {
    let Some(at) = state.edits.iter().position(|(r, _)| *r == req) else {
        return;
    };
    state.edits.remove(at);
    let name_of = |state: &State, uid: &str| {
        state
            .documents
            .items
            .iter()
            .find(|document| document.id == uid)
            .map_or_else(|| uid.to_string(), |document| document.title().to_string())
    };
    let total = outcomes.len();
    let first = outcomes
        .first()
        .map(|(uid, _)| name_of(state, uid))
        .unwrap_or_default();
    let mut changed = 0;
    let mut unchanged = 0;
    let mut failed = Vec::new();
    let mut kept_view = None;
    for (uid, result) in outcomes {
        match result {
            Ok(ShareOutcome::Changed(view)) => {
                changed += 1;
                match view {
                    Some(view) => {
                        let mut words = in_words(&view);
                        if view.external_access == Some(true) {
                            words.insert(1, "anyone with the link: can view".to_string());
                        }
                        kept_view = Some(words.join("; "));
                        state.sharing.replace(&uid, *view);
                    }
                    None => state.sharing.forget(&uid),
                }
            }
            Ok(ShareOutcome::Unchanged) => unchanged += 1,
            Err(error) => {
                state.sharing.forget(&uid);
                failed.push((name_of(state, &uid), error.to_string()));
            }
        }
    }
    // The details show the sharing as it is now.
    if state.details.open
        && let Some(uid) = state.details.uid.clone()
        && state.sharing.get(&uid).is_none()
    {
        request_sharing(state, &uid, fx);
    }
    if total == 1 {
        if let Some((name, error)) = failed.pop() {
            state.toast_error(format!("Could not change the sharing of “{name}”: {error}"));
        } else if unchanged == 1 {
            state.toast_info(format!("“{first}” was shared so already: nothing changed"));
        } else if let Some(words) = kept_view {
            state.toast_info(format!("Shared “{first}”: {words}"));
        } else {
            state.toast_info(format!("Changed the sharing of “{first}”"));
        }
        return;
    }
    let mut text = format!("Sharing changed on {changed} of {}", documents(total));
    if unchanged > 0 {
        text.push_str(&format!("; {unchanged} shared so already"));
    }
    if failed.is_empty() {
        // The summary of a job the user may have looked away from: it stays until Esc.
        state.toast_note(text);
        return;
    }
    text.push_str(&format!("; {} failed: ", failed.len()));
    let named: Vec<String> = failed
        .iter()
        .take(FAILURES_NAMED)
        .map(|(name, error)| format!("“{name}”: {error}"))
        .collect();
    text.push_str(&named.join("; "));
    if failed.len() > FAILURES_NAMED {
        text.push_str(&format!("; and {} more", failed.len() - FAILURES_NAMED));
    }
    state.toast_error(text);
}
