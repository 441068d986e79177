//! Where d2files keeps its own files, from the platform's conventions (XDG on Linux).
use std::path::{Path, PathBuf};

use directories::{ProjectDirs, UserDirs};

use super::error::ConfigError;

/// d2files' directories. None of them is created here; writers create what they need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// Settings and keymap (`$XDG_CONFIG_HOME/d2files`).
    pub config_dir: PathBuf,
    /// Data kept between runs (`$XDG_DATA_HOME/d2files`).
    pub data_dir: PathBuf,
    /// Logs (`$XDG_STATE_HOME/d2files`; platforms without a state dir use `<data>/state`).
    pub state_dir: PathBuf,
    /// Where downloads go unless the user picks a place: the user's download folder, else the
    /// working directory.
    pub download_dir: PathBuf,
}

impl Paths {
    /// The platform's directories for this user, honouring `XDG_*` through the directories crate.
    pub fn from_process() -> Result<Self, ConfigError> {
        let dirs = ProjectDirs::from("org", "dhis2", "d2files").ok_or(ConfigError::NoHome)?;
        let download_dir = UserDirs::new()
            .and_then(|u| u.download_dir().map(Path::to_path_buf))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(Self {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
            state_dir: dirs
                .state_dir()
                .map_or_else(|| dirs.data_local_dir().join("state"), Path::to_path_buf),
            download_dir,
        })
    }

    /// Everything under one root (`config/`, `data/`, `state/`, `downloads/`), for tests and
    /// for running d2files from a self-contained folder.
    pub fn under(root: impl AsRef<Path>) -> Self {
        let root = root.as_ref();
        Self {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
            state_dir: root.join("state"),
            download_dir: root.join("downloads"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_keeps_everything_below_the_root() {
        let paths = Paths::under("/r");
        assert_eq!(paths.config_dir, Path::new("/r/config"));
        assert_eq!(paths.data_dir, Path::new("/r/data"));
        assert_eq!(paths.state_dir, Path::new("/r/state"));
        assert_eq!(paths.download_dir, Path::new("/r/downloads"));
    }
}
