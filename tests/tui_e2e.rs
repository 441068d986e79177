//! The real binary in a pseudo-terminal against `--demo`: page, filter, download, quit, and
//! check the file and that the terminal came back.
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const ROWS: u16 = 24;
const COLS: u16 = 80;

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Everything the program wrote, for sequences the parser does not keep (OSC 52).
    raw: Arc<Mutex<Vec<u8>>>,
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

/// `d2files --demo` in an 80×24 pty with a private HOME, and a parser reading its output.
struct Running {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Box<dyn portable_pty::MasterPty + Send>,
    keys: Box<dyn Write + Send>,
    screen: Screen,
    reading: std::thread::JoinHandle<()>,
}

impl Running {
    fn start(home: &Path) -> Running {
        Running::start_with(home, &[])
    }

    /// With more command-line arguments after `--demo`.
    fn start_with(home: &Path, args: &[&str]) -> Running {
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
        command.args(args);
        command.env_clear();
        command.env("HOME", home);
        for (var, dir) in [
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_DATA_HOME", "data"),
            ("XDG_STATE_HOME", "state"),
            ("XDG_CACHE_HOME", "cache"),
        ] {
            command.env(var, home.join(dir));
        }
        command.env("TERM", "xterm-256color");
        command.env("D2FILES_PAGE_SIZE", "20");
        command.cwd(home);
        let child = pty.slave.spawn_command(command).expect("spawn d2files");
        drop(pty.slave);
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(size(ROWS), size(COLS), 0)));
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let feed = parser.clone();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let record = raw.clone();
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().expect("parser").process(&buf[..n]);
                record.lock().expect("raw").extend_from_slice(&buf[..n]);
            }
        });
        let keys = pty.master.take_writer().expect("writer");
        Running {
            child,
            master: pty.master,
            keys,
            screen: Screen { parser, raw },
            reading,
        }
    }

    fn send(&mut self, text: &str) {
        self.keys.write_all(text.as_bytes()).expect("send keys");
        self.keys.flush().expect("flush");
    }

    /// Waits for the process to end and for its last output to be read.
    fn wait_exit(self) -> (portable_pty::ExitStatus, Screen) {
        let Running {
            mut child,
            master,
            screen,
            reading,
            ..
        } = self;
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "d2files did not exit");
            std::thread::sleep(Duration::from_millis(50));
        };
        drop(master);
        let _ = reading.join();
        (status, screen)
    }
}

fn assert_terminal_restored(screen: &Screen) {
    let parser = screen.parser.lock().expect("parser");
    let restored = parser.screen();
    assert!(
        !restored.alternate_screen(),
        "still on the alternate screen"
    );
    assert!(!restored.hide_cursor(), "cursor still hidden");
}

#[test]
fn browse_filter_download_and_quit_in_a_real_terminal() {
    let home = tempfile::tempdir().expect("home");
    let target = home.path().join("cases.csv");
    let mut app = Running::start(home.path());

    // The first page of the demo's 49 documents.
    app.screen
        .wait_for("the first page", |s| s.contains(" 20 of 49 "));
    assert!(app.screen.text().contains("DHIS2 2.41"));
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
    let deadline = Instant::now() + Duration::from_secs(30);
    while !String::from_utf8_lossy(&app.screen.raw.lock().expect("raw")).contains(&copied) {
        assert!(Instant::now() < deadline, "no OSC 52 copy of the uid");
        std::thread::sleep(Duration::from_millis(50));
    }

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
    assert!(
        std::fs::read_dir(home.path()).unwrap().all(|entry| !entry
            .unwrap()
            .path()
            .to_string_lossy()
            .ends_with(".part")),
        "no part file is left"
    );
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
        let pid = app.child.process_id().expect("a pid");
        let killed = std::process::Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
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
    let mode = app
        .screen
        .parser
        .lock()
        .expect("parser")
        .screen()
        .mouse_protocol_mode();
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
    let mode = screen
        .parser
        .lock()
        .expect("parser")
        .screen()
        .mouse_protocol_mode();
    assert_eq!(
        mode,
        vt100::MouseProtocolMode::None,
        "the mouse is released"
    );
}
