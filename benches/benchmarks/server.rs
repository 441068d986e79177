//! The emulator as its own process (`d2files demo-server`), so that its CPU and memory are not
//! the measured client's.
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

/// The emulator's administrator, whom every client run logs in as.
pub use d2files::emulator::{ADMIN_PASSWORD as PASSWORD, ADMIN_USERNAME as USERNAME};

pub struct Server {
    child: Child,
    pub url: String,
    /// The emulator's TMPDIR: its blob store lives below it.
    tmp: PathBuf,
    /// Blobs that must survive [`Server::drop_uploads`] (download sources).
    keep: HashSet<PathBuf>,
}

impl Server {
    /// Starts an empty emulator without an upload limit or storage delay, on a free port;
    /// `extra` are more `demo-server` options.
    pub fn start(binary: &Path, tmp: &Path, extra: &[&str]) -> anyhow::Result<Server> {
        std::fs::create_dir_all(tmp)?;
        let mut child = Command::new(binary)
            .args(["demo-server", "--port", "0", "--no-seed"])
            .args(["--storage-delay-ms", "0", "--max-upload-size", "0"])
            .args(extra)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", tmp)
            .env("TMPDIR", tmp)
            .current_dir(tmp)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting d2files demo-server")?;
        let stdout = child.stdout.take().context("demo-server stdout")?;
        let mut stdout = BufReader::new(stdout);
        let mut first = String::new();
        stdout.read_line(&mut first)?;
        // Keep reading: a closed pipe would fail its next println.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let Some((_, url)) = first.trim().split_once("listening on ") else {
            let _ = child.kill();
            bail!("demo-server said {first:?} instead of its address");
        };
        Ok(Server {
            url: url.trim_end_matches('/').to_string(),
            child,
            tmp: tmp.to_path_buf(),
            keep: HashSet::new(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn blobs(&self) -> anyhow::Result<Vec<PathBuf>> {
        let mut blobs = Vec::new();
        for dir in std::fs::read_dir(&self.tmp)? {
            let dir = dir?.path();
            if dir.is_dir() {
                for file in std::fs::read_dir(&dir)? {
                    let file = file?.path();
                    if file.extension().is_some_and(|e| e == "blob") {
                        blobs.push(file);
                    }
                }
            }
        }
        Ok(blobs)
    }

    /// Marks every blob stored so far as one to keep.
    pub fn keep_current_blobs(&mut self) -> anyhow::Result<()> {
        self.keep.extend(self.blobs()?);
        Ok(())
    }

    /// Deletes the blobs of benchmark uploads, so that a full run does not leave gigabytes of
    /// dirty pages behind to be written back during later cases.
    pub fn drop_uploads(&self) -> anyhow::Result<()> {
        for blob in self.blobs()? {
            if !self.keep.contains(&blob) {
                std::fs::remove_file(&blob)?;
            }
        }
        Ok(())
    }

    /// The emulator's peak resident set so far, in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM lets it delete its temp dir; SIGKILL only if that fails.
        let stopped = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
