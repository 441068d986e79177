//! Turning names chosen by a server into safe local file names.
//!
//! DHIS2 writes `Content-Disposition: filename=<raw name>` with no quoting or encoding, and file
//! resource names keep whatever the uploader sent, so a name may hold `../`, control characters
//! or be thousands of bytes long.

/// Longest file name we write, in bytes (most file systems allow 255).
const MAX_NAME_BYTES: usize = 200;

/// Names Windows reserves (as a whole name or before any extension, in any case); avoided
/// everywhere so files survive a copy to a Windows share. Windows counts the superscript
/// digits ¹ ² ³ as digits here, and the console's own devices too.
const RESERVED: [&str; 32] = [
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    "COM0",
    "COM1",
    "COM2",
    "COM3",
    "COM4",
    "COM5",
    "COM6",
    "COM7",
    "COM8",
    "COM9",
    "COM\u{b9}",
    "COM\u{b2}",
    "COM\u{b3}",
    "LPT0",
    "LPT1",
    "LPT2",
    "LPT3",
    "LPT4",
    "LPT5",
    "LPT6",
    "LPT7",
    "LPT8",
    "LPT9",
    "LPT\u{b9}",
    "LPT\u{b2}",
    "LPT\u{b3}",
];

/// Unicode's format characters (general category Cf as of Unicode 16.0, from
/// `DerivedGeneralCategory.txt`): invisible, yet they reorder text (bidi controls), join or
/// split words (U+200B–U+200D, U+2060), tag text (U+E0001, U+E0020–U+E007F) or hide as a byte
/// order mark (U+FEFF), so a name holding one is not what it looks like.
const FORMAT_CHARACTERS: [(char, char); 21] = [
    ('\u{00ad}', '\u{00ad}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061c}', '\u{061c}'),
    ('\u{06dd}', '\u{06dd}'),
    ('\u{070f}', '\u{070f}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08e2}', '\u{08e2}'),
    ('\u{180e}', '\u{180e}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{fff9}', '\u{fffb}'),
    ('\u{110bd}', '\u{110bd}'),
    ('\u{110cd}', '\u{110cd}'),
    ('\u{13430}', '\u{1343f}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{e0001}', '\u{e0001}'),
    ('\u{e0020}', '\u{e007f}'),
];

/// Invisible characters outside Cf that do the same harm: the line and paragraph separators
/// (some terminals break the line there) and the Hangul fillers, letters that draw nothing.
const OTHER_INVISIBLES: [char; 6] = [
    '\u{2028}', '\u{2029}', '\u{115f}', '\u{1160}', '\u{3164}', '\u{ffa0}',
];

/// The file name in a `Content-Disposition` header, read leniently: DHIS2's raw
/// `filename=a b.pdf`, a quoted `filename="a b.pdf"`, or RFC 5987 `filename*=UTF-8''a%20b.pdf`.
pub fn parse_content_disposition(header: &str) -> Option<String> {
    if let Some(encoded) = find_parameter(header, "filename*=") {
        let value = encoded.split(';').next().unwrap_or("").trim();
        if let Some((_, rest)) = value.split_once("''")
            && let Some(decoded) = percent_decode(rest).and_then(non_empty)
        {
            return Some(decoded);
        }
    }
    let value = find_parameter(header, "filename=")?;
    let value = value.trim();
    if let Some(quoted) = value.strip_prefix('"') {
        let end = quoted.find('"').unwrap_or(quoted.len());
        return non_empty(quoted[..end].replace("\\\"", "\""));
    }
    // DHIS2 does not quote, so a `;` may belong to the name: keep everything to the end.
    non_empty(value.to_string())
}

fn find_parameter<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let lower = header.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(key) {
        let at = from + found;
        let boundary = at == 0 || matches!(lower.as_bytes()[at - 1], b';' | b' ' | b'\t');
        if boundary {
            return Some(&header[at + key.len()..]);
        }
        from = at + key.len();
    }
    None
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn non_empty(text: String) -> Option<String> {
    if text.trim().is_empty() {
        None
    } else {
        Some(text)
    }
}

/// Text from a server made safe for a terminal: control characters (escape sequences, bells,
/// carriage returns, C1 controls), bidirectional overrides (which disguise file extensions) and
/// every other invisible format character become `?`, so a hostile name cannot rewrite the
/// screen or pretend to be something else.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if is_terminal_control(c) { '?' } else { c })
        .collect()
}

/// A character a terminal acts on instead of showing, or that shows nothing: a control
/// character (Cc), a format character (Cf, the bidirectional overrides among them), a line or
/// paragraph separator, a Hangul filler.
pub fn is_terminal_control(c: char) -> bool {
    c.is_control() || is_format_character(c) || OTHER_INVISIBLES.contains(&c)
}

/// Unicode general category Cf.
pub fn is_format_character(c: char) -> bool {
    FORMAT_CHARACTERS
        .iter()
        .any(|&(first, last)| (first..=last).contains(&c))
}

/// A name that is safe to create inside a chosen directory: no path separators or `..`,
/// no control, format or other invisible characters, not a reserved device name, not hidden by
/// a leading dot, at most [`MAX_NAME_BYTES`] long with its extension kept. Never empty.
pub fn sanitize_file_name(name: &str) -> String {
    // Only the last path component counts, whichever separator the uploader's system used.
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut clean: String = last
        .chars()
        .map(|c| match c {
            // Bidirectional overrides make `exe.pdf` display as `fdp.exe`; other format
            // characters hide inside a name that looks like another.
            c if is_terminal_control(c) => '_',
            ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c => c,
        })
        .collect();
    clean = clean
        .trim_matches(|c: char| c.is_whitespace() || c == '.')
        .to_string();
    if clean.is_empty() {
        return "download".to_string();
    }
    if is_reserved(&clean) {
        clean.insert(0, '_');
    }
    truncate_keeping_extension(&clean, MAX_NAME_BYTES)
}

/// Whether Windows takes `name` for a device: its part before the first dot, whose trailing
/// spaces Windows ignores (`CON .txt` is `CON`), is a reserved name in any case.
pub fn is_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").trim_end_matches(' ');
    RESERVED.contains(&stem.to_ascii_uppercase().as_str())
}

fn truncate_keeping_extension(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let (stem, extension) = match name.rfind('.') {
        Some(dot) if name.len() - dot <= 16 => (&name[..dot], &name[dot..]),
        _ => (name, ""),
    };
    let mut cut = max.saturating_sub(extension.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    // A cut may end in dots or spaces, which Windows drops and a second pass would trim.
    let stem = stem[..cut].trim_end_matches(|c: char| c.is_whitespace() || c == '.');
    format!("{stem}{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dhis2s_raw_header_and_the_standard_forms() {
        assert_eq!(
            parse_content_disposition("filename=2025 annual report.pdf").as_deref(),
            Some("2025 annual report.pdf")
        );
        assert_eq!(
            parse_content_disposition("filename=a;b.csv").as_deref(),
            Some("a;b.csv")
        );
        assert_eq!(
            parse_content_disposition(r#"attachment; filename="x y.txt""#).as_deref(),
            Some("x y.txt")
        );
        assert_eq!(
            parse_content_disposition("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf")
                .as_deref(),
            Some("résumé.pdf")
        );
        assert_eq!(parse_content_disposition("inline"), None);
        assert_eq!(parse_content_disposition("filename="), None);
    }

    #[test]
    fn printable_text_has_no_terminal_controls() {
        assert_eq!(
            printable("a\u{1b}[2J\u{7}b\r\u{202e}fdp.exe"),
            "a?[2J?b??fdp.exe"
        );
        assert_eq!(printable("résumé 2025.pdf"), "résumé 2025.pdf");
        assert_eq!(
            printable("a\u{200b}b\u{feff}c\u{ad}d\u{e0041}e\u{85}f\u{2028}g\u{3164}h"),
            "a?b?c?d?e?f?g?h"
        );
    }

    #[test]
    fn the_format_table_is_category_cf() {
        // Ends of ranges, from `DerivedGeneralCategory.txt`.
        for c in [
            '\u{ad}',
            '\u{600}',
            '\u{605}',
            '\u{61c}',
            '\u{6dd}',
            '\u{70f}',
            '\u{890}',
            '\u{891}',
            '\u{8e2}',
            '\u{180e}',
            '\u{200b}',
            '\u{200f}',
            '\u{202a}',
            '\u{202e}',
            '\u{2060}',
            '\u{2064}',
            '\u{2066}',
            '\u{206f}',
            '\u{feff}',
            '\u{fff9}',
            '\u{fffb}',
            '\u{110bd}',
            '\u{110cd}',
            '\u{13430}',
            '\u{1343f}',
            '\u{1bca0}',
            '\u{1bca3}',
            '\u{1d173}',
            '\u{1d17a}',
            '\u{e0001}',
            '\u{e0020}',
            '\u{e007f}',
        ] {
            assert!(is_format_character(c), "{:04X}", c as u32);
        }
        // Their neighbours are not: letters, marks, unassigned or other categories.
        for c in [
            'a',
            '\u{ac}',
            '\u{ae}',
            '\u{606}',
            '\u{892}',
            '\u{200a}',
            '\u{2010}',
            '\u{2065}',
            '\u{2070}',
            '\u{fefe}',
            '\u{fffc}',
            '\u{13440}',
            '\u{1d17b}',
            '\u{e0000}',
            '\u{e0002}',
            '\u{e0080}',
            '\u{fe0f}',
            '😀',
        ] {
            assert!(!is_format_character(c), "{:04X}", c as u32);
        }
        let total: u32 = FORMAT_CHARACTERS
            .iter()
            .map(|&(first, last)| last as u32 - first as u32 + 1)
            .sum();
        assert_eq!(total, 170, "Unicode 16.0 has 170 Cf characters");
        assert!(FORMAT_CHARACTERS.windows(2).all(|w| w[0].1 < w[1].0));
    }

    #[test]
    fn hostile_names_become_safe_names() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("/abs/path/x.pdf"), "x.pdf");
        assert_eq!(sanitize_file_name("C:\\Users\\a\\b.xlsx"), "b.xlsx");
        assert_eq!(
            sanitize_file_name("bad\u{1b}[31mname.txt"),
            "bad_[31mname.txt"
        );
        assert_eq!(sanitize_file_name(".."), "download");
        assert_eq!(sanitize_file_name(".hidden"), "hidden");
        assert_eq!(sanitize_file_name("nul.txt"), "_nul.txt");
        for device in [
            "COM¹",
            "lpt².txt",
            "Com³.tar.gz",
            "CONIN$",
            "conout$.log",
            "COM0",
            "CON .txt",
        ] {
            assert_eq!(sanitize_file_name(device), format!("_{device}"), "{device}");
        }
        assert_eq!(sanitize_file_name("COM4x.txt"), "COM4x.txt");
        assert_eq!(
            sanitize_file_name("in\u{200b}voice\u{feff}\u{61c}.pdf\u{e0001}"),
            "in_voice__.pdf_"
        );
        assert_eq!(sanitize_file_name("   "), "download");
        let long = format!("{}.pdf", "é".repeat(300));
        let short = sanitize_file_name(&long);
        assert!(short.len() <= MAX_NAME_BYTES && short.ends_with(".pdf"));
    }
}
