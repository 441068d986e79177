//! Batch commands end to end, as a user types them: several documents downloaded, deleted or
//! uploaded at once, against an emulator on 127.0.0.1.
mod common;
mod pty_support;

use std::path::Path;

use common::cli_server::{Server, fail, stdout, succeed};
use common::md5_hex;
use d2files::emulator::{FaultBody, FaultRule, SeedDashboard, SeedDocument, SeedFileResource};

/// A file document holding `bytes`, stored under the file name `file_name`.
fn file_document(server: &Server, name: &str, file_name: &str, bytes: &[u8]) -> String {
    let fr = server.seed(SeedFileResource::new(
        file_name,
        "application/pdf",
        bytes.to_vec(),
    ));
    server.emulator.seed_document(SeedDocument::file(name, &fr))
}

fn deletes(server: &Server) -> usize {
    common::count(&server.emulator, "DELETE", "/api/documents/")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_batch_download_saves_each_document_once_and_same_names_never_overwrite_each_other() {
    let server = Server::start("2.41", false);
    let first = file_document(&server, "Report A", "report.pdf", b"%PDF first");
    let second = file_document(&server, "Report B", "report.pdf", b"%PDF second");
    let link = server
        .emulator
        .seed_document(SeedDocument::link("A link", "https://dhis2.org"));
    let into = tempfile::tempdir().unwrap();
    let dir = into.path().to_str().unwrap();

    let output = server.run(&["documents", "download", &first, &second, &link, &first, dir]);
    let out = stdout(&succeed(output));
    assert_eq!(read(&into.path().join("report.pdf")), b"%PDF first");
    let suffixed = into.path().join(format!("report-{second}.pdf"));
    assert_eq!(read(&suffixed), b"%PDF second");
    assert_eq!(std::fs::read_dir(into.path()).unwrap().count(), 2);
    assert!(out.contains("an external link"), "{out}");
    assert!(
        out.trim_end()
            .ends_with("downloaded 2 of 3 (21 B); 1 skipped"),
        "{out}"
    );
    // One request per file once the metadata is read, a hundred documents at a time.
    assert_eq!(common::count(&server.emulator, "GET", "/data"), 2);

    // Run again: what is there with the same bytes is skipped, nothing is fetched.
    let again = stdout(&succeed(server.run(&[
        "documents",
        "download",
        &first,
        &second,
        dir,
    ])));
    assert!(again.contains("same MD5"), "{again}");
    assert!(again.contains("downloaded 0 of 2; 2 skipped"), "{again}");
    assert_eq!(common::count(&server.emulator, "GET", "/data"), 2);
}

#[test]
fn another_file_of_the_same_name_is_refused_in_a_script_unless_force_or_skip_existing() {
    let server = Server::start("2.41", false);
    let uid = file_document(&server, "Report", "report.pdf", b"%PDF server");
    let other = file_document(&server, "Other", "other.pdf", b"%PDF other");
    let into = tempfile::tempdir().unwrap();
    let dir = into.path().to_str().unwrap();
    let existing = into.path().join("report.pdf");
    std::fs::write(&existing, b"mine").unwrap();

    let output = server.run(&["documents", "download", &uid, &other, dir]);
    let message = fail(output.clone());
    assert!(message.contains("error: 1 of 2 failed"), "{message}");
    assert!(
        stdout(&output).contains("exists (--force replaces it, --skip-existing leaves it)"),
        "{}",
        stdout(&output)
    );
    assert_eq!(read(&existing), b"mine");
    assert_eq!(read(&into.path().join("other.pdf")), b"%PDF other");

    succeed(server.run(&[
        "documents",
        "download",
        &uid,
        &other,
        dir,
        "--skip-existing",
    ]));
    assert_eq!(read(&existing), b"mine");

    succeed(server.run(&["documents", "download", &uid, &other, dir, "--force"]));
    assert_eq!(read(&existing), b"%PDF server");
}

/// `d2files ARGS` in an 80-column pty, with this server in the DHIS2_* variables.
fn in_pty(server: &Server, args: &[&str]) -> pty_support::Pty {
    let mut command =
        pty_support::d2files_as_admin(server.home.path(), &server.emulator.base_url());
    command.args(args);
    pty_support::Pty::spawn(command, 80)
}

#[test]
fn on_a_terminal_each_conflict_is_asked_once_and_replace_all_answers_the_rest() {
    let server = Server::start("2.41", false);
    let a = file_document(&server, "A", "a.pdf", b"%PDF a");
    let b = file_document(&server, "B", "b.pdf", b"%PDF b");
    let c = file_document(&server, "C", "c.pdf", b"%PDF c");
    let into = server.home.path().join("into");
    std::fs::create_dir(&into).unwrap();
    for name in ["a.pdf", "b.pdf", "c.pdf"] {
        std::fs::write(into.join(name), b"mine").unwrap();
    }
    let dir = into.to_str().unwrap();

    let mut asked = in_pty(&server, &["documents", "download", &a, &b, &c, dir]);
    asked.wait_for("a.pdf exists: [r]eplace, [s]kip, replace [a]ll, skip a[l]l, [c]ancel?");
    asked.send(b"s\r");
    asked.wait_for("b.pdf exists");
    asked.send(b"a\r");
    let (code, output) = asked.finish();
    assert_eq!(code, 0, "{output}");
    assert!(!output.contains("c.pdf exists"), "asked once: {output}");
    assert_eq!(read(&into.join("a.pdf")), b"mine");
    assert_eq!(read(&into.join("b.pdf")), b"%PDF b");
    assert_eq!(read(&into.join("c.pdf")), b"%PDF c");

    // Cancel: nothing starts.
    let mut asked = in_pty(&server, &["documents", "download", &a, &b, dir]);
    asked.wait_for("a.pdf exists");
    asked.send(b"c\r");
    let (code, output) = asked.finish();
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("Nothing downloaded."), "{output}");
    assert_eq!(read(&into.join("a.pdf")), b"mine");
}

#[test]
fn a_dry_run_prints_the_plan_with_what_the_server_does_with_the_bytes_and_deletes_nothing() {
    for (version, words) in [
        ("2.40", "keeps the files' bytes for ever"),
        ("2.41.7", "deletes the files' bytes about 2 days later"),
    ] {
        let server = Server::start(version, false);
        let uid = file_document(&server, "Old report", "old.pdf", b"%PDF old");
        let plan = stdout(&succeed(server.run(&[
            "documents",
            "delete",
            &uid,
            "NoSuchDoc12",
            "--dry-run",
        ])));
        assert!(
            plan.contains(&format!(
                "delete {uid} \"Old report\" (8 B), on no dashboard"
            )),
            "{plan}"
        );
        assert!(
            plan.contains("cannot NoSuchDoc12: Document with id NoSuchDoc12"),
            "{plan}"
        );
        assert!(plan.contains("plan: 1 to delete of 2 (8 B)"), "{plan}");
        assert!(plan.contains(words), "{version}: {plan}");
        assert_eq!(deletes(&server), 0);
    }
}

#[test]
fn the_plan_of_a_delete_names_the_dashboards_and_the_items_dhis2_will_delete() {
    let server = Server::start("2.42", false);
    let shared = file_document(&server, "Shared", "shared.pdf", b"%PDF shared");
    let alone = file_document(&server, "Alone", "alone.pdf", b"%PDF alone");
    let other = file_document(&server, "Other", "other.pdf", b"%PDF other");
    server.emulator.seed_dashboard(
        SeedDashboard::new("Malaria")
            .documents(&[&shared, &other])
            .visualization(),
    );
    server
        .emulator
        .seed_dashboard(SeedDashboard::new("Overview").documents(&[&alone]));
    let plan = stdout(&succeed(server.run(&[
        "documents",
        "delete",
        &shared,
        &alone,
        "--dry-run",
    ])));
    assert!(
        plan.contains(&format!(
            "delete {shared} \"Shared\" (11 B), on dashboards: Malaria"
        )),
        "{plan}"
    );
    assert!(plan.contains("on dashboards: Overview"), "{plan}");
    assert!(
        plan.contains(
            "note: DHIS2 will take them off 2 dashboard items on 2 dashboards, and delete the 1 \
             item left empty (1 on Overview); the dashboards themselves stay"
        ),
        "{plan}"
    );
    assert_eq!(deletes(&server), 0);
}

#[test]
fn a_script_deletes_at_most_ten_without_max_delete() {
    let server = Server::start("2.41", false);
    let uids: Vec<String> = (0..12)
        .map(|i| {
            server.emulator.seed_document(SeedDocument::link(
                &format!("Batch {i}"),
                "https://dhis2.org",
            ))
        })
        .collect();
    let message = fail(server.run(&[
        "documents",
        "delete",
        "--filter",
        "name:like:Batch",
        "--all",
        "--yes",
    ]));
    assert!(
        message.contains("refusing to delete 12 documents, more than --max-delete 10"),
        "{message}"
    );
    assert_eq!(deletes(&server), 0);

    let message = fail(server.run(&[
        "documents",
        "delete",
        "--filter",
        "name:like:Batch",
        "--all",
        "--max-delete",
        "12",
    ]));
    assert!(message.contains("--yes"), "{message}");
    assert_eq!(deletes(&server), 0);

    let out = stdout(&succeed(server.run(&[
        "documents",
        "delete",
        "--filter",
        "name:like:Batch",
        "--all",
        "--yes",
        "--max-delete",
        "12",
    ])));
    assert!(out.contains("deleted 12 of 12"), "{out}");
    for uid in &uids {
        fail(server.run(&["documents", "get", uid]));
    }
}

#[test]
fn a_delete_refused_halfway_ends_in_a_summary_with_dhis2s_words() {
    let server = Server::start("2.41", false);
    let kept = server
        .emulator
        .seed_document(SeedDocument::link("Refused", "https://dhis2.org"));
    let gone = server
        .emulator
        .seed_document(SeedDocument::link("Deleted", "https://dhis2.org"));
    server.emulator.faults().fail_next(
        FaultRule::new(409)
            .method("DELETE")
            .path(&kept)
            .body(FaultBody::WebMessage),
    );
    let output = server.run(&["documents", "delete", &kept, &gone, "--yes", "--json"]);
    let message = fail(output.clone());
    assert!(message.contains("1 of 2 failed"), "{message}");
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON Lines"))
        .collect();
    assert_eq!(lines.len(), 3, "one object per item and a summary");
    let of = |uid: &str| {
        lines
            .iter()
            .find(|line| line["uid"] == uid)
            .unwrap_or_else(|| panic!("{uid} in {lines:?}"))
    };
    assert_eq!(of(&kept)["result"]["outcome"], "failed");
    let error = of(&kept)["result"]["error"].as_str().unwrap();
    assert!(error.contains("Emulated failure: Conflict"), "{error}");
    assert_eq!(of(&gone)["result"]["outcome"], "deleted");
    let summary = &lines[2]["summary"]["counts"];
    assert_eq!(
        (summary["done"].as_u64(), summary["failed"].as_u64()),
        (Some(1), Some(1))
    );
    succeed(server.run(&["documents", "get", &kept]));
    fail(server.run(&["documents", "get", &gone]));
}

#[test]
fn a_directory_uploads_its_files_and_lists_what_dhis2_would_refuse_before_sending() {
    let server = Server::start("2.41", false);
    let from = tempfile::tempdir().unwrap();
    std::fs::write(from.path().join("a.txt"), b"alpha").unwrap();
    std::fs::write(from.path().join("empty.txt"), b"").unwrap();
    std::fs::write(from.path().join("tool.exe"), b"MZ").unwrap();
    std::fs::write(from.path().join(".hidden"), b"x").unwrap();
    std::fs::create_dir(from.path().join("sub")).unwrap();
    std::fs::write(from.path().join("sub").join("b.txt"), b"beta").unwrap();
    let dir = from.path().to_str().unwrap();

    let plan = stdout(&succeed(server.run(&[
        "documents",
        "upload",
        dir,
        "--dry-run",
    ])));
    assert!(plan.contains("a.txt (5 B) as \"a.txt\""), "{plan}");
    assert!(
        plan.contains("empty.txt") && plan.contains("empty"),
        "{plan}"
    );
    assert!(plan.contains("File type not allowed"), "{plan}");
    assert!(plan.contains("a subdirectory, left out"), "{plan}");
    assert!(plan.contains("plan: 1 to upload of 5 (5 B)"), "{plan}");
    assert_eq!(
        common::count(&server.emulator, "POST", "/api/fileResources"),
        0
    );

    let output = server.run(&["documents", "upload", dir, "--recursive"]);
    let message = fail(output.clone());
    assert!(message.contains("2 of 5 failed"), "{message}");
    let out = stdout(&output);
    assert!(
        out.contains("uploaded 2 of 5 (9 B); 2 failed; 1 skipped"),
        "{out}"
    );
    // Only the uploadable files were sent.
    assert_eq!(
        common::count(&server.emulator, "POST", "/api/fileResources"),
        2
    );
    let listed = stdout(&succeed(server.run(&["documents", "list", "--json"])));
    assert!(
        listed.contains("\"a.txt\"") && listed.contains("\"b.txt\""),
        "{listed}"
    );
}

#[test]
fn ctrl_c_stops_a_batch_keeps_what_finished_and_says_what_was_not_done() {
    // One transfer at a time over a slow link: the small file ends first, the large ones run
    // long enough to be interrupted.
    let server = Server::start_with(|options| {
        options.version = common::version("2.41");
        options.seed_demo = false;
        options.link_rate = Some(64 * 1024);
    });
    let small = file_document(&server, "Small", "small.pdf", b"%PDF small");
    let large: Vec<String> = (0..2)
        .map(|i| {
            let bytes = common::bytes(4 << 20);
            file_document(
                &server,
                &format!("Large {i}"),
                &format!("large{i}.pdf"),
                &bytes,
            )
        })
        .collect();
    let into = server.home.path().join("into");
    std::fs::create_dir(&into).unwrap();
    let mut command =
        pty_support::d2files_as_admin(server.home.path(), &server.emulator.base_url());
    command.env("D2FILES_TRANSFERS", "1");
    command.args(["documents", "download", &small, &large[0], &large[1]]);
    command.arg(&into);
    let mut run = pty_support::Pty::spawn(command, 100);
    run.wait_for("Saved ");
    common::pty::wait_until("the first large download to start", || {
        common::count(
            &server.emulator,
            "GET",
            &format!("/api/documents/{}/data", large[0]),
        ) == 1
    });
    run.send(b"\x03");
    let (code, output) = run.finish();
    assert_eq!(code, 130, "{output}");
    assert!(
        output.contains("interrupted by Ctrl-C: downloaded 1 of 3 (10 B); 2 not done (stopped)"),
        "{output}"
    );
    let left: Vec<String> = std::fs::read_dir(&into)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["small.pdf".to_string()], "no partial file stays");
    assert_eq!(
        md5_hex(&read(&into.join("small.pdf"))),
        md5_hex(b"%PDF small")
    );
    assert!(!output.contains("panicked"), "{output}");
}

#[test]
fn a_filter_downloads_every_match_with_all_and_says_when_it_took_only_the_first_page() {
    let server = Server::start("2.41", false);
    for i in 0..3 {
        file_document(
            &server,
            &format!("Malaria {i}"),
            &format!("m{i}.pdf"),
            b"%PDF m",
        );
    }
    file_document(&server, "Budget", "budget.pdf", b"%PDF b");
    let into = tempfile::tempdir().unwrap();
    let dir = into.path().to_str().unwrap();
    let output = server.run(&[
        "documents",
        "download",
        "--filter",
        "name:like:Malaria",
        "--all",
        dir,
        "--json",
    ]);
    let out = stdout(&succeed(output));
    let last: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(last["summary"]["counts"]["done"], 3, "{out}");
    assert_eq!(std::fs::read_dir(into.path()).unwrap().count(), 3);
    assert!(!into.path().join("budget.pdf").exists());

    // Without --all: the first page, and a note saying more match.
    let again = tempfile::tempdir().unwrap();
    let many: Vec<String> = (0..52)
        .map(|i| {
            server.emulator.seed_document(SeedDocument::link(
                &format!("Many {i}"),
                "https://dhis2.org",
            ))
        })
        .collect();
    let output = server.run(&[
        "documents",
        "download",
        "--filter",
        "name:like:Many",
        again.path().to_str().unwrap(),
        "--dry-run",
    ]);
    let noted = String::from_utf8_lossy(&succeed(output.clone()).stderr).into_owned();
    assert!(
        noted.contains("52 documents match; this takes the first 50 (--all takes every one)"),
        "{noted}"
    );
    assert!(
        stdout(&output).contains("plan: 0 to download of 50"),
        "{}",
        stdout(&output)
    );
    assert_eq!(many.len(), 52);
}

#[test]
fn several_files_cannot_share_one_name_and_a_filter_takes_only_a_directory() {
    let server = Server::start("2.41", false);
    let from = tempfile::tempdir().unwrap();
    let a = common::write_file(from.path(), "a.txt", b"a");
    let b = common::write_file(from.path(), "b.txt", b"b");
    let message = fail(server.run(&[
        "documents",
        "upload",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--name",
        "Both",
    ]));
    assert!(message.contains("--name names one document"), "{message}");
    let message = fail(server.run(&[
        "documents",
        "download",
        "--filter",
        "name:like:x",
        "Abcdefghij1",
        "out",
    ]));
    assert!(
        message.contains("with --filter, give only the directory"),
        "{message}"
    );
    assert_eq!(common::count(&server.emulator, "POST", "/api/"), 0);
}
