//! The file resources pane's rows and their reads: the known rows before 2.41, one plain read
//! at a time to fill in metadata and statuses, and the answers to those reads.
use std::collections::HashSet;

use tui_input::Input;

use crate::api::{Error, FileResource};
use crate::app::effect::Effect;
use crate::app::ids::ReqId;
use crate::app::known_resources::{KnownResource, Origin};
use crate::app::paths::default_download_path;
use crate::app::state::{Dialog, FilterState, Pane, ResourceRow, ResourceSource, State};

/// Before 2.41 the pane lists what we know of: documents' files, own uploads and look-ups,
/// filtered by name on this side (there is no server list to filter).
pub(super) fn rebuild_known_rows(state: &mut State) {
    // The "problems only" view keeps the check's rows.
    if state.resources.source != ResourceSource::Known || state.check.resources_view.is_some() {
        return;
    }
    let mut rows: Vec<ResourceRow> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let from_documents = state.documents.items.iter().filter_map(|d| {
        d.file_resource_uid().map(|uid| KnownResource {
            uid: uid.to_string(),
            name: d.title().to_string(),
            origin: Origin::Document,
        })
    });
    let known = state.resources.known.iter().rev().cloned();
    for entry in known.chain(from_documents) {
        if !seen.insert(entry.uid.clone()) {
            continue;
        }
        rows.push(ResourceRow {
            uid: entry.uid,
            name: entry.name,
            origin: entry.origin,
        });
    }
    let applied = state.resources.list.filter.applied.trim().to_string();
    if let Ok(Some(filter)) = FilterState::parse(&applied) {
        let resources = &state.resources;
        let value_of = |row: &ResourceRow, property: &str| {
            let resource = resources.book.get(&row.uid);
            match property {
                "name" => Some(resources.row_name(row).to_string()),
                "id" => Some(row.uid.clone()),
                "domain" => resource
                    .and_then(|r| r.domain.as_ref())
                    .map(|d| d.to_string()),
                _ => resource.and_then(|r| r.content_type.clone()),
            }
        };
        // A pasted uid finds its row too.
        let is_uid = |row: &ResourceRow| row.uid.eq_ignore_ascii_case(&applied);
        let mut refusal = None;
        rows.retain(
            |row| match crate::app::local_filter::matches(&filter, |p| value_of(row, p)) {
                Ok(matched) => matched || is_uid(row),
                Err(why) => {
                    refusal = Some(why);
                    false
                }
            },
        );
        if let Some(why) = refusal {
            state.resources.list.filter.complain(&applied, why);
        }
    }
    let list = &mut state.resources.list;
    let to_top = std::mem::take(&mut list.to_top_on_load);
    let selected = list.selected().map(|r| r.uid.clone()).filter(|_| !to_top);
    list.total = Some(rows.len() as u64);
    *list.items_mut() = rows;
    list.next_page = None;
    list.loaded = true;
    list.cursor = selected
        .and_then(|uid| list.items.iter().position(|r| r.uid == uid))
        .unwrap_or(0);
    list.move_cursor(0);
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

/// Whether the selected file resource needs a plain read of its own: nothing known yet, or
/// (with details open) only a listed copy, whose status was never checked.
pub(super) fn wants_fetch(state: &State) -> bool {
    let resources = &state.resources;
    let in_flight = resources.fetching.as_ref().map(|(_, uid)| uid);
    state.selected_resource().is_some_and(|row| {
        in_flight != Some(&row.uid)
            && !resources.book.is_read(&row.uid)
            && (resources.book.get(&row.uid).is_none() || state.details.open)
    })
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
                    state.resources.list.items_mut().insert(0, row);
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
