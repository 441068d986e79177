//! The sharing editor (`S`): the public access and each group and user with their access (the
//! highlighted one's between ◀ ▶), the search that adds one with the names it found, and, for
//! a change to marked documents, its one confirmation. Names are the server's: the frame's
//! neutralising makes them inert.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::dialogs::{form_hints, note, popup};
use super::text_field::input_line;
use super::{Theme, fit, spinner};
use crate::api::{NO_ACCESS, access_words};
use crate::app::keymap::{Action, Context};
use crate::app::sharing::{
    EditorBase, EditorFocus, SharingEditor, SharingTarget, external_access_note,
};
use crate::app::state::{Dialog, State};

/// Names found that the box shows at most.
const RESULTS_SHOWN: usize = 5;
/// The widest a name column gets.
const NAME_WIDTH: usize = 30;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let Some(Dialog::Sharing(editor)) = &state.dialog else {
        return;
    };
    let width = area.width.saturating_sub(4).min(70);
    let title = match &editor.target {
        SharingTarget::One { name, .. } => format!("Sharing of “{}”", fit(name, 40)),
        SharingTarget::Marked { uids } => format!(
            "Sharing of {} marked document{}",
            uids.len(),
            if uids.len() == 1 { "" } else { "s" }
        ),
    };
    let inner_width = usize::from(width.saturating_sub(2));
    let mut top: Vec<Line> = Vec::new();
    match &editor.base {
        EditorBase::Waiting => {
            top.push(Line::from(format!("{} reading sharing…", spinner(state))));
        }
        EditorBase::Failed(error) => top.push(Line::from(Span::styled(
            format!("The sharing could not be read: {error}"),
            theme.error(),
        ))),
        EditorBase::Change => top.push(Line::from(Span::styled(
            fit(
                "A change made to each document; the rest of its sharing stays.",
                inner_width,
            ),
            theme.dim(),
        ))),
        EditorBase::Read(_) => {}
    }
    let rows = if editor.editable() {
        row_lines(editor, inner_width, theme)
    } else {
        Vec::new()
    };
    let mut bottom: Vec<Line> = Vec::new();
    if let EditorBase::Read(view) = &editor.base {
        let version = state.server().and_then(|info| info.version.as_ref());
        if let Some((text, flagged)) = external_access_note(view, version) {
            let style = if flagged {
                theme.problem()
            } else {
                theme.note()
            };
            bottom.push(Line::from(Span::styled(fit(&text, inner_width), style)));
        }
    }
    let problem = editor.search.problem.as_ref().or(editor.problem.as_ref());
    let results: Vec<Line> = if editor.focus == EditorFocus::Search {
        result_lines(editor, inner_width, theme)
    } else {
        Vec::new()
    };
    // Rows: the top lines, the rows, a blank, the search, its results, a problem, the keys.
    let fixed = top.len() + bottom.len() + 3 + usize::from(problem.is_some());
    let height = usize::from(area.height.min(22)).saturating_sub(2);
    let room = height.saturating_sub(fixed);
    let results_shown = results.len().min(room.saturating_sub(1).min(RESULTS_SHOWN));
    let rows_shown = rows.len().min(room.saturating_sub(results_shown)).max(1);
    let first = editor.cursor.saturating_sub(rows_shown - 1).min(rows.len());
    let mut lines = top;
    lines.extend(rows.into_iter().skip(first).take(rows_shown));
    lines.extend(bottom);
    lines.push(Line::from(""));
    let search_row = lines.len();
    lines.push(Line::from(""));
    lines.extend(results.into_iter().take(results_shown));
    if let Some(text) = problem {
        lines.push(Line::from(Span::styled(
            fit(text, inner_width),
            theme.error(),
        )));
    }
    let keys_row = lines.len();
    lines.push(Line::from(""));
    let box_height = (lines.len() as u16 + 2).min(area.height);
    let rect = popup(frame, area, width, box_height, &title, theme);
    frame.render_widget(Paragraph::new(lines), rect);
    let row = |at: usize| Rect {
        y: rect.y + at as u16,
        height: 1,
        ..rect
    };
    if (search_row as u16) < rect.height {
        if editor.focus == EditorFocus::Search {
            input_line(
                frame,
                row(search_row),
                "add: ",
                &editor.search.input,
                theme,
                !editor.confirming,
            );
        } else if editor.editable() {
            let key = state.settings.keymap.hint(Context::Sharing, Action::Add);
            let text = format!("{key} adds a user group or user, found by part of a name");
            note(frame, row(search_row), &text, theme.dim());
        }
    }
    if (keys_row as u16) < rect.height {
        note(frame, row(keys_row), &hints(state, editor), theme.dim());
    }
    if editor.confirming {
        confirmation(frame, area, state, editor, theme);
    }
}

/// The public access and each entry, the highlighted one marked and its access between ◀ ▶.
fn row_lines(editor: &SharingEditor, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let external_label = editor
        .external_offered
        .then(|| "anyone with the link".to_string());
    let labels: Vec<String> = std::iter::once("everyone (signed in)".to_string())
        .chain(external_label)
        .chain(
            editor
                .entries
                .iter()
                .map(|entry| format!("{} ({})", entry.name, entry.who.word())),
        )
        .collect();
    let name_width = labels
        .iter()
        .map(|label| label.chars().count())
        .max()
        .unwrap_or(0)
        .min(NAME_WIDTH)
        .min(width.saturating_sub(24));
    let mut lines: Vec<Line<'static>> = labels
        .iter()
        .enumerate()
        .map(|(index, label)| {
            let access = match index {
                0 => match editor.public {
                    Some(access) => access_words(access).to_string(),
                    None => "as each document has it".to_string(),
                },
                1 if editor.external_offered => match editor.external {
                    Some(true) => "can view, signed in or not".to_string(),
                    Some(false) => "none".to_string(),
                    None => "as each document has it".to_string(),
                },
                _ => {
                    let access = editor.entries[index - editor.first_entry_row()].access;
                    match (access == NO_ACCESS, editor.is_bulk()) {
                        (true, true) => "none: removed from each".to_string(),
                        (true, false) => "none: removed".to_string(),
                        (false, _) => access_words(access).to_string(),
                    }
                }
            };
            let selected = index == editor.cursor && editor.focus == EditorFocus::Rows;
            let marker = if selected { "▶ " } else { "  " };
            let label = format!("{:<name_width$}", fit(label, name_width));
            let access = if selected {
                format!("◀ {access} ▶")
            } else {
                access
            };
            let style = if selected {
                theme.selected()
            } else {
                Style::default()
            };
            Line::from(Span::styled(
                fit(&format!("{marker}{label}  {access}"), width),
                style,
            ))
        })
        .collect();
    if editor.entries.is_empty() {
        let text = if editor.is_bulk() {
            "  no group or user in the change yet"
        } else {
            "  shared with no group or user"
        };
        lines.push(Line::from(Span::styled(text, theme.dim())));
    }
    lines
}

/// The names the search found: groups first, then users (with their usernames).
fn result_lines(editor: &SharingEditor, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let search = &editor.search;
    if search.req.is_some() || search.due.is_some() {
        return vec![Line::from(Span::styled("  searching…", theme.dim()))];
    }
    search
        .results
        .iter()
        .enumerate()
        .map(|(index, candidate)| {
            let who = match &candidate.username {
                Some(username) => format!("{}, {username}", candidate.who.word()),
                None => candidate.who.word().to_string(),
            };
            let selected = index == search.cursor;
            let text = format!(
                "{}{} ({who})",
                if selected { "  ▶ " } else { "    " },
                candidate.name
            );
            let style = if selected {
                theme.selected()
            } else {
                Style::default()
            };
            Line::from(Span::styled(fit(&text, width), style))
        })
        .collect()
}

fn hints(state: &State, editor: &SharingEditor) -> String {
    if editor.focus == EditorFocus::Search {
        return form_hints(
            state,
            &[
                (Action::Accept, "add"),
                (Action::NextField, "next"),
                (Action::Complete, "back"),
                (Action::Close, "clear"),
            ],
        );
    }
    let keys = &state.settings.keymap;
    let hint = |action: Action| keys.hint(Context::Sharing, action);
    let mut hints = Vec::new();
    if editor.editable() {
        let access = format!(
            "{}/{}",
            hint(Action::PreviousChoice),
            hint(Action::NextChoice)
        );
        hints.extend([
            (access, "access"),
            (hint(Action::Remove), "remove"),
            (hint(Action::Add), "add"),
            (hint(Action::Accept), "apply"),
        ]);
    }
    hints.push((hint(Action::Close), "cancel"));
    hints
        .iter()
        .filter(|(key, _)| !key.is_empty() && key != "/")
        .map(|(key, label)| format!("{key} {label}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The one question before a change goes to many documents: what it does, how many.
fn confirmation(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    editor: &SharingEditor,
    theme: Theme,
) {
    let count = editor.count();
    let documents = format!("{count} document{}", if count == 1 { "" } else { "s" });
    let mut words = editor.change_in_words();
    if let Some(first) = words.get(..1) {
        words = format!("{}{}", first.to_uppercase(), &words[1..]);
    }
    let keys = &state.settings.keymap;
    let button = |label: String, on: bool| {
        Span::styled(
            format!("  {label}  "),
            if on { theme.selected() } else { theme.dim() },
        )
    };
    let lines = vec![
        Line::from(format!("{words} on these {documents}?")),
        Line::from(Span::styled(
            "The rest of each one's sharing stays as it is.",
            theme.dim(),
        )),
        Line::from(""),
        Line::from(vec![
            button(
                format!("{} Yes", keys.hint(Context::Confirm, Action::Yes)),
                editor.yes,
            ),
            Span::raw("   "),
            button(
                format!("{} No", keys.hint(Context::Confirm, Action::No)),
                !editor.yes,
            ),
        ]),
    ];
    let width = area.width.saturating_sub(8).min(62);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let text_rows: u16 = lines
        .iter()
        .map(|line| line.width().div_ceil(inner).max(1) as u16)
        .sum();
    let rect = popup(
        frame,
        area,
        width,
        text_rows + 2,
        &format!("Share {documents}"),
        theme,
    );
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), rect);
}
