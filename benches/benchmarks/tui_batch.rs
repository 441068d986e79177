//! The real TUI while a batch runs: every row marked, `d`, a directory, Enter, then the frames
//! it draws until the last file is saved. Progress must never cost a frame per chunk or per
//! file.
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::ensure;

use crate::pty::{Tui, count, frames_in};
use crate::tui::{HEIGHT, WIDTH};

/// One batch download run in the TUI.
pub struct TuiBatch {
    pub files: usize,
    pub seconds: f64,
    pub frames: usize,
    pub bytes_written: usize,
}

impl TuiBatch {
    pub fn frames_per_second(&self) -> f64 {
        self.frames as f64 / self.seconds
    }
}

/// How long the batch may take before the run is given up.
const PATIENCE: Duration = Duration::from_secs(300);

/// The TUI against `url`, whose `files` documents are all loaded as one page: marks them all
/// (Ctrl-a), downloads them (`d`) into a fresh directory under `home`, and counts the frames
/// from Enter until every file is on disk.
pub fn run(binary: &Path, url: &str, files: usize, home: &Path) -> anyhow::Result<TuiBatch> {
    let into_name = "tui-batch-into";
    let into = home.join(into_name);
    if into.exists() {
        std::fs::remove_dir_all(&into)?;
    }
    std::fs::create_dir_all(&into)?;
    let env = [(d2files::app::PAGE_SIZE_VAR, files.to_string())];
    let tui = Tui::spawn(binary, url, (WIDTH, HEIGHT), home, &env)?;
    let loaded = format!("{files} of {files}");
    tui.wait_for(Duration::from_secs(60), |s| {
        count(&s.bytes, loaded.as_bytes()) > 0
    })?;
    tui.settle(Duration::from_millis(500), Duration::from_secs(10))?;
    tui.send(b"\x01")?;
    let marked = format!("{files} marked");
    tui.wait_for(Duration::from_secs(10), |s| {
        count(&s.bytes, marked.as_bytes()) > 0
    })?;
    tui.send(b"d")?;
    tui.wait_for(Duration::from_secs(10), |s| count(&s.bytes, b"Into:") > 0)?;
    // The prompt starts in the working directory (`home/`): add the directory's name.
    tui.send(into_name.as_bytes())?;
    tui.settle(Duration::from_millis(200), Duration::from_secs(10))?;
    let before = tui.lock()?.bytes.len();
    let started = Instant::now();
    tui.send(b"\r")?;
    loop {
        let saved = std::fs::read_dir(&into)?
            .filter_map(Result::ok)
            .filter(|entry| !entry.file_name().to_string_lossy().ends_with(".part"))
            .count();
        if saved >= files {
            break;
        }
        ensure!(
            started.elapsed() < PATIENCE,
            "the TUI saved {saved} of {files} files in {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let seconds = started.elapsed().as_secs_f64();
    let output = tui.lock()?.bytes[before..].to_vec();
    Ok(TuiBatch {
        files,
        seconds,
        frames: frames_in(&output),
        bytes_written: output.len(),
    })
}
