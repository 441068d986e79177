//! The preview pane (`p`): through `update` alone (it reads the row at once, follows the
//! cursor after the debounce, cancels a read the cursor left, caches, never fetches a link),
//! then through the real runner against the emulator (what a preview reads, how many requests
//! moving through 100 rows costs) and against hostile servers (an endless body, a trickle).
mod common;
mod tui_support;

use std::sync::Arc;
use std::time::Duration;

use common::runner::next;
use d2files::api::{Auth, Client, Error};
use d2files::app::msg::Msg;
use d2files::app::preview::PREVIEW_DEBOUNCE;
use d2files::app::runner::Runner;
use d2files::app::{Effect, Settings, State, update};
use d2files::emulator::{Emulator, EmulatorOptions, SeedFileResource};
use d2files::preview::{Body, Limits};
use tokio::sync::mpsc;
use tui_support::*;

/// The preview reads among `effects`: (request, file resource uid).
fn preview_reads(effects: &[Effect]) -> Vec<(u64, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchPreview { req, uid, .. } => Some((*req, uid.clone())),
            _ => None,
        })
        .collect()
}

fn cancels(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::CancelPreview))
        .count()
}

fn answer(state: &mut State, req: u64, uid: &str) {
    let read = d2files::app::msg::PreviewRead {
        resource: d2files::api::FileResource {
            id: uid.to_string(),
            ..Default::default()
        },
        preview: d2files::preview::Preview::lines("text, UTF-8", vec!["hello".into()], false),
    };
    update(
        state,
        Msg::PreviewLoaded {
            req,
            uid: uid.to_string(),
            result: Ok(Box::new(read)),
        },
    );
}

#[test]
fn p_reads_the_row_at_once_and_p_again_closes_the_pane() {
    let mut state = ready(60);
    let effects = update(&mut state, key('p'));
    assert_eq!(
        preview_reads(&effects),
        vec![(preview_reads(&effects)[0].0, uid('F', 0))]
    );
    assert!(state.preview.open);
    let effects = update(&mut state, key('p'));
    assert!(!state.preview.open);
    assert_eq!(
        cancels(&effects),
        1,
        "the read in flight stops: {effects:?}"
    );
}

#[test]
fn moving_quickly_reads_only_the_row_the_cursor_rests_on() {
    let mut state = ready(60);
    let effects = update(&mut state, key('p'));
    let (req, first) = preview_reads(&effects).remove(0);
    answer(&mut state, req, &first);
    let mut now = 0;
    let mut reads = Vec::new();
    let mut cancelled = 0;
    for _ in 0..40 {
        now += 30;
        reads.extend(preview_reads(&tick(&mut state, now)));
        let effects = update(&mut state, key('j'));
        reads.extend(preview_reads(&effects));
        cancelled += cancels(&effects);
    }
    assert!(reads.is_empty(), "nothing is read while moving: {reads:?}");
    assert_eq!(cancelled, 0, "nothing was in flight to cancel");
    let rested = now + PREVIEW_DEBOUNCE.as_millis() as u64;
    let reads = preview_reads(&tick(&mut state, rested));
    let row = state.selected_document().expect("a row").clone();
    assert_eq!(reads.len(), 1);
    assert_eq!(Some(reads[0].1.as_str()), row.file_resource_uid());
}

#[test]
fn a_read_the_cursor_leaves_is_cancelled_and_coming_back_uses_the_cache() {
    let mut state = ready(60);
    let (first_req, first) = preview_reads(&update(&mut state, key('p'))).remove(0);
    answer(&mut state, first_req, &first);
    update(&mut state, key('j'));
    let (req, second) = preview_reads(&tick(&mut state, 1_000)).remove(0);
    assert_ne!(second, first);
    // Moving on while row 1 is read: its read stops.
    let effects = update(&mut state, key('k'));
    assert_eq!(cancels(&effects), 1, "{effects:?}");
    assert!(
        state.preview.due.is_none(),
        "row 0 is cached: nothing to wait for"
    );
    assert!(preview_reads(&tick(&mut state, 5_000)).is_empty());
    assert!(state.preview.shown().is_some());
    // A late answer for row 1 is kept for later, not shown over row 0.
    answer(&mut state, req, &second);
    assert_eq!(
        state.preview.subject,
        Some(d2files::app::preview::Subject::File(first))
    );
    assert!(state.preview.cached(&second).is_some());
}

#[test]
fn a_link_is_never_fetched_and_a_failure_is_tried_again_when_the_cursor_returns() {
    let mut state = ready(60);
    let (req, first) = preview_reads(&update(&mut state, key('p'))).remove(0);
    update(
        &mut state,
        Msg::PreviewLoaded {
            req,
            uid: first.clone(),
            result: Err(Error::Network("connection reset".into())),
        },
    );
    assert!(
        state
            .preview
            .failed
            .as_deref()
            .is_some_and(|f| f.contains("connection reset"))
    );
    // Rows 1 and 2: a file, then a link (document 2 is external).
    update(&mut state, key('j'));
    update(&mut state, key('j'));
    assert!(matches!(
        state.preview.subject,
        Some(d2files::app::preview::Subject::Link(_))
    ));
    assert!(
        preview_reads(&tick(&mut state, 1_000)).is_empty(),
        "a link is not read"
    );
    update(&mut state, key('g'));
    let reads = preview_reads(&tick(&mut state, 2_000));
    assert_eq!(reads.iter().map(|r| &r.1).collect::<Vec<_>>(), vec![&first]);
}

#[test]
fn the_file_resources_pane_previews_its_rows() {
    let mut state = ready(10);
    let listing = update(&mut state, key('2'));
    let effects = update(&mut state, key('p'));
    assert!(
        preview_reads(&effects).is_empty(),
        "no rows yet: nothing to read"
    );
    let page = d2files::api::Page {
        items: vec![d2files::api::FileResource {
            id: uid('F', 7),
            name: Some("cases.csv".into()),
            ..Default::default()
        }],
        pager: None,
    };
    answer_resources(&mut state, &listing, page);
    let reads = preview_reads(&tick(&mut state, 1_000));
    assert_eq!(
        reads.iter().map(|r| &r.1).collect::<Vec<_>>(),
        vec![&uid('F', 7)]
    );
}

// --- through the real runner ---

struct Driven {
    state: State,
    runner: Runner,
    rx: mpsc::UnboundedReceiver<Msg>,
    _dir: tempfile::TempDir,
}

impl Driven {
    fn new(client: Client, page_size: u32) -> Driven {
        let dir = tempfile::tempdir().expect("temp dir");
        let (tx, rx) = mpsc::unbounded_channel();
        let runner = Runner::new(client, tx, common::runner::app_paths(dir.path()));
        let state = State::new(Settings {
            page_size,
            ..settings()
        });
        Driven {
            state,
            runner,
            rx,
            _dir: dir,
        }
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            self.runner.run(effect);
        }
    }

    fn send(&mut self, msg: Msg) {
        let effects = update(&mut self.state, msg);
        self.run(effects);
    }

    /// Feeds the runner's answers to `update` until `done` holds: the answer is the event
    /// waited on, never a sleep.
    async fn until(&mut self, done: impl Fn(&State) -> bool) {
        while !done(&self.state) {
            let msg = next(&mut self.rx).await;
            self.send(msg);
        }
    }
}

fn shown_lines(state: &State) -> Vec<String> {
    match state.preview.shown().map(|p| &p.body) {
        Some(Body::Lines(lines)) => lines.clone(),
        other => panic!("lines expected, got {other:?}"),
    }
}

#[tokio::test]
async fn moving_through_100_rows_fetches_only_what_the_debounce_lets_through() {
    let em = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    for n in 0..120 {
        common::seed_file_document(
            &em,
            &format!("Weekly report {n:03}"),
            SeedFileResource::new(
                &format!("week{n:03}.txt"),
                "text/plain",
                format!("week {n}\n"),
            ),
        );
    }
    let mut d = Driven::new(common::default_admin(&em), 200);
    let start = d2files::app::init(&mut d.state);
    d.run(start);
    d.until(|s| s.documents.loaded).await;
    d.send(key('p'));
    d.until(|s| s.preview.shown().is_some()).await;
    let data_before = common::count(&em, "GET", "/data");
    let reads_before = em.requests().len();
    let mut now = 0;
    for _ in 0..100 {
        now += 20;
        d.send(Msg::Tick(Duration::from_millis(now)));
        d.send(key('j'));
    }
    assert_eq!(d.state.documents.cursor, 100);
    d.send(Msg::Tick(Duration::from_millis(now) + PREVIEW_DEBOUNCE));
    d.until(|s| s.preview.shown().is_some()).await;
    let row = d.state.selected_document().expect("row 100").clone();
    let n: usize = row
        .title()
        .trim_start_matches("Weekly report ")
        .parse()
        .expect("a number");
    assert_eq!(shown_lines(&d.state), vec![format!("week {n}")]);
    assert_eq!(
        common::count(&em, "GET", "/data") - data_before,
        1,
        "one body read"
    );
    let final_uid = row.file_resource_uid().expect("a file");
    let passed: Vec<String> = d.state.documents.items[1..100]
        .iter()
        .filter_map(|doc| doc.file_resource_uid().map(str::to_string))
        .collect();
    let requests = em.requests();
    let new = &requests[reads_before..];
    assert!(
        new.iter()
            .all(|r| passed.iter().all(|uid| !r.path.contains(uid.as_str()))),
        "no row the cursor passed was read"
    );
    let of_final = new.iter().filter(|r| r.path.contains(final_uid)).count();
    assert_eq!(
        of_final, 2,
        "the row it rests on: its metadata, then its /data"
    );
}

#[tokio::test]
async fn a_preview_reads_a_bounded_prefix_of_a_large_text_and_never_writes_a_file() {
    let em = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let big: String = (0..40_000).map(|n| format!("line {n}\n")).collect();
    common::seed_file_document(
        &em,
        "Big log",
        SeedFileResource::new("big.log", "text/plain", big),
    );
    let mut d = Driven::new(common::default_admin(&em), 50);
    d.state.preview.limits = Limits {
        text_bytes: 4096,
        ..Limits::default()
    };
    let start = d2files::app::init(&mut d.state);
    d.run(start);
    d.until(|s| s.documents.loaded).await;
    d.send(key('p'));
    d.until(|s| s.preview.shown().is_some()).await;
    let preview = d.state.preview.shown().expect("shown").clone();
    assert!(preview.cut, "only the start was read");
    let lines = shown_lines(&d.state);
    assert_eq!(lines[0], "line 0");
    assert!(lines.len() < 600, "{} lines from 4 KiB", lines.len());
    let downloads = d.state.settings.download_dir.clone();
    assert!(
        !downloads.exists(),
        "a preview writes nothing to {}",
        downloads.display()
    );
}

#[tokio::test]
async fn the_demo_files_preview_as_their_kinds() {
    let em = Emulator::start(EmulatorOptions {
        seed_demo: true,
        ..EmulatorOptions::default()
    })
    .await
    .expect("emulator");
    let mut d = Driven::new(common::default_admin(&em), 100);
    let start = d2files::app::init(&mut d.state);
    d.run(start);
    d.until(|s| s.documents.loaded).await;
    d.send(key('p'));
    let mut summaries = Vec::new();
    let total = d.state.documents.items.len();
    for row in 0..total {
        let now = Duration::from_secs(row as u64 + 1);
        d.send(Msg::Tick(now));
        let file = d
            .state
            .selected_document()
            .and_then(|doc| doc.file_resource_uid().map(str::to_string));
        if let Some(uid) = file {
            d.until(|s| s.preview.cached(&uid).is_some() || s.preview.failed.is_some())
                .await;
            if let Some(preview) = d.state.preview.cached(&uid) {
                summaries.push(preview.summary.clone());
            }
        }
        d.send(key('j'));
    }
    for kind in [
        "text, UTF-8",
        "CSV, 5 columns",
        "JSON",
        "PDF, 1 page",
        "Word document",
        "Excel workbook",
        "PNG image",
        "JPEG image",
        "no preview for this type",
    ] {
        assert!(
            summaries.iter().any(|s| s.starts_with(kind)),
            "{kind} among {summaries:#?}"
        );
    }
}

// --- hostile servers ---

async fn hostile_runner(
    body: impl Fn(common::hostile::Conn) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>
    + Send
    + Sync
    + 'static,
) -> (
    common::hostile::Hostile,
    Runner,
    mpsc::UnboundedReceiver<Msg>,
    tempfile::TempDir,
) {
    let body = Arc::new(body);
    let server = common::hostile::serve(move |request, mut conn| {
        let body = body.clone();
        async move {
            if request.path().ends_with("/data") {
                body(conn).await;
            } else {
                let resource = common::hostile::file_resource_json(
                    "FrHostile01",
                    "endless.txt",
                    1 << 30,
                    None,
                );
                let mut resource = resource;
                resource["contentType"] = "text/plain".into();
                conn.json(200, &resource).await;
            }
        }
    })
    .await;
    let client = Client::new(&server.base_url(), Auth::basic("admin", "district")).expect("client");
    let dir = tempfile::tempdir().expect("temp dir");
    let (tx, rx) = mpsc::unbounded_channel();
    let runner = Runner::new(client, tx, common::runner::app_paths(dir.path()));
    (server, runner, rx, dir)
}

#[tokio::test]
async fn an_endless_body_is_read_up_to_the_cap_and_dropped() {
    let (_server, mut runner, mut rx, _dir) = hostile_runner(|mut conn| {
        Box::pin(async move {
            let _ = conn
                .head(
                    200,
                    &[
                        ("Content-Type", "text/plain"),
                        ("Transfer-Encoding", "chunked"),
                    ],
                )
                .await;
            let line = b"all work and no play\n".repeat(400);
            while conn.chunk(&line).await.is_ok() {}
        })
    })
    .await;
    let limits = Limits {
        text_bytes: 64 * 1024,
        ..Limits::default()
    };
    runner.run(Effect::FetchPreview {
        req: 1,
        uid: "FrHostile01".into(),
        limits,
    });
    let Msg::PreviewLoaded { result, .. } = next(&mut rx).await else {
        panic!("the preview's answer")
    };
    let read = result.expect("a preview");
    assert!(read.preview.cut);
    let Body::Lines(lines) = read.preview.body else {
        panic!("lines")
    };
    assert_eq!(lines[0], "all work and no play");
}

#[tokio::test]
async fn a_trickling_body_is_dropped_when_the_cursor_moves_on() {
    // What the server sees: the body started, then the client hung up.
    let (seen_tx, mut seen) = mpsc::unbounded_channel::<&'static str>();
    let (_server, mut runner, _rx, _dir) = hostile_runner(move |mut conn| {
        let seen_tx = seen_tx.clone();
        Box::pin(async move {
            let _ = conn
                .head(
                    200,
                    &[("Content-Type", "text/plain"), ("Content-Length", "100000")],
                )
                .await;
            let _ = seen_tx.send("started");
            conn.trickle(&[b'x'; 100_000], Duration::from_millis(20))
                .await;
            // A write failed: the client closed the connection.
            let _ = seen_tx.send("hung up");
        })
    })
    .await;
    runner.run(Effect::FetchPreview {
        req: 1,
        uid: "FrHostile01".into(),
        limits: Limits::default(),
    });
    assert_eq!(heard(&mut seen).await, Some("started"));
    runner.run(Effect::CancelPreview);
    assert_eq!(
        heard(&mut seen).await,
        Some("hung up"),
        "the read stopped with the cursor"
    );
}

/// The server's next word, within 20 s.
async fn heard(seen: &mut mpsc::UnboundedReceiver<&'static str>) -> Option<&'static str> {
    tokio::time::timeout(Duration::from_secs(20), seen.recv())
        .await
        .ok()
        .flatten()
}
