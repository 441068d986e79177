//! Server-paged lists: reloads, pages (next, previous, the last for `G`), stale answers,
//! filters, and a deleted document leaving its list.
use crate::api::{Document, Error, FileResource, Page};
use crate::app::effect::Effect;
use crate::app::ids::ReqId;
use crate::app::known_resources::Origin;
use crate::app::state::{FilterState, ListView, Loading, Pane, ResourceRow, ResourceSource, State};

use super::checking::{filter_may_have_changed, problem_rows, sort_documents, view_of};
use super::detail_panel::details_follow_cursor;
use super::resource_reads::{fill_rows, rebuild_known_rows};

pub(super) fn reload(state: &mut State, pane: Pane, fx: &mut Vec<Effect>) {
    if state.server().is_none() {
        return;
    }
    filter_may_have_changed(state, pane, fx);
    // The "problems only" view reloads its own rows, whatever the server list would show.
    if view_of(state, pane).is_some() {
        return problem_rows(state, pane, fx);
    }
    match pane {
        Pane::Documents => {
            state.documents.error = None;
            request_page(state, Pane::Documents, 1, fx);
        }
        Pane::Resources => match state.resources.source {
            ResourceSource::Server => {
                state.resources.list.error = None;
                request_page(state, Pane::Resources, 1, fx);
            }
            ResourceSource::Known => {
                state.resources.list.filter.problem = None;
                rebuild_known_rows(state);
                fill_rows(state, fx);
            }
        },
    }
}

/// The next page when the cursor nears the end, or the one before the window when it nears
/// the top of a list `G` jumped into.
pub(super) fn fetch_next_page(state: &mut State, fx: &mut Vec<Effect>) {
    let next = match state.pane {
        Pane::Documents => state.documents.page_wanted(),
        Pane::Resources => Some(&state.resources)
            .filter(|resources| resources.source == ResourceSource::Server)
            .and_then(|resources| resources.list.page_wanted()),
    };
    if let Some(page) = next {
        request_page(state, state.pane, page, fx);
    }
}

/// `G`: the real end of the list. When the last page is further than the next one, it is
/// loaded on its own (the pager knows how many pages there are) instead of page after page.
/// Returns false when the last row is already loaded or coming next, so the cursor just moves.
pub(super) fn jump_to_last_page(state: &mut State, fx: &mut Vec<Effect>) -> bool {
    let last = match state.pane {
        Pane::Documents => state.documents.last_page_to_jump_to(),
        Pane::Resources => Some(&state.resources)
            .filter(|resources| resources.source == ResourceSource::Server)
            .and_then(|resources| resources.list.last_page_to_jump_to()),
    };
    let Some(last) = last else {
        return false;
    };
    match state.pane {
        Pane::Documents => state.documents.to_bottom_on_load = true,
        Pane::Resources => state.resources.list.to_bottom_on_load = true,
    }
    request_page(state, state.pane, last, fx);
    true
}

/// Asks the server for one page of a pane's list, marking the list as loading it.
pub(super) fn request_page(state: &mut State, pane: Pane, page: u32, fx: &mut Vec<Effect>) {
    let req = state.next_req();
    let loading = Some(Loading { req, page });
    fx.push(match pane {
        Pane::Documents => {
            state.documents.loading = loading;
            Effect::FetchDocuments {
                req,
                query: state.documents_query(page),
            }
        }
        Pane::Resources => {
            state.resources.list.loading = loading;
            Effect::FetchResources {
                req,
                query: state.resources_query(page),
            }
        }
    });
}

/// Stores a page in a list; `false` if the answer was for an outdated request.
/// A first page replaces the rows and keeps the cursor on the same item when it is still there.
pub(super) fn store_page<T>(
    list: &mut ListView<T>,
    req: ReqId,
    page: u32,
    result: Page<T>,
    id: fn(&T) -> &str,
) -> bool {
    if list.loading.map(|l| l.req) != Some(req) {
        return false;
    }
    list.loading = None;
    list.loaded = true;
    list.error = None;
    list.filter.problem = None;
    let has_next = result.has_next() && !result.items.is_empty();
    let rows_before = result.pager.as_ref().map_or(0, |pager| {
        (page.saturating_sub(1) as usize) * pager.page_size as usize
    });
    if page <= 1 {
        let to_top = std::mem::take(&mut list.to_top_on_load);
        let selected = list
            .select
            .take()
            .or_else(|| list.selected().map(|item| id(item).to_string()))
            .filter(|_| !to_top);
        *list.items_mut() = result.items;
        list.cursor = selected
            .and_then(|uid| list.items.iter().position(|item| id(item) == uid))
            .unwrap_or(0);
        list.first_page = 1;
        list.offset = 0;
        list.next_page = has_next.then_some(page + 1);
    } else if page + 1 == list.first_page {
        // The page before the window: above the rows, the cursor staying on its row.
        let added = result.items.len();
        list.items_mut().splice(0..0, result.items);
        list.cursor += added;
        list.first_page = page;
        list.offset = list.offset.saturating_sub(added);
    } else if Some(page) == list.next_page {
        list.items_mut().extend(result.items);
        list.next_page = has_next.then_some(page + 1);
    } else {
        // A jump (`G`): this page alone, the pages before it loading as the cursor goes up.
        *list.items_mut() = result.items;
        list.first_page = page;
        list.offset = rows_before;
        list.next_page = has_next.then_some(page + 1);
    }
    if std::mem::take(&mut list.to_bottom_on_load) {
        list.cursor = list.items.len().saturating_sub(1);
    }
    list.total = Some(match &result.pager {
        Some(pager) => pager.total,
        None => (list.offset + list.items.len()) as u64,
    });
    list.page_count = result.pager.as_ref().map(|pager| pager.page_count);
    true
}

/// Records a failed page; a bad filter is reported under the filter prompt.
pub(super) fn page_failed<T>(list: &mut ListView<T>, req: ReqId, error: &Error) -> Option<String> {
    if list.loading.map(|l| l.req) != Some(req) {
        return None;
    }
    list.loading = None;
    let text = error.to_string();
    let filter_problem = !list.filter.applied.trim().is_empty()
        && matches!(error.status(), Some(400 | 409))
        || matches!(error, Error::InvalidInput(_));
    if filter_problem {
        // The request was for the applied text: the complaint is about it.
        let applied = list.filter.applied.clone();
        list.filter.complain(&applied, text);
        list.items_mut().clear();
        list.total = Some(0);
        list.next_page = None;
        list.loaded = true;
        None
    } else {
        list.error = Some(text.clone());
        Some(text)
    }
}

pub(super) fn documents_loaded(
    state: &mut State,
    req: ReqId,
    page: u32,
    result: Result<Page<Document>, Error>,
    fx: &mut Vec<Effect>,
) {
    match result {
        Ok(mut result) => {
            if view_of(state, Pane::Documents).is_some() {
                sort_documents(&mut result.items, state.sort);
            }
            let files = unread_files(state, &result.items);
            if !store_page(&mut state.documents, req, page, result, |d| &d.id) {
                return;
            }
            // Not where the file resource list was refused (the pane fell back to Known).
            let listable = state.resources.source == ResourceSource::Server;
            if !files.is_empty() && listable && state.server_lists_resources() {
                fx.push(Effect::FetchDocumentFiles { uids: files });
            }
            if page <= 1 {
                details_follow_cursor(state);
            }
            rebuild_known_rows(state);
            fill_rows(state, fx);
            // A short first page on a tall screen still wants the next one.
            if state.pane == Pane::Documents {
                fetch_next_page(state, fx);
            }
        }
        Err(error) => {
            if let Some(text) = page_failed(&mut state.documents, req, &error) {
                state.toast_error(format!("Could not list documents: {text}"));
            }
        }
    }
}

/// The file resources behind `documents` whose type and size are not known yet.
fn unread_files(state: &State, documents: &[Document]) -> Vec<String> {
    let known = |uid: &str| state.resources.book.get(uid).is_some();
    let mut uids: Vec<String> = documents
        .iter()
        .filter_map(Document::file_resource_uid)
        .filter(|uid| !known(uid))
        .map(str::to_string)
        .collect();
    uids.sort_unstable();
    uids.dedup();
    uids
}

pub(super) fn resources_loaded(
    state: &mut State,
    req: ReqId,
    page: u32,
    result: Result<Page<FileResource>, Error>,
    fx: &mut Vec<Effect>,
) {
    match result {
        Ok(page_of) => {
            let rows = Page {
                items: page_of
                    .items
                    .iter()
                    .map(|resource| ResourceRow {
                        uid: resource.id.clone(),
                        name: resource.title().to_string(),
                        origin: Origin::Server,
                    })
                    .collect(),
                pager: page_of.pager,
            };
            // A stale page teaches nothing either: the book keeps only what the list shows.
            if store_page(&mut state.resources.list, req, page, rows, |r| &r.uid) {
                for resource in page_of.items {
                    state.resources.book.record_listed(resource);
                }
                fill_rows(state, fx);
            }
        }
        // No list on this server, or not for this user: show what d2files knows instead.
        Err(error)
            if state.resources.list.loading.map(|l| l.req) == Some(req)
                && (matches!(error, Error::NotAvailable { .. }) || error.status() == Some(403)) =>
        {
            if error.status() == Some(403) {
                state.toast_info(format!(
                    "The server refused the file resource list ({error}); showing the ones d2files knows"
                ));
            }
            state.resources.list.loading = None;
            state.resources.source = ResourceSource::Known;
            rebuild_known_rows(state);
            fill_rows(state, fx);
        }
        Err(error) => {
            if let Some(text) = page_failed(&mut state.resources.list, req, &error) {
                state.toast_error(format!("Could not list file resources: {text}"));
            }
        }
    }
}

pub(super) fn apply_filter(state: &mut State, pane: Pane, fx: &mut Vec<Effect>) {
    let filter = match pane {
        Pane::Documents => &mut state.documents.filter,
        Pane::Resources => &mut state.resources.list.filter,
    };
    let text = filter.input.value().trim().to_string();
    if let Err(problem) = FilterState::parse(&text) {
        filter.complain(&text, problem);
        return;
    }
    filter.due = None;
    if text == filter.applied {
        return;
    }
    filter.applied = text;
    filter.problem = None;
    reload(state, pane, fx);
}

pub(super) fn deleted(state: &mut State, uid: &str, name: &str, result: Result<(), Error>) {
    match result {
        Ok(()) => {
            state.toast_info(format!("Deleted “{name}”"));
            let list = &mut state.documents;
            if let Some(index) = list.items.iter().position(|d| d.id == uid) {
                list.items_mut().remove(index);
                list.total = list.total.map(|t| t.saturating_sub(1));
                list.move_cursor(0);
            }
            details_follow_cursor(state);
        }
        Err(error) => state.toast_error(format!("Could not delete “{name}”: {error}")),
    }
}
