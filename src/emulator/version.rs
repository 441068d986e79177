//! The emulated DHIS2 version and every behaviour that depends on it (dhis2-api.md §6).

use std::fmt;
use std::str::FromStr;

/// A DHIS2 release `2.<minor>.<patch>`; the emulator covers 2.38 to 2.42.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dhis2Version {
    pub minor: u8,
    pub patch: u8,
}

/// The oldest and newest minor versions the emulator reproduces.
pub const MIN_MINOR: u8 = 38;
pub const MAX_MINOR: u8 = 42;

impl Dhis2Version {
    pub const fn new(minor: u8, patch: u8) -> Self {
        Self { minor, patch }
    }

    /// `minor.patch` at or above the given patch of the same minor, or any later minor.
    fn at_least(self, minor: u8, patch: u8) -> bool {
        self.minor > minor || (self.minor == minor && self.patch >= patch)
    }

    /// Filter errors: 409 without errorCode before 2.40, then 400 E1003.
    pub fn filter_error_is_400(self) -> bool {
        self.minor >= 40
    }
    pub fn has_ieq(self) -> bool {
        self.minor >= 41
    }
    pub fn has_not_empty(self) -> bool {
        self.minor >= 42
    }
    /// Enum query parameters (`domain`, `dimension`) ignore case from 2.40.
    pub fn enums_case_insensitive(self) -> bool {
        self.minor >= 40
    }
    /// 2.42 binds list parameters strictly: garbage `page`/`pageSize`/`rootJunction` is a 400.
    pub fn strict_list_params(self) -> bool {
        self.minor >= 42
    }
    /// 2.42 splits comma-joined filters and `fields` with a regex.
    pub fn splits_filters_on_comma(self) -> bool {
        self.minor >= 42
    }
    /// 2.42 maps `GET /{uid}` only for 11 alphanumerics, so a malformed uid is a 405.
    pub fn malformed_uid_is_405(self) -> bool {
        self.minor >= 42
    }
    /// `errorCode` on 404/403/400 WebMessages of the generic controllers.
    pub fn has_error_codes(self) -> bool {
        self.minor >= 40
    }
    /// `E1005` on the file resource 404 (the controller's own lookup).
    pub fn file_resource_404_has_code(self) -> bool {
        self.minor >= 41
    }
    /// `publicAccess`, `externalAccess`, `userGroupAccesses`, `userAccesses` in JSON.
    pub fn legacy_sharing_fields(self) -> bool {
        self.minor <= 40
    }
    pub fn error_report_args(self) -> bool {
        self.minor >= 41
    }
    /// `POST /api/fileResources?uid=` is honoured from 2.39 (§11.1); 2.38 has no such
    /// parameter and makes a uid of its own.
    pub fn upload_uid(self) -> bool {
        self.minor >= 39
    }
    /// `UidFormatCheck` on create: an `id` that is no uid is E4014 from 2.39.2, 2.40.1 and
    /// 2.41; before, an 11-character one is stored as given (§11.2).
    pub fn document_uid_check(self) -> bool {
        match self.minor {
            39 => self.patch >= 2,
            40 => self.patch >= 1,
            m => m >= 41,
        }
    }
    /// External (anonymous) sharing: `sharing.external`, `meta.allowExternalAccess`,
    /// `object.externalAccess`, `access.externalize`; gone from 2.41.9 and 2.42.6 (§9.6).
    pub fn external_sharing(self) -> bool {
        match self.minor {
            41 => self.patch < 9,
            42 => self.patch < 6,
            m => m < 41,
        }
    }
    /// `/api/sharing` refuses with Spring's `AccessDeniedException` (no errorCode) up to
    /// 2.41, with a `ForbiddenException` (E1006) from 2.42 (§9.2).
    pub fn sharing_forbidden_has_code(self) -> bool {
        self.minor >= 42
    }
    /// The global upload size limit and avatar/org-unit validation (2.39.8+, 2.40.6+, 2.41.2+, 2.42).
    pub fn upload_limits(self) -> bool {
        match self.minor {
            39 => self.patch >= 8,
            40 => self.patch >= 6,
            41 => self.patch >= 2,
            m => m >= 42,
        }
    }
    /// ICON and JOB_DATA domains exist from 2.40.
    pub fn has_icon_and_job_data(self) -> bool {
        self.minor >= 40
    }
    /// ICON uploads are validated (png only) from 2.40.6.
    pub fn icon_validation(self) -> bool {
        self.at_least(40, 6)
    }
    pub fn file_resource_list(self) -> bool {
        self.minor >= 41
    }
    /// A refused file resource download is 403 E1006 from 2.41, 401 before.
    pub fn forbidden_download_is_403(self) -> bool {
        self.minor >= 41
    }
    /// `assigned` is serialised from 2.41.6 and 2.42.3.
    pub fn assigned_visible(self) -> bool {
        match self.minor {
            41 => self.patch >= 6,
            m => m >= 42 && (m > 42 || self.patch >= 3),
        }
    }
    /// `DocumentController.deleteObject` override: un-assigns the FR and answers 409 WARNING
    /// on a missing right (2.41.7+ and 2.42.4+).
    pub fn document_delete_override(self) -> bool {
        match self.minor {
            41 => self.patch >= 7,
            m => m >= 42 && (m > 42 || self.patch >= 4),
        }
    }
    /// Spring 6 (2.42) words 405/415 differently.
    pub fn spring6(self) -> bool {
        self.minor >= 42
    }
    /// The old partial `PATCH application/json` (204, no hooks) exists up to 2.40.
    pub fn legacy_json_patch(self) -> bool {
        self.minor <= 40
    }
    /// Empty uploads carry `E1004` from 2.40.
    pub fn empty_upload_has_code(self) -> bool {
        self.minor >= 40
    }
    /// E4000 ends with a period on 2.38.
    pub fn e4000_period(self) -> bool {
        self.minor <= 38
    }
    /// Where an unauthenticated browser request is redirected.
    pub fn login_path(self) -> &'static str {
        match self.minor {
            ..=40 => "/dhis-web-commons/security/login.action",
            41 => "/dhis-web-login",
            _ => "/dhis-web-login/",
        }
    }
}

impl Default for Dhis2Version {
    fn default() -> Self {
        Self::new(41, 7)
    }
}

impl fmt::Display for Dhis2Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "2.{}.{}", self.minor, self.patch)
    }
}

/// Why a version string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("not a DHIS2 version: `{0}` (expected 2.<minor>[.<patch>[.<hotfix>]])")]
    Syntax(String),
    #[error("DHIS2 {0} is not emulated (supported: 2.{MIN_MINOR} to 2.{MAX_MINOR})")]
    Unsupported(String),
}

impl FromStr for Dhis2Version {
    type Err = VersionError;

    /// Accepts "2.41", "2.41.7", "2.42.4.1" and a trailing "-SNAPSHOT"; the hotfix is dropped.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let core = trimmed.strip_suffix("-SNAPSHOT").unwrap_or(trimmed);
        let parts: Vec<&str> = core.split('.').collect();
        if !(2..=4).contains(&parts.len()) || parts[0] != "2" {
            return Err(VersionError::Syntax(s.to_string()));
        }
        let number = |p: &str| {
            p.parse::<u8>()
                .map_err(|_| VersionError::Syntax(s.to_string()))
        };
        let minor = number(parts[1])?;
        let patch = match parts.get(2) {
            Some(p) => number(p)?,
            None => 0,
        };
        if let Some(hotfix) = parts.get(3) {
            number(hotfix)?;
        }
        if !(MIN_MINOR..=MAX_MINOR).contains(&minor) {
            return Err(VersionError::Unsupported(s.to_string()));
        }
        Ok(Self { minor, patch })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_three_and_four_components() {
        assert_eq!("2.41".parse(), Ok(Dhis2Version::new(41, 0)));
        assert_eq!("2.41.7".parse(), Ok(Dhis2Version::new(41, 7)));
        assert_eq!("2.42.4.1".parse(), Ok(Dhis2Version::new(42, 4)));
        assert_eq!("2.40-SNAPSHOT".parse(), Ok(Dhis2Version::new(40, 0)));
        assert!("2.37.1".parse::<Dhis2Version>().is_err());
        assert!("3.41".parse::<Dhis2Version>().is_err());
        assert!("2.x".parse::<Dhis2Version>().is_err());
        assert_eq!(Dhis2Version::new(42, 5).to_string(), "2.42.5");
    }

    #[test]
    fn patch_level_rows() {
        let v = |m, p| Dhis2Version::new(m, p);
        assert!(!v(41, 6).document_delete_override());
        assert!(v(41, 7).document_delete_override());
        assert!(!v(42, 3).document_delete_override());
        assert!(v(42, 4).document_delete_override());
        assert!(!v(41, 5).assigned_visible());
        assert!(v(41, 6).assigned_visible());
        assert!(!v(42, 2).assigned_visible());
        assert!(v(42, 3).assigned_visible());
        assert!(!v(39, 7).upload_limits());
        assert!(v(39, 8).upload_limits());
        assert!(!v(40, 5).upload_limits());
        assert!(v(41, 2).upload_limits());
        assert!(!v(38, 9).upload_limits());
        assert!(!v(40, 5).icon_validation());
        assert!(v(40, 6).icon_validation());
        assert!(v(41, 0).icon_validation());
        assert!(!v(38, 9).document_uid_check());
        assert!(!v(39, 1).document_uid_check());
        assert!(v(39, 2).document_uid_check());
        assert!(!v(40, 0).document_uid_check());
        assert!(v(40, 1).document_uid_check());
        assert!(v(41, 0).document_uid_check());
        assert!(v(41, 8).external_sharing());
        assert!(!v(41, 9).external_sharing());
        assert!(v(42, 5).external_sharing());
        assert!(!v(42, 6).external_sharing());
        assert!(v(38, 0).external_sharing());
    }
}
