//! Several paths in one field, read as a shell reads them: words split at blanks; '…' quotes
//! everything, "…" everything but `\"` and `\\`; outside quotes a backslash takes the next
//! character as it is. Tab completes the word under the cursor and quotes what it adds.
use std::ops::Range;

/// One word: where it is in the text (bytes, quotes included) and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Word {
    range: Range<usize>,
    text: String,
}

/// The words of `text`, and whether a quote was left open (the words then read as if it
/// closed at the end).
fn words(text: &str) -> (Vec<Word>, Option<char>) {
    let mut words = Vec::new();
    let mut current: Option<Word> = None;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if quote.is_none() && c.is_whitespace() {
            words.extend(current.take());
            continue;
        }
        let word = current.get_or_insert_with(|| Word {
            range: at..at,
            text: String::new(),
        });
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(open), c) if c == open => quote = None,
            (None, '\\') => match chars.next() {
                Some((_, next)) => word.text.push(next),
                // A backslash at the very end stands for itself.
                None => word.text.push('\\'),
            },
            (Some('"'), '\\') => match chars.peek() {
                Some(&(_, next @ ('"' | '\\'))) => {
                    word.text.push(next);
                    chars.next();
                }
                _ => word.text.push('\\'),
            },
            (_, c) => word.text.push(c),
        }
        word.range.end = chars.peek().map_or(text.len(), |(next, _)| *next);
    }
    words.extend(current);
    (words, quote)
}

/// The words of `text`, unquoted; a quote left open is a mistake to show.
pub fn split(text: &str) -> Result<Vec<String>, String> {
    match words(text) {
        (_, Some(quote)) => Err(format!(
            "a quote ({quote}) is not closed; quote a name with spaces as 'my file.pdf'"
        )),
        (words, None) => Ok(words.into_iter().map(|word| word.text).collect()),
    }
}

/// The word at `cursor` (a character index, as text fields count), or just before it: its
/// byte range in `text` and its unquoted text. Between words, an empty word at the cursor.
pub fn word_at(text: &str, cursor: usize) -> (Range<usize>, String) {
    let at = text
        .char_indices()
        .nth(cursor)
        .map_or(text.len(), |(byte, _)| byte);
    let (words, _) = words(text);
    words
        .into_iter()
        .find(|word| word.range.start <= at && at <= word.range.end)
        .map_or((at..at, String::new()), |word| (word.range, word.text))
}

/// `word` written so that [`split`] reads it back as one word: as it is when it holds
/// nothing a shell treats specially, else in single quotes.
pub fn quote(word: &str) -> String {
    let plain = |c: char| c.is_alphanumeric() || "/._-~+,:=@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_blanks_and_quotes_and_backslashes_join_them() {
        let split = |text| split(text).unwrap();
        assert_eq!(split("a.pdf  b.pdf"), ["a.pdf", "b.pdf"]);
        assert_eq!(split("'my file.pdf' b"), ["my file.pdf", "b"]);
        assert_eq!(split(r#""say \"hi\".txt""#), [r#"say "hi".txt"#]);
        assert_eq!(split(r"my\ file.pdf"), ["my file.pdf"]);
        assert_eq!(split(r#"'it'\''s' "a\b""#), ["it's", r"a\b"]);
        assert_eq!(split("   "), Vec::<String>::new());
        assert!(super::split("'open").unwrap_err().contains("not closed"));
    }

    #[test]
    fn the_word_at_the_cursor_is_found_with_its_place() {
        let text = "a.pdf 'my di";
        assert_eq!(word_at(text, 3), (0..5, "a.pdf".to_string()));
        assert_eq!(word_at(text, 5), (0..5, "a.pdf".to_string()));
        // An open quote reads to the end, as the word being typed.
        assert_eq!(word_at(text, 12), (6..12, "my di".to_string()));
        assert_eq!(word_at("a  b", 2), (2..2, String::new()));
        assert_eq!(word_at("é x", 1), (0..2, "é".to_string()));
    }

    #[test]
    fn quoting_reads_back_as_one_word() {
        for word in ["plain/path.pdf", "my file.pdf", "it's", "a\"b", "$HOME", ""] {
            assert_eq!(split(&quote(word)).unwrap(), [word], "{word}");
        }
        assert_eq!(quote("~/docs/a.pdf"), "~/docs/a.pdf");
    }
}
