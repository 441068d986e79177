//! The TUI drawing functions: they read `app` state and never change it.
mod details;
mod dialogs;
mod footer;
mod header;
mod help;
mod hit;
mod lists;
mod preview;
mod sharing_editor;
mod startup;
mod text_field;
mod theme;
mod toasts;
mod transfer_panel;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use crate::api::filename::is_terminal_control;
use crate::app::state::{Connection, Layer, State};
pub use hit::spot_at;
pub use theme::Theme;

/// Where each part of the main screen goes.
struct Areas {
    header: Rect,
    tabs: Rect,
    table: Rect,
    /// The details or the transfers panel, when open.
    lower: Rect,
    /// The preview pane, when open: beside the list, or below it on a narrow screen.
    preview: Rect,
    prompt: Rect,
    transfer: Rect,
    footer: Rect,
}

/// The main screen's layout for this state; drawing and the mouse both read it.
fn areas(state: &State, area: Rect) -> Areas {
    let prompt_rows = footer::prompt_rows(state);
    let transfer_rows = u16::from(transfer_panel::has_summary(state) && !state.show_transfers);
    let beside = state.preview.open && area.width >= preview::BESIDE_MIN_WIDTH;
    // Below the list it takes the details' place; the transfers panel, which takes keys, wins.
    let below = state.preview.open && !beside && !state.show_transfers;
    let lower_rows = if state.show_transfers {
        transfer_panel::panel_height(state, area.height)
    } else if below {
        preview::height_below(area.height)
    } else if state.details.open {
        details::height(state, area.height)
    } else {
        0
    };
    let [header, tabs, table, lower, prompt, transfer, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(lower_rows),
        Constraint::Length(prompt_rows),
        Constraint::Length(transfer_rows),
        Constraint::Length(1),
    ])
    .areas(area);
    let (table, preview, lower) = if beside {
        let [table, preview] = Layout::horizontal([
            Constraint::Percentage(100 - preview::BESIDE_PERCENT),
            Constraint::Percentage(preview::BESIDE_PERCENT),
        ])
        .areas(table);
        (table, preview, lower)
    } else if below {
        (table, lower, Rect::default())
    } else {
        (table, Rect::default(), lower)
    };
    Areas {
        header,
        tabs,
        table,
        lower,
        preview,
        prompt,
        transfer,
        footer,
    }
}

/// Draws the whole screen for the current state.
pub fn draw(frame: &mut Frame, state: &State) {
    let theme = Theme::new(state.settings.color);
    let area = frame.area();
    match (state.layer(), &state.connection) {
        (Layer::Connecting, _) => return startup::connecting(frame, area, state, theme),
        (Layer::Failed, Connection::Failed { message, hints }) => {
            return startup::failed(frame, area, state, message, hints, theme);
        }
        _ => {}
    }
    let areas = areas(state, area);
    header::draw(frame, areas.header, state, theme);
    header::tabs(frame, areas.tabs, state, theme);
    lists::draw(frame, areas.table, state, theme);
    if state.show_transfers {
        transfer_panel::panel(frame, areas.lower, state, theme);
    } else if state.details.open && !areas.lower.is_empty() {
        details::draw(frame, areas.lower, state, theme);
    }
    if state.preview.open {
        preview::draw(frame, areas.preview, state, theme);
    }
    footer::prompt(frame, areas.prompt, state, theme);
    transfer_panel::summary(frame, areas.transfer, state, theme);
    footer::draw(frame, areas.footer, state, theme);
    toasts::draw(frame, areas.table.union(areas.lower), state, theme);
    // The layers above the screen, the top one last.
    dialogs::draw(frame, area, state, theme);
    sharing_editor::draw(frame, area, state, theme);
    if state.layer() == Layer::Help {
        help::draw(frame, area, state, theme);
    }
    neutralise(frame);
    if state.preview.open
        && matches!(
            state.layer(),
            Layer::List | Layer::Filter | Layer::Transfers
        )
    {
        preview::draw_protocol_image(frame, areas.preview, state);
    }
}

/// Server text (names, URLs, messages) is drawn as it came. ratatui already drops control
/// characters; bidirectional overrides, which can disguise a file's extension, take no cell of
/// their own and are removed here from the finished frame, so names show in their real order.
/// One choke point for every widget.
fn neutralise(frame: &mut Frame) {
    for cell in &mut frame.buffer_mut().content {
        if cell.symbol().chars().any(is_terminal_control) {
            let kept: String = cell
                .symbol()
                .chars()
                .filter(|c| !is_terminal_control(*c))
                .collect();
            cell.set_symbol(if kept.is_empty() { " " } else { &kept });
        }
    }
}

/// The spinner frame while something loads.
fn spinner(state: &State) -> &'static str {
    const FRAMES: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];
    FRAMES[state.spinner % FRAMES.len()]
}

/// A rectangle of at most `width` × `height` centred in `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Cuts text to `width` characters, ending with `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
