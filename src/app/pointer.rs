//! A mouse event as `update` receives it: the spot under the pointer, resolved from the
//! screen's layout (which only `ui` knows) by the event loop, and by tests the same way.
use ratatui::crossterm::event::MouseEvent;

use crate::app::msg::Msg;
use crate::app::state::State;

/// The message for a mouse event on the screen `state` draws.
pub fn mouse_msg(state: &State, event: MouseEvent) -> Msg {
    Msg::Mouse {
        kind: event.kind,
        spot: crate::ui::spot_at(state, event.column, event.row),
    }
}
