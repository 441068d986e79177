//! The TUI's frames. In process: the real `update` and `ui::draw` on a ratatui `TestBackend`
//! with 10,000 documents loaded through the same messages the runner sends. Out of process:
//! `d2files` itself in a pseudo-terminal against the emulator, for what only the real event
//! loop can show (frames while idle, key to screen).
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use d2files::api::{Document, FileResource, Me, Page, Pager, ServerInfo, ServerVersion};
use d2files::app::effect::Effect;
use d2files::app::msg::{Msg, PreviewRead};
use d2files::app::preview::Subject;
use d2files::app::{Keymap, Settings, State, update};
use d2files::ops::check::{Class, Finding, Item, ItemKind, Report};
use d2files::preview::Preview;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::pty::{Tui, count, frames_in};
use crate::server::USERNAME;

pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 40;

pub struct Frames {
    pub rows: usize,
    /// Rows marked (every other one from the top) before the frames are drawn.
    pub marked: usize,
    /// Rows a check report (of every row) found a problem with, spread evenly, so each frame
    /// draws the check's marks.
    pub problems: usize,
    /// `terminal.draw` alone, one sample per frame, the cursor moving between frames.
    pub draw_ms: Vec<f64>,
    /// `update(Key)` and the frame it causes.
    pub key_to_frame_ms: Vec<f64>,
}

pub struct RealTui {
    pub rows: usize,
    pub idle_seconds: f64,
    /// Frames seen on the terminal while no key was pressed (each frame ends by hiding or
    /// placing the cursor, so even a frame without changes writes something).
    pub idle_frames: usize,
    pub idle_bytes: usize,
    /// From writing a key to the pty until the app's answer arrived on it.
    pub key_to_screen_ms: Vec<f64>,
}

fn document(n: usize) -> Document {
    let external = n.is_multiple_of(3);
    let day = chrono::NaiveDate::from_ymd_opt(2025, 1 + (n % 12) as u32, 1 + (n % 28) as u32)
        .and_then(|d| d.and_hms_opt(9, (n % 60) as u32, 0));
    Document {
        id: format!("Bd{n:09}"),
        name: Some(format!("Benchmark document {n:05} — quarterly report")),
        url: Some(if external {
            format!("https://example.org/reports/{n:05}.pdf")
        } else {
            format!("Fr{n:09}")
        }),
        external,
        content_type: (!external).then(|| "application/pdf".to_string()),
        created: day,
        last_updated: day,
        ..Document::default()
    }
}

/// A connected state with `rows` documents, loaded as one page through `update`.
fn loaded_state(rows: usize, download_dir: &Path) -> anyhow::Result<State> {
    let settings = Settings {
        profile: "bench".into(),
        base_url: "http://127.0.0.1:8080/".into(),
        download_dir: download_dir.to_path_buf(),
        log_path: None,
        keymap: Keymap::default(),
        keymap_problems: Vec::new(),
        warnings: Vec::new(),
        color: true,
        page_size: u32::try_from(rows)?,
        mouse: false,
    };
    let mut state = State::new(settings);
    update(&mut state, Msg::Resize(WIDTH, HEIGHT));
    let server = ServerInfo {
        base_url: "http://127.0.0.1:8080/".into(),
        version: ServerVersion::parse("2.41.7"),
        version_text: "2.41.7".into(),
        system_name: Some("Benchmark".into()),
        time_zone: None,
        user: Me {
            username: Some(USERNAME.into()),
            ..Me::default()
        },
        latency: Duration::from_millis(1),
    };
    let effects = update(&mut state, Msg::Connected(Ok(server)));
    let req = effects
        .iter()
        .find_map(|e| match e {
            Effect::FetchDocuments { req, .. } => Some(*req),
            _ => None,
        })
        .context("connecting asked for no documents")?;
    let page = Page {
        items: (0..rows).map(document).collect(),
        pager: Some(Pager {
            page: 1,
            page_count: 1,
            total: rows as u64,
            page_size: rows as u32,
            next_page: None,
            prev_page: None,
        }),
    };
    update(
        &mut state,
        Msg::DocumentsLoaded {
            req,
            page: 1,
            result: Ok(page),
        },
    );
    if state.documents.items.len() != rows {
        bail!("the state holds {} rows", state.documents.items.len());
    }
    Ok(state)
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Cursor moves that walk the whole list: mostly single steps, with page jumps and both ends.
fn key_cycle(i: usize) -> KeyCode {
    match i % 50 {
        10 | 20 | 30 => KeyCode::PageDown,
        40 => KeyCode::End,
        41 => KeyCode::PageUp,
        45 => KeyCode::Home,
        n if n > 41 && n < 45 => KeyCode::Up,
        _ => KeyCode::Down,
    }
}

/// A check's report of every row, `problems` of them (spread evenly) with lost bytes.
fn check_report(rows: usize, problems: usize) -> Report {
    let every = rows / problems.max(1);
    let items = (0..rows)
        .map(|n| {
            let document = document(n);
            let mut item = Item::new(ItemKind::Document, &document.id, document.title());
            if problems > 0 && n % every == 0 && n / every < problems {
                item.findings.push(
                    Finding::new(
                        Class::MissingBytes,
                        format!("file resource Fr{n:09} reads PENDING 3 days after its upload"),
                    )
                    .advice("restore it from a backup or upload the file again"),
                );
            }
            item
        })
        .collect();
    Report {
        items,
        notes: Vec::new(),
    }
}

/// Frames with `rows` loaded and `marked` of them marked (Space marks a row and moves down, so
/// Space then Down marks every other row), and with `problems > 0` a check's report of every
/// row indexed (through `c` and the runner's answer), `problems` of them marked `!`.
pub fn frames(
    rows: usize,
    marked: usize,
    problems: usize,
    samples: usize,
    work: &Path,
) -> anyhow::Result<Frames> {
    let mut state = loaded_state(rows, work)?;
    for _ in 0..marked.min(rows.div_ceil(2)) {
        update(&mut state, key(KeyCode::Char(' ')));
        update(&mut state, key(KeyCode::Down));
    }
    if problems > 0 {
        let effects = update(&mut state, key(KeyCode::Char('c')));
        let req = effects
            .iter()
            .find_map(|e| match e {
                Effect::StartCheck { req, .. } => Some(*req),
                _ => None,
            })
            .context("c started no check")?;
        let result = Ok(Box::new(check_report(rows, problems)));
        update(&mut state, Msg::Checked { req, result });
        let found = state
            .check
            .result
            .as_ref()
            .map_or(0, |result| result.document_problems.len());
        if found != problems {
            bail!("the check found {found} problems, not {problems}");
        }
        // Its summary would cover the rows; the frames are the list's.
        state.toasts.clear();
    }
    update(&mut state, key(KeyCode::Home));
    let count = state.marked().count;
    if count != marked.min(rows.div_ceil(2)) {
        bail!("{count} rows are marked, not {marked}");
    }
    let (draw_ms, key_to_frame_ms) = measure(&mut state, samples, |_| {})?;
    Ok(Frames {
        rows,
        marked,
        problems,
        draw_ms,
        key_to_frame_ms,
    })
}

/// Frames with the preview pane open beside the list on `preview` (a decoded demo file): the
/// row the cursor reaches is answered at once, outside the timing, as a cached preview would
/// be, so each frame draws the pane's content rather than its "reading" line. An image is
/// encoded once per image, on the frame that first shows it, as in the app.
pub fn preview_frames(
    rows: usize,
    samples: usize,
    preview: &Preview,
    work: &Path,
) -> anyhow::Result<Frames> {
    let mut state = loaded_state(rows, work)?;
    update(&mut state, key(KeyCode::Char('p')));
    if !state.preview.open {
        bail!("p opened no preview");
    }
    let (draw_ms, key_to_frame_ms) = measure(&mut state, samples, |state| {
        if let Some(Subject::File(uid)) = state.preview.subject.clone()
            && state.preview.cached(&uid).is_none()
        {
            let read = PreviewRead {
                resource: FileResource {
                    id: uid.clone(),
                    ..FileResource::default()
                },
                preview: preview.clone(),
            };
            let result = Ok(Box::new(read));
            update(
                state,
                Msg::PreviewLoaded {
                    req: 0,
                    uid,
                    result,
                },
            );
        }
    })?;
    Ok(Frames {
        rows,
        marked: 0,
        problems: 0,
        draw_ms,
        key_to_frame_ms,
    })
}

/// Draw times and key-to-frame times, `samples` each, after 100 frames of warm-up; `after_key`
/// runs after each key, outside the timing of the draw.
fn measure(
    state: &mut State,
    samples: usize,
    mut after_key: impl FnMut(&mut State),
) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT))?;
    let draw = |terminal: &mut Terminal<TestBackend>, state: &mut State| -> anyhow::Result<()> {
        terminal.draw(|frame| d2files::ui::draw(frame, state))?;
        state.dirty = false;
        Ok(())
    };
    for i in 0..100 {
        update(state, key(key_cycle(i)));
        after_key(state);
        draw(&mut terminal, state)?;
    }
    let mut draw_ms = Vec::with_capacity(samples);
    for i in 0..samples {
        update(state, key(key_cycle(i)));
        after_key(state);
        let started = Instant::now();
        draw(&mut terminal, state)?;
        draw_ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let mut key_to_frame_ms = Vec::with_capacity(samples);
    for i in 0..samples {
        let started = Instant::now();
        update(state, key(key_cycle(i)));
        after_key(state);
        draw(&mut terminal, state)?;
        key_to_frame_ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    Ok((draw_ms, key_to_frame_ms))
}

/// Runs `d2files` (the TUI) in a pty against `url` with every document loaded as one page.
pub fn real(
    binary: &Path,
    url: &str,
    rows: usize,
    idle: Duration,
    keys: usize,
    home: &Path,
) -> anyhow::Result<RealTui> {
    let env = [(d2files::app::PAGE_SIZE_VAR, rows.to_string())];
    let tui = Tui::spawn(binary, url, (WIDTH, HEIGHT), home, &env)?;
    // The list is up once a document's name is on the screen.
    tui.wait_for(Duration::from_secs(30), |s| {
        count(&s.bytes, b"Benchmark document") > 0
    })?;
    // Then let start-up settle: a quiet half second, within ten.
    tui.settle(Duration::from_millis(500), Duration::from_secs(10))?;
    let before = tui.lock()?.bytes.len();
    std::thread::sleep(idle);
    let idle_output = tui.lock()?.bytes[before..].to_vec();
    let mut key_to_screen_ms = Vec::with_capacity(keys);
    for i in 0..keys {
        let before = tui.lock()?.bytes.len();
        // Down, with an Up every fourth key so the cursor stays in the first screens.
        let sequence: &[u8] = if i % 4 == 3 { b"\x1b[A" } else { b"\x1b[B" };
        let sent = Instant::now();
        tui.send(sequence)?;
        tui.wait_for(Duration::from_secs(5), |s| s.bytes.len() > before)?;
        key_to_screen_ms.push(sent.elapsed().as_secs_f64() * 1e3);
        // Past the frame limiter (one frame per 16 ms) and any trailing writes.
        std::thread::sleep(Duration::from_millis(60));
    }
    Ok(RealTui {
        rows,
        idle_seconds: idle.as_secs_f64(),
        idle_frames: frames_in(&idle_output),
        idle_bytes: idle_output.len(),
        key_to_screen_ms,
    })
}

/// The demo's CSV file as the preview decodes it.
pub fn demo_csv_preview() -> Preview {
    d2files::preview::decode(
        include_bytes!("../../assets/demo/malaria_cases.csv"),
        "text/csv",
        "cases.csv",
        false,
        &d2files::preview::Limits::default(),
    )
}

/// The preview case alone (`--only tui-preview`): frames at 10,000 rows with the pane open
/// beside the list on the demo's CSV, and on its logo in half-blocks, against the frame goal.
pub fn preview_section(w: &mut String, samples: usize, work: &Path) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    let rows = 10_000;
    let csv = demo_csv_preview();
    let logo = d2files::preview::decode(
        include_bytes!("../../assets/demo/moh_logo.png"),
        "image/png",
        "logo.png",
        false,
        &d2files::preview::Limits::default(),
    );
    let goal = crate::report::MAX_FRAME_P99_MS;
    let _ = writeln!(
        w,
        "| frames at {rows} rows, {WIDTH}×{HEIGHT}, preview open (TestBackend) | samples | p50 | p99 | goal p99 ≤ {goal} ms |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|");
    for (name, preview) in [("a CSV file", &csv), ("a PNG in half-blocks", &logo)] {
        let frames = preview_frames(rows, samples, preview, work)?;
        let draw = crate::stats::Samples::new(frames.draw_ms);
        let p99 = draw.percentile(99.0);
        let _ = writeln!(
            w,
            "| draw one frame, {name} | {} | {:.3} ms | {:.3} ms | {} |",
            draw.len(),
            draw.median(),
            p99,
            if p99 <= goal { "met" } else { "missed" }
        );
    }
    Ok(())
}
