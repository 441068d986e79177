//! What every form's text fields share: a key fed to a field, the form keys read before it,
//! and Tab in a path field.
use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::app::effect::Effect;
use crate::app::keymap::{Action, Context};
use crate::app::state::{PathField, State};

/// Feeds a key to a text field; true if the text changed.
pub(super) fn edit(input: &mut Input, key: KeyEvent) -> bool {
    input
        .handle_event(&Event::Key(key))
        .is_some_and(|changed| changed.value)
}

/// Feeds `key` to a path field; when the text changed, the completions offered for the old
/// text and a completion under way are forgotten.
pub(super) fn edit_path(field: &mut PathField, key: KeyEvent) -> bool {
    let changed = edit(&mut field.input, key);
    if changed {
        field.candidates.clear();
        field.req = None;
    }
    changed
}

/// The form action a key means: forms read the keymap before their text fields.
pub(super) fn form_action(state: &State, key: &KeyEvent) -> Option<Action> {
    state.settings.keymap.action(Context::Form, key)
}

/// Tab in a path field: the runner lists what the typed path can become.
pub(super) fn path_tab(state: &mut State, field: &mut PathField, fx: &mut Vec<Effect>) {
    let req = state.next_req();
    field.req = Some(req);
    fx.push(Effect::CompletePath {
        req,
        input: field.input.value().to_string(),
    });
}
