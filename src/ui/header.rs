//! The top two rows: who and where, then the panes, sort and filter.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, fit};
use crate::app::keymap::{Action, Context};
use crate::app::state::{Pane, ResourceSource, State};

/// " d2files ─ PROFILE ─ URL ─ DHIS2 VERSION ─ USER". Which server matters most, so when the
/// row is short the user goes first, then the version, then the profile, and the URL is cut
/// (with `…`) only when it alone does not fit. A profile named after the URL's host (a
/// connection from `--url` or `DHIS2_URL`) is not repeated.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let server = state.server();
    let version = server.map(|s| format!("DHIS2 {}", s.version_text));
    let user = server.map(|s| s.user.label().to_string());
    let url = state.settings.base_url.trim_end_matches('/');
    let profile = &state.settings.profile;
    let profile = (!names_the_host(profile, url)).then_some(profile.clone());
    let width = usize::from(area.width);
    // Kept while `kept` is above their place: the user goes first, the profile last.
    let optional = [profile, version, user];
    let mut kept = optional.len();
    let line = loop {
        let [profile, version, user] = &optional;
        let keep = |place: usize, part: &Option<String>| part.clone().filter(|_| place < kept);
        let mut parts = vec![" d2files".to_string()];
        parts.extend(keep(0, profile));
        parts.push(url.to_string());
        parts.extend(keep(1, version));
        parts.extend(keep(2, user));
        let text = parts.join(" ─ ");
        if text.chars().count() <= width || kept == 0 {
            break fit(&text, width);
        }
        kept -= 1;
    };
    let line = Line::from(line).style(theme.header());
    frame.render_widget(Paragraph::new(line).style(theme.header()), area);
}

/// Whether a connection's name is just its URL's host (and port), as for `--url`.
fn names_the_host(name: &str, url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|url| {
        let host = url.host_str().unwrap_or_default();
        name == host
            || url
                .port()
                .is_some_and(|port| name == format!("{host}:{port}"))
    })
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
    if state.showing_problems() {
        // The rows are the last check's problems, not the filter's.
        right.push(Span::raw("  "));
        right.push(Span::styled("! problems only", theme.problem()));
    } else if !applied.is_empty() {
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
