//! The Documents and File resources tables, with the "120 of 583" count.
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::{Theme, fit, spinner};
use crate::api::units::human_size;
use crate::api::{Document, FileResource, StorageStatus};
use crate::app::keymap::{Action, Context};
use crate::app::state::{ListView, Pane, ResourceRow, ResourceSource, State};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    match state.pane {
        Pane::Documents => documents(frame, area, state, theme),
        Pane::Resources => resources(frame, area, state, theme),
    }
}

fn block<'a, T>(title: &'a str, list: &ListView<T>, state: &State, theme: Theme) -> Block<'a> {
    let mut count = match list.total {
        // After `G` the rows are a window of the list: say which.
        Some(total) if list.offset > 0 => format!(
            " {}–{} of {total} ",
            list.offset + 1,
            list.offset + list.items.len()
        ),
        Some(total) => format!(" {} of {total} ", list.items.len()),
        None => " ".to_string(),
    };
    if list.loading.is_some() {
        count.push_str(spinner(state));
        count.push(' ');
    }
    Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Line::from(Span::styled(
            format!(" {title} "),
            theme.title(),
        )))
        .title_bottom(Line::from(count).alignment(Alignment::Right))
}

/// What an empty list says instead of rows.
fn empty<T>(
    frame: &mut Frame,
    area: Rect,
    list: &ListView<T>,
    what: &str,
    hint: String,
    theme: Theme,
) {
    let (text, style) = if list.loading.is_some() || !list.loaded {
        (format!("Loading {what}…"), theme.dim())
    } else if let Some(error) = &list.error {
        (format!("Could not load {what}: {error}"), theme.error())
    } else if !list.filter.applied.is_empty() {
        (
            format!("No {what} match {}", list.filter.applied),
            theme.dim(),
        )
    } else {
        (format!("No {what} yet. {hint}"), theme.dim())
    };
    let inner = Rect {
        y: area.y + area.height / 2,
        height: area.height - area.height / 2,
        ..area
    };
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(text, style)))
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        inner,
    );
}

/// The list item drawn on screen row `y` of a table drawn in `area`, if any.
pub fn row_at<T>(list: &ListView<T>, area: Rect, y: u16) -> Option<usize> {
    let inner = Block::new().borders(Borders::ALL).inner(area);
    // The first inner row is the column titles.
    let first_row = inner.y + 1;
    if list.items.is_empty() || y < first_row || y >= inner.bottom() {
        return None;
    }
    let (offset, visible, _) = window(list, inner);
    let place = usize::from(y - first_row);
    (place < visible).then_some(offset + place)
}

/// The rows to draw: the cursor stays mid-screen while scrolling, and only what fits is built
/// (a list may hold thousands of loaded rows).
/// Returns the first row, how many rows, and the cursor's place among them.
fn window<T>(list: &ListView<T>, inner: Rect) -> (usize, usize, usize) {
    let visible = usize::from(inner.height.saturating_sub(1)).max(1);
    let len = list.items.len();
    let cursor = list.cursor.min(len.saturating_sub(1));
    let offset = cursor
        .saturating_sub(visible / 2)
        .min(len.saturating_sub(visible));
    (offset, visible.min(len - offset), cursor - offset)
}

fn date(value: Option<chrono::NaiveDateTime>) -> String {
    value
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn documents(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let list = &state.documents;
    let outer = block("Documents", list, state, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    if list.items.is_empty() {
        let keys = &state.settings.keymap;
        let hint = format!(
            "{} adds a link, {} uploads a file.",
            keys.hint(Context::List, Action::AddLink),
            keys.hint(Context::List, Action::Upload)
        );
        return empty(frame, inner, list, "documents", hint, theme);
    }
    let narrow = area.width < 70;
    let (offset, visible, selected) = window(list, inner);
    let rows = list.items[offset..offset + visible].iter().map(|document| {
        let resource = document.file_resource_uid().and_then(|uid| {
            let resources = &state.resources;
            resources
                .fetched
                .get(uid)
                .or_else(|| resources.listed.get(uid))
        });
        let size = resource
            .and_then(|r| r.content_length)
            .map(human_size)
            .unwrap_or_default();
        let mut cells = vec![
            Cell::from(document.title()),
            Cell::from(if document.external { "link" } else { "file" }),
            kind_detail(document, resource, theme),
            Cell::from(Line::from(size).alignment(Alignment::Right)),
            Cell::from(date(document.last_updated)),
        ];
        if narrow {
            cells.remove(2);
        }
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Fill(3),
        Constraint::Length(4),
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(10),
    ];
    let mut titles = vec!["name", "kind", "type / URL", "size", "updated"];
    // Too narrow for a useful type column: the details panel shows it.
    if narrow {
        widths.remove(2);
        titles.remove(2);
    }
    let header = Row::new(titles).style(theme.dim());
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected())
        .highlight_symbol("▶");
    let mut table_state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, inner, &mut table_state);
}

/// A link's URL, or a file's content type (from its file resource once read).
fn kind_detail<'a>(
    document: &'a Document,
    resource: Option<&'a FileResource>,
    theme: Theme,
) -> Cell<'a> {
    if document.external {
        Cell::from(Span::styled(
            document.url.as_deref().unwrap_or_default(),
            theme.link(),
        ))
    } else {
        let content_type = document
            .content_type
            .as_deref()
            .or_else(|| resource.and_then(|r| r.content_type.as_deref()));
        Cell::from(content_type.unwrap_or_default())
    }
}

fn resources(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let list = &state.resources.list;
    let title = match state.resources.source {
        ResourceSource::Server => "File resources",
        ResourceSource::Known => "File resources known to d2files (DHIS2 < 2.41 has no list)",
    };
    let title = fit(title, usize::from(area.width.saturating_sub(6)));
    let outer = block(&title, list, state, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    if list.items.is_empty() {
        let keys = &state.settings.keymap;
        let hint = format!(
            "{} uploads one, {} looks one up by uid.",
            keys.hint(Context::List, Action::Upload),
            keys.hint(Context::List, Action::LookUp)
        );
        return empty(frame, inner, list, "file resources", hint, theme);
    }
    let (offset, visible, selected) = window(list, inner);
    let rows = list.items[offset..offset + visible]
        .iter()
        .map(|row| resource_row(row, state, theme));
    let widths = [
        Constraint::Fill(3),
        Constraint::Length(11),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(10),
    ];
    let header = Row::new(["name", "uid", "domain", "size", "status"]).style(theme.dim());
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected())
        .highlight_symbol("▶");
    let mut table_state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, inner, &mut table_state);
}

fn resource_row<'a>(row: &'a ResourceRow, state: &State, theme: Theme) -> Row<'a> {
    let resource = row.resource.as_ref();
    let fetching = state
        .resources
        .fetching
        .as_ref()
        .is_some_and(|(_, uid)| *uid == row.uid);
    let status = match resource.and_then(|r| r.storage_status.as_ref()) {
        // Lists skip the storage check; the details read the real status.
        Some(StorageStatus::None) => Span::styled("–", theme.dim()),
        Some(status) => Span::raw(status.to_string()),
        None if fetching => Span::raw(spinner(state)),
        None if state.resources.missing.contains_key(&row.uid) => {
            Span::styled("unreadable", theme.error())
        }
        None => Span::styled(row.origin.label(), theme.dim()),
    };
    Row::new(vec![
        Cell::from(row.name.as_str()),
        Cell::from(row.uid.as_str()),
        Cell::from(
            resource
                .and_then(|r| r.domain.as_ref())
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        Cell::from(
            Line::from(
                resource
                    .and_then(|r| r.content_length)
                    .map(human_size)
                    .unwrap_or_default(),
            )
            .alignment(Alignment::Right),
        ),
        Cell::from(status),
    ])
}
