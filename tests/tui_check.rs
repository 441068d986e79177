//! The integrity check in the TUI through `update`: `c` → one check in the runner over the
//! list's filter → progress in the footer while the list stays usable → the report as marks on
//! the rows, a toast that stays, and the "problems only" view (`!`); stopping it (Esc, `X`, a
//! new filter) and late answers dropped. The runner's answers are made here.
mod tui_support;

use std::time::Duration;

use d2files::api::{Domain, Error, FileResource, StorageStatus};
use d2files::app::check::Marker;
use d2files::app::msg::Msg;
use d2files::app::state::{Pane, ToastLevel};
use d2files::app::{Effect, State, update};
use d2files::ops::check::{CheckProgress, ItemKind, Report};
use ratatui::crossterm::event::KeyCode;
use tui_support::*;

/// Ten documents, checked with `check_report()`: the state and the check's effects.
fn checked() -> State {
    let mut state = ready(10);
    let effects = update(&mut state, key('c'));
    answer_check(&mut state, &effects, check_report());
    state
}

fn marker(state: &State, uid: &str) -> Option<Marker> {
    state.check.document(uid).and_then(|c| c.marker())
}

fn last_toast(state: &State) -> &str {
    &state.toasts.last().expect("a toast").text
}

fn ids(state: &State) -> Vec<String> {
    state.documents.items.iter().map(|d| d.id.clone()).collect()
}

#[test]
fn c_checks_what_the_lists_filter_picks_and_a_second_c_starts_no_second_check() {
    let mut state = ready(10);
    let effects = update(&mut state, key('c'));
    let (_, query) = check_req(&effects);
    assert!(query.filters.is_empty(), "no filter: every document");

    // With a filter, the check gets the very filters the list asked the server with.
    let mut state = ready(10);
    update(&mut state, key('/'));
    typed(&mut state, "malaria");
    let effects = update(&mut state, code(KeyCode::Enter));
    let (_, listed) = documents_req(&effects);
    answer_documents(&mut state, &effects, page(0..5, 1, 5));
    let effects = update(&mut state, key('c'));
    let (_, query) = check_req(&effects);
    assert!(!listed.filters.is_empty());
    assert_eq!(query.filters, listed.filters);

    let effects = update(&mut state, key('c'));
    assert!(!starts_check(&effects), "one check at a time: {effects:?}");
    assert!(
        last_toast(&state).starts_with("A check is running already"),
        "{}",
        last_toast(&state)
    );
    assert!(last_toast(&state).contains("Esc stops it"));
}

#[test]
fn while_it_runs_the_footer_counts_and_the_list_stays_usable() {
    let mut state = ready(10);
    let effects = update(&mut state, key('c'));
    let (req, _) = check_req(&effects);
    assert!(
        render(&mut state, 80, 24).contains("checking: reading the lists"),
        "before the reads are counted"
    );
    let progress = CheckProgress { done: 3, total: 7 };
    update(&mut state, Msg::CheckProgress { req, progress });
    let screen = render(&mut state, 80, 24);
    assert!(screen.contains("checking 3/7"), "{screen}");
    assert!(screen.contains("Esc stop check"), "{screen}");
    assert!(state.wants_ticks(), "the spinner turns");
    // Moving, details, sorting: all still answer while it runs.
    update(&mut state, key('j'));
    assert_eq!(state.documents.cursor, 1);
    let effects = update(&mut state, key('s'));
    documents_req(&effects);
    assert!(state.check.running.is_some(), "a new sort keeps the check");
    // A progress of another check is not this one's.
    update(
        &mut state,
        Msg::CheckProgress {
            req: req + 100,
            progress: CheckProgress { done: 6, total: 7 },
        },
    );
    assert!(render(&mut state, 80, 24).contains("checking 3/7"));
}

#[test]
fn the_report_marks_the_rows_and_a_toast_that_stays_sums_it_up() {
    let mut state = checked();
    assert!(state.check.running.is_none());
    assert_eq!(marker(&state, &uid('D', 0)), Some(Marker::Problem));
    assert_eq!(marker(&state, &uid('D', 3)), Some(Marker::Problem));
    assert_eq!(marker(&state, &uid('D', 4)), Some(Marker::Note));
    assert_eq!(marker(&state, &uid('D', 6)), None, "a dashboard is no mark");
    assert_eq!(marker(&state, &uid('D', 1)), None);
    assert_eq!(
        state.check.resource(ORPHAN).and_then(|c| c.marker()),
        Some(Marker::Problem)
    );
    let toast = state.toasts.last().expect("the summary");
    assert_eq!(toast.level, ToastLevel::Info);
    assert_eq!(
        toast.text,
        "check: 2 problems in 10 documents; 1 orphan file resource; 1 still storing (! shows \
         only them). Note: the dashboards could not be read: HTTP 500"
    );
    // It ran in the background: its summary waits for the user to read it.
    tick(&mut state, 60_000);
    assert_eq!(state.toasts.len(), 1, "the summary stays until dismissed");
    update(&mut state, code(KeyCode::Esc));
    assert!(state.toasts.is_empty());
    // The footer offers the problems view.
    assert!(render(&mut state, 80, 24).contains("! problems"));
}

#[test]
fn a_check_that_cannot_run_says_why() {
    let mut state = ready(10);
    let effects = update(&mut state, key('c'));
    let (req, _) = check_req(&effects);
    update(
        &mut state,
        Msg::Checked {
            req,
            result: Err(Error::InvalidInput(
                "the server's list stopped after 1000 documents (page_count)".into(),
            )),
        },
    );
    let toast = state.toasts.last().expect("a toast");
    assert_eq!(toast.level, ToastLevel::Error);
    assert!(
        toast.text.starts_with("The check could not run: "),
        "{}",
        toast.text
    );
    assert!(state.check.running.is_none() && state.check.result.is_none());
    // And another can start.
    assert!(starts_check(&update(&mut state, key('c'))));
}

#[test]
fn problems_only_shows_the_problem_documents_and_clearing_it_brings_the_list_back() {
    let mut state = checked();
    state.toasts.clear();
    let effects = update(&mut state, key('!'));
    let (_, uids) = by_id_req(&effects);
    assert_eq!(
        uids,
        [uid('D', 0), uid('D', 3)],
        "the problem documents, read again"
    );
    assert!(state.documents.loading.is_some());
    answer_by_id(&mut state, &effects);
    // In the list's order (updated, newest first).
    assert_eq!(ids(&state), [uid('D', 3), uid('D', 0)]);
    assert_eq!(state.documents.total, Some(2));
    assert_eq!(state.documents.next_page, None);
    let screen = render(&mut state, 80, 24);
    assert!(screen.contains("! problems only"), "{screen}");
    assert!(screen.contains("2 of 2"), "{screen}");
    // Ctrl-a and A mark them all, for a bulk download or delete.
    update(&mut state, key('A'));
    assert_eq!(state.documents.marks.len(), 2);
    state.toasts.clear();
    update(&mut state, code(KeyCode::Esc));
    assert!(state.documents.marks.is_empty(), "Esc clears marks first");

    // `!` again: the server's list as the filter has it.
    let effects = update(&mut state, key('!'));
    assert!(state.check.documents_view.is_none());
    let (_, query) = documents_req(&effects);
    assert_eq!(query.page, 1);
    answer_documents(&mut state, &effects, page(0..10, 1, 10));
    assert_eq!(state.documents.items.len(), 10);
    assert!(!render(&mut state, 80, 24).contains("problems only"));

    // Esc closes the view too.
    let effects = update(&mut state, key('!'));
    answer_by_id(&mut state, &effects);
    let effects = update(&mut state, code(KeyCode::Esc));
    documents_req(&effects);
    assert!(state.check.documents_view.is_none());
}

#[test]
fn a_new_filter_ends_the_problems_view_and_sorting_keeps_it() {
    let mut state = checked();
    let effects = update(&mut state, key('!'));
    answer_by_id(&mut state, &effects);
    let effects = update(&mut state, key('s'));
    let (_, uids) = by_id_req(&effects);
    assert_eq!(uids.len(), 2, "read again, in the new order");
    answer_by_id(&mut state, &effects);
    assert_eq!(ids(&state), [uid('D', 0), uid('D', 3)], "now by name");
    update(&mut state, key('/'));
    typed(&mut state, "sop");
    let effects = update(&mut state, code(KeyCode::Enter));
    let (_, query) = documents_req(&effects);
    assert!(!query.filters.is_empty());
    assert!(state.check.documents_view.is_none());
}

#[test]
fn without_problems_or_a_check_the_view_does_not_open() {
    let mut state = ready(10);
    let effects = update(&mut state, key('!'));
    assert!(effects.is_empty());
    assert!(
        last_toast(&state).starts_with("No check yet"),
        "{}",
        last_toast(&state)
    );
    let effects = update(&mut state, key('c'));
    answer_check(
        &mut state,
        &effects,
        Report {
            items: vec![check_item(
                ItemKind::Document,
                &uid('D', 1),
                "fine",
                Vec::new(),
            )],
            notes: Vec::new(),
        },
    );
    assert_eq!(last_toast(&state), "check: no problems in 1 document");
    let effects = update(&mut state, key('!'));
    assert!(effects.is_empty());
    assert!(state.check.documents_view.is_none());
    assert_eq!(
        last_toast(&state),
        "The last check found no problem with any document"
    );
}

fn listed(id: &str, name: &str) -> FileResource {
    FileResource {
        id: id.into(),
        name: Some(name.into()),
        content_type: Some("application/pdf".into()),
        content_length: Some(4),
        domain: Some(Domain::Document),
        storage_status: Some(StorageStatus::None),
        ..FileResource::default()
    }
}

#[test]
fn orphans_are_marked_in_the_file_resources_pane_and_shown_alone_by_its_problems_view() {
    let mut state = checked();
    let effects = update(&mut state, key('2'));
    answer_resources(
        &mut state,
        &effects,
        resources_page(vec![
            listed(&uid('F', 1), "malaria-sop.pdf"),
            listed(ORPHAN, "old-orphan.pdf"),
            listed(&uid('F', 7), "other.pdf"),
        ]),
    );
    assert_eq!(state.resources.list.items.len(), 3);
    let effects = update(&mut state, key('!'));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::FetchResources { .. })),
        "the rows come from the report: {effects:?}"
    );
    let rows: Vec<&str> = state
        .resources
        .list
        .items
        .iter()
        .map(|row| row.uid.as_str())
        .collect();
    assert_eq!(rows, [ORPHAN]);
    // The check cannot start here, but says where it does.
    let effects = update(&mut state, key('c'));
    assert!(!starts_check(&effects));
    assert!(
        last_toast(&state).contains("Documents pane"),
        "{}",
        last_toast(&state)
    );
    // `!` again: the server's list.
    let effects = update(&mut state, key('!'));
    resources_req(&effects);
    assert!(state.check.resources_view.is_none());
    assert_eq!(state.pane, Pane::Resources);
}

#[test]
fn esc_stops_the_check_after_the_panels_and_its_late_answer_is_dropped() {
    let mut state = ready(10);
    let started = update(&mut state, key('c'));
    update(&mut state, code(KeyCode::Enter));
    assert!(state.details.open);
    let effects = update(&mut state, code(KeyCode::Esc));
    assert!(!cancels_check(&effects), "the details close first");
    let effects = update(&mut state, code(KeyCode::Esc));
    assert!(cancels_check(&effects), "{effects:?}");
    assert!(state.check.running.is_none());
    assert!(last_toast(&state).starts_with("Check stopped"));
    // The runner may have sent it before it stopped: it is dropped.
    answer_check(&mut state, &started, check_report());
    assert!(state.check.result.is_none());
    assert!(!render(&mut state, 80, 24).contains("checking"));
    // X in the transfers panel stops everything, the check too.
    let started = update(&mut state, key('c'));
    check_req(&started);
    update(&mut state, key('t'));
    let effects = update(&mut state, key('X'));
    assert!(cancels_check(&effects));
    assert!(state.check.running.is_none());
}

#[test]
fn a_new_filter_stops_a_check_made_for_the_old_one_and_its_result_is_dropped() {
    let mut state = ready(10);
    let first = update(&mut state, key('c'));
    update(&mut state, key('/'));
    typed(&mut state, "sop");
    let effects = update(&mut state, code(KeyCode::Enter));
    assert!(cancels_check(&effects), "{effects:?}");
    documents_req(&effects);
    assert!(
        last_toast(&state)
            .starts_with("The filter changed, so the check of every document stopped"),
        "{}",
        last_toast(&state)
    );
    answer_check(&mut state, &first, check_report());
    assert!(
        state.check.result.is_none(),
        "the old filter's result is dropped"
    );

    // A check of the new filter: the old one's answer, arriving meanwhile, is still dropped.
    let second = update(&mut state, key('c'));
    let (_, query) = check_req(&second);
    assert!(!query.filters.is_empty());
    answer_check(&mut state, &first, check_report());
    assert!(state.check.result.is_none());
    assert!(state.check.running.is_some());
    answer_check(&mut state, &second, check_report());
    let result = state
        .check
        .result
        .as_ref()
        .expect("the new filter's result");
    assert_eq!(result.scope, "sop");
}

#[test]
fn tick_far_later_keeps_nothing_running() {
    // A check answered: nothing animates any more, so the loop stops ticking.
    let mut state = checked();
    state.toasts.clear();
    tick(&mut state, Duration::from_secs(5).as_millis() as u64);
    assert!(!state.wants_ticks());
}

#[test]
fn a_second_checks_summary_replaces_the_first() {
    let mut state = checked();
    state.toast_info("Copied D0000000000");
    let effects = update(&mut state, key('c'));
    answer_check(&mut state, &effects, check_report());
    let notes: Vec<&str> = state
        .toasts
        .iter()
        .filter(|toast| toast.expires.is_none())
        .map(|toast| toast.text.as_str())
        .collect();
    assert_eq!(notes.len(), 1, "one summary: {notes:?}");
    assert!(notes[0].starts_with("check: 2 problems"));
    assert!(
        state
            .toasts
            .iter()
            .any(|toast| toast.text.starts_with("Copied")),
        "other toasts are left alone"
    );
}
