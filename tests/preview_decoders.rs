//! The preview decoders on hostile input: random bytes under every type never panic and never
//! let a control character through; zip bombs and crafted zips are refused by their caps;
//! every encoding the issue names reads.
use d2files::preview::{Body, Limits, Preview, decode};
use proptest::prelude::*;

const TYPES: [(&str, &str); 9] = [
    ("text/plain", "a.txt"),
    ("text/csv", "a.csv"),
    ("application/json", "a.json"),
    ("image/png", "a.png"),
    ("image/gif", "a.gif"),
    ("application/pdf", "a.pdf"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "a.docx",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "a.xlsx",
    ),
    ("", "no-type"),
];

/// Every string the pane would draw.
fn drawn(preview: &Preview) -> Vec<String> {
    let mut all = vec![preview.summary.clone()];
    match &preview.body {
        Body::Lines(lines) => all.extend(lines.iter().cloned()),
        Body::Cannot(reason) => all.push(reason.clone()),
        Body::Image(_) | Body::Unsupported => {}
    }
    all
}

fn assert_inert(preview: &Preview) {
    for text in drawn(preview) {
        assert!(
            !text
                .chars()
                .any(d2files::api::filename::is_terminal_control),
            "a control character would reach the terminal: {text:?}"
        );
    }
}

/// Bytes that start like each format, so the decoders get past their first check.
fn with_magic(kind: usize, tail: &[u8]) -> Vec<u8> {
    let magic: &[u8] = match kind % 4 {
        0 => b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        1 => b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n",
        2 => b"PK\x03\x04\x14\0\0\0\x08\0",
        _ => b"GIF89a",
    };
    [magic, tail].concat()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_under_any_type_never_panic_and_stay_inert(
        bytes in proptest::collection::vec(any::<u8>(), 0..4096),
        magic in 0usize..5,
        type_index in 0usize..TYPES.len(),
        cut in any::<bool>(),
    ) {
        let (content_type, name) = TYPES[type_index];
        let bytes = if magic < 4 { with_magic(magic, &bytes) } else { bytes };
        let preview = decode(&bytes, content_type, name, cut, &Limits::default());
        assert_inert(&preview);
    }
}

#[test]
fn escape_sequences_in_a_text_file_never_reach_the_terminal() {
    let hostile =
        "report\x1b]52;c;ZXZpbA==\x07\n\x1b[2J\x1b[31mred\u{9b}6n\u{202e}cod.exe\n".as_bytes();
    let preview = decode(hostile, "text/plain", "a.txt", false, &Limits::default());
    assert_inert(&preview);
    let Body::Lines(lines) = &preview.body else {
        panic!("{preview:?}")
    };
    assert!(lines[0].starts_with("report?]52;c;ZXZpbA==?"), "{lines:?}");
}

#[test]
fn latin1_utf16_and_utf8_texts_read_with_their_encoding_named() {
    let limits = Limits::default();
    let latin1 = decode(
        b"R\xE9sum\xE9 des activit\xE9s: vaccination, d\xE9parasitage, \xE9t\xE9 2024\n",
        "text/plain",
        "a.txt",
        false,
        &limits,
    );
    assert_eq!(latin1.summary, "text, Windows-1252 (Latin-1)");
    let utf16: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain("Gesundheit".encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    let utf16 = decode(&utf16, "text/plain", "a.txt", false, &limits);
    assert_eq!(utf16.summary, "text, UTF-16BE");
    assert!(matches!(&utf16.body, Body::Lines(l) if l[0] == "Gesundheit"));
    let utf8 = decode("健康报告\n".as_bytes(), "", "notes", false, &limits);
    assert_eq!(
        utf8.summary, "text, UTF-8",
        "sniffed as text without a type"
    );
}

/// A zip written by hand: stored entries with the sizes they claim (CRCs of empty data only,
/// which is what the caps must refuse before reading).
fn zip_of(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, claimed, data) in entries {
        let offset = out.len() as u32;
        let header = |signature: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&signature.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes());
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // version needed
            h.extend_from_slice(&0u16.to_le_bytes()); // flags
            h.extend_from_slice(&8u16.to_le_bytes()); // deflate
            h.extend_from_slice(&[0; 4]); // time, date
            h.extend_from_slice(&0u32.to_le_bytes()); // crc
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&claimed.to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
                h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(data);
        central.extend(header(0x0201_4b50, true));
    }
    let start = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

#[test]
fn a_zip_bomb_is_refused_by_its_declared_size() {
    // 3 bytes of deflate claiming to inflate to 4 GiB.
    let bomb = zip_of(&[("word/document.xml", u32::MAX, &[0x03, 0x00, 0x00])]);
    let preview = decode(&bomb, DOCX, "bomb.docx", false, &Limits::default());
    let Body::Cannot(reason) = &preview.body else {
        panic!("{preview:?}")
    };
    assert!(reason.contains("inflates to more than"), "{reason}");
}

#[test]
fn a_zip_of_too_many_entries_is_refused_before_reading_any() {
    let names: Vec<String> = (0..10_001).map(|n| format!("{n}")).collect();
    let entries: Vec<(&str, u32, &[u8])> = names.iter().map(|n| (n.as_str(), 0, &[][..])).collect();
    let preview = decode(
        &zip_of(&entries),
        DOCX,
        "many.docx",
        false,
        &Limits::default(),
    );
    let Body::Cannot(reason) = &preview.body else {
        panic!("{preview:?}")
    };
    assert!(reason.contains("entries"), "{reason}");
}

#[test]
fn the_demo_pdf_shows_its_page_count_and_first_page() {
    let preview = decode(
        include_bytes!("../assets/demo/report.pdf"),
        "application/pdf",
        "report.pdf",
        false,
        &Limits::default(),
    );
    assert_eq!(preview.summary, "PDF, 1 page");
    assert!(
        matches!(&preview.body, Body::Lines(l) if l.iter().any(|l| l.contains("Annual report"))),
        "{preview:?}"
    );
}
