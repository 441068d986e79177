//! The upload size limits a server has told us of. DHIS2 does not publish
//! `max.file_upload_size` (dhis.conf; 10,000,000 bytes by default) nor its per-domain limits;
//! it states them only when it refuses a file, after every byte was sent: 409 "File size
//! can't be bigger than N, current file size M" (dhis2-api.md §4.2). Each client remembers the
//! limit per domain (an avatar's 2,000,000 is not the documents' limit), so the next file too
//! large for it is refused before it is sent.
use std::collections::HashMap;
use std::fmt::Display;
use std::sync::Mutex;

use super::{Domain, Error, Result};
use crate::api::units::human_size;

/// DHIS2's words before the limit.
const LIMIT_WORDS: &str = "File size can't be bigger than ";

#[derive(Debug, Default)]
pub(crate) struct UploadLimits {
    by_domain: Mutex<HashMap<String, u64>>,
}

impl UploadLimits {
    /// Remembers the limit a refusal states, if it states one.
    pub(crate) fn learn(&self, domain: &Domain, refusal: &Error) {
        let Error::Dhis2(error) = refusal else {
            return;
        };
        if let Some(limit) = limit_in(&error.message)
            && let Ok(mut limits) = self.by_domain.lock()
        {
            limits.insert(domain.as_str().to_string(), limit);
        }
    }

    /// Refuses a file larger than a limit this server has stated for the domain; `source`
    /// names the file (a path, or a file resource on another server).
    pub(crate) fn check(&self, domain: &Domain, source: impl Display, length: u64) -> Result<()> {
        let limit = self
            .by_domain
            .lock()
            .ok()
            .and_then(|limits| limits.get(domain.as_str()).copied());
        match limit {
            Some(limit) if length > limit => Err(Error::InvalidInput(format!(
                "{} is {} ({length} bytes), and this server takes {domain} files of at most {} \
                 ({limit} bytes, as it said when it refused a larger one); nothing was sent",
                source,
                human_size(length),
                human_size(limit),
            ))),
            _ => Ok(()),
        }
    }
}

/// N in "File size can't be bigger than N, current file size M".
fn limit_in(message: &str) -> Option<u64> {
    let rest = &message[message.find(LIMIT_WORDS)? + LIMIT_WORDS.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_read_from_dhis2s_words() {
        assert_eq!(
            limit_in("File size can't be bigger than 10000000, current file size 12000000"),
            Some(10_000_000)
        );
        assert_eq!(limit_in("File type not allowed"), None);
    }
}
