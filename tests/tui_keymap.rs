//! Every key, hint, tab label and help line comes from the keymap: remapped keys act, the
//! screen names them, a key given to two actions is reported, help stops at its end.
mod tui_support;

use std::path::Path;

use d2files::app::effect::Effect;
use d2files::app::msg::Msg;
use d2files::app::state::{Dialog, State};
use d2files::app::{Keymap, update};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_support::*;

/// A connected state with ten documents and the user's keymap file `text`.
fn with_keymap(text: &str) -> State {
    let mut settings = settings();
    let (keymap, problems) =
        Keymap::with_overrides(text, Path::new("/home/op/.config/d2files/keymap.toml"))
            .expect("a valid keymap");
    settings.keymap = keymap;
    settings.keymap_problems = problems;
    ready_with(settings, "2.41.4", page(0..10, 1, 10))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

#[test]
fn a_key_given_to_a_second_action_is_reported_and_the_footer_tells_the_truth() {
    let mut state = with_keymap("[list]\ndownload = [\"j\"]\n");
    let screen = render(&mut state, 120, 30);
    assert!(
        screen.contains("keymap.toml") && screen.contains("download takes j from down"),
        "the move is reported, naming the file and both actions:\n{screen}"
    );
    assert!(screen.contains("j download"), "{screen}");
    update(&mut state, code(KeyCode::Esc));
    // `j` downloads (the first row is a file: the Save-as prompt), and no longer moves.
    update(&mut state, key('j'));
    assert_eq!(state.documents.cursor, 0);
    assert!(matches!(state.dialog, Some(Dialog::Download(_))));
    update(&mut state, code(KeyCode::Esc));
    update(&mut state, code(KeyCode::Down));
    assert_eq!(state.documents.cursor, 1, "down keeps its arrow");
}

#[test]
fn form_keys_come_from_the_keymap_and_the_forms_say_so() {
    let mut state = with_keymap("[form]\naccept = [\"Ctrl-s\"]\nclose = [\"Ctrl-g\"]\n");
    update(&mut state, key('u'));
    let screen = render(&mut state, 100, 30);
    assert!(
        screen.contains("Ctrl-s upload") && screen.contains("Ctrl-g cancel"),
        "{screen}"
    );
    // Enter is now only a key of the text field; Ctrl-s submits (the path is checked first).
    typed(&mut state, "/tmp/report.pdf");
    assert!(update(&mut state, code(KeyCode::Enter)).is_empty());
    let effects = update(&mut state, ctrl('s'));
    assert!(
        matches!(effects.as_slice(), [Effect::CheckUpload { .. }]),
        "{effects:?}"
    );
    assert!(update(&mut state, ctrl('g')).is_empty());
    assert!(state.dialog.is_none(), "Ctrl-g closed the form");
    // The filter prompt reads the same keys.
    update(&mut state, key('/'));
    assert!(render(&mut state, 100, 30).contains("Ctrl-s keep"));
    typed(&mut state, "malaria");
    update(&mut state, ctrl('s'));
    assert!(!state.filter().editing);
    assert_eq!(state.filter().applied, "malaria");
}

#[test]
fn the_link_dialog_reads_its_keys_from_the_keymap() {
    let mut state = with_keymap("[link]\ncopy_url = [\"k\"]\nclose = [\"x\"]\n");
    update(&mut state, code(KeyCode::Down));
    update(&mut state, code(KeyCode::Down));
    update(&mut state, key('d'));
    assert!(matches!(state.dialog, Some(Dialog::Link(_))));
    let screen = render(&mut state, 100, 30);
    assert!(
        screen.contains("k copy URL") && screen.contains("x cancel"),
        "{screen}"
    );
    // The old keys do nothing now.
    assert!(update(&mut state, key('c')).is_empty());
    assert!(update(&mut state, key('q')).is_empty());
    assert!(matches!(state.dialog, Some(Dialog::Link(_))));
    assert_eq!(
        update(&mut state, key('k')),
        vec![Effect::Copy("https://dhis2.org/doc/2".into())]
    );
    assert!(state.dialog.is_none());
}

#[test]
fn tabs_are_labelled_with_their_keys() {
    let mut state = with_keymap("[list]\ndocuments = [\"F1\"]\nresources = [\"F2\"]\n");
    let screen = render(&mut state, 100, 30);
    assert!(
        screen.contains("F1 Documents") && screen.contains("F2 File resources"),
        "{screen}"
    );
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::F(2), KeyModifiers::NONE)),
    );
    assert_eq!(state.pane, d2files::app::state::Pane::Resources);
}

#[test]
fn help_lists_every_section_and_scrolls_no_further_than_its_end() {
    let mut state = ready(10);
    update(&mut state, key('?'));
    let first = render(&mut state, 80, 24);
    for _ in 0..200 {
        update(&mut state, key('j'));
    }
    let bottom = render(&mut state, 80, 24);
    assert!(
        bottom.contains("tui.log"),
        "the last line is shown:\n{bottom}"
    );
    let limit = state.help.expect("help open");
    // One step up shows a different screen at once: no presses are lost to overshoot.
    update(&mut state, key('k'));
    assert_eq!(state.help, Some(limit - 1));
    assert_ne!(render(&mut state, 80, 24), bottom);
    for _ in 0..200 {
        update(&mut state, key('k'));
    }
    assert_eq!(render(&mut state, 80, 24), first);
    // Every section is in help, the form and link keys included: every screen from the top
    // (where the loop above left it) down to the last.
    assert_eq!(state.help, Some(0));
    let all: Vec<String> = (0..=limit)
        .map(|_| {
            let screen = render(&mut state, 80, 24);
            update(&mut state, key('j'));
            screen
        })
        .collect();
    assert_eq!(state.help, Some(limit));
    let all = all.join("\n");
    for section in [
        "Documents and file resources",
        "Transfers panel",
        "Confirmations",
        "Forms and prompts",
        "External link",
        "Keys no keymap changes",
    ] {
        assert!(all.contains(section), "{section} missing from help");
    }
    assert!(all.contains("copy the URL"));
}
