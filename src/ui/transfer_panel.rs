//! Transfers: a one-line summary above the footer and the panel opened with `t`.
use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Theme, fit};
use crate::api::Phase;
use crate::api::units::human_size;
use crate::app::batch::{BatchKind, Overall};
use crate::app::state::State;
use crate::app::transfer_list::{Finished, Transfer, TransferState};

pub fn panel_height(state: &State, screen_height: u16) -> u16 {
    let rows = state.transfers.items.len().max(1) as u16;
    let in_full = if in_full(state, state.size.0).is_some() {
        IN_FULL_ROWS
    } else {
        0
    };
    (rows + 1 + in_full).min(screen_height / 3).max(2)
}

/// A finished transfer's outcome in words.
fn finished(outcome: &Finished) -> String {
    match outcome {
        Finished::SavedTo(path) => format!("saved to {}", path.display()),
        Finished::ExternalLink(url) => format!("external link {url}"),
        Finished::Document(uid) => format!("document {uid}"),
        Finished::FileResource(uid) => format!("file resource {uid}"),
        Finished::Skipped(why) => format!("skipped: {why}"),
        Finished::CopiedTo { profile, document } => {
            format!("copied to {profile} as document {document}")
        }
    }
}

/// Rows under the panel's list for the selected transfer's whole label and outcome.
const IN_FULL_ROWS: u16 = 3;

/// The selected transfer's label and outcome in words, when its row has to cut them: an
/// error or a path is read in full here.
fn in_full(state: &State, width: u16) -> Option<String> {
    let transfer = state.transfers.selected()?;
    let outcome = match &transfer.state {
        TransferState::Done(what) => format!("done, {}", finished(what)),
        TransferState::Failed(why) => format!("failed: {why}"),
        _ => return None,
    };
    let text = format!("“{}” {outcome}", transfer.label);
    let row = transfer.label.chars().count() + outcome.chars().count() + 4;
    (row > usize::from(width)).then_some(text)
}

fn bar(ratio: f64, width: usize) -> String {
    let filled = ((ratio * width as f64).round() as usize).min(width);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

fn eta(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, secs / 60 % 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

/// "↓ name ███░░ 62% 2.0 MiB/4.0 MiB 3.9 MiB/s ETA 3s", shortened to fit.
fn line(transfer: &Transfer, width: usize, theme: Theme) -> Line<'static> {
    let arrow = if transfer.job.is_copy() {
        "→"
    } else if transfer.is_upload() {
        "↑"
    } else {
        "↓"
    };
    let mut tail = Vec::new();
    match &transfer.state {
        TransferState::Queued => tail.push(Span::styled("queued".to_string(), theme.dim())),
        TransferState::Running => match transfer.phase {
            Phase::WaitingForStorage | Phase::Linking => {
                tail.push(Span::raw(format!("{}…", transfer.phase.label())));
            }
            Phase::Uploading | Phase::Downloading => {
                // Narrow screens keep the bar, percentage, speed and ETA; bytes go first.
                let compact = width < 70;
                if let Some(ratio) = transfer.ratio() {
                    let bar_width = if compact { 6 } else { 12 };
                    tail.push(Span::styled(bar(ratio, bar_width), theme.gauge()));
                    tail.push(Span::raw(format!(" {:>3.0}%", ratio * 100.0)));
                }
                if !compact || transfer.ratio().is_none() {
                    let total = transfer
                        .total
                        .map(|t| format!("/{}", human_size(t)))
                        .unwrap_or_default();
                    tail.push(Span::raw(format!(" {}{total}", human_size(transfer.done))));
                }
                if let Some(rate) = transfer.rate() {
                    tail.push(Span::raw(format!(" {}/s", human_size(rate as u64))));
                }
                if let Some(left) = transfer.eta() {
                    tail.push(Span::raw(format!(" ETA {}", eta(left))));
                }
            }
        },
        TransferState::Done(what) => tail.push(Span::styled(
            format!("done, {}", finished(what)),
            theme.ok(),
        )),
        TransferState::Failed(why) => {
            tail.push(Span::styled(format!("failed: {why}"), theme.error()))
        }
        TransferState::Cancelled => tail.push(Span::styled("cancelled".to_string(), theme.dim())),
    }
    let tail_width: usize = tail.iter().map(|s| s.width()).sum();
    let name_width = width.saturating_sub(tail_width + 4).clamp(8, 40);
    let mut spans = vec![
        Span::raw(format!(" {arrow} ")),
        Span::raw(format!(
            "{:<name_width$} ",
            fit(&transfer.label, name_width)
        )),
    ];
    spans.extend(tail);
    Line::from(spans)
}

/// Whether the row above the footer has something to say: a transfer or batch running, a
/// plan or a selection being made.
pub fn has_summary(state: &State) -> bool {
    state.transfers.any_active()
        || state.batches.any_running()
        || state.planning.is_some()
        || state.selecting.is_some()
}

/// "↓ 12/500 files ███░░ 24% 45 MiB/120 MiB 3.2 MiB/s ETA 20s": every running batch at once.
fn overall_line(overall: &Overall, width: usize, theme: Theme) -> Line<'static> {
    let (arrow, items) = match overall.kind {
        Some(BatchKind::Download) => ("↓", "files"),
        Some(BatchKind::Upload) => ("↑", "files"),
        Some(BatchKind::Delete) => ("✕", "deleted"),
        Some(BatchKind::Copy) => ("→", "copied"),
        None => ("⇅", "done"),
    };
    let mut spans = vec![Span::raw(format!(
        " {arrow} {}/{} {items} ",
        overall.ended, overall.acting
    ))];
    let ratio = if overall.bytes_total > 0 {
        (overall.bytes_done as f64 / overall.bytes_total as f64).min(1.0)
    } else {
        overall.ended as f64 / overall.acting.max(1) as f64
    };
    let compact = width < 70;
    spans.push(Span::styled(
        bar(ratio, if compact { 6 } else { 12 }),
        theme.gauge(),
    ));
    spans.push(Span::raw(format!(" {:>3.0}%", ratio * 100.0)));
    if overall.bytes_total > 0 && !compact {
        spans.push(Span::raw(format!(
            " {}/{}",
            human_size(overall.bytes_done),
            human_size(overall.bytes_total)
        )));
    }
    if let Some(rate) = overall.rate.filter(|rate| *rate > 0.0) {
        spans.push(Span::raw(format!(" {}/s", human_size(rate as u64))));
    }
    if let Some(left) = overall.eta {
        spans.push(Span::raw(format!(" ETA {}", eta(left))));
    }
    Line::from(spans)
}

pub fn summary(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    if area.height == 0 {
        return;
    }
    let busy = match (&state.planning, state.selecting) {
        (Some(planning), _) => Some(format!(
            "planning the {} of {}…",
            planning.work.kind().noun(),
            planning.items
        )),
        (None, Some(_)) => Some("marking the documents that match…".to_string()),
        (None, None) => None,
    };
    if let Some(busy) = busy {
        let text = fit(
            &format!(" {} {busy}", super::spinner(state)),
            usize::from(area.width),
        );
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), area);
        return;
    }
    if let Some(overall) = state.batches.overall() {
        // Transfers outside the batches are counted after the whole.
        let others = state
            .transfers
            .active()
            .filter(|t| t.batch.is_none())
            .count();
        let more = match others {
            0 => String::new(),
            n => format!(" +{n} more"),
        };
        let width = usize::from(area.width).saturating_sub(more.chars().count());
        let mut line = overall_line(&overall, width, theme);
        line.push_span(Span::styled(more, theme.dim()));
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let mut active = state.transfers.active();
    let Some(first) = active.next() else {
        return;
    };
    let more = match active.count() {
        0 => String::new(),
        n => format!(" +{n} more"),
    };
    let width = usize::from(area.width).saturating_sub(more.chars().count());
    let mut line = line(first, width, theme);
    line.push_span(Span::styled(more, theme.dim()));
    frame.render_widget(Paragraph::new(line), area);
}

pub fn panel(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Span::styled(" transfers ", theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let transfers = &state.transfers;
    if transfers.items.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(" no transfers yet", theme.dim())),
            inner,
        );
        return;
    }
    let full = in_full(state, inner.width);
    let (list_area, full_area) = match &full {
        Some(_) if inner.height > IN_FULL_ROWS => {
            let list = Rect {
                height: inner.height - IN_FULL_ROWS,
                ..inner
            };
            let full = Rect {
                y: list.bottom(),
                height: IN_FULL_ROWS,
                ..inner
            };
            (list, Some(full))
        }
        _ => (inner, None),
    };
    if let (Some(text), Some(area)) = (full, full_area) {
        let style = match transfers.selected().map(|t| &t.state) {
            Some(TransferState::Failed(_)) => theme.error(),
            _ => theme.dim(),
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text, style)).wrap(Wrap { trim: true }),
            area,
        );
    }
    let inner = list_area;
    let height = usize::from(inner.height);
    let offset = transfers.cursor.saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = transfers
        .items
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, transfer)| {
            let line = line(transfer, usize::from(inner.width), theme);
            if i == transfers.cursor {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
