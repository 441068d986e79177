//! The inline prompts (the filter, with DHIS2's complaint under it; a rename) and the key
//! hints row.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text_field::input_line;
use super::{Theme, fit, spinner};
use crate::app::keymap::{Action, Context};
use crate::app::state::{Dialog, Layer, Pane, RenameForm, ResourceSource, State};

/// The rename prompt, when one is open: it is drawn here, under the list, not as a pop-up.
fn rename_form(state: &State) -> Option<&RenameForm> {
    match &state.dialog {
        Some(Dialog::Rename(form)) if state.layer() == Layer::Dialog => Some(form),
        _ => None,
    }
}

pub fn prompt(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    if area.height == 0 {
        return;
    }
    if let Some(form) = rename_form(state) {
        let row = Rect { height: 1, ..area };
        input_line(frame, row, "rename to: ", &form.input, theme, true);
        if let Some(problem) = &form.problem {
            let below = Rect {
                y: row.y + 1,
                ..row
            }
            .intersection(area);
            let text = fit(&format!("  {problem}"), usize::from(area.width));
            frame.render_widget(Paragraph::new(Span::styled(text, theme.error())), below);
        }
        return;
    }
    let filter = state.filter();
    let mut y = area.y;
    if filter.editing {
        let row = Rect {
            y,
            height: 1,
            ..area
        };
        input_line(frame, row, "/ ", &filter.input, theme, true);
        if filter.replace_on_type {
            // Shown as selected: the first character typed replaces it.
            let text = Rect {
                x: row.x + 2,
                width: row.width.saturating_sub(2),
                ..row
            };
            frame.buffer_mut().set_style(
                text.intersection(Rect {
                    width: filter.input.value().chars().count() as u16,
                    ..text
                }),
                theme.selected(),
            );
        }
        y += 1;
    }
    let row = Rect {
        y,
        height: 1,
        ..area
    };
    if let Some(error) = filter.error() {
        let text = fit(&format!("  {error}"), usize::from(area.width));
        frame.render_widget(Paragraph::new(Span::styled(text, theme.error())), row);
    } else if let Some(note) = filter.note() {
        let text = fit(&format!("  {note}"), usize::from(area.width));
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), row);
    }
}

/// How many rows the filter prompt takes: the input while editing, and a complaint or a note.
pub fn prompt_rows(state: &State) -> u16 {
    if let Some(form) = rename_form(state) {
        return 1 + u16::from(form.problem.is_some());
    }
    let filter = state.filter();
    u16::from(filter.editing) + u16::from(filter.error().is_some() || filter.note().is_some())
}

/// The hints for what the keys do right now, generated from the keymap.
pub fn hints(state: &State) -> Vec<(String, &'static str)> {
    let keys = &state.settings.keymap;
    let from = |context: Context, actions: &[(Action, &'static str)]| {
        actions
            .iter()
            .filter_map(|(action, label)| {
                let key = keys.hint(context, *action);
                (!key.is_empty()).then_some((key, *label))
            })
            .collect::<Vec<_>>()
    };
    if rename_form(state).is_some() {
        return from(
            Context::Form,
            &[(Action::Accept, "rename"), (Action::Close, "cancel")],
        );
    }
    match state.layer() {
        Layer::Filter => {
            return from(
                Context::Form,
                &[(Action::Accept, "keep"), (Action::Close, "clear filter")],
            );
        }
        Layer::Transfers => {
            return from(
                Context::Transfers,
                &[
                    (Action::Cancel, "cancel"),
                    (Action::CancelAll, "all"),
                    (Action::Retry, "retry"),
                    (Action::Open, "open"),
                    (Action::Clear, "clear done"),
                    (Action::Close, "close"),
                ],
            );
        }
        _ => {}
    }
    let mut actions = vec![(Action::Filter, "filter")];
    let dismisses_first = !state.toasts.is_empty() || state.details.open || state.show_transfers;
    let view = state.showing_problems();
    // What Esc does next, in `update`'s order.
    let dismiss = if dismisses_first {
        None
    } else if state.check.running.is_some() {
        Some("stop check")
    } else if state.marked().count > 0 {
        Some("clear marks")
    } else if view {
        Some("all rows")
    } else if !state.filter().applied.is_empty() {
        Some("clear filter")
    } else {
        None
    };
    if let Some(label) = dismiss {
        actions.push((Action::Dismiss, label));
    }
    // The last check found problems here: the key that shows only them.
    let problems = state
        .check
        .result
        .as_ref()
        .is_some_and(|result| match state.pane {
            Pane::Documents => !result.document_problems.is_empty(),
            Pane::Resources => !result.resource_problems.is_empty(),
        });
    if problems && !view {
        actions.push((Action::Problems, "problems"));
    }
    actions.push((Action::Details, "details"));
    actions.push((Action::Preview, "preview"));
    match state.pane {
        Pane::Documents => actions.extend([
            (Action::Sort, "sort"),
            (Action::AddLink, "link"),
            (Action::Upload, "upload"),
            (Action::Download, "download"),
            (Action::Delete, "delete"),
            (Action::Check, "check"),
            (Action::Rename, "rename"),
            (Action::Sharing, "sharing"),
        ]),
        Pane::Resources => {
            if state.resources.source == ResourceSource::Server {
                actions.push((Action::Domain, "domain"));
            }
            actions.extend([
                (Action::LookUp, "look up"),
                (Action::Upload, "upload"),
                (Action::Download, "download"),
            ]);
        }
    }
    // Help and quit stay last: `draw` keeps them whatever the width.
    actions.extend([
        (Action::Transfers, "transfers"),
        (Action::Help, "help"),
        (Action::Quit, "quit"),
    ]);
    from(Context::List, &actions)
}

/// Key hints left to right while they fit; help and quit (the last two) always stay, at the right.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let mut hints = hints(state);
    let kept = if matches!(state.layer(), Layer::Filter | Layer::Transfers)
        || rename_form(state).is_some()
    {
        Vec::new()
    } else {
        hints.split_off(hints.len().saturating_sub(2))
    };
    let needed = |(key, label): &(String, &str)| key.chars().count() + label.chars().count() + 3;
    let width = usize::from(area.width);
    let mut used = 1 + kept.iter().map(needed).sum::<usize>();
    let mut spans = vec![Span::raw(" ")];
    // A check in the background says how far it is, in every layer.
    if let Some(progress) = state.check.progress_text() {
        let text = format!("{} {progress}  ", spinner(state));
        used += text.chars().count();
        spans.push(Span::styled(text, theme.title()));
    }
    // "3 marked · 2.4 MiB" first: what a bulk action would act on.
    let marked = state.marked();
    if marked.count > 0 && !matches!(state.layer(), Layer::Filter | Layer::Transfers) {
        // At least that much when some marks are not loaded (their sizes are not known here).
        let at_least = if marked.beyond_loaded { "≥ " } else { "" };
        let size = if marked.bytes > 0 {
            format!(
                " · {at_least}{}",
                crate::api::units::human_size(marked.bytes)
            )
        } else {
            String::new()
        };
        let text = format!("{} marked{size}  ", marked.count);
        used += text.chars().count();
        spans.push(Span::styled(text, theme.marked()));
    }
    let push = |spans: &mut Vec<Span<'static>>, (key, label): (String, &str)| {
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {label}  ")));
    };
    for hint in hints {
        if used + needed(&hint) > width {
            break;
        }
        used += needed(&hint);
        push(&mut spans, hint);
    }
    if !kept.is_empty() {
        spans.push(Span::raw(" ".repeat(width.saturating_sub(used))));
        for hint in kept {
            push(&mut spans, hint);
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.dim()), area);
}
