//! The server's DHIS2 version, parsed leniently: `2.42.5.2`, `2.41`, `2.43-SNAPSHOT`.
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServerVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub hotfix: u32,
    pub snapshot: bool,
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

    /// Whether an upload keeps the uid asked for (`?uid=`, 2.39+, dhis2-api.md §11.1): 2.38 makes
    /// its own, so what is restored there is known by new uids, which a plan can say before
    /// anything is sent.
    pub fn keeps_upload_uids(&self) -> bool {
        self.at_least(39, 0)
    }

    /// Whether the server un-assigns a deleted document's file resource and its daily cleanup
    /// job deletes unassigned DOCUMENT file resources 2 days after their last update
    /// (2.41.7+, 2.42.4+, 2.43+; dhis2-api.md §4.7, §13.7). Before, such files stay for ever.
    pub fn cleans_up_unassigned_files(&self) -> bool {
        match self.minor {
            41 => self.patch >= 7,
            42 => self.patch >= 4,
            minor => minor > 42,
        }
    }

    /// Whether the server still lets anyone open a document shared with external (anonymous)
    /// access: until 2.41.8; 2.42.0–2.42.5 still store and report the flag, but nothing reads
    /// it, and 2.41.9, 2.42.6 and 2.43 removed it (dhis2-api.md §9.6).
    pub fn honours_external_access(&self) -> bool {
        self.minor < 41 || (self.minor == 41 && self.patch < 9)
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

    #[test]
    fn parses_every_shape_dhis2_reports() {
        let v = ServerVersion::parse("2.42.5.2").unwrap();
        assert_eq!((v.minor, v.patch, v.hotfix), (42, 5, 2));
        assert!(ServerVersion::parse("2.43-SNAPSHOT").unwrap().snapshot);
        assert_eq!(ServerVersion::parse("2.41").unwrap().to_string(), "2.41.0");
        assert!(ServerVersion::parse("2.41.7").unwrap().at_least(41, 7));
        assert!(!ServerVersion::parse("2.41.6").unwrap().at_least(41, 7));
        assert!(ServerVersion::parse("banana").is_none());
        assert!(!ServerVersion::parse("2.38.9").unwrap().keeps_upload_uids());
        assert!(ServerVersion::parse("2.39.0").unwrap().keeps_upload_uids());
        assert!(
            ServerVersion::parse("2.44-SNAPSHOT")
                .unwrap()
                .keeps_upload_uids()
        );
    }

    #[test]
    fn external_access_is_honoured_until_2_41_8_only() {
        let honours = |text: &str| {
            ServerVersion::parse(text)
                .unwrap()
                .honours_external_access()
        };
        assert!(honours("2.38.0") && honours("2.40.4") && honours("2.41.8.1"));
        assert!(!honours("2.41.9") && !honours("2.42.0") && !honours("2.42.6"));
        assert!(!honours("2.43.1"));
    }
}
