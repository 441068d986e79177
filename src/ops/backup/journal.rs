//! The journal of a backup run: one line per file saved, appended as it lands, so a run that
//! was stopped (Ctrl-C, a lost link, a killed process) resumes without fetching it again.
use std::fs::OpenOptions;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::ops::backup::manifest::{BackedDocument, BackedFileResource};

/// The journal's file name in a backup directory.
pub const JOURNAL_FILE: &str = ".d2files-backup.journal";

/// One saved file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    /// `None` for a file resource no document points at.
    #[serde(default)]
    pub document: Option<BackedDocument>,
    pub file_resource: BackedFileResource,
}

/// Appends entries to a backup directory's journal; cloned into the run's event callback.
#[derive(Clone, Debug)]
pub struct Journal {
    path: PathBuf,
    /// One writer at a time: lines never interleave.
    lock: Arc<Mutex<()>>,
}

impl Journal {
    pub fn in_dir(dir: &Path) -> Journal {
        Journal {
            path: dir.join(JOURNAL_FILE),
            lock: Arc::new(Mutex::new(())),
        }
    }

    /// Records a saved file. A journal that cannot be written costs only the resume (the
    /// manifest at the end still records the file), so the error is logged, not raised.
    pub fn record(&self, entry: &Entry) {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let written = serde_json::to_string(entry)
            .map_err(std::io::Error::other)
            .and_then(|line| {
                let mut file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)?;
                writeln!(file, "{line}")
            });
        if let Err(error) = written {
            tracing::warn!("backup journal {}: {error}", self.path.display());
        }
    }

    /// The entries of an earlier run that did not finish; a torn last line (the process
    /// killed mid-write) is ignored.
    pub fn read(dir: &Path) -> Vec<Entry> {
        let Ok(file) = std::fs::File::open(dir.join(JOURNAL_FILE)) else {
            return Vec::new();
        };
        BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| serde_json::from_str(&line).ok())
            .collect()
    }

    /// The run ended and its manifest is written: the journal has nothing more to say.
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
