//! Messages in the lower right corner: info fades, errors stay until dismissed.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::Theme;
use crate::app::keymap::{Action, Context};
use crate::app::state::{State, ToastLevel};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    if state.toasts.is_empty() || area.height < 3 {
        return;
    }
    let width = area.width.saturating_sub(2).min(60);
    let text_width = usize::from(width.saturating_sub(2)).max(1);
    let dismiss = state.settings.keymap.hint(Context::List, Action::Dismiss);
    // Inside the list's frame, so its border and count stay visible.
    let mut bottom = area.bottom().saturating_sub(1);
    // Newest at the bottom, tall enough to read in full (up to half the list); older ones
    // stack above while there is room, at most four lines each.
    let newest_rows = (area.height / 2).max(OLDER_TOAST_ROWS);
    for (i, toast) in state.toasts.iter().rev().enumerate() {
        let lines = wrapped_lines(&toast.text, text_width) as u16;
        let most = if i == 0 {
            newest_rows
        } else {
            OLDER_TOAST_ROWS
        };
        let height = (lines + 2).min(most);
        if bottom < area.y + height {
            break;
        }
        let rect = Rect {
            x: area.right().saturating_sub(width + 1),
            y: bottom - height,
            width,
            height,
        };
        bottom -= height;
        let (style, title) = match toast.level {
            // What a background job found stays until dismissed, and says so.
            ToastLevel::Info if toast.expires.is_none() => {
                (theme.ok(), format!(" info ─ {dismiss} dismisses "))
            }
            ToastLevel::Info => (theme.ok(), " info ".to_string()),
            ToastLevel::Error => (theme.error(), format!(" error ─ {dismiss} dismisses ")),
        };
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(style)
            .title(Span::styled(title, style));
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(Line::from(toast.text.clone()))
                .block(block)
                .wrap(Wrap { trim: true }),
            rect,
        );
    }
}

/// Rows of an older toast, borders included.
const OLDER_TOAST_ROWS: u16 = 6;

/// How many lines word wrapping makes of `text` at `width`.
fn wrapped_lines(text: &str, width: usize) -> usize {
    let mut lines = 1;
    let mut used = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if used > 0 && used + 1 + len > width {
            lines += 1;
            used = 0;
        }
        used = match used {
            0 => len,
            _ => used + 1 + len,
        };
        // A word longer than the line is broken across lines.
        while used > width {
            lines += 1;
            used -= width;
        }
    }
    lines
}
