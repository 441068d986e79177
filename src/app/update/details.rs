//! The details panel and file resource metadata, fetched after the cursor rests.
use super::*;

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

/// Whether the selected file resource needs a plain read of its own: nothing known yet, or
/// (with details open) only a listed copy, whose status was never checked.
fn wants_fetch(state: &State) -> bool {
    let resources = &state.resources;
    let in_flight = resources.fetching.as_ref().map(|(_, uid)| uid);
    state.selected_resource().is_some_and(|row| {
        in_flight != Some(&row.uid)
            && !resources.book.is_read(&row.uid)
            && (resources.book.get(&row.uid).is_none() || state.details.open)
    })
}

pub(super) fn request_details(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(uid) = state.details.uid.clone() else {
        return;
    };
    let req = state.next_req();
    state.details.req = Some(req);
    fx.push(Effect::FetchDetail { req, uid });
}

pub(super) fn request_selected_resource(state: &mut State, fx: &mut Vec<Effect>) {
    if !wants_fetch(state) {
        return;
    }
    let Some(uid) = state.selected_resource().map(|row| row.uid.clone()) else {
        return;
    };
    let req = state.next_req();
    state.resources.fetching = Some((req, uid.clone()));
    fx.push(Effect::FetchResource { req, uid });
}

/// While the pane is shown, rows are read one at a time (never a burst) so the table fills in:
/// before 2.41 the rows arrive without metadata, and are read in list order; from 2.41 the
/// list's rows have everything but a checked storage status (lists say NONE), and the rows
/// on screen are read from the cursor outwards, so a PENDING file shows as one.
pub(super) fn fill_rows(state: &mut State, fx: &mut Vec<Effect>) {
    let resources = &state.resources;
    if state.pane != Pane::Resources || resources.fetching.is_some() {
        return;
    }
    let list = &resources.list;
    let unread = |row: &&ResourceRow| !resources.book.is_read(&row.uid);
    let next = match resources.source {
        ResourceSource::Known => list.items.iter().find(unread),
        ResourceSource::Server => {
            // The screen's height covers every row on it, whichever way the cursor scrolled.
            let reach = usize::from(state.size.1);
            let below = list.items.iter().skip(list.cursor).take(reach);
            let above = list.items[..list.cursor.min(list.items.len())]
                .iter()
                .rev()
                .take(reach);
            below.chain(above).find(unread)
        }
    }
    .map(|row| row.uid.clone());
    if let Some(uid) = next {
        let req = state.next_req();
        state.resources.fetching = Some((req, uid.clone()));
        fx.push(Effect::FetchResource { req, uid });
    }
}

pub(super) fn resource_loaded(
    state: &mut State,
    req: ReqId,
    uid: String,
    result: Result<Box<FileResource>, Error>,
    fx: &mut Vec<Effect>,
) {
    let result = result.map(|boxed| *boxed);
    // The download prompt asked for the server's file name.
    if let Some(Dialog::Download(form)) = &mut state.dialog
        && form.path.req == Some(req)
    {
        form.path.req = None;
        if let Ok(resource) = result {
            if let Some(name) = &resource.name {
                form.path.input =
                    Input::new(default_download_path(&state.settings.download_dir, name));
            }
            state.resources.book.record_read(resource);
        }
        return;
    }
    let looked_up = state
        .resources
        .fetching
        .as_ref()
        .is_some_and(|(r, _)| *r == req);
    if !looked_up {
        return;
    }
    state.resources.fetching = None;
    match result {
        Ok(resource) => {
            let is_lookup = !state.resources.list.items.iter().any(|r| r.uid == uid);
            if is_lookup {
                state.toast_info(format!("Found file resource {uid}"));
                state.resources.known.push(KnownResource {
                    uid: uid.clone(),
                    name: resource.title().to_string(),
                    origin: Origin::LookUp,
                });
                if state.resources.source == ResourceSource::Server {
                    let row = ResourceRow {
                        uid: uid.clone(),
                        name: resource.title().to_string(),
                        origin: Origin::LookUp,
                    };
                    state.resources.list.items.insert(0, row);
                    state.resources.list.cursor = 0;
                }
            }
            state.resources.book.record_read(resource);
            rebuild_known_rows(state);
            if is_lookup
                && let Some(i) = state.resources.list.items.iter().position(|r| r.uid == uid)
            {
                state.resources.list.cursor = i;
            }
        }
        // A row's own read failing belongs in the details; a look-up's in a toast.
        Err(error) if state.resources.list.items.iter().any(|r| r.uid == uid) => {
            state
                .resources
                .book
                .record_unreadable(&uid, error.to_string());
        }
        Err(error) => state.toast_error(format!("File resource {uid}: {error}")),
    }
    fill_rows(state, fx);
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
