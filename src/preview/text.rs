//! Text in whatever encoding it came: a BOM decides (UTF-8, UTF-16), else chardetng guesses
//! (UTF-8, Windows-1252 for Latin-1, and the other legacy encodings it knows).
use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::Encoding;

use super::{MAX_LINES, Preview};
use crate::api::filename::printable;

/// Characters kept of one line: wider than any pane, short enough that a minified file's
/// one line costs nothing to draw.
pub const MAX_LINE_CHARS: usize = 400;
/// Bytes looked at to tell text from binary: a screenful of text shows what it is.
const SNIFF_BYTES: usize = 8 * 1024;
/// Control characters (other than tab, line feed, carriage return and form feed) that a text
/// may hold per thousand characters before it reads as binary.
const CONTROLS_PER_THOUSAND: usize = 10;
/// Columns a tab moves to the next multiple of.
const TAB_WIDTH: usize = 4;

/// The bytes as text, and the name of the encoding they were read in. `cut`: more bytes
/// follow, so the detector is not told this is the end.
pub fn to_text(bytes: &[u8], cut: bool) -> (String, &'static str) {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom)) => (encoding, &bytes[bom..]),
        None => {
            // ISO-2022-JP switches its character sets with escape sequences: never guessed.
            let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
            detector.feed(bytes, !cut);
            (detector.guess(None, Utf8Detection::Allow), bytes)
        }
    };
    let (text, _had_errors) = encoding.decode_without_bom_handling(body);
    (text.into_owned(), encoding.name())
}

/// How an encoding is called to a user.
pub fn encoding_label(name: &str) -> String {
    match name {
        "windows-1252" => "Windows-1252 (Latin-1)".to_string(),
        other => other.to_string(),
    }
}

pub fn decode(bytes: &[u8], cut: bool) -> Preview {
    let (text, encoding) = to_text(bytes, cut);
    let (lines, more_lines) = first_lines(&text);
    Preview::lines(
        format!("text, {}", encoding_label(encoding)),
        lines,
        cut || more_lines,
    )
}

/// The text's first [`MAX_LINES`] lines, cleaned; and whether there were more.
pub fn first_lines(text: &str) -> (Vec<String>, bool) {
    let mut lines = text.lines();
    let kept: Vec<String> = lines.by_ref().take(MAX_LINES).map(clean_line).collect();
    (kept, lines.next().is_some())
}

/// One line made safe to draw: tabs expanded, cut at [`MAX_LINE_CHARS`], every control and
/// invisible character shown as `?` (the project's one rule for server text), so no escape
/// sequence in a file reaches the terminal.
pub fn clean_line(line: &str) -> String {
    let mut out = String::new();
    let mut column = 0;
    for c in line.trim_end_matches('\r').chars() {
        if column >= MAX_LINE_CHARS {
            out.push('…');
            break;
        }
        if c == '\t' {
            let next = (column / TAB_WIDTH + 1) * TAB_WIDTH;
            out.extend(std::iter::repeat_n(' ', next - column));
            column = next;
        } else {
            out.push(c);
            column += 1;
        }
    }
    printable(&out)
}

/// Whether bytes of no known type read as text: no NUL outside UTF-16, few control characters.
pub fn sniffs_as_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if head.is_empty() {
        return false;
    }
    let utf16 = Encoding::for_bom(head).is_some_and(|(e, _)| e != encoding_rs::UTF_8);
    if !utf16 && head.contains(&0) {
        return false;
    }
    let (text, _) = to_text(head, head.len() < bytes.len());
    let total = text.chars().count().max(1);
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
        .count();
    controls * 1000 <= total * CONTROLS_PER_THOUSAND
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_decides_the_encoding() {
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Grüße".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(to_text(&utf16, false), ("Grüße".to_string(), "UTF-16LE"));
        assert_eq!(to_text(b"\xEF\xBB\xBFcaf\xC3\xA9", false).0, "café");
    }

    #[test]
    fn latin1_bytes_read_as_windows_1252() {
        let latin1 =
            b"Rapport annuel: r\xE9sultats de la campagne, \xE9t\xE9 2024, C\xF4te d'Ivoire";
        let (text, encoding) = to_text(latin1, false);
        assert_eq!(encoding, "windows-1252");
        assert!(
            text.contains("résultats") && text.contains("Côte"),
            "{text}"
        );
    }

    #[test]
    fn escape_sequences_never_survive_a_line() {
        let line = clean_line("\x1b]0;owned\x07\x1b[2Jtext\u{202e}fdp.exe\tend\r");
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
        assert!(line.starts_with("?]0;owned??[2Jtext?fdp.exe"), "{line:?}");
    }

    #[test]
    fn text_and_binary_are_told_apart() {
        assert!(sniffs_as_text(b"plain words\nand more\n"));
        assert!(!sniffs_as_text(b"PK\x03\x04\x00\x00binary"));
        assert!(!sniffs_as_text(b""));
    }
}
