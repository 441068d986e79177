//! Editing documents in the TUI, through `update` alone: `R` renames in an inline prompt, `P`
//! puts a new file behind a document as a transfer, the details show the sharing in words, and
//! `S` opens the sharing editor (for one document, or a change for the marked ones); every key
//! gives the effect with the arguments the runner needs, Esc cancels, stale answers are
//! dropped, and failures become toasts in DHIS2's words.
mod tui_support;

use std::path::PathBuf;

use d2files::api::{
    Access, Dhis2Error, Document, EDIT_ACCESS, EditPath, Edited, Error, NO_ACCESS, ServerVersion,
    SharingChange, VIEW_ACCESS,
};
use d2files::app::msg::Msg;
use d2files::app::sharing::{EditorBase, EditorFocus, ShareOutcome, SharingEditor, SharingRead};
use d2files::app::state::{Dialog, State, ToastLevel};
use d2files::app::{Effect, TransferJob, TransferOutcome, TransferState, update};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_support::*;

fn toasts(state: &State) -> String {
    state
        .toasts
        .iter()
        .map(|toast| toast.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn last_toast(state: &State) -> (ToastLevel, String) {
    let toast = state.toasts.last().expect("a toast");
    (toast.level, toast.text.clone())
}

fn forbidden(message: &str) -> Error {
    Error::Dhis2(Box::new(Dhis2Error {
        status: 403,
        message: message.into(),
        error_code: Some("E1006".into()),
        dev_message: None,
        error_reports: Vec::new(),
        import_report: false,
        hint: None,
    }))
}

/// The editor open on screen.
#[track_caller]
fn editor(state: &State) -> &SharingEditor {
    match &state.dialog {
        Some(Dialog::Sharing(editor)) => editor,
        other => panic!("expected the sharing editor, got {other:?}"),
    }
}

/// Document 0 renamed: how the runner answers (a fresh copy of its file, as on 2.41.7).
fn renamed_document(name: &str) -> Edited {
    let mut document: Document = document(0);
    document.name = Some(name.into());
    document.url = Some("NEWfile0001".into());
    Edited {
        document,
        path: EditPath::FreshCopy,
        previous_file: Some(uid('F', 0)),
        version: ServerVersion::parse("2.41.7"),
    }
}

fn rename_req(effects: &[Effect]) -> (u64, String, String) {
    let renames: Vec<_> = effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Rename { req, uid, name } => Some((*req, uid.clone(), name.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(renames.len(), 1, "one rename in {effects:?}");
    renames[0].clone()
}

#[test]
fn r_opens_an_inline_prompt_with_the_name_and_enter_sends_the_rename() {
    let mut state = ready(20);
    assert!(update(&mut state, key('R')).is_empty());
    let Some(Dialog::Rename(form)) = &state.dialog else {
        panic!("expected the rename prompt, got {:?}", state.dialog);
    };
    assert_eq!(form.input.value(), "Annual report 0", "prefilled");
    assert!(state.typing(), "letters go into the field");
    let screen = render(&mut state, 80, 24);
    assert!(screen.contains("rename to: Annual report 0"), "{screen}");
    update(&mut state, code(KeyCode::Backspace));
    let effects = typed(&mut state, "(final)");
    assert!(effects.is_empty(), "nothing is sent while typing");
    let effects = update(&mut state, code(KeyCode::Enter));
    let (_, uid, name) = rename_req(&effects);
    assert_eq!(
        (uid.as_str(), name.as_str()),
        ("D0000000000", "Annual report (final)")
    );
    assert!(state.dialog.is_none());
    assert!(state.is_loading(), "the spinner turns until it ends");
}

#[test]
fn esc_cancels_the_rename_and_an_empty_or_unchanged_name_sends_nothing() {
    let mut state = ready(20);
    update(&mut state, key('R'));
    typed(&mut state, " typed");
    assert!(update(&mut state, code(KeyCode::Esc)).is_empty());
    assert!(state.dialog.is_none());
    assert_eq!(state.documents.items[0].title(), "Annual report 0");
    // Empty: the prompt stays and says why.
    update(&mut state, key('R'));
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    assert!(update(&mut state, code(KeyCode::Enter)).is_empty());
    let Some(Dialog::Rename(form)) = &state.dialog else {
        panic!("the prompt stays open");
    };
    assert!(
        form.problem
            .as_deref()
            .unwrap_or("")
            .contains("needs a name")
    );
    update(&mut state, code(KeyCode::Esc));
    // The same name: nothing to send.
    update(&mut state, key('R'));
    assert!(update(&mut state, code(KeyCode::Enter)).is_empty());
    assert!(state.dialog.is_none());
    assert!(
        toasts(&state).contains("nothing was sent"),
        "{}",
        toasts(&state)
    );
}

#[test]
fn the_rename_answer_updates_the_row_in_place_and_says_what_was_done() {
    let mut state = ready(20);
    // The details are open on it, with its sharing read.
    let effects = update(&mut state, code(KeyCode::Enter));
    answer_sharing(&mut state, &effects, sharing_view());
    update(&mut state, key('R'));
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    typed(&mut state, "Annual report (final)");
    let (req, uid, _) = rename_req(&update(&mut state, code(KeyCode::Enter)));
    // An answer to another request changes nothing.
    update(
        &mut state,
        Msg::Renamed {
            req: req + 100,
            uid: uid.clone(),
            result: Ok(Box::new(renamed_document("Someone else's"))),
        },
    );
    assert_eq!(state.documents.items[0].title(), "Annual report 0");
    let edited = renamed_document("Annual report (final)");
    let said = edited.describe("renamed");
    let effects = update(
        &mut state,
        Msg::Renamed {
            req,
            uid,
            result: Ok(Box::new(edited)),
        },
    );
    assert_eq!(state.documents.items[0].title(), "Annual report (final)");
    assert_eq!(state.documents.items[0].id, "D0000000000", "the same row");
    assert_eq!(state.documents.items[0].url.as_deref(), Some("NEWfile0001"));
    let (level, text) = last_toast(&state);
    assert_eq!(level, ToastLevel::Info);
    assert!(text.contains(&said), "{text}");
    assert!(text.contains("fresh copy"), "{text}");
    // The sharing read before the edit is read again, with the details.
    let (_, read_again) = sharing_req(&effects);
    assert_eq!(read_again, "D0000000000");
}

#[test]
fn a_failed_rename_is_an_error_toast_in_dhis2s_words_naming_what_the_server_keeps() {
    let mut state = ready(20);
    update(&mut state, key('R'));
    typed(&mut state, "!");
    let (req, uid, _) = rename_req(&update(&mut state, code(KeyCode::Enter)));
    let error = Error::Context {
        context: "the document was left as it was; the server keeps file resource \
                  NEWfile0001, linked to nothing"
            .into(),
        source: Box::new(forbidden("Access denied for user admin")),
    };
    update(
        &mut state,
        Msg::Renamed {
            req,
            uid,
            result: Err(error),
        },
    );
    let (level, text) = last_toast(&state);
    assert_eq!(level, ToastLevel::Error);
    for part in [
        "Could not rename “Annual report 0”",
        "Access denied for user admin",
        "E1006",
        "NEWfile0001, linked to nothing",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert_eq!(state.documents.items[0].title(), "Annual report 0");
    assert!(!state.is_loading());
}

#[test]
fn capital_p_asks_for_a_path_with_completion_and_the_checked_file_is_replaced_as_a_transfer() {
    let mut state = ready(20);
    assert!(update(&mut state, key('P')).is_empty());
    assert!(matches!(state.dialog, Some(Dialog::ReplaceFile(_))));
    typed(&mut state, "/data/repo");
    let effects = update(&mut state, code(KeyCode::Tab));
    assert!(
        effects.iter().any(|effect| matches!(
            effect,
            Effect::CompletePath { input, .. } if input == "/data/repo"
        )),
        "{effects:?}"
    );
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::End, KeyModifiers::NONE)),
    );
    typed(&mut state, "rt-v2.pdf");
    let effects = update(&mut state, code(KeyCode::Enter));
    let req = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::CheckUpload { req, path, .. }
                if path == &PathBuf::from("/data/report-v2.pdf") =>
            {
                Some(*req)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("the file is checked first: {effects:?}"));
    let effects = update(
        &mut state,
        Msg::UploadChecked {
            req,
            result: Ok(()),
        },
    );
    let (id, job) = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::StartTransfer { id, job } => Some((*id, job.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a transfer starts: {effects:?}"));
    assert_eq!(
        job,
        TransferJob::ReplaceFile {
            uid: "D0000000000".into(),
            path: PathBuf::from("/data/report-v2.pdf"),
        }
    );
    assert!(state.dialog.is_none());
    assert!(state.transfers.items[0].is_upload(), "a row with ↑");
    let mut edited = renamed_document("Annual report 0");
    edited.path = EditPath::NewFile;
    let said = edited.describe("replaced its file");
    update(
        &mut state,
        Msg::TransferFinished(id, Ok(TransferOutcome::Replaced(Box::new(edited)))),
    );
    assert!(matches!(
        state.transfers.items[0].state,
        TransferState::Done(_)
    ));
    assert_eq!(state.documents.items[0].url.as_deref(), Some("NEWfile0001"));
    assert!(toasts(&state).contains(&said), "{}", toasts(&state));
}

#[test]
fn a_replace_that_fails_names_the_file_left_linked_to_nothing_and_a_link_has_no_file() {
    let mut state = ready(20);
    update(&mut state, key('P'));
    typed(&mut state, "/data/v2.pdf");
    let effects = update(&mut state, code(KeyCode::Enter));
    let req = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::CheckUpload { req, .. } => Some(*req),
            _ => None,
        })
        .expect("checked");
    // A refused file keeps the prompt open with the reason.
    update(
        &mut state,
        Msg::UploadChecked {
            req,
            result: Err(Error::InvalidInput("/data/v2.pdf is empty".into())),
        },
    );
    let Some(Dialog::ReplaceFile(form)) = &state.dialog else {
        panic!("the prompt stays: {:?}", state.dialog);
    };
    assert_eq!(form.problem.as_deref(), Some("/data/v2.pdf is empty"));
    let effects = update(&mut state, code(KeyCode::Enter));
    let req = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::CheckUpload { req, .. } => Some(*req),
            _ => None,
        })
        .expect("checked again");
    let effects = update(
        &mut state,
        Msg::UploadChecked {
            req,
            result: Ok(()),
        },
    );
    let id = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::StartTransfer { id, .. } => Some(*id),
            _ => None,
        })
        .expect("started");
    let error = Error::Context {
        context: "the document was left as it was; the server keeps file resource \
                  NEWfile0001, linked to nothing"
            .into(),
        source: Box::new(Error::Cancelled),
    };
    update(&mut state, Msg::TransferFinished(id, Err(error)));
    let (level, text) = last_toast(&state);
    assert_eq!(level, ToastLevel::Error);
    assert!(
        text.contains("Could not replace the file of “Annual report 0”"),
        "{text}"
    );
    assert!(text.contains("NEWfile0001, linked to nothing"), "{text}");
    assert!(
        state.transfers.items[0].unlinked.is_none(),
        "r must not link it as a new document"
    );
    // In the transfers panel, r runs the replace again: the document was left as it was.
    update(&mut state, key('t'));
    let again: Vec<_> = update(&mut state, key('r'))
        .into_iter()
        .filter_map(|effect| match effect {
            Effect::StartTransfer { job, .. } => Some(job),
            _ => None,
        })
        .collect();
    assert_eq!(
        again,
        vec![TransferJob::ReplaceFile {
            uid: "D0000000000".into(),
            path: "/data/v2.pdf".into(),
        }]
    );
    update(&mut state, key('t'));
    // Row 2 is a link: one line says why, no prompt.
    update(&mut state, key('j'));
    update(&mut state, key('j'));
    assert!(update(&mut state, key('P')).is_empty());
    assert!(state.dialog.is_none());
    let (_, text) = last_toast(&state);
    assert!(text.contains("“DHIS2 home 2” is a link"), "{text}");
}

#[test]
fn the_details_read_the_sharing_once_and_show_it_in_words_until_an_edit() {
    let mut state = ready(20);
    let effects = update(&mut state, code(KeyCode::Enter));
    let (_, uid) = sharing_req(&effects);
    assert_eq!(uid, "D0000000000");
    answer_detail(&mut state, &effects);
    let screen = render(&mut state, 100, 30);
    assert!(screen.contains("reading sharing…"), "{screen}");
    answer_sharing(&mut state, &effects, sharing_view());
    let screen = render(&mut state, 160, 30);
    for part in [
        "everyone: can view",
        "Report viewers (group): can view and edit",
        "Guest Viewer (user): can view",
    ] {
        assert!(screen.contains(part), "{part}:\n{screen}");
    }
    // Away and back: no second read.
    update(&mut state, key('j'));
    let effects = tick(&mut state, 500);
    sharing_req(&effects);
    update(&mut state, key('k'));
    let effects = tick(&mut state, 1000);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::FetchSharing { .. })),
        "{effects:?}"
    );
    // Refreshing reads it again.
    update(&mut state, key('r'));
    assert!(
        state.sharing.get("D0000000000").is_none(),
        "refresh forgets it"
    );
}

#[test]
fn external_access_is_flagged_where_the_server_no_longer_honours_it() {
    for (version, flagged) in [("2.41.4", false), ("2.42.4", true)] {
        let mut state = ready_with(settings(), version, page(0..20, 1, 20));
        let effects = update(&mut state, code(KeyCode::Enter));
        answer_detail(&mut state, &effects);
        let mut view = sharing_view();
        view.external_access = Some(true);
        answer_sharing(&mut state, &effects, view);
        let screen = render(&mut state, 120, 30);
        assert!(screen.contains("external access"), "{version}:\n{screen}");
        assert_eq!(
            screen.contains("no longer honours"),
            flagged,
            "{version}:\n{screen}"
        );
    }
}

#[test]
fn s_opens_the_editor_on_the_documents_sharing_and_enter_applies_what_changed() {
    let mut state = ready(20);
    let effects = update(&mut state, key('S'));
    // Not read yet: the editor asks and waits; keys change nothing meanwhile.
    let (_, uid) = sharing_req(&effects);
    assert_eq!(uid, "D0000000000");
    assert_eq!(editor(&state).base, EditorBase::Waiting);
    assert!(update(&mut state, code(KeyCode::Enter)).is_empty());
    answer_sharing(&mut state, &effects, sharing_view());
    assert!(editor(&state).editable());
    assert_eq!(editor(&state).entries.len(), 2);
    // Everyone: view → edit; the group: edit → none… → view; the user taken out.
    update(&mut state, key('l'));
    update(&mut state, key('j'));
    update(&mut state, key('l'));
    update(&mut state, key('l'));
    update(&mut state, key('j'));
    update(&mut state, key('x'));
    let effects = update(&mut state, code(KeyCode::Enter));
    let applied: Vec<_> = effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::ApplySharing { uids, change, .. } => Some((uids.clone(), change.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        applied,
        vec![(
            vec!["D0000000000".to_string()],
            SharingChange {
                public_access: Some(EDIT_ACCESS.into()),
                external_access: None,
                user_groups: vec![Access {
                    id: VIEWERS.into(),
                    access: VIEW_ACCESS.into(),
                }],
                users: vec![Access {
                    id: GUEST_USER.into(),
                    access: NO_ACCESS.into(),
                }],
            }
        )]
    );
    assert!(state.dialog.is_none());
}

#[test]
fn external_access_is_a_row_of_the_editor_only_where_the_server_still_has_it() {
    let applied = |effects: &[Effect]| -> Vec<Option<bool>> {
        effects
            .iter()
            .filter_map(|effect| match effect {
                Effect::ApplySharing { change, .. } => Some(change.external_access),
                _ => None,
            })
            .collect()
    };
    // 2.40 reports the flag, so the row after "everyone" turns it on.
    let mut state = ready_with(settings(), "2.40.4", page(0..20, 1, 20));
    let effects = update(&mut state, key('S'));
    let mut view = sharing_view();
    view.external_access = Some(false);
    answer_sharing(&mut state, &effects, view);
    assert!(editor(&state).external_offered, "{:?}", editor(&state).base);
    let screen = render(&mut state, 120, 30);
    assert!(screen.contains("anyone with the link "), "{screen}");
    update(&mut state, key('j'));
    update(&mut state, key('l'));
    assert!(render(&mut state, 120, 30).contains("can view, signed in or not"));
    assert_eq!(
        applied(&update(&mut state, code(KeyCode::Enter))),
        vec![Some(true)]
    );
    // 2.43 has none: no row, and the entries start right after "everyone".
    let mut state = ready_with(settings(), "2.43.1", page(0..20, 1, 20));
    let effects = update(&mut state, key('S'));
    answer_sharing(&mut state, &effects, sharing_view());
    assert!(!render(&mut state, 120, 30).contains("anyone with the link"));
    update(&mut state, key('j'));
    update(&mut state, key('x'));
    assert_eq!(editor(&state).entries.len(), 1, "the group was taken out");
    // With marks the version decides, and "as each document has it" comes first.
    for (version, offered) in [("2.41.8", true), ("2.42.6", false)] {
        let mut state = ready_with(settings(), version, page(0..20, 1, 20));
        mark_rows(&mut state, 2);
        update(&mut state, key('S'));
        assert_eq!(editor(&state).external_offered, offered, "{version}");
        if offered {
            update(&mut state, key('j'));
            update(&mut state, key('l'));
            assert_eq!(editor(&state).external, Some(false), "{version}");
            assert!(
                editor(&state)
                    .change_in_words()
                    .contains("take away external access")
            );
        }
    }
}

#[test]
fn esc_cancels_the_editor_and_nothing_changed_sends_nothing() {
    let mut state = ready(20);
    let effects = update(&mut state, code(KeyCode::Enter));
    answer_sharing(&mut state, &effects, sharing_view());
    // Read already: the editor starts from it without asking again.
    let effects = update(&mut state, key('S'));
    assert!(effects.is_empty(), "{effects:?}");
    update(&mut state, key('l'));
    assert!(update(&mut state, code(KeyCode::Esc)).is_empty());
    assert!(state.dialog.is_none());
    update(&mut state, key('S'));
    assert!(update(&mut state, code(KeyCode::Enter)).is_empty());
    assert!(
        toasts(&state).contains("nothing was sent"),
        "{}",
        toasts(&state)
    );
}

#[test]
fn the_search_waits_for_typing_to_pause_and_a_stale_answer_is_dropped() {
    let mut state = ready(20);
    let effects = update(&mut state, key('S'));
    answer_sharing(&mut state, &effects, sharing_view());
    update(&mut state, key('a'));
    assert_eq!(editor(&state).focus, EditorFocus::Search);
    assert!(state.typing());
    tick(&mut state, 1000);
    typed(&mut state, "rep");
    assert!(tick(&mut state, 1100).is_empty(), "not yet: typing goes on");
    let (first, key_sent) = search_req(&tick(&mut state, 1300));
    assert_eq!(key_sent, "rep");
    typed(&mut state, "o");
    let (second, key_sent) = search_req(&tick(&mut state, 1600));
    assert_eq!(key_sent, "repo");
    // The answer to "rep" comes late: dropped.
    update(
        &mut state,
        Msg::SharingCandidates {
            req: first,
            result: Ok(candidates()),
        },
    );
    assert!(editor(&state).search.results.is_empty());
    update(
        &mut state,
        Msg::SharingCandidates {
            req: second,
            result: Ok(candidates()),
        },
    );
    assert_eq!(editor(&state).search.results.len(), 2);
    // Down to the user, Enter adds them with view access.
    update(&mut state, code(KeyCode::Down));
    update(&mut state, code(KeyCode::Enter));
    let editor = editor(&state);
    assert_eq!(editor.focus, EditorFocus::Rows);
    let added = editor.entries.last().expect("added");
    assert_eq!(
        (added.id.as_str(), added.access),
        ("xE7jOejl9FI", VIEW_ACCESS)
    );
    assert_eq!(editor.cursor, editor.entries.len());
}

#[test]
fn with_marks_the_editor_is_one_change_for_every_marked_document_after_one_confirmation() {
    let mut state = ready(20);
    mark_rows(&mut state, 3);
    let effects = update(&mut state, key('S'));
    assert!(effects.is_empty(), "no one sharing to read: {effects:?}");
    assert!(editor(&state).is_bulk());
    // Nothing in the change yet: Enter says so.
    assert!(update(&mut state, code(KeyCode::Enter)).is_empty());
    assert!(editor(&state).problem.is_some());
    update(&mut state, key('a'));
    typed(&mut state, "rep");
    let (req, _) = search_req(&tick(&mut state, 1000));
    update(
        &mut state,
        Msg::SharingCandidates {
            req,
            result: Ok(candidates()),
        },
    );
    update(&mut state, code(KeyCode::Enter));
    assert!(
        update(&mut state, code(KeyCode::Enter)).is_empty(),
        "asks first"
    );
    assert!(editor(&state).confirming);
    let screen = render(&mut state, 80, 24);
    assert!(
        screen.contains("Give group “Report viewers” view access on these 3"),
        "{screen}"
    );
    // No goes back to the editor as it was; Yes applies.
    update(&mut state, key('n'));
    assert!(!editor(&state).confirming);
    assert_eq!(editor(&state).entries.len(), 1);
    update(&mut state, code(KeyCode::Enter));
    let effects = update(&mut state, key('y'));
    let applied: Vec<_> = effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::ApplySharing { uids, change, .. } => Some((uids.clone(), change.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        applied,
        vec![(
            vec![uid('D', 0), uid('D', 1), uid('D', 2)],
            SharingChange {
                public_access: None,
                external_access: None,
                user_groups: vec![Access {
                    id: VIEWERS.into(),
                    access: VIEW_ACCESS.into(),
                }],
                users: Vec::new(),
            }
        )]
    );
    assert!(state.dialog.is_none());
}

#[test]
fn the_summary_of_a_change_to_many_counts_and_names_each_failure_in_dhis2s_words() {
    let mut state = ready(20);
    mark_rows(&mut state, 3);
    update(&mut state, key('S'));
    // Everyone may view each of them.
    update(&mut state, key('l'));
    update(&mut state, key('l'));
    update(&mut state, code(KeyCode::Enter));
    let effects = update(&mut state, key('y'));
    let req = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::ApplySharing { req, change, .. } => {
                assert_eq!(change.public_access.as_deref(), Some(VIEW_ACCESS));
                Some(*req)
            }
            _ => None,
        })
        .expect("applied");
    assert!(state.is_loading());
    update(
        &mut state,
        Msg::SharingApplied {
            req,
            outcomes: vec![
                (uid('D', 0), Ok(ShareOutcome::Changed(None))),
                (uid('D', 1), Ok(ShareOutcome::Unchanged)),
                (
                    uid('D', 2),
                    Err(forbidden("You do not have manage access to this object.")),
                ),
            ],
        },
    );
    let (level, text) = last_toast(&state);
    assert_eq!(level, ToastLevel::Error);
    for part in [
        "Sharing changed on 1 of 3 documents",
        "1 shared so already",
        "1 failed: “DHIS2 home 2”: You do not have manage access to this object.",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert!(!state.is_loading());
}

#[test]
fn errors_reading_searching_and_applying_sharing_are_said_in_dhis2s_words() {
    let mut state = ready(20);
    let effects = update(&mut state, code(KeyCode::Enter));
    answer_detail(&mut state, &effects);
    let (req, read) = sharing_req(&effects);
    update(
        &mut state,
        Msg::SharingLoaded {
            req,
            uid: read,
            result: Err(forbidden("You do not have manage access to this object.")),
        },
    );
    assert!(matches!(
        state.sharing.get("D0000000000"),
        Some(SharingRead::Failed(_))
    ));
    let screen = render(&mut state, 100, 30);
    assert!(
        screen.contains("could not be read: You do not have manage"),
        "{screen}"
    );
    // The editor asks again, and says it when that fails too.
    let effects = update(&mut state, key('S'));
    let (req, read) = sharing_req(&effects);
    update(
        &mut state,
        Msg::SharingLoaded {
            req,
            uid: read,
            result: Err(forbidden("Access denied")),
        },
    );
    assert!(
        matches!(editor(&state).base, EditorBase::Failed(ref e) if e.contains("Access denied"))
    );
    assert!(update(&mut state, key('a')).is_empty());
    assert_eq!(editor(&state).focus, EditorFocus::Rows, "nothing to edit");
    update(&mut state, code(KeyCode::Esc));
    // A search that fails says why in the editor.
    update(&mut state, key('j'));
    let effects = tick(&mut state, 500);
    answer_sharing(&mut state, &effects, sharing_view());
    let effects = update(&mut state, key('S'));
    assert!(effects.is_empty());
    update(&mut state, key('a'));
    typed(&mut state, "x");
    let (req, _) = search_req(&tick(&mut state, 2000));
    update(
        &mut state,
        Msg::SharingCandidates {
            req,
            result: Err(Error::Network(
                "the server stopped answering (timed out)".into(),
            )),
        },
    );
    assert!(
        editor(&state)
            .search
            .problem
            .as_deref()
            .unwrap_or("")
            .contains("stopped answering")
    );
    // One document's change refused: an error toast with DHIS2's words.
    update(&mut state, code(KeyCode::Esc));
    update(&mut state, key('l'));
    let effects = update(&mut state, code(KeyCode::Enter));
    let req = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::ApplySharing { req, .. } => Some(*req),
            _ => None,
        })
        .expect("applied");
    update(
        &mut state,
        Msg::SharingApplied {
            req,
            outcomes: vec![(
                uid('D', 1),
                Err(forbidden("You do not have manage access to this object.")),
            )],
        },
    );
    let (level, text) = last_toast(&state);
    assert_eq!(level, ToastLevel::Error);
    assert!(
        text.contains("Could not change the sharing of “Malaria SOP 1”: You do not have manage"),
        "{text}"
    );
    assert!(text.contains("E1006"), "{text}");
}

#[test]
fn one_documents_change_shows_what_the_server_kept_and_the_details_follow() {
    let mut state = ready(20);
    let effects = update(&mut state, code(KeyCode::Enter));
    answer_detail(&mut state, &effects);
    answer_sharing(&mut state, &effects, sharing_view());
    update(&mut state, key('S'));
    update(&mut state, key('h'));
    let effects = update(&mut state, code(KeyCode::Enter));
    let req = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::ApplySharing { req, .. } => Some(*req),
            _ => None,
        })
        .expect("applied");
    let mut kept = sharing_view();
    kept.public_access = NO_ACCESS.into();
    update(
        &mut state,
        Msg::SharingApplied {
            req,
            outcomes: vec![(uid('D', 0), Ok(ShareOutcome::Changed(Some(Box::new(kept)))))],
        },
    );
    let (_, text) = last_toast(&state);
    assert!(
        text.starts_with("Shared “Annual report 0”: everyone: none"),
        "{text}"
    );
    let screen = render(&mut state, 100, 30);
    assert!(screen.contains("sharing  everyone: none"), "{screen}");
}
