//! What can go wrong while finding profiles, paths and log files, in words an operator can act on.
//! No variant ever holds a password or token.
use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A profiles file exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// A profiles file is wrong at a given place (line and column count from 1).
    #[error("{}:{line}:{column}: {message}", path.display())]
    File {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    /// A command-line flag or environment variable (`setting`) is wrong or lacks a partner.
    #[error("{message}")]
    Setting {
        setting: &'static str,
        message: String,
    },

    /// `--profile` or `DHIS2_PROFILE` names a profile that no file defines.
    #[error("{}", unknown_profile(name, asked_by, searched, available))]
    UnknownProfile {
        name: String,
        /// `--profile` or `DHIS2_PROFILE`.
        asked_by: &'static str,
        searched: Vec<PathBuf>,
        available: Vec<String>,
    },

    /// Profiles exist but nothing says which one to use.
    #[error("{}", no_default(files, available))]
    NoDefault {
        files: Vec<PathBuf>,
        available: Vec<String>,
    },

    /// No flag, no environment variable and no profile: nothing to connect to.
    #[error("{}", not_configured(project_start, project_file, user_file, hint))]
    NotConfigured {
        /// Where the walk up for `.dhis2/profiles.toml` started.
        project_start: PathBuf,
        /// The project file found on the way up, if any (it then defines no profiles).
        project_file: Option<PathBuf>,
        user_file: Option<PathBuf>,
        /// Set when some `DHIS2_*` credentials are present without a URL.
        hint: Option<String>,
    },

    /// Neither the directories crate nor `$HOME` gave a home directory.
    #[error("cannot find your home directory; set HOME")]
    NoHome,

    /// The log file or its directory could not be created or opened.
    #[error("cannot open the log file {}: {source}", path.display())]
    LogFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// A global logger was already installed in this process.
    #[error("cannot start logging: {0}")]
    LoggerInstalled(String),
}

pub(crate) fn paths_list(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "no profiles file (none exists)".to_string();
    }
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" and ")
}

pub(crate) fn names_list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

fn unknown_profile(
    name: &str,
    asked_by: &str,
    searched: &[PathBuf],
    available: &[String],
) -> String {
    format!(
        "no profile named '{name}' (asked for by {asked_by}); looked in {}; profiles there: {}",
        paths_list(searched),
        names_list(available)
    )
}

fn no_default(files: &[PathBuf], available: &[String]) -> String {
    let target = files
        .first()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "profiles.toml".to_string());
    format!(
        "no default profile among {}: pass --profile NAME, set DHIS2_PROFILE, \
         or add default = \"NAME\" at the top of {target}",
        names_list(available)
    )
}

fn not_configured(
    project_start: &std::path::Path,
    project_file: &Option<PathBuf>,
    user_file: &Option<PathBuf>,
    hint: &Option<String>,
) -> String {
    let mut text = String::from("no DHIS2 server configured");
    if let Some(hint) = hint {
        let _ = write!(text, " ({hint})");
    }
    text.push_str(". Do one of these:\n");
    text.push_str(
        "  - set DHIS2_URL and DHIS2_PAT (or DHIS2_USERNAME and DHIS2_PASSWORD), or pass --url\n",
    );
    match project_file {
        Some(path) => {
            let _ = writeln!(
                text,
                "  - write a profile to {} (it defines none)",
                path.display()
            );
        }
        None => {
            let _ = writeln!(
                text,
                "  - write a profile to .dhis2/profiles.toml in {} or a directory above it (none found)",
                project_start.display()
            );
        }
    }
    match user_file {
        Some(path) => {
            let _ = writeln!(
                text,
                "  - or to {} (not found, or it defines no profiles)",
                path.display()
            );
        }
        None => {
            text.push_str("  - or to ~/.config/dhis2/profiles.toml (no home directory known)\n")
        }
    }
    text.push_str("  - or run with --demo to try d2files against its built-in demo server");
    text
}
