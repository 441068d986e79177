//! Ctrl-C and SIGTERM during a command: stop it cleanly and say what the interruption left.
use std::path::PathBuf;

use crate::api::UnlinkedUpload;
use crate::cli::args::{DocumentsCommand, ResourcesCommand};
use crate::cli::output::printable;

/// A command stopped by a signal, with what that left behind.
#[derive(Debug)]
pub struct Interrupted {
    text: String,
    signal: Signal,
}

impl Interrupted {
    /// 128 + the signal's number, as shells report a command a signal ended.
    pub fn exit_code(&self) -> u8 {
        128 + match self.signal {
            Signal::Hangup => 1,
            Signal::Interrupt => 2,
            Signal::Terminate => 15,
        }
    }
}

/// The signals that stop a command cleanly.
#[derive(Clone, Copy, Debug)]
pub enum Signal {
    Hangup,
    Interrupt,
    Terminate,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::Hangup => "SIGHUP",
            Signal::Interrupt => "Ctrl-C",
            Signal::Terminate => "SIGTERM",
        }
    }
}

impl Interrupted {
    /// A batch stopped by `signal`: what it did and did not do (its summary line), and what
    /// the server keeps linked to nothing.
    pub fn batch(signal: Signal, summary: &str, unlinked: &[&str]) -> Interrupted {
        let mut text = format!("interrupted by {}: {summary}", signal.name());
        if !unlinked.is_empty() {
            text.push_str(&format!(
                "; the server keeps file resources linked to nothing: {} (d2files documents \
                 link UID --name NAME finishes one)",
                unlinked.join(", ")
            ));
        }
        Interrupted { text, signal }
    }
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Interrupted {}

/// What a command does that an interruption can leave half done.
pub enum Work {
    Download,
    /// A document upload: its file resource may be on the server, linked to nothing.
    DocumentUpload(PathBuf),
    ResourceUpload(PathBuf),
    Other,
}

impl Work {
    pub fn of_documents(command: &DocumentsCommand) -> Work {
        match command {
            DocumentsCommand::Download { .. } => Work::Download,
            DocumentsCommand::Upload { paths, .. } => {
                Work::DocumentUpload(paths.first().cloned().unwrap_or_default())
            }
            DocumentsCommand::Replace { path, .. } => Work::DocumentUpload(path.clone()),
            _ => Work::Other,
        }
    }

    pub fn of_resources(command: &ResourcesCommand) -> Work {
        match command {
            ResourcesCommand::Download { .. } => Work::Download,
            ResourcesCommand::Upload { path, .. } => Work::ResourceUpload(path.clone()),
            _ => Work::Other,
        }
    }

    /// The message for an interruption by `signal`, given what the server said it kept.
    fn interrupted(&self, by: Signal, unlinked: Option<String>) -> Interrupted {
        let signal = by.name();
        let kept = unlinked.as_deref().map(printable);
        let text = match (self, kept) {
            (Work::Download, _) => {
                format!("interrupted by {signal} (a partial download is removed)")
            }
            (Work::DocumentUpload(path), Some(fr)) => format!(
                "interrupted by {signal} while uploading {}: the server keeps the bytes as file \
                 resource {fr}, linked to nothing; finish without uploading again: \
                 d2files documents link {fr} --name NAME",
                path.display()
            ),
            (Work::ResourceUpload(path), Some(fr)) => format!(
                "interrupted by {signal} while uploading {}: the server keeps it as file \
                 resource {fr}, not yet confirmed stored (check with d2files resources get {fr})",
                path.display()
            ),
            (Work::DocumentUpload(path) | Work::ResourceUpload(path), None) => format!(
                "interrupted by {signal} while uploading {}, before the server confirmed the \
                 upload: no document was created",
                path.display()
            ),
            (Work::Other, _) => format!("interrupted by {signal}"),
        };
        Interrupted { text, signal: by }
    }
}

/// Runs a command until it ends or a stop signal arrives. Stopping drops the command, which
/// removes a download's part file and aborts an upload before the process exits (the default
/// signal action would leave `<name>.part` behind); the error then says what was left.
pub async fn until_stopped(
    command: impl std::future::Future<Output = anyhow::Result<()>>,
    work: Work,
    unlinked: &UnlinkedUpload,
) -> anyhow::Result<()> {
    tokio::select! {
        result = command => result,
        signal = stop_signal() => Err(work.interrupted(signal, unlinked.get()).into()),
    }
}

/// The next stop signal (Ctrl-C, SIGTERM, SIGHUP). Once called, these no longer end the
/// process by themselves.
pub async fn stop_signal() -> Signal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // SIGHUP is a dropped SSH session: its default action would leave a part file behind.
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            (Ok(mut terminate), Ok(mut hangup)) => tokio::select! {
                _ = tokio::signal::ctrl_c() => Signal::Interrupt,
                _ = terminate.recv() => Signal::Terminate,
                _ = hangup.recv() => Signal::Hangup,
            },
            (Err(error), _) | (_, Err(error)) => {
                tracing::warn!("cannot watch for SIGTERM and SIGHUP: {error}");
                let _ = tokio::signal::ctrl_c().await;
                Signal::Interrupt
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        Signal::Interrupt
    }
}
