//! The terminal: every line the CLI prints with a server's text in it reaches the terminal
//! without escape sequences, C1 controls, bidi overrides or invisible format characters; and
//! human output survives a reader that went away (a closed pipe) or a full disk.
mod common;

use std::process::{Command, Stdio};

use common::*;
use d2files::api::filename::is_terminal_control;
use d2files::emulator::{SeedDocument, SeedFileResource};

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
                // Honest about the length it kept: a short one is refused, not shown.
                let mut resource = file_resource(id, None);
                if length >= BIG_UPLOAD {
                    resource["contentLength"] = (BIG_UPLOAD * 2).into();
                }
                let answer = serde_json::json!({"httpStatusCode": 202, "status": "OK",
                    "response": {"responseType": "FileResource",
                                 "fileResource": resource}});
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
                // Retried, with a warning logged on stderr each time.
                "Unavailabl1" => conn.json(503, &web_message(503)).await,
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
        (vec!["documents", "get", "Unavailabl1"], false),
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
        (vec!["documents", "upload", "big.dat"], false),
        (
            vec!["documents", "upload", "small.txt", "--name", "refuse-me"],
            false,
        ),
        (vec!["resources", "upload", "big.dat", "--no-wait"], true),
        (vec!["resources", "upload", "big.dat"], false),
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
    write_file(home.path(), "big.dat", &bytes(BIG_UPLOAD * 2));
    std::fs::create_dir(home.path().join("out")).unwrap();
    for (args, succeeds) in sessions() {
        let mut command = admin_command_at(home.path(), &server.base_url());
        command.args(&args);
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
    let mut command = admin_command_at(home.path(), &server.base_url());
    command.args(["resources", "download", "Download001", odd_dir]);
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

#[tokio::test]
async fn the_log_files_and_the_stderr_log_hold_server_text_neutralised() {
    use rmcp::model::CallToolRequestParams;

    let server = hostile_dhis2().await;
    let home = temp_dir();
    // The CLI's retry warnings, at the default level and at the most verbose: in cli.log, not
    // on the terminal, and neutralised in both places.
    for level in [None, Some("trace")] {
        let mut command = admin_command_at(home.path(), &server.base_url());
        command.args(["documents", "get", "Unavailabl1"]);
        if let Some(level) = level {
            command.env("D2FILES_LOG", level);
        }
        let run = run(command).await;
        assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
        let controls = terminal_controls(&run.stderr);
        assert!(controls.is_empty(), "{controls:?} in {:?}", run.stderr);
        let log = std::fs::read_to_string(home.path().join("state/d2files/cli.log")).unwrap();
        assert!(log.contains("retrying") && log.contains("EVIL"), "{log}");
        let controls = terminal_controls(&log);
        assert!(controls.is_empty(), "{controls:?} in {log:?}");
    }
    // The MCP server logs its tools' failures, in DHIS2's words, to mcp.log.
    let mut command = admin_command_at(home.path(), &server.base_url());
    command.env("D2FILES_LOG", "debug").arg("mcp");
    let (client, mut child) = serve_mcp(command).await;
    for uid in ["NotFound001", "BrokenFile1"] {
        let serde_json::Value::Object(arguments) = serde_json::json!({"uid": uid}) else {
            unreachable!()
        };
        client
            .call_tool(CallToolRequestParams::new("files_documents_get").with_arguments(arguments))
            .await
            .expect("an answer");
    }
    client.cancel().await.unwrap();
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait())
        .await
        .expect("the MCP server ends once its input closes")
        .unwrap();
    assert!(status.success(), "{status}");
    let log = std::fs::read_to_string(home.path().join("state/d2files/mcp.log")).unwrap();
    assert!(log.contains("EVIL"), "{log}");
    let controls = terminal_controls(&log);
    assert!(controls.is_empty(), "{controls:?} in {log:?}");
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
    let (stored, document) = seed_file_document(
        &em,
        "A",
        SeedFileResource::new("a.txt", "text/plain", b"hello".to_vec()),
    );
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
        // clap's own output, written into a pipe or a file.
        vec!["--help"],
        vec!["documents", "download", "--help"],
        vec!["--version"],
    ];
    for args in &commands {
        for sink in [Sink::ClosedPipe, Sink::FullDisk] {
            let label = format!("{args:?} into {sink:?}");
            let mut command = admin_command(home.path(), &em);
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
        let mut command = admin_command(home.path(), &em);
        command.args(&args);
        let ended = run_into(command, Sink::PipeClosedMidway).await;
        let label = format!("{args:?}");
        assert_no_panic(&label, &ended);
        assert_eq!(ended.code, Some(141), "{label}: {}", ended.stderr);
        assert!(!ended.stderr.contains("error"), "{label}: {}", ended.stderr);
    }
}

/// A port free a moment ago, for a server whose stdout cannot tell us its address.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

#[tokio::test]
async fn the_demo_server_keeps_serving_when_its_reader_left_and_fails_on_a_full_disk() {
    let home = temp_dir();
    let port = free_port();
    let mut command = d2files(home.path());
    command.args(["demo-server", "--no-seed", "--port", &port.to_string()]);
    let (read, write) = std::io::pipe().expect("a pipe");
    drop(read);
    command.stdout(write).stderr(Stdio::piped());
    let mut child = command.spawn().expect("demo-server starts");
    drop(command);
    // Wait for the event: the server answering, within a bound.
    let client = d2files::api::Client::new(
        &format!("http://127.0.0.1:{port}"),
        d2files::api::Auth::basic("admin", "district"),
    )
    .unwrap();
    let answered = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        // Polled: with its stdout gone, the server has no other way to say it is up.
        while client.system_info().await.is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    let exited = child.try_wait().expect("status");
    let _ = child.kill();
    let output = child.wait_with_output().expect("demo-server ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(exited.is_none(), "it stopped: {exited:?} {stderr}");
    assert!(answered.is_ok(), "it never answered: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let mut command = d2files(home.path());
    command.args([
        "demo-server",
        "--no-seed",
        "--port",
        &free_port().to_string(),
    ]);
    let ended = run_into(command, Sink::FullDisk).await;
    assert_no_panic("demo-server into /dev/full", &ended);
    assert_eq!(ended.code, Some(1), "{}", ended.stderr);
    assert!(
        ended
            .stderr
            .contains("error: cannot write the output: No space left on device"),
        "{}",
        ended.stderr
    );
}
