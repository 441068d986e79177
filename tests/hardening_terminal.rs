//! The terminal: every line the CLI prints with a server's text in it reaches the terminal
//! without escape sequences, C1 controls, bidi overrides or invisible format characters; and
//! human output survives a reader that went away (a closed pipe) or a full disk.
mod hardening_support;

use std::process::{Command, Stdio};

use d2files::api::filename::is_terminal_control;
use d2files::emulator::{SeedDocument, SeedFileResource};
use hardening_support::*;

/// What a hostile server puts in every id, name, type, MD5, URL and message: an OSC that
/// retitles the terminal, a bell, a CSI that clears it (7-bit and C1 forms), a C1 NEL, a bidi
/// override, an invisible space, and a marker to find it by.
const EVIL: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{85}\u{202e}\u{200b}EVIL";

/// A file name that decodes to the same from `filename*=`.
const EVIL_FILE_NAME: &str =
    "filename*=UTF-8''%1B%5D0%3Bpwned%07%1B%5B2J%C2%9B31m%E2%80%AEEVIL.txt";

/// A file this size or larger is answered with an upload whose file resource id is [`EVIL`].
const BIG_UPLOAD: usize = 4096;

fn document(id: &str, url: &str, external: bool) -> serde_json::Value {
    serde_json::json!({
        "id": id, "name": EVIL, "displayName": EVIL, "code": EVIL, "url": url, "external": external,
        "created": "2025-03-04T10:11:12.345", "lastUpdated": "2025-03-04T10:11:12.345",
        "createdBy": {"id": "UserUid0001", "username": EVIL, "displayName": EVIL}
    })
}

fn file_resource(id: &str, md5: Option<&str>) -> serde_json::Value {
    let mut value = serde_json::json!({
        "id": id, "name": EVIL, "displayName": EVIL, "contentType": EVIL, "contentLength": 5,
        "domain": "DOCUMENT", "storageStatus": "STORED", "assigned": false,
        "created": "2025-03-04T10:11:12.345", "lastUpdated": "2025-03-04T10:11:12.345"
    });
    if let Some(md5) = md5 {
        value["contentMd5"] = md5.into();
    }
    value
}

fn web_message(status: u16) -> serde_json::Value {
    serde_json::json!({"httpStatus": EVIL, "httpStatusCode": status, "status": "ERROR",
        "message": EVIL, "errorCode": "E1005"})
}

/// A DHIS2 whose every string is [`EVIL`], for every read and write the CLI makes.
async fn hostile_dhis2() -> hostile::Hostile {
    hostile::serve(|request, mut conn| async move {
        let body = conn.read_body(&request).await;
        let method = request.method.clone();
        let path = request.path().to_string();
        let uid = path.rsplit('/').next().unwrap_or("").to_string();
        let pager = serde_json::json!({"page": 1, "pageCount": 1, "total": 1, "pageSize": 50});
        match (method.as_str(), path.as_str()) {
            ("GET", "/api/system/info") => {
                let info = serde_json::json!({"version": EVIL, "systemName": EVIL,
                    "serverTimeZoneId": EVIL});
                conn.json(200, &info).await;
            }
            ("GET", "/api/me") => {
                let me = serde_json::json!({"id": "UserUid0001", "username": EVIL,
                    "name": EVIL, "displayName": EVIL});
                conn.json(200, &me).await;
            }
            ("GET", "/api/documents") => {
                let list = serde_json::json!({"pager": pager,
                    "documents": [document(EVIL, EVIL, false), document(EVIL, EVIL, true)]});
                conn.json(200, &list).await;
            }
            ("GET", "/api/fileResources") => {
                let list = serde_json::json!({"pager": pager,
                    "fileResources": [file_resource(EVIL, Some(EVIL))]});
                conn.json(200, &list).await;
            }
            ("POST", "/api/documents") => {
                if String::from_utf8_lossy(&body).contains("refuse-me") {
                    conn.json(409, &web_message(409)).await;
                } else {
                    let created = serde_json::json!({"httpStatusCode": 201, "status": "OK",
                        "response": {"uid": "CreatedDoc1"}});
                    conn.json(201, &created).await;
                }
            }
            ("POST", "/api/fileResources") => {
                let length: usize = request
                    .header("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let id = if length >= BIG_UPLOAD {
                    EVIL
                } else {
                    "FileResour1"
                };
                let answer = serde_json::json!({"httpStatusCode": 202, "status": "OK",
                    "response": {"responseType": "FileResource",
                                 "fileResource": file_resource(id, None)}});
                conn.json(202, &answer).await;
            }
            ("DELETE", _) => {
                conn.json(200, &serde_json::json!({"status": "OK", "message": EVIL}))
                    .await;
            }
            ("GET", _) if path.ends_with("/data") => {
                let headers = [
                    ("Content-Type", "text/plain"),
                    ("Content-Disposition", EVIL_FILE_NAME),
                    ("Content-Length", "5"),
                ];
                let _ = conn.head(200, &headers).await;
                let _ = conn.write(b"hello").await;
            }
            ("GET", _) if path.starts_with("/api/documents/") => match uid.as_str() {
                "FileDocume1" | "CreatedDoc1" => {
                    conn.json(200, &document(EVIL, "FileResour1", false)).await;
                }
                "LinkDocume1" => {
                    let link = format!("https://example.org/{EVIL}");
                    conn.json(200, &document(EVIL, &link, true)).await;
                }
                "BrokenFile1" => {
                    conn.json(200, &document(EVIL, "MissingRes1", false)).await;
                }
                "DownloadDoc" => {
                    conn.json(200, &document(EVIL, "Download001", false)).await;
                }
                _ => conn.json(404, &web_message(404)).await,
            },
            ("GET", _) if path.starts_with("/api/fileResources/") => match uid.as_str() {
                // An MD5 that is no MD5: downloads against it fail, naming it.
                "FileResour1" => conn.json(200, &file_resource(&uid, Some(EVIL))).await,
                "Download001" => conn.json(200, &file_resource(&uid, None)).await,
                _ => conn.json(404, &web_message(404)).await,
            },
            _ => conn.json(404, &web_message(404)).await,
        }
    })
    .await
}

/// Every CLI command that prints what a server sent, in text mode, and whether it succeeds.
fn sessions() -> Vec<(Vec<&'static str>, bool)> {
    vec![
        (vec!["documents", "list"], true),
        (vec!["documents", "list", "--all"], true),
        (vec!["documents", "get", "FileDocume1"], true),
        (vec!["documents", "get", "BrokenFile1"], true),
        (vec!["documents", "get", "LinkDocume1"], true),
        (vec!["documents", "get", "NotFound001"], false),
        (vec!["documents", "download", "LinkDocume1"], true),
        (vec!["documents", "download", "FileDocume1", "out"], false),
        (vec!["documents", "download", "DownloadDoc", "out"], true),
        (
            vec!["resources", "download", "Download001", "out", "--force"],
            true,
        ),
        (vec!["resources", "download", "FileResour1", "out"], false),
        (
            vec!["documents", "upload-url", "Link", "https://example.org/a"],
            true,
        ),
        (
            vec![
                "documents",
                "upload-url",
                "refuse-me",
                "https://example.org/a",
            ],
            false,
        ),
        (
            vec!["documents", "link", "FileResour1", "--name", "Linked"],
            true,
        ),
        (vec!["documents", "upload", "small.txt"], true),
        (vec!["documents", "upload", "big.bin"], false),
        (
            vec!["documents", "upload", "small.txt", "--name", "refuse-me"],
            false,
        ),
        (vec!["resources", "upload", "big.bin", "--no-wait"], true),
        (vec!["resources", "upload", "big.bin"], false),
        (vec!["resources", "list"], true),
        (vec!["resources", "get", "FileResour1"], true),
        (vec!["resources", "get", "NotFound001"], false),
        (vec!["documents", "delete", "FileDocume1", "--yes"], true),
        (vec!["profile", "verify"], true),
    ]
}

/// The characters a terminal must never receive from us (a newline ends our own lines).
fn terminal_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c != '\n' && is_terminal_control(c))
        .collect()
}

#[tokio::test]
async fn no_server_text_reaches_the_terminal_raw_on_any_output_path() {
    let server = hostile_dhis2().await;
    let home = temp_dir();
    write_file(home.path(), "small.txt", b"hello");
    write_file(home.path(), "big.bin", &bytes(BIG_UPLOAD * 2));
    std::fs::create_dir(home.path().join("out")).unwrap();
    for (args, succeeds) in sessions() {
        let mut command = d2files(home.path());
        command
            .env("DHIS2_URL", server.base_url())
            .env("DHIS2_USERNAME", "admin")
            .env("DHIS2_PASSWORD", "district")
            .args(&args);
        let run = run(command).await;
        assert_eq!(run.success, succeeds, "{args:?}: {}", run.stderr);
        let shown = format!("{}{}", run.stdout, run.stderr);
        // The server's text was shown, neutralised.
        assert!(shown.contains("EVIL"), "{args:?}: {shown}");
        let controls = terminal_controls(&shown);
        assert!(controls.is_empty(), "{args:?}: {controls:?} in {shown:?}");
    }
}

#[tokio::test]
async fn the_cli_hint_and_saved_paths_are_shown_neutralised() {
    // The saved file's name comes from the server; the directory from the user, who may have
    // made it as odd.
    let server = hostile_dhis2().await;
    let home = temp_dir();
    let odd_dir = "dir\u{1b}[2J\u{200b}";
    std::fs::create_dir(home.path().join(odd_dir)).unwrap();
    let mut command = d2files(home.path());
    command
        .env("DHIS2_URL", server.base_url())
        .env("DHIS2_USERNAME", "admin")
        .env("DHIS2_PASSWORD", "district")
        .args(["resources", "download", "Download001", odd_dir]);
    let run = run(command).await;
    assert!(run.success, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("Saved dir?[2J?/"),
        "{:?}",
        run.stdout
    );
    assert!(
        terminal_controls(&run.stdout).is_empty(),
        "{:?}",
        run.stdout
    );
}

// ---- a reader that went away, a full disk ----

/// How a command's stdout ends.
#[derive(Clone, Copy, Debug)]
enum Sink {
    /// A pipe whose reading end is closed before the command writes a byte.
    ClosedPipe,
    /// A pipe closed after its reader took a few bytes of a long output.
    PipeClosedMidway,
    /// `/dev/full`: every write fails with ENOSPC.
    FullDisk,
}

struct Ended {
    code: Option<i32>,
    stderr: String,
}

/// Runs `command` with its stdout going to `sink`, off the async runtime.
async fn run_into(mut command: Command, sink: Sink) -> Ended {
    tokio::task::spawn_blocking(move || {
        command.stderr(Stdio::piped());
        let mut reader = None;
        match sink {
            Sink::ClosedPipe | Sink::PipeClosedMidway => {
                let (read, write) = std::io::pipe().expect("a pipe");
                command.stdout(write);
                reader = Some(read);
            }
            Sink::FullDisk => {
                let full = std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .expect("/dev/full exists on Linux");
                command.stdout(full);
            }
        }
        if let (Sink::ClosedPipe, Some(read)) = (sink, reader.take()) {
            drop(read);
        }
        let mut child = command.spawn().expect("d2files starts");
        // The parent's copy of the writing end went into the command and is dropped with it.
        drop(command);
        if let Some(mut read) = reader {
            let mut first = [0u8; 16];
            std::io::Read::read_exact(&mut read, &mut first).expect("a few bytes arrive");
            drop(read);
        }
        let mut stderr = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        let status = child.wait().expect("d2files ends");
        Ended {
            code: status.code(),
            stderr,
        }
    })
    .await
    .unwrap()
}

fn assert_no_panic(label: &str, ended: &Ended) {
    assert!(
        !ended.stderr.contains("panicked") && !ended.stderr.contains("RUST_BACKTRACE"),
        "{label}: {}",
        ended.stderr
    );
    assert_ne!(ended.code, Some(101), "{label}: {}", ended.stderr);
}

#[tokio::test]
async fn a_closed_pipe_ends_quietly_and_a_full_disk_is_one_error_line() {
    let em = start("2.41").await;
    let stored = em
        .seed_file_resource(SeedFileResource::new(
            "a.txt",
            "text/plain",
            b"hello".to_vec(),
        ))
        .unwrap();
    let document = em.seed_document(SeedDocument::file("A", &stored));
    let home = temp_dir();
    let commands: Vec<Vec<&str>> = vec![
        vec!["documents", "list"],
        vec!["documents", "get", &document],
        vec!["resources", "list"],
        vec!["resources", "get", &stored],
        vec!["documents", "download", &document, "--force"],
        vec!["resources", "download", &stored, "--force"],
        vec!["--json", "documents", "list"],
        vec!["profile", "verify"],
    ];
    for args in &commands {
        for sink in [Sink::ClosedPipe, Sink::FullDisk] {
            let label = format!("{args:?} into {sink:?}");
            let mut command = d2files(home.path());
            as_admin(&mut command, &em);
            command.args(args);
            let ended = run_into(command, sink).await;
            assert_no_panic(&label, &ended);
            match sink {
                Sink::ClosedPipe => {
                    // 128 + SIGPIPE, as a shell reports `ls | head`'s `ls`; and not a word.
                    assert_eq!(ended.code, Some(141), "{label}: {}", ended.stderr);
                    assert!(!ended.stderr.contains("error"), "{label}: {}", ended.stderr);
                }
                _ => {
                    assert_eq!(ended.code, Some(1), "{label}: {}", ended.stderr);
                    let errors: Vec<&str> = ended
                        .stderr
                        .lines()
                        .filter(|line| line.starts_with("error: "))
                        .collect();
                    assert_eq!(
                        errors,
                        ["error: cannot write the output: No space left on device (os error 28)"],
                        "{label}: {}",
                        ended.stderr
                    );
                }
            }
        }
    }
    // The downloads themselves succeeded: only the line saying so was lost.
    assert_eq!(std::fs::read(home.path().join("a.txt")).unwrap(), b"hello");
}

#[tokio::test]
async fn a_reader_that_leaves_midway_through_a_long_table_ends_it_quietly() {
    let em = start("2.41").await;
    // Far more than a pipe holds (64 KiB on Linux), so writes go on after the reader left.
    for i in 0..1500 {
        em.seed_document(SeedDocument::link(
            &format!("Document number {i:05} with a name long enough to fill the row"),
            "https://example.org/a-link-that-is-quite-long-as-well",
        ));
    }
    let home = temp_dir();
    for args in [
        vec!["documents", "list", "--all"],
        vec!["--json", "documents", "list", "--all"],
    ] {
        let mut command = d2files(home.path());
        as_admin(&mut command, &em);
        command.args(&args);
        let ended = run_into(command, Sink::PipeClosedMidway).await;
        let label = format!("{args:?}");
        assert_no_panic(&label, &ended);
        assert_eq!(ended.code, Some(141), "{label}: {}", ended.stderr);
        assert!(!ended.stderr.contains("error"), "{label}: {}", ended.stderr);
    }
}
