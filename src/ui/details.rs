//! The details panel: every field of the selected document (with the file resource behind a
//! file document), or of the selected file resource.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Theme, spinner};
use crate::api::FileResource;
use crate::api::units::human_size;
use crate::app::check::Checked;
use crate::app::known_resources::Origin;
use crate::app::sharing::{SharingRead, external_access_note, in_words};
use crate::app::state::{Pane, State};

/// The panel's rows: more once the last check marked rows of this pane (their findings and
/// what to do take room) and the screen has it. It depends on the pane, not on the row, so
/// the list does not jump as the cursor moves.
pub fn height(state: &State, screen_height: u16) -> u16 {
    let findings = state
        .check
        .result
        .as_ref()
        .is_some_and(|result| match state.pane {
            Pane::Documents => result.marks_documents(),
            Pane::Resources => result.marks_resources(),
        });
    if findings && screen_height >= 24 {
        12
    } else if screen_height >= 20 {
        8
    } else {
        6
    }
}

/// What the last check found about the row the panel is about.
fn shown_check(state: &State) -> Option<&Checked> {
    match state.pane {
        Pane::Documents => state.check.document(state.details.uid.as_deref()?),
        Pane::Resources => state.check.resource(&state.selected_resource()?.uid),
    }
}

/// The check's findings, each with its class, its reason and what to do; for a row it found
/// nothing about, one line saying so. Reasons quote server text (names, DHIS2's errors): the
/// frame's neutralising makes it inert, as for every other field.
fn check_lines(checked: &Checked, theme: Theme) -> Vec<Line<'static>> {
    if checked.findings.is_empty() {
        return vec![Line::from(vec![
            Span::styled("check  ", theme.title()),
            Span::styled("nothing found", theme.ok()),
        ])];
    }
    let mut lines = Vec::new();
    for finding in &checked.findings {
        let style = if finding.class.is_problem() {
            theme.problem()
        } else {
            theme.note()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {}", finding.class.symbol(), finding.class.title()),
                style,
            ),
            Span::raw("  "),
            Span::raw(finding.reason.clone()),
        ]));
        if let Some(advice) = &finding.advice {
            lines.push(Line::from(vec![
                Span::styled("  what to do  ", theme.dim()),
                Span::raw(advice.clone()),
            ]));
        }
    }
    lines
}

/// The panel's lines around what the check found: its findings first (what the panel was
/// opened for, and the bottom is what a short panel cuts), a clean row's line last.
fn with_check(state: &State, lines: Vec<Line<'static>>, theme: Theme) -> Vec<Line<'static>> {
    match shown_check(state) {
        Some(checked) if !checked.findings.is_empty() => {
            let mut all = check_lines(checked, theme);
            all.extend(lines);
            all
        }
        Some(checked) => {
            let mut all = lines;
            all.extend(check_lines(checked, theme));
            all
        }
        None => lines,
    }
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

/// The file resource's fields as one flowing line (the panel wraps it to its width). The
/// status is the one a plain read checked; a listed copy's NONE says nothing, so it reads
/// "checking…" until the read answers.
fn resource_line(state: &State, resource: &FileResource, theme: Theme) -> Line<'static> {
    let status = match state.resources.book.checked_status(&resource.id) {
        Some(status) => status.to_string(),
        None if state.resources.book.is_read(&resource.id) => "?".into(),
        None => format!("{} checking", spinner(state)),
    };
    let mut spans = vec![Span::styled("file resource  ", theme.title())];
    spans.extend(field("name", resource.title().to_string(), theme));
    spans.extend(field("id", resource.id.clone(), theme));
    spans.extend(field(
        "size",
        resource
            .content_length
            .map(human_size)
            .unwrap_or_else(|| "?".into()),
        theme,
    ));
    spans.extend(field("status", status, theme));
    spans.extend(field(
        "domain",
        resource
            .domain
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_else(|| "?".into()),
        theme,
    ));
    spans.extend(field(
        "md5",
        resource.content_md5.clone().unwrap_or_else(|| "–".into()),
        theme,
    ));
    spans.extend(field(
        "type",
        resource.content_type.clone().unwrap_or_default(),
        theme,
    ));
    if let Some(assigned) = resource.assigned {
        spans.extend(field("assigned", assigned.to_string(), theme));
    }
    if resource.last_updated.is_some() {
        spans.extend(field("updated", when(resource.last_updated), theme));
    }
    Line::from(spans)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Span::styled(" details ", theme.title()));
    let lines = match state.pane {
        Pane::Documents => document_lines(state, theme),
        Pane::Resources => match state.selected_resource() {
            Some(row) => match state.resources.book.get(&row.uid) {
                Some(resource) => {
                    let mut line = resource_line(state, resource, theme);
                    if row.origin != Origin::Server {
                        line.extend(field("known from", row.origin.label().into(), theme));
                    }
                    vec![line]
                }
                None => match state.resources.book.unreadable(&row.uid) {
                    Some(error) => vec![Line::from(Span::styled(
                        format!("file resource {}: {error}", row.uid),
                        theme.error(),
                    ))],
                    None => vec![Line::from(format!(
                        "{} loading {}",
                        spinner(state),
                        row.uid
                    ))],
                },
            },
            None => vec![Line::from(Span::styled("nothing selected", theme.dim()))],
        },
    };
    let lines = with_check(state, lines, theme);
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        area,
    );
}

/// The document's sharing in words (read when the details open, kept until an edit), with its
/// external access flagged where the server no longer honours it.
fn sharing_line(state: &State, uid: &str, theme: Theme) -> Line<'static> {
    let mut spans = vec![Span::styled("sharing  ", theme.title())];
    match state.sharing.get(uid) {
        None | Some(SharingRead::Reading(_)) => {
            spans.push(Span::raw(format!("{} reading sharing…", spinner(state))));
        }
        Some(SharingRead::Failed(error)) => spans.push(Span::styled(
            format!("could not be read: {error}"),
            theme.error(),
        )),
        Some(SharingRead::Read(view)) => {
            spans.push(Span::raw(in_words(view).join(" · ")));
            let version = state.server().and_then(|info| info.version.as_ref());
            if let Some((text, flagged)) = external_access_note(view, version) {
                spans.push(Span::raw(" · "));
                let style = if flagged {
                    theme.problem()
                } else {
                    theme.note()
                };
                spans.push(Span::styled(text, style));
            }
        }
    }
    Line::from(spans)
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
    let mut spans = field("id", document.id.clone(), theme);
    spans.extend(field("name", document.title().to_string(), theme));
    let kind = if document.external {
        "external link"
    } else {
        "file"
    };
    spans.extend(field("kind", kind.to_string(), theme));
    spans.extend(field(
        "url",
        document.url.clone().unwrap_or_default(),
        theme,
    ));
    if let Some(content_type) = &document.content_type {
        spans.extend(field("type", content_type.clone(), theme));
    }
    spans.extend(field("created", when(document.created), theme));
    if let Some(by) = document.created_by.as_ref().and_then(|u| u.label()) {
        spans.extend(field("by", by.to_string(), theme));
    }
    spans.extend(field("updated", when(document.last_updated), theme));
    if let Some(attachment) = document.attachment {
        spans.extend(field("attachment", attachment.to_string(), theme));
    }
    let mut lines = vec![Line::from(spans), sharing_line(state, &document.id, theme)];
    if let Some(uid) = document.file_resource_uid() {
        let book = &state.resources.book;
        match (book.unreadable(uid), book.get(uid)) {
            (Some(error), _) => lines.push(Line::from(Span::styled(
                format!("file resource: {error}"),
                theme.error(),
            ))),
            (None, Some(resource)) => lines.push(resource_line(state, resource, theme)),
            (None, None) => {}
        }
    }
    lines
}
