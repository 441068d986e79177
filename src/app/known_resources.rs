//! The file resources d2files knows of without the server's list (which DHIS2 has only from
//! 2.41): their origin, and the uploads file (`uploads.json` in the data directory) that keeps
//! this tool's own uploads per server across runs.
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Where an entry of the file resources pane came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The server's own list (DHIS2 2.41+).
    Server,
    /// Behind a document in the Documents pane.
    Document,
    /// Uploaded by this tool (remembered in its data directory).
    Upload,
    /// Looked up by hand.
    LookUp,
}

impl Origin {
    pub fn label(self) -> &'static str {
        match self {
            Origin::Server => "server",
            Origin::Document => "document",
            Origin::Upload => "uploaded",
            Origin::LookUp => "looked up",
        }
    }
}

/// A file resource known without the server's list (before 2.41).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownResource {
    pub uid: String,
    pub name: String,
    pub origin: Origin,
}

/// One line of the uploads file: the server it was uploaded to, and the file resource.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredUpload {
    server: String,
    #[serde(flatten)]
    resource: KnownResource,
}

fn read_all(file: &Path) -> Result<Vec<StoredUpload>, String> {
    match std::fs::read_to_string(file) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| e.to_string()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(error) => Err(error.to_string()),
    }
}

/// The uploads this tool made to `server` in earlier runs.
pub fn read_known(file: &Path, server: &str) -> Result<Vec<KnownResource>, String> {
    Ok(read_all(file)?
        .into_iter()
        .filter(|stored| stored.server == server)
        .map(|stored| stored.resource)
        .collect())
}

/// The most uploads the file keeps, all servers together; the oldest go first. Before 2.41
/// they are how the pane finds this tool's uploads, and past a few thousand rows nobody
/// browses them, while the file is read and rewritten whole at each upload.
pub const MAX_REMEMBERED_UPLOADS: usize = 5_000;

/// Adds an upload to the uploads file, writing a temporary file and renaming it.
pub fn remember(file: &Path, server: &str, known: KnownResource) -> Result<(), String> {
    let mut all = read_all(file)?;
    all.retain(|stored| !(stored.server == server && stored.resource.uid == known.uid));
    all.push(StoredUpload {
        server: server.to_string(),
        resource: known,
    });
    let surplus = all.len().saturating_sub(MAX_REMEMBERED_UPLOADS);
    all.drain(..surplus);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let text = serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?;
    let temporary = file.with_extension("json.tmp");
    std::fs::write(&temporary, text).map_err(|e| e.to_string())?;
    std::fs::rename(&temporary, file).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uploads_file_keeps_the_newest_within_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("uploads.json");
        let upload = |n: usize| KnownResource {
            uid: format!("F{n:010}"),
            name: format!("upload {n}"),
            origin: Origin::Upload,
        };
        let all: Vec<StoredUpload> = (0..MAX_REMEMBERED_UPLOADS)
            .map(|n| StoredUpload {
                server: "https://a.example/".into(),
                resource: upload(n),
            })
            .collect();
        std::fs::write(&file, serde_json::to_string(&all).unwrap()).unwrap();
        remember(&file, "https://a.example/", upload(MAX_REMEMBERED_UPLOADS)).unwrap();
        let known = read_known(&file, "https://a.example/").unwrap();
        assert_eq!(known.len(), MAX_REMEMBERED_UPLOADS);
        assert_eq!(known[0], upload(1), "the oldest went");
        assert_eq!(known.last(), Some(&upload(MAX_REMEMBERED_UPLOADS)));
    }

    #[test]
    fn uploads_are_remembered_across_runs() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data/uploads.json");
        let server = "https://a.example/";
        assert_eq!(read_known(&file, server).unwrap(), Vec::new());
        let known = KnownResource {
            uid: "TacExtJuMmW".into(),
            name: "report.pdf".into(),
            origin: Origin::Upload,
        };
        remember(&file, server, known.clone()).unwrap();
        remember(&file, server, known.clone()).unwrap();
        assert_eq!(read_known(&file, server).unwrap(), vec![known]);
        // Another server's uploads are not this one's.
        assert_eq!(read_known(&file, "https://b.example/").unwrap(), Vec::new());
    }
}
