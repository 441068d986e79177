//! Reading one `profiles.toml`. Parsed with toml's spanned document tree rather than serde, so every
//! problem points at its line and column and is phrased by us (serde's type errors quote values,
//! which could be a password).
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use url::Url;

use super::error::ConfigError;
use crate::api::without_userinfo;
use crate::api::{Auth, Secret};

/// How a profile authenticates, without the credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthKind {
    /// `auth = "basic"`: user name and password.
    Basic,
    /// `auth = "pat"`: a personal access token.
    Pat,
}

impl fmt::Display for AuthKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Basic => "basic",
            Self::Pat => "pat",
        })
    }
}

/// A 1-based position in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

/// Something wrong with one profile, kept until that profile is asked for.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub pos: Pos,
    pub message: String,
}

/// A profile that passed every check.
#[derive(Clone, Debug)]
pub(crate) struct Usable {
    pub base_url: Url,
    pub auth: Auth,
    /// `ca_file`, relative paths taken from the file's directory.
    pub ca_file: Option<PathBuf>,
}

#[derive(Clone, Debug)]
pub(crate) struct FileProfile {
    pub name: String,
    /// For listings; any user info in it is masked.
    pub base_url_display: Option<String>,
    pub auth_kind: Option<AuthKind>,
    pub username: Option<String>,
    pub usable: Result<Usable, Problem>,
}

#[derive(Clone, Debug)]
pub(crate) struct ProfilesFile {
    pub path: PathBuf,
    /// The `default = "…"` value and where it is.
    pub default: Option<(String, Pos)>,
    /// In name order.
    pub profiles: Vec<FileProfile>,
    /// Some profile carries a password or token.
    pub holds_secrets: bool,
    /// The unix mode when group or others may read the file.
    pub readable_by_others: Option<u32>,
}

impl ProfilesFile {
    pub fn get(&self, name: &str) -> Option<&FileProfile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    pub fn error(&self, problem: &Problem) -> ConfigError {
        ConfigError::File {
            path: self.path.clone(),
            line: problem.pos.line,
            column: problem.pos.column,
            message: problem.message.clone(),
        }
    }

    /// The permission warning, if the file deserves one.
    pub fn permission_warning(&self) -> Option<String> {
        let mode = self.readable_by_others.filter(|_| self.holds_secrets)?;
        let path = self.path.display();
        Some(format!(
            "{path} holds passwords or tokens and other users can read it (mode {:o}); \
             run: chmod 600 {path}",
            mode & 0o777
        ))
    }
}

/// Reads and parses the file; `Ok(None)` when it does not exist.
pub(crate) fn load(path: &Path) -> Result<Option<ProfilesFile>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut file = parse(path, &text)?;
    file.readable_by_others = readable_by_others(path);
    Ok(Some(file))
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o044 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> Option<u32> {
    None
}

/// Parses the text of a profiles file; `path` only labels errors.
pub(crate) fn parse(path: &Path, text: &str) -> Result<ProfilesFile, ConfigError> {
    let at = |span: Range<usize>, message: String| ConfigError::File {
        path: path.to_path_buf(),
        line: pos(text, span.start).line,
        column: pos(text, span.start).column,
        message,
    };
    let root = DeTable::parse(text).map_err(|e| {
        at(
            e.span().unwrap_or(0..0),
            format!("this is not valid TOML: {}", e.message()),
        )
    })?;

    let mut file = ProfilesFile {
        path: path.to_path_buf(),
        default: None,
        profiles: Vec::new(),
        holds_secrets: false,
        readable_by_others: None,
    };
    for (key, value) in root.get_ref().iter() {
        match key.get_ref().as_ref() {
            "default" => match value.get_ref() {
                DeValue::String(name) => {
                    file.default = Some((name.to_string(), pos(text, value.span().start)));
                }
                other => {
                    return Err(at(
                        value.span(),
                        format!(
                            "default must be a profile name in quotes, not {}",
                            other.type_str()
                        ),
                    ));
                }
            },
            "profiles" => {
                let DeValue::Table(table) = value.get_ref() else {
                    return Err(at(
                        value.span(),
                        "profiles must be a table: write each one as [profiles.NAME]".to_string(),
                    ));
                };
                for (name, body) in table.iter() {
                    let (profile, holds_secret) = read_profile(
                        path,
                        text,
                        name.get_ref().to_string(),
                        pos(text, name.span().start),
                        body,
                    );
                    file.holds_secrets |= holds_secret;
                    file.profiles.push(profile);
                }
            }
            // Other tools keep their own keys here; they are none of our business.
            _ => {}
        }
    }
    file.profiles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(file)
}

/// The known keys of one profile table, each as (text, where its value starts).
struct Fields {
    base_url: Option<(String, Pos)>,
    auth: Option<(String, Pos)>,
    username: Option<(String, Pos)>,
    password: Option<(String, Pos)>,
    token: Option<(String, Pos)>,
    ca_file: Option<(String, Pos)>,
}

/// One `[profiles.NAME]` table, and whether it carries a secret.
fn read_profile(
    path: &Path,
    text: &str,
    name: String,
    at: Pos,
    body: &toml::Spanned<DeValue<'_>>,
) -> (FileProfile, bool) {
    let DeValue::Table(table) = body.get_ref() else {
        let problem = Problem {
            pos: pos(text, body.span().start),
            message: format!("profile '{name}' must be a table: write it as [profiles.{name}]"),
        };
        let profile = FileProfile {
            name,
            base_url_display: None,
            auth_kind: None,
            username: None,
            usable: Err(problem),
        };
        return (profile, false);
    };

    // A value of the wrong type is the profile's first problem; empty text counts as absent.
    let mut type_problem: Option<Problem> = None;
    let mut field = |key: &str| -> Option<(String, Pos)> {
        let (_, value) = table.iter().find(|(k, _)| k.get_ref().as_ref() == key)?;
        let where_ = pos(text, value.span().start);
        match value.get_ref() {
            DeValue::String(s) if s.is_empty() => None,
            DeValue::String(s) => Some((s.to_string(), where_)),
            other => {
                type_problem.get_or_insert(Problem {
                    pos: where_,
                    message: format!(
                        "{key} of profile '{name}' must be text in quotes, not {}",
                        other.type_str()
                    ),
                });
                None
            }
        }
    };
    let fields = Fields {
        base_url: field("base_url"),
        auth: field("auth"),
        username: field("username"),
        password: field("password"),
        token: field("token"),
        ca_file: field("ca_file"),
    };
    let auth_kind = match fields.auth.as_ref().map(|(a, _)| a.as_str()) {
        Some("basic") => Some(AuthKind::Basic),
        Some("pat") => Some(AuthKind::Pat),
        _ => None,
    };
    let holds_secret = fields.password.is_some() || fields.token.is_some();
    let profile = FileProfile {
        base_url_display: fields
            .base_url
            .as_ref()
            .map(|(u, _)| without_userinfo(u.trim())),
        auth_kind,
        username: fields.username.as_ref().map(|(u, _)| u.clone()),
        usable: match type_problem {
            Some(problem) => Err(problem),
            None => check_profile(path, &name, at, auth_kind, fields),
        },
        name,
    };
    (profile, holds_secret)
}

fn check_profile(
    path: &Path,
    name: &str,
    at: Pos,
    auth_kind: Option<AuthKind>,
    fields: Fields,
) -> Result<Usable, Problem> {
    let missing = |message: String| Problem { pos: at, message };
    let (raw_url, url_pos) = fields.base_url.ok_or_else(|| {
        missing(format!(
            "profile '{name}' has no base_url; add base_url = \"https://…\""
        ))
    })?;
    let base_url = check_base_url(&raw_url).map_err(|reason| Problem {
        pos: url_pos,
        message: format!("base_url of profile '{name}': {reason}"),
    })?;
    let (auth_text, auth_pos) = fields.auth.ok_or_else(|| {
        missing(format!(
            "profile '{name}' has no auth; add auth = \"basic\" (with username and password) \
             or auth = \"pat\" (with token)"
        ))
    })?;
    let auth = match auth_kind {
        Some(AuthKind::Basic) => {
            let (username, _) = fields.username.ok_or_else(|| {
                missing(format!(
                    "profile '{name}' uses auth = \"basic\" but has no username"
                ))
            })?;
            let (password, _) = fields.password.ok_or_else(|| {
                missing(format!(
                    "profile '{name}' uses auth = \"basic\" but has no password"
                ))
            })?;
            Auth::Basic {
                username,
                password: Secret::new(password),
            }
        }
        Some(AuthKind::Pat) => {
            let (token, _) = fields.token.ok_or_else(|| {
                missing(format!(
                    "profile '{name}' uses auth = \"pat\" but has no token; \
                     add token = \"d2pat_…\""
                ))
            })?;
            Auth::Token(Secret::new(token))
        }
        None => {
            return Err(Problem {
                pos: auth_pos,
                message: format!(
                    "auth = \"{auth_text}\" of profile '{name}' is not supported; \
                     use \"basic\" or \"pat\""
                ),
            });
        }
    };
    let ca_file = match fields.ca_file {
        Some((ca_file, ca_pos)) => {
            // Relative to the profiles file, so a project can keep its CA beside it.
            let ca_file = path.parent().unwrap_or(Path::new(".")).join(ca_file.trim());
            if !ca_file.is_file() {
                return Err(Problem {
                    pos: ca_pos,
                    message: format!(
                        "ca_file of profile '{name}': {} is not a file",
                        ca_file.display()
                    ),
                });
            }
            Some(ca_file)
        }
        None => None,
    };
    Ok(Usable {
        base_url,
        auth,
        ca_file,
    })
}

/// Checks a server address from any source; the error text never repeats user info.
pub(crate) fn check_base_url(raw: &str) -> Result<Url, String> {
    let shown = without_userinfo(raw.trim());
    let url =
        Url::parse(raw.trim()).map_err(|e| format!("\"{shown}\" is not a valid URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("\"{shown}\" must start with https:// (or http://)"));
    }
    if url.host().is_none() {
        return Err(format!("\"{shown}\" names no server"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "\"{shown}\" carries a user name or password; give those as credentials instead"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "\"{shown}\" must be the server's address only, without ? or #"
        ));
    }
    Ok(url)
}

/// The one text form of a server address: no trailing slash, so "/api/…" can be appended.
pub(crate) fn url_text(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// Byte offset to 1-based line and column (in characters).
fn pos(text: &str, offset: usize) -> Pos {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"default = "play"

[profiles.play]
base_url = "https://play.dhis2.org/dev/"
auth = "basic"
username = "admin"
password = "district"

[profiles.prod]
base_url = "https://dhis.example.org"
auth = "pat"
token = "d2pat_secret"
"#;

    fn parsed(text: &str) -> ProfilesFile {
        parse(Path::new("/p/profiles.toml"), text).expect("parses")
    }

    fn problem(text: &str, name: &str) -> Problem {
        parsed(text)
            .get(name)
            .expect("profile present")
            .usable
            .clone()
            .expect_err("profile has a problem")
    }

    #[test]
    fn reads_the_documented_format() {
        let file = parsed(SAMPLE);
        assert_eq!(
            file.default,
            Some((
                "play".into(),
                Pos {
                    line: 1,
                    column: 11
                }
            ))
        );
        assert!(file.holds_secrets);
        let play = file.get("play").unwrap();
        let usable = play.usable.as_ref().unwrap();
        assert_eq!(url_text(&usable.base_url), "https://play.dhis2.org/dev");
        assert_eq!(usable.auth, Auth::basic("admin", "district"));
        let prod = file.get("prod").unwrap();
        assert_eq!(prod.auth_kind, Some(AuthKind::Pat));
        assert_eq!(
            prod.usable.as_ref().unwrap().auth,
            Auth::token("d2pat_secret")
        );
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = parse(
            Path::new("/p/profiles.toml"),
            "default = \"play\"\n[profiles.play]\nbase_url = https://x\n",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("/p/profiles.toml:3:12: this is not valid TOML"),
            "{text}"
        );
    }

    #[test]
    fn duplicate_keys_are_syntax_errors() {
        let err = parse(
            Path::new("/p/profiles.toml"),
            "[profiles.a]\nauth = \"pat\"\nauth = \"basic\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("/p/profiles.toml:3:"), "{err}");
    }

    #[test]
    fn a_wrong_type_names_the_field_but_not_its_value() {
        let p = problem(
            "[profiles.a]\nbase_url = \"https://x.org\"\nauth = \"basic\"\nusername = \"u\"\npassword = 12345\n",
            "a",
        );
        assert_eq!(
            p.pos,
            Pos {
                line: 5,
                column: 12
            }
        );
        assert_eq!(
            p.message,
            "password of profile 'a' must be text in quotes, not integer"
        );
        assert!(!p.message.contains("12345"));
    }

    #[test]
    fn missing_fields_point_at_the_profile() {
        let p = problem("[profiles.a]\nauth = \"pat\"\ntoken = \"t\"\n", "a");
        assert_eq!(
            p.pos,
            Pos {
                line: 1,
                column: 11
            }
        );
        assert!(p.message.contains("has no base_url"), "{}", p.message);

        let p = problem("[profiles.a]\nbase_url = \"https://x.org\"\n", "a");
        assert!(
            p.message.contains("profile 'a' has no auth"),
            "{}",
            p.message
        );

        let p = problem(
            "[profiles.a]\nbase_url = \"https://x.org\"\nauth = \"pat\"\ntoken = \"\"\n",
            "a",
        );
        assert!(
            p.message
                .contains("profile 'a' uses auth = \"pat\" but has no token"),
            "{}",
            p.message
        );

        let p = problem(
            "[profiles.a]\nbase_url = \"https://x.org\"\nauth = \"basic\"\nusername = \"u\"\n",
            "a",
        );
        assert!(
            p.message
                .contains("profile 'a' uses auth = \"basic\" but has no password"),
            "{}",
            p.message
        );
    }

    #[test]
    fn unsupported_auth_points_at_its_value() {
        let p = problem(
            "[profiles.a]\nbase_url = \"https://x.org\"\nauth = \"oauth2\"\n",
            "a",
        );
        assert_eq!(p.pos, Pos { line: 3, column: 8 });
        assert!(
            p.message
                .contains("auth = \"oauth2\" of profile 'a' is not supported")
        );
    }

    #[test]
    fn one_broken_profile_does_not_break_the_others() {
        let file = parsed(
            "[profiles.bad]\nbase_url = 3\n[profiles.good]\nbase_url = \"http://localhost:8080\"\nauth = \"pat\"\ntoken = \"t\"\n",
        );
        assert!(file.get("bad").unwrap().usable.is_err());
        assert!(file.get("good").unwrap().usable.is_ok());
    }

    #[test]
    fn structural_errors_are_reported() {
        let err = parse(Path::new("f.toml"), "default = 1\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.toml:1:11: default must be a profile name in quotes, not integer"
        );
        let err = parse(Path::new("f.toml"), "profiles = \"x\"\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("f.toml:1:12: profiles must be a table")
        );
        let p = problem("profiles.a = \"x\"\n", "a");
        assert!(p.message.contains("profile 'a' must be a table"));
    }

    #[test]
    fn base_urls_are_checked_and_normalised() {
        assert_eq!(
            url_text(&check_base_url(" https://h.org/dhis/").unwrap()),
            "https://h.org/dhis"
        );
        assert_eq!(
            url_text(&check_base_url("http://h.org").unwrap()),
            "http://h.org"
        );
        assert!(
            check_base_url("ftp://h.org")
                .unwrap_err()
                .contains("https://")
        );
        assert!(
            check_base_url("h.org")
                .unwrap_err()
                .contains("not a valid URL")
        );
        assert!(
            check_base_url("https://h.org/?x=1")
                .unwrap_err()
                .contains("without ?")
        );
        let err = check_base_url("https://admin:district@h.org").unwrap_err();
        assert!(!err.contains("district") && !err.contains("admin"), "{err}");
        assert!(err.contains("https://***@h.org"), "{err}");
    }

    #[test]
    fn listings_mask_user_info_and_keep_the_rest_of_the_url() {
        let file = parsed(
            "[profiles.a]\nbase_url = \"https://admin:district@h.org/dhis?x#y\"\n\
             [profiles.b]\nbase_url = \"https://h.org/a@b\"\n",
        );
        let shown = |name: &str| file.get(name).unwrap().base_url_display.clone();
        assert_eq!(shown("a").as_deref(), Some("https://***@h.org/dhis?x#y"));
        // An @ in the path is no user info.
        assert_eq!(shown("b").as_deref(), Some("https://h.org/a@b"));
    }

    #[test]
    fn positions_count_characters() {
        assert_eq!(pos("ab\ncé d", 7), Pos { line: 2, column: 4 });
        assert_eq!(pos("", 0), Pos { line: 1, column: 1 });
    }
}
