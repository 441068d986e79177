//! The emulated DHIS2 version and every behaviour that depends on it (dhis2-api.md §6, §12,
//! §13): each difference is one [`Change`], whose row says the release it starts at. Handlers
//! ask `version.has(Change::…)`; nothing else compares version numbers.

use std::fmt;
use std::str::FromStr;

/// A DHIS2 release `2.<minor>.<patch>`; the emulator covers 2.38 to 2.44.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dhis2Version {
    pub minor: u8,
    pub patch: u8,
}

/// The oldest and newest minor versions the emulator reproduces.
pub const MIN_MINOR: u8 = 38;
pub const MAX_MINOR: u8 = 44;

/// The newest release the emulator knows (2.44 is a development snapshot): the demo's default.
pub const NEWEST_RELEASE: Dhis2Version = Dhis2Version::new(43, 2);

/// One thing DHIS2 changed, at the release its row gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    // ---- lists, filters and order (§3.2, §5, §12)
    /// Filter errors: 409 without errorCode before, then 400 E1003 (§5.1).
    FilterErrorIs400,
    /// The `ieq` operator.
    Ieq,
    /// The `!empty` operator.
    NotEmpty,
    /// Enum query parameters (`domain`, `dimension`) ignore case (§6).
    EnumsIgnoreCase,
    /// Garbage `page`/`pageSize`/`rootJunction` is a 400 instead of the default (§3.2).
    StrictListParams,
    /// Comma-joined filters and `fields` are split with a regex (§5.3).
    SplitsFiltersOnComma,
    /// The `:persisted` and `:simple` field presets (§5.3).
    PersistedAndSimplePresets,
    /// Each filter is planned on its own (DB or memory); before, one filter the DB cannot take
    /// sends the whole query to memory (§12.1: 2.38.0–2.38.1).
    PerFilterPlanning,
    /// `rootJunction=OR` stays in the DB when every filter can go there (§12.1).
    OrStaysInDb,
    /// Several `order` keys keep the priority they were given; before, a `HashSet` decides
    /// (§5.2, §12.4).
    OrderKeepsRequestOrder,
    /// An unknown `order` property is a 400 `No such property: X` and an unknown direction is
    /// `asc`; before, both are silently dropped (§12.4).
    UnknownOrderIs400,
    /// Lists are answered by the Gist backend when the request qualifies; `gist=` forces or
    /// forbids it (§13.5).
    GistLists,
    // ---- errors and their words (§1.3, §6, §13.2)
    /// `errorCode` on the generic controllers' 404/403/400 (E1005, E1006, E1003).
    ErrorCodes,
    /// `E1005` on the file resource controller's own 404.
    FileResource404Code,
    /// `ErrorReport.args`.
    ErrorReportArgs,
    /// Empty uploads carry `E1004`.
    EmptyUploadCode,
    /// E4000 no longer ends with a period (it does on 2.38).
    E4000WithoutPeriod,
    /// Spring 6 words 405 and 415 differently.
    Spring6,
    /// `/api/sharing` refuses with a `ForbiddenException` (E1006), not Spring's
    /// `AccessDeniedException` (§9.2).
    SharingForbiddenCode,
    /// The texts 2.43 rewrote: "not found or not accessible", the storage failure, E5000's
    /// "import strategy" (§13.2).
    Texts243,
    // ---- paths and uids (§3.3, §13.1, §13.8)
    /// `GET /api/documents/{uid}` is mapped for 11 alphanumerics only: another uid is a 405.
    GetMalformedUidIs405,
    /// `UID`-typed path variables and `?uid=`: a malformed or digit-first uid is a 400 (§13.1).
    UidBinding,
    /// `ApiVersionFilter`: `/api/28/…` to `/api/44/…` are rewritten, whatever the release; before,
    /// `@ApiVersion` mapped `/api/28/…` up to the release's own number (§13.8).
    ApiVersionFilter,
    /// Unauthenticated browser requests go to `/dhis-web-login` (§2.2).
    LoginDhisWebLogin,
    /// … to `/dhis-web-login/`.
    LoginDhisWebLoginSlash,
    /// … to `/login/`.
    LoginSlashLogin,
    // ---- documents (§3, §9.6, §11.2, §13.6)
    /// `publicAccess`, `externalAccess`, `userGroupAccesses`, `userAccesses` leave the JSON.
    LegacySharingFieldsRemoved,
    /// External (anonymous) sharing removed: `sharing.external`, `meta.allowExternalAccess`,
    /// `object.externalAccess`, `access.externalize` (§9.6).
    ExternalSharingRemoved,
    /// `UidFormatCheck` on create: an `id` that is no uid is E4014 (§11.2).
    DocumentUidCheck,
    /// The old partial `PATCH application/json` (204, no hooks) is gone (§3.5).
    LegacyJsonPatchRemoved,
    /// `POST`/`PUT` of metadata as XML is gone: JSON only, XML is a 415 (§3.4, §6).
    XmlMetadataRemoved,
    /// `DocumentController.deleteObject`: un-assigns the file resource and answers 409 WARNING
    /// on a missing right (§3.6).
    DocumentDeleteOverride,
    /// `favorite`/`favorites` leave documents and file resources; `/{uid}/favorite` is unmapped
    /// (§13.6).
    FavoritesRemoved,
    // ---- file resources (§4, §11.1, §13.3, §13.4, §13.7)
    /// `POST /api/fileResources?uid=` is honoured; 2.38 makes a uid of its own (§11.1).
    UploadUid,
    /// The global upload size limit and avatar/org-unit validation (§4.2).
    UploadLimits,
    /// The ICON and JOB_DATA domains.
    IconAndJobData,
    /// ICON uploads are validated (png only).
    IconValidation,
    /// The `PUSH_ANALYSIS` domain is removed, and its file resources deleted (§13.3).
    PushAnalysisRemoved,
    /// The domain checks run before the generic size check, which sees the resized file (§13.4).
    SizeCheckAfterDomain,
    /// `GET /api/fileResources` lists (and `/{uid}/{property}`, `fields` on one).
    FileResourceList,
    /// A refused file resource download is 403 E1006, not 401.
    ForbiddenDownload403,
    /// `FAILED` leaves the `FileResourceStorageStatus` enum.
    FailedStatusRemoved,
    /// `assigned` is serialised.
    AssignedVisible,
    /// The cleanup job deletes unassigned DOCUMENT, ICON, ORG_UNIT and USER_AVATAR file
    /// resources two days after their last update; before, only never-stored ones (§4.7, §13.7).
    UnassignedFileCleanup,
}

/// All changes, for the table's own tests.
#[cfg(test)]
pub const CHANGES: &[Change] = &[
    Change::FilterErrorIs400,
    Change::Ieq,
    Change::NotEmpty,
    Change::EnumsIgnoreCase,
    Change::StrictListParams,
    Change::SplitsFiltersOnComma,
    Change::PersistedAndSimplePresets,
    Change::PerFilterPlanning,
    Change::OrStaysInDb,
    Change::OrderKeepsRequestOrder,
    Change::UnknownOrderIs400,
    Change::GistLists,
    Change::ErrorCodes,
    Change::FileResource404Code,
    Change::ErrorReportArgs,
    Change::EmptyUploadCode,
    Change::E4000WithoutPeriod,
    Change::Spring6,
    Change::SharingForbiddenCode,
    Change::Texts243,
    Change::GetMalformedUidIs405,
    Change::UidBinding,
    Change::ApiVersionFilter,
    Change::LoginDhisWebLogin,
    Change::LoginDhisWebLoginSlash,
    Change::LoginSlashLogin,
    Change::LegacySharingFieldsRemoved,
    Change::ExternalSharingRemoved,
    Change::DocumentUidCheck,
    Change::LegacyJsonPatchRemoved,
    Change::XmlMetadataRemoved,
    Change::DocumentDeleteOverride,
    Change::FavoritesRemoved,
    Change::UploadUid,
    Change::UploadLimits,
    Change::IconAndJobData,
    Change::IconValidation,
    Change::PushAnalysisRemoved,
    Change::SizeCheckAfterDomain,
    Change::FileResourceList,
    Change::ForbiddenDownload403,
    Change::FailedStatusRemoved,
    Change::AssignedVisible,
    Change::UnassignedFileCleanup,
];

impl Change {
    /// The row: where the change starts, as `(minor, patch)` pairs. A pair starts it at that
    /// patch of its minor; the last pair's minor also starts it for every later minor. So
    /// `[(41, 7), (42, 4)]` is 2.41.7+, 2.42.4+ and 2.43 on (2.42.0–2.42.3 do not have it).
    pub const fn since(self) -> &'static [(u8, u8)] {
        match self {
            Change::FilterErrorIs400 => &[(40, 0)],
            Change::Ieq => &[(41, 0)],
            Change::NotEmpty => &[(42, 0)],
            Change::EnumsIgnoreCase => &[(40, 0)],
            Change::StrictListParams => &[(42, 0)],
            Change::SplitsFiltersOnComma => &[(42, 0)],
            Change::PersistedAndSimplePresets => &[(42, 0)],
            Change::PerFilterPlanning => &[(38, 2)],
            Change::OrStaysInDb => &[(42, 0)],
            Change::OrderKeepsRequestOrder => &[(42, 0)],
            Change::UnknownOrderIs400 => &[(43, 0)],
            Change::GistLists => &[(44, 0)],
            Change::ErrorCodes => &[(40, 0)],
            Change::FileResource404Code => &[(41, 0)],
            Change::ErrorReportArgs => &[(41, 0)],
            Change::EmptyUploadCode => &[(40, 0)],
            Change::E4000WithoutPeriod => &[(39, 0)],
            Change::Spring6 => &[(42, 0)],
            Change::SharingForbiddenCode => &[(42, 0)],
            Change::Texts243 => &[(43, 0)],
            Change::GetMalformedUidIs405 => &[(42, 0)],
            Change::UidBinding => &[(43, 0)],
            Change::ApiVersionFilter => &[(43, 0)],
            Change::LoginDhisWebLogin => &[(41, 0)],
            Change::LoginDhisWebLoginSlash => &[(42, 0)],
            Change::LoginSlashLogin => &[(43, 0)],
            Change::LegacySharingFieldsRemoved => &[(41, 0)],
            Change::ExternalSharingRemoved => &[(41, 9), (42, 6), (43, 0)],
            Change::DocumentUidCheck => &[(39, 2), (40, 1), (41, 0)],
            Change::LegacyJsonPatchRemoved => &[(41, 0)],
            Change::XmlMetadataRemoved => &[(42, 0)],
            Change::DocumentDeleteOverride => &[(41, 7), (42, 4)],
            Change::FavoritesRemoved => &[(44, 0)],
            Change::UploadUid => &[(39, 0)],
            Change::UploadLimits => &[(39, 8), (40, 6), (41, 2), (42, 0)],
            Change::IconAndJobData => &[(40, 0)],
            Change::IconValidation => &[(40, 6)],
            Change::PushAnalysisRemoved => &[(43, 0)],
            Change::SizeCheckAfterDomain => &[(44, 0)],
            Change::FileResourceList => &[(41, 0)],
            Change::ForbiddenDownload403 => &[(41, 0)],
            Change::FailedStatusRemoved => &[(41, 0)],
            Change::AssignedVisible => &[(41, 6), (42, 3)],
            Change::UnassignedFileCleanup => &[(41, 7), (42, 4), (43, 0)],
        }
    }
}

impl Dhis2Version {
    pub const fn new(minor: u8, patch: u8) -> Self {
        Self { minor, patch }
    }

    /// Whether this release has `change` (see [`Change::since`]).
    pub fn has(self, change: Change) -> bool {
        let rows = change.since();
        match rows.iter().rev().find(|(minor, _)| *minor <= self.minor) {
            None => false,
            Some(&(minor, patch)) if minor == self.minor => self.patch >= patch,
            Some(_) => true,
        }
    }

    /// Where an unauthenticated browser request is redirected (§2.2).
    pub fn login_path(self) -> &'static str {
        if self.has(Change::LoginSlashLogin) {
            "/login/"
        } else if self.has(Change::LoginDhisWebLoginSlash) {
            "/dhis-web-login/"
        } else if self.has(Change::LoginDhisWebLogin) {
            "/dhis-web-login"
        } else {
            "/dhis-web-commons/security/login.action"
        }
    }

    /// The `N` of `/api/N/…` this release serves as `/api/…` (§13.8): 28 up to its own minor
    /// through `@ApiVersion`, then `ApiVersionFilter`'s fixed `2[8-9]|3\d|4[0-4]`.
    pub fn api_version_numbers(self) -> std::ops::RangeInclusive<u8> {
        if self.has(Change::ApiVersionFilter) {
            28..=44
        } else {
            28..=self.minor
        }
    }
}

impl Default for Dhis2Version {
    /// What [`super::EmulatorOptions`] start as unless told: 2.41.7, the release most suites
    /// were written against (the demo starts as [`NEWEST_RELEASE`]).
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
        assert_eq!("2.44-SNAPSHOT".parse(), Ok(Dhis2Version::new(44, 0)));
        assert_eq!("2.43.2".parse(), Ok(NEWEST_RELEASE));
        assert!("2.37.1".parse::<Dhis2Version>().is_err());
        assert!("2.45".parse::<Dhis2Version>().is_err());
        assert!("3.41".parse::<Dhis2Version>().is_err());
        assert!("2.x".parse::<Dhis2Version>().is_err());
        assert_eq!(Dhis2Version::new(42, 5).to_string(), "2.42.5");
    }

    #[test]
    fn rows_start_at_a_patch_and_carry_on_to_later_minors() {
        let v = |m, p| Dhis2Version::new(m, p);
        let has = |m, p, change| v(m, p).has(change);
        use Change::*;
        assert!(!has(41, 6, DocumentDeleteOverride));
        assert!(has(41, 7, DocumentDeleteOverride));
        assert!(has(41, 10, DocumentDeleteOverride));
        assert!(!has(42, 3, DocumentDeleteOverride));
        assert!(has(42, 4, DocumentDeleteOverride));
        assert!(has(43, 0, DocumentDeleteOverride));
        assert!(has(44, 0, DocumentDeleteOverride));
        assert!(!has(41, 5, AssignedVisible));
        assert!(has(41, 6, AssignedVisible));
        assert!(!has(42, 2, AssignedVisible));
        assert!(has(42, 3, AssignedVisible));
        assert!(!has(39, 7, UploadLimits));
        assert!(has(39, 8, UploadLimits));
        assert!(!has(40, 5, UploadLimits));
        assert!(has(41, 2, UploadLimits));
        assert!(!has(38, 9, UploadLimits));
        assert!(!has(40, 5, IconValidation));
        assert!(has(40, 6, IconValidation));
        assert!(has(41, 0, IconValidation));
        assert!(!has(38, 9, DocumentUidCheck));
        assert!(!has(39, 1, DocumentUidCheck));
        assert!(has(39, 2, DocumentUidCheck));
        assert!(!has(40, 0, DocumentUidCheck));
        assert!(has(40, 1, DocumentUidCheck));
        assert!(has(41, 0, DocumentUidCheck));
        assert!(!has(41, 8, ExternalSharingRemoved));
        assert!(has(41, 9, ExternalSharingRemoved));
        assert!(!has(42, 5, ExternalSharingRemoved));
        assert!(has(42, 6, ExternalSharingRemoved));
        assert!(has(43, 0, ExternalSharingRemoved));
        assert!(!has(38, 0, ExternalSharingRemoved));
        assert!(!has(38, 1, PerFilterPlanning));
        assert!(has(38, 2, PerFilterPlanning));
        assert!(!has(42, 3, UnassignedFileCleanup));
        assert!(has(43, 0, UnassignedFileCleanup));
        assert!(!has(42, 9, PushAnalysisRemoved));
        assert!(has(43, 0, PushAnalysisRemoved));
        assert!(!has(43, 2, GistLists));
        assert!(has(44, 0, GistLists));
    }

    #[test]
    fn every_row_is_in_order_and_within_the_emulated_range() {
        for change in CHANGES {
            let rows = change.since();
            assert!(!rows.is_empty(), "{change:?}");
            assert!(
                rows.windows(2).all(|pair| pair[0].0 < pair[1].0),
                "{change:?}: one pair a minor, oldest first"
            );
            assert!(
                rows.iter()
                    .all(|(minor, _)| (MIN_MINOR..=MAX_MINOR).contains(minor)),
                "{change:?}"
            );
        }
    }

    #[test]
    fn login_paths_and_versioned_prefixes() {
        let v = |m| Dhis2Version::new(m, 0);
        assert_eq!(
            v(40).login_path(),
            "/dhis-web-commons/security/login.action"
        );
        assert_eq!(v(41).login_path(), "/dhis-web-login");
        assert_eq!(v(42).login_path(), "/dhis-web-login/");
        assert_eq!(v(43).login_path(), "/login/");
        assert_eq!(v(44).login_path(), "/login/");
        assert_eq!(v(41).api_version_numbers(), 28..=41);
        assert_eq!(v(43).api_version_numbers(), 28..=44);
    }
}
