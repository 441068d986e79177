//! The batch engine through the library, against an emulator on 127.0.0.1: what `apply` runs at
//! once, how a step is cancelled, and what every step reports.
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use d2files::emulator::{Emulator, SeedDocument, SeedFileResource};
use d2files::ops::{self, ApplyOptions, Event, Outcome, Run};

/// `count` file documents of a few bytes each.
fn seed_files(em: &Emulator, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let fr = em
                .seed_file_resource(SeedFileResource::new(
                    &format!("file-{i}.txt"),
                    "text/plain",
                    format!("file {i}").into_bytes(),
                ))
                .unwrap();
            em.seed_document(SeedDocument::file(&format!("File {i}"), &fr))
        })
        .collect()
}

/// Every event of a run, in the order the callback saw them.
fn recorder() -> (
    Arc<Mutex<Vec<Event>>>,
    impl Fn(Event) + Send + Sync + 'static,
) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    (events, move |event| seen.lock().unwrap().push(event))
}

#[tokio::test]
async fn apply_runs_at_most_jobs_steps_at_once_and_ends_each_step_once() {
    // Answers held long enough that the steps a run starts are all running together.
    let em = common::start_with("2.41", |options| {
        options.seed_demo = false;
        options.latency = Duration::from_millis(100);
    })
    .await;
    let uids = seed_files(&em, 7);
    let client = common::admin(&em);
    let into = tempfile::tempdir().unwrap();
    let plan = ops::plan_download(&client, &uids, into.path(), 3)
        .await
        .unwrap();
    assert_eq!(plan.acting(), 7);
    let (events, record) = recorder();
    let options = ApplyOptions {
        jobs: 3,
        ..ApplyOptions::default()
    };
    let summary = ops::apply(&client, &plan, &options, &Run::new(7), record).await;
    assert_eq!(summary.line("downloaded"), "downloaded 7 of 7 (42 B)");
    let events = events.lock().unwrap();
    let (mut running, mut most, mut finished) = (0usize, 0usize, vec![0; 7]);
    for event in events.iter() {
        match event {
            Event::Started { .. } => {
                running += 1;
                most = most.max(running);
            }
            Event::Finished { step, outcome } => {
                running -= 1;
                finished[*step] += 1;
                assert!(matches!(outcome, Outcome::Downloaded(_)), "{outcome:?}");
            }
            Event::Progress { .. } => {}
        }
    }
    assert_eq!(most, 3, "three at once, never more");
    assert_eq!(finished, vec![1; 7], "each step ends once");
    assert_eq!(std::fs::read_dir(into.path()).unwrap().count(), 7);
}

#[tokio::test]
async fn a_cancelled_step_never_starts_and_cancelling_the_run_ends_the_rest() {
    let em = common::start_with("2.41", |options| options.seed_demo = false).await;
    let uids = seed_files(&em, 4);
    let client = common::admin(&em);
    let into = tempfile::tempdir().unwrap();
    let plan = ops::plan_download(&client, &uids, into.path(), 1)
        .await
        .unwrap();
    let run = Run::new(4);
    run.cancel(1);
    // Cancel the whole run once step 2 has ended: step 3 then never starts.
    let stopper = run.clone();
    let (events, record) = recorder();
    let on_event = move |event: Event| {
        if let Event::Finished { step: 2, .. } = event {
            stopper.cancel_all();
        }
        record(event);
    };
    let options = ApplyOptions {
        jobs: 1,
        ..ApplyOptions::default()
    };
    let summary = ops::apply(&client, &plan, &options, &run, on_event).await;
    let outcomes: Vec<&str> = summary
        .steps
        .iter()
        .map(|(_, outcome)| match outcome {
            Outcome::Downloaded(_) => "downloaded",
            Outcome::Cancelled { .. } => "cancelled",
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        outcomes,
        ["downloaded", "cancelled", "downloaded", "cancelled"]
    );
    assert!(!summary.succeeded());
    for (step, uid) in uids.iter().enumerate() {
        let fetched = common::count(&em, "GET", &format!("/api/documents/{uid}/data"));
        assert_eq!(fetched, usize::from(step % 2 == 0), "step {step}");
    }
    let started = events
        .lock()
        .unwrap()
        .iter()
        .filter(|event| matches!(event, Event::Started { .. }))
        .count();
    assert_eq!(started, 2);
}
