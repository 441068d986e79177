//! Logging to a file (TUI, MCP server, CLI commands). Never to the terminal: the MCP server speaks
//! JSON-RPC on stdout, the TUI draws there, and the CLI says its own sentences on stderr.
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use tracing::Subscriber;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::{EnvFilter, fmt};

use super::error::ConfigError;
use super::paths::Paths;

/// The variable holding a `RUST_LOG`-style filter, e.g. `D2FILES_LOG=d2files=debug`.
pub const LOG_FILTER_VAR: &str = "D2FILES_LOG";

/// Lines waiting for the log writer's thread. The appender's default (128,000) allocates about
/// 4 MiB up front, a quarter of a CLI download's memory; d2files logs a few lines a second at
/// most, and a burst past this drops lines rather than block a transfer.
const LOG_BUFFER_LINES: usize = 4096;

/// A log file past this size is moved to `<name>.old` at start-up, so logs stay bounded.
const ROTATE_AT_BYTES: u64 = 10 * 1024 * 1024;

/// Keeps the background writer alive; dropping it flushes what is buffered. Hold it until exit.
#[derive(Debug)]
pub struct LogGuard {
    path: PathBuf,
    _worker: WorkerGuard,
}

impl LogGuard {
    /// The log file, for "see the log at …" messages.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Sends this process's `tracing` events to `file_name` in the state dir, through a
/// non-blocking writer. The filter comes from `D2FILES_LOG` (default `info`).
pub fn init_file_logging(paths: &Paths, file_name: &str) -> Result<LogGuard, ConfigError> {
    let spec = std::env::var(LOG_FILTER_VAR).ok();
    let (subscriber, guard, filter_warning) = file_subscriber(paths, file_name, spec.as_deref())?;
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|e| ConfigError::LoggerInstalled(e.to_string()))?;
    if let Some(warning) = filter_warning {
        tracing::warn!("{warning}");
    }
    tracing::info!(
        "d2files {} logging to {}",
        env!("CARGO_PKG_VERSION"),
        guard.path.display()
    );
    Ok(guard)
}

/// The file subscriber without installing it, so tests can scope it with `with_default`.
/// The third value is a warning about an unusable filter.
fn file_subscriber(
    paths: &Paths,
    file_name: &str,
    filter_spec: Option<&str>,
) -> Result<
    (
        impl Subscriber + Send + Sync + 'static,
        LogGuard,
        Option<String>,
    ),
    ConfigError,
> {
    let path = paths.state_dir.join(file_name);
    let file = open_log(&path).map_err(|source| ConfigError::LogFile {
        path: path.clone(),
        source,
    })?;
    let (writer, worker) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_BUFFER_LINES)
        .finish(file);
    let (filter, warning) = filter(filter_spec, "info");
    let subscriber = tracing_subscriber::registry().with(filter).with(
        fmt::layer()
            .with_writer(move || InertLines(writer.clone()))
            .with_ansi(false),
    );
    Ok((
        subscriber,
        LogGuard {
            path,
            _worker: worker,
        },
        warning,
    ))
}

/// A log writer that neutralises each event's line: a server's words in a message (an error,
/// a name) cannot move the cursor, retitle the terminal of whoever reads or `tail`s the log,
/// or forge a line of their own (a `\r` or `\n` inside becomes `?`). tracing-subscriber
/// formats an event into one buffer and writes it in one call, so the one newline kept is the
/// event's own, at the end.
struct InertLines<W>(W);

impl<W: Write> Write for InertLines<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (line, end) = match text.strip_suffix('\n') {
            Some(line) => (line, "\n"),
            None => (text.as_ref(), ""),
        };
        let inert = format!("{}{end}", crate::api::filename::printable(line));
        // A log that cannot be written (stderr closed, disk full) is no reason to stop, nor
        // for tracing to report it on that same stderr.
        let _ = self.0.write_all(inert.as_bytes());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}

fn open_log(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    rotate_if_large(path, ROTATE_AT_BYTES)?;
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    // Logs name files and servers; they are nobody else's business.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn rotate_if_large(path: &Path, limit: u64) -> std::io::Result<()> {
    match fs::metadata(path) {
        Ok(meta) if meta.len() > limit => {
            let mut old = path.as_os_str().to_owned();
            old.push(".old");
            fs::rename(path, old)
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// The filter from `spec`, or `default` (and a warning) when `spec` does not parse.
fn filter(spec: Option<&str>, default: &str) -> (EnvFilter, Option<String>) {
    match spec.map(str::trim).filter(|s| !s.is_empty()) {
        None => (EnvFilter::new(default), None),
        Some(spec) => match EnvFilter::try_new(spec) {
            Ok(filter) => (filter, None),
            Err(e) => (
                EnvFilter::new(default),
                Some(format!(
                    "{LOG_FILTER_VAR}={spec:?} is not a valid filter ({e}); logging at {default}"
                )),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with(spec: Option<&str>, emit: impl FnOnce()) -> (String, Option<String>) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let (subscriber, guard, warning) = file_subscriber(&paths, "t.log", spec).unwrap();
        assert_eq!(guard.path(), dir.path().join("state").join("t.log"));
        tracing::subscriber::with_default(subscriber, emit);
        let path = guard.path().to_path_buf();
        drop(guard); // flushes the background writer
        (fs::read_to_string(path).unwrap(), warning)
    }

    #[test]
    fn writes_info_and_above_by_default() {
        let (text, warning) = log_with(None, || {
            tracing::info!("shown-info");
            tracing::debug!("hidden-debug");
        });
        assert!(text.contains("shown-info"), "{text}");
        assert!(!text.contains("hidden-debug"), "{text}");
        assert!(!text.contains('\u{1b}'), "no colour codes in files");
        assert_eq!(warning, None);
    }

    #[test]
    fn a_servers_words_cannot_rewrite_the_log_or_forge_a_line() {
        let (text, _) = log_with(None, || {
            tracing::warn!(
                "failed: evil\u{1b}]0;x\u{7}\r\nINFO forged\u{202e}\u{200b}\u{9b}2J end"
            );
            tracing::info!("next");
        });
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(
            !text
                .chars()
                .any(|c| c != '\n' && crate::api::filename::is_terminal_control(c)),
            "{text:?}"
        );
        assert!(text.contains("evil"), "{text}");
    }

    #[test]
    fn the_filter_can_lower_the_level() {
        let (text, _) = log_with(Some("debug"), || tracing::debug!("shown-debug"));
        assert!(text.contains("shown-debug"), "{text}");
    }

    #[test]
    fn a_bad_filter_falls_back_with_a_warning() {
        let (text, warning) = log_with(Some("d2files=loud"), || tracing::info!("still-info"));
        assert!(text.contains("still-info"), "{text}");
        let warning = warning.expect("a warning");
        assert!(warning.starts_with("D2FILES_LOG=\"d2files=loud\" is not a valid filter"));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let (_, guard, _) = file_subscriber(&Paths::under(dir.path()), "p.log", None).unwrap();
        let mode = fs::metadata(guard.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }

    #[test]
    fn large_logs_move_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        fs::write(&path, "0123456789").unwrap();
        rotate_if_large(&path, 100).unwrap();
        assert!(path.exists());
        rotate_if_large(&path, 5).unwrap();
        assert!(!path.exists());
        assert_eq!(
            fs::read_to_string(dir.path().join("x.log.old")).unwrap(),
            "0123456789"
        );
    }

    #[test]
    fn an_unwritable_place_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("state"), "a file, not a dir").unwrap();
        let err = file_subscriber(&Paths::under(dir.path()), "x.log", None)
            .err()
            .expect("fails");
        assert!(
            err.to_string().starts_with("cannot open the log file "),
            "{err}"
        );
        assert!(err.to_string().contains("x.log"), "{err}");
    }
}
