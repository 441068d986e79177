//! The TUI logs to a file only: the terminal belongs to the screen.
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Keeps the log writer alive; dropping it flushes the last lines.
pub struct LogGuard {
    _worker: WorkerGuard,
}

/// Sends `tracing` events to `file` (filter from `D2FILES_LOG`, default `info`). Returns `None`
/// when the file cannot be opened or a logger is already installed; the TUI runs on without.
pub fn init(file: &Path) -> Option<LogGuard> {
    let dir = file.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let name = file.file_name()?;
    let appender = tracing_appender::rolling::never(dir, name);
    let (writer, worker) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("D2FILES_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).ok()?;
    tracing::info!("d2files {} TUI started", env!("CARGO_PKG_VERSION"));
    Some(LogGuard { _worker: worker })
}
