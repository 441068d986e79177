//! The backup manifest: what a backup directory holds, per document and file resource, and
//! where it came from. Versioned, written atomically, documented in the README.
use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{Error, Result};

/// The manifest's file name in a backup directory.
pub const MANIFEST_FILE: &str = "d2files-backup.json";
/// What the manifest's `format` says, so another tool's JSON is never taken for one.
pub const MANIFEST_FORMAT: &str = "d2files-backup";
/// The manifest version this d2files writes and reads. A newer one is refused, not guessed at.
pub const MANIFEST_VERSION: u32 = 1;
/// The most a manifest may weigh when read back: a million documents at ~600 bytes each.
const MAX_MANIFEST_BYTES: u64 = 1 << 30;

/// A backup directory's record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// The server's base URL, never with credentials.
    pub server: String,
    pub dhis2_version: Option<String>,
    /// When this backup last ran to its end (RFC 3339, UTC).
    pub updated: String,
    pub d2files_version: String,
    pub documents: Vec<BackedDocument>,
    pub file_resources: Vec<BackedFileResource>,
    /// Documents earlier runs saved that the server no longer has; their files are kept
    /// (unless the backup was pruned).
    #[serde(default)]
    pub gone: Vec<BackedDocument>,
}

/// A document as backed up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackedDocument {
    pub id: String,
    pub name: String,
    pub external: bool,
    /// A link's URL, or the uid of the file resource holding the bytes.
    pub url: Option<String>,
    pub created: Option<String>,
    pub last_updated: Option<String>,
    /// The document's `sharing` as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing: Option<Value>,
    /// The file's path in the backup directory, relative to it; none for a link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// A file resource as backed up: what its bytes must be.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackedFileResource {
    pub id: String,
    pub name: Option<String>,
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    pub content_md5: Option<String>,
    pub domain: Option<String>,
    /// Relative to the backup directory.
    pub file: String,
}

impl Manifest {
    pub fn new(server: &str, dhis2_version: Option<String>) -> Manifest {
        Manifest {
            format: MANIFEST_FORMAT.into(),
            version: MANIFEST_VERSION,
            server: server.into(),
            dhis2_version,
            updated: now(),
            d2files_version: env!("CARGO_PKG_VERSION").into(),
            documents: Vec::new(),
            file_resources: Vec::new(),
            gone: Vec::new(),
        }
    }

    /// The manifest in `dir`, `None` when there is none yet.
    pub fn read(dir: &Path) -> Result<Option<Manifest>> {
        let path = dir.join(MANIFEST_FILE);
        let length = match std::fs::metadata(&path) {
            Ok(metadata) => metadata.len(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(unreadable(&path, &error.to_string())),
        };
        if length > MAX_MANIFEST_BYTES {
            return Err(unreadable(&path, "it is larger than any backup's manifest"));
        }
        let text = std::fs::read(&path).map_err(|e| unreadable(&path, &e.to_string()))?;
        let manifest: Manifest =
            serde_json::from_slice(&text).map_err(|e| unreadable(&path, &e.to_string()))?;
        if manifest.format != MANIFEST_FORMAT {
            return Err(unreadable(&path, "it is not a d2files backup manifest"));
        }
        if manifest.version > MANIFEST_VERSION {
            return Err(unreadable(
                &path,
                &format!(
                    "it is version {} of the format, newer than this d2files reads ({MANIFEST_VERSION}); update d2files",
                    manifest.version
                ),
            ));
        }
        Ok(Some(manifest))
    }

    /// Writes the manifest into `dir` atomically: a reader sees the old one or the new one.
    pub fn write(&self, dir: &Path) -> Result<()> {
        write_atomically(
            dir,
            MANIFEST_FILE,
            &serde_json::to_vec_pretty(self).map_err(to_io)?,
        )
    }

    pub fn file_resource(&self, uid: &str) -> Option<&BackedFileResource> {
        self.file_resources.iter().find(|fr| fr.id == uid)
    }
}

/// Whether a manifest's `file` names a file inside the backup's `files/` directory, as
/// d2files writes them: one safe name under `files/`. Anything else (`..`, an absolute path, a
/// link's directory) is a manifest someone edited, and nothing is read or written there.
pub fn is_backup_file(file: &str) -> bool {
    let Some(name) = file.strip_prefix(&format!("{}/", super::FILES_DIR)) else {
        return false;
    };
    !name.is_empty()
        && !name.contains(['/', '\\'])
        && name != ".."
        && name != "."
        && crate::api::filename::sanitize_file_name(name) == name
}

/// The current time, as manifests write it.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn to_io(error: serde_json::Error) -> Error {
    Error::InvalidInput(format!("cannot write the manifest: {error}"))
}

fn unreadable(path: &Path, why: &str) -> Error {
    Error::InvalidInput(format!("cannot read {}: {why}", path.display()))
}

/// Writes `bytes` as `dir/name` through a temporary file in `dir`, synced, then renamed.
pub(crate) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let failed = |error: std::io::Error| {
        Error::InvalidInput(format!(
            "cannot write {}: {error}",
            dir.join(name).display()
        ))
    };
    let mut file = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.as_file().sync_all().map_err(failed)?;
    file.persist(dir.join(name))
        .map_err(|error| failed(error.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_backup_file;

    #[test]
    fn only_a_safe_name_under_files_is_a_backup_file() {
        assert!(is_backup_file("files/report.pdf"));
        assert!(is_backup_file("files/report-Abcdefghij1.pdf"));
        for edited in [
            "../../etc/passwd",
            "/etc/passwd",
            "files/../../etc/passwd",
            "files/sub/report.pdf",
            "files/",
            "files/..",
            "report.pdf",
            "files\\..\\x",
        ] {
            assert!(!is_backup_file(edited), "{edited}");
        }
    }
}
