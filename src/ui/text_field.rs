//! A labelled one-line text field, as the filter prompt and every form draw it.
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;

use super::Theme;

/// One line with a label and a text field; shows the cursor when focused.
pub fn input_line(
    frame: &mut Frame,
    area: Rect,
    label: &str,
    input: &Input,
    theme: Theme,
    focused: bool,
) {
    let label_width = label.chars().count() as u16;
    let width = usize::from(area.width.saturating_sub(label_width + 1));
    let scroll = input.visual_scroll(width);
    let visible: String = input.value().chars().skip(scroll).take(width).collect();
    let label_style = if focused { theme.key() } else { theme.dim() };
    let line = Line::from(vec![
        Span::styled(label.to_string(), label_style),
        Span::raw(visible),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    if focused {
        let x = area.x + label_width + (input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
    }
}
