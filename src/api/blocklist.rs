//! DHIS2's own refusals of an upload that can be known before a byte is sent: the file types
//! `FileResourceBlocklist` never accepts (the same list in every version, dhis2-api.md §4.2) and
//! empty files. Refusing here saves sending a whole file to hear "File type not allowed".
use std::path::Path;

use crate::api::error::{Error, Result};

/// Extensions DHIS2 refuses, compared lower-cased.
const BLOCKED_EXTENSIONS: [&str; 20] = [
    "html", "htm", "css", "js", "mjs", "otf", "swf", "deb", "rpm", "jar", "jsp", "exe", "msi",
    "mpkg", "xul", "php", "bin", "sh", "csh", "bat",
];

/// Content types DHIS2 refuses (exact, lower-case).
const BLOCKED_TYPES: [&str; 15] = [
    "text/html",
    "text/css",
    "text/javascript",
    "font/otf",
    "application/x-shockwave-flash",
    "application/vnd.debian.binary-package",
    "application/x-rpm",
    "application/java-archive",
    "application/x-ms-dos-executable",
    "application/vnd.microsoft.portable-executable",
    "application/vnd.apple.installer+xml",
    "application/vnd.mozilla.xul+xml",
    "application/x-httpd-php",
    "application/x-sh",
    "application/x-csh",
];

/// Refuses what DHIS2 would refuse after receiving it all: a blocked type (`mime` is the type
/// the upload declares) or an empty file.
pub(crate) fn check_uploadable(path: &Path, mime: &str, length: u64) -> Result<()> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let blocked = (!extension.is_empty() && BLOCKED_EXTENSIONS.contains(&extension.as_str()))
        || BLOCKED_TYPES.contains(&mime);
    if blocked {
        return Err(Error::InvalidInput(format!(
            "{}: DHIS2 refuses files of this type on every server (\"File type not allowed\", \
             E6101); nothing was sent. A zip of it is accepted",
            path.display()
        )));
    }
    if length == 0 {
        return Err(Error::InvalidInput(format!(
            "{} is empty, and DHIS2 refuses empty files (\"Could not read file or file is \
             empty.\"); nothing was sent",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_types_and_empty_files_are_refused_by_name_type_or_length() {
        let refused = |name: &str, mime: &str, length| {
            check_uploadable(Path::new(name), mime, length).is_err()
        };
        assert!(refused("setup.EXE", "application/octet-stream", 10));
        assert!(refused("page.html", "text/html", 10));
        assert!(refused("noext", "application/x-sh", 10));
        assert!(refused("report.pdf", "application/pdf", 0));
        assert!(!refused("report.pdf", "application/pdf", 10));
        assert!(!refused("archive.zip", "application/zip", 10));
        assert!(!refused("README", "application/octet-stream", 10));
    }
}
