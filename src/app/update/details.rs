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
                state.details.resource = None;
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

/// Whether the selected file resource needs a read of its own: nothing known yet, or (with
/// details open) the NONE status of a list, which skips the storage check.
fn wants_fetch(state: &State) -> bool {
    let in_flight = state.resources.fetching.as_ref().map(|(_, uid)| uid);
    state
        .selected_resource()
        .is_some_and(|row| match &row.resource {
            _ if in_flight == Some(&row.uid) || state.resources.missing.contains_key(&row.uid) => {
                false
            }
            None => true,
            Some(resource) => {
                state.details.open
                    && resource.storage_status == Some(StorageStatus::None)
                    && !state.resources.fetched.contains_key(&row.uid)
            }
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

/// Before 2.41 the rows arrive without metadata: while the pane is shown they are read one at
/// a time in list order (never a burst), so the table fills in.
pub(super) fn fill_known_rows(state: &mut State, fx: &mut Vec<Effect>) {
    let resources = &state.resources;
    if state.pane != Pane::Resources
        || resources.source != ResourceSource::Known
        || resources.fetching.is_some()
    {
        return;
    }
    let next = resources
        .list
        .items
        .iter()
        .find(|row| row.resource.is_none() && !resources.missing.contains_key(&row.uid))
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
        if let Ok(resource) = &result
            && let Some(name) = &resource.name
        {
            form.path.input = Input::new(default_download_path(&state.settings.download_dir, name));
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
                        resource: Some(resource.clone()),
                    };
                    state.resources.list.items.insert(0, row);
                    state.resources.list.cursor = 0;
                }
            }
            for row in state
                .resources
                .list
                .items
                .iter_mut()
                .filter(|r| r.uid == uid)
            {
                row.name = resource.title().to_string();
                row.resource = Some(resource.clone());
            }
            state.resources.fetched.insert(uid.clone(), resource);
            rebuild_known_rows(state);
            if is_lookup
                && let Some(i) = state.resources.list.items.iter().position(|r| r.uid == uid)
            {
                state.resources.list.cursor = i;
            }
        }
        // A row's own read failing belongs in the details; a look-up's in a toast.
        Err(error) if state.resources.list.items.iter().any(|r| r.uid == uid) => {
            state.resources.missing.insert(uid, error.to_string());
        }
        Err(error) => state.toast_error(format!("File resource {uid}: {error}")),
    }
    fill_known_rows(state, fx);
}

pub(super) fn detail_loaded(state: &mut State, req: ReqId, result: Result<Box<Detail>, Error>) {
    if state.details.req != Some(req) {
        return;
    }
    state.details.req = None;
    match result {
        Ok(detail) => {
            let Detail { document, resource } = *detail;
            // The size column of the list shows what the details learnt.
            if let Some(Ok(resource)) = &resource {
                state
                    .resources
                    .fetched
                    .insert(resource.id.clone(), resource.clone());
            }
            state.details.document = Some(document);
            state.details.resource = resource;
            state.details.error = None;
        }
        Err(error) => state.details.error = Some(error.to_string()),
    }
}
