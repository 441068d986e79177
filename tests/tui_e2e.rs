//! The real binary in a pseudo-terminal against `--demo`: page, filter, download, quit, and
//! check the file and that the terminal came back.
mod common;

use std::path::Path;

use base64::Engine as _;
use common::pty::{self, Running, Screen};

fn wait_for_file(path: &Path) {
    pty::wait_until(&format!("{} to appear", path.display()), || path.exists());
}

impl Running {
    /// `d2files --demo` in an 80×24 pty with a private HOME, 20 documents a page.
    fn start(home: &Path) -> Running {
        Running::start_with(home, &[])
    }

    /// With more command-line arguments after `--demo`.
    fn start_with(home: &Path, args: &[&str]) -> Running {
        let mut command = pty::command(home);
        command.arg("--demo");
        command.args(args);
        command.env("D2FILES_PAGE_SIZE", "20");
        Running::spawn(command)
    }
}

fn assert_terminal_restored(screen: &Screen) {
    screen.with(|restored| {
        assert!(
            !restored.alternate_screen(),
            "still on the alternate screen"
        );
        assert!(!restored.hide_cursor(), "cursor still hidden");
    });
}

#[test]
fn browse_filter_download_and_quit_in_a_real_terminal() {
    let home = tempfile::tempdir().expect("home");
    let target = home.path().join("cases.csv");
    let mut app = Running::start(home.path());

    // The first page of the demo's 49 documents.
    app.screen
        .wait_for("the first page", |s| s.contains(" 20 of 49 "));
    // The demo behaves as the newest release the emulator knows unless --demo-version says.
    let newest = format!("DHIS2 2.{}", d2files::emulator::NEWEST_RELEASE.minor);
    assert!(app.screen.text().contains(&newest), "{newest}");
    // Page down: the next page loads as the cursor nears the end.
    app.send("\x1b[6~");
    app.screen
        .wait_for("the second page", |s| s.contains(" 40 of 49 "));

    // Filter on the server.
    app.send("/");
    app.send("cases by district");
    app.screen.wait_for("the filtered list", |s| {
        s.contains(" 1 of 1 ") && s.contains("Malaria cases by district")
    });
    app.send("\r");
    app.screen.wait_for("the prompt to close", |s| {
        s.contains("filter: cases by district")
    });

    // y copies the uid with OSC 52, which works over SSH.
    app.send("y");
    let copied = format!(
        "\x1b]52;c;{}",
        base64::engine::general_purpose::STANDARD.encode("zzQl3NLWDXr")
    );
    app.screen
        .wait_for_raw("an OSC 52 copy of the uid", |raw| raw.contains(&copied));

    // Download into the temp dir.
    app.send("d");
    app.screen.wait_for("the download prompt", |s| {
        s.contains("Save as:") && s.contains("malaria_cases_q1_2025.csv")
    });
    app.send("\x15"); // Ctrl-U clears the suggested path.
    app.send(&target.display().to_string());
    app.send("\r");
    wait_for_file(&target);
    app.screen
        .wait_for("the download to finish", |s| s.contains("Downloaded"));

    app.send("q");
    let (status, screen) = app.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    let expected = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo/malaria_cases.csv"
    ))
    .expect("demo asset");
    assert_eq!(std::fs::read(&target).expect("downloaded file"), expected);
    let parts = common::part_files(home.path());
    assert!(parts.is_empty(), "no part file is left: {parts:?}");
    assert_terminal_restored(&screen);
    let log = home.path().join("state/d2files/d2files.log");
    assert!(log.exists(), "no log at {}", log.display());
}

#[test]
fn sigterm_and_sighup_restore_the_terminal_and_name_the_log() {
    for signal in ["-TERM", "-HUP"] {
        let home = tempfile::tempdir().expect("home");
        let app = Running::start(home.path());
        app.screen
            .wait_for("the first page", |s| s.contains(" 20 of 49 "));
        app.signal(signal);
        let (_, screen) = app.wait_exit();
        assert_terminal_restored(&screen);
        let text = screen.text();
        assert!(text.contains("terminated"), "{signal}: {text}");
        assert!(text.contains("d2files.log"), "{signal}: {text}");
    }
}

#[test]
fn with_mouse_a_click_selects_and_opens_and_the_mouse_is_released_at_exit() {
    let home = tempfile::tempdir().expect("home");
    let mut app = Running::start_with(home.path(), &["--mouse"]);
    app.screen
        .wait_for("the first page", |s| s.contains(" 20 of 49 "));
    let mode = app.screen.with(vt100::Screen::mouse_protocol_mode);
    assert_ne!(
        mode,
        vt100::MouseProtocolMode::None,
        "the mouse is captured"
    );
    // Rows: header, tabs, the list's top border, column titles, then documents; the fourth
    // document is on screen row 7 (0-based).
    let row = 7u16;
    let line = |screen: &Screen| {
        screen
            .text()
            .lines()
            .nth(usize::from(row))
            .unwrap_or_default()
            .to_string()
    };
    assert!(!line(&app.screen).contains('▶'), "{}", app.screen.text());
    // A left press at column 10 of that row, in SGR encoding (1-based coordinates).
    let press = format!("\x1b[<0;10;{}M", row + 1);
    app.send(&press);
    app.screen.wait_for("the clicked row to be selected", |s| {
        s.lines()
            .nth(usize::from(row))
            .is_some_and(|l| l.contains('▶'))
    });
    app.send(&press);
    app.screen.wait_for("the details of the clicked row", |s| {
        s.contains(" details ")
    });
    app.send("q");
    let (status, screen) = app.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert_terminal_restored(&screen);
    let mode = screen.with(vt100::Screen::mouse_protocol_mode);
    assert_eq!(
        mode,
        vt100::MouseProtocolMode::None,
        "the mouse is released"
    );
}

#[test]
fn a_bulk_download_with_a_conflict_then_a_bulk_delete_in_a_real_terminal() {
    let home = tempfile::tempdir().expect("home");
    let out = home.path().join("out");
    std::fs::create_dir(&out).expect("out");
    // The second newest document's file name, with other bytes: a conflict.
    let taken = out.join("staffing_plan_draft.docx");
    std::fs::write(&taken, b"someone else's plan").expect("write");
    let mut app = Running::start(home.path());
    app.screen
        .wait_for("the first page", |s| s.contains(" 20 of 49 "));

    // The three newest documents marked, downloaded into `out`.
    app.send("   ");
    app.screen
        .wait_for("three marks", |s| s.contains("3 marked"));
    app.send("d");
    app.screen.wait_for("the directory prompt", |s| {
        s.contains("Download 3 marked documents") && s.contains("Into:")
    });
    app.send("\x15"); // Ctrl-U clears the suggested directory.
    app.send(&format!("{}/\r", out.display()));
    app.screen.wait_for("the conflict", |s| {
        s.contains("File exists") && s.contains("staffing_plan_draft.docx")
    });
    app.send("r");
    app.screen
        .wait_for("the summary", |s| s.contains("downloaded 3 of 3"));
    let replaced = std::fs::read(&taken).expect("replaced");
    assert_ne!(replaced, b"someone else's plan");
    assert!(replaced.starts_with(b"PK"), "a .docx is a zip");
    let saved = std::fs::read_dir(&out).expect("out").count();
    assert_eq!(saved, 3, "{:?}", common::tree(&out));

    // The same three deleted: one confirmation, then the list without them.
    // The marks stay after a download.
    app.send("D");
    app.screen.wait_for("the confirmation", |s| {
        s.contains("Delete 3 documents") && s.contains("on no dashboard")
    });
    app.send("y");
    app.screen.wait_for("the deletes and the reload", |s| {
        s.contains("deleted 3 of 3") && s.contains(" of 46 ")
    });
    app.send("q");
    let (status, screen) = app.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert!(common::part_files(home.path()).is_empty());
    assert_terminal_restored(&screen);
}
