//! The image protocol is the terminal's answer: the binary in a pty asks at start, the test
//! answers as kitty or a sixel terminal would (or not at all), and the logo's preview says
//! which protocol drew it.
mod common;

use std::time::{Duration, Instant};

use common::pty::{self, Running};
use d2files::app::image_terminal::IMAGE_QUERY_WAIT;

/// The start of the query: kitty's graphics probe comes first.
const KITTY_PROBE: &str = "\x1b_Gi=31";
/// The cell size every answer below gives: 10×20 pixels.
const CELL_SIZE_ANSWER: &str = "\x1b[6;20;10t";
/// The status report ending every answer (the query's last question).
const STATUS_ANSWER: &str = "\x1b[0n";

fn start(home: &std::path::Path) -> Running {
    let mut command = pty::command(home);
    command.arg("--demo");
    Running::spawn(command)
}

/// Filters the list to the demo's logo and opens the preview on it.
fn preview_the_logo(app: &mut Running) {
    app.screen
        .wait_for("the first page", |s| s.contains("Documents"));
    app.send("/");
    app.send("Ministry of Health logo");
    app.screen.wait_for("the logo alone", |s| {
        s.contains(" 1 of 1 ") && s.contains("Ministry of Health logo")
    });
    app.send("\r");
    app.send("p");
}

fn quit(mut app: Running) {
    app.send("q");
    let (status, _) = app.wait_exit();
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_kitty_answer_draws_the_image_with_kittys_graphics() {
    let home = tempfile::tempdir().expect("home");
    let mut app = start(home.path());
    app.screen
        .wait_for_raw("the image query", |raw| raw.contains(KITTY_PROBE));
    app.send(&format!(
        "\x1b_Gi=31;OK\x1b\\\x1b[?62;4;22c{CELL_SIZE_ANSWER}{STATUS_ANSWER}"
    ));
    preview_the_logo(&mut app);
    app.screen.wait_for("the logo drawn with kitty", |s| {
        s.contains("PNG image, 96×64 px · kitty")
    });
    app.screen.wait_for_raw("a kitty image transmitted", |raw| {
        raw.matches("\x1b_G").count() > 1
    });
    quit(app);
}

#[test]
fn a_sixel_answer_draws_the_image_in_sixels() {
    let home = tempfile::tempdir().expect("home");
    let mut app = start(home.path());
    app.screen
        .wait_for_raw("the image query", |raw| raw.contains(KITTY_PROBE));
    // Device attributes with 4 (sixel), no kitty answer.
    app.send(&format!("\x1b[?62;4;22c{CELL_SIZE_ANSWER}{STATUS_ANSWER}"));
    preview_the_logo(&mut app);
    app.screen.wait_for("the logo drawn in sixels", |s| {
        s.contains("PNG image, 96×64 px · sixel")
    });
    app.screen
        .wait_for_raw("a sixel image sent", |raw| raw.contains("\x1bP"));
    quit(app);
}

#[test]
fn without_an_answer_it_starts_within_the_wait_and_draws_half_blocks() {
    let home = tempfile::tempdir().expect("home");
    let started = Instant::now();
    let mut app = start(home.path());
    app.screen
        .wait_for("the first page", |s| s.contains("Documents"));
    let waited = started.elapsed();
    // The wait, plus a start-up that takes well under a few seconds even in a debug build.
    assert!(
        waited < IMAGE_QUERY_WAIT + Duration::from_secs(10),
        "started after {waited:?}"
    );
    preview_the_logo(&mut app);
    app.screen.wait_for("the logo in half-blocks", |s| {
        s.contains("PNG image, 96×64 px · half-blocks") && s.contains('▀')
    });
    quit(app);
}
