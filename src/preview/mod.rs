//! Preview decoders: pure functions from the first bytes of a file to something the TUI can
//! draw ([`Preview`]). No I/O and no terminal here; every decoder has its own bounds, and a
//! malformed file becomes [`Body::Cannot`], never a panic.
//!
//! The runner fetches `bytes_wanted` of a file and calls [`decode`] on the blocking pool; `ui`
//! draws the result.
mod columns;
mod csv;
mod image;
mod json;
mod office;
mod pdf;
mod text;

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::api::media_type;

pub use image::PreviewImage;

/// How much of a text file is fetched: a few hundred screenfuls, a blink on any link.
pub const TEXT_PREFIX_BYTES: usize = 256 * 1024;
/// How much of a file that must be read whole (image, PDF, Office) is fetched before giving
/// up: a report or a photo fits, a scanned archive does not travel for a glance.
pub const WHOLE_FILE_CAP_BYTES: usize = 8 * 1024 * 1024;
/// Lines kept of any preview: the first screenfuls, whatever the file holds.
pub const MAX_LINES: usize = 500;

/// The byte bounds of one preview (`D2FILES_PREVIEW_TEXT_BYTES`, `D2FILES_PREVIEW_FILE_BYTES`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The prefix of a text file that is fetched and shown.
    pub text_bytes: usize,
    /// The largest image, PDF or Office file that is fetched and decoded.
    pub file_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            text_bytes: TEXT_PREFIX_BYTES,
            file_bytes: WHOLE_FILE_CAP_BYTES,
        }
    }
}

/// What a file is, for the preview: from its content type, else its name's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Csv,
    Json,
    Image,
    Pdf,
    Docx,
    Xlsx,
    /// No usable type: the bytes are sniffed, text or not.
    Unknown,
    /// A type no decoder reads (video, archives, presentations…): nothing is fetched.
    Other,
}

impl Kind {
    pub fn of(content_type: &str, name: &str) -> Kind {
        let essence = media_type(content_type).to_ascii_lowercase();
        let extension = name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .unwrap_or_default();
        Kind::by_type(&essence).unwrap_or_else(|| Kind::by_extension(&extension))
    }

    fn by_type(essence: &str) -> Option<Kind> {
        Some(match essence {
            "text/csv" | "text/tab-separated-values" | "application/csv" => Kind::Csv,
            "application/json" => Kind::Json,
            t if t.ends_with("+json") => Kind::Json,
            "image/png" | "image/jpeg" | "image/jpg" | "image/gif" => Kind::Image,
            "application/pdf" => Kind::Pdf,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => Kind::Docx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Kind::Xlsx,
            "application/xml" | "application/javascript" | "application/x-yaml" => Kind::Text,
            t if t.ends_with("+xml") || t.starts_with("text/") => Kind::Text,
            // What an upload without a declared type gets (dhis2-api.md §4.1).
            "" | "application/octet-stream" | "binary/octet-stream" => return None,
            _ => Kind::Other,
        })
    }

    fn by_extension(extension: &str) -> Kind {
        match extension {
            "csv" | "tsv" => Kind::Csv,
            "json" | "geojson" => Kind::Json,
            "txt" | "md" | "markdown" | "xml" | "log" | "yaml" | "yml" | "html" | "htm" => {
                Kind::Text
            }
            "png" | "jpg" | "jpeg" | "gif" => Kind::Image,
            "pdf" => Kind::Pdf,
            "docx" => Kind::Docx,
            "xlsx" => Kind::Xlsx,
            _ => Kind::Unknown,
        }
    }

    /// How many bytes to fetch for a preview; `None`: nothing to fetch.
    pub fn bytes_wanted(self, limits: &Limits) -> Option<usize> {
        match self {
            Kind::Text | Kind::Csv | Kind::Unknown => Some(limits.text_bytes),
            // A JSON document is pretty-printed only whole; a cut one shows as text.
            Kind::Json => Some(limits.text_bytes),
            Kind::Image | Kind::Pdf | Kind::Docx | Kind::Xlsx => Some(limits.file_bytes),
            Kind::Other => None,
        }
    }
}

/// Something to draw in the preview pane.
#[derive(Clone, Debug)]
pub struct Preview {
    /// What was found, in a few words ("text, UTF-8", "PDF, 3 pages").
    pub summary: String,
    pub body: Body,
    /// Only the start of the file was read or kept.
    pub cut: bool,
}

#[derive(Clone, Debug)]
pub enum Body {
    /// Lines to show as they are: already neutralised (see [`text::clean_line`]).
    Lines(Vec<String>),
    Image(PreviewImage),
    /// No decoder reads this type.
    Unsupported,
    /// The file could not be read: why, in a few words.
    Cannot(String),
}

impl Preview {
    pub fn lines(summary: impl Into<String>, lines: Vec<String>, cut: bool) -> Preview {
        Preview {
            summary: summary.into(),
            body: Body::Lines(lines),
            cut,
        }
    }

    pub fn unsupported() -> Preview {
        Preview {
            summary: "no preview for this type".into(),
            body: Body::Unsupported,
            cut: false,
        }
    }

    /// A file that cannot be previewed, and why (the reason may quote the file: neutralised).
    pub fn cannot(reason: impl AsRef<str>) -> Preview {
        Preview {
            summary: "cannot preview".into(),
            body: Body::Cannot(crate::api::filename::printable(reason.as_ref())),
            cut: false,
        }
    }
}

/// Decodes the first `bytes` of a file (all of it unless `cut`) for the preview pane.
/// Never panics: a decoder that does (a bug, or a crate's on hostile input) becomes
/// "cannot preview".
pub fn decode(bytes: &[u8], content_type: &str, name: &str, cut: bool, limits: &Limits) -> Preview {
    let kind = Kind::of(content_type, name);
    catch_unwind(AssertUnwindSafe(|| decode_kind(kind, bytes, cut, limits)))
        .unwrap_or_else(|_| Preview::cannot("the file is malformed (its decoder gave up)"))
}

fn decode_kind(kind: Kind, bytes: &[u8], cut: bool, limits: &Limits) -> Preview {
    let whole_cap = || {
        Preview::cannot(format!(
            "larger than the preview cap of {}",
            crate::api::units::human_size(limits.file_bytes as u64)
        ))
    };
    match kind {
        Kind::Text => text::decode(bytes, cut),
        Kind::Csv => csv::decode(bytes, cut),
        Kind::Json => json::decode(bytes, cut),
        Kind::Image | Kind::Pdf | Kind::Docx | Kind::Xlsx if cut => whole_cap(),
        Kind::Image => image::decode(bytes),
        Kind::Pdf => pdf::decode(bytes),
        Kind::Docx => office::decode_docx(bytes),
        Kind::Xlsx => office::decode_xlsx(bytes),
        Kind::Unknown if text::sniffs_as_text(bytes) => text::decode(bytes, cut),
        Kind::Unknown | Kind::Other => Preview::unsupported(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_decides_then_the_extension() {
        assert_eq!(Kind::of("text/csv; charset=utf-8", "a.txt"), Kind::Csv);
        assert_eq!(Kind::of("application/octet-stream", "a.JSON"), Kind::Json);
        assert_eq!(Kind::of("", "report.pdf"), Kind::Pdf);
        assert_eq!(Kind::of("application/zip", "a.docx"), Kind::Other);
        assert_eq!(Kind::of("", "noextension"), Kind::Unknown);
        assert_eq!(
            Kind::of("video/mp4", "a.mp4").bytes_wanted(&Limits::default()),
            None
        );
    }

    #[test]
    fn a_whole_file_kind_cut_by_the_cap_is_refused_without_decoding() {
        let preview = decode(
            b"%PDF-1.4",
            "application/pdf",
            "a.pdf",
            true,
            &Limits::default(),
        );
        assert!(matches!(preview.body, Body::Cannot(reason) if reason.contains("preview cap")));
    }

    #[test]
    fn binary_bytes_of_no_type_have_no_preview() {
        let preview = decode(
            &[0, 159, 146, 150, 0, 1],
            "",
            "blob",
            false,
            &Limits::default(),
        );
        assert!(matches!(preview.body, Body::Unsupported));
    }
}
