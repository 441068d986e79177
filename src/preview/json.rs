//! JSON pretty-printed; a file cut by the prefix, or not JSON after all, shows as text.
use super::Preview;
use super::text::{self, first_lines, to_text};

pub fn decode(bytes: &[u8], cut: bool) -> Preview {
    let (raw, encoding) = to_text(bytes, cut);
    // serde_json stops at 128 levels of nesting, so a hostile file cannot exhaust the stack.
    let valid = !cut && serde_json::from_str::<serde::de::IgnoredAny>(&raw).is_ok();
    if !valid {
        let mut preview = text::decode(bytes, cut);
        preview.summary = if cut {
            "JSON (the start of it, as text)".to_string()
        } else {
            "JSON that does not parse, as text".to_string()
        };
        return preview;
    }
    let (lines, more) = first_lines(&indented(&raw));
    Preview::lines(
        format!("JSON, {}", text::encoding_label(encoding)),
        lines,
        more,
    )
}

/// Spaces per level of nesting.
const INDENT: usize = 2;

/// Valid JSON laid out one member per line, in the file's own order and with its own
/// numbers (a parsed value would sort the keys and reformat the numbers).
fn indented(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', depth * INDENT));
    };
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // An empty object or array stays on its line.
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::Body;

    #[test]
    fn a_whole_document_is_pretty_printed() {
        let preview = decode(br#"{"z":"a \"}\" b","cases":[1.50, {}],"e":[]}"#, false);
        let Body::Lines(lines) = preview.body else {
            panic!("lines")
        };
        let expected = [
            "{",
            r#"  "z": "a \"}\" b","#,
            r#"  "cases": ["#,
            "    1.50,",
            "    {}",
            "  ],",
            r#"  "e": []"#,
            "}",
        ];
        assert_eq!(lines, expected);
    }

    #[test]
    fn a_cut_document_shows_as_text() {
        let preview = decode(br#"{"district":"Bo","ca"#, true);
        assert!(preview.summary.contains("as text") && preview.cut);
    }
}
