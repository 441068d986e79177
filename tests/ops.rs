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

/// A server that ignores `id:in:[…]`: its list brings other documents than those asked for,
/// under names that would take the asked ones' file names.
async fn server_ignoring_the_id_filter() -> common::hostile::Hostile {
    use common::hostile::{document_json, file_resource_json};
    common::hostile::serve(|request, mut conn| async move {
        let path = request.path().to_string();
        let uid = path.rsplit('/').next().unwrap_or_default().to_string();
        let pager = serde_json::json!({"page": 1, "pageCount": 1, "total": 2, "pageSize": 50});
        match path.as_str() {
            "/api/documents" => {
                let others = [
                    document_json("Intruder001", "Intruder", "IntruderFr1"),
                    document_json("Intruder002", "Intruder", "IntruderFr2"),
                ];
                conn.json(
                    200,
                    &serde_json::json!({"pager": pager, "documents": others}),
                )
                .await;
            }
            "/api/fileResources" => {
                let others = [file_resource_json("IntruderFr1", "asked.txt", 5, None)];
                let list = serde_json::json!({"pager": pager, "fileResources": others});
                conn.json(200, &list).await;
            }
            _ if path.starts_with("/api/documents/") && uid == "AskedDocum1" => {
                conn.json(200, &document_json("AskedDocum1", "Asked", "AskedFileR1"))
                    .await;
            }
            "/api/fileResources/AskedFileR1" => {
                let resource = file_resource_json("AskedFileR1", "asked.txt", 5, None);
                conn.json(200, &resource).await;
            }
            _ => {
                let message = serde_json::json!({"httpStatusCode": 404, "status": "ERROR",
                    "message": format!("Document with id {uid} could not be found.")});
                conn.json(404, &message).await;
            }
        }
    })
    .await
}

#[tokio::test]
async fn a_plan_holds_what_was_asked_for_even_when_the_server_lists_something_else() {
    let server = server_ignoring_the_id_filter().await;
    let client = d2files::api::Client::with_options(
        &server.base_url(),
        d2files::api::Auth::basic("admin", "district"),
        common::fast_options(),
    )
    .unwrap();
    let into = tempfile::tempdir().unwrap();
    let asked = ["AskedDocum1".to_string(), "MissingDoc1".to_string()];
    let plan = ops::plan_download(&client, &asked, into.path(), 2)
        .await
        .unwrap();
    let uids: Vec<Option<&str>> = plan.steps.iter().map(|s| s.uid.as_deref()).collect();
    assert_eq!(uids, [Some("AskedDocum1"), Some("MissingDoc1")]);
    match &plan.steps[0].action {
        ops::Action::Download { to, .. } => assert_eq!(to, &into.path().join("asked.txt")),
        other => panic!("{other:?}"),
    }
    assert_eq!(plan.steps[0].label, "Asked");
    match &plan.steps[1].action {
        ops::Action::Cannot { why } => {
            assert!(why.contains("MissingDoc1 could not be found"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    // Each asked document was read on its own once the list did not bring it.
    assert_eq!(server.count("GET", "/api/documents/AskedDocum1"), 1);
    assert_eq!(server.count("GET", "/api/documents/Intruder001"), 0);
}

#[tokio::test]
async fn a_copy_of_given_uids_plans_them_in_their_order_and_refuses_what_the_source_lacks() {
    let source = common::start("2.41").await;
    let target = common::start("2.41").await;
    let files = seed_files(&source, 2);
    // More links than one `id:in` query names: the uids go in several.
    let links: Vec<String> = (0..120)
        .map(|i| {
            source.seed_document(SeedDocument::link(
                &format!("Link {i}"),
                &format!("https://dhis2.org/{i}"),
            ))
        })
        .collect();
    let mut asked: Vec<String> = links.iter().rev().cloned().collect();
    asked.insert(0, files[1].clone());
    asked.insert(1, "Xx000000000".into());
    asked.push(files[0].clone());
    asked.push(files[1].clone());
    asked.push("not a uid".into());
    let (from, into) = (common::admin(&source), common::admin(&target));
    let plan = ops::plan_copy_of(&from, &into, &asked, None, ops::OnConflict::Keep, 3)
        .await
        .unwrap();
    let uids: Vec<&str> = plan
        .steps
        .iter()
        .map(|step| step.uid.as_deref().unwrap())
        .collect();
    let mut once = asked.clone();
    once.remove(once.len() - 2);
    assert_eq!(uids, once, "the order asked, each once");
    assert_eq!(plan.acting(), 122);
    let refusals: Vec<(&str, &str)> = plan
        .steps
        .iter()
        .filter_map(|step| match &step.action {
            ops::Action::Cannot { why } => Some((step.uid.as_deref().unwrap(), why.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    assert_eq!(refusals[0].0, "Xx000000000");
    assert!(
        refusals[0].1.starts_with("on the source: "),
        "{}",
        refusals[0].1
    );
    assert!(refusals[1].1.contains("is not a uid"), "{}", refusals[1].1);
    assert!(
        plan.notes.iter().any(|note| note.contains("straight to")),
        "{:?}",
        plan.notes
    );
    let notes: std::collections::HashSet<&String> = plan.notes.iter().collect();
    assert_eq!(notes.len(), plan.notes.len(), "each note once");
}
