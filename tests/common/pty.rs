//! The d2files binary in a pseudo-terminal: keys in, the screen (as a vt100 terminal would show
//! it) and the raw bytes out, waits on what the program writes, and its exit.
use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, ExitStatus, PtySize, native_pty_system};

pub const ROWS: u16 = 24;
pub const COLS: u16 = 80;

/// How long any wait on the program lasts before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The binary with an empty environment but HOME and the XDG directories inside `home` and a
/// TERM, working in `home`; add arguments and variables, then [`Running::spawn`] it.
pub fn command(home: &Path) -> CommandBuilder {
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_d2files"));
    command.env_clear();
    for (var, dir) in super::private_dirs(home) {
        command.env(var, dir);
    }
    command.env("TERM", "xterm-256color");
    command.cwd(home);
    command
}

/// Points a pty command at an emulator as admin (see [`super::admin_variables`]).
pub fn as_admin(command: &mut CommandBuilder, em: &d2files::emulator::Emulator) {
    for (var, value) in super::admin_variables(&em.base_url()) {
        command.env(var, value);
    }
}

/// Polls `check` until it holds, for what gives no word when it changes (files); fails naming
/// `what` after [`PATIENCE`].
pub fn wait_until(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Output {
    parser: vt100::Parser,
    /// Everything the program wrote, for sequences the parser does not keep (OSC 52).
    raw: Vec<u8>,
    /// The terminal closed: nothing more will come.
    ended: bool,
}

/// What the program wrote, kept up to date by a reader thread that wakes the waiters.
#[derive(Clone)]
pub struct Screen {
    output: Arc<(Mutex<Output>, Condvar)>,
}

impl Screen {
    /// The output, also after a waiter failed while holding it.
    fn lock(&self) -> MutexGuard<'_, Output> {
        self.output.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The screen's text.
    pub fn text(&self) -> String {
        self.lock().parser.screen().contents()
    }

    /// Everything written so far, as text.
    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.lock().raw).into_owned()
    }

    /// Reads the vt100 screen (modes, cursor).
    pub fn with<T>(&self, read: impl FnOnce(&vt100::Screen) -> T) -> T {
        read(self.lock().parser.screen())
    }

    /// Waits until the screen's text satisfies `check`; fails with the screen after
    /// [`PATIENCE`] or once the terminal closed without it.
    pub fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) {
        self.wait(what, |output| check(&output.parser.screen().contents()));
    }

    /// Waits until everything written so far, as text, satisfies `check`.
    pub fn wait_for_raw(&self, what: &str, check: impl Fn(&str) -> bool) {
        self.wait(what, |output| check(&String::from_utf8_lossy(&output.raw)));
    }

    fn wait(&self, what: &str, check: impl Fn(&Output) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        let mut output = self.lock();
        while !check(&output) {
            let now = Instant::now();
            if now >= deadline || output.ended {
                let screen = output.parser.screen().contents();
                let why = if output.ended {
                    "the terminal closed"
                } else {
                    "timed out"
                };
                drop(output);
                panic!("{why} waiting for {what}; screen:\n{screen}");
            }
            output = self
                .output
                .1
                .wait_timeout(output, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// A program started in a `ROWS`×`COLS` pty, and a thread reading what it writes.
pub struct Running {
    pid: u32,
    exited: mpsc::Receiver<ExitStatus>,
    master: Box<dyn portable_pty::MasterPty + Send>,
    keys: Box<dyn Write + Send>,
    pub screen: Screen,
    reading: std::thread::JoinHandle<()>,
}

impl Running {
    pub fn spawn(command: CommandBuilder) -> Running {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty");
        let mut child = pty.slave.spawn_command(command).expect("spawn d2files");
        drop(pty.slave);
        let pid = child.process_id().expect("a pid");
        let (exit, exited) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = exit.send(child.wait().expect("wait"));
        });
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero");
        let screen = Screen {
            output: Arc::new((
                Mutex::new(Output {
                    parser: vt100::Parser::new(size(ROWS), size(COLS), 0),
                    raw: Vec::new(),
                    ended: false,
                }),
                Condvar::new(),
            )),
        };
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let feed = screen.clone();
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                let n = reader.read(&mut buf).unwrap_or(0);
                let mut output = feed.lock();
                if n == 0 {
                    output.ended = true;
                } else {
                    output.parser.process(&buf[..n]);
                    output.raw.extend_from_slice(&buf[..n]);
                }
                feed.output.1.notify_all();
                if n == 0 {
                    break;
                }
            }
        });
        let keys = pty.master.take_writer().expect("writer");
        Running {
            pid,
            exited,
            master: pty.master,
            keys,
            screen,
            reading,
        }
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Sends `signal` (`-TERM`, `-HUP`) with kill(1).
    pub fn signal(&self, signal: &str) {
        let killed = std::process::Command::new("kill")
            .args([signal, &self.pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success(), "kill {signal} {}", self.pid);
    }

    pub fn send(&mut self, text: &str) {
        self.keys.write_all(text.as_bytes()).expect("send keys");
        self.keys.flush().expect("flush");
    }

    /// Waits for the process to end and for its last output to be read.
    pub fn wait_exit(self) -> (ExitStatus, Screen) {
        let Running {
            exited,
            master,
            screen,
            reading,
            ..
        } = self;
        let status = exited.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            panic!(
                "d2files did not exit; it wrote:\n{}",
                screen.raw_text().escape_debug()
            )
        });
        drop(master);
        let _ = reading.join();
        (status, screen)
    }
}
