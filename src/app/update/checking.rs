//! The integrity check from the list: `c` starts it in the runner over the Documents filter,
//! its progress and report come back as messages, a new filter or `Esc` stops it, and the
//! "problems only" view of each pane shows the rows the last report found a problem with.
use std::cmp::Ordering;

use crate::api::{Document, Error};
use crate::app::check::{CheckResult, RunningCheck};
use crate::app::effect::Effect;
use crate::app::ids::ReqId;
use crate::app::keymap::{Action, Context};
use crate::app::known_resources::Origin;
use crate::app::state::{Loading, Pane, ResourceRow, Sort, State};
use crate::ops::check::{CheckProgress, Report};

use super::resource_reads::fill_rows;

/// `c`: checks the documents the Documents filter picks (all of them, and the orphans, when
/// there is none), unless a check is running already.
pub(super) fn start_check(state: &mut State, fx: &mut Vec<Effect>) {
    let keys = &state.settings.keymap;
    if state.pane != Pane::Documents {
        let text = format!(
            "The check runs from the Documents pane, over its filter ({} there); with no \
             filter it also finds the orphan file resources shown here",
            keys.hint(Context::List, Action::Documents)
        );
        state.toast_info(text);
        return;
    }
    if state.server().is_none() {
        return;
    }
    if let Some(progress) = state.check.progress_text() {
        let text = format!(
            "A check is running already ({progress}); {} stops it",
            keys.hint(Context::List, Action::Dismiss)
        );
        state.toast_info(text);
        return;
    }
    let req = state.next_req();
    let scope = state.documents.filter.applied.trim().to_string();
    state.check.running = Some(RunningCheck {
        req,
        scope,
        progress: None,
    });
    fx.push(Effect::StartCheck {
        req,
        query: state.documents_query(1),
    });
}

/// Stops the running check, saying why.
pub(super) fn stop_check(state: &mut State, why: String, fx: &mut Vec<Effect>) {
    if state.check.running.take().is_some() {
        fx.push(Effect::CancelCheck);
        state.toast_info(why);
    }
}

/// How a check's scope reads: "every document" or "the documents matching “F”".
fn scope_words(scope: &str) -> String {
    if scope.is_empty() {
        "every document".to_string()
    } else {
        format!("the documents matching “{scope}”")
    }
}

pub(super) fn check_progress(state: &mut State, req: ReqId, progress: CheckProgress) {
    if let Some(running) = state.check.running.as_mut()
        && running.req == req
    {
        running.progress = Some(progress);
    }
}

/// The report: indexed by uid for the rows' marks and the details, summed up in a toast that
/// stays, and the open "problems only" views made again from it. An answer to a check that
/// was stopped or replaced is dropped; a check made for another filter than the list's was
/// stopped when the filter changed (every change reloads the list, see
/// [`filter_may_have_changed`]), so its answer is one of those.
pub(super) fn checked(
    state: &mut State,
    req: ReqId,
    result: Result<Box<Report>, Error>,
    fx: &mut Vec<Effect>,
) {
    let Some(running) = state.check.running.take_if(|running| running.req == req) else {
        return;
    };
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            state.toast_error(format!("The check could not run: {error}"));
            return;
        }
    };
    let result = CheckResult::new(*report, running.scope);
    let mut text = result.summary();
    if result.problems() > 0 {
        let key = state.settings.keymap.hint(Context::List, Action::Problems);
        if !key.is_empty() {
            text.push_str(&format!(" ({key} shows only them)"));
        }
    }
    for note in &result.notes {
        text.push_str(&format!(". Note: {note}"));
    }
    state.check.result = Some(result);
    state.toast_note(text);
    for pane in [Pane::Documents, Pane::Resources] {
        if view_of(state, pane).is_some() {
            problem_rows(state, pane, fx);
        }
    }
}

/// The filter a pane's "problems only" view was opened under, if it is open.
pub(super) fn view_of(state: &State, pane: Pane) -> Option<&String> {
    match pane {
        Pane::Documents => state.check.documents_view.as_ref(),
        Pane::Resources => state.check.resources_view.as_ref(),
    }
}

/// What a pane's server list is filtered by: the text, and for file resources the domain.
/// A view opened under one filter ends when the filter becomes another.
pub(super) fn view_key(state: &State, pane: Pane) -> String {
    match pane {
        Pane::Documents => state.documents.filter.applied.trim().to_string(),
        Pane::Resources => format!(
            "{}\u{0}{}",
            state.resources.list.filter.applied.trim(),
            state.resources.domain.as_ref().map_or("", |d| d.as_str())
        ),
    }
}

/// Before a pane reloads: a new filter ends its "problems only" view, and a new Documents
/// filter stops a check made for the old one (its result would be dropped anyway).
pub(super) fn filter_may_have_changed(state: &mut State, pane: Pane, fx: &mut Vec<Effect>) {
    let key = view_key(state, pane);
    let view = match pane {
        Pane::Documents => &mut state.check.documents_view,
        Pane::Resources => &mut state.check.resources_view,
    };
    if view.as_ref().is_some_and(|opened| *opened != key) {
        *view = None;
    }
    if pane == Pane::Documents
        && let Some(running) = &state.check.running
        && running.scope != key
    {
        let why = format!(
            "The filter changed, so the check of {} stopped; {} checks the list as it is now",
            scope_words(&running.scope),
            state.settings.keymap.hint(Context::List, Action::Check)
        );
        stop_check(state, why, fx);
    }
}

/// `!`: opens the pane's "problems only" view, if the last check found problems there. (It
/// is closed by the list, which loads its rows again.)
pub(super) fn open_problems_view(state: &mut State, fx: &mut Vec<Effect>) {
    let pane = state.pane;
    let Some(result) = &state.check.result else {
        let text = match state.check.progress_text() {
            Some(progress) => format!("No check has ended yet ({progress})"),
            None => format!(
                "No check yet: {} in the Documents pane checks the documents its filter shows",
                state.settings.keymap.hint(Context::List, Action::Check)
            ),
        };
        state.toast_info(text);
        return;
    };
    let none = match pane {
        Pane::Documents => result
            .document_problems
            .is_empty()
            .then(|| "The last check found no problem with any document".to_string()),
        Pane::Resources if result.resources_checked == 0 => Some(
            "The last check listed no file resources: orphans are looked for on DHIS2 2.41+, \
             when the Documents pane has no filter"
                .to_string(),
        ),
        Pane::Resources => result
            .resource_problems
            .is_empty()
            .then(|| "The last check found no orphan file resources".to_string()),
    };
    if let Some(text) = none {
        state.toast_info(text);
        return;
    }
    let key = view_key(state, pane);
    match pane {
        Pane::Documents => {
            state.check.documents_view = Some(key);
            state.documents.to_top_on_load = true;
        }
        Pane::Resources => {
            state.check.resources_view = Some(key);
            state.resources.list.to_top_on_load = true;
        }
    }
    problem_rows(state, pane, fx);
}

/// The rows of a pane's "problems only" view: the problem documents read again by uid (they
/// may have changed since, or be gone), or the problem file resources from the report (their
/// metadata is read as for any row).
pub(super) fn problem_rows(state: &mut State, pane: Pane, fx: &mut Vec<Effect>) {
    let Some(result) = &state.check.result else {
        return;
    };
    match pane {
        Pane::Documents => {
            let uids = result.document_problems.clone();
            if uids.is_empty() {
                let list = &mut state.documents;
                list.items_mut().clear();
                list.loading = None;
                list.loaded = true;
                list.total = Some(0);
                list.next_page = None;
                list.cursor = 0;
                return;
            }
            let req = state.next_req();
            state.documents.loading = Some(Loading { req, page: 1 });
            fx.push(Effect::FetchDocumentsById { req, uids });
        }
        Pane::Resources => {
            let rows: Vec<ResourceRow> = result
                .resource_problems
                .iter()
                .map(|problem| ResourceRow {
                    uid: problem.uid.clone(),
                    name: problem.name.clone(),
                    origin: Origin::Server,
                })
                .collect();
            let list = &mut state.resources.list;
            let to_top = std::mem::take(&mut list.to_top_on_load);
            let selected = list.selected().map(|r| r.uid.clone()).filter(|_| !to_top);
            // A page asked for before the view opened must not replace its rows.
            list.loading = None;
            list.error = None;
            list.total = Some(rows.len() as u64);
            *list.items_mut() = rows;
            list.next_page = None;
            list.first_page = 1;
            list.offset = 0;
            list.page_count = None;
            list.loaded = true;
            list.cursor = selected
                .and_then(|uid| list.items.iter().position(|r| r.uid == uid))
                .unwrap_or(0);
            fill_rows(state, fx);
        }
    }
}

/// The problem documents in the list's sort order (they come in batches of a hundred, each
/// in the server's order).
pub(super) fn sort_documents(documents: &mut [Document], sort: Sort) {
    let by_name = |a: &Document, b: &Document| {
        a.title()
            .to_lowercase()
            .cmp(&b.title().to_lowercase())
            .then_with(|| a.id.cmp(&b.id))
    };
    let by_date = |a: &Document, b: &Document| -> Ordering {
        a.last_updated
            .cmp(&b.last_updated)
            .then_with(|| a.id.cmp(&b.id))
    };
    match sort {
        Sort::NameAsc => documents.sort_by(by_name),
        Sort::NameDesc => documents.sort_by(|a, b| by_name(b, a)),
        Sort::UpdatedAsc => documents.sort_by(by_date),
        Sort::UpdatedDesc => documents.sort_by(|a, b| by_date(b, a)),
    }
}
