//! `?`: every binding of the keymap by context, plus the fixed keys of forms.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Theme, centered};
use crate::app::keymap::{Action, Context};
use crate::app::state::State;

pub fn lines(state: &State, theme: Theme) -> Vec<Line<'static>> {
    let keymap = &state.settings.keymap;
    let mut lines = Vec::new();
    for context in Context::ALL {
        lines.push(Line::from(Span::styled(
            context.title().to_string(),
            theme.title(),
        )));
        for (action, keys) in keymap.entries(context) {
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<16}", keys.join(" ")), theme.key()),
                Span::raw(action.description()),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled("Forms and prompts", theme.title())));
    for (keys, what) in [
        ("Enter", "confirm / next field"),
        ("Esc", "cancel (in the filter: clear it)"),
        ("Tab", "complete a path, else next field"),
        ("↑ ↓", "move between fields"),
        ("← →", "choose the domain"),
        ("Ctrl-c", "quit at once, cancelling transfers"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<16}"), theme.key()),
            Span::raw(what),
        ]));
    }
    lines.push(Line::from(""));
    // Two short lines: the box is at most 72 columns wide.
    for tip in [
        "Filter: plain text finds names containing it (`:` included);",
        "DHIS2 syntax is property:operator:value, e.g. name:ilike:malaria",
    ] {
        lines.push(Line::from(Span::styled(tip, theme.dim())));
    }
    if let Some(log) = &state.settings.log_path {
        lines.push(Line::from(Span::styled(
            format!("Log: {}", log.display()),
            theme.dim(),
        )));
    }
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, scroll: u16, theme: Theme) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(72),
        area.height.saturating_sub(2),
    );
    let lines = lines(state, theme);
    let visible = rect.height.saturating_sub(2);
    let max_scroll = (lines.len() as u16).saturating_sub(visible);
    let keymap = &state.settings.keymap;
    let title = format!(
        " help ─ {}/{} scroll, {} closes ",
        keymap.hint(Context::Help, Action::Down),
        keymap.hint(Context::Help, Action::Up),
        keymap.hint(Context::Help, Action::Close)
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.title())
        .title(Span::styled(title, theme.title()));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(max_scroll), 0)),
        rect,
    );
}
