//! The top two rows: who and where, then the panes, sort and filter.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, fit};
use crate::app::keymap::{Action, Context};
use crate::app::state::{Pane, ResourceSource, State};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let server = state.server();
    let version = server.map(|s| s.version_text.as_str()).unwrap_or("?");
    let user = server.map(|s| s.user.label()).unwrap_or("?");
    let url = state.settings.base_url.trim_end_matches('/');
    let head = format!(" d2files ─ {} ─ ", state.settings.profile);
    let tail = format!(" ─ DHIS2 {version} ─ {user}");
    let room = usize::from(area.width)
        .saturating_sub(head.chars().count() + tail.chars().count())
        .max(8);
    let text = format!("{head}{}{tail}", fit(url, room));
    let line = Line::from(fit(&text, usize::from(area.width))).style(theme.header());
    frame.render_widget(Paragraph::new(line).style(theme.header()), area);
}

/// The panes' tabs, left to right, each labelled with the key that shows it, and drawn one
/// column in from the last (`[label]` when active, ` label ` otherwise: the same width).
fn tab_labels(state: &State) -> [(Pane, String); 2] {
    let keys = &state.settings.keymap;
    let label = |action, name| {
        let key = keys.hint(Context::List, action);
        if key.is_empty() {
            String::from(name)
        } else {
            format!("{key} {name}")
        }
    };
    [
        (Pane::Documents, label(Action::Documents, "Documents")),
        (Pane::Resources, label(Action::Resources, "File resources")),
    ]
}

/// The tab drawn at column `x` of the tabs row, if any.
pub fn tab_at(state: &State, x: u16) -> Option<Pane> {
    let mut start = 1;
    for (pane, label) in tab_labels(state) {
        let end = start + label.chars().count() + 2;
        if (start..end).contains(&usize::from(x)) {
            return Some(pane);
        }
        start = end + 1;
    }
    None
}

pub fn tabs(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let mut left = Vec::new();
    for (pane, label) in tab_labels(state) {
        left.push(Span::raw(" "));
        left.push(if state.pane == pane {
            Span::styled(format!("[{label}]"), theme.active_tab())
        } else {
            Span::styled(format!(" {label} "), theme.dim())
        });
    }
    let mut right = vec![Span::styled(
        format!("sort {}", state.sort.label()),
        theme.dim(),
    )];
    if state.pane == Pane::Resources {
        let domain = match (state.resources.source, &state.resources.domain) {
            (ResourceSource::Known, _) => "known to d2files".to_string(),
            (ResourceSource::Server, Some(domain)) => domain.to_string(),
            (ResourceSource::Server, None) => "all domains".to_string(),
        };
        right.push(Span::styled(format!("  {domain}"), theme.dim()));
    }
    let applied = &state.filter().applied;
    if !applied.is_empty() {
        right.push(Span::raw("  filter: "));
        right.push(Span::styled(applied.clone(), theme.title()));
    }
    right.push(Span::raw(" "));
    let used: usize = left.iter().chain(&right).map(|s| s.width()).sum();
    let width = usize::from(area.width);
    if used < width {
        left.push(Span::raw(" ".repeat(width - used)));
    } else {
        // Too narrow for both: the filter matters more than the sort.
        right.remove(0);
    }
    left.extend(right);
    frame.render_widget(Paragraph::new(Line::from(left)), area);
}
