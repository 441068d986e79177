//! What is drawn under a screen cell, so the mouse acts on what the user sees. It reads the
//! same layout as drawing does, from the state alone.
use ratatui::layout::{Position, Rect};

use super::{areas, header, lists};
use crate::app::msg::Spot;
use crate::app::state::{Connection, Pane, State};

/// The spot under cell (`column`, `row`) of the main screen at the state's terminal size.
pub fn spot_at(state: &State, column: u16, row: u16) -> Spot {
    if !matches!(state.connection, Connection::Ready(_)) {
        return Spot::Elsewhere;
    }
    let (width, height) = state.size;
    let areas = areas(state, Rect::new(0, 0, width, height));
    let at = Position::new(column, row);
    if areas.tabs.contains(at) {
        return header::tab_at(state, column - areas.tabs.x).map_or(Spot::Elsewhere, Spot::Tab);
    }
    if areas.table.contains(at) {
        let row = match state.pane {
            Pane::Documents => lists::row_at(&state.documents, areas.table, row),
            Pane::Resources => lists::row_at(&state.resources.list, areas.table, row),
        };
        return row.map_or(Spot::List, Spot::Row);
    }
    if areas.lower.contains(at) || areas.preview.contains(at) {
        return Spot::Panel;
    }
    Spot::Elsewhere
}
