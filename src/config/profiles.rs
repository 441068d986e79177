//! Which DHIS2 server to talk to and as whom, from flags, `DHIS2_*` variables and `profiles.toml`
//! files laid out as other DHIS2 tools already do (`.dhis2/profiles.toml` in the project,
//! `~/.config/dhis2/profiles.toml` for the user).
use std::ffi::OsStr;
use std::fmt;
use std::path::PathBuf;

use url::{Host, Url};

use super::error::{ConfigError, names_list, paths_list};
use super::file::{self, AuthKind, FileProfile, ProfilesFile};
use crate::api::{Auth, Secret};

/// The `--profile` and `--url` flags as the command line gave them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileRequest {
    pub profile: Option<String>,
    pub url: Option<String>,
    /// How the user named `profile`, for messages: `--profile` unless told otherwise (e.g. the
    /// NAME of `profile verify NAME`).
    pub profile_named_by: Option<&'static str>,
}

/// Everything outside the flags that resolution reads: the `DHIS2_*` variables, the working
/// directory and the home and XDG config directories. Tests build one instead of touching the
/// process environment. Empty variables count as unset.
#[derive(Clone, Debug)]
pub struct Environment {
    /// `DHIS2_PROFILE`
    pub profile: Option<String>,
    /// `DHIS2_URL`
    pub url: Option<String>,
    /// `DHIS2_PAT`
    pub pat: Option<Secret>,
    /// `DHIS2_USERNAME`
    pub username: Option<String>,
    /// `DHIS2_PASSWORD`
    pub password: Option<Secret>,
    /// Where the walk up for `.dhis2/profiles.toml` starts.
    pub cwd: PathBuf,
    pub home: Option<PathBuf>,
    /// `XDG_CONFIG_HOME`, only when absolute (the XDG spec says to ignore relative ones).
    pub xdg_config_home: Option<PathBuf>,
}

impl Environment {
    /// Reads this process's variables and working directory.
    pub fn from_process() -> Self {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let mut env = Self::from_vars(std::env::vars_os(), cwd);
        if env.home.is_none() {
            env.home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
        }
        env
    }

    /// Builds an environment from `NAME=value` pairs (`HOME`, `XDG_CONFIG_HOME` and the
    /// `DHIS2_*` names; others are ignored) and a working directory. Values that are not
    /// UTF-8 are ignored for the `DHIS2_*` names.
    pub fn from_vars<I, K, V>(vars: I, cwd: impl Into<PathBuf>) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let mut env = Self {
            profile: None,
            url: None,
            pat: None,
            username: None,
            password: None,
            cwd: cwd.into(),
            home: None,
            xdg_config_home: None,
        };
        for (name, value) in vars {
            let value = value.as_ref();
            if value.is_empty() {
                continue;
            }
            let text = value.to_str().map(str::to_string);
            match name.as_ref().to_str() {
                Some("DHIS2_PROFILE") => env.profile = text.clone(),
                Some("DHIS2_URL") => env.url = text.clone(),
                Some("DHIS2_PAT") => env.pat = text.clone().map(Secret::new),
                Some("DHIS2_USERNAME") => env.username = text.clone(),
                Some("DHIS2_PASSWORD") => env.password = text.clone().map(Secret::new),
                Some("HOME") => env.home = Some(PathBuf::from(value)),
                Some("XDG_CONFIG_HOME") => {
                    let path = PathBuf::from(value);
                    env.xdg_config_home = path.is_absolute().then_some(path);
                }
                _ => {}
            }
        }
        env
    }

    /// `$XDG_CONFIG_HOME/dhis2/profiles.toml`, else `~/.config/dhis2/profiles.toml`.
    pub fn user_profiles_path(&self) -> Option<PathBuf> {
        let config = self
            .xdg_config_home
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".config")))?;
        Some(config.join("dhis2").join("profiles.toml"))
    }

    /// The nearest `.dhis2/profiles.toml` in the working directory or above it.
    pub fn project_profiles_path(&self) -> Option<PathBuf> {
        self.cwd
            .ancestors()
            .map(|dir| dir.join(".dhis2").join("profiles.toml"))
            .find(|candidate| candidate.is_file())
    }
}

/// Where a resolved profile came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileSource {
    /// Built from `--url` and the `DHIS2_*` credentials.
    Flags,
    /// Built from `DHIS2_URL` and the `DHIS2_*` credentials.
    Environment,
    /// A `[profiles.NAME]` table in this file.
    File(PathBuf),
}

impl fmt::Display for ProfileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flags => f.write_str("--url with DHIS2_* credentials"),
            Self::Environment => f.write_str("DHIS2_URL with DHIS2_* credentials"),
            Self::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The server and credentials to use. `Debug` shows no secret (see [`Secret`]).
#[derive(Clone, Debug)]
pub struct ResolvedProfile {
    /// The profile's name; for a profile built from a URL, the URL's host (and port).
    pub name: String,
    /// Without a trailing slash, e.g. `https://play.dhis2.org/dev`.
    pub base_url: String,
    pub auth: Auth,
    /// Extra CA certificates (PEM) to trust for this server: `ca_file` in profiles.toml.
    pub ca_file: Option<PathBuf>,
    pub source: ProfileSource,
    /// The setting that gave `base_url` (`--url` or `DHIS2_URL`); `None` when it is the
    /// profile's own, from its file.
    pub url_setting: Option<&'static str>,
    /// For the caller to show: plain-http credentials, readable secret files, ignored settings.
    pub warnings: Vec<String>,
}

impl ResolvedProfile {
    /// How messages name it: a profile by its name; a connection built from `--url` or
    /// `DHIS2_URL` by where it came from, since it is no profile the user wrote.
    pub fn described(&self) -> String {
        match self.source {
            ProfileSource::File(_) => format!("profile '{}'", self.name),
            ProfileSource::Flags => format!("the connection to {} (--url)", self.name),
            ProfileSource::Environment => format!("the connection to {} (DHIS2_URL)", self.name),
        }
    }
}

/// One profile as `profile list` shows it. No secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileSummary {
    pub name: String,
    /// With any user info masked; `None` when the file gives none.
    pub base_url: Option<String>,
    pub auth: Option<AuthKind>,
    pub username: Option<String>,
    pub file: PathBuf,
    /// The profile used when neither `--profile` nor `DHIS2_PROFILE` says otherwise.
    pub is_default: bool,
    /// A project profile of the same name hides this one.
    pub shadowed: bool,
    /// Why the profile cannot be used, with file and line.
    pub problem: Option<String>,
}

/// Who asked for a profile by name.
#[derive(Clone, Copy)]
enum Asker {
    /// On the command line, by `--profile` or the setting named.
    Flag(&'static str),
    Env,
}

impl Asker {
    fn setting(self) -> &'static str {
        match self {
            Self::Flag(setting) => setting,
            Self::Env => "DHIS2_PROFILE",
        }
    }
}

/// The project file (read up front) and the user file (read only when needed, so a broken
/// user file does not stop a project profile from working).
struct Catalog<'e> {
    env: &'e Environment,
    project_path: Option<PathBuf>,
    project: Option<ProfilesFile>,
    user: Option<Option<ProfilesFile>>,
}

impl<'e> Catalog<'e> {
    fn open(env: &'e Environment) -> Result<Self, ConfigError> {
        let project_path = env.project_profiles_path();
        let project = match &project_path {
            Some(path) => file::load(path)?,
            None => None,
        };
        Ok(Self {
            env,
            project_path,
            project,
            user: None,
        })
    }

    fn load_user(&mut self) -> Result<(), ConfigError> {
        if self.user.is_none() {
            let loaded = match self.env.user_profiles_path() {
                Some(path) => file::load(&path)?,
                None => None,
            };
            self.user = Some(loaded);
        }
        Ok(())
    }

    fn files(&self) -> impl Iterator<Item = &ProfilesFile> {
        self.project
            .iter()
            .chain(self.user.iter().flat_map(|u| u.iter()))
    }

    fn lookup(&mut self, name: &str) -> Result<Option<(&ProfilesFile, &FileProfile)>, ConfigError> {
        if self.project.as_ref().and_then(|f| f.get(name)).is_none() {
            self.load_user()?;
        }
        Ok(self
            .files()
            .find_map(|f| f.get(name).map(|profile| (f, profile))))
    }

    /// The name under `default`: the project file's, else the user file's.
    fn default_name(&mut self) -> Result<Option<(PathBuf, String, file::Pos)>, ConfigError> {
        if let Some(project) = &self.project
            && let Some((name, pos)) = &project.default
        {
            return Ok(Some((project.path.clone(), name.clone(), *pos)));
        }
        self.load_user()?;
        Ok(self.user.iter().flatten().find_map(|f| {
            f.default
                .as_ref()
                .map(|(n, p)| (f.path.clone(), n.clone(), *p))
        }))
    }

    /// The usable profiles whose base_url is `base_url` (in its one text form), each name once:
    /// a project profile hides the user's of the same name.
    fn profiles_for(
        &mut self,
        base_url: &str,
    ) -> Result<Vec<(&ProfilesFile, &FileProfile)>, ConfigError> {
        self.load_user()?;
        let mut seen = Vec::new();
        let mut found = Vec::new();
        for file in self.files() {
            for profile in &file.profiles {
                if seen.contains(&profile.name.as_str()) {
                    continue;
                }
                seen.push(profile.name.as_str());
                let written_for = profile
                    .usable
                    .as_ref()
                    .is_ok_and(|usable| file::url_text(&usable.base_url) == base_url);
                if written_for {
                    found.push((file, profile));
                }
            }
        }
        Ok(found)
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .files()
            .flat_map(|f| f.profiles.iter().map(|p| p.name.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn searched(&self) -> Vec<PathBuf> {
        self.files().map(|f| f.path.clone()).collect()
    }
}

/// Picks the profile to use. Precedence: `--profile`/`--url`, then `DHIS2_PROFILE`/`DHIS2_URL`,
/// then the `default` of the project file, then that of the user file.
///
/// A URL with a profile named on the same level (`--profile` with `--url`, `DHIS2_PROFILE` with
/// `DHIS2_URL`) moves that profile to the URL. A URL without one names a connection of its
/// own, because an operator who types a server's address means that server and no other: its
/// credentials come from `DHIS2_PAT` or `DHIS2_USERNAME`/`DHIS2_PASSWORD`, else from the profile
/// written for exactly this URL (the one `DHIS2_PROFILE` names, the default, or the only one),
/// else nowhere, which is an error saying what to set. The default profile or `DHIS2_PROFILE`
/// never lends its credentials to another server: a stale variable or a `--url` typed to try a
/// test server would hand them to a server they were not written for.
///
/// For the same reason `DHIS2_URL` never redirects a profile chosen with `--profile`, and
/// `DHIS2_PROFILE` is set aside by a `--url` given without `--profile`.
pub fn resolve_profile(
    req: &ProfileRequest,
    env: &Environment,
) -> Result<ResolvedProfile, ConfigError> {
    let mut warnings = Vec::new();
    let flag = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let mut named = match (flag(&req.profile), &env.profile) {
        (Some(name), _) => Some((
            name,
            Asker::Flag(req.profile_named_by.unwrap_or("--profile")),
        )),
        (None, Some(name)) => Some((name.clone(), Asker::Env)),
        (None, None) => None,
    };
    let mut url = match (flag(&req.url), &env.url) {
        (Some(url), _) => Some((url, "--url")),
        (None, Some(url)) => Some((url.clone(), "DHIS2_URL")),
        (None, None) => None,
    };
    if matches!(named, Some((_, Asker::Flag(_)))) && matches!(url, Some((_, "DHIS2_URL"))) {
        warnings.push(
            "DHIS2_URL is ignored because --profile was given; pass --url to point that \
             profile at another server"
                .to_string(),
        );
        url = None;
    }
    let mut set_aside = None;
    if matches!(named, Some((_, Asker::Env))) && matches!(url, Some((_, "--url"))) {
        set_aside = named.take().map(|(name, _)| name);
    }

    let mut resolved = match (named, url) {
        (None, Some((url, setting))) => {
            let resolved = for_url(&url, setting, env, set_aside.as_deref(), &mut warnings)?;
            if let Some(name) = set_aside.filter(|name| *name != resolved.name) {
                warnings.push(format!(
                    "DHIS2_PROFILE ({name}) is ignored because --url was given without \
                     --profile; pass --profile {name} to send that profile's credentials there"
                ));
            }
            resolved
        }
        (Some((name, asker)), url) => {
            let mut catalog = Catalog::open(env)?;
            let found = catalog.lookup(&name)?.map(|(f, p)| from_file(f, p));
            let Some(found) = found else {
                return Err(ConfigError::UnknownProfile {
                    name,
                    asked_by: asker.setting(),
                    searched: catalog.searched(),
                    available: catalog.names(),
                });
            };
            let mut profile = found?;
            if let Some((url, setting)) = url {
                profile.base_url = url_from(&url, setting)?;
                profile.url_setting = Some(setting);
            }
            file_warnings(&catalog, &mut warnings);
            profile
        }
        (None, None) => {
            let mut catalog = Catalog::open(env)?;
            let Some((default_file, name, pos)) = catalog.default_name()? else {
                return Err(nothing_chosen(&mut catalog, env));
            };
            let found = catalog.lookup(&name)?.map(|(f, p)| from_file(f, p));
            let Some(found) = found else {
                return Err(ConfigError::File {
                    path: default_file,
                    line: pos.line,
                    column: pos.column,
                    message: format!(
                        "default = \"{name}\" names no profile; looked in {}; profiles there: {}",
                        paths_list(&catalog.searched()),
                        names_list(&catalog.names())
                    ),
                });
            };
            let profile = found?;
            file_warnings(&catalog, &mut warnings);
            profile
        }
    };
    if let Some(warning) = plain_http_warning(&resolved) {
        warnings.insert(0, warning);
    }
    resolved.warnings = warnings;
    Ok(resolved)
}

/// Every profile in the project and user files, project first; an unusable profile is listed
/// with its problem rather than failing the listing.
pub fn list_profiles(env: &Environment) -> Result<Vec<ProfileSummary>, ConfigError> {
    let mut catalog = Catalog::open(env)?;
    catalog.load_user()?;
    let default = catalog.default_name()?.and_then(|(_, name, _)| {
        catalog
            .lookup(&name)
            .ok()
            .flatten()
            .map(|(f, _)| (f.path.clone(), name))
    });
    let mut out = Vec::new();
    let project_names: Vec<&str> = catalog
        .project
        .iter()
        .flat_map(|f| f.profiles.iter().map(|p| p.name.as_str()))
        .collect();
    for file in catalog.files() {
        let is_user = catalog.project.as_ref().is_none_or(|p| p.path != file.path);
        for profile in &file.profiles {
            out.push(ProfileSummary {
                name: profile.name.clone(),
                base_url: profile.base_url_display.clone(),
                auth: profile.auth_kind,
                username: profile.username.clone(),
                file: file.path.clone(),
                is_default: default
                    .as_ref()
                    .is_some_and(|(path, name)| *path == file.path && *name == profile.name),
                shadowed: is_user && project_names.contains(&profile.name.as_str()),
                problem: profile
                    .usable
                    .as_ref()
                    .err()
                    .map(|p| file.error(p).to_string()),
            });
        }
    }
    Ok(out)
}

fn from_file(file: &ProfilesFile, profile: &FileProfile) -> Result<ResolvedProfile, ConfigError> {
    let usable = profile.usable.as_ref().map_err(|p| file.error(p))?;
    Ok(ResolvedProfile {
        name: profile.name.clone(),
        base_url: file::url_text(&usable.base_url),
        auth: usable.auth.clone(),
        ca_file: usable.ca_file.clone(),
        source: ProfileSource::File(file.path.clone()),
        url_setting: None,
        warnings: Vec::new(),
    })
}

fn url_from(raw: &str, setting: &'static str) -> Result<String, ConfigError> {
    file::check_base_url(raw)
        .map(|u| file::url_text(&u))
        .map_err(|reason| ConfigError::Setting {
            setting,
            message: format!("{setting}: {reason}"),
        })
}

/// The connection a URL names without a profile (see [`resolve_profile`]): the `DHIS2_*`
/// credentials, else those of the profile written for this very URL, `preferred` first.
fn for_url(
    raw_url: &str,
    setting: &'static str,
    env: &Environment,
    preferred: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<ResolvedProfile, ConfigError> {
    let url = file::check_base_url(raw_url).map_err(|reason| ConfigError::Setting {
        setting,
        message: format!("{setting}: {reason}"),
    })?;
    let base_url = file::url_text(&url);
    if let Some(auth) = env_credentials(env, warnings)? {
        let name = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            (None, _) => base_url.clone(),
        };
        return Ok(ResolvedProfile {
            name,
            base_url,
            auth,
            ca_file: None,
            source: if setting == "--url" {
                ProfileSource::Flags
            } else {
                ProfileSource::Environment
            },
            url_setting: Some(setting),
            warnings: Vec::new(),
        });
    }
    let mut catalog = Catalog::open(env)?;
    let default = catalog.default_name()?.map(|(_, name, _)| name);
    let written_for = catalog.profiles_for(&base_url)?;
    let chosen = [preferred, default.as_deref()]
        .into_iter()
        .flatten()
        .find(|name| written_for.iter().any(|(_, p)| p.name == *name))
        .or(match written_for.as_slice() {
            [(_, only)] => Some(only.name.as_str()),
            _ => None,
        });
    if let Some(name) = chosen
        && let Some((file, profile)) = written_for.iter().find(|(_, p)| p.name == name)
    {
        let mut profile = from_file(file, profile)?;
        profile.url_setting = Some(setting);
        file_warnings(&catalog, warnings);
        return Ok(profile);
    }
    let other_names = if setting == "--url" {
        "add --profile NAME to send a profile's credentials there"
    } else {
        "name a profile with --profile or DHIS2_PROFILE"
    };
    let message = match written_for.as_slice() {
        [] => format!(
            "{setting} is set but no credentials are: set DHIS2_PAT, or DHIS2_USERNAME and \
             DHIS2_PASSWORD, or {other_names} (no profile is written for {base_url}, and a \
             profile written for another server never lends its credentials)"
        ),
        several => format!(
            "{setting} {base_url} is the server of profiles {}: choose one with --profile, or \
             set DHIS2_PAT, or DHIS2_USERNAME and DHIS2_PASSWORD",
            names_list(
                &several
                    .iter()
                    .map(|(_, p)| p.name.clone())
                    .collect::<Vec<_>>()
            )
        ),
    };
    Err(ConfigError::Setting { setting, message })
}

/// `DHIS2_PAT`, or `DHIS2_USERNAME` with `DHIS2_PASSWORD`; `None` when none is set, an error
/// when one of the pair is missing.
fn env_credentials(
    env: &Environment,
    warnings: &mut Vec<String>,
) -> Result<Option<Auth>, ConfigError> {
    match (&env.pat, &env.username, &env.password) {
        (Some(token), username, _) => {
            if username.is_some() {
                warnings
                    .push("DHIS2_PAT and DHIS2_USERNAME are both set; using the token".to_string());
            }
            Ok(Some(Auth::Token(token.clone())))
        }
        (None, Some(username), Some(password)) => Ok(Some(Auth::Basic {
            username: username.clone(),
            password: password.clone(),
        })),
        (None, Some(_), None) => Err(ConfigError::Setting {
            setting: "DHIS2_PASSWORD",
            message: "DHIS2_USERNAME is set but DHIS2_PASSWORD is not".to_string(),
        }),
        (None, None, Some(_)) => Err(ConfigError::Setting {
            setting: "DHIS2_USERNAME",
            message: "DHIS2_PASSWORD is set but DHIS2_USERNAME is not".to_string(),
        }),
        (None, None, None) => Ok(None),
    }
}

/// No name anywhere: say whether profiles exist without a default, or nothing exists at all.
fn nothing_chosen(catalog: &mut Catalog<'_>, env: &Environment) -> ConfigError {
    if let Err(e) = catalog.load_user() {
        return e;
    }
    let available = catalog.names();
    if !available.is_empty() {
        return ConfigError::NoDefault {
            files: catalog.searched(),
            available,
        };
    }
    let hint = match (&env.pat, &env.username) {
        (Some(_), _) => Some("DHIS2_PAT is set, but DHIS2_URL is not".to_string()),
        (None, Some(_)) => Some("DHIS2_USERNAME is set, but DHIS2_URL is not".to_string()),
        (None, None) => None,
    };
    ConfigError::NotConfigured {
        project_start: env.cwd.clone(),
        project_file: catalog.project_path.clone(),
        user_file: env.user_profiles_path(),
        hint,
    }
}

fn file_warnings(catalog: &Catalog<'_>, warnings: &mut Vec<String>) {
    warnings.extend(catalog.files().filter_map(ProfilesFile::permission_warning));
}

/// Credentials in clear text over a network: warn unless the server is this machine.
fn plain_http_warning(profile: &ResolvedProfile) -> Option<String> {
    let url = Url::parse(&profile.base_url).ok()?;
    if url.scheme() != "http" || is_loopback(&url) {
        return None;
    }
    Some(format!(
        "{} sends its credentials over plain http:// to {}, where others on the network can \
         read them; use https://",
        profile.described(),
        url.host_str().unwrap_or("the server")
    ))
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => {
            domain.eq_ignore_ascii_case("localhost")
                || domain.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn env_in(cwd: &Path, vars: &[(&str, &str)]) -> Environment {
        Environment::from_vars(vars.iter().copied(), cwd)
    }

    #[test]
    fn variables_are_read_and_empty_ones_ignored() {
        let env = env_in(
            Path::new("/w"),
            &[
                ("DHIS2_PROFILE", ""),
                ("DHIS2_URL", "https://x.org"),
                ("DHIS2_PAT", "d2pat_1"),
                ("DHIS2_USERNAME", "admin"),
                ("DHIS2_PASSWORD", "district"),
                ("HOME", "/home/u"),
                ("XDG_CONFIG_HOME", "relative/dir"),
                ("PATH", "/bin"),
            ],
        );
        assert_eq!(env.profile, None);
        assert_eq!(env.url.as_deref(), Some("https://x.org"));
        assert_eq!(env.pat.as_ref().map(Secret::expose), Some("d2pat_1"));
        assert_eq!(env.password.as_ref().map(Secret::expose), Some("district"));
        assert_eq!(env.xdg_config_home, None, "relative XDG paths are ignored");
        assert!(!format!("{env:?}").contains("district"));
        assert!(!format!("{env:?}").contains("d2pat_1"));
    }

    #[test]
    fn user_file_honours_xdg_then_home() {
        let env = env_in(Path::new("/w"), &[("HOME", "/home/u")]);
        assert_eq!(
            env.user_profiles_path(),
            Some(PathBuf::from("/home/u/.config/dhis2/profiles.toml"))
        );
        let env = env_in(
            Path::new("/w"),
            &[("HOME", "/home/u"), ("XDG_CONFIG_HOME", "/xdg")],
        );
        assert_eq!(
            env.user_profiles_path(),
            Some(PathBuf::from("/xdg/dhis2/profiles.toml"))
        );
        assert_eq!(env_in(Path::new("/w"), &[]).user_profiles_path(), None);
    }

    #[test]
    fn loopback_hosts() {
        for (url, loopback) in [
            ("http://localhost:8080", true),
            ("http://LOCALHOST", true),
            ("http://api.localhost", true),
            ("http://127.0.0.2", true),
            ("http://[::1]:80", true),
            ("http://dhis.example.org", false),
            ("http://10.0.0.1", false),
            ("http://localhost.example.org", false),
        ] {
            assert_eq!(is_loopback(&Url::parse(url).unwrap()), loopback, "{url}");
        }
    }
}
