//! The binary in a pseudo-terminal, for what only a terminal shows: the questions the CLI asks
//! on one, tables fitted to its width, the interactive browser's start.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// How long any wait on the program may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(30);

/// `d2files` with a clean environment: HOME and the XDG directories inside `home`, no DHIS2_*
/// from outside, working in `home`.
pub fn d2files(home: &Path) -> CommandBuilder {
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_d2files"));
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
    command.env("NO_COLOR", "1");
    command.cwd(home);
    command
}

/// [`d2files`] logged in as the emulator's admin at `url`, through the DHIS2_* variables.
pub fn d2files_as_admin(home: &Path, url: &str) -> CommandBuilder {
    let mut command = d2files(home);
    command.env("DHIS2_URL", url);
    command.env("DHIS2_USERNAME", d2files::emulator::ADMIN_USERNAME);
    command.env("DHIS2_PASSWORD", d2files::emulator::ADMIN_PASSWORD);
    command
}

/// A program running in a pty of `cols` columns, everything it writes collected.
pub struct Pty {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    keys: Box<dyn Write + Send>,
    output: Arc<Mutex<String>>,
    reading: JoinHandle<()>,
}

impl Pty {
    pub fn spawn(command: CommandBuilder, cols: u16) -> Pty {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let child = pty.slave.spawn_command(command).expect("spawned");
        // Only the child holds the terminal's side now, so its exit ends the reader below.
        drop(pty.slave);
        let output = Arc::new(Mutex::new(String::new()));
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let feed = output.clone();
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let keys = pty.master.take_writer().expect("writer");
        Pty {
            child,
            master: pty.master,
            keys,
            output,
            reading,
        }
    }

    /// What the program wrote so far (the terminal turns `\n` into `\r\n`).
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    pub fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.output().contains(text) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}; the output:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn send(&mut self, keys: &[u8]) {
        self.keys.write_all(keys).unwrap();
        self.keys.flush().unwrap();
    }

    /// Waits for the program to end: its exit code and everything it wrote.
    pub fn finish(mut self) -> (u32, String) {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "still running; the output:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        drop(self.master);
        let _ = self.reading.join();
        let output = self.output.lock().unwrap().clone();
        (status.exit_code(), output)
    }
}
