//! The Documents and File resources tables, with the "120 of 583" count.
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::{Theme, fit, spinner};
use crate::api::units::human_size;
use crate::api::{Document, FileResource, StorageStatus};
use crate::app::check::{CheckResult, Checked, Marker};
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
    problems_view: bool,
    theme: Theme,
) {
    let (text, style) = if list.loading.is_some() || !list.loaded {
        (format!("Loading {what}…"), theme.dim())
    } else if let Some(error) = &list.error {
        (format!("Could not load {what}: {error}"), theme.error())
    } else if problems_view {
        (
            format!("None of the {what} the last check found a problem with is left"),
            theme.dim(),
        )
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
        let view = state.check.documents_view.is_some();
        return empty(frame, inner, list, "documents", hint, view, theme);
    }
    let (offset, visible, selected) = window(list, inner);
    // Columns give way to the name as the screen narrows: type first (the details show it),
    // then size, then the date; the name always keeps the most room.
    let width = area.width;
    // The check's marks take a column only once a check marked some document.
    let checked = state
        .check
        .result
        .as_ref()
        .is_some_and(CheckResult::marks_documents);
    let show = |column: DocumentColumn| {
        column.shown_from() <= width && (column != DocumentColumn::Check || checked)
    };
    let columns: Vec<DocumentColumn> = DocumentColumn::ALL
        .into_iter()
        .filter(|c| show(*c))
        .collect();
    let fixed: Vec<u16> = columns
        .iter()
        .filter(|c| !matches!(c, DocumentColumn::Name | DocumentColumn::Type))
        .map(|c| c.width())
        .collect();
    let name_width = name_room(inner.width, &fixed, columns.contains(&DocumentColumn::Type));
    let rows = list.items[offset..offset + visible].iter().map(|document| {
        let resource = document
            .file_resource_uid()
            .and_then(|uid| state.resources.book.get(uid));
        let marked = list.marks.contains(&document.id);
        let cells = columns.iter().map(|column| match column {
            // One lookup in the report's index per drawn row.
            DocumentColumn::Check => marker_cell(state.check.document(&document.id), theme),
            DocumentColumn::Name => name_cell(document.title(), name_width, marked, theme),
            DocumentColumn::Kind => Cell::from(if document.external { "link" } else { "file" }),
            DocumentColumn::Type => kind_detail(document, resource, theme),
            DocumentColumn::Size => size_cell(resource),
            DocumentColumn::Updated => Cell::from(date(document.last_updated)),
        });
        Row::new(cells.collect::<Vec<_>>())
    });
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|column| match column {
            DocumentColumn::Name => Constraint::Length(name_width as u16),
            DocumentColumn::Type => Constraint::Fill(1),
            other => Constraint::Length(other.width()),
        })
        .collect();
    let header = Row::new(columns.iter().map(|c| c.title())).style(theme.dim());
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(COLUMN_SPACING)
        .row_highlight_style(theme.selected())
        .highlight_symbol(HIGHLIGHT);
    let mut table_state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, inner, &mut table_state);
}

const COLUMN_SPACING: u16 = 1;
const HIGHLIGHT: &str = "▶";

/// The Documents table's columns, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DocumentColumn {
    /// The last check's mark (`!`, `i`), once a check marked some document.
    Check,
    Name,
    Kind,
    Type,
    Size,
    Updated,
}

impl DocumentColumn {
    const ALL: [DocumentColumn; 6] = [
        DocumentColumn::Check,
        DocumentColumn::Name,
        DocumentColumn::Kind,
        DocumentColumn::Type,
        DocumentColumn::Size,
        DocumentColumn::Updated,
    ];

    fn title(self) -> &'static str {
        match self {
            DocumentColumn::Check => "",
            DocumentColumn::Name => "name",
            DocumentColumn::Kind => "kind",
            DocumentColumn::Type => "type / URL",
            DocumentColumn::Size => "size",
            DocumentColumn::Updated => "updated",
        }
    }

    /// The width of a fixed column (the name and the type share what is left).
    fn width(self) -> u16 {
        match self {
            DocumentColumn::Name | DocumentColumn::Type => 0,
            DocumentColumn::Check => MARKER_WIDTH,
            DocumentColumn::Kind => 4,
            // "1000.0 KiB"
            DocumentColumn::Size => 10,
            DocumentColumn::Updated => 10,
        }
    }

    /// The screen width from which it is shown.
    fn shown_from(self) -> u16 {
        match self {
            DocumentColumn::Check | DocumentColumn::Name | DocumentColumn::Kind => 0,
            DocumentColumn::Updated => 45,
            DocumentColumn::Size => 55,
            DocumentColumn::Type => 70,
        }
    }
}

/// The name column's width: what the fixed columns leave of the table (after the highlight
/// mark and the spacing); beside a type column, which fills the rest, the name takes 3/5.
fn name_room(table_width: u16, fixed: &[u16], beside_type: bool) -> usize {
    let columns = fixed.len() as u16 + 1 + u16::from(beside_type);
    let spacing = COLUMN_SPACING * columns.saturating_sub(1);
    let rest = table_width
        .saturating_sub(HIGHLIGHT.chars().count() as u16)
        .saturating_sub(spacing)
        .saturating_sub(fixed.iter().sum());
    let name = if beside_type { rest * 3 / 5 } else { rest };
    usize::from(name.max(1))
}

/// What marks a marked row's name, so it shows without colour too.
const MARK: &str = "● ";

/// The check's mark column: one ASCII glyph.
const MARKER_WIDTH: u16 = 1;

/// A row's check mark: `!` (a problem) or `i` (worth knowing), blank when fine or unchecked.
fn marker_cell(checked: Option<&Checked>, theme: Theme) -> Cell<'static> {
    match checked.and_then(Checked::marker) {
        Some(marker @ Marker::Problem) => {
            Cell::from(Span::styled(marker.symbol(), theme.problem()))
        }
        Some(marker @ Marker::Note) => Cell::from(Span::styled(marker.symbol(), theme.note())),
        None => Cell::from(""),
    }
}

/// A name cut to its column, after the mark when the row is marked.
fn name_cell(name: &str, width: usize, marked: bool, theme: Theme) -> Cell<'static> {
    if marked {
        let text = fit(&format!("{MARK}{name}"), width);
        Cell::from(Span::styled(text, theme.marked()))
    } else {
        Cell::from(fit(name, width))
    }
}

/// A file's size, right-aligned; empty while unknown.
fn size_cell(resource: Option<&FileResource>) -> Cell<'static> {
    let size = resource
        .and_then(|r| r.content_length)
        .map(human_size)
        .unwrap_or_default();
    Cell::from(Line::from(size).alignment(Alignment::Right))
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
        let view = state.check.resources_view.is_some();
        return empty(frame, inner, list, "file resources", hint, view, theme);
    }
    let (offset, visible, selected) = window(list, inner);
    let shown = &list.items[offset..offset + visible];
    // As wide as the longest domain on screen (MESSAGE_ATTACHMENT is 18): a domain is a word
    // that means nothing cut, while the name column takes whatever is left.
    let domain_width = shown
        .iter()
        .filter_map(|row| state.resources.book.get(&row.uid)?.domain.as_ref())
        .map(|domain| domain.as_str().chars().count())
        .max()
        .unwrap_or(0)
        .max("domain".len()) as u16;
    // As the screen narrows the uid goes first (the details show it), then size, then domain.
    let width = area.width;
    let columns: Vec<(ResourceColumn, u16)> = [
        (ResourceColumn::Uid, 11, 70),
        (ResourceColumn::Domain, domain_width, 45),
        (ResourceColumn::Size, 10, 55),
        (ResourceColumn::Status, 10, 0),
    ]
    .into_iter()
    .filter(|(_, _, from)| *from <= width)
    .map(|(column, width, _)| (column, width))
    .collect();
    let fixed: Vec<u16> = columns.iter().map(|(_, width)| *width).collect();
    // The check's marks (orphans) take a column before the name once it marked some row.
    let checked = state
        .check
        .result
        .as_ref()
        .is_some_and(CheckResult::marks_resources);
    let marker: Vec<u16> = if checked {
        vec![MARKER_WIDTH]
    } else {
        Vec::new()
    };
    let name_width = name_room(
        inner.width,
        &[fixed.clone(), marker.clone()].concat(),
        false,
    );
    let shown_columns: Vec<ResourceColumn> = columns.iter().map(|(column, _)| *column).collect();
    let rows = shown
        .iter()
        .map(|row| resource_row(row, state, name_width, &shown_columns, checked, theme));
    let widths: Vec<Constraint> = marker
        .iter()
        .copied()
        .chain(std::iter::once(name_width as u16))
        .chain(fixed)
        .map(Constraint::Length)
        .collect();
    let titles = shown_columns.iter().map(|column| column.title());
    let marker_title = checked.then_some("");
    let header = Row::new(
        marker_title
            .into_iter()
            .chain(std::iter::once("name"))
            .chain(titles),
    )
    .style(theme.dim());
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(COLUMN_SPACING)
        .row_highlight_style(theme.selected())
        .highlight_symbol(HIGHLIGHT);
    let mut table_state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, inner, &mut table_state);
}

/// The file resources table's columns after the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResourceColumn {
    Uid,
    Domain,
    Size,
    Status,
}

impl ResourceColumn {
    fn title(self) -> &'static str {
        match self {
            ResourceColumn::Uid => "uid",
            ResourceColumn::Domain => "domain",
            ResourceColumn::Size => "size",
            ResourceColumn::Status => "status",
        }
    }
}

/// A row of the file resources table: the name, then `columns`.
fn resource_row<'a>(
    row: &'a ResourceRow,
    state: &'a State,
    name_width: usize,
    columns: &[ResourceColumn],
    checked: bool,
    theme: Theme,
) -> Row<'a> {
    let book = &state.resources.book;
    let resource = book.get(&row.uid);
    let fetching = state
        .resources
        .fetching
        .as_ref()
        .is_some_and(|(_, uid)| *uid == row.uid);
    // Only a plain read's status counts (lists say NONE); rows on screen are read in turn.
    let status = match book.checked_status(&row.uid) {
        Some(StorageStatus::Pending) => Span::styled("PENDING", theme.error()),
        Some(status) => Span::raw(status.to_string()),
        None if fetching => Span::raw(spinner(state)),
        None if book.unreadable(&row.uid).is_some() => Span::styled("unreadable", theme.error()),
        None if resource.is_some() => Span::styled("…", theme.dim()),
        None => Span::styled(row.origin.label(), theme.dim()),
    };
    let cells = columns.iter().map(|column| match column {
        ResourceColumn::Uid => Cell::from(row.uid.as_str()),
        ResourceColumn::Domain => Cell::from(
            resource
                .and_then(|r| r.domain.as_ref())
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        ResourceColumn::Size => size_cell(resource),
        ResourceColumn::Status => Cell::from(status.clone()),
    });
    let marked = state.resources.list.marks.contains(&row.uid);
    let name = name_cell(state.resources.row_name(row), name_width, marked, theme);
    let marker = checked.then(|| marker_cell(state.check.resource(&row.uid), theme));
    Row::new(
        marker
            .into_iter()
            .chain(std::iter::once(name))
            .chain(cells)
            .collect::<Vec<_>>(),
    )
}
