//! Profiles (which server, which credentials), d2files' own directories, and logging.
//!
//! Profiles come from `--profile`/`--url`, then `DHIS2_PROFILE`/`DHIS2_URL` with `DHIS2_PAT` or
//! `DHIS2_USERNAME` + `DHIS2_PASSWORD`, then the nearest `.dhis2/profiles.toml`, then
//! `$XDG_CONFIG_HOME/dhis2/profiles.toml` (see [`resolve_profile`]). Everything that reads the
//! process environment has an injectable twin ([`Environment::from_vars`], [`Paths::under`]).
mod error;
mod file;
mod logging;
mod paths;
mod profiles;

pub use error::ConfigError;
pub use file::AuthKind;
pub use logging::{LOG_FILTER_VAR, LogGuard, init_file_logging};
pub use paths::Paths;
pub use profiles::{
    Environment, ProfileRequest, ProfileSource, ProfileSummary, ResolvedProfile, list_profiles,
    resolve_profile,
};
