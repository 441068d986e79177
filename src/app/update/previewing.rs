//! The preview pane: `p` opens and closes it; it follows the cursor, reading the file under it
//! once the cursor rests there (`PREVIEW_DEBOUNCE`), from the cache when it was read before;
//! a read the cursor left is cancelled.
use std::sync::Arc;

use crate::api::Error;
use crate::app::effect::Effect;
use crate::app::ids::ReqId;
use crate::app::msg::PreviewRead;
use crate::app::preview::{PREVIEW_DEBOUNCE, Subject};
use crate::app::state::{Pane, State};

/// `p`: opens the pane on the row under the cursor (read at once), or closes it.
pub(super) fn toggle(state: &mut State, fx: &mut Vec<Effect>) {
    let pane = &mut state.preview;
    pane.open = !pane.open;
    pane.subject = None;
    pane.due = None;
    if pane.req.take().is_some() {
        fx.push(Effect::CancelPreview);
    }
    if state.preview.open {
        follow_cursor(state, fx);
        if state.preview.due.take().is_some() {
            read(state, fx);
        }
    }
}

/// The row under the cursor, as a preview sees it.
fn subject_now(state: &State) -> Option<Subject> {
    match state.pane {
        Pane::Documents => {
            let document = state.selected_document()?;
            Some(match (&document.url, document.external) {
                (Some(url), true) => Subject::Link(url.clone()),
                _ => document
                    .file_resource_uid()
                    .map_or(Subject::NoFile, |uid| Subject::File(uid.to_string())),
            })
        }
        Pane::Resources => Some(Subject::File(state.selected_resource()?.uid.clone())),
    }
}

/// After every message: when the row under the cursor changed, the read of the old one
/// stops, and the new one's is due after the debounce unless it is cached.
pub(super) fn follow_cursor(state: &mut State, fx: &mut Vec<Effect>) {
    if !state.preview.open {
        return;
    }
    let subject = subject_now(state);
    let pane = &mut state.preview;
    if subject == pane.subject {
        return;
    }
    state.dirty = true;
    if pane.req.take().is_some() {
        fx.push(Effect::CancelPreview);
    }
    pane.failed = None;
    pane.due = match &subject {
        Some(Subject::File(uid)) if !pane.touch(uid) => Some(state.now + PREVIEW_DEBOUNCE),
        _ => None,
    };
    pane.subject = subject;
}

/// On a tick: the read that is due.
pub(super) fn read_if_due(state: &mut State, fx: &mut Vec<Effect>) {
    if state.preview.due.is_some_and(|due| due <= state.now) {
        state.preview.due = None;
        read(state, fx);
        state.dirty = true;
    }
}

fn read(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(Subject::File(uid)) = state.preview.subject.clone() else {
        return;
    };
    let req = state.next_req();
    state.preview.req = Some(req);
    fx.push(Effect::FetchPreview {
        req,
        uid,
        limits: state.preview.limits,
    });
}

/// A read's answer: the preview is kept (also when the cursor has moved on, for coming back);
/// a failure shows while the cursor stays, and is tried again when it comes back.
pub(super) fn preview_loaded(
    state: &mut State,
    req: ReqId,
    uid: String,
    result: Result<Box<PreviewRead>, Error>,
) {
    let awaited = state.preview.req == Some(req);
    if awaited {
        state.preview.req = None;
    }
    match result {
        Ok(read) => {
            let PreviewRead { resource, preview } = *read;
            state.resources.book.record_read(resource);
            state.preview.remember(uid, Arc::new(preview));
        }
        Err(error) if awaited => state.preview.failed = Some(error.to_string()),
        Err(_) => {}
    }
}
