//! `?`: the help lines `app::help` composes, in a scrolling box.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Theme, centered};
use crate::app::help::HelpLine;
use crate::app::keymap::{Action, Context};
use crate::app::state::{HELP_MARGIN, State};

fn line(help: HelpLine, theme: Theme) -> Line<'static> {
    match help {
        HelpLine::Title(title) => Line::from(Span::styled(title, theme.title())),
        HelpLine::Binding { keys, description } => Line::from(vec![
            Span::styled(format!("  {keys:<16}"), theme.key()),
            Span::raw(description),
        ]),
        HelpLine::Tip(tip) => Line::from(Span::styled(tip, theme.dim())),
        HelpLine::Blank => Line::from(""),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(72),
        area.height.saturating_sub(HELP_MARGIN),
    );
    let lines: Vec<Line> = state
        .help_lines()
        .into_iter()
        .map(|help| line(help, theme))
        .collect();
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
            .scroll((state.help.unwrap_or(0), 0)),
        rect,
    );
}
