//! The pure heart of the TUI: `update(&mut State, Msg) -> Vec<Effect>`. No I/O, no clock reads,
//! no spawning: time arrives in `Msg::Tick`, answers arrive as messages.
use crate::api::{Error, Feature, ServerInfo};
use crate::app::effect::Effect;
use crate::app::msg::Msg;
use crate::app::state::{BATCH_FRAME, Connection, EarlyPage, Pane, ResourceSource, State};
use crate::app::transfer_list::TransferState;

mod batches;
mod checking;
mod copy_to;
mod detail_panel;
mod dialogs;
mod edited;
mod editing;
mod fields;
mod key_routing;
mod list_actions;
mod list_paging;
mod mouse;
mod previewing;
mod resource_reads;
mod sharing_edit;
mod transfer_events;

use batches::{batch_event, batch_finished, matching_selected, planned};
use checking::{check_progress, checked};
use copy_to::profiles_listed;
use detail_panel::{detail_loaded, request_details};
use dialogs::{completed, link_created, upload_checked, upload_is_directory};
use editing::renamed;
use key_routing::{on_key, paste};
use list_paging::{
    apply_filter, deleted, documents_loaded, reload, request_page, resources_loaded,
};
use mouse::on_mouse;
use previewing::{follow_cursor, preview_loaded, read_if_due};
use resource_reads::{fill_rows, rebuild_known_rows, request_selected_resource, resource_loaded};
use sharing_edit::{candidates_loaded, search_if_due, sharing_applied, sharing_loaded};
use transfer_events::transfer_finished;

/// What the TUI does first.
/// The start: the connection check and, beside it, the first page of documents, which needs
/// nothing the check says (a slow link pays one round trip for both, not two in a row). A
/// page that answers first waits for the connection (see [`State::early_documents`]).
pub fn init(state: &mut State) -> Vec<Effect> {
    let mut fx = vec![Effect::Connect, Effect::LoadKnownResources];
    request_page(state, Pane::Documents, 1, &mut fx);
    fx
}

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    // A tick redraws only when it changes something; so does batch progress, which the tick
    // draws (see `BATCH_FRAME`); every other message does.
    if !matches!(msg, Msg::Tick(_) | Msg::BatchEvent { .. }) {
        state.dirty = true;
    }
    match msg {
        Msg::Tick(now) => tick(state, now, &mut fx),
        Msg::Key(key) => on_key(state, key, &mut fx),
        Msg::Paste(text) => paste(state, &text, &mut fx),
        Msg::Resize(width, height) => {
            state.size = (width, height);
            // A taller screen shows more of help: the end stays at the bottom, not above it.
            state.help = state
                .help
                .map(|scroll| scroll.min(state.help_scroll_limit()));
        }
        Msg::Mouse { kind, spot } => on_mouse(state, kind, spot, &mut fx),
        Msg::Connected(result) => connected(state, result, &mut fx),
        Msg::DocumentsLoaded { req, page, result } if state.server().is_none() => {
            // Only the answer still awaited (not one a failed connection gave up on).
            if state.documents.loading.is_some_and(|l| l.req == req) {
                state.early_documents = Some(EarlyPage { req, page, result });
            }
        }
        Msg::DocumentsLoaded { req, page, result } => {
            documents_loaded(state, req, page, result, &mut fx)
        }
        Msg::ResourcesLoaded { req, page, result } => {
            resources_loaded(state, req, page, result, &mut fx)
        }
        Msg::DetailLoaded { req, result } => detail_loaded(state, req, result),
        Msg::ResourceLoaded { req, uid, result } => {
            resource_loaded(state, req, uid, result, &mut fx)
        }
        Msg::PreviewLoaded { req, uid, result } => preview_loaded(state, req, uid, result),
        Msg::DocumentFilesLoaded(result) => {
            // Without them the columns stay empty and the details still read each file.
            if let Ok(resources) = result {
                for resource in resources {
                    state.resources.book.record_listed(resource);
                }
            }
        }
        Msg::LinkCreated(result) => link_created(state, result, &mut fx),
        Msg::Deleted { uid, name, result } => deleted(state, &uid, &name, result),
        Msg::Completed { req, completion } => completed(state, req, completion),
        Msg::UploadChecked { req, result } => upload_checked(state, req, result, &mut fx),
        Msg::UploadIsDirectory { req } => upload_is_directory(state, req, &mut fx),
        Msg::BatchPlanned { req, result } => planned(state, req, result, &mut fx),
        Msg::BatchEvent { batch, event } => batch_event(state, batch, event, &mut fx),
        Msg::BatchFinished { batch, summary } => batch_finished(state, batch, summary, &mut fx),
        Msg::CheckProgress { req, progress } => check_progress(state, req, progress),
        Msg::Checked { req, result } => checked(state, req, result, &mut fx),
        Msg::MatchingSelected { req, result } => matching_selected(state, req, result),
        Msg::ProfilesListed { req, result } => profiles_listed(state, req, result),
        Msg::Renamed { req, uid, result } => renamed(state, req, uid, result, &mut fx),
        Msg::SharingLoaded { req, uid, result } => sharing_loaded(state, req, uid, result),
        Msg::SharingCandidates { req, result } => candidates_loaded(state, req, result),
        Msg::SharingApplied { req, outcomes } => sharing_applied(state, req, outcomes, &mut fx),
        Msg::KnownResources(known) => {
            for resource in known {
                if !state.resources.known.iter().any(|k| k.uid == resource.uid) {
                    state.resources.known.push(resource);
                }
            }
            rebuild_known_rows(state);
            fill_rows(state, &mut fx);
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
        Msg::CopyFailed(reason) => state.toast_error(format!("Could not copy: {reason}")),
        Msg::OpenFailed { target, reason } => {
            state.toast_info(format!(
                "Could not open it here ({reason}); copied {target} to the clipboard instead"
            ));
            fx.push(Effect::Copy(target));
        }
    }
    // Whatever moved the cursor (keys, the mouse, a page arriving, a delete), the preview
    // follows it.
    follow_cursor(state, &mut fx);
    fx
}

fn tick(state: &mut State, now: std::time::Duration, fx: &mut Vec<Effect>) {
    state.now = now;
    let spinner = (now.as_millis() / 100) as usize;
    if state.is_loading() && spinner != state.spinner {
        state.dirty = true;
    }
    state.spinner = spinner;
    let batches = &mut state.batches;
    if batches.unshown && now.saturating_sub(batches.shown_at) >= BATCH_FRAME {
        batches.unshown = false;
        batches.shown_at = now;
        state.dirty = true;
    }
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
    if matches!(&state.dialog, Some(crate::app::state::Dialog::Sharing(editor)) if editor.search.due.is_some_and(|due| due <= now))
    {
        search_if_due(state, fx);
        state.dirty = true;
    }
    read_if_due(state, fx);
    if state.resources.fetch_due.is_some_and(|due| due <= now) {
        state.resources.fetch_due = None;
        request_selected_resource(state, fx);
        state.dirty = true;
    }
}

fn connected(state: &mut State, result: Result<ServerInfo, Error>, fx: &mut Vec<Effect>) {
    match result {
        Ok(info) => {
            let lists = info
                .version
                .as_ref()
                .is_none_or(|v| v.supports(Feature::FileResourceList));
            state.resources.source = if lists {
                ResourceSource::Server
            } else {
                ResourceSource::Known
            };
            // A release newer (or older) than d2files knows is worked with as the nearest
            // known, and said once.
            if let Some(note) = info.version.as_ref().and_then(|v| v.note()) {
                state.toast_info(note);
            }
            state.connection = Connection::Ready(Box::new(info));
            match state.early_documents.take() {
                // The page asked for at start answered already: taken in now.
                Some(early) => documents_loaded(state, early.req, early.page, early.result, fx),
                // Still on its way: its answer is taken in when it comes.
                None if state.documents.loading.is_some() => {}
                None => reload(state, Pane::Documents, fx),
            }
            if state.pane == Pane::Resources {
                reload(state, Pane::Resources, fx);
            }
        }
        Err(error) => {
            // The page asked for beside it counts for nothing now; a connection later asks again.
            state.early_documents = None;
            state.documents.loading = None;
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
