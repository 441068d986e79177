//! Rows of cells as aligned columns (CSV files and spreadsheets share it).
use super::text::clean_line;

/// Columns kept of a table: more do not fit beside each other in a pane.
pub const MAX_COLUMNS: usize = 20;
/// The widest a column gets; a longer cell is cut with `…`.
pub const MAX_COLUMN_CHARS: usize = 24;
/// Spaces between two columns.
const GAP: &str = "  ";

/// `rows` as lines of columns padded to the widest cell of each (at most
/// [`MAX_COLUMN_CHARS`]), cells neutralised like any text.
pub fn aligned(rows: &[Vec<String>]) -> Vec<String> {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().take(MAX_COLUMNS).map(|c| cell(c)).collect())
        .collect();
    let columns = cells.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            cells
                .iter()
                .filter_map(|row| row.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    cells
        .iter()
        .map(|row| {
            let mut line = String::new();
            for (i, text) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str(GAP);
                }
                line.push_str(text);
                if i + 1 < row.len() {
                    let pad = widths[i].saturating_sub(text.chars().count());
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            line
        })
        .collect()
}

fn cell(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    let clean = clean_line(one_line.trim());
    if clean.chars().count() <= MAX_COLUMN_CHARS {
        return clean;
    }
    let mut cut: String = clean.chars().take(MAX_COLUMN_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_long_cells_are_cut() {
        let rows = vec![
            vec!["district".to_string(), "cases".to_string()],
            vec!["Bo".to_string(), "254".to_string()],
            vec!["x".repeat(40), "1".to_string()],
        ];
        let lines = aligned(&rows);
        assert_eq!(lines[0], format!("district{}  cases", " ".repeat(16)));
        assert_eq!(lines[1], format!("Bo{}  254", " ".repeat(22)));
        assert_eq!(lines[2], format!("{}…  1", "x".repeat(23)));
    }
}
