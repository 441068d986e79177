//! CSV (or TSV, or `;`-separated, as spreadsheets in many locales write it) as aligned
//! columns.
use super::columns::aligned;
use super::text::{encoding_label, to_text};
use super::{MAX_LINES, Preview};

/// The separators a first line is looked at for, the most frequent winning.
const SEPARATORS: [char; 3] = [',', ';', '\t'];

pub fn decode(bytes: &[u8], cut: bool) -> Preview {
    let (text, encoding) = to_text(bytes, cut);
    let separator = separator_of(text.lines().next().unwrap_or(""));
    let (rows, more) = records(&text, separator, MAX_LINES);
    let columns = rows.first().map_or(0, Vec::len);
    Preview::lines(
        format!(
            "CSV, {} column{}, {}",
            columns,
            if columns == 1 { "" } else { "s" },
            encoding_label(encoding)
        ),
        aligned(&rows),
        cut || more,
    )
}

fn separator_of(first_line: &str) -> char {
    SEPARATORS
        .into_iter()
        .max_by_key(|sep| first_line.matches(*sep).count())
        .filter(|sep| first_line.contains(*sep))
        .unwrap_or(',')
}

/// The first `max` records (quoted fields may hold separators, quotes and line breaks), and
/// whether there were more.
fn records(text: &str, separator: char, max: usize) -> (Vec<Vec<String>>, bool) {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' if quoted => quoted = false,
            '"' if field.is_empty() => quoted = true,
            c if c == separator && !quoted => row.push(std::mem::take(&mut field)),
            '\n' if !quoted => {
                row.push(std::mem::take(&mut field));
                if rows.len() == max {
                    return (rows, true);
                }
                rows.push(std::mem::take(&mut row));
            }
            '\r' if !quoted => {}
            c => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        if rows.len() == max {
            return (rows, true);
        }
        rows.push(row);
    }
    (rows, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_separators_quotes_and_line_breaks() {
        let (rows, more) = records("a,\"b, \"\"c\"\"\nd\",e\r\n1,2,3\n", ',', 10);
        assert_eq!(
            rows,
            vec![vec!["a", "b, \"c\"\nd", "e"], vec!["1", "2", "3"]]
        );
        assert!(!more);
    }

    #[test]
    fn the_separator_is_the_first_lines_most_frequent() {
        assert_eq!(separator_of("district;month;cases"), ';');
        assert_eq!(separator_of("a\tb\tc"), '\t');
        assert_eq!(separator_of("one column"), ',');
    }

    #[test]
    fn records_stop_at_the_bound() {
        let (rows, more) = records("1\n2\n3\n", ',', 2);
        assert_eq!((rows.len(), more), (2, true));
    }
}
