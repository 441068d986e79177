//! Renaming a document (`R`: an inline prompt prefilled with its name; the runner renames it)
//! and putting a new file behind one (`p`: the path prompt, checked as an upload's is, then a
//! transfer row with its progress), and what the rename's answer changes.
use std::path::PathBuf;

use ratatui::crossterm::event::KeyEvent;
use tui_input::Input;

use crate::api::{Domain, Edited, Error};
use crate::app::effect::Effect;
use crate::app::ids::ReqId;
use crate::app::keymap::Action;
use crate::app::state::{Dialog, Pane, PathField, PendingEdit, RenameForm, ReplaceForm, State};
use crate::app::transfer_job::TransferJob;

use super::detail_panel::details_read_again;
use super::edited::document_edited;
use super::fields::{edit, edit_path, form_action, path_tab};
use super::transfer_events::start_transfer;

/// The one document `R` and `p` act on: the row under the cursor, in the Documents pane.
fn document_to_edit<'a>(state: &'a mut State, what: &str) -> Option<&'a crate::api::Document> {
    if state.pane != Pane::Documents {
        state.toast_info(format!("{what} works in the Documents pane"));
        return None;
    }
    state.selected_document()
}

/// `R`: the inline prompt, prefilled with the name (a rename of it still running is said).
pub(super) fn open_rename(state: &mut State) {
    let Some(document) = document_to_edit(state, "Renaming") else {
        return;
    };
    let (uid, name) = (document.id.clone(), document.title().to_string());
    let renaming = state
        .edits
        .iter()
        .any(|(_, edit)| matches!(edit, PendingEdit::Rename { uid: u, .. } if *u == uid));
    if renaming {
        state.toast_info(format!("“{name}” is being renamed; wait for it to end"));
        return;
    }
    state.dialog = Some(Dialog::Rename(RenameForm {
        uid,
        input: Input::new(name.clone()),
        name,
        problem: None,
    }));
}

pub(super) fn rename_key(
    state: &mut State,
    mut form: RenameForm,
    key: KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    match form_action(state, &key) {
        Some(Action::Close) => return None,
        Some(Action::Accept) => {
            let name = form.input.value().trim().to_string();
            if name.is_empty() {
                form.problem = Some("a document needs a name (Esc cancels)".into());
            } else if name == form.name {
                state.toast_info("The name is the same: nothing was sent");
                return None;
            } else {
                let req = state.next_req();
                state.edits.push((
                    req,
                    PendingEdit::Rename {
                        uid: form.uid.clone(),
                        from: form.name.clone(),
                    },
                ));
                state.toast_info(format!("Renaming “{}” to “{name}”…", form.name));
                fx.push(Effect::Rename {
                    req,
                    uid: form.uid,
                    name,
                });
                return None;
            }
        }
        _ => {
            if edit(&mut form.input, key) {
                form.problem = None;
            }
        }
    }
    Some(Dialog::Rename(form))
}

/// The rename's answer: the row as it is now and what was done, or DHIS2's words (naming a
/// file resource the server keeps linked to nothing, when there is one).
pub(super) fn renamed(
    state: &mut State,
    req: ReqId,
    uid: String,
    result: Result<Box<Edited>, Error>,
    fx: &mut Vec<Effect>,
) {
    let Some(at) = state.edits.iter().position(|(r, _)| *r == req) else {
        return;
    };
    let (_, pending) = state.edits.remove(at);
    let from = match pending {
        PendingEdit::Rename { from, .. } => from,
        PendingEdit::Sharing { .. } => uid.clone(),
    };
    match result {
        Ok(edited) => {
            let text = format!(
                "“{}”: {}",
                edited.document.title(),
                edited.describe("renamed")
            );
            document_edited(state, &edited, fx);
            // What stays on the server is worth reading at leisure.
            if edited.previous_file.is_some() {
                state.toast_note(text);
            } else {
                state.toast_info(text);
            }
        }
        Err(error) => {
            // A failure after the update (the sharing not put back) changed it after all.
            state.sharing.forget(&uid);
            details_read_again(state, &uid, fx);
            state.toast_error(format!("Could not rename “{from}”: {error}"));
        }
    }
}

/// `p`: the path prompt for the new file; a link has no file to replace.
pub(super) fn open_replace(state: &mut State) {
    let Some(document) = document_to_edit(state, "Replacing a file") else {
        return;
    };
    let (uid, name) = (document.id.clone(), document.title().to_string());
    if document.external {
        state.toast_info(format!(
            "“{name}” is a link, not a file: there is no file to replace"
        ));
        return;
    }
    state.dialog = Some(Dialog::ReplaceFile(ReplaceForm {
        uid,
        name,
        path: PathField::default(),
        problem: None,
        checking: None,
    }));
}

pub(super) fn replace_key(
    state: &mut State,
    mut form: ReplaceForm,
    key: KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    // Any key may change the path: a check still in flight is about an older one.
    form.checking = None;
    match form_action(state, &key) {
        Some(Action::Close) => return None,
        Some(Action::Complete) => path_tab(state, &mut form.path, fx),
        Some(Action::Accept) => {
            let path = form.path.input.value().trim().to_string();
            if path.is_empty() {
                form.problem = Some("type the path of the new file (Tab completes)".into());
            } else {
                // The file is checked on disk as an upload's is before anything is sent.
                let req = state.next_req();
                form.checking = Some(req);
                fx.push(Effect::CheckUpload {
                    req,
                    path: PathBuf::from(path),
                    domain: Domain::Document,
                });
            }
        }
        _ => {
            if edit_path(&mut form.path, key) {
                form.problem = None;
            }
        }
    }
    Some(Dialog::ReplaceFile(form))
}

/// The new file passed the upload checks: the replace starts as a transfer row; else the
/// prompt stays open with the reason.
pub(super) fn replace_checked(
    state: &mut State,
    mut form: ReplaceForm,
    result: Result<(), Error>,
    fx: &mut Vec<Effect>,
) {
    form.checking = None;
    if let Err(problem) = result {
        form.problem = Some(problem.to_string());
        state.dialog = Some(Dialog::ReplaceFile(form));
        return;
    }
    let path = PathBuf::from(form.path.input.value().trim());
    let job = TransferJob::ReplaceFile {
        uid: form.uid,
        path,
    };
    start_transfer(state, form.name, job, fx);
}

/// The path is a directory: one file goes behind a document.
pub(super) fn replace_is_directory(mut form: ReplaceForm) -> Dialog {
    form.checking = None;
    form.problem = Some(format!(
        "{} is a directory: choose the one file to put behind “{}”",
        form.path.input.value().trim(),
        form.name
    ));
    Dialog::ReplaceFile(form)
}
