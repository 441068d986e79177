//! How results are printed: aligned tables for people, JSON for scripts.
//!
//! All of the CLI's human output goes through [`say`] (results, stdout) and [`note`] (notes,
//! stderr). Both neutralise the whole line with [`printable`], since most lines hold text a
//! server chose, and mask echoes of the connection's credentials in it. Neither panics when
//! the output is gone: a closed pipe or a full disk comes back as an [`OutputFailed`] error
//! (stdout) or is let go (stderr, where nothing is left to report it). `println!` and `eprintln!` are refused by clippy in `src/cli`
//! (`clippy.toml`) so that no line bypasses these two.
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use chrono::NaiveDateTime;
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;
use unicode_width::UnicodeWidthStr as _;

pub use crate::api::filename::printable;
use crate::api::{Client, Redactor};

/// The connection's credentials, masked wherever a server echoed them into what is printed
/// (the Basic pair, its base64, the token; see `api::Redactor`). One connection per process.
static ECHOES: OnceLock<Redactor> = OnceLock::new();

/// From now on, output masks echoes of `client`'s credentials.
pub fn mask_echoes_of(client: &Client) {
    let _ = ECHOES.set(client.redactor().clone());
}

/// A line as it may be shown: echoes masked, then neutralised.
fn shown(line: &str) -> String {
    match ECHOES.get() {
        Some(echoes) => printable(&echoes.echoes_in_text(line)),
        None => printable(line),
    }
}

/// stdout could not be written: the reader went away (a closed pipe) or the disk is full.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the output: {0}")]
pub struct OutputFailed(#[source] pub std::io::Error);

impl OutputFailed {
    /// The reader stopped reading (`d2files … | head`): not worth a message.
    pub fn is_closed_pipe(&self) -> bool {
        self.0.kind() == std::io::ErrorKind::BrokenPipe
    }
}

/// One line of results on stdout, neutralised (a newline inside becomes `?`, so a server's
/// text cannot start a line of its own).
pub fn say(line: impl AsRef<str>) -> Result<(), OutputFailed> {
    write_stdout(&format!("{}\n", shown(line.as_ref())))
}

/// One line for the user on stderr (notes, warnings, hints, errors), neutralised. A failing
/// stderr is ignored: there is nowhere left to say so.
pub fn note(line: impl AsRef<str>) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", shown(line.as_ref())).and_then(|()| err.flush());
}

/// Text d2files wrote itself (the help), several lines as they are: no server's words in it.
pub fn print_own_text(text: &str) -> Result<(), OutputFailed> {
    write_stdout(text)
}

/// Writes and flushes now, so a write error is seen here and not lost in the flush at exit.
fn write_stdout(text: &str) -> Result<(), OutputFailed> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(OutputFailed)
}

/// Prints a value as pretty JSON on stdout (serde escapes every control character), with
/// echoes of the credentials masked.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut value = serde_json::to_value(value)?;
    if let Some(echoes) = ECHOES.get() {
        echoes.echoes_in_json(&mut value);
    }
    let mut text = serde_json::to_string_pretty(&value)?;
    text.push('\n');
    Ok(write_stdout(&text)?)
}

/// Prints a value as one line of JSON (JSON Lines: one object per item of a batch), with
/// echoes of the credentials masked.
pub fn print_json_line<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut value = serde_json::to_value(value)?;
    if let Some(echoes) = ECHOES.get() {
        echoes.echoes_in_json(&mut value);
    }
    let mut text = serde_json::to_string(&value)?;
    text.push('\n');
    Ok(write_stdout(&text)?)
}

/// Asks on the terminal and returns the answer's first line, trimmed.
pub fn ask(question: &str) -> anyhow::Result<String> {
    let mut err = std::io::stderr().lock();
    write!(err, "{} ", shown(question))?;
    err.flush()?;
    drop(err);
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(answer.trim().to_string())
}

/// Prints rows under a header: fitted to the terminal's width when stdout is one, else as
/// [`plain_table`] lines. Tables put their one long column (a name) last.
pub fn print_table(header: &[&str], rows: Vec<Vec<String>>) -> Result<(), OutputFailed> {
    // Cells first, so a newline in a name cannot split its row.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| printable(cell)).collect())
        .collect();
    let width = std::io::stdout()
        .is_terminal()
        .then(crossterm::terminal::size)
        .and_then(Result::ok);
    let Some((width, _)) = width else {
        for line in plain_table(header, &rows) {
            say(line)?;
        }
        return Ok(());
    };
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_header(header.iter())
        .set_width(width)
        .set_content_arrangement(ContentArrangement::Dynamic);
    for row in rows {
        table.add_row(row);
    }
    for line in table.lines() {
        say(line)?;
    }
    Ok(())
}

/// How far a piped table pads a column: past it, a long cell (a link's URL, a long content
/// type) pushes the rest of its own row instead of widening every row.
const PIPED_COLUMN_MAX: usize = 40;

/// A table for a pipe or a file: one line per row, nothing cut, columns two spaces apart and
/// padded to their widest cell up to [`PIPED_COLUMN_MAX`], the last one not at all, and no
/// space at either end, so `cut`, `awk` and `less` see what a person would.
pub fn plain_table(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let header: Vec<String> = header.iter().map(|title| title.to_string()).collect();
    let all: Vec<&Vec<String>> = std::iter::once(&header).chain(rows).collect();
    let columns = header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|column| {
            all.iter()
                .filter_map(|row| row.get(column))
                .map(|cell| cell.width())
                .max()
                .unwrap_or(0)
                .min(PIPED_COLUMN_MAX)
        })
        .collect();
    all.iter()
        .map(|row| {
            let mut line = String::new();
            for (column, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if column + 1 < row.len() {
                    let pad = widths[column].saturating_sub(cell.width()) + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// Prints `label: value` lines, skipping empty values.
pub fn print_fields(fields: &[(&str, String)]) -> Result<(), OutputFailed> {
    let width = fields
        .iter()
        .map(|(label, _)| label.len())
        .max()
        .unwrap_or(0);
    for (label, value) in fields.iter().filter(|(_, value)| !value.is_empty()) {
        say(format!("{label:>width$}  {value}"))?;
    }
    Ok(())
}

/// "Saved PATH (SIZE, md5 …, verified)": what a download produced and how it was checked.
pub fn saved_line(saved: &crate::api::Downloaded) -> String {
    let check = match saved.verification {
        crate::api::Verification::Matched => "verified against the server's MD5",
        crate::api::Verification::Reencoded => {
            "not compared: DHIS2 re-encodes images of this kind, so its MD5 describes other bytes"
        }
        crate::api::Verification::Unavailable => "not compared: the server gave no MD5",
        crate::api::Verification::Skipped => "MD5 not checked (--no-verify)",
    };
    let md5 = saved
        .md5
        .as_ref()
        .map(|md5| format!("md5 {md5}, "))
        .unwrap_or_default();
    format!(
        "Saved {} ({}, {md5}{check})",
        saved.path.display(),
        size(Some(saved.bytes)),
    )
}

pub fn date(value: Option<NaiveDateTime>) -> String {
    value
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

pub fn size(bytes: Option<u64>) -> String {
    bytes.map(crate::api::units::human_size).unwrap_or_default()
}

pub fn opt(value: Option<&str>) -> String {
    value.unwrap_or_default().to_string()
}

/// Asks a yes/no question on the terminal; anything but y/yes is No.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    let answer = ask(&format!("{question} [y/N]"))?;
    Ok(matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// A file resource's fields, one per line, for `documents get` and `resources get`.
pub fn print_resource_fields(resource: &crate::api::FileResource) -> Result<(), OutputFailed> {
    print_fields(&[
        ("file resource", resource.id.clone()),
        ("file name", opt(resource.name.as_deref())),
        ("type", opt(resource.content_type.as_deref())),
        ("size", size(resource.content_length)),
        ("md5", opt(resource.content_md5.as_deref())),
        (
            "domain",
            resource
                .domain
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        (
            "storage",
            resource
                .storage_status
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
        ),
        (
            "assigned",
            resource.assigned.map(|a| a.to_string()).unwrap_or_default(),
        ),
        ("created", date(resource.created)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|cell| cell.to_string()).collect()
    }

    #[test]
    fn a_plain_table_pads_no_column_past_the_cap_and_never_the_last() {
        let long_url = format!("https://example.org/{}", "x".repeat(60));
        let long_name = "N".repeat(300);
        let lines = plain_table(
            &["ID", "URL", "NAME"],
            &[
                row(&["a1", "short", &long_name]),
                row(&["b22", &long_url, "Budget"]),
                row(&["c", "", ""]),
            ],
        );
        assert_eq!(
            lines,
            [
                format!("ID   URL{}NAME", " ".repeat(PIPED_COLUMN_MAX - 3 + 2)),
                format!(
                    "a1   short{}{long_name}",
                    " ".repeat(PIPED_COLUMN_MAX - 5 + 2)
                ),
                format!("b22  {long_url}  Budget"),
                "c".to_string(),
            ]
        );
    }

    #[test]
    fn a_plain_table_measures_wide_letters_as_a_terminal_shows_them() {
        let lines = plain_table(&["NAME", "ID"], &[row(&["健康", "x"]), row(&["ab", "y"])]);
        assert_eq!(lines, ["NAME  ID", "健康  x", "ab    y"]);
    }
}
