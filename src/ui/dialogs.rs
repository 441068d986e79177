//! Pop-ups: confirmations, the add-link form, upload and download prompts, uid look-up and the
//! choices for an external link.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::text_field::input_line;
use super::{Theme, centered, fit};
use crate::app::keymap::{Action, Context};
use crate::app::state::{Dialog, State, UploadFocus};

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
        Dialog::Download(form) => {
            let title = format!("Download “{}”", fit(form.source.label(), 40));
            let rect = popup(frame, area, width, 7, &title, theme);
            let rows = rows(rect);
            input_line(frame, rows[0], "Save as: ", &form.path.input, theme, true);
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

/// "Tab completes · Enter download · Esc cancel", from the form keys of the keymap (an action
/// left without a key is left out).
fn form_hints(state: &State, hints: &[(Action, &str)]) -> String {
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
fn popup(
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

fn note(frame: &mut Frame, area: Rect, text: &str, style: ratatui::style::Style) {
    let text = fit(text, usize::from(area.width));
    frame.render_widget(Paragraph::new(Span::styled(text, style)), area);
}

fn candidates(frame: &mut Frame, area: Rect, names: &[String], theme: Theme) {
    if names.is_empty() {
        return;
    }
    note(frame, area, &names.join("  "), theme.dim());
}
