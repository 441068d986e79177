//! Where d2files keeps its own files: the XDG base directories on every Unix (macOS included,
//! so its files sit beside `~/.config/dhis2/profiles.toml`), Windows' known folders elsewhere.
use std::path::{Path, PathBuf};

use directories::UserDirs;

use super::error::ConfigError;

/// d2files' directories. None of them is created here; writers create what they need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// Settings and keymap (`$XDG_CONFIG_HOME/d2files`, `~/.config/d2files`).
    pub config_dir: PathBuf,
    /// Data kept between runs (`$XDG_DATA_HOME/d2files`, `~/.local/share/d2files`).
    pub data_dir: PathBuf,
    /// Logs (`$XDG_STATE_HOME/d2files`, `~/.local/state/d2files`; on Windows `<local data>/state`).
    pub state_dir: PathBuf,
    /// Where downloads go unless the user picks a place: the user's download folder, else the
    /// working directory.
    pub download_dir: PathBuf,
}

impl Paths {
    /// This user's directories, from the process environment.
    pub fn from_process() -> Result<Self, ConfigError> {
        let download_dir = UserDirs::new()
            .and_then(|u| u.download_dir().map(Path::to_path_buf))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        #[cfg(unix)]
        let paths = Self::xdg(
            directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf()),
            |name| std::env::var_os(name),
            download_dir,
        );
        #[cfg(not(unix))]
        let paths = Self::known_folders(download_dir);
        paths.ok_or(ConfigError::NoHome)
    }

    /// The XDG rule: `$XDG_CONFIG_HOME`, `$XDG_DATA_HOME` and `$XDG_STATE_HOME` where set to an
    /// absolute path (the spec says to ignore relative ones), else `~/.config`, `~/.local/share`
    /// and `~/.local/state`; `d2files` below each. `None` when a directory needs the home and
    /// there is none.
    #[cfg(unix)]
    fn xdg(
        home: Option<PathBuf>,
        var: impl Fn(&str) -> Option<std::ffi::OsString>,
        download_dir: PathBuf,
    ) -> Option<Self> {
        let base = |name: &str, below_home: &str| {
            var(name)
                .map(PathBuf::from)
                .filter(|dir| dir.is_absolute())
                .or_else(|| home.as_ref().map(|home| home.join(below_home)))
                .map(|dir| dir.join("d2files"))
        };
        Some(Self {
            config_dir: base("XDG_CONFIG_HOME", ".config")?,
            data_dir: base("XDG_DATA_HOME", ".local/share")?,
            state_dir: base("XDG_STATE_HOME", ".local/state")?,
            download_dir,
        })
    }

    /// Windows: `%APPDATA%\dhis2\d2files\config`, `…\data` and `%LOCALAPPDATA%\…\data\state`.
    #[cfg(not(unix))]
    fn known_folders(download_dir: PathBuf) -> Option<Self> {
        let dirs = directories::ProjectDirs::from("org", "dhis2", "d2files")?;
        Some(Self {
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

    #[cfg(unix)]
    fn xdg_paths(home: Option<&str>, vars: &[(&str, &str)]) -> Option<Paths> {
        let var = |name: &str| {
            vars.iter()
                .find(|(set, _)| *set == name)
                .map(|(_, value)| value.into())
        };
        Paths::xdg(home.map(PathBuf::from), var, PathBuf::from("/dl"))
    }

    #[cfg(unix)]
    #[test]
    fn xdg_defaults_to_the_dot_directories_of_the_home() {
        let paths = xdg_paths(Some("/home/u"), &[]).unwrap();
        assert_eq!(paths.config_dir, Path::new("/home/u/.config/d2files"));
        assert_eq!(paths.data_dir, Path::new("/home/u/.local/share/d2files"));
        assert_eq!(paths.state_dir, Path::new("/home/u/.local/state/d2files"));
        assert_eq!(paths.download_dir, Path::new("/dl"));
    }

    #[cfg(unix)]
    #[test]
    fn xdg_variables_win_when_absolute() {
        let set = [
            ("XDG_CONFIG_HOME", "/x/config"),
            ("XDG_DATA_HOME", "/x/data"),
            ("XDG_STATE_HOME", "/x/state"),
        ];
        let expected = |paths: Paths| {
            assert_eq!(paths.config_dir, Path::new("/x/config/d2files"));
            assert_eq!(paths.data_dir, Path::new("/x/data/d2files"));
            assert_eq!(paths.state_dir, Path::new("/x/state/d2files"));
        };
        expected(xdg_paths(Some("/home/u"), &set).unwrap());
        expected(xdg_paths(None, &set).expect("no home needed"));
    }

    #[cfg(unix)]
    #[test]
    fn xdg_ignores_relative_and_empty_variables() {
        let set = [
            ("XDG_CONFIG_HOME", "relative/config"),
            ("XDG_DATA_HOME", ""),
            ("XDG_STATE_HOME", "/x/state"),
        ];
        let paths = xdg_paths(Some("/home/u"), &set).unwrap();
        assert_eq!(paths.config_dir, Path::new("/home/u/.config/d2files"));
        assert_eq!(paths.data_dir, Path::new("/home/u/.local/share/d2files"));
        assert_eq!(paths.state_dir, Path::new("/x/state/d2files"));
        assert_eq!(xdg_paths(None, &set), None, "the config dir needs the home");
    }
}
