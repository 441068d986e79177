//! The real binary in a pseudo-terminal against `--demo`: page, filter, download, quit, and
//! check the file and that the terminal came back.
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const ROWS: u16 = 24;
const COLS: u16 = 80;

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    /// Waits until the screen satisfies `check`; fails with the screen on timeout.
    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text();
            if check(&text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn wait_for_file(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn browse_filter_download_and_quit_in_a_real_terminal() {
    let home = tempfile::tempdir().expect("home");
    let target = home.path().join("cases.csv");
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("pty");
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_d2files"));
    command.arg("--demo");
    command.env_clear();
    command.env("HOME", home.path());
    for (var, dir) in [
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ] {
        command.env(var, home.path().join(dir));
    }
    command.env("TERM", "xterm-256color");
    command.env("D2FILES_PAGE_SIZE", "20");
    command.cwd(home.path());
    let mut child = pty.slave.spawn_command(command).expect("spawn d2files");
    drop(pty.slave);
    let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero");
    let parser = Arc::new(Mutex::new(vt100::Parser::new(size(ROWS), size(COLS), 0)));
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let feed = parser.clone();
    let reading = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            feed.lock().expect("parser").process(&buf[..n]);
        }
    });
    let mut keys = pty.master.take_writer().expect("writer");
    let mut send = |text: &str| {
        keys.write_all(text.as_bytes()).expect("send keys");
        keys.flush().expect("flush");
    };
    let screen = Screen { parser };

    // The first page of the demo's 49 documents.
    screen.wait_for("the first page", |s| s.contains("20 of 49"));
    assert!(screen.text().contains("DHIS2 2.41"));
    // Page down: the next page loads as the cursor nears the end.
    send("\x1b[6~");
    screen.wait_for("the second page", |s| s.contains("40 of 49"));

    // Filter on the server.
    send("/");
    send("cases by district");
    screen.wait_for("the filtered list", |s| {
        s.contains("1 of 1") && s.contains("Malaria cases by district")
    });
    send("\r");
    screen.wait_for("the prompt to close", |s| {
        s.contains("filter: cases by district")
    });

    // Download into the temp dir.
    send("d");
    screen.wait_for("the download prompt", |s| {
        s.contains("Save as:") && s.contains("malaria_cases_q1_2025.csv")
    });
    send("\x15"); // Ctrl-U clears the suggested path.
    send(&target.display().to_string());
    send("\r");
    wait_for_file(&target);
    screen.wait_for("the download to finish", |s| s.contains("Downloaded"));

    send("q");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "d2files did not quit");
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(pty.master);
    let _ = reading.join();
    assert!(status.success(), "exit status {status:?}");

    let expected = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo/malaria_cases.csv"
    ))
    .expect("demo asset");
    assert_eq!(std::fs::read(&target).expect("downloaded file"), expected);
    assert!(!home.path().join("cases.csv.part").exists());
    let parser = screen.parser.lock().expect("parser");
    let restored = parser.screen();
    assert!(
        !restored.alternate_screen(),
        "still on the alternate screen"
    );
    assert!(!restored.hide_cursor(), "cursor still hidden");
    let log = home.path().join("state/d2files/d2files.log");
    assert!(log.exists(), "no log at {}", log.display());
}
