//! The mouse, when turned on: the wheel moves through the list (or scrolls help), a click
//! selects a row or a pane, a click on the selected row opens its details. Dialogs and the
//! filter prompt take keys only.
use ratatui::crossterm::event::{MouseButton, MouseEventKind};

use crate::app::effect::Effect;
use crate::app::keymap::Action;
use crate::app::msg::Spot;
use crate::app::state::{Layer, Pane, State};

use super::key_routing::transfers_key;
use super::list_actions::{cursor_moved, list_action, switch_pane};

/// Rows one wheel notch moves, as in most terminal programs.
const WHEEL_ROWS: usize = 3;

pub(super) fn on_mouse(state: &mut State, kind: MouseEventKind, spot: Spot, fx: &mut Vec<Effect>) {
    // Dialogs and the filter prompt take keys only.
    if !matches!(state.layer(), Layer::Help | Layer::Transfers | Layer::List) {
        return;
    }
    if let Some(scroll) = state.help {
        state.help = Some(match kind {
            MouseEventKind::ScrollDown => scroll
                .saturating_add(WHEEL_ROWS as u16)
                .min(state.help_scroll_limit()),
            MouseEventKind::ScrollUp => scroll.saturating_sub(WHEEL_ROWS as u16),
            _ => scroll,
        });
        return;
    }
    match kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let down = kind == MouseEventKind::ScrollDown;
            let step = if down { Action::Down } else { Action::Up };
            if matches!(spot, Spot::Row(_) | Spot::List) {
                let rows = WHEEL_ROWS as isize;
                let delta = if down { rows } else { -rows };
                match state.pane {
                    Pane::Documents => state.documents.move_cursor(delta),
                    Pane::Resources => state.resources.list.move_cursor(delta),
                }
                cursor_moved(state, fx);
            } else if spot == Spot::Panel && state.show_transfers {
                for _ in 0..WHEEL_ROWS {
                    transfers_key(state, step, fx);
                }
            }
        }
        MouseEventKind::Down(MouseButton::Left) => match spot {
            Spot::Tab(pane) if pane != state.pane => switch_pane(state, pane, fx),
            Spot::Row(index) => click_row(state, index, fx),
            _ => {}
        },
        _ => {}
    }
}

/// Selects the row; a click on the row already selected opens its details.
fn click_row(state: &mut State, index: usize, fx: &mut Vec<Effect>) {
    let list_cursor = match state.pane {
        Pane::Documents => &mut state.documents.cursor,
        Pane::Resources => &mut state.resources.list.cursor,
    };
    if *list_cursor == index {
        if !state.details.open {
            list_action(state, Action::Details, fx);
        }
        return;
    }
    *list_cursor = index;
    cursor_moved(state, fx);
}
