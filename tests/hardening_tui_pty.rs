//! The TUI in a real pseudo-terminal, stopped by SIGTERM while a download is half done: the
//! terminal is restored and no `.part` file is left.
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_USERNAME, Emulator, EmulatorOptions, SeedDocument, SeedFileResource,
};
use portable_pty::{PtySize, native_pty_system};

mod pty_support;

fn wait_until(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let em = runtime
        .block_on(Emulator::start(EmulatorOptions::default()))
        .unwrap();
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
    let has_part = || {
        std::fs::read_dir(home.path())
            .unwrap()
            .any(|entry| entry.unwrap().path().to_string_lossy().ends_with(".part"))
    };
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut command = pty_support::d2files(home.path());
    command.env("DHIS2_URL", em.base_url());
    command.env("DHIS2_USERNAME", ADMIN_USERNAME);
    command.env("DHIS2_PASSWORD", ADMIN_PASSWORD);
    command.env("D2FILES_DEBUG_PANIC_KEY", "%");
    let mut child = pty.slave.spawn_command(command).unwrap();
    drop(pty.slave);
    let size = |n: u16| std::num::NonZeroU16::new(n).unwrap();
    let parser = Arc::new(Mutex::new(vt100::Parser::new(size(24), size(80), 0)));
    let mut reader = pty.master.try_clone_reader().unwrap();
    let feed = parser.clone();
    let reading = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            feed.lock().unwrap().process(&buf[..n]);
        }
    });
    let mut keys = pty.master.take_writer().unwrap();
    let mut send = |text: &str| {
        keys.write_all(text.as_bytes()).unwrap();
        keys.flush().unwrap();
    };
    let screen = |parser: &Arc<Mutex<vt100::Parser>>| parser.lock().unwrap().screen().contents();

    wait_until("the document list", || {
        screen(&parser).contains("Big download")
    });
    send("d");
    wait_until("the download prompt", || {
        screen(&parser).contains("Save as:")
    });
    send("\u{15}");
    send(&target.display().to_string());
    send("\r");
    wait_until("the part file", has_part);

    match interruption {
        Interruption::Sigterm => {
            let pid = child.process_id().unwrap();
            let killed = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .unwrap();
            assert!(killed.success());
        }
        Interruption::Panic => send("%"),
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "d2files did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().unwrap();
    if matches!(interruption, Interruption::Panic) {
        assert!(!status.success(), "a panic must not look like a clean exit");
    }
    drop(pty.master);
    let _ = reading.join();
    let parser = parser.lock().unwrap();
    if matches!(interruption, Interruption::Panic) {
        assert!(
            parser
                .screen()
                .contents()
                .contains("d2files crashed; the log is at"),
            "{}",
            parser.screen().contents()
        );
    }
    assert!(
        !parser.screen().alternate_screen(),
        "still on the alternate screen"
    );
    assert!(!parser.screen().hide_cursor(), "cursor still hidden");
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let em = runtime
        .block_on(Emulator::start(EmulatorOptions::default()))
        .unwrap();
    let document = em.seed_document(SeedDocument::link("Keep me", "https://dhis2.org"));
    let home = tempfile::tempdir().unwrap();
    let mut command = pty_support::d2files(home.path());
    command.env("DHIS2_URL", em.base_url());
    command.env("DHIS2_USERNAME", ADMIN_USERNAME);
    command.env("DHIS2_PASSWORD", ADMIN_PASSWORD);
    command.args(["documents", "delete", &document]);
    let mut pty = pty_support::Pty::spawn(command, 80);
    pty.wait_for("[y/N]");
    pty.send(b"\x03");
    let (code, _) = pty.finish();
    assert_ne!(code, 0);
    let still_there = em.requests().iter().all(|r| r.method != "DELETE");
    assert!(still_there, "nothing was deleted");
}
