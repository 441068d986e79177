//! Everything that can happen to the TUI: keys, time, and the replies of the effect runner.
use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use crate::api::{Document, Error, FileResource, Page, Progress, ServerInfo};
use crate::app::effect::{ReqId, TransferId, TransferOutcome};
use crate::app::state::KnownResource;

/// A document with, for a file document, its file resource (or why it could not be read).
#[derive(Clone, Debug)]
pub struct Detail {
    pub document: Document,
    pub resource: Option<Result<FileResource, String>>,
}

pub enum Msg {
    /// Time since start; the loop sends it before each batch and while something animates.
    Tick(Duration),
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    Resize(u16, u16),
    /// A click or a wheel turn (only with `--mouse`; the loop drops moves and releases).
    Mouse(MouseEvent),
    Connected(Result<ServerInfo, Error>),
    DocumentsLoaded {
        req: ReqId,
        page: u32,
        result: Result<Page<Document>, Error>,
    },
    ResourcesLoaded {
        req: ReqId,
        page: u32,
        result: Result<Page<FileResource>, Error>,
    },
    /// The document behind the details panel and, for a file document, its file resource.
    DetailLoaded {
        req: ReqId,
        result: Result<Box<Detail>, Error>,
    },
    ResourceLoaded {
        req: ReqId,
        uid: String,
        result: Result<Box<FileResource>, Error>,
    },
    DocumentFilesLoaded(Result<Vec<FileResource>, Error>),
    LinkCreated(Result<Document, Error>),
    Deleted {
        uid: String,
        name: String,
        result: Result<(), Error>,
    },
    /// The answer to [`crate::app::effect::Effect::CheckUpload`].
    UploadChecked {
        req: ReqId,
        result: Result<(), Error>,
    },
    Completed {
        req: ReqId,
        completion: Completion,
    },
    /// The file resources this tool uploaded in earlier runs (from its data directory).
    KnownResources(Vec<KnownResource>),
    TransferStarted(TransferId),
    TransferProgress(TransferId, Progress),
    TransferFinished(TransferId, Result<TransferOutcome, Error>),
    /// A runner side effect failed (open, copy, save): shown as an error toast.
    Failed(String),
    /// A link or file could not be opened here (no desktop over SSH, no launcher): `target`
    /// is copied to the clipboard instead, which works over SSH.
    OpenFailed {
        target: String,
        reason: String,
    },
}

/// The answer to a Tab in a path field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The text the completion was computed for; ignored if the field changed since.
    pub input: String,
    /// The completed text (the longest common prefix of the candidates).
    pub completed: String,
    /// Candidate names, shown under the field when there are several.
    pub candidates: Vec<String>,
}

impl Completion {
    pub fn of(input: &str, dir_part: &str, names: &[(String, bool)]) -> Completion {
        let (_, prefix) = split_path(input);
        let mut matching: Vec<&(String, bool)> = names
            .iter()
            .filter(|(name, _)| {
                name.starts_with(prefix) && (prefix.starts_with('.') || !name.starts_with('.'))
            })
            .collect();
        matching.sort();
        let completed = match matching.as_slice() {
            [] => input.to_string(),
            [(name, is_dir)] => format!("{dir_part}{name}{}", if *is_dir { "/" } else { "" }),
            many => {
                let first = &many[0].0;
                let common = many.iter().fold(first.chars().count(), |len, (name, _)| {
                    first
                        .chars()
                        .zip(name.chars())
                        .take(len)
                        .take_while(|(a, b)| a == b)
                        .count()
                });
                let common: String = first.chars().take(common).collect();
                format!("{dir_part}{common}")
            }
        };
        let candidates = if matching.len() > 1 {
            matching
                .iter()
                .map(|(name, is_dir)| format!("{name}{}", if *is_dir { "/" } else { "" }))
                .collect()
        } else {
            Vec::new()
        };
        Completion {
            input: input.to_string(),
            completed,
            candidates,
        }
    }
}

/// Splits a typed path into the directory part (with its trailing `/`) and the name being typed.
pub fn split_path(input: &str) -> (&str, &str) {
    match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    }
}

/// The directory to list for a typed path (`~/` expanded by the caller's home).
pub fn directory_to_list(input: &str, home: Option<&PathBuf>) -> PathBuf {
    let (dir, _) = split_path(input);
    if dir.is_empty() {
        return PathBuf::from(".");
    }
    match (dir.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(dir),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_extends_to_the_common_prefix_and_marks_directories() {
        let names = vec![
            ("report-2024.pdf".to_string(), false),
            ("report-2025.pdf".to_string(), false),
            ("reports".to_string(), true),
            (".hidden".to_string(), false),
        ];
        let c = Completion::of("/tmp/rep", "/tmp/", &names);
        assert_eq!(c.completed, "/tmp/report");
        assert_eq!(c.candidates.len(), 3);
        let c = Completion::of("/tmp/reports", "/tmp/", &names);
        assert_eq!(c.completed, "/tmp/reports/");
        let c = Completion::of("x", "", &names);
        assert_eq!(c.completed, "x");
        assert!(
            Completion::of("", "", &names)
                .candidates
                .iter()
                .all(|n| !n.starts_with('.'))
        );
    }
}
