//! A PDF's page count, title and the text of its first page (lopdf: pure Rust, no poppler).
use lopdf::{Document, LoadOptions, Object, decode_text_string};

use super::Preview;
use super::text::first_lines;

/// The most any one stream of the PDF may inflate to: a page's text fits many times over, a
/// deflate bomb does not.
pub const MAX_PDF_STREAM_BYTES: usize = 16 * 1024 * 1024;

pub fn decode(bytes: &[u8]) -> Preview {
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_PDF_STREAM_BYTES),
        ..LoadOptions::default()
    };
    let document = match Document::load_mem_with_options(bytes, options) {
        Ok(document) => document,
        Err(error) => return Preview::cannot(format!("the PDF is malformed ({error})")),
    };
    let pages = document.get_pages();
    let count = pages.len();
    let mut summary = format!("PDF, {count} page{}", if count == 1 { "" } else { "s" });
    if let Some(title) = title(&document) {
        summary.push_str(&format!(", “{}”", title.trim()));
    }
    let Some(first) = pages.keys().next().copied() else {
        return Preview::lines(summary, vec!["(no pages)".to_string()], false);
    };
    let (lines, more) = match document.extract_text_with_limit(&[first], MAX_PDF_STREAM_BYTES) {
        Ok(text) if text.trim().is_empty() => (
            vec!["(no text on the first page: a scan?)".to_string()],
            false,
        ),
        Ok(text) => first_lines(text.trim()),
        Err(error) => (
            vec![format!("(the first page's text cannot be read: {error})")],
            false,
        ),
    };
    Preview::lines(summary, lines, more || count > 1).with_summary_neutralised()
}

/// The document's `/Info` `/Title`, when it has a readable one.
fn title(document: &Document) -> Option<String> {
    let info = match document.trailer.get(b"Info").ok()? {
        Object::Reference(id) => document.get_object(*id).ok()?,
        direct => direct,
    };
    let title = info.as_dict().ok()?.get(b"Title").ok()?;
    decode_text_string(title)
        .ok()
        .filter(|title| !title.trim().is_empty())
}

impl Preview {
    /// The summary quotes the file (a PDF's title): made as safe as its lines.
    fn with_summary_neutralised(mut self) -> Preview {
        self.summary = super::text::clean_line(&self.summary);
        self
    }
}
