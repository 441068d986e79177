//! The TUI in a real pseudo-terminal, stopped by SIGTERM while a download is half done: the
//! terminal is restored and no `.part` file is left.
mod common;

use common::pty::{self, Running};
use d2files::emulator::{SeedDocument, SeedFileResource};

/// How the TUI is stopped in the middle of a download.
enum Interruption {
    Sigterm,
    /// A panic on the UI thread, requested with the debug-build key.
    Panic,
}

#[test]
fn sigterm_during_a_tui_download_restores_the_terminal_and_removes_the_part_file() {
    interrupt_a_tui_download(Interruption::Sigterm);
}

#[test]
fn a_panic_during_a_tui_download_restores_the_terminal_and_removes_the_part_file() {
    interrupt_a_tui_download(Interruption::Panic);
}

fn interrupt_a_tui_download(interruption: Interruption) {
    let (runtime, em) = common::start_blocking(|_| {});
    let fr = {
        let _guard = runtime.enter();
        em.seed_file_resource(SeedFileResource::new(
            "big.bin",
            "application/octet-stream",
            vec![7u8; 3_000_000],
        ))
        .unwrap()
    };
    em.seed_document(SeedDocument::file("Big download", &fr));
    em.faults().stall_after_bytes(500_000, "/data");

    let home = tempfile::tempdir().unwrap();
    let target = home.path().join("big.bin");
    let has_part = || !common::part_files(home.path()).is_empty();
    let mut command = pty::command(home.path());
    pty::as_admin(&mut command, &em);
    command.env("D2FILES_DEBUG_PANIC_KEY", "%");
    let mut app = Running::spawn(command);

    app.screen
        .wait_for("the document list", |s| s.contains("Big download"));
    app.send("d");
    app.screen
        .wait_for("the download prompt", |s| s.contains("Save as:"));
    app.send("\u{15}");
    app.send(&target.display().to_string());
    app.send("\r");
    pty::wait_until("the part file", has_part);

    match interruption {
        Interruption::Sigterm => app.signal("-TERM"),
        Interruption::Panic => app.send("%"),
    }
    let (status, screen) = app.wait_exit();
    if matches!(interruption, Interruption::Panic) {
        assert!(!status.success(), "a panic must not look like a clean exit");
        assert!(
            screen.text().contains("d2files crashed; the log is at"),
            "{}",
            screen.text()
        );
    }
    screen.with(|screen| {
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "cursor still hidden");
    });
    let left: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("big.bin"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    drop(em);
}

/// Ctrl-C at the CLI's delete question ends the command at once and deletes nothing.
#[test]
fn ctrl_c_at_the_delete_question_ends_the_command() {
    let (_runtime, em) = common::start_blocking(|_| {});
    let document = em.seed_document(SeedDocument::link("Keep me", "https://dhis2.org"));
    let home = tempfile::tempdir().unwrap();
    let mut command = pty::command(home.path());
    pty::as_admin(&mut command, &em);
    command.args(["documents", "delete", &document]);
    let mut app = Running::spawn(command);
    app.screen
        .wait_for_raw("the question", |output| output.contains("[y/N]"));
    app.send("\x03");
    let (status, _) = app.wait_exit();
    assert!(!status.success());
    let still_there = em.requests().iter().all(|r| r.method != "DELETE");
    assert!(still_there, "nothing was deleted");
}

/// Ctrl-C in the TUI while a bulk download runs: the finished file stays, the one half done
/// leaves no part file, and the terminal comes back.
#[test]
fn ctrl_c_during_a_tui_bulk_download_keeps_what_finished_and_removes_the_part_file() {
    let (runtime, em) = common::start_blocking(|_| {});
    let (small, big) = {
        let _guard = runtime.enter();
        let small = em
            .seed_file_resource(SeedFileResource::new(
                "small.txt",
                "text/plain",
                b"minutes\n".repeat(100),
            ))
            .unwrap();
        let big = em
            .seed_file_resource(SeedFileResource::new(
                "big.bin",
                "application/octet-stream",
                vec![7u8; 3_000_000],
            ))
            .unwrap();
        (small, big)
    };
    em.seed_document(SeedDocument::file("Small notes", &small));
    let big_document = em.seed_document(SeedDocument::file("Big download", &big));
    // Only the big one stalls, halfway.
    em.faults()
        .stall_after_bytes(500_000, &format!("{big_document}/data"));

    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let mut command = pty::command(home.path());
    pty::as_admin(&mut command, &em);
    let mut app = Running::spawn(command);
    app.screen.wait_for("the document list", |s| {
        s.contains("Big download") && s.contains("Small notes")
    });
    app.send("  ");
    app.screen.wait_for("two marks", |s| s.contains("2 marked"));
    app.send("d");
    app.screen
        .wait_for("the directory prompt", |s| s.contains("Into:"));
    app.send("\u{15}");
    app.send(&format!("{}/\r", out.display()));
    let small_saved = out.join("small.txt");
    pty::wait_until("the small file and the big one's part file", || {
        small_saved.exists() && !common::part_files(&out).is_empty()
    });
    app.send("\x03");
    let (_, screen) = app.wait_exit();
    screen.with(|screen| {
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "cursor still hidden");
    });
    assert_eq!(
        std::fs::read(&small_saved).unwrap(),
        b"minutes\n".repeat(100)
    );
    assert!(
        common::part_files(&out).is_empty(),
        "{:?}",
        common::tree(&out)
    );
    assert!(!out.join("big.bin").exists());
    drop(em);
}
