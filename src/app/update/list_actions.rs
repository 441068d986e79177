//! What the list's keys do: moving, panes, sorting, the forms they open, downloads, opening.
use tui_input::Input;

use crate::api::Domain;
use crate::app::effect::Effect;
use crate::app::keymap::{Action, Context};
use crate::app::paths::default_download_path;
use crate::app::state::{
    Confirm, Dialog, DownloadForm, DownloadSource, LinkChoice, LinkForm, ListView, Pane, PathField,
    Pending, ResourceSource, State, UploadFocus, UploadForm,
};
use crate::app::transfer_job::TransferJob;

use super::batches::{bulk_download_prompt, documents, plan_bulk_delete};
use super::checking::{open_problems_view, start_check, stop_check, view_of};
use super::copy_to::copy_to_profile;
use super::detail_panel::{details_follow_cursor, request_details};
use super::dialogs::open_link;
use super::editing::{open_rename, open_replace};
use super::list_paging::{fetch_next_page, jump_to_last_page, reload, request_page};
use super::resource_reads::{fill_rows, request_selected_resource};
use super::sharing_edit::open_editor;

pub(super) fn move_in_pane(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    if action == Action::Bottom && jump_to_last_page(state, fx) {
        return;
    }
    if action == Action::Top && window_starts_late(state) {
        // The first rows are not loaded (`G` jumped past them): the list from its start.
        match state.pane {
            Pane::Documents => state.documents.to_top_on_load = true,
            Pane::Resources => state.resources.list.to_top_on_load = true,
        }
        request_page(state, state.pane, 1, fx);
        return;
    }
    let rows = state.page_rows();
    let (cursor, len) = match state.pane {
        Pane::Documents => (&mut state.documents.cursor, state.documents.items.len()),
        Pane::Resources => (
            &mut state.resources.list.cursor,
            state.resources.list.items.len(),
        ),
    };
    let last = len.saturating_sub(1);
    *cursor = match action {
        Action::Down => (*cursor + 1).min(last),
        Action::Up => cursor.saturating_sub(1),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageDown => (*cursor + rows).min(last),
        Action::PageUp => cursor.saturating_sub(rows),
        _ => *cursor,
    };
    cursor_moved(state, fx);
}

/// Whether the pane's rows start after its first page.
fn window_starts_late(state: &State) -> bool {
    match state.pane {
        Pane::Documents => state.documents.first_page > 1,
        Pane::Resources => state.resources.list.first_page > 1,
    }
}

/// After the cursor moved: the next page when near the end, the details after it.
pub(super) fn cursor_moved(state: &mut State, fx: &mut Vec<Effect>) {
    fetch_next_page(state, fx);
    fill_rows(state, fx);
    details_follow_cursor(state);
}

/// Space, Ctrl-a, v: the row under the cursor, every loaded row, or the loaded rows inverted.
fn mark(state: &mut State, action: Action) {
    fn apply<T>(list: &mut ListView<T>, action: Action, uid: fn(&T) -> &str) {
        let loaded: Vec<String> = list
            .items
            .iter()
            .map(|item| uid(item).to_string())
            .collect();
        match action {
            Action::Mark => {
                if let Some(item) = list.selected() {
                    let uid = uid(item).to_string();
                    list.toggle_mark(&uid);
                }
            }
            Action::MarkAll => list.marks.extend(loaded),
            _ => loaded.iter().for_each(|uid| list.toggle_mark(uid)),
        }
    }
    match state.pane {
        Pane::Documents => apply(&mut state.documents, action, |d| &d.id),
        Pane::Resources => apply(&mut state.resources.list, action, |r| &r.uid),
    }
}

/// Esc with marks: they go first (before the filter). Returns whether there were any.
fn clear_marks(state: &mut State) -> bool {
    let marks = match state.pane {
        Pane::Documents => &mut state.documents.marks,
        Pane::Resources => &mut state.resources.list.marks,
    };
    marks.clear()
}

pub(super) fn list_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Down
        | Action::Up
        | Action::Top
        | Action::Bottom
        | Action::PageDown
        | Action::PageUp => move_in_pane(state, action, fx),
        Action::Mark | Action::MarkAll | Action::InvertMarks => {
            mark(state, action);
            if action == Action::Mark {
                move_in_pane(state, Action::Down, fx);
            }
        }
        Action::NextPane => {
            let pane = match state.pane {
                Pane::Documents => Pane::Resources,
                Pane::Resources => Pane::Documents,
            };
            switch_pane(state, pane, fx);
        }
        Action::Documents => switch_pane(state, Pane::Documents, fx),
        Action::Resources => switch_pane(state, Pane::Resources, fx),
        Action::Details => {
            state.details.open = !state.details.open;
            if state.details.open {
                state.details.uid = None;
                details_follow_cursor(state);
                state.details.due = None;
                if state.pane == Pane::Documents {
                    request_details(state, fx);
                } else {
                    state.resources.fetch_due = None;
                    request_selected_resource(state, fx);
                }
            }
        }
        Action::Filter => {
            let filter = state.filter_mut();
            filter.editing = true;
            filter.input = Input::new(filter.applied.clone());
            filter.replace_on_type = !filter.applied.is_empty();
        }
        Action::Domain
            if state.pane == Pane::Resources
                && state.resources.source == ResourceSource::Server =>
        {
            state.resources.domain = next_domain(state.resources.domain.as_ref());
            reload(state, Pane::Resources, fx);
        }
        Action::Sort => {
            state.sort = state.sort.next();
            // A new order starts at its top, not on the row the old order had selected.
            state.documents.to_top_on_load = true;
            state.resources.list.to_top_on_load = true;
            reload(state, Pane::Documents, fx);
            if state.resources.list.loaded || state.pane == Pane::Resources {
                reload(state, Pane::Resources, fx);
            }
        }
        Action::Refresh => {
            // Asked for fresh: statuses change (PENDING becomes STORED, a blob is lost).
            state.resources.book.forget_reads();
            state.sharing.forget_all();
            reload(state, state.pane, fx);
        }
        Action::AddLink => state.dialog = Some(Dialog::AddLink(LinkForm::default())),
        Action::Upload => {
            state.dialog = Some(Dialog::Upload(UploadForm {
                path: PathField::default(),
                name: Input::default(),
                name_edited: false,
                domain: (state.pane == Pane::Resources).then_some(Domain::Document),
                focus: UploadFocus::Path,
                problem: None,
                checking: None,
            }))
        }
        Action::Download if state.pane == Pane::Documents && !state.documents.marks.is_empty() => {
            bulk_download_prompt(state)
        }
        Action::Download => start_download_prompt(state, fx),
        Action::Delete if state.pane == Pane::Documents && !state.documents.marks.is_empty() => {
            plan_bulk_delete(state, fx)
        }
        Action::MarkMatching => mark_matching(state),
        Action::Rename => open_rename(state),
        Action::ReplaceFile => open_replace(state),
        Action::Preview => super::previewing::toggle(state, fx),
        Action::Sharing => open_editor(state, fx),
        Action::CopyTo => copy_to_profile(state, fx),
        Action::Check => start_check(state, fx),
        Action::Problems => {
            if view_of(state, state.pane).is_some() {
                close_problems_view(state, fx);
            } else {
                open_problems_view(state, fx);
            }
        }
        Action::Delete => match state.pane {
            Pane::Documents => {
                if let Some(document) = state.selected_document() {
                    let name = document.title().to_string();
                    state.dialog = Some(Dialog::Confirm(Confirm {
                        title: "Delete document".into(),
                        message: format!("Delete “{name}” from the server? This cannot be undone."),
                        yes: false,
                        pending: Pending::Delete {
                            uid: document.id.clone(),
                            name,
                        },
                    }));
                }
            }
            Pane::Resources => state.toast_info(
                "DHIS2 has no delete for file resources: delete the document that uses it",
            ),
        },
        Action::LookUp if state.pane == Pane::Resources => {
            state.dialog = Some(Dialog::LookUp {
                input: Input::default(),
                problem: None,
            });
        }
        Action::CopyId => {
            let id = match state.pane {
                Pane::Documents => state.selected_document().map(|d| d.id.clone()),
                Pane::Resources => state.selected_resource().map(|r| r.uid.clone()),
            };
            if let Some(id) = id {
                state.toast_info(format!("Copied {id}"));
                fx.push(Effect::Copy(id));
            }
        }
        Action::Open => open_selected(state, fx),
        Action::Transfers => state.show_transfers = !state.show_transfers,
        Action::Dismiss => {
            // One thing at a time, the most recent kind first: messages, panels, the running
            // check, marks, the "problems only" view, filter.
            if !state.toasts.is_empty() {
                state.toasts.clear();
            } else if state.show_transfers {
                state.show_transfers = false;
            } else if state.details.open {
                state.details.open = false;
            } else if state.check.running.is_some() {
                let why = "Check stopped (it only reads: nothing is left half done)";
                stop_check(state, why.to_string(), fx);
            } else if !clear_marks(state) {
                if view_of(state, state.pane).is_some() {
                    close_problems_view(state, fx);
                } else if !state.filter().applied.is_empty() {
                    let pane = state.pane;
                    let filter = state.filter_mut();
                    filter.applied.clear();
                    filter.problem = None;
                    reload(state, pane, fx);
                }
            }
        }
        Action::Help => state.help = Some(0),
        Action::Quit => {
            // A delete batch has no rows: its steps still to end count.
            let deleting: usize = state
                .batches
                .running()
                .filter(|batch| batch.kind == crate::app::batch::BatchKind::Delete)
                .map(|batch| batch.acting - batch.ended)
                .sum();
            let running = state.transfers.active().count() + deleting;
            if running == 0 {
                fx.push(Effect::Quit);
            } else {
                state.dialog = Some(Dialog::Confirm(Confirm {
                    title: "Quit".into(),
                    message: format!(
                        "{running} transfer{} still running. Quit and cancel {}?",
                        if running == 1 { " is" } else { "s are" },
                        if running == 1 { "it" } else { "them" }
                    ),
                    yes: false,
                    pending: Pending::Quit,
                }));
            }
        }
        _ => {}
    }
}

/// The "problems only" view closes: the pane's list as its filter has it, again.
fn close_problems_view(state: &mut State, fx: &mut Vec<Effect>) {
    match state.pane {
        Pane::Documents => state.check.documents_view = None,
        Pane::Resources => state.check.resources_view = None,
    }
    reload(state, state.pane, fx);
}

/// "All that match": asks before marking every document the server's filter matches, loaded
/// or not (the count is the pager's). In the "problems only" view every row is loaded, and
/// they are what it marks.
fn mark_matching(state: &mut State) {
    if state.pane != Pane::Documents {
        state.toast_info("Marking all that match works in the Documents pane");
        return;
    }
    if view_of(state, Pane::Documents).is_some() {
        let uids: Vec<String> = state.documents.items.iter().map(|d| d.id.clone()).collect();
        let text = format!("Marked the {} with problems", documents(uids.len()));
        state.documents.marks.extend(uids);
        state.toast_info(text);
        return;
    }
    let count = state.documents.total.unwrap_or(0);
    if count == 0 {
        state.toast_info("No documents to mark");
        return;
    }
    let filter = state.documents.filter.applied.trim();
    let matching = if filter.is_empty() {
        "on the server".to_string()
    } else {
        format!("that match “{filter}”")
    };
    let count_text = documents(usize::try_from(count).unwrap_or(usize::MAX));
    state.dialog = Some(Dialog::Confirm(Confirm {
        title: "Mark all that match".into(),
        message: format!("Mark all {count_text} {matching}?"),
        // Marking changes nothing on the server.
        yes: true,
        pending: Pending::MarkMatching {
            query: state.documents_query(1),
        },
    }));
}

pub(super) fn next_domain(current: Option<&Domain>) -> Option<Domain> {
    let known = &Domain::KNOWN;
    match current.and_then(|d| known.iter().position(|k| k == d)) {
        None => known.first().cloned(),
        Some(i) => known.get(i + 1).cloned(),
    }
}

pub(super) fn switch_pane(state: &mut State, pane: Pane, fx: &mut Vec<Effect>) {
    if state.pane == pane {
        return;
    }
    state.pane = pane;
    if pane == Pane::Resources
        && !state.resources.list.loaded
        && state.resources.list.loading.is_none()
    {
        reload(state, Pane::Resources, fx);
    }
    fill_rows(state, fx);
    details_follow_cursor(state);
}

/// `o`: an external link opens in the browser; a file opens once it has been downloaded.
pub(super) fn open_selected(state: &mut State, fx: &mut Vec<Effect>) {
    let uid = match state.pane {
        Pane::Documents => {
            let Some(document) = state.selected_document() else {
                return;
            };
            if document.external {
                if let Some(url) = document.url.clone() {
                    open_link(state, url, fx);
                }
                return;
            }
            document.id.clone()
        }
        Pane::Resources => match state.selected_resource() {
            Some(row) => row.uid.clone(),
            None => return,
        },
    };
    let saved = state
        .transfers
        .items
        .iter()
        .rev()
        .find_map(|t| match &t.job {
            TransferJob::DownloadDocument { uid: u, .. }
            | TransferJob::DownloadResource { uid: u, .. }
                if *u == uid =>
            {
                t.saved.clone()
            }
            _ => None,
        });
    match saved {
        Some(path) => fx.push(Effect::Open(path.display().to_string())),
        None => {
            let keys = &state.settings.keymap;
            let text = format!(
                "Download it first ({}), then {} opens the file",
                keys.hint(Context::List, Action::Download),
                keys.hint(Context::List, Action::Open)
            );
            state.toast_info(text);
        }
    }
}

pub(super) fn start_download_prompt(state: &mut State, fx: &mut Vec<Effect>) {
    let (source, resource_uid, known_name) = match state.pane {
        Pane::Documents => {
            let Some(document) = state.selected_document() else {
                return;
            };
            if document.external {
                state.dialog = Some(Dialog::Link(LinkChoice {
                    name: document.title().to_string(),
                    url: document.url.clone().unwrap_or_default(),
                    choice: 0,
                }));
                return;
            }
            // The list or the details may have its name already: no request for it then.
            let fr_name = document
                .file_resource_uid()
                .and_then(|uid| state.resources.book.get(uid))
                .and_then(|r| r.name.clone());
            (
                DownloadSource::Document {
                    uid: document.id.clone(),
                    name: document.title().to_string(),
                },
                document.file_resource_uid().map(str::to_string),
                fr_name,
            )
        }
        Pane::Resources => {
            let Some(row) = state.selected_resource() else {
                return;
            };
            (
                DownloadSource::Resource {
                    uid: row.uid.clone(),
                    name: row.name.clone(),
                },
                None,
                Some(state.resources.row_name(row).to_string()),
            )
        }
    };
    let mut path = PathField::default();
    let name = known_name
        .clone()
        .unwrap_or_else(|| source.label().to_string());
    path.input = Input::new(default_download_path(&state.settings.download_dir, &name));
    if known_name.is_none()
        && let Some(uid) = resource_uid
    {
        let req = state.next_req();
        path.req = Some(req);
        fx.push(Effect::FetchResource { req, uid });
    }
    state.dialog = Some(Dialog::Download(DownloadForm {
        source,
        path,
        problem: None,
    }));
}
