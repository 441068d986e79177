//! How results are printed: aligned tables for people, JSON for scripts.
use std::io::{IsTerminal, Write};

use chrono::NaiveDateTime;
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

pub use crate::api::filename::printable;

/// Prints rows under a header, fitted to the terminal's width when stdout is one.
pub fn print_table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut table = Table::new();
    table.load_style(presets::NOTHING).set_header(header.iter());
    if std::io::stdout().is_terminal()
        && let Ok((width, _)) = crossterm::terminal::size()
    {
        table
            .set_width(width)
            .set_content_arrangement(ContentArrangement::Dynamic);
    }
    for row in rows {
        table.add_row(row.iter().map(|cell| printable(cell)));
    }
    println!("{table}");
}

/// Prints `label: value` lines, skipping empty values.
pub fn print_fields(fields: &[(&str, String)]) {
    let width = fields
        .iter()
        .map(|(label, _)| label.len())
        .max()
        .unwrap_or(0);
    for (label, value) in fields.iter().filter(|(_, value)| !value.is_empty()) {
        println!("{label:>width$}  {}", printable(value));
    }
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
    bytes
        .map(|b| bytesize::ByteSize(b).to_string())
        .unwrap_or_default()
}

pub fn opt(value: Option<&str>) -> String {
    value.unwrap_or_default().to_string()
}

/// Asks a yes/no question on the terminal; anything but y/yes is No.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    eprint!("{} [y/N] ", printable(question));
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
