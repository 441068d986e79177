//! `d2files check` as a user types it: each class of finding from an emulator set up with that
//! fault, none on a clean server, the demo's deliberate faults exactly, `--against DIR`, a
//! backup folder offline, JSON Lines, and the exit codes (0 clean, 1 problems, 2 not run).
mod common;
mod pty_support;

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use common::cli_server::{Server, stdout, succeed};
use d2files::emulator::{LostBytes, SeedDashboard, SeedDocument, SeedFileResource};

fn days_ago(days: i64) -> chrono::NaiveDateTime {
    (Utc::now() - Duration::days(days)).naive_utc()
}

/// A file document with these bytes; returns (document, file resource).
fn file_document(server: &Server, name: &str, bytes: &[u8]) -> (String, String) {
    let fr = server.seed(SeedFileResource::new(
        &format!("{name}.pdf"),
        "application/pdf",
        bytes.to_vec(),
    ));
    let document = server.emulator.seed_document(SeedDocument::file(name, &fr));
    (document, fr)
}

/// The uids of the lines marked `!`, and the whole output.
fn problems(output: &std::process::Output) -> (BTreeSet<String>, String) {
    let out = stdout(output);
    let uids = out
        .lines()
        .filter_map(|line| line.strip_prefix("! "))
        .map(|rest| {
            rest.split_whitespace()
                .next()
                .unwrap_or("")
                .trim_end_matches(':')
        })
        // The summary table's rows start with the marks too.
        .filter(|uid| d2files::api::is_valid_uid(uid))
        .map(str::to_string)
        .collect();
    (uids, out)
}

fn code(output: &std::process::Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

#[test]
fn a_clean_server_checks_clean_and_exits_0() {
    let server = Server::start("2.42.4", false);
    let (shown, _) = file_document(&server, "Annual report", b"%PDF annual");
    file_document(&server, "Budget", b"budget bytes");
    server
        .emulator
        .seed_document(SeedDocument::link("Academy", "https://dhis2.org/academy/"));
    server
        .emulator
        .seed_dashboard(SeedDashboard::new("Malaria").documents(&[&shown]));
    let output = server.run(&["check", "--verbose"]);
    let out = stdout(&succeed(output));
    assert!(
        out.contains("checked 3 documents and 2 file resources: no problems"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("= ") && l.ends_with(": ok")),
        "--verbose gives the items found ok a line: {out}"
    );
    assert!(
        out.contains(&format!(
            "i {shown} \"Annual report\": on dashboards: shown on 1 dashboard: Malaria"
        )),
        "{out}"
    );
}

#[test]
fn every_class_of_fault_is_found_and_named_and_the_exit_is_1() {
    let server = Server::start("2.42.4", false);
    let (fine, _) = file_document(&server, "Fine", b"%PDF fine");
    // Bytes lost: PENDING for days. Still storing: PENDING for a minute, no problem.
    let lost_fr = server.seed(
        SeedFileResource::new("lost.pdf", "application/pdf", b"lost".to_vec())
            .stored(false)
            .created(days_ago(3)),
    );
    let lost = server
        .emulator
        .seed_document(SeedDocument::file("Lost bytes", &lost_fr));
    let storing_fr = server
        .seed(SeedFileResource::new("new.pdf", "application/pdf", b"new".to_vec()).stored(false));
    let storing = server
        .emulator
        .seed_document(SeedDocument::file("Just uploaded", &storing_fr));
    // A document pointing at no file resource.
    let dangling = server
        .emulator
        .seed_document(SeedDocument::file("Dangling", "NoSuchFr001"));
    // Orphans: one past DHIS2's 2-day grace, one inside it.
    let old_orphan = server.seed(
        SeedFileResource::new("old-orphan.pdf", "application/pdf", b"old".to_vec())
            .created(days_ago(3)),
    );
    let young_orphan = server.seed(SeedFileResource::new(
        "young-orphan.pdf",
        "application/pdf",
        b"young".to_vec(),
    ));
    // A link DHIS2 refuses today (a trailing dot, E4004).
    let refused = server.emulator.seed_document(SeedDocument::link(
        "Old link",
        "https://example.org/report.",
    ));

    let output = server.run(&["check"]);
    assert_eq!(code(&output), 1, "{}", stdout(&output));
    let (found, out) = problems(&output);
    let expected: BTreeSet<String> = [&lost, &dangling, &old_orphan, &young_orphan, &refused]
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(found, expected, "{out}");
    assert!(!out.contains(&fine), "a fine document has no line: {out}");
    assert!(
        out.contains(&format!("{lost_fr} reads PENDING 3 days after its upload")),
        "{out}"
    );
    assert!(
        out.contains(&format!("i {storing} \"Just uploaded\": still storing")),
        "{out}"
    );
    assert!(
        out.contains("its file resource NoSuchFr001 does not exist (any metadata import of it fails with E4015)"),
        "{out}"
    );
    assert!(
        out.contains("DHIS2's daily cleanup job deletes it at its next run"),
        "{out}"
    );
    assert!(
        out.contains("DHIS2's cleanup job deletes it in about"),
        "{out}"
    );
    assert!(
        out.contains("refused link: DHIS2 refuses this URL today (E4004)"),
        "{out}"
    );
    assert!(out.contains("what to do: "), "{out}");
    assert!(
        out.contains("checked 5 documents and 5 file resources: 5 with problems"),
        "{out}"
    );
}

#[test]
fn reads_cost_one_list_request_per_page_and_one_plain_read_per_file() {
    let server = Server::start("2.42", false);
    for i in 0..5 {
        file_document(
            &server,
            &format!("Report {i}"),
            format!("bytes {i}").as_bytes(),
        );
    }
    let before = server.emulator.requests().len();
    succeed(server.run(&["check"]));
    let requests = server.emulator.requests();
    let reads: Vec<_> = requests[before..]
        .iter()
        .filter(|r| r.path.starts_with("/api/fileResources/"))
        .collect();
    assert_eq!(reads.len(), 5, "one plain read per file: {reads:?}");
    assert!(
        reads
            .iter()
            .all(|r| r.method == "GET" && r.query.as_deref().is_none_or(str::is_empty))
    );
    assert!(
        requests.iter().all(|r| r.method == "GET"),
        "a check only reads"
    );
}

#[test]
fn a_version_that_keeps_orphans_says_so_and_one_that_lists_none_cannot_find_them() {
    let kept = Server::start("2.41.0", false);
    kept.seed(
        SeedFileResource::new("orphan.pdf", "application/pdf", b"orphan".to_vec())
            .created(days_ago(30)),
    );
    let out = stdout(&kept.run(&["check"]));
    assert!(out.contains("DHIS2 2.41.0 keeps it for ever"), "{out}");

    let unlisted = Server::start("2.40", false);
    unlisted.seed(SeedFileResource::new(
        "orphan.pdf",
        "application/pdf",
        b"x".to_vec(),
    ));
    let output = unlisted.run(&["check"]);
    let notes = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(code(&output), 0, "{notes}");
    assert!(
        notes.contains("cannot list file resources (2.41 can)"),
        "{notes}"
    );
}

#[test]
fn against_a_backup_it_finds_what_differs_and_what_only_one_side_has() {
    let server = Server::start("2.42", false);
    let (same, _) = file_document(&server, "Same", b"same bytes");
    let (edited, _) = file_document(&server, "Edited", b"edited bytes");
    let (removed, _) = file_document(&server, "Removed", b"removed bytes");
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().to_str().unwrap();
    succeed(server.run(&["backup", dir]));
    let clean = server.run(&["check", "--against", dir]);
    assert_eq!(code(&clean), 0, "{}", stdout(&clean));

    // Since the backup: one document renamed, one deleted, one added; and the backup's
    // record of another's MD5 is no longer the server's.
    let client = common::admin(&server.emulator);
    server
        .runtime
        .block_on(client.delete_document(&removed))
        .unwrap();
    let (added, _) = file_document(&server, "Added", b"added bytes");
    let path = backup.path().join(d2files::ops::backup::MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited_text = text.replacen("\"Edited\"", "\"Edited before\"", 1);
    assert_ne!(edited_text, text);
    std::fs::write(&path, edited_text).unwrap();

    let output = server.run(&["check", "--against", dir]);
    assert_eq!(code(&output), 1);
    let out = stdout(&output);
    assert!(
        out.contains(&format!("! {edited} \"Edited\": mismatch: named \"Edited\" here, \"Edited before\" in the backup")),
        "{out}"
    );
    assert!(
        out.contains(&format!("+ {added} \"Added\": only on the server")),
        "{out}"
    );
    assert!(
        out.contains(&format!("- {removed} \"Removed\": only in the backup")),
        "{out}"
    );
    assert!(!out.contains(&format!("{same} ")), "{out}");
}

#[test]
fn a_backup_folder_is_verified_offline_against_its_manifest() {
    let server = Server::start("2.42", false);
    file_document(&server, "Kept", b"kept bytes");
    file_document(&server, "Damaged", b"damaged bytes");
    file_document(&server, "Lost", b"lost bytes");
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().to_str().unwrap();
    succeed(server.run(&["backup", dir]));
    let before = server.emulator.requests().len();
    let clean = server.run(&["check", dir]);
    assert_eq!(code(&clean), 0, "{}", stdout(&clean));
    assert!(stdout(&clean).contains("checked 3 backup files: no problems"));

    let files = backup.path().join("files");
    std::fs::write(files.join("Damaged.pdf"), b"DAMAGED bytes").unwrap();
    std::fs::remove_file(files.join("Lost.pdf")).unwrap();
    let output = server.run(&["check", dir]);
    assert_eq!(code(&output), 1);
    let out = stdout(&output);
    assert!(
        out.contains("\"files/Damaged.pdf\": mismatch: MD5 "),
        "{out}"
    );
    assert!(
        out.contains("\"files/Lost.pdf\": missing bytes: the file is not in the backup"),
        "{out}"
    );
    assert_eq!(
        server.emulator.requests().len(),
        before,
        "no server is asked"
    );

    let refused = server.run(&["check", dir, "--url", &server.emulator.base_url()]);
    assert_eq!(code(&refused), 2);
}

#[test]
fn json_lines_carry_every_item_then_the_summary() {
    let server = Server::start("2.42", false);
    file_document(&server, "Fine", b"fine");
    let dangling = server
        .emulator
        .seed_document(SeedDocument::file("Dangling", "NoSuchFr001"));
    let output = server.run(&["check", "--json"]);
    assert_eq!(code(&output), 1);
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let (summary, items) = lines.split_last().unwrap();
    assert_eq!(items.len(), 3, "two documents and one file resource");
    let found = items
        .iter()
        .find(|i| i["uid"] == dangling.as_str())
        .unwrap();
    assert_eq!(found["status"], "dangling");
    assert_eq!(found["findings"][0]["class"], "dangling");
    assert_eq!(summary["summary"]["problems"], 1);
    assert_eq!(summary["summary"]["counts"]["dangling"], 1);
}

#[test]
fn a_check_that_cannot_run_exits_2() {
    let server = Server::start("2.42", false);
    let bad_filter = server.run(&["check", "--filter", "name"]);
    assert_eq!(code(&bad_filter), 2);
    let no_backup = tempfile::tempdir().unwrap();
    let offline = server.run(&["check", no_backup.path().to_str().unwrap()]);
    assert_eq!(code(&offline), 2);
    assert!(String::from_utf8_lossy(&offline.stderr).contains("holds no d2files backup"));
    let mut unreachable = common::d2files(server.home.path());
    unreachable.args(["check", "--url", "http://127.0.0.1:9"]);
    unreachable
        .env("DHIS2_USERNAME", "admin")
        .env("DHIS2_PASSWORD", "district");
    assert_eq!(code(&unreachable.output().unwrap()), 2);
}

#[test]
fn the_demo_checks_with_exactly_its_deliberate_faults() {
    let server = Server::start("2.41.7", true);
    let output = server.run(&["check"]);
    assert_eq!(code(&output), 1);
    let (found, out) = problems(&output);
    // The demo's pending upload, and the three file resources no document points at.
    let expected: BTreeSet<String> = ["tSSz1kh5X1w", "EzQyhCLaFll", "S0pma28jdq6", "Wxsrr8gF75X"]
        .into_iter()
        .map(str::to_string)
        .collect();
    assert_eq!(found, expected, "{out}");
}

#[test]
fn ctrl_c_stops_a_check_with_a_line_and_status_130() {
    let server = Server::start("2.42", false);
    let (_, stalls) = file_document(&server, "A stalls", b"%PDF a");
    file_document(&server, "B waits", b"%PDF b");
    // The first file resource read never finishes: the check is at it when Ctrl-C comes.
    let stalled = format!("/api/fileResources/{stalls}");
    server.emulator.faults().stall_after_bytes(1, &stalled);
    let mut command =
        pty_support::d2files_as_admin(server.home.path(), &server.emulator.base_url());
    command.args(["check", "--jobs", "1"]);
    let mut run = pty_support::Pty::spawn(command, 100);
    common::pty::wait_until("the stalling read to start", || {
        common::count(&server.emulator, "GET", &stalled) == 1
    });
    run.send(b"\x03");
    let (code, output) = run.finish();
    assert_eq!(code, 130, "{output}");
    assert!(
        output.contains("interrupted by Ctrl-C: the check stopped after 0 of 2 reads"),
        "{output}"
    );
}

#[test]
fn with_links_each_link_is_asked_without_our_credentials_and_dead_ones_are_named() {
    let server = Server::start("2.42", false);
    let host = server
        .runtime
        .block_on(common::hostile::serve(|request, mut conn| async move {
            match request.path() {
                "/ok" => {
                    let _ = conn.head(200, &[("Content-Length", "10")]).await;
                }
                "/moved" => {
                    let _ = conn
                        .head(
                            301,
                            &[
                                ("Location", "https://elsewhere.example/"),
                                ("Content-Length", "0"),
                            ],
                        )
                        .await;
                }
                _ => conn.respond(404, "text/plain", b"gone").await,
            }
        }));
    let base = host.base_url();
    let seed = |name: &str, path: &str| {
        server
            .emulator
            .seed_document(SeedDocument::link(name, &format!("{base}{path}")))
    };
    let ok = seed("Answers", "/ok");
    let gone = seed("Gone", "/gone");
    let moved = seed("Moved", "/moved");
    // A port nothing listens on (the emulator's own would answer).
    let refused = server
        .emulator
        .seed_document(SeedDocument::link("Refused", "http://127.0.0.1:9/"));

    let without = server.run(&["check"]);
    assert_eq!(code(&without), 0, "no link is asked without --links");
    assert_eq!(host.seen().len(), 0);

    let output = server.run(&["check", "--links"]);
    assert_eq!(code(&output), 1);
    let (found, out) = problems(&output);
    let expected: BTreeSet<String> = [&gone, &refused].into_iter().cloned().collect();
    assert_eq!(found, expected, "{out}");
    assert!(
        out.contains("dead link: the link answers with an error: HTTP 404"),
        "{out}"
    );
    assert!(
        out.contains("no answer: the connection was refused"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "i {moved} \"Moved\": link goes elsewhere: redirects to elsewhere.example"
        )),
        "{out}"
    );
    assert!(!out.contains(&ok), "{out}");
    let seen = host.seen();
    assert_eq!(seen.len(), 3, "one HEAD per link on this host: {seen:?}");
    for request in &seen {
        assert_eq!(request.method, "HEAD");
        for header in ["authorization", "cookie", "proxy-authorization"] {
            assert!(
                request.header(header).is_none(),
                "{header} sent to a link host"
            );
        }
    }
}

#[test]
fn with_data_a_file_whose_store_lost_its_bytes_is_found_although_it_reads_stored() {
    let server = Server::start("2.42", false);
    let (fine, _) = file_document(&server, "Fine", b"%PDF fine");
    let (emptied, emptied_fr) = file_document(&server, "Emptied", b"%PDF emptied");
    let (gone, gone_fr) = file_document(&server, "Gone", b"%PDF gone");
    assert!(
        server
            .emulator
            .lose_bytes(&emptied_fr, LostBytes::Empty)
            .unwrap()
    );
    assert!(
        server
            .emulator
            .lose_bytes(&gone_fr, LostBytes::Gone)
            .unwrap()
    );

    // Without --data, only the one whose status says so (PENDING) is found.
    let (plain, out) = problems(&server.run(&["check", "--pending-minutes", "0"]));
    assert_eq!(plain, BTreeSet::from([gone.clone()]), "{out}");

    let output = server.run(&["check", "--data", "--pending-minutes", "0"]);
    let (found, out) = problems(&output);
    assert_eq!(
        found,
        BTreeSet::from([emptied.clone(), gone.clone()]),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{emptied_fr} records 12 B but /data serves an empty file"
        )),
        "{out}"
    );
    assert!(!out.contains(&fine), "{out}");
}
