//! The TUI: state, messages, the pure `update`, the effect runner and the event loop.
//!
//! Flow: terminal events, runner replies and ticks → `Msg` → [`update`] → `Effect`s → the
//! [`runner`] (API work on tokio tasks) → `Msg`. [`crate::ui::draw`] paints `State`.
//!
//! * `update` never reads the clock: the loop sends `Msg::Tick(elapsed)` before each batch and,
//!   only while something waits or animates, every 50 ms. Debounces (filter 250 ms, details
//!   120 ms) and fading toasts are deadlines compared with that time.
//! * Every request carries a `ReqId`; a list, details or completion answer whose id is not the
//!   one awaited is dropped.
//! * A frame is drawn only when `State::dirty`, at most one per 16 ms; an idle screen writes
//!   nothing.
//! * Transfers: `update` keeps the list (`transfers`), the runner runs at most
//!   `D2FILES_TRANSFERS` (3) at once, each with a cancellation token, and forwards progress at
//!   most ten times a second. Batches (`batch`) run through `ops::apply` in the runner; each
//!   download, upload or copy step is a row of the same list, and their progress is drawn by
//!   the tick at most ten times a second however many files move. A copy goes to another
//!   configured profile's server, which the runner resolves and connects to when it plans it.
//! * Keys resolve by context (help, the open dialog, the filter prompt, the transfers panel,
//!   the list) through [`Keymap`]: `assets/keymap.toml` plus `keymap.toml` in the config dir.
pub mod batch;
pub mod check;
pub mod effect;
mod event_loop;
pub mod help;
pub mod ids;
pub mod image_terminal;
pub mod keymap;
pub mod known_resources;
pub mod local_filter;
pub mod marks;
pub mod msg;
pub mod path_completion;
pub mod paths;
pub mod pointer;
pub mod preview;
pub mod resource_book;
pub mod runner;
pub mod sharing;
pub mod shell_words;
pub mod state;
mod terminal;
pub mod transfer_job;
pub mod transfer_list;
pub mod update;

pub use effect::Effect;
pub use ids::{ReqId, TransferId};
pub use keymap::Keymap;
pub use known_resources::{KnownResource, Origin};
pub use msg::Msg;
pub use state::{Settings, State};
pub use transfer_job::{TransferJob, TransferOutcome};
pub use transfer_list::TransferState;
pub use update::{init, update};

use crate::api::Client;
use paths::AppPaths;

/// The TUI's log file in the state directory (the CLI opens it before calling [`run`]).
pub const LOG_FILE: &str = "d2files.log";

/// The bytes of a text file a preview reads (default 256 KiB).
pub const PREVIEW_TEXT_BYTES_VAR: &str = "D2FILES_PREVIEW_TEXT_BYTES";
/// The largest image, PDF or Office file a preview reads (default 8 MiB).
pub const PREVIEW_FILE_BYTES_VAR: &str = "D2FILES_PREVIEW_FILE_BYTES";

/// Rows per list request (default 50).
pub const PAGE_SIZE_VAR: &str = "D2FILES_PAGE_SIZE";

/// What the TUI is started with.
pub struct Launch {
    pub client: Client,
    /// The profile's name ("demo" for `--demo`), shown in the header.
    pub profile_name: String,
    /// Capture the mouse (`--mouse`).
    pub mouse: bool,
    pub paths: crate::config::Paths,
    /// Where the CLI's file logging writes (told to the user after a crash).
    pub log_file: std::path::PathBuf,
    /// The profile's warnings, for the screen.
    pub warnings: Vec<String>,
}

/// Runs the TUI until the user quits.
pub async fn run(launch: Launch) -> anyhow::Result<()> {
    let log_file = Some(launch.log_file);
    let paths = AppPaths::from(launch.paths);
    let (keymap, keymap_problems) = load_keymap(&paths);
    let mut warnings = launch.warnings;
    let jobs = crate::ops::jobs_from(std::env::var(crate::ops::JOBS_VARIABLE).ok().as_deref())
        .unwrap_or_else(|problem| {
            warnings.push(format!("{problem}; using {}", crate::ops::DEFAULT_JOBS));
            crate::ops::DEFAULT_JOBS
        });
    let settings = Settings {
        profile: launch.profile_name,
        base_url: launch.client.base_url().to_string(),
        download_dir: paths.download_dir().to_path_buf(),
        log_path: log_file.clone(),
        keymap,
        keymap_problems,
        warnings,
        color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        page_size: page_size_from_env(),
        mouse: launch.mouse,
    };
    let mut state = State::new(settings);
    state.preview.limits = preview::limits_from(
        std::env::var(PREVIEW_TEXT_BYTES_VAR).ok().as_deref(),
        std::env::var(PREVIEW_FILE_BYTES_VAR).ok().as_deref(),
    );
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = runner::Runner::new(launch.client, tx, paths).with_jobs(jobs);
    let mut tui = terminal::enter(log_file.clone(), state.settings.mouse)?;
    let result = event_loop::run(&mut tui, &mut state, runner, rx).await;
    terminal::restore();
    let log_note = log_file
        .as_ref()
        .map(|file| format!(" (log: {})", file.display()))
        .unwrap_or_default();
    if let Ok(event_loop::Exit::Terminated) = &result {
        eprintln!("d2files: terminated; running transfers were cancelled{log_note}");
    }
    if let Err(error) = &result {
        tracing::error!("the TUI stopped: {error:#}");
        // The error may carry a server's words.
        let shown = crate::api::filename::printable(&format!("{error:#}"));
        eprintln!("d2files stopped: {shown}{log_note}");
    }
    result.map(|_| ())
}

/// The default keymap with the user's file on top, and what to tell the user about the file:
/// a bad file is reported and ignored, a key moved from one action to another is reported.
fn load_keymap(paths: &AppPaths) -> (Keymap, Vec<String>) {
    let file = paths.keymap_file();
    match std::fs::read_to_string(&file) {
        Ok(text) => match Keymap::with_overrides(&text, &file) {
            Ok((keymap, moved)) => (keymap, moved),
            Err(error) => {
                tracing::warn!("{error}");
                (
                    Keymap::default(),
                    vec![format!("{error} (using the default keys)")],
                )
            }
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            (Keymap::default(), Vec::new())
        }
        Err(error) => (
            Keymap::default(),
            vec![format!("cannot read keymap {}: {error}", file.display())],
        ),
    }
}

/// `D2FILES_PAGE_SIZE`, when it is a usable page size.
fn page_size_from_env() -> u32 {
    std::env::var(PAGE_SIZE_VAR)
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .filter(|size| (1..=crate::api::MAX_PAGE_SIZE).contains(size))
        .unwrap_or(state::PAGE_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_keymap_file_is_reported_with_its_path_and_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let paths = AppPaths {
            dirs: crate::config::Paths {
                config_dir: dir.path().to_path_buf(),
                data_dir: dir.path().join("data"),
                state_dir: dir.path().join("state"),
                download_dir: dir.path().join("downloads"),
            },
            home: None,
        };
        let (keymap, problems) = load_keymap(&paths);
        assert_eq!((keymap, problems), (Keymap::default(), Vec::new()));
        std::fs::write(paths.keymap_file(), "[list]\njump = [\"J\"]\n").unwrap();
        let (keymap, problems) = load_keymap(&paths);
        assert_eq!(keymap, Keymap::default());
        let [error] = problems.as_slice() else {
            panic!("one problem: {problems:?}")
        };
        assert!(
            error.contains(&paths.keymap_file().display().to_string()),
            "{error}"
        );
        assert!(error.contains("unknown action `jump`"), "{error}");
        std::fs::write(paths.keymap_file(), "[list]\ndown = [\"n\"]\n").unwrap();
        let (keymap, problems) = load_keymap(&paths);
        assert_eq!(problems, Vec::<String>::new());
        assert_ne!(keymap, Keymap::default());
    }
}
