//! Batch work through `update`: marks → a plan → conflicts or a confirmation → the queue's rows
//! and footer → a summary; the plans and events answered as the runner would.
mod tui_support;

use std::path::PathBuf;

use d2files::api::{Downloaded, Phase, Progress, Verification};
use d2files::app::batch::BatchWork;
use d2files::app::msg::Msg;
use d2files::app::state::{ConflictChoice, Dialog, DownloadSource, ToastLevel};
use d2files::app::{Effect, State, TransferJob, TransferState, update};
use d2files::ops::{self, Event, Existing, Outcome, Summary};
use ratatui::crossterm::event::KeyCode;
use tui_support::*;

const DIR: &str = "/home/op/Downloads";

fn saved(n: usize) -> Outcome {
    Outcome::Downloaded(Downloaded {
        path: PathBuf::from(DIR).join(format!("report-{n}.pdf")),
        bytes: 1 << 20,
        md5: None,
        content_type: None,
        verification: Verification::Matched,
    })
}

fn event(state: &mut State, batch: u64, event: Event) -> Vec<Effect> {
    update(state, Msg::BatchEvent { batch, event })
}

/// The transfer rows' states, in order.
fn row_states(state: &State) -> Vec<TransferState> {
    state
        .transfers
        .items
        .iter()
        .map(|t| t.state.clone())
        .collect()
}

/// Three marked documents, `d`, Enter in the directory prompt: the plan asked for.
fn bulk_download_asked(state: &mut State) -> Vec<Effect> {
    mark_rows(state, 3);
    update(state, key('d'));
    let Some(Dialog::Download(form)) = &state.dialog else {
        panic!("expected the directory prompt");
    };
    assert!(matches!(&form.source, DownloadSource::Marked { uids, .. } if uids.len() == 3));
    assert_eq!(form.path.input.value(), format!("{DIR}/"));
    update(state, code(KeyCode::Enter))
}

#[test]
fn a_bulk_download_asks_once_for_a_directory_then_about_each_conflict() {
    let mut state = ready(10);
    let effects = bulk_download_asked(&mut state);
    let (_, work) = plan_req(&effects);
    assert_eq!(
        work,
        BatchWork::Download {
            uids: vec![uid('D', 0), uid('D', 1), uid('D', 2)],
            dir: PathBuf::from(format!("{DIR}/")),
        }
    );
    assert!(state.dialog.is_none());
    assert!(render(&mut state, 80, 24).contains("planning the download of 3 marked documents"));
    let plan = plan_of(
        vec![
            download_step(0, DIR, Existing::Ask),
            download_step(1, DIR, Existing::Ask),
            download_step(2, DIR, Existing::Absent),
        ],
        &[],
    );
    let effects = answer_plan(&mut state, &effects, plan);
    assert!(effects.is_empty(), "nothing starts before the answers");
    let Some(Dialog::Conflict(ask)) = &state.dialog else {
        panic!("expected the first conflict");
    };
    assert_eq!((ask.step, ask.choice), (0, ConflictChoice::Skip));
    // Skip the first, replace the second: then it starts, with a row per acting step.
    assert!(update(&mut state, key('s')).is_empty());
    let Some(Dialog::Conflict(ask)) = &state.dialog else {
        panic!("expected the second conflict");
    };
    assert_eq!(ask.step, 1);
    let effects = update(&mut state, key('r'));
    assert!(state.dialog.is_none());
    let (_, plan) = applied(&effects);
    assert_eq!(plan.acting(), 2);
    assert!(plan.conflicts().is_empty());
    let jobs: Vec<&TransferJob> = state.transfers.items.iter().map(|t| &t.job).collect();
    assert_eq!(
        jobs,
        [
            &TransferJob::DownloadDocument {
                uid: uid('D', 1),
                path: PathBuf::from(DIR).join("report-1.pdf"),
                overwrite: true,
            },
            &TransferJob::DownloadDocument {
                uid: uid('D', 2),
                path: PathBuf::from(DIR).join("report-2.pdf"),
                overwrite: false,
            },
        ]
    );
}

#[test]
fn cancel_in_a_conflict_starts_nothing_and_replace_all_answers_the_rest() {
    let mut state = ready(10);
    let conflicts = || {
        plan_of(
            (0..3)
                .map(|n| download_step(n, DIR, Existing::Ask))
                .collect(),
            &[],
        )
    };
    let effects = bulk_download_asked(&mut state);
    answer_plan(&mut state, &effects, conflicts());
    // Enter takes the highlighted answer; Tab moves it.
    update(&mut state, code(KeyCode::Tab));
    let Some(Dialog::Conflict(ask)) = &state.dialog else {
        panic!("expected a conflict");
    };
    assert_eq!(ask.choice, ConflictChoice::ReplaceAll);
    assert!(update(&mut state, code(KeyCode::Esc)).is_empty());
    assert!(state.dialog.is_none());
    assert!(state.transfers.items.is_empty(), "nothing queued");
    assert!(state.toasts[0].text.contains("Nothing was downloaded"));

    let effects = update(&mut state, key('d'));
    let effects = [effects, update(&mut state, code(KeyCode::Enter))].concat();
    answer_plan(&mut state, &effects, conflicts());
    let effects = update(&mut state, key('R'));
    let (_, plan) = applied(&effects);
    assert_eq!(plan.acting(), 3);
    assert!(state.transfers.items.iter().all(|t| matches!(
        t.job,
        TransferJob::DownloadDocument {
            overwrite: true,
            ..
        }
    )));
}

#[test]
fn without_marks_d_downloads_the_row_under_the_cursor_as_before() {
    let mut state = ready(10);
    update(&mut state, key('d'));
    let Some(Dialog::Download(form)) = &state.dialog else {
        panic!("expected the Save-as prompt");
    };
    assert!(matches!(&form.source, DownloadSource::Document { uid: u, .. } if *u == uid('D', 0)));
}

/// A running download batch of documents 0..3 with no conflicts: its id.
fn running_download(state: &mut State) -> u64 {
    let effects = bulk_download_asked(state);
    let plan = plan_of(
        (0..3)
            .map(|n| download_step(n, DIR, Existing::Absent))
            .collect(),
        &[],
    );
    let (batch, _) = applied(&answer_plan(state, &effects, plan));
    batch
}

#[test]
fn batch_progress_fills_the_rows_and_the_footer_and_is_drawn_by_the_tick() {
    let mut state = ready(10);
    let batch = running_download(&mut state);
    tick(&mut state, 1_000);
    state.dirty = false;
    event(&mut state, batch, Event::Started { step: 0 });
    for done in [100_000, 200_000, 300_000] {
        let progress = Progress {
            phase: Phase::Downloading,
            done,
            total: Some(1 << 20),
        };
        event(&mut state, batch, Event::Progress { step: 0, progress });
    }
    assert!(!state.dirty, "batch events ask for no frame of their own");
    assert!(state.wants_ticks(), "the tick will draw them");
    tick(&mut state, 1_150);
    assert!(state.dirty, "the tick draws the progress");
    state.dirty = false;
    event(&mut state, batch, Event::Started { step: 1 });
    tick(&mut state, 1_200);
    assert!(!state.dirty, "at most one batch frame per 100 ms");
    tick(&mut state, 1_260);
    assert!(state.dirty);
    event(
        &mut state,
        batch,
        Event::Finished {
            step: 0,
            outcome: saved(0),
        },
    );
    assert_eq!(
        row_states(&state)[..2],
        [
            TransferState::Done(d2files::app::transfer_list::Finished::SavedTo(
                PathBuf::from(DIR).join("report-0.pdf")
            )),
            TransferState::Running
        ]
    );
    let screen = render(&mut state, 80, 24);
    assert!(screen.contains("↓ 1/3 files"), "{screen}");
    assert!(screen.contains("1.0 MiB/3.0 MiB"), "{screen}");
}

#[test]
fn one_step_or_the_whole_batch_can_be_cancelled_and_the_failed_ones_retried() {
    let mut state = ready(10);
    let batch = running_download(&mut state);
    update(&mut state, key('t'));
    update(&mut state, key('j'));
    let effects = update(&mut state, key('x'));
    assert_eq!(effects, [Effect::CancelBatchStep { batch, step: 1 }]);
    assert_eq!(row_states(&state)[1], TransferState::Cancelled);
    let effects = update(&mut state, key('X'));
    assert_eq!(effects, [Effect::CancelBatch(batch)]);
    // The engine's word is final: one finished before the cancel reached it.
    event(
        &mut state,
        batch,
        Event::Finished {
            step: 0,
            outcome: saved(0),
        },
    );
    for step in [1, 2] {
        let outcome = if step == 1 {
            Outcome::Cancelled { unlinked: None }
        } else {
            Outcome::Failed {
                error: "the server closed the connection".into(),
                unlinked: None,
            }
        };
        event(&mut state, batch, Event::Finished { step, outcome });
    }
    let plan = plan_of(
        (0..3)
            .map(|n| download_step(n, DIR, Existing::Absent))
            .collect(),
        &[],
    );
    let summary = Summary {
        steps: plan
            .steps
            .iter()
            .cloned()
            .zip([
                saved(0),
                Outcome::Cancelled { unlinked: None },
                Outcome::Failed {
                    error: "the server closed the connection".into(),
                    unlinked: None,
                },
            ])
            .collect(),
    };
    update(&mut state, Msg::BatchFinished { batch, summary });
    let toast = state.toasts.last().expect("a summary");
    assert_eq!(toast.level, ToastLevel::Error);
    assert!(
        toast
            .text
            .starts_with("downloaded 1 of 3 (1.0 MiB); 1 failed; 1 not done (stopped)"),
        "{}",
        toast.text
    );
    assert!(toast.text.contains("“Malaria SOP 1”") || toast.text.contains("“DHIS2 home 2”"));
    // r on a failed row: the failed and cancelled steps, planned again in their rows.
    let effects = update(&mut state, key('r'));
    let (retry, plan) = applied(&effects);
    assert_ne!(retry, batch);
    let uids: Vec<_> = plan.steps.iter().map(|s| s.uid.clone().unwrap()).collect();
    assert_eq!(uids, [uid('D', 1), uid('D', 2)]);
    assert_eq!(state.transfers.items.len(), 3, "the rows stay in place");
    assert!(matches!(row_states(&state)[0], TransferState::Done(_)));
    assert_eq!(
        row_states(&state)[1..],
        [TransferState::Queued, TransferState::Queued]
    );
}

/// `count` documents marked, then `D`: the delete planned with these dashboards per step.
fn bulk_delete_planned(state: &mut State, count: usize) {
    mark_rows(state, count);
    let effects = update(state, key('D'));
    let (_, work) = plan_req(&effects);
    let BatchWork::Delete { uids, version } = work else {
        panic!("expected a delete plan: {work:?}");
    };
    assert_eq!(uids.len(), count);
    assert_eq!(version.map(|v| v.to_string()), Some("2.41.4".into()));
    let mut steps: Vec<_> = (0..count)
        .map(|n| delete_step(n, if n == 1 { &["Malaria", "HIV"] } else { &[] }))
        .collect();
    steps.push(ops::Step {
        label: "Xx000000000".into(),
        uid: Some("Xx000000000".into()),
        bytes: None,
        action: ops::Action::Cannot {
            why: "Document with id Xx000000000 could not be found".into(),
        },
    });
    let plan = plan_of(steps, &[ops::file_bytes_after_delete(None)]);
    assert!(answer_plan(state, &effects, plan).is_empty());
}

#[test]
fn a_bulk_delete_says_what_will_happen_and_defaults_to_no() {
    let mut state = ready(10);
    bulk_delete_planned(&mut state, 3);
    let screen = render(&mut state, 100, 30);
    for part in [
        "Delete 3 documents (6.0 MiB) from the server?",
        "Annual report 0 (2.0 MiB) on no dashboard",
        "Malaria SOP 1 (2.0 MiB) on dashboards: Malaria, HIV",
        "1 cannot be deleted",
        "could not be found",
        "2 days later",
    ] {
        assert!(screen.contains(part), "{part}:\n{screen}");
    }
    assert!(
        update(&mut state, code(KeyCode::Enter)).is_empty(),
        "No by default"
    );
    assert!(state.dialog.is_none());

    let effects = update(&mut state, key('D'));
    let (req, _) = plan_req(&effects);
    let plan = plan_of((0..3).map(|n| delete_step(n, &[])).collect(), &[]);
    update(
        &mut state,
        Msg::BatchPlanned {
            req,
            result: Ok(plan.clone()),
        },
    );
    let (batch, _) = applied(&update(&mut state, key('y')));
    assert!(
        state.transfers.items.is_empty(),
        "deletes move no bytes: no rows"
    );
    assert!(render(&mut state, 80, 24).contains("✕ 0/3 deleted"));
    // Halfway, the server refuses one: a summary in its words; the rest leave the list.
    let refused = "Access denied for user admin (E1006, HTTP 403)";
    let summary = Summary {
        steps: plan
            .steps
            .iter()
            .cloned()
            .zip([
                Outcome::Deleted,
                Outcome::Failed {
                    error: refused.into(),
                    unlinked: None,
                },
                Outcome::Deleted,
            ])
            .collect(),
    };
    let effects = update(&mut state, Msg::BatchFinished { batch, summary });
    let toast = state.toasts.last().expect("a summary");
    assert_eq!(toast.level, ToastLevel::Error);
    assert_eq!(
        toast.text,
        format!("deleted 2 of 3 (4.0 MiB); 1 failed. Refused: “Malaria SOP 1”: {refused}")
    );
    let marked: Vec<&String> = state.documents.marks.iter().collect();
    assert_eq!(marked, [&uid('D', 1)], "what was refused stays marked");
    documents_req(&effects);
}

#[test]
fn deleting_more_than_ten_asks_for_the_number_to_be_typed() {
    let mut state = ready(20);
    bulk_delete_planned(&mut state, 12);
    assert!(state.typing(), "the number goes into a field");
    assert!(
        update(&mut state, key('y')).is_empty(),
        "y is no answer here"
    );
    assert!(update(&mut state, code(KeyCode::Enter)).is_empty());
    let screen = render(&mut state, 100, 30);
    assert!(
        screen.contains("type 12, the number of documents"),
        "{screen}"
    );
    update(&mut state, code(KeyCode::Backspace));
    typed(&mut state, "12");
    let (_, plan) = applied(&update(&mut state, code(KeyCode::Enter)));
    assert_eq!(plan.acting(), 12);
}

#[test]
fn the_upload_prompt_takes_several_quoted_paths_and_completes_the_word_under_the_cursor() {
    let mut state = ready(10);
    update(&mut state, key('u'));
    typed(&mut state, "a.pdf my");
    let effects = update(&mut state, code(KeyCode::Tab));
    let (req, input) = effects
        .iter()
        .find_map(|e| match e {
            Effect::CompletePath { req, input } => Some((*req, input.clone())),
            _ => None,
        })
        .expect("a completion");
    assert_eq!(input, "my");
    update(
        &mut state,
        Msg::Completed {
            req,
            completion: d2files::app::path_completion::Completion {
                input: "my".into(),
                completed: "my dir/".into(),
                candidates: Vec::new(),
            },
        },
    );
    let Some(Dialog::Upload(form)) = &state.dialog else {
        panic!("expected the upload form");
    };
    assert_eq!(form.path.input.value(), "a.pdf 'my dir/'");
    typed(&mut state, "b.txt");
    let effects = update(&mut state, code(KeyCode::Enter));
    let (_, work) = plan_req(&effects);
    assert_eq!(
        work,
        BatchWork::Upload {
            paths: vec![PathBuf::from("a.pdf"), PathBuf::from("my dir/b.txt")],
        }
    );
    // What DHIS2 would refuse is listed before anything is sent.
    let upload = |path: &str| ops::Step {
        label: path.into(),
        uid: None,
        bytes: Some(10),
        action: ops::Action::Upload {
            path: PathBuf::from(path),
            name: path.into(),
        },
    };
    let refused = ops::Step {
        label: "my dir/b.exe".into(),
        uid: None,
        bytes: None,
        action: ops::Action::Cannot {
            why: "DHIS2 refuses .exe files".into(),
        },
    };
    answer_plan(
        &mut state,
        &effects,
        plan_of(vec![upload("a.pdf"), refused, upload("my dir/b.txt")], &[]),
    );
    let screen = render(&mut state, 100, 30);
    assert!(screen.contains("1 left out, nothing sent"), "{screen}");
    assert!(
        screen.contains("my dir/b.exe: DHIS2 refuses .exe files"),
        "{screen}"
    );
    let (_, plan) = applied(&update(&mut state, key('y')));
    assert_eq!(plan.acting(), 2);
    let jobs: Vec<bool> = state
        .transfers
        .items
        .iter()
        .map(|t| t.is_upload())
        .collect();
    assert_eq!(jobs, [true, true]);
}

#[test]
fn a_directory_in_the_upload_prompt_is_planned_as_a_batch() {
    let mut state = ready(10);
    update(&mut state, key('u'));
    typed(&mut state, "~/sops");
    let effects = update(&mut state, code(KeyCode::Enter));
    let req = effects
        .iter()
        .find_map(|e| match e {
            Effect::CheckUpload { req, .. } => Some(*req),
            _ => None,
        })
        .expect("one path is checked, as before");
    let effects = update(&mut state, Msg::UploadIsDirectory { req });
    assert!(state.dialog.is_none());
    let (_, work) = plan_req(&effects);
    assert_eq!(
        work,
        BatchWork::Upload {
            paths: vec![PathBuf::from("~/sops")]
        }
    );
}

#[test]
fn all_that_match_marks_every_document_of_the_filter_after_asking() {
    let mut state = ready(583);
    update(&mut state, key('A'));
    let Some(Dialog::Confirm(confirm)) = &state.dialog else {
        panic!("expected a confirmation");
    };
    assert_eq!(confirm.message, "Mark all 583 documents on the server?");
    let effects = update(&mut state, code(KeyCode::Enter));
    let (req, query) = effects
        .iter()
        .find_map(|e| match e {
            Effect::SelectMatching { req, query } => Some((*req, query.clone())),
            _ => None,
        })
        .expect("the documents paged in");
    assert!(query.filters.is_empty());
    let items: Vec<_> = (0..583).map(document).collect();
    update(
        &mut state,
        Msg::MatchingSelected {
            req,
            result: Ok(d2files::api::AllPages {
                items,
                total: Some(583),
                pages: 1,
                cut: None,
            }),
        },
    );
    assert_eq!(state.documents.marks.len(), 583);
    // Sizes are known for the loaded rows only: the footer says "at least".
    let size = d2files::api::FileResource {
        id: uid('F', 0),
        content_length: Some(1 << 20),
        ..d2files::api::FileResource::default()
    };
    update(&mut state, Msg::DocumentFilesLoaded(Ok(vec![size])));
    let screen = render(&mut state, 100, 24);
    assert!(screen.contains("583 marked · ≥ 1.0 MiB"), "{screen}");
    // A stale answer marks nothing more.
    state.documents.marks.clear();
    update(
        &mut state,
        Msg::MatchingSelected {
            req,
            result: Ok(d2files::api::AllPages {
                items: vec![document(0)],
                total: Some(1),
                pages: 1,
                cut: None,
            }),
        },
    );
    assert!(state.documents.marks.is_empty());
}

#[test]
fn quitting_during_a_bulk_delete_asks_first() {
    let mut state = ready(10);
    mark_rows(&mut state, 2);
    let effects = update(&mut state, key('D'));
    let plan = plan_of((0..2).map(|n| delete_step(n, &[])).collect(), &[]);
    answer_plan(&mut state, &effects, plan);
    applied(&update(&mut state, key('y')));
    assert!(update(&mut state, key('q')).is_empty());
    let Some(Dialog::Confirm(confirm)) = &state.dialog else {
        panic!("expected the quit question");
    };
    assert!(
        confirm.message.contains("2 transfers are still running"),
        "{}",
        confirm.message
    );
}

#[test]
fn a_directory_that_cannot_be_planned_brings_the_prompt_back_with_the_reason() {
    let mut state = ready(10);
    let effects = bulk_download_asked(&mut state);
    let (req, _) = plan_req(&effects);
    let why = "/home/op/Downloads/ is not a directory; a batch saves into one";
    update(
        &mut state,
        Msg::BatchPlanned {
            req,
            result: Err(d2files::api::Error::InvalidInput(why.into())),
        },
    );
    let Some(Dialog::Download(form)) = &state.dialog else {
        panic!("expected the prompt again");
    };
    assert_eq!(form.problem.as_deref(), Some(why));
    assert_eq!(form.path.input.value(), format!("{DIR}/"));
    assert!(matches!(&form.source, DownloadSource::Marked { uids, .. } if uids.len() == 3));
    assert!(state.planning.is_none());
}

#[test]
fn a_500_file_batch_costs_no_frame_per_event_and_the_list_keeps_moving() {
    const FILES: usize = 500;
    let mut state = ready(50);
    tick(&mut state, 0);
    update(&mut state, key('A'));
    let effects = update(&mut state, code(KeyCode::Enter));
    let req = effects
        .iter()
        .find_map(|e| match e {
            Effect::SelectMatching { req, .. } => Some(*req),
            _ => None,
        })
        .expect("all that match");
    update(
        &mut state,
        Msg::MatchingSelected {
            req,
            result: Ok(d2files::api::AllPages {
                items: (0..FILES).map(document).collect(),
                total: Some(FILES as u64),
                pages: 5,
                cut: None,
            }),
        },
    );
    update(&mut state, key('d'));
    let effects = update(&mut state, code(KeyCode::Enter));
    let plan = plan_of(
        (0..FILES)
            .map(|n| download_step(n, DIR, Existing::Absent))
            .collect(),
        &[],
    );
    let (batch, _) = applied(&answer_plan(&mut state, &effects, plan));
    update(&mut state, key('g'));
    // The loop's way: messages, then a frame if anything changed; a tick every 10 events,
    // 10 ms of simulated time apart.
    let (mut frames, mut keys, mut now) = (0, 0, 1_000);
    let mut events = 0;
    let mut send = |state: &mut State, message: Event| {
        event(state, batch, message);
        events += 1;
        if events % 10 == 0 {
            now += 10;
            tick(state, now);
            if state.dirty {
                frames += 1;
                state.dirty = false;
            }
        }
        if events % 100 == 0 {
            update(state, key('j'));
            keys += 1;
            state.dirty = false;
        }
    };
    for step in 0..FILES {
        send(&mut state, Event::Started { step });
        for done in [200_000, 400_000, 600_000, 800_000, 1 << 20] {
            let progress = Progress {
                phase: Phase::Downloading,
                done,
                total: Some(1 << 20),
            };
            send(&mut state, Event::Progress { step, progress });
        }
        send(
            &mut state,
            Event::Finished {
                step,
                outcome: saved(step),
            },
        );
    }
    let simulated_ms = now - 1_000;
    // At most one batch frame per 100 ms of simulated time (one per tick would be 350).
    assert!(
        frames <= simulated_ms / 100 + 1,
        "{frames} frames in {simulated_ms} ms"
    );
    assert!(frames > 0, "progress is drawn");
    assert_eq!(state.documents.cursor, keys, "every key moved the cursor");
    let screen = render(&mut state, 100, 24);
    assert!(screen.contains("↓ 500/500 files"), "{screen}");
}

#[test]
fn a_delete_with_nothing_deletable_says_why_instead_of_asking() {
    let mut state = ready(10);
    mark_rows(&mut state, 1);
    let effects = update(&mut state, key('D'));
    let gone = ops::Step {
        label: uid('D', 0),
        uid: Some(uid('D', 0)),
        bytes: None,
        action: ops::Action::Cannot {
            why: "Document with id D0000000000 could not be found".into(),
        },
    };
    assert!(answer_plan(&mut state, &effects, plan_of(vec![gone], &[])).is_empty());
    assert!(state.dialog.is_none());
    let toast = state.toasts.last().expect("why");
    assert_eq!(toast.level, ToastLevel::Error);
    assert_eq!(
        toast.text,
        "Nothing to delete: D0000000000: Document with id D0000000000 could not be found"
    );
}

/// The profiles files as the copy's list reads them: the session's own (`play`), two servers to
/// copy to (`staging` the default), one hidden by a project profile and one with a mistake.
fn configured_profiles() -> Vec<d2files::config::ProfileSummary> {
    let mut staging = profile("staging", "https://staging.dhis2.example");
    staging.is_default = true;
    let mut old_project = profile("old", "https://old.dhis2.example");
    old_project.file = PathBuf::from("/work/.dhis2/profiles.toml");
    old_project.problem = Some("/work/.dhis2/profiles.toml:3:1: base_url is missing".into());
    let mut old_user = profile("old", "https://old.dhis2.example");
    old_user.shadowed = true;
    vec![
        old_project,
        profile("play", "https://play.dhis2.example"),
        staging,
        old_user,
        profile("prod", "https://prod.dhis2.example"),
        // Another name for the server this session is on.
        profile("play-again", "https://PLAY.dhis2.example/"),
    ]
}

/// The list of profiles open for what `C` copies; the effects of the answer.
fn copy_list_open(state: &mut State) -> Vec<Effect> {
    let effects = update(state, key('C'));
    assert!(state.dialog.is_none(), "the profiles are read first");
    answer_profiles(state, &effects, configured_profiles())
}

#[test]
fn c_with_marks_lists_the_other_profiles_and_plans_the_marked_documents_for_the_chosen_one() {
    let mut state = ready(10);
    mark_rows(&mut state, 3);
    assert!(copy_list_open(&mut state).is_empty());
    let Some(Dialog::ChooseProfile(choice)) = &state.dialog else {
        panic!("expected the list of profiles");
    };
    assert_eq!(choice.items.uids, [uid('D', 0), uid('D', 1), uid('D', 2)]);
    let rows: Vec<(&str, bool)> = choice
        .rows
        .iter()
        .map(|row| (row.name.as_str(), row.unusable.is_none()))
        .collect();
    // The session's own profile is left out; what cannot be chosen comes last, with why.
    assert_eq!(
        rows,
        [
            ("staging", true),
            ("prod", true),
            ("old", false),
            ("old", false),
            ("play-again", false),
        ]
    );
    let why: Vec<&str> = choice.rows[2..]
        .iter()
        .filter_map(|row| row.unusable.as_deref())
        .collect();
    assert!(why[0].contains("base_url is missing"), "{why:?}");
    assert!(
        why[1].contains("hidden by the profile of the same name in /work/.dhis2/profiles.toml"),
        "{why:?}"
    );
    assert!(
        why[2].contains("the server this session is connected to"),
        "{why:?}"
    );
    assert_eq!(choice.cursor, 0, "on the first one that can be chosen");
    // Down, Enter: the plan of exactly the marked documents, for prod.
    assert!(update(&mut state, key('j')).is_empty());
    let effects = update(&mut state, code(KeyCode::Enter));
    let (_, work) = plan_req(&effects);
    assert_eq!(
        work,
        BatchWork::Copy {
            uids: vec![uid('D', 0), uid('D', 1), uid('D', 2)],
            profile: "prod".into(),
        }
    );
    assert!(state.dialog.is_none());
    let screen = render(&mut state, 100, 24);
    assert!(
        screen.contains("planning the copy of 3 marked documents to prod"),
        "{screen}"
    );
}

#[test]
fn without_marks_the_row_is_copied_esc_cancels_and_a_profile_that_cannot_be_chosen_stays() {
    let mut state = ready(10);
    update(&mut state, key('j'));
    copy_list_open(&mut state);
    let Some(Dialog::ChooseProfile(choice)) = &state.dialog else {
        panic!("expected the list of profiles");
    };
    assert_eq!(choice.items.uids, [uid('D', 1)], "the current row");
    assert_eq!(choice.items.label, "“Malaria SOP 1”");
    // The last row cannot be chosen: Enter leaves the list open, its reason on screen.
    for _ in 0..10 {
        update(&mut state, code(KeyCode::Down));
    }
    assert!(update(&mut state, code(KeyCode::Enter)).is_empty());
    let screen = render(&mut state, 80, 24);
    assert!(screen.contains("play-again cannot be chosen"), "{screen}");
    assert!(matches!(state.dialog, Some(Dialog::ChooseProfile(_))));
    // Esc: nothing planned, nothing sent.
    assert!(update(&mut state, code(KeyCode::Esc)).is_empty());
    assert!(state.dialog.is_none());
    assert!(state.planning.is_none());
    // A late or repeated answer opens nothing once the list was left.
    let effects = update(&mut state, key('C'));
    update(&mut state, code(KeyCode::Esc));
    let stale = d2files::app::msg::ConfiguredProfiles {
        profiles: configured_profiles(),
        add_to: None,
    };
    let req = profiles_req(&effects);
    update(&mut state, key('C'));
    update(
        &mut state,
        Msg::ProfilesListed {
            req,
            result: Ok(stale),
        },
    );
    assert!(state.dialog.is_none(), "an answer superseded by a newer C");
}

#[test]
fn with_no_other_profile_c_says_in_one_line_how_to_add_one() {
    let mut state = ready(10);
    let effects = update(&mut state, key('C'));
    let effects = answer_profiles(
        &mut state,
        &effects,
        vec![profile("play", "https://play.dhis2.example")],
    );
    assert!(effects.is_empty());
    assert!(state.dialog.is_none(), "no empty list");
    let toast = state.toasts.last().expect("a message");
    assert_eq!(toast.level, ToastLevel::Info);
    assert_eq!(
        toast.text,
        "No other profile to copy to: add a [profiles.NAME] table with its base_url and \
         credentials to /home/op/.config/dhis2/profiles.toml"
    );
    // The File resources pane has no documents to copy.
    update(&mut state, key('2'));
    assert!(update(&mut state, key('C')).is_empty());
    assert!(
        state.toasts.last().unwrap().text.contains("Documents pane"),
        "{:?}",
        state.toasts
    );
}

#[test]
fn a_copy_is_confirmed_with_its_notes_runs_in_the_queue_and_names_what_it_left_unlinked() {
    let mut state = ready(10);
    mark_rows(&mut state, 4);
    copy_list_open(&mut state);
    let effects = update(&mut state, code(KeyCode::Enter));
    let mut same = copy_step(3);
    same.action = ops::Action::Skip {
        why: "already on the target server, the same".into(),
    };
    let note = "DHIS2 2.38.1 cannot keep file resource uids: each file gets a new one and its \
                document points at it (document uids are kept)";
    let plan = plan_of(
        vec![copy_step(0), copy_step(1), copy_step(2), same],
        &[note],
    );
    assert!(answer_plan(&mut state, &effects, plan).is_empty());
    let Some(Dialog::BatchConfirm(confirm)) = &state.dialog else {
        panic!("a copy is always confirmed");
    };
    assert!(!confirm.yes, "No by default");
    let screen = render(&mut state, 120, 40);
    for part in [
        "Copy 3 documents to staging",
        "Copy 3 documents (2.0 MiB) to profile staging, with their uids?",
        "1 not copied:",
        "Annual report 3: already on the target server, the same",
        "cannot keep file resource uids",
    ] {
        assert!(screen.contains(part), "{part}:\n{screen}");
    }
    let effects = update(&mut state, key('y'));
    let onto = effects.iter().find_map(|effect| match effect {
        Effect::ApplyBatch { onto, .. } => Some(onto.clone()),
        _ => None,
    });
    assert_eq!(onto, Some(Some("staging".to_string())));
    let (batch, plan) = applied(&effects);
    // A row for each acting step, the link's too.
    let jobs: Vec<&TransferJob> = state.transfers.items.iter().map(|t| &t.job).collect();
    let copy = |n| TransferJob::CopyDocument {
        uid: uid('D', n),
        profile: "staging".into(),
    };
    assert_eq!(jobs, [&copy(0), &copy(1), &copy(2)]);
    event(&mut state, batch, Event::Started { step: 0 });
    event(&mut state, batch, Event::Started { step: 1 });
    let progress = Progress {
        phase: Phase::Uploading,
        done: 512 << 10,
        total: Some(1 << 20),
    };
    event(&mut state, batch, Event::Progress { step: 0, progress });
    update(&mut state, key('t'));
    let screen = render(&mut state, 100, 30);
    assert!(screen.contains("→ Annual report 0"), "{screen}");
    assert!(screen.contains("50%"), "{screen}");
    // x on the second row stops that step; X stops the batch.
    update(&mut state, key('j'));
    let effects = update(&mut state, key('x'));
    assert_eq!(effects, [Effect::CancelBatchStep { batch, step: 1 }]);
    let effects = update(&mut state, key('X'));
    assert!(effects.contains(&Effect::CancelBatch(batch)), "{effects:?}");
    let finished = |state: &mut State, step: usize, outcome: Outcome| {
        let effects = event(state, batch, Event::Finished { step, outcome });
        assert!(
            !effects
                .iter()
                .any(|effect| matches!(effect, Effect::RememberUpload(_))),
            "a file resource of the other server is not one of this server's uploads"
        );
    };
    finished(
        &mut state,
        0,
        Outcome::Restored {
            document: uid('D', 0),
            file_resource: Some(uid('F', 0)),
            sharing_applied: false,
            previous_file: None,
        },
    );
    finished(
        &mut state,
        1,
        Outcome::Cancelled {
            unlinked: Some(uid('F', 1)),
        },
    );
    finished(&mut state, 2, Outcome::Cancelled { unlinked: None });
    finished(
        &mut state,
        3,
        Outcome::Skipped {
            why: "already on the target server, the same".into(),
        },
    );
    assert!(
        state.transfers.items.iter().all(|t| t.unlinked.is_none()),
        "r must not link it again on this server"
    );
    let summary = Summary {
        steps: plan
            .steps
            .iter()
            .cloned()
            .zip([
                Outcome::Restored {
                    document: uid('D', 0),
                    file_resource: Some(uid('F', 0)),
                    sharing_applied: false,
                    previous_file: None,
                },
                Outcome::Cancelled {
                    unlinked: Some(uid('F', 1)),
                },
                Outcome::Cancelled { unlinked: None },
                Outcome::Skipped {
                    why: "already on the target server, the same".into(),
                },
            ])
            .collect(),
    };
    let effects = update(&mut state, Msg::BatchFinished { batch, summary });
    assert!(
        effects.is_empty(),
        "this server's list is as it was: {effects:?}"
    );
    let toast = state.toasts.last().expect("a summary");
    assert_eq!(
        toast.text,
        format!(
            "copied 1 of 4 to staging (1.0 MiB); 1 skipped; 2 not done (stopped). The server \
             of staging keeps 1 uploaded file linked to no document: {}",
            uid('F', 1)
        )
    );
    assert_eq!(
        row_states(&state)[0],
        TransferState::Done(d2files::app::transfer_list::Finished::CopiedTo {
            profile: "staging".into(),
            document: uid('D', 0),
        })
    );
    // r on a stopped row: what did not get there is planned afresh, for the same profile.
    update(&mut state, key('g'));
    update(&mut state, key('j'));
    let effects = update(&mut state, key('r'));
    let (_, work) = plan_req(&effects);
    assert_eq!(
        work,
        BatchWork::Copy {
            uids: vec![uid('D', 1), uid('D', 2)],
            profile: "staging".into(),
        }
    );
}
