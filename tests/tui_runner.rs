//! The effect runner against the in-process DHIS2 emulator: effects go in, the real API is
//! called over HTTP on 127.0.0.1, and messages come back.
mod common;
mod tui_support;

use std::time::Duration;

use common::runner::{finished, next};
use d2files::api::{ListQuery, Phase};
use d2files::app::msg::Msg;
use d2files::app::runner::Runner;
use d2files::app::{Effect, TransferJob, TransferOutcome};
use d2files::emulator::{Emulator, EmulatorOptions};
use ratatui::crossterm::event::KeyCode;
use tokio::sync::mpsc;

struct Setup {
    emulator: Emulator,
    runner: Runner,
    rx: mpsc::UnboundedReceiver<Msg>,
    dir: tempfile::TempDir,
}

async fn setup(storage_delay: Duration) -> Setup {
    let emulator = Emulator::start(EmulatorOptions {
        seed_demo: true,
        storage_delay,
        ..EmulatorOptions::default()
    })
    .await
    .expect("emulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let (runner, rx) = common::runner::runner(&emulator, dir.path());
    Setup {
        emulator,
        runner,
        rx,
        dir,
    }
}

#[tokio::test]
async fn lists_and_connects_over_http() {
    let mut s = setup(Duration::ZERO).await;
    s.runner.run(Effect::Connect);
    let Msg::Connected(Ok(info)) = next(&mut s.rx).await else {
        panic!("expected a connection");
    };
    assert_eq!(info.user.label(), "admin");
    s.runner.run(Effect::FetchDocuments {
        req: 7,
        query: ListQuery::new().page_size(20),
    });
    let Msg::DocumentsLoaded { req, page, result } = next(&mut s.rx).await else {
        panic!("expected a page");
    };
    let listed = result.expect("documents listed");
    assert_eq!((req, page), (7, 1));
    assert_eq!(listed.items.len(), 20);
    assert!(listed.has_next());
}

#[tokio::test]
async fn the_files_behind_a_page_of_documents_come_back_with_their_sizes() {
    let mut s = setup(Duration::ZERO).await;
    s.runner.run(Effect::FetchDocuments {
        req: 1,
        query: ListQuery::new().page_size(20),
    });
    let Msg::DocumentsLoaded { result, .. } = next(&mut s.rx).await else {
        panic!("expected a page");
    };
    let uids: Vec<String> = result
        .expect("documents listed")
        .items
        .iter()
        .filter_map(|d| d.file_resource_uid().map(str::to_string))
        .collect();
    assert!(!uids.is_empty(), "the demo page holds files");
    s.runner
        .run(Effect::FetchDocumentFiles { uids: uids.clone() });
    let Msg::DocumentFilesLoaded(result) = next(&mut s.rx).await else {
        panic!("expected the files");
    };
    let files = result.expect("files read");
    assert_eq!(files.len(), uids.len());
    assert!(files.iter().all(|fr| uids.contains(&fr.id)));
    assert!(
        files
            .iter()
            .all(|fr| fr.content_length.is_some_and(|n| n > 0))
    );
}

#[tokio::test]
async fn a_download_reports_progress_and_lands_in_place() {
    let mut s = setup(Duration::ZERO).await;
    let target = s.dir.path().join("cases.csv");
    s.runner.run(Effect::StartTransfer {
        id: 1,
        job: TransferJob::DownloadDocument {
            uid: "zzQl3NLWDXr".into(),
            path: target.clone(),
            overwrite: false,
        },
    });
    let mut progressed = false;
    loop {
        match next(&mut s.rx).await {
            Msg::TransferStarted(1) => {}
            Msg::TransferProgress(1, progress) => {
                assert_eq!(progress.phase, Phase::Downloading);
                progressed = true;
            }
            Msg::TransferFinished(1, result) => {
                let Ok(TransferOutcome::Downloaded(saved)) = result else {
                    panic!("expected a saved file, got {result:?}");
                };
                assert_eq!(saved.path, target);
                break;
            }
            _ => panic!("unexpected message"),
        }
    }
    assert!(progressed);
    let expected = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo/malaria_cases.csv"
    ))
    .expect("demo asset");
    assert_eq!(std::fs::read(&target).expect("downloaded"), expected);
    // A second download to the same place is refused until overwriting is allowed.
    s.runner.run(Effect::StartTransfer {
        id: 2,
        job: TransferJob::DownloadDocument {
            uid: "zzQl3NLWDXr".into(),
            path: target.clone(),
            overwrite: false,
        },
    });
    let result = finished(&mut s.rx, 2).await;
    assert!(
        matches!(result, Err(d2files::api::Error::TargetExists(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_upload_passes_through_its_phases_and_is_remembered() {
    let mut s = setup(Duration::from_millis(300)).await;
    let file = s.dir.path().join("notes.txt");
    std::fs::write(&file, "minutes of the review meeting\n".repeat(1000)).expect("write");
    s.runner.run(Effect::StartTransfer {
        id: 3,
        job: TransferJob::UploadDocument {
            path: file,
            name: "Review notes".into(),
        },
    });
    let mut phases = Vec::new();
    let uploaded = loop {
        match next(&mut s.rx).await {
            Msg::TransferStarted(3) => {}
            Msg::TransferProgress(3, progress) => {
                if phases.last() != Some(&progress.phase) {
                    phases.push(progress.phase);
                }
            }
            Msg::TransferFinished(3, result) => match result {
                Ok(TransferOutcome::UploadedDocument(uploaded)) => break uploaded,
                other => panic!("expected an uploaded document, got {other:?}"),
            },
            _ => panic!("unexpected message"),
        }
    };
    assert_eq!(
        phases,
        [Phase::Uploading, Phase::WaitingForStorage, Phase::Linking]
    );
    assert_eq!(uploaded.document.title(), "Review notes");
    assert!(uploaded.file_resource.is_stored());
    // The upload is kept in the data directory for servers without a file resource list.
    let known = d2files::app::KnownResource {
        uid: uploaded.file_resource.id.clone(),
        name: "Review notes".into(),
        origin: d2files::app::Origin::Upload,
    };
    s.runner.run(Effect::RememberUpload(known.clone()));
    s.runner.run(Effect::LoadKnownResources);
    // The two tasks race; read until the load sees the upload.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match next(&mut s.rx).await {
            Msg::KnownResources(list) if list.contains(&known) => break,
            Msg::KnownResources(_) => s.runner.run(Effect::LoadKnownResources),
            _ => {}
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "upload not remembered"
        );
    }
}

#[tokio::test]
async fn cancelling_a_transfer_answers_cancelled() {
    let mut s = setup(Duration::from_secs(30)).await;
    let file = s.dir.path().join("slow.txt");
    std::fs::write(&file, "x").expect("write");
    s.runner.run(Effect::StartTransfer {
        id: 4,
        job: TransferJob::UploadDocument {
            path: file,
            name: "Slow".into(),
        },
    });
    // Storage takes 30 s: cancel while it waits.
    loop {
        if let Msg::TransferProgress(4, progress) = next(&mut s.rx).await
            && progress.phase == Phase::WaitingForStorage
        {
            break;
        }
    }
    s.runner.run(Effect::CancelTransfer(4));
    let result = finished(&mut s.rx, 4).await;
    assert!(
        matches!(result, Err(d2files::api::Error::Cancelled)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_retried_link_step_creates_the_document() {
    let mut s = setup(Duration::ZERO).await;
    // A stored file resource without a document: what a failed step two leaves behind.
    let file = s.dir.path().join("orphan.txt");
    std::fs::write(&file, "left behind").expect("write");
    s.runner.run(Effect::StartTransfer {
        id: 5,
        job: TransferJob::UploadResource {
            path: file,
            domain: d2files::api::Domain::Document,
        },
    });
    let stored = match finished(&mut s.rx, 5).await {
        Ok(TransferOutcome::UploadedResource(resource)) => resource,
        other => panic!("expected a stored file resource, got {other:?}"),
    };
    assert!(stored.is_stored());
    s.runner.run(Effect::StartTransfer {
        id: 6,
        job: TransferJob::LinkDocument {
            name: "Orphan".into(),
            file_resource_uid: stored.id.clone(),
        },
    });
    let result = finished(&mut s.rx, 6).await;
    let Ok(TransferOutcome::Linked(document)) = result else {
        panic!("expected a linked document, got {result:?}");
    };
    assert_eq!(document.url.as_deref(), Some(stored.id.as_str()));
    assert!(!document.external);
}

#[tokio::test]
async fn quitting_cancels_a_stalled_download_and_removes_its_part_file() {
    let mut s = setup(Duration::ZERO).await;
    let bytes = vec![7u8; 256 * 1024];
    let resource = s
        .emulator
        .seed_file_resource(d2files::emulator::SeedFileResource::new(
            "big.bin",
            "application/octet-stream",
            bytes,
        ))
        .expect("seeded file resource");
    let document = s
        .emulator
        .seed_document(d2files::emulator::SeedDocument::file("Big", &resource));
    // The server sends 64 KiB, then hangs with the connection open.
    s.emulator.faults().stall_after_bytes(64 * 1024, "/data");
    let target = s.dir.path().join("big.bin");
    s.runner.run(Effect::StartTransfer {
        id: 7,
        job: TransferJob::DownloadDocument {
            uid: document,
            path: target.clone(),
            overwrite: false,
        },
    });
    // Wait until the part file exists (the body is streaming into it).
    let has_part = |dir: &std::path::Path| !common::part_files(dir).is_empty();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !has_part(s.dir.path()) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no part file appeared"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.runner.shutdown().await;
    let result = finished(&mut s.rx, 7).await;
    assert!(
        matches!(result, Err(d2files::api::Error::Cancelled)),
        "{result:?}"
    );
    assert!(!has_part(s.dir.path()), "the part file is removed");
    assert!(!target.exists());
}

#[tokio::test]
async fn an_upload_source_is_checked_on_disk_before_anything_is_sent() {
    let mut s = setup(Duration::ZERO).await;
    let good = s.dir.path().join("report.pdf");
    std::fs::write(&good, b"%PDF-1.4").unwrap();
    let empty = s.dir.path().join("empty.txt");
    std::fs::write(&empty, b"").unwrap();
    let blocked = s.dir.path().join("setup.exe");
    std::fs::write(&blocked, b"MZ").unwrap();
    let cases = [
        (good, None),
        (s.dir.path().join("missing.pdf"), Some("No such file")),
        (empty, Some("is empty")),
        (blocked, Some("File type not allowed")),
    ];
    for (req, (path, expected)) in cases.into_iter().enumerate() {
        let req = req as u64;
        s.runner.run(Effect::CheckUpload {
            req,
            path: path.clone(),
            domain: d2files::api::Domain::Document,
        });
        let Msg::UploadChecked {
            req: answered,
            result,
        } = next(&mut s.rx).await
        else {
            panic!("expected the check's answer");
        };
        assert_eq!(answered, req);
        match expected {
            None => assert!(result.is_ok(), "{path:?}: {result:?}"),
            Some(words) => {
                let error = result.expect_err("refused").to_string();
                assert!(error.contains(words), "{path:?}: {error}");
            }
        }
    }
    // A directory of documents is a batch of its files; as a file resource it is refused.
    let dir = s.dir.path().to_path_buf();
    s.runner.run(Effect::CheckUpload {
        req: 10,
        path: dir.clone(),
        domain: d2files::api::Domain::Document,
    });
    let answer = next(&mut s.rx).await;
    assert!(matches!(answer, Msg::UploadIsDirectory { req: 10 }));
    s.runner.run(Effect::CheckUpload {
        req: 11,
        path: dir,
        domain: d2files::api::Domain::Icon,
    });
    let Msg::UploadChecked { req: 11, result } = next(&mut s.rx).await else {
        panic!("expected the check's answer");
    };
    let error = result.expect_err("refused").to_string();
    assert!(error.contains("is a directory"), "{error}");
    assert!(
        s.emulator.requests().iter().all(|r| r.method != "POST"),
        "nothing was sent"
    );
}

#[tokio::test]
async fn a_superseded_list_request_is_aborted_so_only_the_newest_reaches_the_server() {
    // The first list (filtered "held") gets no answer; the server reports when its client
    // closes the connection. The second is answered at once.
    let (closed_tx, mut closed) = mpsc::unbounded_channel();
    let (arrived_tx, mut arrived) = mpsc::unbounded_channel();
    let server = common::hostile::serve(move |request, mut conn| {
        let closed_tx = closed_tx.clone();
        let arrived_tx = arrived_tx.clone();
        async move {
            if request.query("filter").is_some_and(|f| f.contains("held")) {
                let _ = arrived_tx.send(());
                conn.linger(Duration::from_secs(60)).await;
                let _ = closed_tx.send(());
            } else {
                conn.json(
                    200,
                    &serde_json::json!({"pager": {"page": 1, "pageCount": 1, "total": 0,
                        "pageSize": 50}, "documents": []}),
                )
                .await;
            }
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let client = d2files::api::Client::new(
        &server.base_url(),
        d2files::api::Auth::basic("admin", "district"),
    )
    .unwrap();
    let mut runner = Runner::new(client, tx, common::runner::app_paths(dir.path()));
    let held = ListQuery::new().filter(d2files::api::Filter::name_contains("held"));
    runner.run(Effect::FetchDocuments {
        req: 1,
        query: held,
    });
    arrived.recv().await.expect("the first request arrives");
    runner.run(Effect::FetchDocuments {
        req: 2,
        query: ListQuery::new(),
    });
    let Msg::DocumentsLoaded { req, .. } = next(&mut rx).await else {
        panic!("expected the list");
    };
    assert_eq!(req, 2, "only the newest request answers");
    // Far sooner than any timeout of the client: the older request was dropped.
    tokio::time::timeout(Duration::from_secs(10), closed.recv())
        .await
        .expect("the superseded request's connection was closed")
        .expect("the server script reports");
}

/// The plan the runner makes of `work`.
async fn plan_of(
    s: &mut Setup,
    req: u64,
    work: d2files::app::batch::BatchWork,
) -> d2files::ops::Plan {
    s.runner.run(Effect::PlanBatch { req, work });
    match next(&mut s.rx).await {
        Msg::BatchPlanned {
            req: answered,
            result,
        } if answered == req => result.expect("planned"),
        _ => panic!("expected the plan"),
    }
}

/// Applies `plan` as batch 1: which steps started, which ended, and the summary.
async fn apply(
    s: &mut Setup,
    plan: d2files::ops::Plan,
) -> (Vec<usize>, Vec<usize>, d2files::ops::Summary) {
    let plan = std::sync::Arc::new(plan);
    s.runner.run(Effect::ApplyBatch {
        batch: 1,
        plan: d2files::app::batch::SharedPlan(plan),
        onto: None,
    });
    let (mut started, mut ended) = (Vec::new(), Vec::new());
    loop {
        match next(&mut s.rx).await {
            Msg::BatchEvent { batch: 1, event } => match event {
                d2files::ops::Event::Started { step } => started.push(step),
                d2files::ops::Event::Finished { step, .. } => ended.push(step),
                d2files::ops::Event::Progress { .. } => {}
            },
            Msg::BatchFinished { batch: 1, summary } => return (started, ended, summary),
            _ => panic!("unexpected message"),
        }
    }
}

/// The uids of the first `count` file documents of the demo.
async fn file_documents(s: &mut Setup, count: usize) -> Vec<String> {
    s.runner.run(Effect::FetchDocuments {
        req: 99,
        query: ListQuery::new().page_size(50),
    });
    let Msg::DocumentsLoaded { result, .. } = next(&mut s.rx).await else {
        panic!("expected a page");
    };
    let uids: Vec<String> = result
        .expect("documents listed")
        .items
        .into_iter()
        .filter(|d| !d.external)
        .take(count)
        .map(|d| d.id)
        .collect();
    assert_eq!(uids.len(), count, "the demo has file documents");
    uids
}

#[tokio::test]
async fn a_bulk_download_finds_a_name_that_exists_and_replaces_it_when_told() {
    use d2files::app::batch::BatchWork;
    let mut s = setup(Duration::ZERO).await;
    let uids = file_documents(&mut s, 2).await;
    let dir = s.dir.path().join("out");
    std::fs::create_dir(&dir).expect("dir");
    let work = BatchWork::Download {
        uids: uids.clone(),
        dir: dir.clone(),
    };
    let plan = plan_of(&mut s, 1, work.clone()).await;
    assert!(plan.conflicts().is_empty(), "an empty directory: {plan:?}");
    // Another file under the first one's name: the plan asks about it.
    let d2files::ops::Action::Download { to, .. } = &plan.steps[0].action else {
        panic!("expected a download step: {plan:?}");
    };
    std::fs::write(to, b"someone else's notes").expect("write");
    let mut plan = plan_of(&mut s, 2, work).await;
    assert_eq!(plan.conflicts(), [0]);
    plan.resolve(0, d2files::ops::Resolution::Replace);
    let targets: Vec<std::path::PathBuf> = plan
        .steps
        .iter()
        .map(|step| match &step.action {
            d2files::ops::Action::Download { to, .. } => to.clone(),
            other => panic!("expected a download: {other:?}"),
        })
        .collect();
    let (mut started, mut ended, summary) = apply(&mut s, plan).await;
    started.sort();
    ended.sort();
    assert_eq!((started, ended), (vec![0, 1], vec![0, 1]));
    assert!(summary.succeeded(), "{}", summary.line("downloaded"));
    assert_eq!(summary.counts().done, 2);
    for (target, (step, _)) in targets.iter().zip(&summary.steps) {
        let saved = std::fs::read(target).expect("saved");
        assert_eq!(Some(saved.len() as u64), step.bytes, "{}", target.display());
        assert_ne!(saved, b"someone else's notes");
    }
    assert!(common::part_files(&dir).is_empty());
}

#[tokio::test]
async fn a_bulk_delete_refused_halfway_says_which_and_in_dhis2s_words() {
    use d2files::app::batch::BatchWork;
    let mut s = setup(Duration::ZERO).await;
    let uids = file_documents(&mut s, 2).await;
    let mut asked = uids.clone();
    asked.push("Xx000000000".into());
    let plan = plan_of(
        &mut s,
        1,
        BatchWork::Delete {
            uids: asked,
            version: None,
        },
    )
    .await;
    assert_eq!(plan.acting(), 2, "the unknown uid is refused in advance");
    assert!(plan.notes.iter().any(|note| note.contains("2 days")));
    // Someone else deletes the second document between the plan and the run.
    common::default_admin(&s.emulator)
        .delete_document(&uids[1])
        .await
        .expect("deleted behind the plan's back");
    let (_, ended, summary) = apply(&mut s, plan).await;
    assert_eq!(ended.len(), 3, "every step ends, the refused ones too");
    assert!(
        summary.line("deleted").starts_with("deleted 1 of 3"),
        "{}",
        summary.line("deleted")
    );
    let failures = summary.failures();
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0].0.uid.as_deref(), Some(uids[1].as_str()));
    assert!(
        failures[0].1.contains("not found") || failures[0].1.contains("could not be found"),
        "{}",
        failures[0].1
    );
}

#[tokio::test]
async fn all_that_match_pages_in_every_document_of_the_filter() {
    let mut s = setup(Duration::ZERO).await;
    let filter = d2files::api::Filter::name_contains("report");
    s.runner.run(Effect::SelectMatching {
        req: 5,
        query: ListQuery::new().page_size(2).filter(filter.clone()),
    });
    let Msg::MatchingSelected { req: 5, result } = next(&mut s.rx).await else {
        panic!("expected the selection");
    };
    let all = result.expect("selected");
    assert!(all.cut.is_none());
    assert!(all.items.len() > 2, "more than one of the list's pages");
    assert!(
        all.items
            .iter()
            .all(|d| d.title().to_lowercase().contains("report")),
        "{:?}",
        all.items.iter().map(|d| d.title()).collect::<Vec<_>>()
    );
    // The same documents as the list of that filter says it has.
    s.runner.run(Effect::FetchDocuments {
        req: 6,
        query: ListQuery::new().page_size(1).filter(filter),
    });
    let Msg::DocumentsLoaded { result, .. } = next(&mut s.rx).await else {
        panic!("expected a page");
    };
    let total = result.expect("listed").pager.expect("a pager").total;
    assert_eq!(all.items.len() as u64, total);
}

#[tokio::test]
async fn a_bulk_upload_of_a_directory_sends_what_dhis2_takes_and_leaves_out_the_rest() {
    use d2files::app::batch::BatchWork;
    let mut s = setup(Duration::ZERO).await;
    let dir = s.dir.path().join("sops");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::write(dir.join("hand washing.txt"), "wash hands\n").expect("write");
    std::fs::write(dir.join("empty.txt"), "").expect("write");
    std::fs::write(dir.join("setup.exe"), "MZ").expect("write");
    let plan = plan_of(&mut s, 1, BatchWork::Upload { paths: vec![dir] }).await;
    assert_eq!(plan.acting(), 1, "{plan:?}");
    let (started, ended, summary) = apply(&mut s, plan).await;
    assert_eq!(started.len(), 1, "only what DHIS2 takes is sent");
    assert_eq!(ended.len(), 3);
    assert_eq!(summary.counts().done, 1);
    let posts = s
        .emulator
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.contains("fileResources"))
        .count();
    assert_eq!(posts, 1);
    let uploaded = summary
        .steps
        .iter()
        .find_map(|(_, outcome)| match outcome {
            d2files::ops::Outcome::Uploaded { document, .. } => Some(document.title().to_string()),
            _ => None,
        })
        .expect("one uploaded");
    assert_eq!(uploaded, "hand washing.txt", "named after its file");
}

#[tokio::test]
async fn a_batch_runs_no_more_transfers_at_once_than_asked() {
    use d2files::app::batch::BatchWork;
    let mut s = setup(Duration::ZERO).await;
    let (runner, rx) = common::runner::runner(&s.emulator, s.dir.path());
    s.runner = runner.with_jobs(1);
    s.rx = rx;
    let uids = file_documents(&mut s, 3).await;
    let dir = s.dir.path().join("one-at-a-time");
    std::fs::create_dir(&dir).expect("dir");
    let plan = plan_of(&mut s, 1, BatchWork::Download { uids, dir }).await;
    s.runner.run(Effect::ApplyBatch {
        batch: 1,
        plan: d2files::app::batch::SharedPlan(std::sync::Arc::new(plan)),
        onto: None,
    });
    // With one transfer at once, at most one step works at a time. A step's slot is free
    // when its work ends, a moment before the engine reports its end, so the next one's
    // start may be reported first: two at most between the reports, never three.
    let (mut working, mut most) = (0i32, 0i32);
    loop {
        match next(&mut s.rx).await {
            Msg::BatchEvent { event, .. } => match event {
                d2files::ops::Event::Started { .. } => working += 1,
                d2files::ops::Event::Finished { .. } => working -= 1,
                d2files::ops::Event::Progress { .. } => {}
            },
            Msg::BatchFinished { summary, .. } => {
                assert!(summary.succeeded(), "{}", summary.line("downloaded"));
                break;
            }
            _ => panic!("unexpected message"),
        }
        most = most.max(working);
    }
    assert!(most <= 2, "{most} steps reported working at once");
}

/// Carries out `effects` in the runner as the event loop does (the clipboard and quitting are
/// the loop's own), and feeds the runner's messages to `update`, with the effects they bring,
/// until `done` says the state is there.
async fn drive(
    state: &mut d2files::app::State,
    runner: &mut Runner,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    mut effects: Vec<Effect>,
    done: impl Fn(&d2files::app::State) -> bool,
) {
    loop {
        for effect in effects.drain(..) {
            if !matches!(effect, Effect::Copy(_) | Effect::Quit) {
                runner.run(effect);
            }
        }
        if done(state) {
            return;
        }
        let msg = next(rx).await;
        effects = d2files::app::update(state, msg);
    }
}

#[tokio::test]
async fn two_marked_documents_are_copied_to_another_profiles_server_with_their_uids_and_bytes() {
    use d2files::app::state::Dialog;
    use d2files::app::update;
    use tui_support::{code, key};
    let source = Emulator::start(EmulatorOptions {
        seed_demo: true,
        ..EmulatorOptions::default()
    })
    .await
    .expect("the source starts");
    let target = Emulator::start(EmulatorOptions::default())
        .await
        .expect("the target starts");
    let home = tempfile::tempdir().expect("temp dir");
    let profile = |name: &str, url: &str| {
        format!(
            "[profiles.{name}]\nbase_url = \"{url}\"\nauth = \"basic\"\nusername = \"admin\"\n\
             password = \"district\"\n"
        )
    };
    common::cli_server::write_profiles(
        home.path(),
        &format!(
            "{}{}",
            profile("source", &source.base_url()),
            profile("target", &target.base_url())
        ),
    );
    let environment = d2files::config::Environment::from_vars(
        [
            ("HOME", home.path().to_path_buf()),
            ("XDG_CONFIG_HOME", home.path().join("config")),
        ],
        home.path(),
    );
    let (runner, mut rx) = common::runner::runner(&source, home.path());
    let mut runner = runner.with_environment(environment);
    let mut settings = tui_support::settings();
    settings.profile = "source".into();
    settings.base_url = source.base_url();
    let mut state = d2files::app::State::new(settings);

    // Connected, with the first page in.
    let effects = d2files::app::init(&mut state);
    drive(&mut state, &mut runner, &mut rx, effects, |state| {
        state.documents.loaded
    })
    .await;
    let files: Vec<usize> = (0..state.documents.items.len())
        .filter(|&i| !state.documents.items[i].external)
        .take(2)
        .collect();
    assert_eq!(files.len(), 2, "the demo's first page holds files");
    update(&mut state, key('g'));
    let mut uids = Vec::new();
    for &index in &files {
        while state.documents.cursor < index {
            update(&mut state, key('j'));
        }
        uids.push(state.documents.items[index].id.clone());
        update(&mut state, key(' '));
    }
    assert_eq!(state.documents.marks.len(), 2);

    // C: the profiles are read from the files; only the other one is offered.
    let effects = update(&mut state, key('C'));
    drive(&mut state, &mut runner, &mut rx, effects, |state| {
        state.dialog.is_some()
    })
    .await;
    let Some(Dialog::ChooseProfile(choice)) = &state.dialog else {
        panic!("expected the list of profiles: {:?}", state.toasts);
    };
    let names: Vec<&str> = choice.rows.iter().map(|row| row.name.as_str()).collect();
    assert_eq!(names, ["target"]);

    // Enter: connected and planned in the runner, then confirmed.
    let effects = update(&mut state, code(KeyCode::Enter));
    drive(&mut state, &mut runner, &mut rx, effects, |state| {
        state.planning.is_none()
    })
    .await;
    let Some(Dialog::BatchConfirm(confirm)) = &state.dialog else {
        panic!("expected the copy's confirmation: {:?}", state.toasts);
    };
    assert_eq!(confirm.batch.plan.acting(), 2, "{:?}", confirm.batch.plan);
    assert!(
        target.requests().iter().all(|r| r.method == "GET"),
        "planning changes nothing on the target"
    );

    // y: both steps run as rows of the queue, to the end of the batch.
    let effects = update(&mut state, key('y'));
    assert_eq!(state.transfers.items.len(), 2, "a row for each document");
    drive(&mut state, &mut runner, &mut rx, effects, |state| {
        !state.batches.items.is_empty() && !state.batches.any_running()
    })
    .await;
    let toast = state.toasts.last().expect("a summary");
    assert!(
        toast.text.starts_with("copied 2 of 2 to target"),
        "{}",
        toast.text
    );
    assert!(state.transfers.items.iter().all(|row| matches!(
        row.state,
        d2files::app::TransferState::Done(d2files::app::transfer_list::Finished::CopiedTo { .. })
    )));

    // On the target: the same documents, uids, names, file resources and bytes.
    let from = common::admin(&source);
    let into = common::admin(&target);
    let copied = into
        .documents_by_id(&uids)
        .await
        .expect("read on the target");
    assert_eq!(copied.len(), 2, "{copied:?}");
    for uid in &uids {
        let there = copied.iter().find(|d| &d.id == uid).expect("copied");
        let here = from.get_document(uid).await.expect("on the source");
        assert_eq!(there.title(), here.title());
        assert!(!there.external);
        assert_eq!(there.url, here.url, "the file resource keeps its uid");
        let fr = here.file_resource_uid().expect("a file document");
        let md5 = |resource: d2files::api::FileResource| resource.content_md5;
        let source_md5 = md5(from.get_file_resource(fr).await.expect("source file"));
        let target_md5 = md5(into.get_file_resource(fr).await.expect("target file"));
        assert!(source_md5.is_some());
        assert_eq!(target_md5, source_md5);
    }
    // Nothing but the copied documents arrived.
    let all = into
        .list_all_documents(&ListQuery::new(), 100)
        .await
        .expect("listed");
    assert_eq!(all.items.len(), 2);
}

/// The screen row showing `name`.
fn row_of<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .find(|line| line.contains(name))
        .unwrap_or_else(|| panic!("no row for {name}:\n{screen}"))
}

#[tokio::test]
async fn the_check_runs_in_the_runner_and_marks_the_damaged_rows_and_the_orphan() {
    use d2files::app::check::Marker;
    use d2files::app::update;
    use d2files::emulator::{LostBytes, SeedDocument, SeedFileResource};
    use tui_support::{check_req, key, render};
    let em = common::start("2.42.4").await;
    let pdf = |name: &str, bytes: &[u8]| {
        SeedFileResource::new(&format!("{name}.pdf"), "application/pdf", bytes.to_vec())
    };
    let days_ago = |days| (chrono::Utc::now() - chrono::Duration::days(days)).naive_utc();
    let (_, fine) = common::seed_file_document(&em, "Fine", pdf("fine", b"%PDF fine"));
    // A document whose file resource does not exist.
    let dangling = em.seed_document(SeedDocument::file("Dangling", "NoSuchFr001"));
    // A file resource stored three days ago whose bytes the store has lost since.
    let (lost_fr, lost) = common::seed_file_document(
        &em,
        "Lost bytes",
        pdf("lost", b"%PDF lost").created(days_ago(3)),
    );
    assert!(em.lose_bytes(&lost_fr, LostBytes::Gone).expect("damaged"));
    // A file resource no document points at.
    let orphan = em
        .seed_file_resource(pdf("orphan", b"%PDF orphan"))
        .expect("seeded");

    let dir = tempfile::tempdir().expect("temp dir");
    let (mut runner, mut rx) = common::runner::runner(&em, dir.path());
    let mut settings = tui_support::settings();
    settings.base_url = em.base_url();
    let mut state = d2files::app::State::new(settings);
    let start = d2files::app::init(&mut state);
    drive(&mut state, &mut runner, &mut rx, start, |state| {
        state.documents.loaded
    })
    .await;
    assert_eq!(state.documents.items.len(), 3);

    let effects = update(&mut state, key('c'));
    let (_, query) = check_req(&effects);
    assert!(query.filters.is_empty());
    drive(&mut state, &mut runner, &mut rx, effects, |state| {
        state.check.running.is_none()
    })
    .await;
    let Some(result) = &state.check.result else {
        panic!("no report: {:?}", state.toasts);
    };
    assert_eq!(result.documents_checked, 3);
    let marker = |uid: &str| state.check.document(uid).and_then(|c| c.marker());
    assert_eq!(marker(&dangling), Some(Marker::Problem));
    assert_eq!(marker(&lost), Some(Marker::Problem));
    assert_eq!(marker(&fine), None);
    assert!(
        state.check.document(&fine).is_some(),
        "checked, and found fine"
    );
    let orphan_found = state.check.resource(&orphan).expect("the orphan listed");
    assert_eq!(orphan_found.marker(), Some(Marker::Problem));
    let toast = state.toasts.last().expect("the summary");
    assert!(
        toast
            .text
            .starts_with("check: 2 problems in 3 documents; 1 orphan file resource"),
        "{}",
        toast.text
    );

    // The rows on screen carry the marks.
    state.toasts.clear();
    let screen = render(&mut state, 80, 24);
    assert!(
        row_of(&screen, "Dangling").contains("! Dangling"),
        "{screen}"
    );
    assert!(
        row_of(&screen, "Lost bytes").contains("! Lost bytes"),
        "{screen}"
    );
    assert!(!row_of(&screen, "Fine").contains('!'), "{screen}");

    // `!`: the two documents read again from the server, and only them.
    let effects = update(&mut state, key('!'));
    drive(&mut state, &mut runner, &mut rx, effects, |state| {
        state.documents.loading.is_none()
    })
    .await;
    let mut shown: Vec<String> = state.documents.items.iter().map(|d| d.id.clone()).collect();
    shown.sort();
    let mut expected = vec![dangling.clone(), lost.clone()];
    expected.sort();
    assert_eq!(shown, expected);

    // The orphan in the file resources pane, alone in its problems view.
    let effects = update(&mut state, key('2'));
    drive(&mut state, &mut runner, &mut rx, effects, |state| {
        state.resources.list.loaded && state.resources.list.loading.is_none()
    })
    .await;
    assert!(
        state.resources.list.items.len() >= 3,
        "every file resource is listed"
    );
    let effects = update(&mut state, key('!'));
    drive(&mut state, &mut runner, &mut rx, effects, |_| true).await;
    let rows: Vec<&str> = state
        .resources
        .list
        .items
        .iter()
        .map(|row| row.uid.as_str())
        .collect();
    assert_eq!(rows, [orphan.as_str()]);
    let screen = render(&mut state, 80, 24);
    assert!(
        row_of(&screen, "orphan.pdf").contains("! orphan.pdf"),
        "{screen}"
    );
}

/// A connected TUI state and a runner against `emulator`, with the first page in.
async fn tui_on(
    emulator: &Emulator,
    dir: &std::path::Path,
) -> (d2files::app::State, Runner, mpsc::UnboundedReceiver<Msg>) {
    let (mut runner, mut rx) = common::runner::runner(emulator, dir);
    let mut settings = tui_support::settings();
    settings.base_url = emulator.base_url();
    let mut state = d2files::app::State::new(settings);
    let effects = d2files::app::init(&mut state);
    drive(&mut state, &mut runner, &mut rx, effects, |state| {
        state.documents.loaded
    })
    .await;
    (state, runner, rx)
}

/// Sharing beyond the default (an update resets it): nobody else, the report viewers may view.
fn custom_sharing() -> d2files::api::Sharing {
    d2files::api::Sharing {
        external_access: None,
        public_access: "--------".into(),
        user_group_accesses: vec![d2files::api::Access {
            id: d2files::emulator::VIEWERS_GROUP_ID.into(),
            access: "r-------".into(),
        }],
        user_accesses: Vec::new(),
    }
}

/// A file document with custom sharing on `emulator`; its uid.
async fn shared_file_document(emulator: &Emulator, name: &str, bytes: &[u8]) -> String {
    let (_, uid) = common::seed_file_document(
        emulator,
        name,
        d2files::emulator::SeedFileResource::new("report.pdf", "application/pdf", bytes.to_vec()),
    );
    common::admin(emulator)
        .set_document_sharing(&uid, &custom_sharing())
        .await
        .expect("shared");
    uid
}

/// The document's name, its file's MD5 and its sharing, as the server has them now.
async fn as_on_the_server(
    emulator: &Emulator,
    uid: &str,
) -> (String, Option<String>, d2files::api::Sharing) {
    let client = common::admin(emulator);
    let document = client.get_document(uid).await.expect("the document");
    let fr = document.file_resource_uid().expect("a file document");
    let md5 = client
        .get_file_resource(fr)
        .await
        .expect("its file")
        .content_md5;
    let sharing = client.document_sharing(uid).await.expect("its sharing");
    (document.title().to_string(), md5, sharing)
}

#[tokio::test]
async fn r_renames_a_file_document_through_the_runner_on_every_version_keeping_bytes_and_sharing() {
    use d2files::app::update;
    use ratatui::crossterm::event::{KeyEvent, KeyModifiers};
    use tui_support::{code, key, typed};
    // Up to 2.40 the old partial update renames in one step; later releases refuse to keep
    // the file (E4016), so the document is pointed at a fresh copy of it.
    for version in common::VERSIONS {
        let how = if common::supports(version, d2files::api::Feature::PartialUpdate) {
            "partial update"
        } else {
            "fresh copy"
        };
        let emulator = common::start(version).await;
        let uid = shared_file_document(&emulator, "Annual report", b"%PDF the report").await;
        let before = as_on_the_server(&emulator, &uid).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let (mut state, mut runner, mut rx) = tui_on(&emulator, dir.path()).await;
        assert_eq!(state.documents.items.len(), 1);
        update(&mut state, key('R'));
        update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        );
        typed(&mut state, "Annual report (final)");
        let effects = update(&mut state, code(KeyCode::Enter));
        drive(&mut state, &mut runner, &mut rx, effects, |state| {
            state.edits.is_empty()
        })
        .await;
        let after = as_on_the_server(&emulator, &uid).await;
        assert_eq!(after.0, "Annual report (final)", "{version}");
        assert_eq!(after.1, before.1, "{version}: the same bytes");
        assert_eq!(after.2, before.2, "{version}: the same sharing");
        // The row, in place, and what was done.
        assert_eq!(state.documents.items[0].id, uid);
        assert_eq!(state.documents.items[0].title(), "Annual report (final)");
        let toast = state.toasts.last().expect("a toast");
        assert!(toast.text.contains("renamed"), "{version}: {}", toast.text);
        assert!(toast.text.contains(how), "{version}: {}", toast.text);
    }
}

#[tokio::test]
async fn capital_p_replaces_a_file_through_the_runner_on_every_version_keeping_the_uid_and_sharing()
{
    use d2files::app::update;
    use tui_support::{code, key, typed};
    for version in common::VERSIONS {
        let emulator = common::start(version).await;
        let uid = shared_file_document(&emulator, "Annual report", b"%PDF version 1").await;
        let before = as_on_the_server(&emulator, &uid).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let new_file = common::write_file(dir.path(), "v2.pdf", b"%PDF version 2, longer");
        let (mut state, mut runner, mut rx) = tui_on(&emulator, dir.path()).await;
        update(&mut state, key('P'));
        typed(&mut state, &new_file.display().to_string());
        let effects = update(&mut state, code(KeyCode::Enter));
        // Checked on disk, then the transfer runs to its end.
        drive(&mut state, &mut runner, &mut rx, effects, |state| {
            state
                .transfers
                .items
                .first()
                .is_some_and(|row| !row.state.is_active())
        })
        .await;
        let row = &state.transfers.items[0];
        assert!(
            matches!(row.state, d2files::app::TransferState::Done(_)),
            "{:?} {:?}",
            row.state,
            state.toasts
        );
        assert_eq!(row.total, Some(22), "{version}: its progress came through");
        let after = as_on_the_server(&emulator, &uid).await;
        assert_eq!(after.0, before.0, "{version}: the same name");
        assert_eq!(after.1, Some(common::md5_hex(b"%PDF version 2, longer")));
        assert_eq!(after.2, before.2, "{version}: the same sharing");
        let toast = state.toasts.last().expect("a toast");
        assert!(toast.text.contains("replaced its file"), "{}", toast.text);
        assert_eq!(state.documents.items[0].id, uid, "the same document");
        let fr = state.documents.items[0]
            .file_resource_uid()
            .unwrap_or_default();
        assert!(
            toast.text.contains(fr),
            "names the new file: {}",
            toast.text
        );
    }
}

#[tokio::test]
async fn one_sharing_change_goes_to_two_marked_documents_on_every_version_keeping_the_rest() {
    use d2files::api::{Access, Sharing};
    use d2files::app::state::Dialog;
    use d2files::app::update;
    use d2files::emulator::CLERKS_GROUP_ID;
    use tui_support::{code, key, typed};
    // The legacy sharing fields up to 2.40, the `sharing` object from 2.41.
    for version in common::VERSIONS {
        let emulator = common::start(version).await;
        let first = shared_file_document(&emulator, "First report", b"one").await;
        let second = shared_file_document(&emulator, "Second report", b"two").await;
        // The second one is also shared with the clerks: that stays.
        let mut with_clerks = custom_sharing();
        with_clerks.user_group_accesses.push(Access {
            id: CLERKS_GROUP_ID.into(),
            access: "rw------".into(),
        });
        let client = common::admin(&emulator);
        client
            .set_document_sharing(&second, &with_clerks)
            .await
            .expect("shared");
        let dir = tempfile::tempdir().expect("temp dir");
        let (mut state, mut runner, mut rx) = tui_on(&emulator, dir.path()).await;
        tui_support::mark_rows(&mut state, 2);
        assert_eq!(state.documents.marks.len(), 2);
        update(&mut state, key('S'));
        update(&mut state, key('a'));
        typed(&mut state, "report view");
        // The search goes once typing pauses; its answer comes from the server.
        let effects = update(&mut state, Msg::Tick(Duration::from_secs(5)));
        drive(&mut state, &mut runner, &mut rx, effects, |state| {
            matches!(&state.dialog, Some(Dialog::Sharing(editor)) if !editor.search.results.is_empty())
        })
        .await;
        // The report viewers (added with view access, the cursor on them) may now edit both.
        update(&mut state, code(KeyCode::Enter));
        update(&mut state, key('l'));
        update(&mut state, code(KeyCode::Enter));
        let effects = update(&mut state, key('y'));
        drive(&mut state, &mut runner, &mut rx, effects, |state| {
            state.edits.is_empty()
        })
        .await;
        let toast = state.toasts.last().expect("a summary");
        assert!(
            toast
                .text
                .starts_with("Sharing changed on 2 of 2 documents"),
            "{}",
            toast.text
        );
        let viewers_edit = Access {
            id: d2files::emulator::VIEWERS_GROUP_ID.into(),
            access: "rw------".into(),
        };
        let mut expected_first = custom_sharing();
        expected_first.user_group_accesses = vec![viewers_edit.clone()];
        let mut expected_second: Sharing = with_clerks.clone();
        expected_second.user_group_accesses = vec![
            viewers_edit,
            Access {
                id: CLERKS_GROUP_ID.into(),
                access: "rw------".into(),
            },
        ];
        expected_second
            .user_group_accesses
            .sort_by(|a, b| a.id.cmp(&b.id));
        // External access (false where the version has it) is the API test's to check.
        let read = |sharing: Sharing| Sharing {
            external_access: None,
            ..sharing
        };
        assert_eq!(
            read(client.document_sharing(&first).await.expect("read")),
            expected_first,
            "{version}"
        );
        assert_eq!(
            read(client.document_sharing(&second).await.expect("read")),
            expected_second,
            "{version}"
        );
    }
}
