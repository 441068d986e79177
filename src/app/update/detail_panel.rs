//! The details panel: it follows the cursor after a pause and shows the document read in full.
use crate::api::Error;
use crate::app::effect::Effect;
use crate::app::ids::ReqId;
use crate::app::msg::Detail;
use crate::app::sharing::SharingRead;
use crate::app::state::{DETAIL_DEBOUNCE, Pane, State};

use super::resource_reads::wants_fetch;

/// With details open, the panel follows the cursor after a short pause.
pub(super) fn details_follow_cursor(state: &mut State) {
    match state.pane {
        Pane::Documents => {
            if !state.details.open {
                return;
            }
            let uid = state.selected_document().map(|d| d.id.clone());
            if uid != state.details.uid {
                state.details.uid = uid;
                state.details.document = None;
                state.details.error = None;
                state.details.req = None;
                state.details.due = Some(state.now + DETAIL_DEBOUNCE);
            }
        }
        Pane::Resources => {
            state.resources.fetch_due = wants_fetch(state).then_some(state.now + DETAIL_DEBOUNCE);
        }
    }
}

pub(super) fn request_details(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(uid) = state.details.uid.clone() else {
        return;
    };
    let req = state.next_req();
    state.details.req = Some(req);
    fx.push(Effect::FetchDetail {
        req,
        uid: uid.clone(),
    });
    request_sharing(state, &uid, fx);
}

/// Reads a document's sharing unless it is known or being read (a failed read is tried again).
pub(super) fn request_sharing(state: &mut State, uid: &str, fx: &mut Vec<Effect>) {
    if matches!(
        state.sharing.get(uid),
        Some(SharingRead::Read(_) | SharingRead::Reading(_))
    ) {
        return;
    }
    let req = state.next_req();
    state.sharing.start(uid, req);
    fx.push(Effect::FetchSharing {
        req,
        uid: uid.to_string(),
    });
}

/// After an edit of `uid`: what the details show of it is read again, sharing included.
pub(super) fn details_read_again(state: &mut State, uid: &str, fx: &mut Vec<Effect>) {
    if state.details.open
        && state.pane == Pane::Documents
        && state.details.uid.as_deref() == Some(uid)
    {
        request_details(state, fx);
    }
}

pub(super) fn detail_loaded(state: &mut State, req: ReqId, result: Result<Box<Detail>, Error>) {
    if state.details.req != Some(req) {
        return;
    }
    state.details.req = None;
    match result {
        Ok(detail) => {
            let Detail { document, resource } = *detail;
            // Every view of the file resource shows what the details learnt.
            match (resource, document.file_resource_uid()) {
                (Some(Ok(resource)), _) => state.resources.book.record_read(resource),
                (Some(Err(error)), Some(uid)) => {
                    state.resources.book.record_unreadable(uid, error);
                }
                _ => {}
            }
            state.details.document = Some(document);
            state.details.error = None;
        }
        Err(error) => state.details.error = Some(error.to_string()),
    }
}
