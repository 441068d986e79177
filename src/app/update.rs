//! The pure heart of the TUI: `update(&mut State, Msg) -> Vec<Effect>`. No I/O, no clock reads,
//! no spawning: time arrives in `Msg::Tick`, answers arrive as messages.
use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::filename::sanitize_file_name;
use crate::api::{
    Document, Domain, Error, FileResource, Page, ServerInfo, check_external_url, is_valid_uid,
};
use crate::app::effect::{Effect, ReqId, TransferJob, TransferOutcome};
use crate::app::keymap::{Action, Context};
use crate::app::msg::{Completion, Detail, Msg};
use crate::app::state::*;
use crate::app::transfers::TransferState;

/// What the TUI does first.
pub fn init() -> Vec<Effect> {
    vec![Effect::Connect, Effect::LoadKnownResources]
}

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    if let Msg::Tick(now) = msg {
        tick(state, now, &mut fx);
        return fx;
    }
    state.dirty = true;
    match msg {
        Msg::Tick(_) => {}
        Msg::Key(key) => on_key(state, key, &mut fx),
        Msg::Resize(width, height) => state.size = (width, height),
        Msg::Connected(result) => connected(state, result, &mut fx),
        Msg::DocumentsLoaded { req, page, result } => {
            documents_loaded(state, req, page, result, &mut fx)
        }
        Msg::ResourcesLoaded { req, page, result } => resources_loaded(state, req, page, result),
        Msg::DetailLoaded { req, result } => {
            if state.details.req != Some(req) {
                return fx;
            }
            state.details.req = None;
            match result {
                Ok(detail) => {
                    let Detail { document, resource } = *detail;
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
        Msg::ResourceLoaded { req, uid, result } => resource_loaded(state, req, uid, result),
        Msg::LinkCreated(result) => link_created(state, result, &mut fx),
        Msg::Deleted { uid, name, result } => match result {
            Ok(()) => {
                state.toast_info(format!("Deleted “{name}”"));
                let list = &mut state.documents;
                if let Some(index) = list.items.iter().position(|d| d.id == uid) {
                    list.items.remove(index);
                    list.total = list.total.map(|t| t.saturating_sub(1));
                    list.move_cursor(0);
                }
                details_follow_cursor(state);
            }
            Err(error) => state.toast_error(format!("Could not delete “{name}”: {error}")),
        },
        Msg::Completed { req, completion } => completed(state, req, completion),
        Msg::KnownResources(known) => {
            for resource in known {
                if !state.resources.known.iter().any(|k| k.uid == resource.uid) {
                    state.resources.known.push(resource);
                }
            }
            rebuild_known_rows(state);
        }
        Msg::TransferStarted(id) => {
            if let Some(transfer) = state.transfers.get_mut(id)
                && transfer.state == TransferState::Queued
            {
                transfer.state = TransferState::Running;
            }
        }
        Msg::TransferProgress(id, progress) => {
            let now = state.now;
            state.transfers.progress(id, progress, now);
        }
        Msg::TransferFinished(id, result) => transfer_finished(state, id, result, &mut fx),
        Msg::Failed(text) => state.toast_error(text),
    }
    fx
}

fn tick(state: &mut State, now: std::time::Duration, fx: &mut Vec<Effect>) {
    state.now = now;
    let spinner = (now.as_millis() / 100) as usize;
    if state.is_loading() && spinner != state.spinner {
        state.dirty = true;
    }
    state.spinner = spinner;
    let before = state.toasts.len();
    state.toasts.retain(|t| t.expires.is_none_or(|at| at > now));
    if state.toasts.len() != before {
        state.dirty = true;
    }
    if state.documents.filter.due.is_some_and(|due| due <= now) {
        state.documents.filter.due = None;
        apply_filter(state, Pane::Documents, fx);
        state.dirty = true;
    }
    if state
        .resources
        .list
        .filter
        .due
        .is_some_and(|due| due <= now)
    {
        state.resources.list.filter.due = None;
        apply_filter(state, Pane::Resources, fx);
        state.dirty = true;
    }
    if state.details.due.is_some_and(|due| due <= now) {
        state.details.due = None;
        request_details(state, fx);
        state.dirty = true;
    }
    if state.resources.fetch_due.is_some_and(|due| due <= now) {
        state.resources.fetch_due = None;
        request_selected_resource(state, fx);
        state.dirty = true;
    }
}

// ---------------------------------------------------------------- start-up

fn connected(state: &mut State, result: Result<ServerInfo, Error>, fx: &mut Vec<Effect>) {
    match result {
        Ok(info) => {
            let lists = info.version.as_ref().is_none_or(|v| v.at_least(41, 0));
            state.resources.source = if lists {
                ResourceSource::Server
            } else {
                ResourceSource::Known
            };
            state.connection = Connection::Ready(Box::new(info));
            reload(state, Pane::Documents, fx);
            if state.pane == Pane::Resources {
                reload(state, Pane::Resources, fx);
            }
        }
        Err(error) => {
            let hints = start_up_hints(&error, &state.settings.profile, &state.settings.base_url);
            state.connection = Connection::Failed {
                message: error.to_string(),
                hints,
            };
        }
    }
}

/// What to check when the first requests fail, by kind of failure.
fn start_up_hints(error: &Error, profile: &str, url: &str) -> Vec<String> {
    match error {
        Error::Authentication(_) => vec![
            format!(
                "the user name and password, or the personal access token, of profile `{profile}`"
            ),
            "that a token has not expired (DHIS2: Profile → Edit profile → Personal access tokens)"
                .into(),
            "that the account is not disabled or locked after failed log-ins".into(),
        ],
        Error::Network(_) => vec![
            format!("the server URL `{url}`"),
            "that the server is up and this machine can reach it (VPN, proxy, firewall)".into(),
        ],
        other if other.status() == Some(404) => vec![format!(
            "the server URL `{url}`: it must include the context path, e.g. https://host/dhis"
        )],
        _ => vec![
            format!("the server URL `{url}` and the credentials of profile `{profile}`"),
            "the log file for details".into(),
        ],
    }
}

// ---------------------------------------------------------------- lists

fn reload(state: &mut State, pane: Pane, fx: &mut Vec<Effect>) {
    if state.server().is_none() {
        return;
    }
    match pane {
        Pane::Documents => {
            let req = state.next_req();
            state.documents.loading = Some(Loading { req, page: 1 });
            state.documents.error = None;
            fx.push(Effect::FetchDocuments {
                req,
                query: state.documents_query(1),
            });
        }
        Pane::Resources => match state.resources.source {
            ResourceSource::Server => {
                let req = state.next_req();
                state.resources.list.loading = Some(Loading { req, page: 1 });
                state.resources.list.error = None;
                fx.push(Effect::FetchResources {
                    req,
                    query: state.resources_query(1),
                });
            }
            ResourceSource::Known => {
                state.resources.list.filter.error = None;
                rebuild_known_rows(state);
            }
        },
    }
}

fn fetch_next_page(state: &mut State, fx: &mut Vec<Effect>) {
    match state.pane {
        Pane::Documents => {
            if let (true, Some(page)) =
                (state.documents.wants_next_page(), state.documents.next_page)
            {
                let req = state.next_req();
                state.documents.loading = Some(Loading { req, page });
                fx.push(Effect::FetchDocuments {
                    req,
                    query: state.documents_query(page),
                });
            }
        }
        Pane::Resources => {
            let list = &state.resources.list;
            if state.resources.source == ResourceSource::Server
                && let (true, Some(page)) = (list.wants_next_page(), list.next_page)
            {
                let req = state.next_req();
                state.resources.list.loading = Some(Loading { req, page });
                fx.push(Effect::FetchResources {
                    req,
                    query: state.resources_query(page),
                });
            }
        }
    }
}

/// Stores a page in a list; `false` if the answer was for an outdated request.
fn store_page<T>(list: &mut ListView<T>, req: ReqId, page: u32, result: Page<T>) -> bool {
    if list.loading.map(|l| l.req) != Some(req) {
        return false;
    }
    list.loading = None;
    list.loaded = true;
    list.error = None;
    list.filter.error = None;
    let has_next = result.has_next() && !result.items.is_empty();
    if page <= 1 {
        list.items = result.items;
        list.cursor = 0;
    } else {
        list.items.extend(result.items);
    }
    list.total = Some(match &result.pager {
        Some(pager) => pager.total,
        None => list.items.len() as u64,
    });
    list.next_page = has_next.then_some(page + 1);
    true
}

/// Records a failed page; a bad filter is reported under the filter prompt.
fn page_failed<T>(list: &mut ListView<T>, req: ReqId, error: &Error) -> Option<String> {
    if list.loading.map(|l| l.req) != Some(req) {
        return None;
    }
    list.loading = None;
    let text = error.to_string();
    let filter_problem = !list.filter.applied.trim().is_empty()
        && matches!(error.status(), Some(400 | 409))
        || matches!(error, Error::InvalidInput(_));
    if filter_problem {
        list.filter.error = Some(text);
        list.items.clear();
        list.total = Some(0);
        list.next_page = None;
        list.loaded = true;
        None
    } else {
        list.error = Some(text.clone());
        Some(text)
    }
}

fn documents_loaded(
    state: &mut State,
    req: ReqId,
    page: u32,
    result: Result<Page<Document>, Error>,
    fx: &mut Vec<Effect>,
) {
    match result {
        Ok(result) => {
            if !store_page(&mut state.documents, req, page, result) {
                return;
            }
            if page <= 1 {
                details_follow_cursor(state);
            }
            rebuild_known_rows(state);
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

fn resources_loaded(
    state: &mut State,
    req: ReqId,
    page: u32,
    result: Result<Page<FileResource>, Error>,
) {
    match result {
        Ok(page_of) => {
            let rows = Page {
                items: page_of
                    .items
                    .into_iter()
                    .map(|resource| ResourceRow {
                        uid: resource.id.clone(),
                        name: resource.title().to_string(),
                        origin: Origin::Server,
                        resource: Some(resource),
                    })
                    .collect(),
                pager: page_of.pager,
            };
            store_page(&mut state.resources.list, req, page, rows);
        }
        Err(Error::NotAvailable { .. })
            if state.resources.list.loading.map(|l| l.req) == Some(req) =>
        {
            state.resources.list.loading = None;
            state.resources.source = ResourceSource::Known;
            rebuild_known_rows(state);
        }
        Err(error) => {
            if let Some(text) = page_failed(&mut state.resources.list, req, &error) {
                state.toast_error(format!("Could not list file resources: {text}"));
            }
        }
    }
}

/// Before 2.41 the pane lists what we know of: documents' files, own uploads and look-ups,
/// filtered by name on this side (there is no server list to filter).
fn rebuild_known_rows(state: &mut State) {
    if state.resources.source != ResourceSource::Known {
        return;
    }
    let mut rows: Vec<ResourceRow> = Vec::new();
    let from_documents = state.documents.items.iter().filter_map(|d| {
        d.file_resource_uid().map(|uid| KnownResource {
            uid: uid.to_string(),
            name: d.title().to_string(),
            origin: Origin::Document,
        })
    });
    let known = state.resources.known.iter().rev().cloned();
    for entry in known.chain(from_documents) {
        if rows.iter().any(|r| r.uid == entry.uid) {
            continue;
        }
        let resource = state.resources.fetched.get(&entry.uid).cloned();
        rows.push(ResourceRow {
            name: resource
                .as_ref()
                .map(|r| r.title().to_string())
                .unwrap_or(entry.name),
            uid: entry.uid,
            origin: entry.origin,
            resource,
        });
    }
    let needle = state.resources.list.filter.applied.trim().to_lowercase();
    if !needle.is_empty() {
        rows.retain(|r| r.name.to_lowercase().contains(&needle) || r.uid.to_lowercase() == needle);
    }
    let list = &mut state.resources.list;
    let selected = list.selected().map(|r| r.uid.clone());
    list.total = Some(rows.len() as u64);
    list.items = rows;
    list.next_page = None;
    list.loaded = true;
    list.cursor = selected
        .and_then(|uid| list.items.iter().position(|r| r.uid == uid))
        .unwrap_or(0);
    list.move_cursor(0);
}

fn apply_filter(state: &mut State, pane: Pane, fx: &mut Vec<Effect>) {
    let filter = match pane {
        Pane::Documents => &mut state.documents.filter,
        Pane::Resources => &mut state.resources.list.filter,
    };
    let text = filter.input.value().trim().to_string();
    if let Err(problem) = FilterState::parse(&text) {
        filter.error = Some(problem);
        return;
    }
    filter.due = None;
    if text == filter.applied {
        return;
    }
    filter.applied = text;
    filter.error = None;
    reload(state, pane, fx);
}

// ---------------------------------------------------------------- details

/// With details open, the panel follows the cursor after a short pause.
fn details_follow_cursor(state: &mut State) {
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
            let wants = state
                .selected_resource()
                .is_some_and(|row| row.resource.is_none());
            state.resources.fetch_due = wants.then_some(state.now + DETAIL_DEBOUNCE);
        }
    }
}

fn request_details(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(uid) = state.details.uid.clone() else {
        return;
    };
    let req = state.next_req();
    state.details.req = Some(req);
    fx.push(Effect::FetchDetail { req, uid });
}

fn request_selected_resource(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(row) = state.selected_resource() else {
        return;
    };
    if row.resource.is_some() {
        return;
    }
    let uid = row.uid.clone();
    let req = state.next_req();
    state.resources.fetching = Some((req, uid.clone()));
    fx.push(Effect::FetchResource { req, uid });
}

fn resource_loaded(
    state: &mut State,
    req: ReqId,
    uid: String,
    result: Result<Box<FileResource>, Error>,
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
            let path = state.settings.download_dir.join(sanitize_file_name(name));
            form.path.input = Input::new(path.display().to_string());
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
        Err(error) => state.toast_error(format!("File resource {uid}: {error}")),
    }
}

// ---------------------------------------------------------------- keys

fn is_press(key: &KeyEvent) -> bool {
    matches!(key.kind, KeyEventKind::Press | KeyEventKind::Repeat)
}

fn on_key(state: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    if !is_press(&key) {
        return;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        fx.push(Effect::Quit);
        return;
    }
    match &state.connection {
        Connection::Ready(_) => {}
        Connection::Connecting => {
            if state.settings.keymap.action(Context::List, &key) == Some(Action::Quit) {
                fx.push(Effect::Quit);
            }
            return;
        }
        Connection::Failed { .. } => {
            match state.settings.keymap.action(Context::List, &key) {
                Some(Action::Quit | Action::Dismiss) => fx.push(Effect::Quit),
                Some(Action::Refresh) => {
                    state.connection = Connection::Connecting;
                    fx.push(Effect::Connect);
                }
                _ => {}
            }
            return;
        }
    }
    if state.help.is_some() {
        help_key(state, &key);
        return;
    }
    if state.dialog.is_some() {
        dialog_key(state, key, fx);
        return;
    }
    if state.filter().editing {
        filter_key(state, key, fx);
        return;
    }
    if state.show_transfers
        && let Some(action) = state.settings.keymap.action(Context::Transfers, &key)
    {
        transfers_key(state, action, fx);
        return;
    }
    if let Some(action) = state.settings.keymap.action(Context::List, &key) {
        list_action(state, action, fx);
    }
}

fn help_key(state: &mut State, key: &KeyEvent) {
    let scroll = state.help.unwrap_or(0);
    state.help = match state.settings.keymap.action(Context::Help, key) {
        Some(Action::Close) => None,
        Some(Action::Down) => Some(scroll.saturating_add(1)),
        Some(Action::Up) => Some(scroll.saturating_sub(1)),
        _ => Some(scroll),
    };
}

fn transfers_key(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let transfers = &mut state.transfers;
    match action {
        Action::Down => {
            transfers.cursor = (transfers.cursor + 1).min(transfers.items.len().saturating_sub(1));
        }
        Action::Up => transfers.cursor = transfers.cursor.saturating_sub(1),
        Action::Cancel => {
            if let Some(transfer) = transfers.items.get_mut(transfers.cursor)
                && transfer.state.is_active()
            {
                transfer.state = TransferState::Cancelled;
                fx.push(Effect::CancelTransfer(transfer.id));
            }
        }
        Action::Open => {
            if let Some(path) = transfers.selected().and_then(|t| t.saved.clone()) {
                fx.push(Effect::Open(path.display().to_string()));
            }
        }
        Action::Clear => transfers.clear_finished(),
        Action::Close => state.show_transfers = false,
        _ => {}
    }
}

fn move_in_pane(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let rows = state.page_rows() as isize;
    let list_len;
    {
        let list_cursor = match state.pane {
            Pane::Documents => {
                list_len = state.documents.items.len();
                &mut state.documents.cursor
            }
            Pane::Resources => {
                list_len = state.resources.list.items.len();
                &mut state.resources.list.cursor
            }
        };
        let last = list_len.saturating_sub(1) as isize;
        let target = match action {
            Action::Down => *list_cursor as isize + 1,
            Action::Up => *list_cursor as isize - 1,
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageDown => *list_cursor as isize + rows,
            Action::PageUp => *list_cursor as isize - rows,
            _ => *list_cursor as isize,
        };
        *list_cursor = target.clamp(0, last.max(0)) as usize;
    }
    fetch_next_page(state, fx);
    details_follow_cursor(state);
}

fn list_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Down
        | Action::Up
        | Action::Top
        | Action::Bottom
        | Action::PageDown
        | Action::PageUp => move_in_pane(state, action, fx),
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
            let filter = match state.pane {
                Pane::Documents => &mut state.documents.filter,
                Pane::Resources => &mut state.resources.list.filter,
            };
            filter.editing = true;
            filter.input = Input::new(filter.applied.clone());
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
            reload(state, Pane::Documents, fx);
            if state.resources.list.loaded || state.pane == Pane::Resources {
                reload(state, Pane::Resources, fx);
            }
        }
        Action::Refresh => reload(state, state.pane, fx),
        Action::AddLink => state.dialog = Some(Dialog::AddLink(LinkForm::default())),
        Action::Upload => {
            state.dialog = Some(Dialog::Upload(UploadForm {
                path: PathField::default(),
                name: Input::default(),
                name_edited: false,
                domain: (state.pane == Pane::Resources).then_some(Domain::Document),
                focus: UploadFocus::Path,
                problem: None,
            }))
        }
        Action::Download => start_download_prompt(state, fx),
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
            if !state.toasts.is_empty() {
                state.toasts.clear();
            } else if state.show_transfers {
                state.show_transfers = false;
            } else if state.details.open {
                state.details.open = false;
            }
        }
        Action::Help => state.help = Some(0),
        Action::Quit => {
            let running = state.transfers.active().count();
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

fn next_domain(current: Option<&Domain>) -> Option<Domain> {
    let known = &Domain::KNOWN;
    match current.and_then(|d| known.iter().position(|k| k == d)) {
        None => known.first().cloned(),
        Some(i) => known.get(i + 1).cloned(),
    }
}

fn switch_pane(state: &mut State, pane: Pane, fx: &mut Vec<Effect>) {
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
    details_follow_cursor(state);
}

fn open_selected(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(document) = state
        .selected_document()
        .filter(|_| state.pane == Pane::Documents)
    else {
        return;
    };
    if document.external {
        if let Some(url) = document.url.clone() {
            fx.push(Effect::Open(url));
        }
        return;
    }
    let uid = document.id.clone();
    let saved = state
        .transfers
        .items
        .iter()
        .rev()
        .find_map(|t| match &t.job {
            TransferJob::DownloadDocument { uid: u, .. } if *u == uid => t.saved.clone(),
            _ => None,
        });
    match saved {
        Some(path) => fx.push(Effect::Open(path.display().to_string())),
        None => state.toast_info("Download it first (d), then o opens the file"),
    }
}

fn start_download_prompt(state: &mut State, fx: &mut Vec<Effect>) {
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
            let fr_name = (state.details.uid.as_deref() == Some(&document.id))
                .then_some(state.details.resource.as_ref())
                .flatten()
                .and_then(|r| r.as_ref().ok())
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
                Some(
                    row.resource
                        .as_ref()
                        .and_then(|r| r.name.clone())
                        .unwrap_or_else(|| row.name.clone()),
                ),
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

fn default_download_path(dir: &Path, name: &str) -> String {
    dir.join(sanitize_file_name(name)).display().to_string()
}

fn filter_key(state: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let pane = state.pane;
    let now = state.now;
    let filter = match pane {
        Pane::Documents => &mut state.documents.filter,
        Pane::Resources => &mut state.resources.list.filter,
    };
    match key.code {
        KeyCode::Esc => {
            filter.editing = false;
            filter.input.reset();
            filter.due = None;
            filter.error = None;
            if !filter.applied.is_empty() {
                filter.applied.clear();
                reload(state, pane, fx);
            }
        }
        KeyCode::Enter => {
            filter.editing = false;
            apply_filter(state, pane, fx);
        }
        _ => {
            if filter.input.handle_event(&Event::Key(key)).is_some() {
                match FilterState::parse(filter.input.value()) {
                    Ok(_) => {
                        filter.error = None;
                        filter.due = Some(now + FILTER_DEBOUNCE);
                    }
                    Err(problem) => {
                        filter.error = Some(problem);
                        filter.due = None;
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- dialogs

fn dialog_key(state: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(dialog) = state.dialog.take() else {
        return;
    };
    state.dialog = match dialog {
        Dialog::Confirm(confirm) => confirm_key(state, confirm, &key, fx),
        Dialog::AddLink(form) => link_form_key(form, key, fx),
        Dialog::Upload(form) => upload_key(state, form, key, fx),
        Dialog::Download(form) => download_key(state, form, key, fx),
        Dialog::LookUp { input, problem } => look_up_key(state, input, problem, key, fx),
        Dialog::Link(choice) => link_choice_key(state, choice, &key, fx),
    };
}

fn confirm_key(
    state: &mut State,
    mut confirm: Confirm,
    key: &KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    let yes = match state.settings.keymap.action(Context::Confirm, key) {
        Some(Action::Yes) => true,
        Some(Action::No) => false,
        Some(Action::Accept) => confirm.yes,
        Some(Action::Toggle) => {
            confirm.yes = !confirm.yes;
            return Some(Dialog::Confirm(confirm));
        }
        _ => return Some(Dialog::Confirm(confirm)),
    };
    if yes {
        match confirm.pending {
            Pending::Delete { uid, name } => fx.push(Effect::Delete { uid, name }),
            Pending::Overwrite { job, label, .. } => start_transfer(state, label, job, fx),
            Pending::Quit => fx.push(Effect::Quit),
        }
    }
    None
}

/// Feeds a key to a text field; true if the text changed.
fn edit(input: &mut Input, key: KeyEvent) -> bool {
    input
        .handle_event(&Event::Key(key))
        .is_some_and(|changed| changed.value)
}

fn link_form_key(mut form: LinkForm, key: KeyEvent, fx: &mut Vec<Effect>) -> Option<Dialog> {
    match key.code {
        KeyCode::Esc => return None,
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
            form.focus_url = !form.focus_url
        }
        KeyCode::Enter if !form.focus_url => form.focus_url = true,
        KeyCode::Enter => {
            let name = form.name.value().trim().to_string();
            let url = form.url.value().trim().to_string();
            form.name_problem = name
                .is_empty()
                .then(|| "a document needs a name".to_string());
            form.url_problem = check_external_url(&url).err().map(|e| e.to_string());
            if form.name_problem.is_none() && form.url_problem.is_none() && !form.sending {
                form.sending = true;
                fx.push(Effect::CreateLink { name, url });
            }
        }
        _ => {
            if form.focus_url {
                if edit(&mut form.url, key) {
                    let url = form.url.value().trim();
                    form.url_problem = if url.is_empty() {
                        None
                    } else {
                        check_external_url(url).err().map(|e| e.to_string())
                    };
                }
            } else if edit(&mut form.name, key) {
                form.name_problem = None;
            }
        }
    }
    Some(Dialog::AddLink(form))
}

fn link_created(state: &mut State, result: Result<Document, Error>, fx: &mut Vec<Effect>) {
    let form_open = matches!(&state.dialog, Some(Dialog::AddLink(form)) if form.sending);
    match result {
        Ok(document) => {
            if form_open {
                state.dialog = None;
            }
            state.toast_info(format!("Added link “{}”", document.title()));
            reload(state, Pane::Documents, fx);
        }
        Err(error) => {
            if let Some(Dialog::AddLink(form)) = &mut state.dialog
                && form.sending
            {
                form.sending = false;
                form.url_problem = Some(error.to_string());
            } else {
                state.toast_error(format!("Could not add the link: {error}"));
            }
        }
    }
}

fn path_tab(state: &mut State, field: &mut PathField, fx: &mut Vec<Effect>) {
    let req = state.next_req();
    field.req = Some(req);
    fx.push(Effect::CompletePath {
        req,
        input: field.input.value().to_string(),
    });
}

fn completed(state: &mut State, req: ReqId, completion: Completion) {
    let field = match &mut state.dialog {
        Some(Dialog::Upload(form)) => &mut form.path,
        Some(Dialog::Download(form)) => &mut form.path,
        _ => return,
    };
    if field.req != Some(req) || field.input.value() != completion.input {
        return;
    }
    field.req = None;
    field.input = Input::new(completion.completed);
    field.candidates = completion.candidates;
    if let Some(Dialog::Upload(form)) = &mut state.dialog {
        follow_file_name(form);
    }
}

/// The document name follows the chosen file's name until it is typed by hand.
fn follow_file_name(form: &mut UploadForm) {
    if !form.name_edited {
        let name = crate::api::default_document_name(Path::new(form.path.input.value()));
        form.name = Input::new(name);
    }
}

fn upload_key(
    state: &mut State,
    mut form: UploadForm,
    key: KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    let fields: Vec<UploadFocus> = if form.domain.is_some() {
        vec![UploadFocus::Path, UploadFocus::Domain]
    } else {
        vec![UploadFocus::Path, UploadFocus::Name]
    };
    let at = fields.iter().position(|f| *f == form.focus).unwrap_or(0);
    match key.code {
        KeyCode::Esc => return None,
        KeyCode::Down | KeyCode::BackTab | KeyCode::Up => {
            form.focus = fields[(at + 1) % fields.len()];
        }
        KeyCode::Tab if form.focus == UploadFocus::Path => path_tab(state, &mut form.path, fx),
        KeyCode::Tab => form.focus = fields[(at + 1) % fields.len()],
        KeyCode::Left | KeyCode::Right if form.focus == UploadFocus::Domain => {
            let known = &Domain::KNOWN;
            let i = form
                .domain
                .as_ref()
                .and_then(|d| known.iter().position(|k| k == d))
                .unwrap_or(0);
            let next = if key.code == KeyCode::Right {
                (i + 1) % known.len()
            } else {
                (i + known.len() - 1) % known.len()
            };
            form.domain = Some(known[next].clone());
        }
        KeyCode::Enter => {
            let path = form.path.input.value().trim().to_string();
            let name = form.name.value().trim().to_string();
            form.problem = if path.is_empty() {
                Some("type the path of the file to upload (Tab completes)".into())
            } else if form.domain.is_none() && name.is_empty() {
                Some("a document needs a name".into())
            } else {
                None
            };
            if form.problem.is_some() {
                return Some(Dialog::Upload(form));
            }
            let path = PathBuf::from(path);
            let label = match &form.domain {
                Some(domain) => format!("{} ({domain})", crate::api::default_document_name(&path)),
                None => name.clone(),
            };
            let job = match form.domain {
                Some(domain) => TransferJob::UploadResource { path, domain },
                None => TransferJob::UploadDocument { path, name },
            };
            start_transfer(state, label, job, fx);
            return None;
        }
        _ => match form.focus {
            UploadFocus::Path => {
                if edit(&mut form.path.input, key) {
                    form.path.candidates.clear();
                    form.path.req = None;
                    follow_file_name(&mut form);
                }
            }
            UploadFocus::Name => {
                if edit(&mut form.name, key) {
                    form.name_edited = true;
                }
            }
            UploadFocus::Domain => {}
        },
    }
    Some(Dialog::Upload(form))
}

fn download_key(
    state: &mut State,
    mut form: DownloadForm,
    key: KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    match key.code {
        KeyCode::Esc => return None,
        KeyCode::Tab => path_tab(state, &mut form.path, fx),
        KeyCode::Enter => {
            let path = form.path.input.value().trim().to_string();
            if path.is_empty() {
                form.problem = Some("type where to save the file (Tab completes)".into());
                return Some(Dialog::Download(form));
            }
            let path = PathBuf::from(path);
            let label = form.source.label().to_string();
            let job = match form.source {
                DownloadSource::Document { uid, .. } => TransferJob::DownloadDocument {
                    uid,
                    path,
                    overwrite: false,
                },
                DownloadSource::Resource { uid, .. } => TransferJob::DownloadResource {
                    uid,
                    path,
                    overwrite: false,
                },
            };
            start_transfer(state, label, job, fx);
            return None;
        }
        _ => {
            if edit(&mut form.path.input, key) {
                form.path.candidates.clear();
                form.path.req = None;
                form.problem = None;
            }
        }
    }
    Some(Dialog::Download(form))
}

fn look_up_key(
    state: &mut State,
    mut input: Input,
    mut problem: Option<String>,
    key: KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    match key.code {
        KeyCode::Esc => return None,
        KeyCode::Enter => {
            let uid = input.value().trim().to_string();
            if is_valid_uid(&uid) {
                let req = state.next_req();
                state.resources.fetching = Some((req, uid.clone()));
                fx.push(Effect::FetchResource { req, uid });
                return None;
            }
            problem = Some("a uid is 11 letters and digits, starting with a letter".into());
        }
        _ => {
            if edit(&mut input, key) {
                problem = None;
            }
        }
    }
    Some(Dialog::LookUp { input, problem })
}

fn link_choice_key(
    state: &mut State,
    mut choice: LinkChoice,
    key: &KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    let pick = match key.code {
        KeyCode::Esc | KeyCode::Char('q') => return None,
        KeyCode::Char('o') => 0,
        KeyCode::Char('c') | KeyCode::Char('y') => 1,
        KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') => {
            choice.choice = (choice.choice + 1) % 3;
            return Some(Dialog::Link(choice));
        }
        KeyCode::BackTab | KeyCode::Left | KeyCode::Char('h') => {
            choice.choice = (choice.choice + 2) % 3;
            return Some(Dialog::Link(choice));
        }
        KeyCode::Enter => choice.choice,
        _ => return Some(Dialog::Link(choice)),
    };
    match pick {
        0 => fx.push(Effect::Open(choice.url)),
        1 => {
            state.toast_info(format!("Copied {}", choice.url));
            fx.push(Effect::Copy(choice.url));
        }
        _ => {}
    }
    None
}

// ---------------------------------------------------------------- transfers

fn start_transfer(state: &mut State, label: String, job: TransferJob, fx: &mut Vec<Effect>) {
    let id = state.transfers.add(label, job.clone());
    fx.push(Effect::StartTransfer { id, job });
}

fn transfer_finished(
    state: &mut State,
    id: u64,
    result: Result<TransferOutcome, Error>,
    fx: &mut Vec<Effect>,
) {
    let Some(transfer) = state.transfers.get_mut(id) else {
        return;
    };
    let label = transfer.label.clone();
    let job = transfer.job.clone();
    match result {
        Ok(TransferOutcome::Downloaded(saved)) => {
            transfer.state = TransferState::Done(format!("saved to {}", saved.path.display()));
            transfer.done = saved.bytes;
            transfer.total = Some(saved.bytes);
            transfer.saved = Some(saved.path.clone());
            state.toast_info(format!("Downloaded “{label}” to {}", saved.path.display()));
        }
        Ok(TransferOutcome::External { url }) => {
            transfer.state = TransferState::Done("external link".into());
            state.dialog = Some(Dialog::Link(LinkChoice {
                name: label,
                url,
                choice: 0,
            }));
        }
        Ok(TransferOutcome::UploadedDocument(uploaded)) => {
            transfer.state = TransferState::Done(format!("document {}", uploaded.document.id));
            transfer.done = transfer.total.unwrap_or(transfer.done);
            state.toast_info(format!("Uploaded “{}”", uploaded.document.title()));
            remember_upload(
                state,
                &uploaded.file_resource.id,
                uploaded.document.title(),
                fx,
            );
            state
                .resources
                .fetched
                .insert(uploaded.file_resource.id.clone(), uploaded.file_resource);
            reload(state, Pane::Documents, fx);
        }
        Ok(TransferOutcome::UploadedResource(resource)) => {
            transfer.state = TransferState::Done(format!("file resource {}", resource.id));
            transfer.done = transfer.total.unwrap_or(transfer.done);
            state.toast_info(format!(
                "Uploaded file resource {} ({})",
                resource.id,
                resource.title()
            ));
            remember_upload(state, &resource.id, resource.title(), fx);
            state
                .resources
                .fetched
                .insert(resource.id.clone(), *resource);
            reload(state, Pane::Resources, fx);
        }
        Err(Error::Cancelled) => transfer.state = TransferState::Cancelled,
        Err(Error::TargetExists(path)) => {
            state.transfers.items.retain(|t| t.id != id);
            state.transfers.cursor = state
                .transfers
                .cursor
                .min(state.transfers.items.len().saturating_sub(1));
            state.dialog = Some(Dialog::Confirm(Confirm {
                title: "File exists".into(),
                message: format!("{} already exists. Replace it?", path.display()),
                yes: false,
                pending: Pending::Overwrite {
                    job: job.overwriting(),
                    label,
                    path,
                },
            }));
        }
        Err(error) => {
            transfer.state = TransferState::Failed(error.to_string());
            let verb = if job.is_upload() {
                "Upload"
            } else {
                "Download"
            };
            state.toast_error(format!("{verb} of “{label}” failed: {error}"));
            if let Some(uid) = error.unlinked_file_resource() {
                let uid = uid.to_string();
                remember_upload(state, &uid, &label, fx);
            }
        }
    }
}

fn remember_upload(state: &mut State, uid: &str, name: &str, fx: &mut Vec<Effect>) {
    let known = KnownResource {
        uid: uid.to_string(),
        name: name.to_string(),
        origin: Origin::Upload,
    };
    state.resources.known.push(known.clone());
    rebuild_known_rows(state);
    fx.push(Effect::RememberUpload(known));
}
