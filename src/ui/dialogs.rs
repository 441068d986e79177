//! Pop-ups: confirmations, the add-link form, upload and download prompts, uid look-up, the
//! choices for an external link, a batch's conflicts and confirmation, and the profiles a copy
//! can go to.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::text_field::input_line;
use super::{Theme, centered, fit};
use crate::api::units::{count, human_size};
use crate::app::batch::BatchKind;
use crate::app::keymap::{Action, Context};
use crate::app::state::{
    BatchConfirm, ConflictAsk, ConflictChoice, Dialog, DownloadSource, ProfileChoice, State,
    UploadFocus,
};
use crate::ops;

/// Items a batch confirmation names one by one at most; the rest are counted. The box is at
/// most the screen's height anyway.
const LISTED_AT_MOST: usize = 8;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let Some(dialog) = &state.dialog else {
        return;
    };
    let width = area.width.saturating_sub(4).min(70);
    match dialog {
        Dialog::Confirm(confirm) => {
            let keys = &state.settings.keymap;
            let button = |label: &str, on: bool| {
                let text = format!("  {label}  ");
                if on {
                    Span::styled(text, theme.selected())
                } else {
                    Span::styled(text, theme.dim())
                }
            };
            let lines = vec![
                Line::from(confirm.message.clone()),
                Line::from(""),
                Line::from(vec![
                    button(
                        &format!("{} Yes", keys.hint(Context::Confirm, Action::Yes)),
                        confirm.yes,
                    ),
                    Span::raw("   "),
                    button(
                        &format!("{} No", keys.hint(Context::Confirm, Action::No)),
                        !confirm.yes,
                    ),
                ]),
            ];
            let rect = popup(frame, area, width, 7, &confirm.title, theme);
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), rect);
        }
        Dialog::AddLink(form) => {
            let rect = popup(frame, area, width, 9, "Add an external link", theme);
            let rows = rows(rect);
            input_line(frame, rows[0], "Name: ", &form.name, theme, !form.focus_url);
            problem(frame, rows[1], form.name_problem.as_deref(), theme);
            input_line(frame, rows[2], "URL:  ", &form.url, theme, form.focus_url);
            match (&form.url_problem, form.url.value().is_empty()) {
                (Some(_), _) => problem(frame, rows[3], form.url_problem.as_deref(), theme),
                (None, false) => note(frame, rows[3], "✓ DHIS2 accepts this URL", theme.ok()),
                (None, true) => {}
            }
            let hint = if form.sending {
                "sending…".to_string()
            } else {
                form_hints(
                    state,
                    &[
                        // Nothing to complete here: the key moves on.
                        (Action::Complete, "next field"),
                        (Action::Accept, "add"),
                        (Action::Close, "cancel"),
                    ],
                )
            };
            note(frame, rows[6], &hint, theme.dim());
        }
        Dialog::Upload(form) => {
            let title = if form.domain.is_some() {
                "Upload a file resource"
            } else if several_paths(form.path.input.value()) {
                "Upload documents"
            } else {
                "Upload a document"
            };
            let rect = popup(frame, area, width, 9, title, theme);
            let rows = rows(rect);
            input_line(
                frame,
                rows[0],
                "File: ",
                &form.path.input,
                theme,
                form.focus == UploadFocus::Path,
            );
            candidates(frame, rows[1], &form.path.candidates, theme);
            match &form.domain {
                Some(domain) => {
                    let focused = form.focus == UploadFocus::Domain;
                    let style = if focused {
                        theme.selected()
                    } else {
                        theme.dim()
                    };
                    let line = Line::from(vec![
                        Span::styled("Domain: ", if focused { theme.key() } else { theme.dim() }),
                        Span::styled(format!("◀ {domain} ▶"), style),
                    ]);
                    frame.render_widget(Paragraph::new(line), rows[2]);
                }
                // Several paths: each document is named after its file.
                None if several_paths(form.path.input.value()) => {
                    note(frame, rows[2], "Names: the files' names", theme.dim())
                }
                None => input_line(
                    frame,
                    rows[2],
                    "Name: ",
                    &form.name,
                    theme,
                    form.focus == UploadFocus::Name,
                ),
            }
            problem(frame, rows[4], form.problem.as_deref(), theme);
            let mut hints = vec![
                (Action::Complete, "completes"),
                (Action::NextField, "field"),
            ];
            if form.domain.is_some() {
                hints.push((Action::NextChoice, "domain"));
            }
            hints.extend([(Action::Accept, "upload"), (Action::Close, "cancel")]);
            note(frame, rows[6], &form_hints(state, &hints), theme.dim());
        }
        // Drawn inline above the footer, and by `sharing_editor`.
        Dialog::Rename(_) | Dialog::Sharing(_) => {}
        Dialog::ReplaceFile(form) => {
            let title = format!("New file for “{}”", fit(&form.name, 40));
            let rect = popup(frame, area, width, 8, &title, theme);
            let rows = rows(rect);
            input_line(frame, rows[0], "File: ", &form.path.input, theme, true);
            candidates(frame, rows[1], &form.path.candidates, theme);
            if form.problem.is_some() {
                problem(frame, rows[2], form.problem.as_deref(), theme);
            } else if form.checking.is_some() {
                note(frame, rows[3], "checking the file…", theme.dim());
            } else {
                let what = "Same uid, name and sharing; the old file stays on the server";
                note(frame, rows[3], what, theme.dim());
            }
            let hints = form_hints(
                state,
                &[
                    (Action::Complete, "completes"),
                    (Action::Accept, "replace"),
                    (Action::Close, "cancel"),
                ],
            );
            note(frame, rows[5], &hints, theme.dim());
        }
        Dialog::Conflict(ask) => conflict(frame, area, width, state, ask, theme),
        Dialog::BatchConfirm(confirm) => batch_confirm(frame, area, width, state, confirm, theme),
        Dialog::ChooseProfile(choice) => choose_profile(frame, area, width, state, choice, theme),
        Dialog::Download(form) => {
            let (title, field) = match &form.source {
                DownloadSource::Marked { label, .. } => (format!("Download {label}"), "Into: "),
                source => (
                    format!("Download “{}”", fit(source.label(), 40)),
                    "Save as: ",
                ),
            };
            let rect = popup(frame, area, width, 7, &title, theme);
            let rows = rows(rect);
            input_line(frame, rows[0], field, &form.path.input, theme, true);
            candidates(frame, rows[1], &form.path.candidates, theme);
            problem(frame, rows[2], form.problem.as_deref(), theme);
            let hints = form_hints(
                state,
                &[
                    (Action::Complete, "completes"),
                    (Action::Accept, "download"),
                    (Action::Close, "cancel"),
                ],
            );
            note(frame, rows[4], &hints, theme.dim());
        }
        Dialog::LookUp {
            input,
            problem: text,
        } => {
            let rect = popup(frame, area, width, 7, "Look up a file resource", theme);
            let rows = rows(rect);
            input_line(frame, rows[0], "uid: ", input, theme, true);
            problem(frame, rows[1], text.as_deref(), theme);
            let hints = form_hints(
                state,
                &[(Action::Accept, "look up"), (Action::Close, "cancel")],
            );
            note(frame, rows[4], &hints, theme.dim());
        }
        Dialog::Link(choice) => {
            let rect = popup(frame, area, width, 7, "External link", theme);
            let rows = rows(rect);
            let line = Line::from(vec![
                Span::raw(format!("“{}” is a link to ", fit(&choice.name, 30))),
                Span::styled(choice.url.clone(), theme.link()),
            ]);
            frame.render_widget(
                Paragraph::new(line).wrap(Wrap { trim: true }),
                Rect {
                    height: 2,
                    ..rows[0]
                },
            );
            let keys = &state.settings.keymap;
            let buttons: Vec<Span> = [
                (Action::Open, "open in browser"),
                (Action::CopyUrl, "copy URL"),
                (Action::Close, "cancel"),
            ]
            .iter()
            .map(|(action, label)| {
                let key = keys.hint(Context::Link, *action);
                if key.is_empty() {
                    (*label).to_string()
                } else {
                    format!("{key} {label}")
                }
            })
            .enumerate()
            .flat_map(|(i, label)| {
                let style = if i == choice.choice {
                    theme.selected()
                } else {
                    theme.dim()
                };
                [Span::styled(format!(" {label} "), style), Span::raw("  ")]
            })
            .collect();
            frame.render_widget(Paragraph::new(Line::from(buttons)), rows[3]);
        }
    }
}

/// A bulk download's question about a name that exists: its five answers as buttons.
fn conflict(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    state: &State,
    ask: &ConflictAsk,
    theme: Theme,
) {
    let Some(step) = ask.batch.plan.steps.get(ask.step) else {
        return;
    };
    let to = match &step.action {
        ops::Action::Download { to, .. } => to.display().to_string(),
        _ => String::new(),
    };
    let later = ask.batch.plan.conflicts().len().saturating_sub(1);
    let mut lines = vec![
        Line::from(format!("“{}” would be saved as", step.label)),
        Line::from(Span::styled(to, theme.key())),
        Line::from("where another file is already."),
    ];
    if later > 0 {
        lines.push(Line::from(Span::styled(
            format!(
                "{later} more name{} of this batch exist{} too.",
                if later == 1 { "" } else { "s" },
                if later == 1 { "s" } else { "" }
            ),
            theme.dim(),
        )));
    }
    lines.push(Line::from(""));
    let keys = &state.settings.keymap;
    let buttons: Vec<Span> = ConflictChoice::ALL
        .iter()
        .flat_map(|choice| {
            let (action, label) = match choice {
                ConflictChoice::Replace => (Action::Replace, "Replace"),
                ConflictChoice::Skip => (Action::Skip, "Skip"),
                ConflictChoice::ReplaceAll => (Action::ReplaceAll, "Replace all"),
                ConflictChoice::SkipAll => (Action::SkipAll, "Skip all"),
                ConflictChoice::Cancel => (Action::Close, "Cancel"),
            };
            let key = keys.hint(Context::Conflict, action);
            let style = if *choice == ask.choice {
                theme.selected()
            } else {
                theme.dim()
            };
            [
                Span::styled(format!("{key} {label}").trim().to_string(), style),
                Span::raw("  "),
            ]
        })
        .collect();
    lines.push(Line::from(buttons));
    let height = lines.len() as u16 + 3;
    let rect = popup(frame, area, width, height, "File exists", theme);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), rect);
}

/// What a batch will do before it does it: how many items and bytes, each item (for a delete,
/// the dashboards that show it), what is left out and why, the server's notes; then yes/no,
/// or the number to type.
fn batch_confirm(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    state: &State,
    confirm: &BatchConfirm,
    theme: Theme,
) {
    let plan = &confirm.batch.plan;
    let kind = confirm.batch.kind;
    let acting: Vec<&ops::Step> = plan.steps.iter().filter(|step| step.acts()).collect();
    let size = match plan.bytes() {
        0 => String::new(),
        bytes => format!(" ({})", human_size(bytes)),
    };
    let (title, question) = match kind {
        BatchKind::Delete => (
            format!("Delete {}", count(acting.len(), "document", "documents")),
            format!(
                "Delete {}{size} from the server? This cannot be undone.",
                count(acting.len(), "document", "documents")
            ),
        ),
        BatchKind::Copy => {
            let profile = confirm.batch.onto.as_deref().unwrap_or_default();
            (
                format!(
                    "Copy {} to {profile}",
                    count(acting.len(), "document", "documents")
                ),
                format!(
                    "Copy {}{size} to profile {profile}, with their uids?",
                    count(acting.len(), "document", "documents")
                ),
            )
        }
        BatchKind::Upload | BatchKind::Download => (
            format!("Upload {}", count(acting.len(), "file", "files")),
            format!(
                "Upload {}{size} as documents named after the files?",
                count(acting.len(), "file", "files")
            ),
        ),
    };
    let mut lines = vec![Line::from(question)];
    for step in acting.iter().take(LISTED_AT_MOST) {
        let size = step
            .bytes
            .map(|bytes| format!(" ({})", human_size(bytes)))
            .unwrap_or_default();
        let mut spans = vec![Span::raw(format!("• {}{size}", step.label))];
        if let ops::Action::Delete { dashboards } = &step.action {
            spans.push(Span::styled(
                match dashboards.as_slice() {
                    [] => " on no dashboard".to_string(),
                    names => format!(" on dashboard{}: {}", plural(names.len()), names.join(", ")),
                },
                theme.dim(),
            ));
        }
        lines.push(Line::from(spans));
    }
    if acting.len() > LISTED_AT_MOST {
        lines.push(Line::from(Span::styled(
            format!("… and {} more", acting.len() - LISTED_AT_MOST),
            theme.dim(),
        )));
    }
    let left_out: Vec<(&str, &str)> = plan
        .steps
        .iter()
        .filter_map(|step| match &step.action {
            ops::Action::Skip { why } | ops::Action::Cannot { why } => {
                Some((step.label.as_str(), why.as_str()))
            }
            _ => None,
        })
        .collect();
    if !left_out.is_empty() {
        let verb = match kind {
            BatchKind::Delete => "cannot be deleted",
            BatchKind::Copy => "not copied",
            BatchKind::Upload | BatchKind::Download => "left out, nothing sent",
        };
        lines.push(Line::from(Span::styled(
            format!("{} {verb}:", left_out.len()),
            theme.error(),
        )));
        for (label, why) in left_out.iter().take(LISTED_AT_MOST) {
            lines.push(Line::from(Span::styled(
                format!("• {label}: {why}"),
                theme.error(),
            )));
        }
        if left_out.len() > LISTED_AT_MOST {
            lines.push(Line::from(Span::styled(
                format!("… and {} more", left_out.len() - LISTED_AT_MOST),
                theme.error(),
            )));
        }
    }
    for note in &plan.notes {
        lines.push(Line::from(Span::styled(
            format!("Note: {note}."),
            theme.dim(),
        )));
    }
    lines.push(Line::from(""));
    let keys = &state.settings.keymap;
    let answer_rows = match confirm.count_to_type() {
        Some(count) => {
            lines.push(Line::from(format!("Type {count} to delete them:")));
            // The field and a problem under it.
            2
        }
        None => {
            let button = |label: String, on: bool| {
                Span::styled(
                    format!("  {label}  "),
                    if on { theme.selected() } else { theme.dim() },
                )
            };
            lines.push(Line::from(vec![
                button(
                    format!("{} Yes", keys.hint(Context::Confirm, Action::Yes)),
                    confirm.yes,
                ),
                Span::raw("   "),
                button(
                    format!("{} No", keys.hint(Context::Confirm, Action::No)),
                    !confirm.yes,
                ),
            ]));
            0
        }
    };
    let inner_width = usize::from(width.saturating_sub(2)).max(1);
    let text_rows: u16 = lines
        .iter()
        .map(|line| line.width().div_ceil(inner_width).max(1) as u16)
        .sum();
    let height = (text_rows + answer_rows + 2).min(area.height);
    let rect = popup(frame, area, width, height, &title, theme);
    let text_area = Rect {
        height: rect.height.saturating_sub(answer_rows),
        ..rect
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), text_area);
    if answer_rows > 0 {
        let field = Rect {
            y: text_area.bottom(),
            height: 1,
            ..rect
        };
        input_line(frame, field, "> ", &confirm.typed, theme, true);
        let below = Rect {
            y: field.bottom(),
            ..field
        };
        if let Some(text) = &confirm.problem {
            note(frame, below, text, theme.error());
        } else {
            let hints = form_hints(
                state,
                &[(Action::Accept, "delete"), (Action::Close, "cancel")],
            );
            note(frame, below, &hints, theme.dim());
        }
    }
}

/// The profiles a copy can go to: one row each (name, server, default), those that cannot be
/// chosen dimmed with their reason; under the list, the highlighted one's server or reason in
/// full; then the keys.
fn choose_profile(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    state: &State,
    choice: &ProfileChoice,
    theme: Theme,
) {
    // The list, a blank row, three rows about the highlighted profile, a blank row, the keys.
    const BELOW: u16 = 6;
    let wanted = choice.rows.len() as u16 + BELOW + 2;
    let height = wanted.min(area.height);
    let title = format!("Copy {} to", fit(&choice.items.label, 40));
    let rect = popup(frame, area, width, height, &title, theme);
    let visible = usize::from(rect.height.saturating_sub(BELOW)).max(1);
    let first = choice.cursor.saturating_sub(visible - 1);
    let name_width = choice
        .rows
        .iter()
        .map(|row| row.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let inner = usize::from(rect.width);
    let lines: Vec<Line> = choice
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(index, row)| {
            let marker = if index == choice.cursor { "▶ " } else { "  " };
            let name = format!("{:<name_width$}", fit(&row.name, name_width));
            let what = match (&row.unusable, &row.url) {
                (Some(why), _) => format!("cannot be chosen: {why}"),
                (None, Some(url)) if row.is_default => format!("{url} (default)"),
                (None, Some(url)) => url.clone(),
                (None, None) => String::new(),
            };
            let used = 2 + name_width + 2;
            let text = format!("{marker}{name}  {}", fit(&what, inner.saturating_sub(used)));
            let style = match (index == choice.cursor, row.unusable.is_some()) {
                (true, _) => theme.selected(),
                (false, true) => theme.dim(),
                (false, false) => ratatui::style::Style::default(),
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines),
        Rect {
            height: visible as u16,
            ..rect
        },
    );
    let about = Rect {
        y: rect.y + visible as u16 + 1,
        height: 3,
        ..rect
    }
    .intersection(rect);
    if let Some(row) = choice.selected() {
        let (text, style) = match (&row.unusable, &row.url) {
            (Some(why), _) => (
                format!("{} cannot be chosen: {why}", row.name),
                theme.error(),
            ),
            (None, Some(url)) => (format!("{} is the server at {url}", row.name), theme.dim()),
            (None, None) => (String::new(), theme.dim()),
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text, style)).wrap(Wrap { trim: true }),
            about,
        );
    }
    let keys = &state.settings.keymap;
    let hint = |action: Action| keys.hint(Context::Choose, action);
    let hints = [
        (
            format!("{}/{}", hint(Action::Down), hint(Action::Up)),
            "move",
        ),
        (hint(Action::Accept), "plan the copy"),
        (hint(Action::Close), "cancel"),
    ]
    .iter()
    .filter(|(key, _)| !key.is_empty() && key != "/")
    .map(|(key, label)| format!("{key} {label}"))
    .collect::<Vec<_>>()
    .join(" · ");
    let keys_row = Rect {
        y: rect.bottom().saturating_sub(1),
        height: 1,
        ..rect
    };
    note(frame, keys_row, &hints, theme.dim());
}

/// Whether a path field names more than one path.
fn several_paths(text: &str) -> bool {
    crate::app::shell_words::split(text).is_ok_and(|paths| paths.len() > 1)
}

/// "1 document", "3 files".
fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// "Tab completes · Enter download · Esc cancel", from the form keys of the keymap (an action
/// left without a key is left out).
pub(super) fn form_hints(state: &State, hints: &[(Action, &str)]) -> String {
    let keys = &state.settings.keymap;
    hints
        .iter()
        .filter_map(|(action, label)| {
            let key = keys.hint(Context::Form, *action);
            (!key.is_empty()).then(|| format!("{key} {label}"))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Clears and frames a centred pop-up; returns its inner area.
pub(super) fn popup(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    height: u16,
    title: &str,
    theme: Theme,
) -> Rect {
    let rect = centered(area, width, height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.title())
        .title(Span::styled(format!(" {title} "), theme.title()));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    inner
}

/// The inner area cut into one-line rows (missing rows are empty).
fn rows(area: Rect) -> Vec<Rect> {
    (0..8)
        .map(|i| {
            if i < area.height {
                Rect {
                    y: area.y + i,
                    height: 1,
                    ..area
                }
            } else {
                Rect { height: 0, ..area }
            }
        })
        .collect()
}

/// A problem in red; it may use the two rows below too.
fn problem(frame: &mut Frame, area: Rect, text: Option<&str>, theme: Theme) {
    if let Some(text) = text {
        let area = Rect { height: 3, ..area }.intersection(frame.area());
        frame.render_widget(
            Paragraph::new(Span::styled(text.to_string(), theme.error())).wrap(Wrap { trim: true }),
            area,
        );
    }
}

pub(super) fn note(frame: &mut Frame, area: Rect, text: &str, style: ratatui::style::Style) {
    let text = fit(text, usize::from(area.width));
    frame.render_widget(Paragraph::new(Span::styled(text, style)), area);
}

fn candidates(frame: &mut Frame, area: Rect, names: &[String], theme: Theme) {
    if names.is_empty() {
        return;
    }
    note(frame, area, &names.join("  "), theme.dim());
}
