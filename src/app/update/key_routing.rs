//! Which layer a key goes to (start-up screens, help, a dialog, the filter prompt, the
//! transfers panel, the list), and the keys of help, the transfers panel and the filter.
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::backend::crossterm::EventHandler;

use crate::app::effect::Effect;
use crate::app::keymap::{Action, Context, Key};
use crate::app::state::{Connection, FILTER_DEBOUNCE, FilterState, Layer, Pane, State};
use crate::app::transfer_job::TransferJob;
use crate::app::transfer_list::TransferState;

use super::batches::retry_failed;
use super::checking::stop_check;
use super::dialogs::dialog_key;
use super::list_actions::{list_action, move_in_pane};
use super::list_paging::{apply_filter, reload};
use super::transfer_events::start_transfer;

pub(super) fn is_press(key: &KeyEvent) -> bool {
    matches!(key.kind, KeyEventKind::Press | KeyEventKind::Repeat)
}

pub(super) fn on_key(state: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    if !is_press(&key) {
        return;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        fx.push(Effect::Quit);
        return;
    }
    let keymap = &state.settings.keymap;
    match state.layer() {
        Layer::Connecting => {
            if keymap.action(Context::List, &key) == Some(Action::Quit) {
                fx.push(Effect::Quit);
            }
        }
        Layer::Failed => match keymap.action(Context::List, &key) {
            Some(Action::Quit | Action::Dismiss) => fx.push(Effect::Quit),
            Some(Action::Refresh) => {
                state.connection = Connection::Connecting;
                fx.push(Effect::Connect);
            }
            _ => {}
        },
        Layer::Help => help_key(state, &key),
        Layer::Dialog => dialog_key(state, key, fx),
        Layer::Filter => filter_key(state, key, fx),
        Layer::Transfers => match keymap.action(Context::Transfers, &key) {
            Some(action) => transfers_key(state, action, fx),
            None => {
                if let Some(action) = keymap.action(Context::List, &key) {
                    list_action(state, action, fx);
                }
            }
        },
        Layer::List => {
            if let Some(action) = keymap.action(Context::List, &key) {
                list_action(state, action, fx);
            }
        }
    }
}

pub(super) fn help_key(state: &mut State, key: &KeyEvent) {
    let scroll = state.help.unwrap_or(0);
    state.help = match state.settings.keymap.action(Context::Help, key) {
        Some(Action::Close) => None,
        Some(Action::Down) => Some(scroll.saturating_add(1).min(state.help_scroll_limit())),
        Some(Action::Up) => Some(scroll.saturating_sub(1)),
        _ => Some(scroll),
    };
}

pub(super) fn transfers_key(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
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
                fx.push(match transfer.batch {
                    Some((batch, step)) => Effect::CancelBatchStep { batch, step },
                    None => Effect::CancelTransfer(transfer.id),
                });
            }
        }
        Action::CancelAll => cancel_everything(state, fx),
        Action::Open => {
            if let Some(path) = transfers.selected().and_then(|t| t.saved.clone()) {
                fx.push(Effect::Open(path.display().to_string()));
            }
        }
        Action::Clear => {
            transfers.clear_finished();
            let transfers = &state.transfers;
            state
                .batches
                .forget_ended(|row| transfers.items.iter().any(|t| t.id == row));
        }
        Action::Retry => retry_transfer(state, fx),
        Action::Close => state.show_transfers = false,
        _ => {}
    }
}

/// `X`: every transfer and batch still running stops (a delete already sent is not recalled:
/// its answer still comes).
fn cancel_everything(state: &mut State, fx: &mut Vec<Effect>) {
    for transfer in state.transfers.items.iter_mut() {
        if !transfer.state.is_active() {
            continue;
        }
        transfer.state = TransferState::Cancelled;
        if transfer.batch.is_none() {
            fx.push(Effect::CancelTransfer(transfer.id));
        }
    }
    for batch in state.batches.running() {
        fx.push(Effect::CancelBatch(batch.id));
    }
    stop_check(state, "The check stopped too".to_string(), fx);
}

/// `r` in the transfers panel: a stored upload whose document could not be created is linked
/// again; a batch's row plans its batch's failed steps again; a download that failed or was
/// cancelled starts again, as it was asked for.
fn retry_transfer(state: &mut State, fx: &mut Vec<Effect>) {
    let transfers = &mut state.transfers;
    let Some(transfer) = transfers.items.get_mut(transfers.cursor) else {
        return;
    };
    if let Some(file_resource_uid) = transfer.unlinked.take() {
        let name = match &transfer.job {
            TransferJob::UploadDocument { name, .. } | TransferJob::LinkDocument { name, .. } => {
                name.clone()
            }
            _ => transfer.label.clone(),
        };
        let label = transfer.label.clone();
        let job = TransferJob::LinkDocument {
            name,
            file_resource_uid,
        };
        start_transfer(state, label, job, fx);
        return;
    }
    let ended = matches!(
        transfer.state,
        TransferState::Failed(_) | TransferState::Cancelled
    );
    if let Some((batch, _)) = transfer.batch {
        if ended {
            retry_failed(state, batch, fx);
        }
        return;
    }
    // A failed replace left the document as it was, so it may run again; other uploads may
    // have left their file on the server, and are not sent twice.
    let again = !transfer.is_upload() || matches!(transfer.job, TransferJob::ReplaceFile { .. });
    if ended && again {
        let index = transfers.cursor;
        if let Some((id, job)) = transfers.restart(index) {
            fx.push(Effect::StartTransfer { id, job });
        }
    }
}

pub(super) fn filter_key(state: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let pane = state.pane;
    let now = state.now;
    let filter = match pane {
        Pane::Documents => &mut state.documents.filter,
        Pane::Resources => &mut state.resources.list.filter,
    };
    let keymap = &state.settings.keymap;
    let action = keymap.action(Context::Form, &key).or_else(|| {
        // The list stays browsable while typing, by its own page keys, unless they are letters
        // (with Ctrl too: Ctrl-u clears the text, as in a shell).
        keymap
            .action(Context::List, &key)
            .filter(|action| matches!(action, Action::PageDown | Action::PageUp))
            .filter(|_| !matches!(key.code, KeyCode::Char(_)))
    });
    match action {
        Some(Action::Close) => {
            filter.editing = false;
            filter.input.reset();
            filter.due = None;
            filter.problem = None;
            if !filter.applied.is_empty() {
                filter.applied.clear();
                reload(state, pane, fx);
            }
        }
        Some(Action::Accept) => {
            filter.editing = false;
            apply_filter(state, pane, fx);
        }
        Some(Action::PreviousField) => move_in_pane(state, Action::Up, fx),
        Some(Action::NextField) => move_in_pane(state, Action::Down, fx),
        Some(action @ (Action::PageUp | Action::PageDown)) => move_in_pane(state, action, fx),
        _ => {
            if std::mem::take(&mut filter.replace_on_type)
                && Key::from_event(&key).is_plain_character()
            {
                filter.input.reset();
            }
            if filter.input.handle_event(&Event::Key(key)).is_some() {
                let text = filter.input.value().to_string();
                match FilterState::parse(&text) {
                    Ok(_) => filter.due = Some(now + FILTER_DEBOUNCE),
                    Err(problem) => {
                        filter.complain(&text, problem);
                        filter.due = None;
                    }
                }
            }
        }
    }
}

/// Pasted text goes into the text field being edited, as if typed; without one it is dropped,
/// so pasting over the list can never run commands.
pub(super) fn paste(state: &mut State, text: &str, fx: &mut Vec<Effect>) {
    if !state.typing() {
        return;
    }
    for c in text.chars().filter(|c| !c.is_control()) {
        on_key(
            state,
            KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            fx,
        );
    }
}
