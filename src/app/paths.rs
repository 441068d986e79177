//! Where the TUI keeps its files: d2files' directories (`config::Paths`) plus the home
//! directory for `~/` in typed paths.
use std::path::{Path, PathBuf};

use directories::UserDirs;

use crate::config::Paths;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppPaths {
    pub dirs: Paths,
    /// For `~/` in typed paths.
    pub home: Option<PathBuf>,
}

impl AppPaths {
    /// The user's keymap overrides.
    pub fn keymap_file(&self) -> PathBuf {
        self.dirs.config_dir.join("keymap.toml")
    }

    /// The file resources this tool uploaded, for servers without a file resource list.
    pub fn uploads_file(&self) -> PathBuf {
        self.dirs.data_dir.join("uploads.json")
    }

    pub fn download_dir(&self) -> &Path {
        &self.dirs.download_dir
    }

    /// Expands a leading `~/` the way a shell would.
    pub fn expand(&self, path: &Path) -> PathBuf {
        expand_home(path, self.home.as_deref())
    }
}

/// A leading `~` (alone or before `/`) as `home`; any other path, or no home, as it is.
pub fn expand_home(path: &Path, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

/// Where a download is saved by default: the download directory and the server's file name,
/// made safe for the local file system.
pub fn default_download_path(dir: &Path, name: &str) -> String {
    dir.join(crate::api::filename::sanitize_file_name(name))
        .display()
        .to_string()
}

impl From<Paths> for AppPaths {
    fn from(dirs: Paths) -> AppPaths {
        AppPaths {
            dirs,
            home: UserDirs::new().map(|u| u.home_dir().to_path_buf()),
        }
    }
}
