//! The real TUI in a pseudo-terminal: started against a server, its output collected with the
//! time of the last write, keys written to it.
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::bail;
use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

use crate::server::{PASSWORD, USERNAME};

/// Everything the app wrote to the terminal, with the time of the last write.
#[derive(Default)]
pub struct Screen {
    pub bytes: Vec<u8>,
    pub last_write: Option<Instant>,
}

pub fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// Frames in a stretch of terminal output: every frame ends by hiding the cursor or by
/// showing and placing it.
pub fn frames_in(output: &[u8]) -> usize {
    count(output, b"\x1b[?25l") + count(output, b"\x1b[?25h")
}

pub struct Tui {
    child: Box<dyn Child + Send + Sync>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    pub screen: Arc<Mutex<Screen>>,
}

impl Tui {
    /// `binary` (the TUI) in a `cols`×`rows` pty against `url` as the admin, working in
    /// `home`, with `env` added.
    pub fn spawn(
        binary: &Path,
        url: &str,
        (cols, rows): (u16, u16),
        home: &Path,
        env: &[(&str, String)],
    ) -> anyhow::Result<Tui> {
        let pty = native_pty_system().openpty(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })?;
        let mut command = CommandBuilder::new(binary);
        command.env_clear();
        command.cwd(home);
        for (name, value) in [
            ("HOME", home.display().to_string()),
            ("TERM", "xterm-256color".to_string()),
            ("DHIS2_URL", url.to_string()),
            ("DHIS2_USERNAME", USERNAME.to_string()),
            ("DHIS2_PASSWORD", PASSWORD.to_string()),
        ] {
            command.env(name, value);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let child = pty.slave.spawn_command(command)?;
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader()?;
        let writer = Arc::new(Mutex::new(pty.master.take_writer()?));
        let screen = Arc::new(Mutex::new(Screen::default()));
        let sink = screen.clone();
        let answer = writer.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 64 * 1024];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                // The terminal's side of the conversation: ratatui asks where the cursor is.
                if count(&buffer[..n], b"\x1b[6n") > 0
                    && let Ok(mut answer) = answer.lock()
                {
                    let _ = answer.write_all(b"\x1b[1;1R");
                    let _ = answer.flush();
                }
                // And, at start, which image protocol it speaks: as a terminal without one
                // answers (its device attributes, then the status report that ends the query).
                if count(&buffer[..n], b"\x1b[5n") > 0
                    && let Ok(mut answer) = answer.lock()
                {
                    let _ = answer.write_all(b"\x1b[?62;22c\x1b[0n");
                    let _ = answer.flush();
                }
                if let Ok(mut screen) = sink.lock() {
                    screen.bytes.extend_from_slice(&buffer[..n]);
                    screen.last_write = Some(Instant::now());
                }
            }
        });
        Ok(Tui {
            child,
            writer,
            screen,
        })
    }

    pub fn lock(&self) -> anyhow::Result<MutexGuard<'_, Screen>> {
        self.screen
            .lock()
            .map_err(|_| anyhow::anyhow!("the pty reader panicked"))
    }

    pub fn send(&self, keys: &[u8]) -> anyhow::Result<()> {
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("the pty writer is poisoned"))?;
        writer.write_all(keys)?;
        writer.flush()?;
        Ok(())
    }

    /// Waits until `done` holds of the output, failing after `limit` with the output's tail.
    pub fn wait_for(&self, limit: Duration, done: impl Fn(&Screen) -> bool) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            if done(&*self.lock()?) {
                return Ok(());
            }
            if started.elapsed() > limit {
                let screen = self.lock()?;
                let tail = &screen.bytes[screen.bytes.len().saturating_sub(600)..];
                bail!(
                    "the TUI did not get there within {limit:?}; it wrote {} bytes, ending {:?}",
                    screen.bytes.len(),
                    String::from_utf8_lossy(tail)
                );
            }
            // Fine-grained: callers time key-to-screen with this loop.
            std::thread::sleep(Duration::from_micros(250));
        }
    }

    /// Waits for a quiet `quiet` stretch of output (start-up settled), within `limit`.
    pub fn settle(&self, quiet: Duration, limit: Duration) -> anyhow::Result<()> {
        self.wait_for(limit, |s| {
            s.last_write.is_some_and(|at| at.elapsed() > quiet)
        })
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
