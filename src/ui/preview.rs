//! The preview pane: what the file under the cursor holds (its first lines, a table, a PDF's
//! first page, an image), or its metadata where there is no preview; an external link's URL
//! and host, never fetched.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui_image::Image;

use super::{Theme, spinner};
use crate::api::FileResource;
use crate::api::units::human_size;
use crate::app::preview::Subject;
use crate::app::state::State;
use crate::preview::{Body, Preview};

/// From this width on the pane sits beside the list; narrower, below it.
pub const BESIDE_MIN_WIDTH: u16 = 100;
/// The share of the list's width the pane takes beside it, in percent.
pub const BESIDE_PERCENT: u16 = 50;
/// The share of the screen's height the pane takes below the list, in percent.
const BELOW_PERCENT: u16 = 45;
/// The fewest rows the pane takes below the list (its borders, a summary, a few lines).
const BELOW_MIN_ROWS: u16 = 6;

/// The pane's rows below the list on a screen `screen_height` tall.
pub fn height_below(screen_height: u16) -> u16 {
    (screen_height * BELOW_PERCENT / 100).max(BELOW_MIN_ROWS)
}

fn block(theme: Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(" Preview ", theme.title()))
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let pane = &state.preview;
    let block = block(theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = match &pane.subject {
        None => vec![Line::styled("nothing under the cursor", theme.dim())],
        Some(Subject::Link(url)) => link_lines(url, theme),
        Some(Subject::NoFile) => vec![Line::styled("no file behind this document", theme.dim())],
        Some(Subject::File(uid)) => {
            let resource = state.resources.book.get(uid);
            match (&pane.failed, pane.cached(uid)) {
                (Some(reason), _) => cannot(resource, reason, theme),
                (None, Some(preview)) => shown(frame, inner, state, uid, preview, theme),
                (None, None) => vec![Line::from(vec![
                    Span::raw(format!("{} ", spinner(state))),
                    Span::styled("reading the start of the file…", theme.dim()),
                ])],
            }
        }
    };
    let visible = usize::from(inner.height);
    let lines: Vec<Line> = lines.into_iter().take(visible).collect();
    // A file's lines are shown as they are (a table's columns stay aligned); messages wrap.
    let file_lines =
        matches!(pane.shown().map(|p| &p.body), Some(Body::Lines(_))) && pane.failed.is_none();
    let paragraph = Paragraph::new(lines);
    let paragraph = if file_lines {
        paragraph
    } else {
        paragraph.wrap(Wrap { trim: false })
    };
    frame.render_widget(paragraph, inner);
}

fn link_lines(url: &str, theme: Theme) -> Vec<Line<'static>> {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "?".into());
    vec![
        Line::styled("external link: shown, never fetched", theme.dim()),
        Line::from(vec![
            Span::styled("URL   ", theme.dim()),
            Span::raw(url.to_string()),
        ]),
        Line::from(vec![Span::styled("host  ", theme.dim()), Span::raw(host)]),
    ]
}

/// The preview's lines; an image is drawn into the area under its summary.
fn shown(
    frame: &mut Frame,
    inner: Rect,
    state: &State,
    uid: &str,
    preview: &Preview,
    theme: Theme,
) -> Vec<Line<'static>> {
    let resource = state.resources.book.get(uid);
    let mut summary = preview.summary.clone();
    if preview.cut {
        summary.push_str(" · the start of it");
    }
    match &preview.body {
        Body::Lines(lines) => {
            let mut all = vec![Line::styled(summary, theme.dim())];
            let room = usize::from(inner.height.saturating_sub(1));
            all.extend(lines.iter().take(room).map(|l| Line::raw(l.clone())));
            all
        }
        Body::Image(image) => {
            let pane = &state.preview;
            summary.push_str(&format!(" · {}", pane.protocol_name()));
            if pane.draws_half_blocks() {
                let area = below_summary(inner);
                pane.with_encoded(uid, image, area, |protocol| {
                    frame.render_widget(Image::new(protocol), area);
                });
            }
            vec![Line::styled(summary, theme.dim())]
        }
        Body::Unsupported => {
            let mut all = facts(resource, theme);
            all.push(Line::styled("no preview for this type", theme.dim()));
            all
        }
        Body::Cannot(reason) => cannot(resource, reason, theme),
    }
}

/// Where an image goes inside the pane's borders: under the summary line.
fn below_summary(inner: Rect) -> Rect {
    Rect {
        y: inner.y.saturating_add(1),
        height: inner.height.saturating_sub(1),
        ..inner
    }
}

fn cannot(resource: Option<&FileResource>, reason: &str, theme: Theme) -> Vec<Line<'static>> {
    let mut all = facts(resource, theme);
    all.push(Line::styled(
        format!("cannot preview: {reason}"),
        theme.error(),
    ));
    all
}

/// The file resource's metadata: what there is to say without its bytes.
fn facts(resource: Option<&FileResource>, theme: Theme) -> Vec<Line<'static>> {
    let Some(resource) = resource else {
        return Vec::new();
    };
    let fact = |label: &'static str, value: String| {
        Line::from(vec![Span::styled(label, theme.dim()), Span::raw(value)])
    };
    let unknown = || "?".to_string();
    vec![
        fact("name    ", resource.title().to_string()),
        fact(
            "type    ",
            resource.content_type.clone().unwrap_or_else(unknown),
        ),
        fact(
            "size    ",
            resource
                .content_length
                .map(human_size)
                .unwrap_or_else(unknown),
        ),
        fact(
            "MD5     ",
            resource.content_md5.clone().unwrap_or_else(unknown),
        ),
        fact(
            "domain  ",
            resource
                .domain
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_else(unknown),
        ),
        fact(
            "status  ",
            resource
                .storage_status
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_else(unknown),
        ),
        Line::raw(""),
    ]
}

/// An image in a terminal protocol (kitty, sixel, iTerm2): its escape sequences are ours (the
/// pixels, encoded by ratatui-image), so it is drawn after the frame was neutralised, and only
/// while nothing is drawn over the pane.
pub fn draw_protocol_image(frame: &mut Frame, area: Rect, state: &State) {
    let pane = &state.preview;
    if pane.draws_half_blocks() || pane.failed.is_some() {
        return;
    }
    let (Some(Subject::File(uid)), Some(preview)) = (&pane.subject, pane.shown()) else {
        return;
    };
    if let Body::Image(image) = &preview.body {
        let area = below_summary(block(Theme::new(false)).inner(area));
        pane.with_encoded(uid, image, area, |protocol| {
            frame.render_widget(Image::new(protocol), area);
        });
    }
}
