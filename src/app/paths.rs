//! Where the TUI keeps its files. A seam over the platform directories, so the TUI can switch
//! to `config::Paths` in one place.
use std::path::PathBuf;

use anyhow::Context as _;
use directories::{ProjectDirs, UserDirs};

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
    pub fn from_process() -> anyhow::Result<AppPaths> {
        let dirs =
            ProjectDirs::from("org", "dhis2", "d2files").context("no home directory: set HOME")?;
        let user = UserDirs::new();
        let download_dir = user
            .as_ref()
            .and_then(|u| u.download_dir().map(PathBuf::from))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(AppPaths {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
            state_dir: dirs
                .state_dir()
                .map_or_else(|| dirs.data_local_dir().join("state"), PathBuf::from),
            download_dir,
            home: user.map(|u| u.home_dir().to_path_buf()),
        })
    }

    /// The user's keymap overrides.
    pub fn keymap_file(&self) -> PathBuf {
        self.config_dir.join("keymap.toml")
    }

    /// The file resources this tool uploaded, for servers without a file resource list.
    pub fn uploads_file(&self) -> PathBuf {
        self.data_dir.join("uploads.json")
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("tui.log")
    }

    /// Expands a leading `~/` the way a shell would.
    pub fn expand(&self, path: &std::path::Path) -> PathBuf {
        match (path.strip_prefix("~"), &self.home) {
            (Ok(rest), Some(home)) => home.join(rest),
            _ => path.to_path_buf(),
        }
    }
}
