//! Runs a client process under GNU time for its wall time and peak RSS.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::stats::Samples;

/// One finished client run.
#[derive(Clone, Debug)]
pub struct Run {
    pub seconds: f64,
    pub peak_rss_kib: u64,
    pub stdout: String,
}

/// The runs' wall times, in seconds.
pub fn seconds_of(runs: &[Run]) -> Samples {
    Samples::new(runs.iter().map(|r| r.seconds).collect())
}

/// The runs' peak RSS, in MiB.
pub fn rss_mib_of(runs: &[Run]) -> Samples {
    Samples::new(
        runs.iter()
            .map(|r| r.peak_rss_kib as f64 / 1024.0)
            .collect(),
    )
}

/// How many times faster `fast` ran than `slow`, pair by pair (`slow`'s time over `fast`'s).
pub fn speed_ups(fast: &[Run], slow: &[Run]) -> Samples {
    Samples::new(
        fast.iter()
            .zip(slow)
            .map(|(fast, slow)| slow.seconds / fast.seconds)
            .collect(),
    )
}

/// Runs `program args…` with only `env` (plus PATH and HOME) in `dir`, failing on a non-zero
/// exit. The wall time is measured here and includes process start-up, as a user sees it.
pub fn measure(
    program: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    dir: &Path,
) -> anyhow::Result<Run> {
    let rss_file: PathBuf = dir.join(".peak-rss");
    let mut command = Command::new("/usr/bin/time");
    command
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss_file)
        .arg(program)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let started = Instant::now();
    let output = command
        .output()
        .with_context(|| format!("running {}", program.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!(
            "{} {} failed ({}): {}{}",
            program.display(),
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let text = std::fs::read_to_string(&rss_file)?;
    let peak_rss_kib = text
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .with_context(|| format!("GNU time wrote {text:?}"))?;
    std::fs::remove_file(&rss_file)?;
    Ok(Run {
        seconds,
        peak_rss_kib,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    })
}
