//! What the operator sees: whole-screen snapshots at 80×24 and 60×20, driven through `update`.
mod tui_support;

use d2files::api::{Domain, Error, FileResource, Phase, Progress, StorageStatus};
use d2files::app::msg::{Detail, Msg};
use d2files::app::{State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use tui_support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (60, 20)];

/// Snapshots a state, built fresh for each size, at both sizes.
fn snap(name: &str, build: impl Fn() -> State) {
    for (width, height) in SIZES {
        let mut state = build();
        let screen = render(&mut state, width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen);
    }
}

fn stored(id: &str, name: &str) -> FileResource {
    FileResource {
        id: id.into(),
        name: Some(name.into()),
        content_type: Some("application/pdf".into()),
        content_length: Some(2_143_000),
        content_md5: Some("5eb63bbbe01eeed093cb22bb8f5acdc3".into()),
        domain: Some(Domain::Document),
        storage_status: Some(StorageStatus::Stored),
        ..FileResource::default()
    }
}

#[test]
fn list() {
    snap("list", || {
        let mut state = ready(583);
        update(&mut state, key('j'));
        state
    });
}

#[test]
fn empty() {
    snap("empty", || ready(0));
}

#[test]
fn loading() {
    snap("connecting", || State::new(settings()));
    snap("loading", || {
        let mut state = State::new(settings());
        connect(&mut state, "2.41.4");
        state
    });
}

#[test]
fn start_up_failure() {
    snap("auth_failure", || {
        let mut state = State::new(settings());
        update(
            &mut state,
            Msg::Connected(Err(Error::Authentication(
                "the server refused the credentials (HTTP 401)".into(),
            ))),
        );
        state
    });
}

#[test]
fn error_toast() {
    snap("error_toast", || {
        let mut state = ready(583);
        state.toast_error(
            "Could not delete “Annual report 0”: Access denied for user admin (E1006, HTTP 403)",
        );
        state
    });
}

#[test]
fn details() {
    snap("details", || {
        let mut state = ready(583);
        let effects = update(&mut state, code(KeyCode::Enter));
        let req = effects
            .iter()
            .find_map(|e| match e {
                d2files::app::Effect::FetchDetail { req, .. } => Some(*req),
                _ => None,
            })
            .expect("details requested");
        let document = document(0);
        let resource = stored(&uid('F', 0), "annual-report-2025.pdf");
        update(
            &mut state,
            Msg::DetailLoaded {
                req,
                result: Ok(Box::new(Detail {
                    document,
                    resource: Some(Ok(resource)),
                })),
            },
        );
        state
    });
}

#[test]
fn filter_prompt_with_dhis2_error() {
    snap("filter_error", || {
        let mut state = ready(583);
        update(&mut state, key('/'));
        typed(&mut state, "name:in:x");
        state
    });
}

#[test]
fn dialogs() {
    snap("delete_confirm", || {
        let mut state = ready(583);
        update(&mut state, key('D'));
        state
    });
    snap("add_link", || {
        let mut state = ready(583);
        update(&mut state, key('a'));
        typed(&mut state, "DHIS2 docs");
        update(&mut state, code(KeyCode::Tab));
        typed(&mut state, "https://docs.dhis2.org/en/a.");
        state
    });
    snap("upload", || {
        let mut state = ready(583);
        update(&mut state, key('u'));
        typed(&mut state, "/data/budget-2025.xlsx");
        state
    });
    snap("download", || {
        let mut state = ready(583);
        // The prompt suggests the server's file name once the file resource is read.
        let effects = update(&mut state, key('d'));
        answer_resource_read(&mut state, &effects, |uid| {
            stored(uid, "annual-report-2025.pdf")
        });
        state
    });
}

#[test]
fn transfers() {
    let build = || {
        let mut state = ready(583);
        tick(&mut state, 1_000);
        update(&mut state, key('d'));
        update(&mut state, code(KeyCode::Enter));
        update(&mut state, key('u'));
        typed(&mut state, "/data/budget.xlsx");
        submit_upload(&mut state);
        update(&mut state, Msg::TransferStarted(1));
        update(&mut state, Msg::TransferStarted(2));
        for (at, done) in [(1_000, 0), (2_000, 4_100_000), (3_000, 8_200_000)] {
            tick(&mut state, at);
            let progress = Progress {
                phase: Phase::Downloading,
                done,
                total: Some(13_200_000),
            };
            update(&mut state, Msg::TransferProgress(1, progress));
        }
        let waiting = Progress {
            phase: Phase::WaitingForStorage,
            done: 0,
            total: None,
        };
        update(&mut state, Msg::TransferProgress(2, waiting));
        state
    };
    snap("transfer_summary", build);
    snap("transfers_panel", || {
        let mut state = build();
        update(&mut state, key('t'));
        state
    });
}

#[test]
fn help() {
    snap("help", || {
        let mut state = ready(583);
        update(&mut state, key('?'));
        state
    });
}

#[test]
fn resources_pane() {
    snap("resources_known", || {
        let mut state = ready_with(settings(), "2.40.3", page(0..6, 1, 6));
        update(&mut state, key('2'));
        state
    });
}

#[test]
fn no_color_means_no_colours() {
    let colours = |color: bool| {
        let mut settings = settings();
        settings.color = color;
        let mut state = ready_with(settings, "2.41.4", page(0..20, 1, 20));
        update(&mut state, Msg::Resize(80, 24));
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test terminal");
        terminal
            .draw(|frame| d2files::ui::draw(frame, &state))
            .expect("draw");
        terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .filter(|cell| {
                cell.fg != ratatui::style::Color::Reset || cell.bg != ratatui::style::Color::Reset
            })
            .count()
    };
    assert_eq!(colours(false), 0);
    assert!(colours(true) > 0);
}

#[test]
fn resizing_redraws_for_the_new_size() {
    let mut state = ready(583);
    let wide = render(&mut state, 80, 24);
    let narrow = render(&mut state, 60, 20);
    assert!(wide.contains("type / URL"));
    assert!(
        !narrow.contains("type / URL"),
        "the narrow layout drops the type column"
    );
    assert!(narrow.contains("50 of 583"));
}

#[test]
fn tiny_terminals_do_not_break_the_screen() {
    let screens: [fn() -> State; 10] = [
        conflict_asked,
        copy_profiles_listed,
        || delete_confirmation(3),
        || delete_confirmation(12),
        batch_running,
        || ready(583),
        || {
            let mut state = ready(583);
            update(&mut state, key('?'));
            state
        },
        || {
            let mut state = ready(583);
            update(&mut state, key('u'));
            state.toast_error("a long error ".repeat(20));
            state
        },
        || {
            let mut state = ready(583);
            update(&mut state, code(KeyCode::Enter));
            update(&mut state, key('t'));
            state
        },
        || {
            let mut state = State::new(settings());
            update(
                &mut state,
                Msg::Connected(Err(Error::Network("could not connect".into()))),
            );
            state
        },
    ];
    for build in screens {
        for (width, height) in [(1, 1), (12, 4), (20, 6), (40, 10), (200, 60)] {
            let mut state = build();
            render(&mut state, width, height);
        }
    }
}

#[test]
fn help_and_hints_follow_a_remapped_keymap() {
    let mut settings = settings();
    settings.keymap = d2files::app::Keymap::with_overrides(
        "[list]\ndelete = [\"x\"]\nhelp = [\"F1\"]\n",
        std::path::Path::new("/c/keymap.toml"),
    )
    .expect("valid overrides")
    .0;
    let mut state = ready_with(settings, "2.41.4", page(0..5, 1, 5));
    // Wide enough for the hints up to delete's (the footer drops the ones that do not fit).
    let screen = render(&mut state, 120, 24);
    assert!(screen.contains("x delete"), "{screen}");
    assert!(screen.contains("F1 help"), "{screen}");
    update(&mut state, code(KeyCode::F(1)));
    let help = render(&mut state, 100, 40);
    assert!(
        help.contains("x               delete (with marks: the marked ones)"),
        "{help}"
    );
}

#[test]
fn the_cursor_stays_mid_screen_while_scrolling() {
    let mut state = ready(583);
    for _ in 0..30 {
        update(&mut state, key('j'));
    }
    let screen = render(&mut state, 80, 24);
    let rows: Vec<&str> = screen.lines().collect();
    let cursor_row = rows
        .iter()
        .position(|row| row.contains('▶'))
        .expect("a selected row");
    assert!(rows[cursor_row].contains("Annual report 30"), "{screen}");
    // 18 rows show; the cursor sits in the middle, not pinned to an edge.
    assert!(
        (10..=16).contains(&cursor_row),
        "cursor on screen row {cursor_row}"
    );
    update(&mut state, key('k'));
    let screen = render(&mut state, 80, 24);
    let selected = screen.lines().find(|row| row.contains('▶')).unwrap_or("");
    assert!(selected.contains("DHIS2 home 29"), "{screen}");
}

#[test]
fn hostile_names_cannot_rewrite_the_screen() {
    let mut first = page(0..3, 1, 3);
    first.items[0].name = Some("invoice\u{202E}fdp.exe".into());
    first.items[1].name = Some("\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}boom".into());
    let mut state = ready_with(settings(), "2.41.4", first);
    let screen = render(&mut state, 80, 24);
    assert!(!screen.contains('\u{202E}'), "{screen}");
    assert!(!screen.contains('\u{1b}'), "{screen}");
    assert!(!screen.contains('\u{7}'), "{screen}");
    // Shown in its real order, so the .exe is plain to see.
    assert!(screen.contains("invoicefdp.exe"), "{screen}");
    assert!(screen.contains("boom"), "{screen}");
}

/// The 2.41+ file resources pane: rows from the server's list (status NONE), each then read
/// on its own; one of them is PENDING, and the domains are shown whole.
fn resources_from_the_server() -> State {
    let mut state = ready(5);
    let effects = update(&mut state, key('2'));
    let listed = [
        (
            "Fa000000001",
            "district-report-2025-with-a-long-name.pdf",
            Domain::Document,
        ),
        ("Fa000000002", "avatar.png", Domain::UserAvatar),
        (
            "Fa000000003",
            "inbox-attachment.xlsx",
            Domain::MessageAttachment,
        ),
    ]
    .map(|(id, name, domain)| FileResource {
        domain: Some(domain),
        storage_status: Some(StorageStatus::None),
        ..stored(id, name)
    });
    let mut effects = answer_resources(&mut state, &effects, resources_page(listed.to_vec()));
    // Answer the reads one at a time, as they come; the second is still PENDING.
    while !effects.is_empty() {
        effects = answer_resource_read(&mut state, &effects, |uid| {
            let mut read = listed
                .iter()
                .find(|r| r.id == uid)
                .expect("a listed row")
                .clone();
            read.storage_status = Some(if uid == "Fa000000002" {
                StorageStatus::Pending
            } else {
                StorageStatus::Stored
            });
            read
        });
    }
    state
}

#[test]
fn resources_pane_from_the_server() {
    snap("resources_server", resources_from_the_server);
}

/// The screen's line with the cursor's row.
fn selected_row(screen: &str) -> &str {
    screen
        .lines()
        .find(|l| l.contains('▶'))
        .expect("the selected row")
}

#[test]
fn narrow_screens_give_the_name_the_room_and_cut_it_with_an_ellipsis() {
    let mut first = page(0..5, 1, 5);
    first.items[0].name = Some("Immunization coverage report 2025 – Northern".into());
    let mut state = ready_with(settings(), "2.41.4", first);
    let screen = render(&mut state, 30, 12);
    let row = selected_row(&screen);
    assert!(
        row.contains("Immunization cove") && row.contains('…'),
        "{screen}"
    );
    assert!(!screen.contains("2025-03"), "the date gave way:\n{screen}");
    let mut state = resources_from_the_server();
    let screen = render(&mut state, 30, 12);
    let row = selected_row(&screen);
    assert!(
        row.contains("district-rep") && row.contains('…'),
        "{screen}"
    );
    assert!(screen.contains("PENDING"), "the status stays:\n{screen}");
    // Wide enough, every domain is whole.
    let screen = render(&mut state, 100, 20);
    assert!(
        screen.contains("USER_AVATAR") && screen.contains("MESSAGE_ATTACHMENT"),
        "{screen}"
    );
}

/// Whether every word of `text` is on the screen (wrapping may break a word across rows).
fn shows_every_word(screen: &str, text: &str) -> bool {
    let flat: String = screen
        .lines()
        .map(|line| {
            line.trim_matches('"')
                .trim_matches(|c| c == '│' || c == ' ')
        })
        .collect();
    text.split_whitespace().all(|word| flat.contains(word))
}

#[test]
fn long_messages_are_readable_in_full() {
    // A transfer error longer than its row: the panel shows it whole under the list.
    let mut state = ready(5);
    let label = "report_2025_district_health_information_quarterly_final_v3.pdf";
    let why = "the server stopped answering after 12.0 MiB of 20.0 MiB; nothing was saved, \
               the part file was removed and the download can be started again with r";
    let id = state.transfers.add(
        label.into(),
        d2files::app::TransferJob::DownloadDocument {
            uid: uid('D', 0),
            path: "/home/op/Downloads/x.pdf".into(),
            overwrite: false,
        },
    );
    update(
        &mut state,
        Msg::TransferFinished(id, Err(Error::Network(why.into()))),
    );
    update(&mut state, code(KeyCode::Esc));
    update(&mut state, key('t'));
    while state.transfers.cursor + 1 < state.transfers.items.len() {
        update(&mut state, key('j'));
    }
    let screen = render(&mut state, 80, 30);
    assert!(shows_every_word(&screen, why), "{screen}");
    assert!(
        shows_every_word(&screen, label),
        "the whole label:\n{screen}"
    );
    // A long error toast wraps to its end.
    let mut state = ready(5);
    let error =
        "DHIS2 refused the upload: ".to_string() + &"the file is larger than the limit ".repeat(8);
    state.toast_error(error.clone());
    let screen = render(&mut state, 100, 30);
    assert!(shows_every_word(&screen, &error), "{screen}");
}

#[test]
fn marked_rows() {
    snap("marked", || {
        let mut state = ready(583);
        mark_rows(&mut state, 3);
        state
    });
}

/// Three documents marked and a bulk download planned with two names that exist.
fn conflict_asked() -> State {
    let mut state = ready(583);
    mark_rows(&mut state, 3);
    update(&mut state, key('d'));
    let effects = update(&mut state, code(KeyCode::Enter));
    let dir = "/home/op/Downloads";
    let plan = plan_of(
        vec![
            download_step(0, dir, d2files::ops::Existing::Ask),
            download_step(1, dir, d2files::ops::Existing::Ask),
            download_step(2, dir, d2files::ops::Existing::Absent),
        ],
        &[],
    );
    answer_plan(&mut state, &effects, plan);
    state
}

#[test]
fn bulk_download_conflict() {
    snap("batch_conflict", conflict_asked);
}

/// `count` documents marked and their delete planned: document 1 is on two dashboards.
fn delete_confirmation(count: usize) -> State {
    let mut state = ready(583);
    mark_rows(&mut state, count);
    let effects = update(&mut state, key('D'));
    let steps = (0..count)
        .map(|n| delete_step(n, if n == 1 { &["Malaria", "HIV"] } else { &[] }))
        .collect();
    let version = d2files::api::ServerVersion::parse("2.41.4");
    let note = d2files::ops::file_bytes_after_delete(version.as_ref());
    answer_plan(&mut state, &effects, plan_of(steps, &[note]));
    state
}

#[test]
fn bulk_delete_confirmation() {
    snap("batch_delete", || delete_confirmation(3));
    snap("batch_delete_typed", || {
        let mut state = delete_confirmation(12);
        typed(&mut state, "1");
        state
    });
}

/// A download batch of three: one saved, one halfway, one queued.
fn batch_running() -> State {
    let mut state = conflict_asked();
    let effects = update(&mut state, key('R'));
    let (batch, _) = applied(&effects);
    tick(&mut state, 1_000);
    let send = |state: &mut State, event| update(state, Msg::BatchEvent { batch, event });
    send(&mut state, d2files::ops::Event::Started { step: 0 });
    send(&mut state, d2files::ops::Event::Started { step: 1 });
    for (at, done) in [(1_000, 0), (2_000, 512 << 10)] {
        tick(&mut state, at);
        let progress = Progress {
            phase: Phase::Downloading,
            done,
            total: Some(1 << 20),
        };
        send(
            &mut state,
            d2files::ops::Event::Progress { step: 1, progress },
        );
    }
    let outcome = d2files::ops::Outcome::Downloaded(d2files::api::Downloaded {
        path: "/home/op/Downloads/report-0.pdf".into(),
        bytes: 1 << 20,
        md5: None,
        content_type: None,
        verification: d2files::api::Verification::Matched,
    });
    send(
        &mut state,
        d2files::ops::Event::Finished { step: 0, outcome },
    );
    state
}

#[test]
fn batch_queue() {
    snap("batch_footer", batch_running);
    snap("batch_rows", || {
        let mut state = batch_running();
        update(&mut state, key('t'));
        state
    });
}

/// Three documents marked and `C`: the other profiles to copy them to, one of them hidden by
/// a project profile and one with a mistake in its file.
fn copy_profiles_listed() -> State {
    let mut state = ready(583);
    mark_rows(&mut state, 3);
    let effects = update(&mut state, key('C'));
    let mut staging = profile("staging", "https://staging.dhis2.example/dhis");
    staging.is_default = true;
    let mut shadowed = profile("prod", "https://old-prod.dhis2.example");
    shadowed.shadowed = true;
    let mut project = profile("prod", "https://prod.dhis2.example");
    project.file = "/srv/reports/.dhis2/profiles.toml".into();
    let mut broken = profile("training", "https://training.dhis2.example");
    broken.problem = Some(
        "/home/op/.config/dhis2/profiles.toml:14:1: profile 'training': auth = \"pat\" needs \
         token or token_file"
            .into(),
    );
    answer_profiles(
        &mut state,
        &effects,
        vec![
            project,
            profile("play", "https://play.dhis2.example"),
            staging,
            shadowed,
            broken,
        ],
    );
    state
}

#[test]
fn copy_profile_list() {
    snap("copy_profiles", copy_profiles_listed);
    // On one that cannot be chosen: its reason in full under the list.
    snap("copy_profiles_unusable", || {
        let mut state = copy_profiles_listed();
        for _ in 0..3 {
            update(&mut state, key('j'));
        }
        state
    });
}

#[test]
fn hostile_profile_names_and_urls_cannot_rewrite_the_screen() {
    let mut state = ready(10);
    let effects = update(&mut state, key('C'));
    let evil = "prod\u{1b}]0;pwned\u{7}\u{1b}[2J\r\u{202e}exe.fdp";
    let mut broken = profile(evil, "https://x.example/\u{1b}[2J");
    broken.problem = Some(format!("{evil}: a line of the file"));
    answer_profiles(
        &mut state,
        &effects,
        vec![
            profile(evil, "https://evil.example/\u{1b}]52;c;ZXZpbA==\u{7}"),
            broken,
        ],
    );
    for down in [false, true] {
        if down {
            update(&mut state, key('j'));
        }
        let screen = render(&mut state, 80, 24);
        for c in ['\u{1b}', '\u{7}', '\r', '\u{202e}'] {
            assert!(!screen.contains(c), "{c:?} on screen:\n{screen}");
        }
        assert!(screen.contains("pwned"), "{screen}");
    }
}

/// 583 documents, the first ten checked with `check_report()`: its summary on screen.
fn checked_list() -> State {
    let mut state = ready(583);
    let effects = update(&mut state, key('c'));
    answer_check(&mut state, &effects, check_report());
    state
}

/// The details of the selected row, read (document 0 with its PENDING file resource).
fn with_details(state: &mut State) {
    let effects = update(state, code(KeyCode::Enter));
    let req = effects
        .iter()
        .find_map(|e| match e {
            d2files::app::Effect::FetchDetail { req, .. } => Some(*req),
            _ => None,
        })
        .expect("details requested");
    let resource = FileResource {
        storage_status: Some(StorageStatus::Pending),
        ..stored(&uid('F', 0), "annual-report-2025.pdf")
    };
    update(
        state,
        Msg::DetailLoaded {
            req,
            result: Ok(Box::new(Detail {
                document: document(0),
                resource: Some(Ok(resource)),
            })),
        },
    );
}

/// The file resources pane after the check: a fine file, the orphan, and one the check did
/// not list; every row read.
fn checked_resources() -> State {
    let mut state = checked_list();
    state.toasts.clear();
    let effects = update(&mut state, key('2'));
    let listed = [
        (uid('F', 1), "malaria-sop.pdf"),
        (ORPHAN.to_string(), "old-orphan.pdf"),
        ("Fa000000003".to_string(), "inbox-attachment.xlsx"),
    ]
    .map(|(id, name)| FileResource {
        storage_status: Some(StorageStatus::None),
        ..stored(&id, name)
    });
    let mut effects = answer_resources(&mut state, &effects, resources_page(listed.to_vec()));
    while !effects.is_empty() {
        effects = answer_resource_read(&mut state, &effects, |uid| {
            let mut read = listed
                .iter()
                .find(|r| r.id == uid)
                .expect("a listed row")
                .clone();
            read.storage_status = Some(StorageStatus::Stored);
            read
        });
    }
    state
}

#[test]
fn check_results() {
    snap("check_running", || {
        let mut state = ready(583);
        let effects = update(&mut state, key('c'));
        let (req, _) = check_req(&effects);
        let progress = d2files::ops::check::CheckProgress {
            done: 120,
            total: 500,
        };
        update(&mut state, Msg::CheckProgress { req, progress });
        state
    });
    snap("check_summary", checked_list);
    snap("check_marks", || {
        let mut state = checked_list();
        state.toasts.clear();
        update(&mut state, key('j'));
        state
    });
    snap("check_details", || {
        let mut state = checked_list();
        state.toasts.clear();
        with_details(&mut state);
        state
    });
    snap("check_problems_only", || {
        let mut state = checked_list();
        state.toasts.clear();
        let effects = update(&mut state, key('!'));
        answer_by_id(&mut state, &effects);
        state
    });
    snap("check_orphans", || {
        let mut state = checked_resources();
        update(&mut state, key('j'));
        let mut effects = update(&mut state, code(KeyCode::Enter));
        while !effects.is_empty() {
            effects = answer_resource_read(&mut state, &effects, |uid| stored(uid, "read"));
        }
        state
    });
}

/// The details of document 0 on a server of `version`, its file read and its sharing answered
/// with `view`.
fn details_with_sharing(version: &str, view: d2files::api::SharingView) -> State {
    let mut state = ready_with(settings(), version, page(0..50, 1, 583));
    let effects = update(&mut state, code(KeyCode::Enter));
    let req = effects
        .iter()
        .find_map(|e| match e {
            d2files::app::Effect::FetchDetail { req, .. } => Some(*req),
            _ => None,
        })
        .expect("details requested");
    update(
        &mut state,
        Msg::DetailLoaded {
            req,
            result: Ok(Box::new(Detail {
                document: document(0),
                resource: Some(Ok(stored(&uid('F', 0), "annual-report-2025.pdf"))),
            })),
        },
    );
    answer_sharing(&mut state, &effects, view);
    state
}

/// The sharing editor on document 0, its search for "rep" answered.
fn sharing_editor_searching() -> State {
    let mut state = ready(583);
    let effects = update(&mut state, key('S'));
    answer_sharing(&mut state, &effects, sharing_view());
    update(&mut state, key('j'));
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
    state
}

#[test]
fn editing() {
    snap("rename_prompt", || {
        let mut state = ready(583);
        update(&mut state, key('R'));
        update(&mut state, code(KeyCode::Backspace));
        typed(&mut state, "(final)");
        state
    });
    snap("replace_prompt", || {
        let mut state = ready(583);
        update(&mut state, key('P'));
        typed(&mut state, "/data/annual-report-v2.pdf");
        state
    });
    snap("details_sharing", || {
        let mut view = sharing_view();
        // 2.42.4 still reports the flag but nothing honours it (§9.6).
        view.external_access = Some(true);
        details_with_sharing("2.42.4", view)
    });
    snap("sharing_editor", sharing_editor_searching);
    snap("sharing_editor_marks", || {
        let mut state = ready(583);
        mark_rows(&mut state, 3);
        update(&mut state, key('S'));
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
        // The group added, with view access.
        update(&mut state, code(KeyCode::Enter));
        state
    });
    snap("sharing_confirm", || {
        let mut state = ready(583);
        mark_rows(&mut state, 3);
        update(&mut state, key('S'));
        // Everyone may view them: the one question before the change goes to the three.
        update(&mut state, key('l'));
        update(&mut state, key('l'));
        update(&mut state, code(KeyCode::Enter));
        state
    });
}

/// The preview pane below the list (80×24) and beside it (120×40).
const PREVIEW_SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// The first row (a file document) previewed: `p`, then the runner's answer with what the
/// real decoder makes of `bytes`.
fn previewing(content_type: &str, name: &str, bytes: &[u8]) -> State {
    let preview = d2files::preview::decode(
        bytes,
        content_type,
        name,
        false,
        &d2files::preview::Limits::default(),
    );
    let resource = FileResource {
        content_type: Some(content_type.into()),
        content_length: Some(bytes.len() as u64),
        ..stored(&uid('F', 0), name)
    };
    preview_answered(Ok(Box::new(d2files::app::msg::PreviewRead {
        resource,
        preview,
    })))
}

fn preview_answered(result: Result<Box<d2files::app::msg::PreviewRead>, Error>) -> State {
    let mut state = ready(583);
    let effects = update(&mut state, key('p'));
    let (req, uid) = effects
        .iter()
        .find_map(|e| match e {
            d2files::app::Effect::FetchPreview { req, uid, .. } => Some((*req, uid.clone())),
            _ => None,
        })
        .expect("the preview is read at once");
    update(&mut state, Msg::PreviewLoaded { req, uid, result });
    state
}

fn preview_snap(name: &str, build: impl Fn() -> State) {
    for (width, height) in PREVIEW_SIZES {
        let mut state = build();
        let screen = render(&mut state, width, height);
        insta::assert_snapshot!(format!("preview_{name}_{width}x{height}"), screen);
    }
}

#[test]
fn preview_of_text_csv_and_json() {
    preview_snap("text", || {
        previewing(
            "text/plain",
            "guide.txt",
            include_bytes!("../assets/demo/readme.txt"),
        )
    });
    preview_snap("csv", || {
        previewing(
            "text/csv",
            "cases.csv",
            include_bytes!("../assets/demo/malaria_cases.csv"),
        )
    });
    preview_snap("json", || {
        previewing(
            "application/json",
            "epi.json",
            include_bytes!("../assets/demo/epi_coverage.json"),
        )
    });
}

#[test]
fn preview_of_a_pdf_and_a_docx() {
    preview_snap("pdf", || {
        previewing(
            "application/pdf",
            "report.pdf",
            include_bytes!("../assets/demo/report.pdf"),
        )
    });
    preview_snap("docx", || {
        previewing(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "sop.docx",
            include_bytes!("../assets/demo/sop.docx"),
        )
    });
}

#[test]
fn preview_of_an_unsupported_type_and_an_error() {
    preview_snap("unsupported", || {
        previewing(
            "application/zip",
            "survey.zip",
            include_bytes!("../assets/demo/smart_survey.zip"),
        )
    });
    preview_snap("error", || {
        preview_answered(Err(Error::InvalidInput(
            "file resource F0000000000 is still PENDING: the server does not have its bytes (yet)"
                .into(),
        )))
    });
}

#[test]
fn preview_of_an_image_in_half_blocks() {
    preview_snap("image", || {
        previewing(
            "image/png",
            "logo.png",
            include_bytes!("../assets/demo/moh_logo.png"),
        )
    });
}

#[test]
fn preview_of_a_link_is_its_url_and_host() {
    preview_snap("link", || {
        let mut state = ready(583);
        update(&mut state, key('p'));
        // Row 2 is a link: nothing is read.
        update(&mut state, key('j'));
        let effects = update(&mut state, key('j'));
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, d2files::app::Effect::FetchPreview { .. })),
            "{effects:?}"
        );
        state
    });
}
