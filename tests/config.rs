//! Profiles, paths and logging through the public `d2files::config` API, on real files in
//! temporary directories. No test touches this process's environment.
mod common;

use std::fs;
use std::path::{Path, PathBuf};

use d2files::api::Auth;
use d2files::config::{
    AuthKind, ConfigError, Environment, Paths, ProfileRequest, ProfileSource, ResolvedProfile,
    list_profiles, resolve_profile,
};

const PASSWORD: &str = "district-Sekret-9";
const TOKEN: &str = "d2pat_TopSecretToken0123456789";

/// A home directory, a project with `.dhis2/` two levels above the working directory.
struct World {
    _dir: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    project: PathBuf,
    cwd: PathBuf,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let home = root.join("home");
        let project = root.join("work").join("proj");
        let cwd = project.join("src").join("deep");
        fs::create_dir_all(&home).unwrap();
        fs::create_dir_all(&cwd).unwrap();
        Self {
            _dir: dir,
            root,
            home,
            project,
            cwd,
        }
    }

    fn user_file(&self) -> PathBuf {
        self.home.join(".config/dhis2/profiles.toml")
    }

    fn project_file(&self) -> PathBuf {
        self.project.join(".dhis2/profiles.toml")
    }

    fn write_user(&self, text: &str) -> PathBuf {
        write_private(&self.user_file(), text)
    }

    fn write_project(&self, text: &str) -> PathBuf {
        write_private(&self.project_file(), text)
    }

    /// HOME plus the given variables, working in `cwd`.
    fn env(&self, vars: &[(&str, &str)]) -> Environment {
        let home = self.home.to_str().unwrap();
        let mut all = vec![("HOME", home)];
        all.extend_from_slice(vars);
        Environment::from_vars(all, &self.cwd)
    }

    fn resolve(&self, req: ProfileRequest, vars: &[(&str, &str)]) -> ResolvedProfile {
        resolve_profile(&req, &self.env(vars)).expect("resolves")
    }

    fn fail(&self, req: ProfileRequest, vars: &[(&str, &str)]) -> ConfigError {
        let err = resolve_profile(&req, &self.env(vars)).expect_err("fails");
        assert_no_secret(&err.to_string());
        assert_no_secret(&format!("{err:?}"));
        err
    }
}

fn write_private(path: &Path, text: &str) -> PathBuf {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    set_mode(path, 0o600);
    path.to_path_buf()
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

fn assert_no_secret(text: &str) {
    assert!(!text.contains(PASSWORD), "password leaked: {text}");
    assert!(!text.contains(TOKEN), "token leaked: {text}");
}

fn profile(name: &str) -> ProfileRequest {
    ProfileRequest {
        profile: Some(name.into()),
        url: None,
        ..ProfileRequest::default()
    }
}

fn url(url: &str) -> ProfileRequest {
    ProfileRequest {
        profile: None,
        url: Some(url.into()),
        ..ProfileRequest::default()
    }
}

fn none() -> ProfileRequest {
    ProfileRequest::default()
}

fn basic(name: &str, base_url: &str) -> String {
    format!(
        "[profiles.{name}]\nbase_url = \"{base_url}\"\nauth = \"basic\"\nusername = \"admin\"\npassword = \"{PASSWORD}\"\n"
    )
}

fn pat(name: &str, base_url: &str) -> String {
    format!("[profiles.{name}]\nbase_url = \"{base_url}\"\nauth = \"pat\"\ntoken = \"{TOKEN}\"\n")
}

// ---- where profiles come from -------------------------------------------------------------

#[test]
fn nothing_configured_says_what_to_set() {
    let w = World::new();
    let err = w.fail(none(), &[]);
    assert!(matches!(err, ConfigError::NotConfigured { .. }), "{err:?}");
    let text = err.to_string();
    for needle in [
        "DHIS2_URL",
        "DHIS2_PAT",
        "DHIS2_USERNAME",
        "DHIS2_PASSWORD",
        "--url",
        "--demo",
        ".dhis2/profiles.toml",
    ] {
        assert!(text.contains(needle), "missing {needle}: {text}");
    }
    assert!(text.contains(&w.cwd.display().to_string()), "{text}");
    assert!(
        text.contains(&w.user_file().display().to_string()),
        "{text}"
    );
}

#[test]
fn nothing_configured_mentions_credentials_without_a_url() {
    let w = World::new();
    let text = w.fail(none(), &[("DHIS2_PAT", TOKEN)]).to_string();
    assert!(
        text.contains("DHIS2_PAT is set, but DHIS2_URL is not"),
        "{text}"
    );
}

#[test]
fn an_empty_project_file_counts_as_nothing_and_is_named() {
    let w = World::new();
    let path = w.write_project("# nothing yet\n");
    let text = w.fail(none(), &[]).to_string();
    assert!(
        text.contains(&format!("{} (it defines none)", path.display())),
        "{text}"
    );
}

#[test]
fn the_project_file_is_found_by_walking_up() {
    let w = World::new();
    let path = w.write_project(&format!(
        "default = \"local\"\n{}",
        pat("local", "http://localhost:8080/")
    ));
    let p = w.resolve(none(), &[]);
    assert_eq!(p.name, "local");
    assert_eq!(p.base_url, "http://localhost:8080");
    assert_eq!(p.auth, Auth::token(TOKEN));
    assert_eq!(p.source, ProfileSource::File(path));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn the_nearest_project_file_wins() {
    let w = World::new();
    w.write_project(&format!(
        "default = \"outer\"\n{}",
        pat("outer", "https://outer.org")
    ));
    let inner = write_private(
        &w.project.join("src/.dhis2/profiles.toml"),
        &format!("default = \"inner\"\n{}", pat("inner", "https://inner.org")),
    );
    let p = w.resolve(none(), &[]);
    assert_eq!(p.name, "inner");
    assert_eq!(p.source, ProfileSource::File(inner));
}

#[test]
fn the_user_file_follows_xdg_config_home_else_dot_config() {
    let w = World::new();
    w.write_user(&format!(
        "default = \"home\"\n{}",
        pat("home", "https://home.org")
    ));
    let xdg = w.root.join("xdg");
    let xdg_file = write_private(
        &xdg.join("dhis2/profiles.toml"),
        &format!("default = \"xdg\"\n{}", pat("xdg", "https://xdg.org")),
    );
    assert_eq!(w.resolve(none(), &[]).name, "home");
    let p = w.resolve(none(), &[("XDG_CONFIG_HOME", xdg.to_str().unwrap())]);
    assert_eq!(p.name, "xdg");
    assert_eq!(p.source, ProfileSource::File(xdg_file));
}

#[test]
fn project_default_beats_user_default_and_user_default_fills_in() {
    let w = World::new();
    w.write_user(&format!(
        "default = \"u\"\n{}{}",
        pat("u", "https://u.org"),
        pat("shared", "https://user-shared.org")
    ));
    assert_eq!(w.resolve(none(), &[]).name, "u");

    // A project file without a default leaves the user's default in charge.
    w.write_project(&pat("p", "https://p.org"));
    assert_eq!(w.resolve(none(), &[]).name, "u");

    // A project default may name a profile that only the user file has.
    w.write_project(&format!(
        "default = \"shared\"\n{}",
        pat("p", "https://p.org")
    ));
    let p = w.resolve(none(), &[]);
    assert_eq!(p.base_url, "https://user-shared.org");
    assert_eq!(p.source, ProfileSource::File(w.user_file()));

    w.write_project(&format!("default = \"p\"\n{}", pat("p", "https://p.org")));
    assert_eq!(w.resolve(none(), &[]).name, "p");
}

#[test]
fn a_named_profile_is_looked_up_in_the_project_file_first() {
    let w = World::new();
    w.write_user(&format!(
        "{}{}",
        pat("prod", "https://user-prod.org"),
        pat("only-user", "https://ou.org")
    ));
    w.write_project(&pat("prod", "https://project-prod.org"));
    assert_eq!(
        w.resolve(profile("prod"), &[]).base_url,
        "https://project-prod.org"
    );
    let p = w.resolve(profile("only-user"), &[]);
    assert_eq!(p.base_url, "https://ou.org");
    assert_eq!(p.source, ProfileSource::File(w.user_file()));
}

#[test]
fn flag_beats_variable_beats_default() {
    let w = World::new();
    w.write_user(&format!(
        "default = \"a\"\n{}{}{}",
        pat("a", "https://a.org"),
        pat("b", "https://b.org"),
        pat("c", "https://c.org")
    ));
    assert_eq!(w.resolve(none(), &[]).name, "a");
    assert_eq!(w.resolve(none(), &[("DHIS2_PROFILE", "b")]).name, "b");
    assert_eq!(w.resolve(profile("c"), &[("DHIS2_PROFILE", "b")]).name, "c");
    // DHIS2_PROFILE also beats DHIS2_URL: with a profile, the URL only moves it.
    let p = w.resolve(
        none(),
        &[
            ("DHIS2_PROFILE", "b"),
            ("DHIS2_URL", "https://elsewhere.org/x/"),
        ],
    );
    assert_eq!(
        (p.name.as_str(), p.base_url.as_str()),
        ("b", "https://elsewhere.org/x")
    );
    assert_eq!(p.auth, Auth::token(TOKEN));
}

#[test]
fn url_flag_moves_a_named_profile() {
    let w = World::new();
    w.write_user(&basic("play", "https://play.dhis2.org/dev"));
    let req = ProfileRequest {
        profile: Some("play".into()),
        url: Some("http://127.0.0.1:9/".into()),
        ..ProfileRequest::default()
    };
    let p = w.resolve(req, &[("DHIS2_URL", "https://ignored.org")]);
    assert_eq!(p.base_url, "http://127.0.0.1:9");
    assert_eq!(p.auth, Auth::basic("admin", PASSWORD));
    assert!(
        p.warnings.is_empty(),
        "--url was given, DHIS2_URL is not in play: {:?}",
        p.warnings
    );
}

#[test]
fn dhis2_url_does_not_redirect_a_profile_chosen_by_flag() {
    let w = World::new();
    w.write_user(&basic("play", "https://play.dhis2.org/dev"));
    let p = w.resolve(
        profile("play"),
        &[("DHIS2_URL", "https://attacker.example")],
    );
    assert_eq!(p.base_url, "https://play.dhis2.org/dev");
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert!(p.warnings[0].starts_with("DHIS2_URL is ignored because --profile was given"));
}

#[test]
fn a_url_without_a_profile_uses_the_environment_credentials() {
    let w = World::new();
    // A default in a file must not lend its credentials to an ad-hoc URL.
    w.write_user(&format!(
        "default = \"play\"\n{}",
        basic("play", "https://play.dhis2.org")
    ));

    let p = w.resolve(
        none(),
        &[
            ("DHIS2_URL", "https://dhis.example.org:8443/dhis"),
            ("DHIS2_PAT", TOKEN),
        ],
    );
    assert_eq!(p.name, "dhis.example.org:8443");
    assert_eq!(p.base_url, "https://dhis.example.org:8443/dhis");
    assert_eq!(p.auth, Auth::token(TOKEN));
    assert_eq!(p.source, ProfileSource::Environment);

    let p = w.resolve(
        url("https://flag.org"),
        &[
            ("DHIS2_URL", "https://env.org"),
            ("DHIS2_USERNAME", "admin"),
            ("DHIS2_PASSWORD", PASSWORD),
        ],
    );
    assert_eq!(p.base_url, "https://flag.org");
    assert_eq!(p.auth, Auth::basic("admin", PASSWORD));
    assert_eq!(p.source, ProfileSource::Flags);

    let p = w.resolve(
        url("https://flag.org"),
        &[
            ("DHIS2_PAT", TOKEN),
            ("DHIS2_USERNAME", "admin"),
            ("DHIS2_PASSWORD", PASSWORD),
        ],
    );
    assert_eq!(p.auth, Auth::token(TOKEN));
    assert_eq!(
        p.warnings,
        ["DHIS2_PAT and DHIS2_USERNAME are both set; using the token"]
    );
}

#[test]
fn a_url_alone_takes_only_the_credentials_written_for_that_url() {
    let w = World::new();
    w.write_user(&format!(
        "default = \"prod\"\n{}{}",
        pat("prod", "https://prod.example.org"),
        basic("local", "http://127.0.0.1:9/")
    ));
    // The URL of a profile, however written, is that profile.
    for written in [
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/",
        "HTTP://127.0.0.1:9",
    ] {
        let p = w.resolve(url(written), &[]);
        assert_eq!(p.name, "local", "{written}");
        assert_eq!(p.auth, Auth::basic("admin", PASSWORD));
        assert!(matches!(p.source, ProfileSource::File(_)), "{:?}", p.source);
    }
    // Another server gets no profile's credentials, not even the default's.
    let err = w.fail(url("http://127.0.0.1:10"), &[]);
    assert!(
        err.to_string()
            .contains("no profile is written for http://127.0.0.1:10"),
        "{err}"
    );
    // The DHIS2_* credentials still come first.
    let p = w.resolve(url("http://127.0.0.1:9"), &[("DHIS2_PAT", TOKEN)]);
    assert_eq!(
        (p.auth, p.source),
        (Auth::token(TOKEN), ProfileSource::Flags)
    );
}

#[test]
fn of_several_profiles_for_one_url_the_named_or_default_one_is_taken_or_none() {
    let w = World::new();
    let two = format!(
        "{}{}",
        basic("admin", "https://dhis.example.org"),
        pat("robot", "https://dhis.example.org")
    );
    w.write_user(&two);
    let err = w.fail(url("https://dhis.example.org"), &[]);
    assert!(
        err.to_string()
            .contains("is the server of profiles admin, robot"),
        "{err}"
    );
    w.write_user(&format!("default = \"robot\"\n{two}"));
    assert_eq!(
        w.resolve(url("https://dhis.example.org"), &[]).name,
        "robot"
    );
    let p = w.resolve(
        url("https://dhis.example.org"),
        &[("DHIS2_PROFILE", "admin")],
    );
    assert_eq!(p.name, "admin");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn dhis2_profile_does_not_follow_a_url_flag_to_another_server() {
    let w = World::new();
    w.write_user(&pat("prod", "https://prod.example.org"));
    let err = w.fail(url("http://127.0.0.1:9"), &[("DHIS2_PROFILE", "prod")]);
    assert!(
        matches!(
            err,
            ConfigError::Setting {
                setting: "--url",
                ..
            }
        ),
        "{err:?}"
    );
    let p = w.resolve(
        url("http://127.0.0.1:9"),
        &[
            ("DHIS2_PROFILE", "prod"),
            ("DHIS2_USERNAME", "admin"),
            ("DHIS2_PASSWORD", PASSWORD),
        ],
    );
    assert_eq!(p.auth, Auth::basic("admin", PASSWORD));
    assert_eq!(
        p.warnings,
        [
            "DHIS2_PROFILE (prod) is ignored because --url was given without --profile; pass \
          --profile prod to send that profile's credentials there"
        ]
    );
}

// ---- errors -------------------------------------------------------------------------------

#[test]
fn a_url_without_credentials_says_which_to_set() {
    let w = World::new();
    let err = w.fail(url("https://x.org"), &[]);
    assert!(
        matches!(
            err,
            ConfigError::Setting {
                setting: "--url",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "--url is set but no credentials are: set DHIS2_PAT, or DHIS2_USERNAME and \
         DHIS2_PASSWORD, or add --profile NAME to send a profile's credentials there (no \
         profile is written for https://x.org, and a profile written for another server never \
         lends its credentials)"
    );
    let err = w.fail(none(), &[("DHIS2_URL", "https://x.org")]);
    assert!(
        err.to_string()
            .contains("or name a profile with --profile or DHIS2_PROFILE"),
        "{err}"
    );
    let err = w.fail(
        none(),
        &[("DHIS2_URL", "https://x.org"), ("DHIS2_USERNAME", "admin")],
    );
    assert_eq!(
        err.to_string(),
        "DHIS2_USERNAME is set but DHIS2_PASSWORD is not"
    );
    let err = w.fail(
        none(),
        &[("DHIS2_URL", "https://x.org"), ("DHIS2_PASSWORD", PASSWORD)],
    );
    assert_eq!(
        err.to_string(),
        "DHIS2_PASSWORD is set but DHIS2_USERNAME is not"
    );
}

#[test]
fn bad_urls_name_their_source_and_hide_user_info() {
    let w = World::new();
    let err = w.fail(url("ftp://x.org"), &[("DHIS2_PAT", TOKEN)]);
    assert_eq!(
        err.to_string(),
        "--url: \"ftp://x.org\" must start with https:// (or http://)"
    );
    let err = w.fail(
        none(),
        &[
            ("DHIS2_URL", &format!("https://admin:{PASSWORD}@x.org")),
            ("DHIS2_PAT", TOKEN),
        ],
    );
    assert_eq!(
        err.to_string(),
        "DHIS2_URL: \"https://***@x.org\" carries a user name or password; give those as credentials instead"
    );
    w.write_user(&pat("p", "https://p.org"));
    let err = w.fail(
        ProfileRequest {
            profile: Some("p".into()),
            url: Some("not a url".into()),
            ..ProfileRequest::default()
        },
        &[],
    );
    assert!(
        err.to_string()
            .starts_with("--url: \"not a url\" is not a valid URL"),
        "{err}"
    );
}

#[test]
fn an_unknown_profile_lists_what_exists() {
    let w = World::new();
    let user = w.write_user(&pat("prod", "https://p.org"));
    let project = w.write_project(&pat("local", "http://localhost:8080"));
    let err = w.fail(none(), &[("DHIS2_PROFILE", "staging")]);
    assert_eq!(
        err.to_string(),
        format!(
            "no profile named 'staging' (asked for by DHIS2_PROFILE); looked in {} and {}; \
             profiles there: local, prod",
            project.display(),
            user.display()
        )
    );
    let err = w.fail(profile("staging"), &[]);
    assert!(
        err.to_string().contains("(asked for by --profile)"),
        "{err}"
    );
}

#[test]
fn a_default_naming_nothing_points_at_its_line() {
    let w = World::new();
    let path = w.write_user(&format!(
        "# mine\ndefault = \"gone\"\n{}",
        pat("here", "https://h.org")
    ));
    let err = w.fail(none(), &[]);
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "{}:2:11: default = \"gone\" names no profile",
            path.display()
        )),
        "{text}"
    );
    assert!(text.ends_with("profiles there: here"), "{text}");
}

#[test]
fn profiles_without_a_default_ask_for_one() {
    let w = World::new();
    let path = w.write_user(&format!(
        "{}{}",
        pat("a", "https://a.org"),
        pat("b", "https://b.org")
    ));
    let err = w.fail(none(), &[]);
    assert!(matches!(err, ConfigError::NoDefault { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "no default profile among a, b: pass --profile NAME, set DHIS2_PROFILE, or add \
             default = \"NAME\" at the top of {}",
            path.display()
        )
    );
}

#[test]
fn a_missing_secret_names_the_profile_file_and_line() {
    let w = World::new();
    let path = w.write_user(
        "default = \"prod\"\n\n[profiles.prod]\nbase_url = \"https://p.org\"\nauth = \"pat\"\n",
    );
    let err = w.fail(none(), &[("DHIS2_PAT", TOKEN)]);
    assert_eq!(
        err.to_string(),
        format!(
            "{}:3:11: profile 'prod' uses auth = \"pat\" but has no token; add token = \"d2pat_…\"",
            path.display()
        )
    );
    w.write_user(
        "[profiles.play]\nbase_url = \"https://p.org\"\nauth = \"basic\"\nusername = \"admin\"\n",
    );
    let err = w.fail(profile("play"), &[("DHIS2_PASSWORD", PASSWORD)]);
    assert_eq!(
        err.to_string(),
        format!(
            "{}:1:11: profile 'play' uses auth = \"basic\" but has no password",
            path.display()
        )
    );
}

#[test]
fn a_bad_field_points_at_its_value() {
    let w = World::new();
    let path = w.write_project(&format!(
        "[profiles.x]\nbase_url = \"https://x.org\"\nauth = \"basic\"\nusername = \"u\"\npassword = [\"{PASSWORD}\"]\n"
    ));
    let err = w.fail(profile("x"), &[]);
    assert_eq!(
        err.to_string(),
        format!(
            "{}:5:12: password of profile 'x' must be text in quotes, not array",
            path.display()
        )
    );
}

#[test]
fn a_ca_file_is_found_beside_its_profiles_file_or_named_where_it_is_missing() {
    let w = World::new();
    let ca = w.project.join(".dhis2").join("moh-ca.pem");
    w.write_project(&format!(
        "{}ca_file = \"moh-ca.pem\"\n{}",
        basic("moh", "https://dhis2.moh.internal"),
        basic("plain", "https://play.dhis2.org"),
    ));
    fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
    assert_eq!(w.resolve(profile("moh"), &[]).ca_file, Some(ca.clone()));
    assert_eq!(w.resolve(profile("plain"), &[]).ca_file, None);
    assert_eq!(
        w.resolve(url("https://x.org"), &[("DHIS2_PAT", TOKEN)])
            .ca_file,
        None
    );

    fs::remove_file(&ca).unwrap();
    let err = w.fail(profile("moh"), &[]);
    assert_eq!(
        err.to_string(),
        format!(
            "{}:6:11: ca_file of profile 'moh': {} is not a file",
            w.project_file().display(),
            ca.display()
        )
    );
}

#[test]
fn a_syntax_error_names_file_line_and_column() {
    let w = World::new();
    let path = w.write_project(&format!(
        "[profiles.x]\nbase_url = \"https://x.org\"\npassword = \"{PASSWORD}\nauth = \"pat\"\n"
    ));
    let err = w.fail(none(), &[]);
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}:3:", path.display())),
        "{text}"
    );
    assert!(text.contains("this is not valid TOML"), "{text}");
}

#[test]
fn a_broken_user_file_does_not_block_a_project_profile() {
    let w = World::new();
    w.write_user("this is = = not toml\n");
    w.write_project(&format!("default = \"p\"\n{}", pat("p", "https://p.org")));
    assert_eq!(w.resolve(none(), &[]).name, "p");
    let err = w.fail(profile("other"), &[]);
    assert!(
        err.to_string()
            .starts_with(&format!("{}:1:", w.user_file().display())),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_named() {
    let w = World::new();
    fs::create_dir_all(w.project_file()).unwrap(); // a directory where the file should be
    fs::create_dir_all(w.user_file()).unwrap();
    let err = w.fail(profile("x"), &[]);
    // Only files count in the walk up, so the project "file" is skipped; the user path is read.
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read {}", w.user_file().display())),
        "{err}"
    );
}

// ---- warnings -----------------------------------------------------------------------------

#[test]
fn plain_http_to_another_host_warns() {
    let w = World::new();
    w.write_user(&format!(
        "{}{}{}",
        basic("remote", "http://dhis.example.org"),
        basic("local", "http://127.0.0.1:8080"),
        basic("tls", "https://dhis.example.org")
    ));
    let p = w.resolve(profile("remote"), &[]);
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert!(
        p.warnings[0].starts_with(
            "profile 'remote' sends its credentials over plain http:// to dhis.example.org"
        ),
        "{:?}",
        p.warnings
    );
    assert!(w.resolve(profile("local"), &[]).warnings.is_empty());
    assert!(w.resolve(profile("tls"), &[]).warnings.is_empty());
    let p = w.resolve(url("http://10.1.2.3:8080"), &[("DHIS2_PAT", TOKEN)]);
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    // A URL from a flag or the environment is no profile, and is not called one.
    assert!(
        p.warnings[0].starts_with("the connection to 10.1.2.3:8080 (--url) sends its credentials"),
        "{:?}",
        p.warnings
    );
}

#[cfg(unix)]
#[test]
fn a_file_with_secrets_readable_by_others_warns() {
    let w = World::new();
    let path = w.write_user(&format!("default = \"p\"\n{}", basic("p", "https://p.org")));
    assert!(w.resolve(none(), &[]).warnings.is_empty(), "0600 is fine");

    set_mode(&path, 0o644);
    let p = w.resolve(none(), &[]);
    assert_eq!(
        p.warnings,
        [format!(
            "{0} holds passwords or tokens and other users can read it (mode 644); run: chmod 600 {0}",
            path.display()
        )]
    );

    set_mode(&path, 0o640);
    assert_eq!(
        w.resolve(none(), &[]).warnings.len(),
        1,
        "group-readable counts too"
    );
    set_mode(&path, 0o700);
    assert!(
        w.resolve(none(), &[]).warnings.is_empty(),
        "the owner's bits do not matter"
    );

    // No secrets, nothing to protect.
    fs::write(
        &path,
        "default = \"p\"\n[profiles.p]\nbase_url = \"https://p.org\"\nauth = \"pat\"\n",
    )
    .unwrap();
    set_mode(&path, 0o644);
    w.write_project(&format!("default = \"q\"\n{}", pat("q", "https://q.org")));
    assert!(w.resolve(none(), &[]).warnings.is_empty());
}

// ---- secrets ------------------------------------------------------------------------------

#[test]
fn no_debug_or_display_shows_a_secret() {
    let w = World::new();
    w.write_user(&format!(
        "default = \"b\"\n{}{}",
        basic("b", "http://dhis.example.org"),
        pat("t", "https://t.org")
    ));
    let vars = [
        ("DHIS2_PAT", TOKEN),
        ("DHIS2_USERNAME", "admin"),
        ("DHIS2_PASSWORD", PASSWORD),
    ];
    let env = w.env(&vars);
    assert_no_secret(&format!("{env:?}"));
    for req in [none(), profile("t"), url("http://dhis.example.org")] {
        let p = resolve_profile(&req, &env).unwrap();
        assert_no_secret(&format!("{p:?}"));
        assert_no_secret(&format!("{:#?}", p));
        assert_no_secret(&p.warnings.join("\n"));
        assert_no_secret(&p.source.to_string());
        assert_no_secret(&p.auth.describe());
    }
    let summaries = list_profiles(&env).unwrap();
    assert_no_secret(&format!("{summaries:?}"));
    // The errors of `fail` are checked by it on every call in this file.
}

// ---- listing ------------------------------------------------------------------------------

#[test]
fn list_shows_both_files_with_default_shadowing_and_problems() {
    let w = World::new();
    let user = w.write_user(&format!(
        "default = \"prod\"\n{}{}",
        pat("prod", "https://prod.org"),
        basic("play", "https://play.org")
    ));
    let project = w.write_project(&format!(
        "{}[profiles.broken]\nbase_url = \"https://b.org\"\nauth = \"oauth2\"\n",
        basic("play", "http://localhost:8080")
    ));
    let list = list_profiles(&w.env(&[])).unwrap();
    let rows: Vec<(&str, &Path, bool, bool)> = list
        .iter()
        .map(|s| (s.name.as_str(), s.file.as_path(), s.is_default, s.shadowed))
        .collect();
    assert_eq!(
        rows,
        [
            ("broken", project.as_path(), false, false),
            ("play", project.as_path(), false, false),
            ("play", user.as_path(), false, true),
            ("prod", user.as_path(), true, false),
        ]
    );
    assert_eq!(list[0].auth, None);
    assert_eq!(
        list[0].problem.as_deref(),
        Some(format!(
            "{}:8:8: auth = \"oauth2\" of profile 'broken' is not supported; use \"basic\" or \"pat\"",
            project.display()
        ))
        .as_deref()
    );
    assert_eq!(list[1].auth, Some(AuthKind::Basic));
    assert_eq!(list[1].username.as_deref(), Some("admin"));
    assert_eq!(list[1].base_url.as_deref(), Some("http://localhost:8080"));
    assert_eq!(list[3].auth, Some(AuthKind::Pat));
    assert_eq!(list[3].problem, None);
}

#[test]
fn list_is_empty_without_files() {
    let w = World::new();
    assert_eq!(list_profiles(&w.env(&[])).unwrap(), []);
}

// ---- paths and logging ------------------------------------------------------------------

#[test]
fn paths_under_a_root() {
    let paths = Paths::under("/srv/d2");
    assert_eq!(paths.state_dir, Path::new("/srv/d2/state"));
}

/// Runs the ignored test `name` in a fresh copy of this test binary, working in `root`, with
/// `HOME=root/home`, no XDG variables and the given ones: the directories crate and
/// `from_process` read the real process environment, and this process must not change its own.
#[cfg(target_os = "linux")]
fn run_child(name: &str, root: &Path, vars: &[(&str, PathBuf)]) {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", name, "--include-ignored", "--test-threads=1"])
        .current_dir(root)
        .env("D2FILES_CHILD_ROOT", root)
        .env("HOME", root.join("home"));
    let xdg = common::XDG_DIRS.map(|(var, _)| var);
    for var in xdg.into_iter().chain(common::OUTSIDE_VARIABLES) {
        cmd.env_remove(var);
    }
    cmd.envs(vars.iter().map(|(k, v)| (k, v)));
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The root a child test runs in, or `None` when it is run on its own (it then does nothing).
fn child_root() -> Option<PathBuf> {
    std::env::var_os("D2FILES_CHILD_ROOT").map(PathBuf::from)
}

#[cfg(target_os = "linux")]
#[test]
fn paths_follow_xdg_variables_and_default_to_home() {
    let dir = tempfile::tempdir().unwrap();
    let root = &dir.path().canonicalize().unwrap();
    fs::create_dir_all(root.join("home")).unwrap();
    run_child("paths_child", root, &[]);
    // With XDG dirs and a user-dirs.dirs naming a download folder.
    fs::create_dir_all(root.join("xdg/config")).unwrap();
    fs::write(
        root.join("xdg/config/user-dirs.dirs"),
        "XDG_DOWNLOAD_DIR=\"$HOME/Dl\"\n",
    )
    .unwrap();
    run_child(
        "paths_child",
        root,
        &[
            ("XDG_CONFIG_HOME", root.join("xdg/config")),
            ("XDG_DATA_HOME", root.join("xdg/data")),
            ("XDG_STATE_HOME", root.join("xdg/state")),
            ("D2FILES_CHILD_XDG", "1".into()),
        ],
    );
}

#[test]
#[ignore = "run by paths_follow_xdg_variables_and_default_to_home in a child process"]
fn paths_child() {
    let Some(root) = child_root() else { return };
    let home = root.join("home");
    let paths = Paths::from_process().unwrap();
    if std::env::var_os("D2FILES_CHILD_XDG").is_some() {
        assert_eq!(paths.config_dir, root.join("xdg/config/d2files"));
        assert_eq!(paths.data_dir, root.join("xdg/data/d2files"));
        assert_eq!(paths.state_dir, root.join("xdg/state/d2files"));
        assert_eq!(paths.download_dir, home.join("Dl"));
    } else {
        assert_eq!(paths.config_dir, home.join(".config/d2files"));
        assert_eq!(paths.data_dir, home.join(".local/share/d2files"));
        assert_eq!(paths.state_dir, home.join(".local/state/d2files"));
        assert_eq!(
            paths.download_dir, root,
            "no download folder: the working directory"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn environment_from_process_reads_the_real_variables() {
    let dir = tempfile::tempdir().unwrap();
    let root = &dir.path().canonicalize().unwrap();
    let xdg = root.join("xdg");
    write_private(
        &xdg.join("dhis2/profiles.toml"),
        &format!("default = \"x\"\n{}", pat("x", "https://x.org")),
    );
    run_child(
        "environment_child",
        root,
        &[
            ("XDG_CONFIG_HOME", xdg),
            ("DHIS2_PROFILE", "x".into()),
            ("DHIS2_PAT", TOKEN.into()),
            ("DHIS2_USERNAME", "".into()),
        ],
    );
}

#[test]
#[ignore = "run by environment_from_process_reads_the_real_variables in a child process"]
fn environment_child() {
    let Some(root) = child_root() else { return };
    let env = Environment::from_process();
    assert_eq!(env.cwd, root);
    assert_eq!(env.home, Some(root.join("home")));
    assert_eq!(env.profile.as_deref(), Some("x"));
    assert_eq!(env.pat.as_ref().map(|t| t.expose()), Some(TOKEN));
    assert_eq!(env.username, None, "empty counts as unset");
    let p = resolve_profile(&ProfileRequest::default(), &env).unwrap();
    assert_eq!(
        p.source,
        ProfileSource::File(root.join("xdg/dhis2/profiles.toml"))
    );
}

/// The only test here that installs the global subscriber.
#[test]
fn file_logging_writes_to_the_state_dir() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path());
    let guard = d2files::config::init_file_logging(&paths, "d2files.log").unwrap();
    assert_eq!(guard.path(), dir.path().join("state/d2files.log"));
    tracing::error!("logging-test-line");
    let again = d2files::config::init_file_logging(&paths, "second.log");
    assert!(
        matches!(again, Err(ConfigError::LoggerInstalled(_))),
        "{again:?}"
    );
    let path = guard.path().to_path_buf();
    drop(guard);
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains("logging-test-line"), "{text}");
}
