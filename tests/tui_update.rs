//! `update` flows driven by keys and replies, with no terminal and no network.
mod tui_support;

use std::path::PathBuf;

use d2files::api::{
    Dhis2Error, Document, Domain, Downloaded, Error, FileResource, Phase, Progress, StorageStatus,
    UploadedDocument, Verification,
};
use d2files::app::TransferState;
use d2files::app::msg::Msg;
use d2files::app::state::{Connection, Dialog, Pane, ResourceSource, ToastLevel};
use d2files::app::{Effect, TransferJob, TransferOutcome};
use d2files::app::{State, init, update};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_support::*;

fn conflict(message: &str) -> Error {
    Error::Dhis2(Box::new(Dhis2Error {
        status: 409,
        message: message.into(),
        error_code: Some("E1002".into()),
        dev_message: None,
        error_reports: Vec::new(),
        import_report: false,
        hint: None,
    }))
}

fn started_transfer(effects: &[Effect]) -> (u64, TransferJob) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::StartTransfer { id, job } => Some((*id, job.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no transfer started in {effects:?}"))
}

#[test]
fn start_up_connects_then_lists_the_newest_documents_first() {
    // The first page is asked for beside the connection check, and waits for it.
    let mut state = State::new(settings());
    let start = init(&mut state);
    assert_eq!(start[..2], [Effect::Connect, Effect::LoadKnownResources]);
    let (req, query) = documents_req(&start);
    update(
        &mut state,
        Msg::DocumentsLoaded {
            req,
            page: 1,
            result: Ok(page(0..50, 1, 583)),
        },
    );
    assert!(!state.documents.loaded, "taken in once connected");
    let effects = connect(&mut state, "2.41.4");
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::FetchDocuments { .. })),
        "not asked twice: {effects:?}"
    );
    assert!(state.documents.loaded);
    assert_eq!(state.documents.items.len(), 50);
    // A page still on its way when the connection comes is taken in when it comes.
    let mut state = State::new(settings());
    let start = init(&mut state);
    let (late, _) = documents_req(&start);
    connect(&mut state, "2.41.4");
    update(
        &mut state,
        Msg::DocumentsLoaded {
            req: late,
            page: 1,
            result: Ok(page(0..50, 1, 583)),
        },
    );
    assert!(state.documents.loaded);
    // A failed connection gives the page up: its late answer is dropped, and the next
    // connection asks again.
    let mut state = State::new(settings());
    let start = init(&mut state);
    let (given_up, _) = documents_req(&start);
    update(
        &mut state,
        Msg::Connected(Err(Error::Internal("no route to host".into()))),
    );
    update(
        &mut state,
        Msg::DocumentsLoaded {
            req: given_up,
            page: 1,
            result: Ok(page(0..50, 1, 583)),
        },
    );
    assert!(state.early_documents.is_none());
    let again = connect(&mut state, "2.41.4");
    assert!(
        again
            .iter()
            .any(|e| matches!(e, Effect::FetchDocuments { .. }))
    );
    // Without the start (as most tests here), the connection asks for the page itself.
    let mut state = State::new(settings());
    let effects = connect(&mut state, "2.41.4");
    let (_, query2) = documents_req(&effects);
    assert_eq!(query2, query);
    assert_eq!(query.page, 1);
    assert_eq!(query.order[0].to_string(), "lastUpdated:desc");
    assert!(query.filters.is_empty());
    answer_documents(&mut state, &effects, page(0..50, 1, 583));
    assert_eq!(state.documents.items.len(), 50);
    assert_eq!(state.documents.total, Some(583));
    assert_eq!(state.documents.next_page, Some(2));
}

#[test]
fn authentication_failure_at_start_up_shows_what_to_check() {
    let mut state = State::new(settings());
    update(
        &mut state,
        Msg::Connected(Err(Error::Authentication("401 Unauthorized".into()))),
    );
    let Connection::Failed { message, hints } = &state.connection else {
        panic!("expected the failure screen");
    };
    assert!(message.contains("authentication failed"));
    assert!(hints.iter().any(|h| h.contains("profile `play`")));
    // r retries, q quits.
    assert_eq!(update(&mut state, key('r')), vec![Effect::Connect]);
    assert!(matches!(state.connection, Connection::Connecting));
    assert_eq!(update(&mut state, key('q')), vec![Effect::Quit]);
}

#[test]
fn the_next_page_loads_as_the_cursor_nears_the_end() {
    let mut state = ready(120);
    let mut effects = Vec::new();
    for _ in 0..39 {
        effects.extend(update(&mut state, key('j')));
    }
    assert!(effects.is_empty(), "no page yet at row 39: {effects:?}");
    let effects = update(&mut state, key('j'));
    let (_, query) = documents_req(&effects);
    assert_eq!(query.page, 2);
    // Moving further while it loads asks for nothing more.
    assert!(update(&mut state, key('j')).is_empty());
    answer_documents(&mut state, &effects, page(50..100, 2, 120));
    assert_eq!(state.documents.items.len(), 100);
    assert_eq!(state.documents.cursor, 41);
    assert_eq!(state.documents.next_page, Some(3));
}

#[test]
fn filter_typing_is_debounced_and_stale_replies_are_dropped() {
    let mut state = ready(120);
    tick(&mut state, 1_000);
    update(&mut state, key('/'));
    assert!(
        typed(&mut state, "rep").is_empty(),
        "nothing is sent while typing"
    );
    assert!(tick(&mut state, 1_100).is_empty(), "still inside the pause");
    let (first, query) = documents_req(&tick(&mut state, 1_260));
    assert_eq!(query.filters[0].to_string(), "name:ilike:rep");
    // More typing before the answer: a second request, and the first answer is stale.
    typed(&mut state, "o");
    let (second, query) = documents_req(&tick(&mut state, 1_600));
    assert_eq!(query.filters[0].to_string(), "name:ilike:repo");
    assert_ne!(first, second);
    update(
        &mut state,
        Msg::DocumentsLoaded {
            req: first,
            page: 1,
            result: Ok(page(0..3, 1, 3)),
        },
    );
    assert_eq!(state.documents.items.len(), 50, "stale answer ignored");
    update(
        &mut state,
        Msg::DocumentsLoaded {
            req: second,
            page: 1,
            result: Ok(page(0..2, 1, 2)),
        },
    );
    assert_eq!(state.documents.items.len(), 2);
    assert_eq!(state.documents.filter.applied, "repo");
    // Esc clears the filter and lists everything again.
    let (_, query) = documents_req(&update(&mut state, code(KeyCode::Esc)));
    assert!(query.filters.is_empty());
    assert!(!state.documents.filter.editing);
}

/// The Documents filter's complaint under the prompt ("" for none).
fn filter_error(state: &State) -> String {
    state
        .documents
        .filter
        .error()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn dhis2_filter_syntax_errors_show_under_the_prompt() {
    let mut state = ready(10);
    update(&mut state, key('/'));
    typed(&mut state, "name:in:x");
    let problem = filter_error(&state);
    assert!(problem.contains("write the list in brackets"), "{problem}");
    assert!(
        tick(&mut state, 5_000).is_empty(),
        "an invalid filter is not sent"
    );
    // Valid syntax the server refuses: DHIS2's words under the prompt, not a toast.
    update(
        &mut state,
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL).into_msg(),
    );
    typed(&mut state, "nmae:eq:x");
    let effects = tick(&mut state, 6_000);
    let (_, query) = documents_req(&effects);
    assert_eq!(query.filters[0].to_string(), "nmae:eq:x");
    refuse_documents(
        &mut state,
        &effects,
        conflict("Unknown path property: nmae"),
    );
    let problem = filter_error(&state);
    assert!(problem.contains("Unknown path property: nmae"), "{problem}");
    assert!(state.toasts.is_empty());
}

trait IntoMsg {
    fn into_msg(self) -> Msg;
}

impl IntoMsg for KeyEvent {
    fn into_msg(self) -> Msg {
        Msg::Key(self)
    }
}

#[test]
fn delete_asks_first_and_defaults_to_no() {
    let mut state = ready(10);
    update(&mut state, key('D'));
    let Some(Dialog::Confirm(confirm)) = &state.dialog else {
        panic!("expected a confirmation");
    };
    assert!(confirm.message.contains("Annual report 0"));
    assert!(!confirm.yes);
    assert!(
        update(&mut state, code(KeyCode::Enter)).is_empty(),
        "Enter takes the default: No"
    );
    assert!(state.dialog.is_none());
    update(&mut state, key('D'));
    let effects = update(&mut state, key('y'));
    assert_eq!(
        effects,
        vec![Effect::Delete {
            uid: uid('D', 0),
            name: "Annual report 0".into()
        }]
    );
    update(
        &mut state,
        Msg::Deleted {
            uid: uid('D', 0),
            name: "Annual report 0".into(),
            result: Ok(()),
        },
    );
    assert_eq!(state.documents.items.len(), 9);
    assert_eq!(state.documents.total, Some(9));
    assert_eq!(state.toasts[0].level, ToastLevel::Info);
}

fn resource(id: &str, name: &str) -> FileResource {
    FileResource {
        id: id.into(),
        name: Some(name.into()),
        content_type: Some("application/pdf".into()),
        content_length: Some(2_100_000),
        content_md5: Some("5eb63bbbe01eeed093cb22bb8f5acdc3".into()),
        domain: Some(Domain::Document),
        storage_status: Some(StorageStatus::Stored),
        ..FileResource::default()
    }
}

#[test]
fn download_suggests_the_server_file_name_and_asks_before_overwriting() {
    let mut state = ready(10);
    let effects = update(&mut state, key('d'));
    let (_, fr) = resource_read(&effects);
    assert_eq!(fr, uid('F', 0));
    answer_resource_read(&mut state, &effects, |fr| resource(fr, "annual-report.pdf"));
    let Some(Dialog::Download(form)) = &state.dialog else {
        panic!("expected the download prompt");
    };
    assert_eq!(
        form.path.input.value(),
        "/home/op/Downloads/annual-report.pdf"
    );
    let (id, job) = started_transfer(&update(&mut state, code(KeyCode::Enter)));
    let target = PathBuf::from("/home/op/Downloads/annual-report.pdf");
    assert_eq!(
        job,
        TransferJob::DownloadDocument {
            uid: uid('D', 0),
            path: target.clone(),
            overwrite: false
        }
    );
    update(
        &mut state,
        Msg::TransferFinished(id, Err(Error::TargetExists(target.clone()))),
    );
    let Some(Dialog::Confirm(confirm)) = &state.dialog else {
        panic!("expected the overwrite question");
    };
    assert!(confirm.message.contains("already exists"));
    assert!(!confirm.yes);
    let (second, job) = started_transfer(&update(&mut state, key('y')));
    assert_ne!(id, second);
    assert_eq!(
        job,
        TransferJob::DownloadDocument {
            uid: uid('D', 0),
            path: target.clone(),
            overwrite: true
        }
    );
    update(&mut state, Msg::TransferStarted(second));
    update(
        &mut state,
        Msg::TransferFinished(
            second,
            Ok(TransferOutcome::Downloaded(Box::new(Downloaded {
                path: target.clone(),
                bytes: 2_100_000,
                md5: Some("5eb63bbbe01eeed093cb22bb8f5acdc3".into()),
                content_type: None,
                verification: Verification::Matched,
            }))),
        ),
    );
    assert_eq!(
        state.transfers.items.len(),
        1,
        "the refused attempt is gone"
    );
    assert!(matches!(
        state.transfers.items[0].state,
        TransferState::Done(_)
    ));
    // o now opens the downloaded file.
    assert_eq!(
        update(&mut state, key('o')),
        vec![Effect::Open(target.display().to_string())]
    );
}

#[test]
fn an_external_link_offers_open_or_copy_instead_of_a_download() {
    let mut state = ready(10);
    update(&mut state, key('j'));
    update(&mut state, key('j'));
    assert!(update(&mut state, key('d')).is_empty());
    let Some(Dialog::Link(choice)) = &state.dialog else {
        panic!("expected the link choices");
    };
    assert_eq!(choice.url, "https://dhis2.org/doc/2");
    assert_eq!(
        update(&mut state, key('c')),
        vec![Effect::Copy("https://dhis2.org/doc/2".into())]
    );
    assert!(state.dialog.is_none());
}

#[test]
fn an_upload_is_one_transfer_through_three_phases() {
    let mut state = ready(10);
    update(&mut state, key('u'));
    typed(&mut state, "/data/budget.xlsx");
    let Some(Dialog::Upload(form)) = &state.dialog else {
        panic!("expected the upload prompt");
    };
    assert_eq!(
        form.name.value(),
        "budget.xlsx",
        "the name follows the file"
    );
    let (id, job) = started_transfer(&submit_upload(&mut state));
    assert_eq!(
        job,
        TransferJob::UploadDocument {
            path: "/data/budget.xlsx".into(),
            name: "budget.xlsx".into()
        }
    );
    update(&mut state, Msg::TransferStarted(id));
    let mut phases = Vec::new();
    for (phase, done) in [
        (Phase::Uploading, 0),
        (Phase::Uploading, 500),
        (Phase::WaitingForStorage, 0),
        (Phase::Linking, 0),
    ] {
        update(
            &mut state,
            Msg::TransferProgress(
                id,
                Progress {
                    phase,
                    done,
                    total: (phase == Phase::Uploading).then_some(1000),
                },
            ),
        );
        phases.push(state.transfers.items[0].phase);
    }
    assert_eq!(
        phases,
        [
            Phase::Uploading,
            Phase::Uploading,
            Phase::WaitingForStorage,
            Phase::Linking
        ]
    );
    let stored = resource("TacExtJuMmW", "budget.xlsx");
    let document = Document {
        id: "RTkjSgLtdI6".into(),
        name: Some("budget.xlsx".into()),
        url: Some("TacExtJuMmW".into()),
        ..Document::default()
    };
    let effects = update(
        &mut state,
        Msg::TransferFinished(
            id,
            Ok(TransferOutcome::UploadedDocument(Box::new(
                UploadedDocument {
                    document,
                    file_resource: stored,
                },
            ))),
        ),
    );
    assert!(matches!(
        state.transfers.items[0].state,
        TransferState::Done(_)
    ));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::RememberUpload(k) if k.uid == "TacExtJuMmW"))
    );
    documents_req(&effects);
}

#[test]
fn a_failed_link_step_names_the_stored_file_resource() {
    let mut state = ready(10);
    update(&mut state, key('u'));
    typed(&mut state, "/data/x.pdf");
    let (id, _) = started_transfer(&submit_upload(&mut state));
    let effects = update(
        &mut state,
        Msg::TransferFinished(
            id,
            Err(Error::LinkFailed {
                file_resource_uid: "TacExtJuMmW".into(),
                source: Box::new(conflict("Document name taken")),
            }),
        ),
    );
    let toast = &state.toasts[0];
    assert_eq!(toast.level, ToastLevel::Error);
    assert!(toast.text.contains("TacExtJuMmW") && toast.text.contains("Document name taken"));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::RememberUpload(_)))
    );
}

#[test]
fn transfers_can_be_cancelled_and_quitting_asks_while_they_run() {
    let mut state = ready(10);
    update(&mut state, key('u'));
    typed(&mut state, "/data/big.iso");
    let (id, _) = started_transfer(&submit_upload(&mut state));
    update(&mut state, Msg::TransferStarted(id));
    // Browsing keeps working while it runs.
    update(&mut state, key('j'));
    assert_eq!(state.documents.cursor, 1);
    assert!(update(&mut state, key('q')).is_empty());
    assert!(matches!(state.dialog, Some(Dialog::Confirm(_))));
    update(&mut state, key('n'));
    update(&mut state, key('t'));
    assert_eq!(
        update(&mut state, key('x')),
        vec![Effect::CancelTransfer(id)]
    );
    update(&mut state, Msg::TransferFinished(id, Err(Error::Cancelled)));
    assert_eq!(state.transfers.items[0].state, TransferState::Cancelled);
    update(&mut state, key('t'));
    assert_eq!(update(&mut state, key('q')), vec![Effect::Quit]);
}

#[test]
fn the_link_form_checks_the_url_as_it_is_typed() {
    let mut state = ready(10);
    update(&mut state, key('a'));
    typed(&mut state, "DHIS2 docs");
    update(&mut state, code(KeyCode::Tab));
    typed(&mut state, "ftp://x");
    let Some(Dialog::AddLink(form)) = &state.dialog else {
        panic!("expected the form");
    };
    assert!(form.url_problem.as_deref().unwrap_or("").contains("http"));
    assert!(update(&mut state, code(KeyCode::Enter)).is_empty());
    for _ in 0.."ftp://x".len() {
        update(&mut state, code(KeyCode::Backspace));
    }
    typed(&mut state, "https://docs.dhis2.org");
    let effects = update(&mut state, code(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::CreateLink {
            name: "DHIS2 docs".into(),
            url: "https://docs.dhis2.org".into()
        }]
    );
    // DHIS2's refusal stays in the form, in its words.
    update(
        &mut state,
        Msg::LinkCreated(Err(conflict("Property `url` requires a valid URL"))),
    );
    let Some(Dialog::AddLink(form)) = &state.dialog else {
        panic!("the form stays open");
    };
    assert!(
        form.url_problem
            .as_deref()
            .unwrap_or("")
            .contains("requires a valid URL")
    );
}

#[test]
fn before_2_41_the_resources_pane_lists_what_is_known() {
    let mut state = ready_with(settings(), "2.40.3", page(0..6, 1, 6));
    assert!(
        update(&mut state, key('2'))
            .iter()
            .all(|e| !matches!(e, Effect::FetchResources { .. }))
    );
    assert_eq!(state.pane, Pane::Resources);
    assert_eq!(state.resources.source, ResourceSource::Known);
    // Four file documents among six.
    assert_eq!(state.resources.list.items.len(), 4);
    // A uid looked up by hand joins the list.
    update(&mut state, key('i'));
    typed(&mut state, "Xb3sL9pQw2e");
    let effects = update(&mut state, code(KeyCode::Enter));
    answer_resource_read(&mut state, &effects, |uid| resource(uid, "avatar.png"));
    assert_eq!(state.resources.list.items.len(), 5);
    assert_eq!(
        state.selected_resource().map(|r| r.uid.as_str()),
        Some("Xb3sL9pQw2e")
    );
}

#[test]
fn errors_stay_until_dismissed_and_info_fades() {
    let mut state = ready(10);
    tick(&mut state, 1_000);
    state.toast_info("saved");
    state.toast_error("boom");
    tick(&mut state, 10_000);
    assert_eq!(state.toasts.len(), 1);
    assert_eq!(state.toasts[0].level, ToastLevel::Error);
    update(&mut state, code(KeyCode::Esc));
    assert!(state.toasts.is_empty());
}

#[test]
fn a_refresh_keeps_the_cursor_on_the_same_document() {
    let mut state = ready(30);
    for _ in 0..5 {
        update(&mut state, key('j'));
    }
    let effects = update(&mut state, key('r'));
    // The server now lists one more document first.
    let mut fresh = page(0..30, 1, 31);
    fresh.items.insert(0, document(99));
    answer_documents(&mut state, &effects, fresh);
    assert_eq!(
        state.selected_document().map(|d| d.id.clone()),
        Some(uid('D', 5))
    );
    assert_eq!(state.documents.cursor, 6);
}

#[test]
fn arrows_move_the_list_while_the_filter_is_typed() {
    let mut state = ready(30);
    update(&mut state, key('/'));
    typed(&mut state, "j");
    update(&mut state, code(KeyCode::Down));
    assert_eq!(state.documents.cursor, 1);
    assert_eq!(state.documents.filter.input.value(), "j");
}

#[test]
fn a_list_status_of_none_is_read_in_the_background_and_shown_as_read() {
    let mut state = ready(10);
    let effects = update(&mut state, key('2'));
    let listed = FileResource {
        storage_status: Some(StorageStatus::None),
        ..resource("TacExtJuMmW", "report.pdf")
    };
    let effects = answer_resources(&mut state, &effects, resources_page(vec![listed]));
    // The list's NONE is no status: the row says so, and is read on its own at once.
    let row_of = |state: &mut State| {
        render(state, 100, 20)
            .lines()
            .find(|line| line.contains("TacExtJuMmW"))
            .expect("the row")
            .to_string()
    };
    let (_, uid) = resource_read(&effects);
    assert_eq!(uid, "TacExtJuMmW");
    assert!(!row_of(&mut state).contains("NONE"));
    assert!(
        update(&mut state, code(KeyCode::Enter)).is_empty(),
        "the details wait for the read in flight"
    );
    answer_resource_read(&mut state, &effects, |uid| resource(uid, "report.pdf"));
    assert!(row_of(&mut state).contains("STORED"));
    let screen = render(&mut state, 100, 20);
    assert!(
        screen.contains("status STORED"),
        "the details too:\n{screen}"
    );
    assert!(state.toasts.is_empty(), "not taken for a look-up");
}

#[test]
fn tab_completes_the_upload_path_and_ignores_outdated_answers() {
    let mut state = ready(10);
    update(&mut state, key('u'));
    typed(&mut state, "/data/bud");
    let effects = update(&mut state, code(KeyCode::Tab));
    let [Effect::CompletePath { req, input }] = effects.as_slice() else {
        panic!("expected a completion request: {effects:?}");
    };
    assert_eq!(input, "/data/bud");
    let answer = |input: &str| d2files::app::path_completion::Completion {
        input: input.into(),
        completed: "/data/budget-2025.xlsx".into(),
        candidates: Vec::new(),
    };
    // Typing on before the answer makes it outdated.
    typed(&mut state, "g");
    update(
        &mut state,
        Msg::Completed {
            req: *req,
            completion: answer("/data/bud"),
        },
    );
    let Some(Dialog::Upload(form)) = &state.dialog else {
        panic!("expected the upload prompt");
    };
    assert_eq!(form.path.input.value(), "/data/budg");
    let effects = update(&mut state, code(KeyCode::Tab));
    let [Effect::CompletePath { req, .. }] = effects.as_slice() else {
        panic!("expected a completion request: {effects:?}");
    };
    update(
        &mut state,
        Msg::Completed {
            req: *req,
            completion: answer("/data/budg"),
        },
    );
    let Some(Dialog::Upload(form)) = &state.dialog else {
        panic!("expected the upload prompt");
    };
    assert_eq!(form.path.input.value(), "/data/budget-2025.xlsx");
    assert_eq!(form.name.value(), "budget-2025.xlsx");
}

#[test]
fn the_domain_filter_and_a_domain_upload_in_the_resources_pane() {
    let mut state = ready(10);
    update(&mut state, key('2'));
    let effects = update(&mut state, key('f'));
    let [Effect::FetchResources { query, .. }] = effects.as_slice() else {
        panic!("expected a file resource list request: {effects:?}");
    };
    let filters: Vec<String> = query.filters.iter().map(ToString::to_string).collect();
    assert_eq!(filters, ["domain:eq:DOCUMENT"]);
    update(&mut state, key('u'));
    typed(&mut state, "/data/avatar.png");
    update(&mut state, code(KeyCode::Down));
    update(&mut state, code(KeyCode::Right));
    let effects = submit_upload(&mut state);
    let (_, job) = started_transfer(&effects);
    assert_eq!(
        job,
        TransferJob::UploadResource {
            path: "/data/avatar.png".into(),
            domain: Domain::DataValue
        }
    );
}

#[test]
fn remapped_keys_drive_the_app_and_its_hints() {
    let mut settings = settings();
    settings.keymap = d2files::app::Keymap::with_overrides(
        "[list]\ndelete = [\"x\"]\nquit = [\"Q\"]\n",
        std::path::Path::new("/c/keymap.toml"),
    )
    .expect("valid overrides")
    .0;
    let mut state = ready_with(settings, "2.41.4", page(0..5, 1, 5));
    assert!(update(&mut state, key('D')).is_empty());
    assert!(state.dialog.is_none(), "D no longer deletes");
    update(&mut state, key('x'));
    assert!(matches!(state.dialog, Some(Dialog::Confirm(_))));
    update(&mut state, key('n'));
    assert_eq!(update(&mut state, key('Q')), vec![Effect::Quit]);
}

#[test]
fn pasted_text_fills_the_field_and_never_runs_commands() {
    let mut state = ready(10);
    // Over the list a paste is dropped: "Dy" must not delete anything.
    assert!(update(&mut state, Msg::Paste("Dyq".into())).is_empty());
    assert!(state.dialog.is_none());
    update(&mut state, key('a'));
    update(&mut state, code(KeyCode::Tab));
    update(
        &mut state,
        Msg::Paste("https://docs.dhis2.org/en/home\n".into()),
    );
    let Some(Dialog::AddLink(form)) = &state.dialog else {
        panic!("expected the form");
    };
    assert_eq!(form.url.value(), "https://docs.dhis2.org/en/home");
    assert_eq!(form.url_problem, None);
}

#[test]
fn a_failed_link_step_can_be_retried_from_the_transfers_panel() {
    let mut state = ready(10);
    update(&mut state, key('u'));
    typed(&mut state, "/data/x.pdf");
    let (id, _) = started_transfer(&submit_upload(&mut state));
    update(
        &mut state,
        Msg::TransferFinished(
            id,
            Err(Error::LinkFailed {
                file_resource_uid: "TacExtJuMmW".into(),
                source: Box::new(conflict("Document name taken")),
            }),
        ),
    );
    update(&mut state, key('t'));
    let (retry, job) = started_transfer(&update(&mut state, key('r')));
    assert_eq!(
        job,
        TransferJob::LinkDocument {
            name: "x.pdf".into(),
            file_resource_uid: "TacExtJuMmW".into()
        }
    );
    assert_eq!(state.transfers.items[1].phase, Phase::Linking);
    // Nothing left to retry on the first one.
    assert!(update(&mut state, key('r')).is_empty());
    let linked = Document {
        id: "RTkjSgLtdI6".into(),
        name: Some("x.pdf".into()),
        ..Document::default()
    };
    let effects = update(
        &mut state,
        Msg::TransferFinished(retry, Ok(TransferOutcome::Linked(Box::new(linked)))),
    );
    assert!(matches!(
        state.transfers.items[1].state,
        TransferState::Done(_)
    ));
    documents_req(&effects);
}

#[test]
fn before_2_41_known_rows_are_read_one_at_a_time() {
    let mut state = ready_with(settings(), "2.40.3", page(0..4, 1, 4));
    let read = |effects: &[Effect]| match effects {
        [Effect::FetchResource { uid, .. }] => uid.clone(),
        other => panic!("expected one read, got {other:?}"),
    };
    let effects = update(&mut state, key('2'));
    assert_eq!(read(&effects), uid_of(0));
    let effects = answer_resource_read(&mut state, &effects, |uid| resource(uid, "a.pdf"));
    assert_eq!(read(&effects), uid_of(1));
    // An unreadable row is noted for the details and skipped.
    let effects = refuse_resource_read(&mut state, &effects, conflict("gone"));
    assert_eq!(read(&effects), uid_of(3), "document 2 is a link");
    assert!(state.resources.book.unreadable(&uid_of(1)).is_some());
    assert!(state.toasts.is_empty());
}

fn uid_of(n: usize) -> String {
    uid('F', n)
}

#[test]
fn a_new_link_is_selected_once_the_list_reloads() {
    let mut state = ready(10);
    update(&mut state, key('j'));
    update(&mut state, key('a'));
    typed(&mut state, "Team wiki");
    update(&mut state, code(KeyCode::Tab));
    typed(&mut state, "https://wiki.example.org/team");
    update(&mut state, code(KeyCode::Enter));
    let created = Document {
        id: "Xb3sL9pQw2e".into(),
        name: Some("Team wiki".into()),
        url: Some("https://wiki.example.org/team".into()),
        external: true,
        ..Document::default()
    };
    let effects = update(&mut state, Msg::LinkCreated(Ok(created.clone())));
    assert!(state.dialog.is_none());
    let mut fresh = page(0..10, 1, 11);
    fresh.items.insert(0, created);
    answer_documents(&mut state, &effects, fresh);
    assert_eq!(state.documents.cursor, 0);
    assert_eq!(
        state.selected_document().map(|d| d.id.as_str()),
        Some("Xb3sL9pQw2e")
    );
}

#[test]
fn a_refused_file_resource_list_falls_back_to_the_known_ones() {
    let mut state = ready(6);
    let effects = update(&mut state, key('2'));
    refuse_resources(
        &mut state,
        &effects,
        Error::Dhis2(Box::new(Dhis2Error {
            status: 403,
            message: "Access denied".into(),
            error_code: None,
            dev_message: None,
            error_reports: Vec::new(),
            import_report: false,
            hint: None,
        })),
    );
    assert_eq!(state.resources.source, ResourceSource::Known);
    assert_eq!(
        state.resources.list.items.len(),
        4,
        "the file documents' resources"
    );
    assert_eq!(state.toasts[0].level, ToastLevel::Info);
}

#[test]
fn only_web_links_are_opened() {
    // Document 2 is a link; the first server points it somewhere a browser should not be
    // asked to go.
    let link_to = |url: &str| {
        let mut first = page(0..3, 1, 3);
        first.items[2].url = Some(url.into());
        let mut state = ready_with(settings(), "2.41.4", first);
        update(&mut state, key('G'));
        state
    };
    let mut state = link_to("file:///etc/passwd");
    assert!(update(&mut state, key('o')).is_empty());
    assert_eq!(state.toasts[0].level, ToastLevel::Error);
    let mut state = link_to("https://dhis2.org");
    assert_eq!(
        update(&mut state, key('o')),
        vec![Effect::Open("https://dhis2.org".into())]
    );
}

fn document_files(effects: &[Effect]) -> Option<Vec<String>> {
    effects.iter().find_map(|e| match e {
        Effect::FetchDocumentFiles { uids } => Some(uids.clone()),
        _ => None,
    })
}

#[test]
fn a_page_of_documents_reads_its_files_in_one_batch_for_the_list_columns() {
    let mut state = State::new(settings());
    let effects = connect(&mut state, "2.41.4");
    let effects = answer_documents(&mut state, &effects, page(0..6, 1, 6));
    // Documents 2 and 5 are links: nothing to read.
    let uids = document_files(&effects).expect("a batch read of the page's files");
    assert_eq!(uids, [0, 1, 3, 4].map(|n| uid('F', n)));
    let row_of_document_0 = |state: &State| {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 12)).expect("terminal");
        terminal
            .draw(|frame| d2files::ui::draw(frame, state))
            .expect("draw");
        let screen = terminal.backend().to_string();
        let title = document(0).name.expect("named");
        screen
            .lines()
            .find(|line| line.contains(&title))
            .expect("document 0 on screen")
            .to_string()
    };
    update(&mut state, Msg::Resize(100, 12));
    assert!(!row_of_document_0(&state).contains("MiB"));
    let files = uids.iter().map(|id| resource(id, "report.pdf")).collect();
    update(&mut state, Msg::DocumentFilesLoaded(Ok(files)));
    let row = row_of_document_0(&state);
    assert!(row.contains("2.0 MiB"), "the size is shown: {row}");
    // Reloading the same documents reads nothing again.
    let effects = update(&mut state, key('r'));
    let effects = answer_documents(&mut state, &effects, page(0..6, 1, 6));
    assert_eq!(document_files(&effects), None);
}

#[test]
fn before_2_41_documents_pages_read_no_file_batches() {
    let mut state = State::new(settings());
    let effects = connect(&mut state, "2.40.6");
    let effects = answer_documents(&mut state, &effects, page(0..6, 1, 6));
    assert_eq!(document_files(&effects), None, "{effects:?}");
}

#[test]
fn text_with_a_colon_is_a_name_search_unless_it_reads_as_dhis2_syntax() {
    let mut state = ready(10);
    update(&mut state, key('/'));
    typed(&mut state, "Open data portal: health");
    assert_eq!(state.documents.filter.error(), None);
    assert!(
        state.documents.filter.note().is_some(),
        "says how it is read"
    );
    let (_, query) = documents_req(&tick(&mut state, 5_000));
    assert_eq!(
        query.filters[0].to_string(),
        "name:ilike:Open data portal: health"
    );
    // A known operator makes it DHIS2 syntax, with DHIS2's rules.
    update(
        &mut state,
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL).into_msg(),
    );
    typed(&mut state, "lastUpdated:gt:2025-01-01");
    assert_eq!(state.documents.filter.note(), None);
    let (_, query) = documents_req(&tick(&mut state, 10_000));
    assert_eq!(query.filters[0].to_string(), "lastUpdated:gt:2025-01-01");
}

#[test]
fn a_filter_error_does_not_outlive_its_filter() {
    let mut state = ready(10);
    update(&mut state, key('/'));
    typed(&mut state, "nmae:eq:x");
    let effects = tick(&mut state, 5_000);
    // Another, valid filter is typed before the refusal of the first arrives.
    typed(&mut state, "y");
    refuse_documents(
        &mut state,
        &effects,
        conflict("Unknown path property: nmae"),
    );
    assert_eq!(
        state.documents.filter.error(),
        None,
        "the complaint is about nmae:eq:x, not nmae:eq:xy"
    );
    // Back on the refused text, it shows again.
    update(&mut state, code(KeyCode::Backspace));
    assert!(
        state
            .documents
            .filter
            .error()
            .is_some_and(|e| e.contains("nmae")),
        "{:?}",
        state.documents.filter.problem
    );
}

#[test]
fn esc_in_the_list_clears_an_applied_filter_and_the_footer_says_so() {
    let mut state = ready(10);
    update(&mut state, key('/'));
    typed(&mut state, "malaria");
    update(&mut state, code(KeyCode::Enter));
    assert_eq!(state.documents.filter.applied, "malaria");
    let screen = render(&mut state, 100, 24);
    assert!(screen.contains("Esc clear filter"), "{screen}");
    let (_, query) = documents_req(&update(&mut state, code(KeyCode::Esc)));
    assert!(query.filters.is_empty());
    assert!(state.documents.filter.applied.is_empty());
    assert!(!render(&mut state, 100, 24).contains("clear filter"));
}

#[test]
fn reopening_the_filter_selects_its_text_so_typing_replaces_it() {
    let mut state = ready(10);
    update(&mut state, key('/'));
    typed(&mut state, "malaria");
    update(&mut state, code(KeyCode::Enter));
    update(&mut state, key('/'));
    assert_eq!(state.documents.filter.input.value(), "malaria");
    typed(&mut state, "tb");
    assert_eq!(
        state.documents.filter.input.value(),
        "tb",
        "replaced, not appended"
    );
    // Editing keys keep the text: Backspace after reopening trims it.
    update(&mut state, code(KeyCode::Enter));
    update(&mut state, key('/'));
    update(&mut state, code(KeyCode::Backspace));
    assert_eq!(state.documents.filter.input.value(), "t");
}

#[test]
fn a_new_sort_order_starts_at_its_top() {
    let mut state = ready(50);
    for _ in 0..5 {
        update(&mut state, key('j'));
    }
    assert_eq!(state.documents.cursor, 5);
    let effects = update(&mut state, key('s'));
    answer_documents(&mut state, &effects, page(0..50, 1, 50));
    assert_eq!(state.documents.cursor, 0);
}

#[test]
fn declining_to_replace_goes_back_to_the_save_as_prompt() {
    let mut state = ready(10);
    let effects = update(&mut state, key('d'));
    answer_resource_read(&mut state, &effects, |fr| resource(fr, "annual-report.pdf"));
    let (id, _) = started_transfer(&update(&mut state, code(KeyCode::Enter)));
    let target = PathBuf::from("/home/op/Downloads/annual-report.pdf");
    update(
        &mut state,
        Msg::TransferFinished(id, Err(Error::TargetExists(target.clone()))),
    );
    assert!(update(&mut state, key('n')).is_empty(), "nothing replaced");
    let Some(Dialog::Download(form)) = &state.dialog else {
        panic!("expected the Save-as prompt again, got {:?}", state.dialog);
    };
    assert_eq!(form.path.input.value(), target.display().to_string());
    assert!(
        form.problem
            .as_deref()
            .is_some_and(|p| p.contains("already exists")),
        "{:?}",
        form.problem
    );
    // Another name, and the download goes ahead without overwriting anything.
    update(&mut state, code(KeyCode::Backspace));
    update(&mut state, code(KeyCode::Backspace));
    update(&mut state, code(KeyCode::Backspace));
    typed(&mut state, "txt");
    let (_, job) = started_transfer(&update(&mut state, code(KeyCode::Enter)));
    assert_eq!(
        job,
        TransferJob::DownloadDocument {
            uid: uid('D', 0),
            path: PathBuf::from("/home/op/Downloads/annual-report.txt"),
            overwrite: false
        }
    );
}

#[test]
fn an_internal_failure_of_a_list_is_no_filter_error_and_keeps_the_rows() {
    let mut state = ready(10);
    update(&mut state, key('/'));
    typed(&mut state, "malaria");
    let effects = update(&mut state, code(KeyCode::Enter));
    refuse_documents(
        &mut state,
        &effects,
        Error::Internal(
            "the list stopped on an internal error (a bug in d2files); see the log".into(),
        ),
    );
    assert_eq!(state.documents.filter.error(), None);
    assert_eq!(state.documents.items.len(), 10, "the rows stay");
    assert!(
        state
            .documents
            .error
            .as_deref()
            .is_some_and(|e| e.contains("internal error")),
        "{:?}",
        state.documents.error
    );
}

#[test]
fn the_upload_form_stays_open_with_the_reason_when_the_file_will_not_do() {
    let mut state = ready(10);
    update(&mut state, key('u'));
    typed(&mut state, "/data/setup.exe");
    let effects = update(&mut state, code(KeyCode::Enter));
    let Some(Effect::CheckUpload { req, path, .. }) = effects.first().cloned() else {
        panic!("expected the path to be checked: {effects:?}");
    };
    assert_eq!(path, PathBuf::from("/data/setup.exe"));
    update(
        &mut state,
        Msg::UploadChecked {
            req,
            result: Err(Error::InvalidInput(
                "/data/setup.exe: DHIS2 refuses files of this type".into(),
            )),
        },
    );
    let Some(Dialog::Upload(form)) = &state.dialog else {
        panic!("the form stays open");
    };
    assert!(
        form.problem
            .as_deref()
            .is_some_and(|p| p.contains("refuses files of this type")),
        "{:?}",
        form.problem
    );
    assert!(state.transfers.items.is_empty(), "nothing started");
    // A check that answers after the path was edited is about another file: ignored.
    let effects = update(&mut state, code(KeyCode::Enter));
    let Some(Effect::CheckUpload { req, .. }) = effects.first().cloned() else {
        panic!("expected the path to be checked: {effects:?}");
    };
    typed(&mut state, "x");
    assert!(
        update(
            &mut state,
            Msg::UploadChecked {
                req,
                result: Ok(())
            }
        )
        .is_empty(),
        "an outdated check starts nothing"
    );
    assert!(matches!(state.dialog, Some(Dialog::Upload(_))));
}

#[test]
fn the_profiles_warnings_are_on_the_screen_until_dismissed() {
    let mut settings = settings();
    settings.warnings =
        vec!["profile 'play' sends its credentials over plain http:// to dhis.example.org".into()];
    let mut state = State::new(settings);
    connect(&mut state, "2.41.4");
    let screen = render(&mut state, 100, 24);
    assert!(
        screen.contains("warning: profile 'play' sends its credentials"),
        "{screen}"
    );
    // Still there after a while: it waits for the user.
    tick(&mut state, 60_000);
    let screen = render(&mut state, 100, 24);
    assert!(screen.contains("credentials over plain"), "{screen}");
    update(&mut state, code(KeyCode::Esc));
    assert!(!render(&mut state, 100, 24).contains("credentials over plain"));
}

#[test]
fn a_link_that_cannot_be_opened_here_is_copied_instead() {
    let mut state = ready(10);
    let effects = update(
        &mut state,
        Msg::OpenFailed {
            target: "https://dhis2.org/doc/2".into(),
            reason: "no desktop: DISPLAY and WAYLAND_DISPLAY are unset, as over SSH".into(),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::Copy("https://dhis2.org/doc/2".into())]
    );
    let screen = render(&mut state, 100, 24);
    assert!(screen.contains("no desktop"), "{screen}");
}

#[test]
fn a_failed_or_cancelled_download_restarts_from_the_transfers_panel() {
    let mut state = ready(10);
    update(&mut state, key('d'));
    let (first, job) = started_transfer(&update(&mut state, code(KeyCode::Enter)));
    update(
        &mut state,
        Msg::TransferFinished(first, Err(Error::Network("connection reset".into()))),
    );
    assert!(matches!(
        state.transfers.items[0].state,
        TransferState::Failed(_)
    ));
    update(&mut state, key('t'));
    assert!(render(&mut state, 100, 24).contains("r retry"));
    let (second, again) = started_transfer(&update(&mut state, key('r')));
    assert_eq!(again, job, "the same document to the same place");
    assert_ne!(second, first);
    assert_eq!(state.transfers.items.len(), 1, "restarted in its place");
    assert_eq!(state.transfers.items[0].state, TransferState::Queued);
    // A late word from the first run does not touch the second.
    let stale = Progress {
        phase: Phase::Downloading,
        done: 5,
        total: Some(10),
    };
    update(&mut state, Msg::TransferProgress(first, stale));
    assert_eq!(state.transfers.items[0].done, 0);
    // A running download is not restarted; a cancelled one is.
    assert!(update(&mut state, key('r')).is_empty());
    update(&mut state, key('x'));
    let (third, _) = started_transfer(&update(&mut state, key('r')));
    assert_ne!(third, second);
}

/// The first page of `total` documents is in; `G` loads the last page alone.
#[test]
fn bottom_reaches_the_real_end_by_loading_the_last_page_alone() {
    let mut state = ready(5000);
    let effects = update(&mut state, key('G'));
    let (_, query) = documents_req(&effects);
    assert_eq!(query.page, 100, "the pager's last page, directly");
    answer_documents(&mut state, &effects, page(4950..5000, 100, 5000));
    assert_eq!(state.documents.cursor, 49);
    assert_eq!(
        state.selected_document().map(|d| d.id.clone()),
        Some(uid('D', 4999)),
        "on the last document of all"
    );
    let screen = render(&mut state, 100, 30);
    assert!(screen.contains("4951–5000 of 5000"), "{screen}");
    // Going up reaches the window's top and loads the page before it above the rows.
    let mut effects = Vec::new();
    for _ in 0..45 {
        effects.extend(update(&mut state, key('k')));
    }
    let (_, query) = documents_req(&effects);
    assert_eq!(query.page, 99);
    let before = state.selected_document().map(|d| d.id.clone());
    answer_documents(&mut state, &effects, page(4900..4950, 99, 5000));
    assert_eq!(
        state.selected_document().map(|d| d.id.clone()),
        before,
        "the cursor stays on its document"
    );
    assert!(render(&mut state, 100, 30).contains("4901–5000 of 5000"));
    // `g` goes back to the real start.
    let effects = update(&mut state, key('g'));
    let (_, query) = documents_req(&effects);
    assert_eq!(query.page, 1);
    answer_documents(&mut state, &effects, page(0..50, 1, 5000));
    assert_eq!(
        state.selected_document().map(|d| d.id.clone()),
        Some(uid('D', 0))
    );
    assert!(render(&mut state, 100, 30).contains("50 of 5000"));
}

#[test]
fn bottom_on_a_short_list_just_moves() {
    let mut state = ready(30);
    assert!(update(&mut state, key('G')).is_empty());
    assert_eq!(state.documents.cursor, 29);
}

#[test]
fn before_2_41_dhis2_syntax_filters_the_known_resources_here_or_says_why_not() {
    let mut state = ready_with(settings(), "2.40.3", page(0..6, 1, 6));
    update(&mut state, key('2'));
    let names = |state: &State| -> Vec<String> {
        let resources = &state.resources;
        resources
            .list
            .items
            .iter()
            .map(|row| resources.row_name(row).to_string())
            .collect()
    };
    update(&mut state, key('/'));
    typed(&mut state, "name:$ilike:annual");
    update(&mut state, code(KeyCode::Enter));
    assert_eq!(names(&state), ["Annual report 0", "Annual report 3"]);
    assert_eq!(state.resources.list.filter.error(), None);
    // What cannot be done here is said under the prompt, not silently empty.
    update(&mut state, key('/'));
    typed(&mut state, "created:gt:2025-01-01");
    update(&mut state, code(KeyCode::Enter));
    assert!(names(&state).is_empty());
    let screen = render(&mut state, 120, 30);
    assert!(
        screen.contains("before DHIS2 2.41 there is no file resource list"),
        "{screen}"
    );
}

#[test]
fn marks_are_kept_by_uid_across_reloads_and_esc_clears_them_before_the_filter() {
    let mut state = ready(10);
    // The sizes the list knows (2.1 MB each), for the footer's total.
    update(
        &mut state,
        Msg::DocumentFilesLoaded(Ok(vec![
            resource(&uid('F', 0), "a.pdf"),
            resource(&uid('F', 1), "b.pdf"),
        ])),
    );
    update(&mut state, key(' '));
    update(&mut state, key(' '));
    assert_eq!(state.documents.cursor, 2, "Space moves down");
    let screen = render(&mut state, 100, 24);
    assert!(screen.contains("2 marked · 4.0 MiB"), "{screen}");
    // Visible without colour (the test settings have none).
    assert!(
        screen.contains("● Annual report 0") && screen.contains("● Malaria SOP 1"),
        "{screen}"
    );
    assert!(screen.contains("Esc clear marks"), "{screen}");
    // A new sort reloads the list: the marks stay with their documents.
    let effects = update(&mut state, key('s'));
    let mut reversed = page(0..10, 1, 10);
    reversed.items.reverse();
    answer_documents(&mut state, &effects, reversed);
    assert!(render(&mut state, 100, 24).contains("2 marked"));
    // v inverts the loaded rows; Ctrl-a marks them all.
    update(&mut state, key('v'));
    assert_eq!(state.documents.marks.len(), 8);
    assert!(!state.documents.marks.contains(&uid('D', 0)));
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL)),
    );
    assert_eq!(state.documents.marks.len(), 10);
    // The other pane has marks of its own.
    update(&mut state, key('2'));
    assert!(!render(&mut state, 100, 24).contains("marked"));
    update(&mut state, key('1'));
    // With a filter applied, Esc clears the marks first, then the filter.
    update(&mut state, key('/'));
    typed(&mut state, "Annual");
    let effects = update(&mut state, code(KeyCode::Enter));
    answer_documents(&mut state, &effects, page(0..4, 1, 4));
    assert!(update(&mut state, code(KeyCode::Esc)).is_empty());
    assert!(state.documents.marks.is_empty());
    assert_eq!(state.documents.filter.applied, "Annual");
    update(&mut state, code(KeyCode::Esc));
    assert_eq!(state.documents.filter.applied, "");
}

#[test]
fn a_release_newer_than_known_is_said_once_and_worked_with_as_the_newest() {
    let mut state = State::new(settings());
    connect(&mut state, "2.45.1");
    let notes: Vec<_> = state
        .toasts
        .iter()
        .filter(|toast| toast.text.contains("2.45.1"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", state.toasts);
    assert_eq!(notes[0].level, ToastLevel::Info);
    assert!(
        notes[0].text.contains("treating it as 2.44"),
        "{}",
        notes[0].text
    );
    // Treated as 2.44: file resources are listed by the server.
    assert_eq!(state.resources.source, ResourceSource::Server);
    // A known release says nothing of the kind.
    let mut state = State::new(settings());
    connect(&mut state, "2.44.0");
    assert!(
        state
            .toasts
            .iter()
            .all(|t| !t.text.contains("d2files knows"))
    );
}
