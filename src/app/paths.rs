//! Where the TUI keeps its files: d2files' directories (`config::Paths`) plus the home
//! directory for `~/` in typed paths.
use std::path::PathBuf;

use directories::UserDirs;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppPaths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub state_dir: PathBuf,
    pub download_dir: PathBuf,
    /// For `~/` in typed paths.
    pub home: Option<PathBuf>,
}

impl AppPaths {
    /// The user's keymap overrides.
    pub fn keymap_file(&self) -> PathBuf {
        self.config_dir.join("keymap.toml")
    }

    /// The file resources this tool uploaded, for servers without a file resource list.
    pub fn uploads_file(&self) -> PathBuf {
        self.data_dir.join("uploads.json")
    }

    /// Expands a leading `~/` the way a shell would.
    pub fn expand(&self, path: &std::path::Path) -> PathBuf {
        match (path.strip_prefix("~"), &self.home) {
            (Ok(rest), Some(home)) => home.join(rest),
            _ => path.to_path_buf(),
        }
    }
}

/// Where a download is saved by default: the download directory and the server's file name,
/// made safe for the local file system.
pub fn default_download_path(dir: &std::path::Path, name: &str) -> String {
    dir.join(crate::api::filename::sanitize_file_name(name))
        .display()
        .to_string()
}

impl From<crate::config::Paths> for AppPaths {
    fn from(paths: crate::config::Paths) -> AppPaths {
        AppPaths {
            config_dir: paths.config_dir,
            data_dir: paths.data_dir,
            state_dir: paths.state_dir,
            download_dir: paths.download_dir,
            home: UserDirs::new().map(|u| u.home_dir().to_path_buf()),
        }
    }
}
