//! The server's DHIS2 version, parsed leniently (`2.42.5.2`, `2.41`, `2.43-SNAPSHOT`), and what
//! each release supports, in one table ([`Feature`]): every decision the client makes by the
//! version asks [`ServerVersion::supports`]. d2files knows 2.38 to 2.44; a newer release is
//! treated as the newest known, with a note ([`ServerVersion::note`]), never refused.
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServerVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub hotfix: u32,
    pub snapshot: bool,
}

/// The releases d2files knows: 2.38 to 2.44.
pub const OLDEST_KNOWN_MINOR: u32 = 38;
pub const NEWEST_KNOWN_MINOR: u32 = 44;

/// Something a DHIS2 release has or lacks that changes what d2files can do there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feature {
    /// `GET /api/fileResources` lists file resources (2.41+); before, only one by uid.
    FileResourceList,
    /// `POST /api/fileResources?uid=` keeps the uid asked for (2.39+): restores and copies keep
    /// file resource uids.
    UploadUid,
    /// `GET /api/fileResources/owners?storageKey=` (2.41+).
    FileResourceOwners,
    /// The `PUSH_ANALYSIS` file resource domain (up to 2.42).
    PushAnalysisDomain,
    /// `FAILED` in the storage status enum (up to 2.40; nothing ever sets it).
    FailedStorageStatus,
    /// External (anonymous) sharing of documents (up to 2.41.8 and 2.42.5).
    ExternalSharing,
    /// A document shared with external access opens for anyone (up to 2.41.8); 2.42.0–2.42.5
    /// still store and report the flag, but nothing reads it (dhis2-api.md §9.6).
    ExternalAccessHonoured,
    /// The old partial update, `PATCH` with a JSON object, which keeps a document's file
    /// (up to 2.40; 2.41+ answers 415).
    PartialUpdate,
    /// DHIS2's own OAuth2 authorization server (2.42+); d2files signs in with Basic or a
    /// personal access token.
    OAuth2Server,
    /// The ICON and JOB_DATA domains (2.40+).
    IconAndJobData,
    /// Several `order` keys keep the priority they were given (2.42+); before, the server's
    /// set of orders decides.
    OrderPriority,
    /// Deleting a document un-assigns its file, and the daily cleanup deletes unassigned
    /// files two days after their last update (2.41.7+, 2.42.4+, 2.43+); before, they stay.
    UnassignedFileCleanup,
    /// Lists are served by the Gist backend unless `gist=false` (2.44); d2files always sends
    /// `gist=false`, so its lists page and sort as on 2.43.
    GistLists,
}

/// One row of the table: a name for scripts, what it means, when it holds.
struct Row {
    name: &'static str,
    what: &'static str,
    when: &'static str,
    /// Where it starts, as `(minor, patch)` pairs: a pair starts it at that patch of its
    /// minor, the last pair also for every later minor; empty: from the start.
    arrives: &'static [(u32, u32)],
    /// Where it ends, read the same way; empty: never.
    leaves: &'static [(u32, u32)],
}

impl Feature {
    pub const ALL: [Feature; 13] = [
        Feature::FileResourceList,
        Feature::UploadUid,
        Feature::FileResourceOwners,
        Feature::PushAnalysisDomain,
        Feature::FailedStorageStatus,
        Feature::ExternalSharing,
        Feature::ExternalAccessHonoured,
        Feature::PartialUpdate,
        Feature::OAuth2Server,
        Feature::IconAndJobData,
        Feature::OrderPriority,
        Feature::UnassignedFileCleanup,
        Feature::GistLists,
    ];

    const fn row(self) -> Row {
        match self {
            Feature::FileResourceList => Row {
                name: "file-resource-list",
                what: "list file resources (GET /api/fileResources)",
                when: "2.41+",
                arrives: &[(41, 0)],
                leaves: &[],
            },
            Feature::UploadUid => Row {
                name: "upload-uid",
                what: "uploads keep a given uid (?uid=): restores and copies keep file uids",
                when: "2.39+",
                arrives: &[(39, 0)],
                leaves: &[],
            },
            Feature::FileResourceOwners => Row {
                name: "file-resource-owners",
                what: "who owns a stored file (GET /api/fileResources/owners)",
                when: "2.41+",
                arrives: &[(41, 0)],
                leaves: &[],
            },
            Feature::PushAnalysisDomain => Row {
                name: "push-analysis-domain",
                what: "the PUSH_ANALYSIS file resource domain",
                when: "up to 2.42",
                arrives: &[],
                leaves: &[(43, 0)],
            },
            Feature::FailedStorageStatus => Row {
                name: "failed-storage-status",
                what: "the FAILED storage status",
                when: "up to 2.40",
                arrives: &[],
                leaves: &[(41, 0)],
            },
            Feature::ExternalSharing => Row {
                name: "external-sharing",
                what: "external (anonymous) sharing of documents",
                when: "up to 2.41.8, 2.42.5",
                arrives: &[],
                leaves: &[(41, 9), (42, 6), (43, 0)],
            },
            Feature::ExternalAccessHonoured => Row {
                name: "external-access-honoured",
                what: "a document with external access opens without signing in",
                when: "up to 2.41.8",
                arrives: &[],
                leaves: &[(41, 9)],
            },
            Feature::PartialUpdate => Row {
                name: "partial-update",
                what: "the old partial update (PATCH), which renames a file document in one step",
                when: "up to 2.40",
                arrives: &[],
                leaves: &[(41, 0)],
            },
            Feature::OAuth2Server => Row {
                name: "oauth2-server",
                what: "DHIS2's OAuth2 server (d2files uses Basic or a token)",
                when: "2.42+",
                arrives: &[(42, 0)],
                leaves: &[],
            },
            Feature::IconAndJobData => Row {
                name: "icon-and-job-data",
                what: "the ICON and JOB_DATA file resource domains",
                when: "2.40+",
                arrives: &[(40, 0)],
                leaves: &[],
            },
            Feature::OrderPriority => Row {
                name: "order-priority",
                what: "several sort orders keep the priority given",
                when: "2.42+",
                arrives: &[(42, 0)],
                leaves: &[],
            },
            Feature::UnassignedFileCleanup => Row {
                name: "unassigned-file-cleanup",
                what: "files of deleted documents are cleaned up after 2 days",
                when: "2.41.7+, 2.42.4+",
                arrives: &[(41, 7), (42, 4), (43, 0)],
                leaves: &[],
            },
            Feature::GistLists => Row {
                name: "gist-lists",
                what: "lists served by Gist (d2files asks gist=false)",
                when: "2.44+",
                arrives: &[(44, 0)],
                leaves: &[],
            },
        }
    }

    /// A stable name for scripts (`--json`), e.g. `file-resource-list`.
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// What it is, in a few words.
    pub fn description(self) -> &'static str {
        self.row().what
    }

    /// The releases that have it, e.g. `2.41+` or `up to 2.42`.
    pub fn releases(self) -> &'static str {
        self.row().when
    }
}

/// Whether `(minor, patch)` is at or past the first pair of `rows` that applies.
fn reached(rows: &[(u32, u32)], minor: u32, patch: u32) -> bool {
    match rows.iter().rev().find(|(m, _)| *m <= minor) {
        None => false,
        Some(&(m, p)) if m == minor => patch >= p,
        Some(_) => true,
    }
}

/// One feature on one server, as `profile verify --json` shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FeatureSupport {
    pub feature: &'static str,
    pub supported: bool,
    pub releases: &'static str,
    pub description: &'static str,
}

impl ServerVersion {
    pub fn parse(text: &str) -> Option<ServerVersion> {
        let text = text.trim();
        let (numbers, snapshot) = match text.split_once('-') {
            Some((numbers, suffix)) => (numbers, suffix.eq_ignore_ascii_case("snapshot")),
            None => (text, false),
        };
        let mut parts = numbers.split('.').map(|part| part.parse::<u32>());
        let major = parts.next()?.ok()?;
        let minor = parts.next()?.ok()?;
        let patch = parts.next().unwrap_or(Ok(0)).ok()?;
        let hotfix = parts.next().unwrap_or(Ok(0)).ok()?;
        Some(ServerVersion {
            major,
            minor,
            patch,
            hotfix,
            snapshot,
        })
    }

    /// True when this is at least `2.<minor>.<patch>`.
    pub fn at_least(&self, minor: u32, patch: u32) -> bool {
        (self.major, self.minor, self.patch) >= (2, minor, patch)
    }

    /// Whether this is newer than every release d2files knows (2.45, 3.0…).
    pub fn is_newer_than_known(&self) -> bool {
        (self.major, self.minor) > (2, NEWEST_KNOWN_MINOR)
    }

    /// Whether this is older than every release d2files knows.
    pub fn is_older_than_known(&self) -> bool {
        (self.major, self.minor) < (2, OLDEST_KNOWN_MINOR)
    }

    /// `(minor, patch)` as the table reads it: a release newer than d2files knows counts as
    /// the newest known.
    fn as_known(&self) -> (u32, u32) {
        if self.is_newer_than_known() {
            (NEWEST_KNOWN_MINOR, 0)
        } else if self.major < 2 {
            (0, 0)
        } else {
            (self.minor, self.patch)
        }
    }

    /// Whether this release has `feature` (the one table of them, [`Feature`]).
    pub fn supports(&self, feature: Feature) -> bool {
        let (minor, patch) = self.as_known();
        let row = feature.row();
        let arrived = row.arrives.is_empty() || reached(row.arrives, minor, patch);
        arrived && !reached(row.leaves, minor, patch)
    }

    /// Every feature and whether this release has it, in the table's order.
    pub fn features(&self) -> Vec<FeatureSupport> {
        Feature::ALL
            .into_iter()
            .map(|feature| FeatureSupport {
                feature: feature.name(),
                supported: self.supports(feature),
                releases: feature.releases(),
                description: feature.description(),
            })
            .collect()
    }

    /// One line for a release outside 2.38–2.44: how d2files treats it.
    pub fn note(&self) -> Option<String> {
        if self.is_newer_than_known() {
            Some(format!(
                "DHIS2 {self} is newer than the releases d2files knows (2.{OLDEST_KNOWN_MINOR} to \
                 2.{NEWEST_KNOWN_MINOR}); treating it as 2.{NEWEST_KNOWN_MINOR}"
            ))
        } else if self.is_older_than_known() {
            Some(format!(
                "DHIS2 {self} is older than the releases d2files knows (2.{OLDEST_KNOWN_MINOR} to \
                 2.{NEWEST_KNOWN_MINOR}); some requests may not work there"
            ))
        } else {
            None
        }
    }

    /// Whether an upload keeps the uid asked for (`?uid=`, 2.39+, dhis2-api.md §11.1): 2.38 makes
    /// its own, so what is restored there is known by new uids, which a plan can say before
    /// anything is sent.
    pub fn keeps_upload_uids(&self) -> bool {
        self.supports(Feature::UploadUid)
    }

    /// Whether the server un-assigns a deleted document's file resource and its daily cleanup
    /// job deletes unassigned DOCUMENT file resources 2 days after their last update
    /// (2.41.7+, 2.42.4+, 2.43+; dhis2-api.md §4.7, §13.7). Before, such files stay for ever.
    pub fn cleans_up_unassigned_files(&self) -> bool {
        self.supports(Feature::UnassignedFileCleanup)
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if self.hotfix > 0 {
            write!(f, ".{}", self.hotfix)?;
        }
        if self.snapshot {
            f.write_str("-SNAPSHOT")?;
        }
        Ok(())
    }
}

impl serde::Serialize for ServerVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> ServerVersion {
        ServerVersion::parse(text).unwrap()
    }

    #[test]
    fn parses_every_shape_dhis2_reports() {
        let version = v("2.42.5.2");
        assert_eq!((version.minor, version.patch, version.hotfix), (42, 5, 2));
        assert!(v("2.43-SNAPSHOT").snapshot);
        assert_eq!(v("2.41").to_string(), "2.41.0");
        assert!(v("2.41.7").at_least(41, 7));
        assert!(!v("2.41.6").at_least(41, 7));
        assert!(ServerVersion::parse("banana").is_none());
        assert!(!v("2.38.9").keeps_upload_uids());
        assert!(v("2.39.0").keeps_upload_uids());
        assert!(v("2.44-SNAPSHOT").keeps_upload_uids());
    }

    #[test]
    fn features_follow_the_table() {
        use Feature::*;
        for (version, yes, no) in [
            (
                "2.38.0",
                vec![PushAnalysisDomain, FailedStorageStatus, ExternalSharing],
                vec![UploadUid, FileResourceList, IconAndJobData, OrderPriority],
            ),
            ("2.39.0", vec![UploadUid], vec![FileResourceList]),
            (
                "2.40.6",
                vec![IconAndJobData, FailedStorageStatus],
                vec![FileResourceList],
            ),
            (
                "2.41.0",
                vec![FileResourceList, FileResourceOwners, ExternalSharing],
                vec![FailedStorageStatus, UnassignedFileCleanup, OAuth2Server],
            ),
            ("2.41.7", vec![UnassignedFileCleanup], vec![OrderPriority]),
            ("2.41.9", vec![UnassignedFileCleanup], vec![ExternalSharing]),
            (
                "2.42.3",
                vec![OAuth2Server, OrderPriority, ExternalSharing],
                vec![UnassignedFileCleanup],
            ),
            (
                "2.42.5",
                vec![UnassignedFileCleanup, ExternalSharing],
                vec![],
            ),
            ("2.42.6", vec![PushAnalysisDomain], vec![ExternalSharing]),
            (
                "2.43.1",
                vec![UnassignedFileCleanup, OAuth2Server],
                vec![PushAnalysisDomain, ExternalSharing, GistLists],
            ),
            ("2.44-SNAPSHOT", vec![GistLists, FileResourceList], vec![]),
        ] {
            let version = v(version);
            for feature in yes {
                assert!(version.supports(feature), "{version} {feature:?}");
            }
            for feature in no {
                assert!(!version.supports(feature), "{version} not {feature:?}");
            }
        }
    }

    #[test]
    fn a_newer_release_is_the_newest_known_with_a_note() {
        for text in ["2.45.1", "2.50", "3.0"] {
            let newer = v(text);
            assert_eq!(newer.features(), v("2.44.0").features(), "{text}");
            let note = newer.note().expect("a note");
            assert!(note.contains("treating it as 2.44"), "{note}");
            assert!(!note.contains('\n'));
        }
        assert!(v("2.44.0").note().is_none());
        assert!(v("2.38.0").note().is_none());
        assert!(v("2.37.9").note().expect("a note").contains("older"));
    }

    #[test]
    fn every_feature_has_a_distinct_name() {
        let mut names: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Feature::ALL.len());
    }

    #[test]
    fn external_access_is_honoured_until_2_41_8_only() {
        let honours = |text: &str| {
            ServerVersion::parse(text)
                .unwrap()
                .supports(Feature::ExternalAccessHonoured)
        };
        assert!(honours("2.38.0") && honours("2.40.4") && honours("2.41.8.1"));
        assert!(!honours("2.41.9") && !honours("2.42.0") && !honours("2.42.6"));
        assert!(!honours("2.43.1"));
    }
}
