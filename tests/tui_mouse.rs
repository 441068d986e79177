//! The mouse (`--mouse`): clicks and the wheel through `update`, aimed at where the rendered
//! screen shows things, so the hit-testing and the drawing cannot drift apart unnoticed.
mod tui_support;

use d2files::app::effect::Effect;
use d2files::app::msg::Msg;
use d2files::app::state::Pane;
use d2files::app::{State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use tui_support::*;

const WIDTH: u16 = 80;
const HEIGHT: u16 = 24;

fn screen(state: &mut State) -> Buffer {
    update(state, Msg::Resize(WIDTH, HEIGHT));
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test terminal");
    terminal
        .draw(|frame| d2files::ui::draw(frame, state))
        .expect("draw");
    terminal.backend().buffer().clone()
}

fn line(buffer: &Buffer, y: u16) -> String {
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol())
        .collect()
}

/// The cell where `text` starts on screen (on the first line holding it).
fn find(buffer: &Buffer, text: &str) -> (u16, u16) {
    for y in 0..buffer.area.height {
        let row: Vec<&str> = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        for x in 0..row.len() {
            if row[x..].concat().starts_with(text) {
                return (x as u16, y);
            }
        }
    }
    panic!("{text:?} is not on screen");
}

/// A mouse event at a cell, resolved against the screen as the event loop does, then handled.
fn mouse(state: &mut State, kind: MouseEventKind, (column, row): (u16, u16)) -> Vec<Effect> {
    let event = MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let msg = d2files::app::pointer::mouse_msg(state, event);
    update(state, msg)
}

fn click(state: &mut State, at: (u16, u16)) -> Vec<Effect> {
    mouse(state, MouseEventKind::Down(MouseButton::Left), at)
}

fn title(n: usize) -> String {
    document(n).name.expect("named")
}

#[test]
fn a_click_selects_the_row_drawn_there_and_a_second_opens_its_details() {
    let mut state = ready(50);
    let before = screen(&mut state);
    let at = find(&before, &format!("{} ", title(5)));
    click(&mut state, at);
    assert_eq!(state.documents.cursor, 5);
    let after = screen(&mut state);
    assert!(
        line(&after, at.1).contains('▶'),
        "the clicked line is the highlighted one: {:?}",
        line(&after, at.1)
    );
    assert!(!state.details.open);
    click(&mut state, at);
    assert!(
        state.details.open,
        "a click on the selected row opens details"
    );
    assert_eq!(state.documents.cursor, 5);
}

#[test]
fn clicks_land_on_the_rows_shown_after_scrolling() {
    let mut state = ready(50);
    for _ in 0..40 {
        update(&mut state, code(KeyCode::Down));
    }
    let buffer = screen(&mut state);
    // A row now drawn on screen, away from the cursor; the list has scrolled past row 0.
    assert!(!line(&buffer, 3).contains(&title(0)));
    let at = find(&buffer, &format!("{} ", title(36)));
    click(&mut state, at);
    assert_eq!(state.documents.cursor, 36);
}

#[test]
fn the_wheel_moves_three_rows_over_the_list_and_scrolls_help() {
    let mut state = ready(50);
    let buffer = screen(&mut state);
    let over_list = find(&buffer, &title(2));
    mouse(&mut state, MouseEventKind::ScrollDown, over_list);
    assert_eq!(state.documents.cursor, 3);
    mouse(&mut state, MouseEventKind::ScrollDown, over_list);
    mouse(&mut state, MouseEventKind::ScrollUp, over_list);
    assert_eq!(state.documents.cursor, 3);
    // Over the header the wheel does nothing.
    mouse(&mut state, MouseEventKind::ScrollDown, (2, 0));
    assert_eq!(state.documents.cursor, 3);
    update(&mut state, key('?'));
    mouse(&mut state, MouseEventKind::ScrollDown, over_list);
    assert_eq!(state.help, Some(3));
    assert_eq!(state.documents.cursor, 3, "help takes the wheel");
}

#[test]
fn a_click_on_a_tab_switches_panes() {
    let mut state = ready(50);
    let buffer = screen(&mut state);
    let effects = click(&mut state, find(&buffer, "2 File resources"));
    assert_eq!(state.pane, Pane::Resources);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchResources { .. })),
        "{effects:?}"
    );
    let buffer = screen(&mut state);
    click(&mut state, find(&buffer, "1 Documents"));
    assert_eq!(state.pane, Pane::Documents);
}

#[test]
fn the_filter_prompt_and_dialogs_take_keys_only() {
    let mut state = ready(50);
    let buffer = screen(&mut state);
    let row = find(&buffer, &format!("{} ", title(4)));
    update(&mut state, key('/'));
    click(&mut state, row);
    assert_eq!(state.documents.cursor, 0, "the filter prompt is open");
    update(&mut state, code(KeyCode::Esc));
    update(&mut state, key('a'));
    assert!(state.dialog.is_some());
    click(&mut state, row);
    mouse(&mut state, MouseEventKind::ScrollDown, row);
    assert_eq!(state.documents.cursor, 0, "the link dialog is open");
}
