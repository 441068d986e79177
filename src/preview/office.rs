//! Word and Excel files (docx, xlsx): zips of XML, read with caps on the entries so a zip
//! bomb costs a refusal, not the memory.
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};
use zip::ZipArchive;

use super::columns::{MAX_COLUMNS, aligned};
use super::text::clean_line;
use super::{MAX_LINES, Preview};

/// Entries a docx or xlsx may have: real ones have tens, a crafted one millions.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// The most one entry may inflate to: a long report's XML fits, a zip bomb's gigabytes do not.
pub const MAX_ZIP_ENTRY_BYTES: u64 = 32 * 1024 * 1024;
/// Shared strings kept of a workbook: enough for the first rows of any sheet.
const MAX_SHARED_STRINGS: usize = 100_000;

pub fn decode_docx(bytes: &[u8]) -> Preview {
    match paragraphs(bytes) {
        Ok((lines, more)) => Preview::lines("Word document", lines, more),
        Err(reason) => Preview::cannot(reason),
    }
}

pub fn decode_xlsx(bytes: &[u8]) -> Preview {
    match first_sheet(bytes) {
        Ok((name, rows, more)) => Preview::lines(
            clean_line(&format!("Excel workbook, sheet “{name}”")),
            aligned(&rows),
            more,
        ),
        Err(reason) => Preview::cannot(reason),
    }
}

fn open(bytes: &[u8]) -> Result<ZipArchive<Cursor<&[u8]>>, String> {
    let archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a readable zip ({e})"))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(format!("more than {MAX_ZIP_ENTRIES} entries in the zip"));
    }
    Ok(archive)
}

/// One entry as text, refused when it says or turns out to be larger than the cap (a
/// declared size can lie, so the read itself stops there too).
fn entry(archive: &mut ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Option<String>, String> {
    let file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(error) => return Err(format!("{name}: {error}")),
    };
    let too_large = || format!("{name} inflates to more than the preview's cap");
    if file.size() > MAX_ZIP_ENTRY_BYTES {
        return Err(too_large());
    }
    let mut body = Vec::new();
    file.take(MAX_ZIP_ENTRY_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("{name}: {e}"))?;
    if body.len() as u64 > MAX_ZIP_ENTRY_BYTES {
        return Err(too_large());
    }
    Ok(Some(String::from_utf8_lossy(&body).into_owned()))
}

fn required(archive: &mut ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<String, String> {
    entry(archive, name)?.ok_or_else(|| format!("no {name} in the file"))
}

/// The text an entity reference stands for (`&amp;`, `&#233;`).
fn reference(entity: &BytesRef) -> String {
    if let Ok(Some(c)) = entity.resolve_char_ref() {
        return c.to_string();
    }
    match entity.xml10_content().as_ref() {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
    .to_string()
}

/// The first paragraphs of `word/document.xml` with text, and whether there were more.
fn paragraphs(bytes: &[u8]) -> Result<(Vec<String>, bool), String> {
    let xml = required(&mut open(bytes)?, "word/document.xml")?;
    let mut reader = Reader::from_str(&xml);
    let mut lines = Vec::new();
    let mut paragraph = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == "w:t" => in_text = true,
            Ok(Event::End(e)) if e.name().as_ref() == "w:t" => in_text = false,
            Ok(Event::Empty(e)) if matches!(e.name().as_ref(), "w:tab" | "w:br") => {
                paragraph.push(' ');
            }
            Ok(Event::Text(t)) if in_text => paragraph.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if in_text => paragraph.push_str(&reference(&r)),
            Ok(Event::End(e)) if e.name().as_ref() == "w:p" => {
                let line = clean_line(paragraph.trim());
                paragraph.clear();
                if line.is_empty() {
                    continue;
                }
                if lines.len() == MAX_LINES {
                    return Ok((lines, true));
                }
                lines.push(line);
            }
            Ok(Event::Eof) => return Ok((lines, false)),
            Ok(_) => {}
            Err(error) => return Err(format!("word/document.xml is malformed ({error})")),
        }
    }
}

/// The first sheet's name, its first rows and whether there were more.
type Sheet = (String, Vec<Vec<String>>, bool);

fn first_sheet(bytes: &[u8]) -> Result<Sheet, String> {
    let mut archive = open(bytes)?;
    let workbook = required(&mut archive, "xl/workbook.xml")?;
    let (name, rel) = first_sheet_entry(&workbook)?;
    let path = match entry(&mut archive, "xl/_rels/workbook.xml.rels")? {
        Some(rels) => target_of(&rels, &rel).unwrap_or_else(|| "worksheets/sheet1.xml".into()),
        None => "worksheets/sheet1.xml".into(),
    };
    let path = match path.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{path}"),
    };
    let shared = match entry(&mut archive, "xl/sharedStrings.xml")? {
        Some(xml) => shared_strings(&xml)?,
        None => Vec::new(),
    };
    let sheet = required(&mut archive, &path)?;
    let (rows, more) = rows(&sheet, &shared)?;
    Ok((name, rows, more))
}

fn attribute(e: &quick_xml::events::BytesStart, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The first `<sheet name=… r:id=…>` of the workbook.
fn first_sheet_entry(workbook: &str) -> Result<(String, String), String> {
    let mut reader = Reader::from_str(workbook);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.name().as_ref() == "sheet" => {
                let name = attribute(&e, "name").unwrap_or_else(|| "Sheet1".into());
                return Ok((name, attribute(&e, "r:id").unwrap_or_default()));
            }
            Ok(Event::Eof) => return Err("the workbook has no sheet".into()),
            Ok(_) => {}
            Err(error) => return Err(format!("xl/workbook.xml is malformed ({error})")),
        }
    }
}

fn target_of(rels: &str, id: &str) -> Option<String> {
    let mut reader = Reader::from_str(rels);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e))
                if e.name().as_ref() == "Relationship"
                    && attribute(&e, "Id").as_deref() == Some(id) =>
            {
                return attribute(&e, "Target");
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// The workbook's shared strings (`<si>`), each the text of its runs.
fn shared_strings(xml: &str) -> Result<Vec<String>, String> {
    let mut reader = Reader::from_str(xml);
    let mut strings = Vec::new();
    let mut current = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == "t" => in_text = true,
            Ok(Event::End(e)) if e.name().as_ref() == "t" => in_text = false,
            Ok(Event::Text(t)) if in_text => current.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if in_text => current.push_str(&reference(&r)),
            Ok(Event::End(e)) if e.name().as_ref() == "si" => {
                strings.push(std::mem::take(&mut current));
                if strings.len() == MAX_SHARED_STRINGS {
                    return Ok(strings);
                }
            }
            Ok(Event::Eof) => return Ok(strings),
            Ok(_) => {}
            Err(error) => return Err(format!("xl/sharedStrings.xml is malformed ({error})")),
        }
    }
}

/// The column of a cell reference: `C7` is 2.
fn column_of(reference: &str) -> Option<usize> {
    let letters = reference.bytes().take_while(u8::is_ascii_uppercase);
    let mut column = 0usize;
    let mut any = false;
    for letter in letters {
        column = column
            .checked_mul(26)?
            .checked_add(usize::from(letter - b'A') + 1)?;
        any = true;
    }
    any.then(|| column - 1)
}

/// The sheet's first rows, cells placed by their reference (gaps stay empty).
fn rows(sheet: &str, shared: &[String]) -> Result<(Vec<Vec<String>>, bool), String> {
    let mut reader = Reader::from_str(sheet);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell_type = String::new();
    let mut column = 0usize;
    let mut value = String::new();
    let mut in_value = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == "row" => row.clear(),
            Ok(Event::Start(e)) if e.name().as_ref() == "c" => {
                cell_type = attribute(&e, "t").unwrap_or_default();
                column = attribute(&e, "r")
                    .and_then(|r| column_of(&r))
                    .unwrap_or(row.len());
                value.clear();
            }
            Ok(Event::Start(e)) if matches!(e.name().as_ref(), "v" | "t") => in_value = true,
            Ok(Event::End(e)) if matches!(e.name().as_ref(), "v" | "t") => in_value = false,
            Ok(Event::Text(t)) if in_value => value.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if in_value => value.push_str(&reference(&r)),
            Ok(Event::End(e)) if e.name().as_ref() == "c" => {
                if column < MAX_COLUMNS {
                    let shown = match cell_type.as_str() {
                        "s" => value
                            .trim()
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| shared.get(i))
                            .cloned()
                            .unwrap_or_default(),
                        "b" => (if value.trim() == "1" { "TRUE" } else { "FALSE" }).to_string(),
                        _ => value.clone(),
                    };
                    if row.len() <= column {
                        row.resize(column + 1, String::new());
                    }
                    row[column] = shown;
                }
            }
            Ok(Event::End(e)) if e.name().as_ref() == "row" => {
                if rows.len() == MAX_LINES {
                    return Ok((rows, true));
                }
                rows.push(std::mem::take(&mut row));
            }
            Ok(Event::Eof) => return Ok((rows, false)),
            Ok(_) => {}
            Err(error) => return Err(format!("the sheet is malformed ({error})")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_give_columns() {
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("C7"), Some(2));
        assert_eq!(column_of("AA10"), Some(26));
        assert_eq!(column_of("7"), None);
    }

    #[test]
    fn the_demo_files_read() {
        let docx = decode_docx(include_bytes!("../../assets/demo/sop.docx"));
        let crate::preview::Body::Lines(lines) = docx.body else {
            panic!("{docx:?}")
        };
        assert_eq!(
            lines[0],
            "Standard operating procedure: cold chain monitoring."
        );
        let xlsx = decode_xlsx(include_bytes!("../../assets/demo/budget.xlsx"));
        assert_eq!(xlsx.summary, "Excel workbook, sheet “Budget”");
        let crate::preview::Body::Lines(lines) = xlsx.body else {
            panic!("{xlsx:?}")
        };
        assert!(
            lines[1].starts_with("Malaria") && lines[1].ends_with("125000"),
            "{lines:?}"
        );
    }

    #[test]
    fn a_zip_that_is_not_one_cannot_be_previewed() {
        let preview = decode_docx(b"PK\x03\x04 not really");
        assert!(matches!(preview.body, crate::preview::Body::Cannot(_)));
    }
}
