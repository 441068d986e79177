//! The screens before the lists: connecting, and a failed start with what to check.
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Theme, centered, spinner};
use crate::app::state::State;

pub fn connecting(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let text = vec![
        Line::from(Span::styled("d2files", theme.title())),
        Line::from(""),
        Line::from(format!(
            "{} connecting to {} as profile {}…",
            spinner(state),
            state.settings.base_url,
            state.settings.profile
        )),
    ];
    let rect = centered(area, area.width.saturating_sub(4), 5);
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}

pub fn failed(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    message: &str,
    hints: &[String],
    theme: Theme,
) {
    let mut text = vec![
        Line::from(vec![
            Span::raw("Server: "),
            Span::styled(state.settings.base_url.clone(), theme.link()),
            Span::raw(format!("   profile: {}", state.settings.profile)),
        ]),
        Line::from(""),
        Line::from(Span::styled(message.to_string(), theme.error())),
        Line::from(""),
        Line::from("Check:"),
    ];
    text.extend(hints.iter().map(|hint| Line::from(format!("  • {hint}"))));
    text.push(Line::from(""));
    if let Some(log) = &state.settings.log_path {
        text.push(Line::from(Span::styled(
            format!("Log: {}", log.display()),
            theme.dim(),
        )));
    }
    text.push(Line::from(vec![
        Span::styled("r", theme.key()),
        Span::raw(" try again   "),
        Span::styled("q", theme.key()),
        Span::raw(" quit"),
    ]));
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.error())
        .title(Span::styled(" d2files could not start ", theme.error()));
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(76),
        area.height.saturating_sub(2).min(18),
    );
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}
