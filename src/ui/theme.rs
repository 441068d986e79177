//! Colours and emphasis. With `NO_COLOR` only bold, reverse and dim are used.
use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Theme {
        Theme { color }
    }

    fn paint(self, style: Style, color: Color) -> Style {
        if self.color { style.fg(color) } else { style }
    }

    pub fn header(self) -> Style {
        let style = Style::new().add_modifier(Modifier::REVERSED);
        if self.color {
            Style::new().bg(Color::Blue).fg(Color::White)
        } else {
            style
        }
    }

    pub fn title(self) -> Style {
        self.paint(Style::new().add_modifier(Modifier::BOLD), Color::Cyan)
    }

    pub fn selected(self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::DarkGray)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// A marked row: bold, and magenta where there is colour (the `●` before its name says
    /// it without colour).
    pub fn marked(self) -> Style {
        self.paint(Style::new().add_modifier(Modifier::BOLD), Color::Magenta)
    }

    pub fn active_tab(self) -> Style {
        self.paint(
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            Color::Yellow,
        )
    }

    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn key(self) -> Style {
        self.paint(Style::new().add_modifier(Modifier::BOLD), Color::Yellow)
    }

    pub fn error(self) -> Style {
        self.paint(Style::new().add_modifier(Modifier::BOLD), Color::Red)
    }

    /// A check's `!`: red where there is colour, bold everywhere (the glyph says it alone).
    pub fn problem(self) -> Style {
        self.error()
    }

    /// A check's `i`, worth a glance and no problem.
    pub fn note(self) -> Style {
        self.paint(Style::new(), Color::Cyan)
    }

    pub fn ok(self) -> Style {
        self.paint(Style::new(), Color::Green)
    }

    pub fn link(self) -> Style {
        self.paint(Style::new(), Color::Cyan)
    }

    pub fn border(self) -> Style {
        self.paint(Style::new(), Color::Gray)
    }

    pub fn gauge(self) -> Style {
        self.paint(Style::new(), Color::Green)
    }
}
