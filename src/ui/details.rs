//! The details panel: every field of the selected document (with the file resource behind a
//! file document), or of the selected file resource.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Theme, human_size, spinner};
use crate::api::FileResource;
use crate::app::state::{Pane, State};

pub fn height(screen_height: u16) -> u16 {
    if screen_height >= 24 { 8 } else { 6 }
}

fn field<'a>(label: &'a str, value: String, theme: Theme) -> Vec<Span<'a>> {
    vec![
        Span::styled(label, theme.dim()),
        Span::raw(" "),
        Span::raw(value),
        Span::raw("  "),
    ]
}

fn when(value: Option<chrono::NaiveDateTime>) -> String {
    value
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "–".into())
}

fn resource_lines(resource: &FileResource, theme: Theme) -> Vec<Line<'static>> {
    let mut first = field("file", resource.title().to_string(), theme);
    first.extend(field("id", resource.id.clone(), theme));
    first.extend(field(
        "size",
        resource
            .content_length
            .map(human_size)
            .unwrap_or_else(|| "?".into()),
        theme,
    ));
    let mut second = field(
        "status",
        resource
            .storage_status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "?".into()),
        theme,
    );
    second.extend(field(
        "domain",
        resource
            .domain
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_else(|| "?".into()),
        theme,
    ));
    second.extend(field(
        "type",
        resource.content_type.clone().unwrap_or_default(),
        theme,
    ));
    let mut third = field(
        "md5",
        resource.content_md5.clone().unwrap_or_else(|| "–".into()),
        theme,
    );
    if let Some(assigned) = resource.assigned {
        third.extend(field("assigned", assigned.to_string(), theme));
    }
    third.extend(field("updated", when(resource.last_updated), theme));
    vec![Line::from(first), Line::from(second), Line::from(third)]
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Span::styled(" details ", theme.title()));
    let lines = match state.pane {
        Pane::Documents => document_lines(state, theme),
        Pane::Resources => match state.selected_resource() {
            Some(row) => match &row.resource {
                Some(resource) => {
                    let mut lines = resource_lines(resource, theme);
                    lines.push(Line::from(field(
                        "known from",
                        row.origin.label().into(),
                        theme,
                    )));
                    lines
                }
                None => vec![Line::from(format!(
                    "{} loading {}",
                    spinner(state),
                    row.uid
                ))],
            },
            None => vec![Line::from(Span::styled("nothing selected", theme.dim()))],
        },
    };
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        area,
    );
}

fn document_lines(state: &State, theme: Theme) -> Vec<Line<'static>> {
    let details = &state.details;
    if let Some(error) = &details.error {
        return vec![Line::from(Span::styled(error.clone(), theme.error()))];
    }
    let Some(document) = details.document.as_ref() else {
        let what = state
            .selected_document()
            .map(|d| d.title().to_string())
            .unwrap_or_default();
        return vec![Line::from(format!("{} loading {what}", spinner(state)))];
    };
    let mut first = field("id", document.id.clone(), theme);
    first.extend(field("name", document.title().to_string(), theme));
    let mut second = field(
        "kind",
        if document.external {
            "external link"
        } else {
            "file"
        }
        .to_string(),
        theme,
    );
    second.extend(field(
        "url",
        document.url.clone().unwrap_or_default(),
        theme,
    ));
    if let Some(content_type) = &document.content_type {
        second.extend(field("type", content_type.clone(), theme));
    }
    let mut third = field("created", when(document.created), theme);
    if let Some(by) = document.created_by.as_ref().and_then(|u| u.label()) {
        third.extend(field("by", by.to_string(), theme));
    }
    third.extend(field("updated", when(document.last_updated), theme));
    if let Some(attachment) = document.attachment {
        third.extend(field("attachment", attachment.to_string(), theme));
    }
    let mut lines = vec![Line::from(first), Line::from(second), Line::from(third)];
    match &details.resource {
        Some(Ok(resource)) => lines.extend(resource_lines(resource, theme)),
        Some(Err(error)) => lines.push(Line::from(Span::styled(
            format!("file resource: {error}"),
            theme.error(),
        ))),
        None => {}
    }
    lines
}
