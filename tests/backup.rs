//! `d2files backup DIR` as a user types it, against an emulator on 127.0.0.1: what the
//! directory holds, what a second run costs, what a stopped run resumes.
mod common;
mod pty_support;

use std::path::Path;

use common::cli_server::{Server, fail, stdout, succeed};
use common::md5_hex;
use d2files::emulator::{SeedDocument, SeedFileResource};
use d2files::ops::backup::{JOURNAL_FILE, MANIFEST_FILE, METADATA_FILE, Manifest};

fn file_document(server: &Server, name: &str, file_name: &str, bytes: &[u8]) -> (String, String) {
    let fr = server.seed(SeedFileResource::new(
        file_name,
        "application/pdf",
        bytes.to_vec(),
    ));
    let uid = server.emulator.seed_document(SeedDocument::file(name, &fr));
    (uid, fr)
}

fn manifest(dir: &Path) -> Manifest {
    Manifest::read(dir).unwrap().expect("a manifest")
}

fn data_requests(server: &Server) -> usize {
    common::count(&server.emulator, "GET", "/data")
}

#[test]
fn a_backup_holds_every_file_verified_and_a_manifest_of_every_document() {
    let server = Server::start("2.41", false);
    let (report, report_fr) = file_document(&server, "Report", "report.pdf", b"%PDF report");
    let (other, _) = file_document(&server, "Other report", "report.pdf", b"%PDF other");
    let link = server
        .emulator
        .seed_document(SeedDocument::link("Academy", "https://dhis2.org/academy/"));
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().join("nightly");

    let out = stdout(&succeed(server.run(&["backup", dir.to_str().unwrap()])));
    assert!(out.contains("backed up 2 of 2 (21 B)"), "{out}");
    let saved = manifest(&dir);
    assert_eq!(
        saved.server,
        server.emulator.base_url().trim_end_matches('/')
    );
    assert_eq!(saved.dhis2_version.as_deref(), Some("2.41.0"));
    let ids: Vec<&str> = saved.documents.iter().map(|d| d.id.as_str()).collect();
    let mut expected = vec![report.as_str(), other.as_str(), link.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    let report_entry = saved.documents.iter().find(|d| d.id == report).unwrap();
    assert_eq!(report_entry.url.as_deref(), Some(report_fr.as_str()));
    assert!(report_entry.sharing.is_some(), "sharing is recorded");
    let file = report_entry.file.as_deref().unwrap();
    assert_eq!(std::fs::read(dir.join(file)).unwrap(), b"%PDF report");
    let fr = saved.file_resource(&report_fr).unwrap();
    assert_eq!(
        fr.content_md5.as_deref(),
        Some(md5_hex(b"%PDF report").as_str())
    );
    // Same names never overwrite each other: one keeps it, the other has its uid added.
    let mut files: Vec<String> = [&report, &other]
        .iter()
        .map(|uid| {
            let entry = saved.documents.iter().find(|d| &&d.id == uid).unwrap();
            entry.file.clone().unwrap().replace(uid.as_str(), "UID")
        })
        .collect();
    files.sort();
    assert_eq!(files, ["files/report-UID.pdf", "files/report.pdf"]);
    let link_entry = saved.documents.iter().find(|d| d.id == link).unwrap();
    assert!(link_entry.external && link_entry.file.is_none());
    // DHIS2's own import format, for the documents.
    let metadata: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(METADATA_FILE)).unwrap()).unwrap();
    assert_eq!(metadata["documents"].as_array().unwrap().len(), 3);
    assert!(!dir.join(JOURNAL_FILE).exists());
    // The manifest never holds credentials.
    let text = std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap();
    assert!(!text.contains("district"), "{text}");
}

#[test]
fn a_second_run_lists_and_fetches_only_what_changed_and_keeps_what_the_server_lost() {
    let server = Server::start("2.41", false);
    let (kept, _) = file_document(&server, "Kept", "kept.pdf", b"%PDF kept");
    let (dropped, _) = file_document(&server, "Dropped", "dropped.pdf", b"%PDF dropped");
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().to_str().unwrap();
    succeed(server.run(&["backup", dir]));
    assert_eq!(data_requests(&server), 2);

    // Nothing changed: the documents list and nothing else from the backup itself.
    let before = server.emulator.requests().len();
    let output = succeed(server.run(&["backup", dir]));
    let asked: Vec<String> = server.emulator.requests()[before..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let lists = asked
        .iter()
        .filter(|r| r.starts_with("GET /api/documents"))
        .count();
    assert_eq!(lists, 1, "{asked:?}");
    assert!(
        asked
            .iter()
            .all(|r| !r.contains("/data") && !r.contains("fileResources")),
        "{asked:?}"
    );
    let noted = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        noted.contains("2 documents unchanged since the backup of"),
        "{noted}"
    );

    // One gone, one new: the new one is fetched, the gone one's file stays.
    succeed(server.run(&["documents", "delete", &dropped, "--yes"]));
    let (added, _) = file_document(&server, "Added", "added.pdf", b"%PDF added");
    let output = succeed(server.run(&["backup", dir]));
    assert!(
        stdout(&output).contains("backed up 1 of 1"),
        "{}",
        stdout(&output)
    );
    assert_eq!(data_requests(&server), 3);
    let saved = manifest(backup.path());
    let ids: Vec<&str> = saved.documents.iter().map(|d| d.id.as_str()).collect();
    assert!(
        ids.contains(&kept.as_str()) && ids.contains(&added.as_str()),
        "{ids:?}"
    );
    assert_eq!(saved.gone.len(), 1);
    assert_eq!(saved.gone[0].id, dropped);
    assert!(backup.path().join("files/dropped.pdf").exists());

    // --prune deletes what the server no longer has.
    let output = succeed(server.run(&["backup", dir, "--prune"]));
    let noted = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!backup.path().join("files/dropped.pdf").exists(), "{noted}");
    assert!(manifest(backup.path()).gone.is_empty());
    assert!(backup.path().join("files/kept.pdf").exists());
}

#[test]
fn a_dry_run_changes_nothing_and_a_filter_backs_up_a_subset() {
    let server = Server::start("2.41", false);
    file_document(&server, "Malaria 2024", "m24.pdf", b"%PDF 24");
    file_document(&server, "Budget", "budget.pdf", b"%PDF b");
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().join("b");
    let plan = stdout(&succeed(server.run(&[
        "backup",
        dir.to_str().unwrap(),
        "--dry-run",
    ])));
    assert!(plan.contains("plan: 2 to back up of 2"), "{plan}");
    assert_eq!(data_requests(&server), 0);
    assert!(!dir.join(MANIFEST_FILE).exists());

    succeed(server.run(&[
        "backup",
        dir.to_str().unwrap(),
        "--filter",
        "name:like:Malaria",
    ]));
    let saved = manifest(&dir);
    assert_eq!(saved.documents.len(), 1);
    assert_eq!(saved.documents[0].name, "Malaria 2024");
    let message = fail(server.run(&[
        "backup",
        dir.to_str().unwrap(),
        "--filter",
        "name:like:x",
        "--prune",
    ]));
    assert!(message.contains("cannot be used with"), "{message}");
}

#[test]
fn a_backup_stopped_by_ctrl_c_keeps_what_it_saved_and_the_next_run_resumes_after_it() {
    let server = Server::start("2.41", false);
    let (small, _) = file_document(&server, "A small one", "a-small.pdf", b"%PDF small");
    let (stalls, _) = file_document(
        &server,
        "B stalls",
        "b-stalls.pdf",
        &common::bytes(64 << 10),
    );
    file_document(&server, "C waits", "c-waits.pdf", b"%PDF waits");
    // The second file stops coming halfway: the run is still at it when Ctrl-C arrives.
    let stalled_data = format!("/api/documents/{stalls}/data");
    server
        .emulator
        .faults()
        .stall_after_bytes(4096, &stalled_data);
    let dir = server.home.path().join("backup");
    let mut command =
        pty_support::d2files_as_admin(server.home.path(), &server.emulator.base_url());
    // One at a time, in name order: the small file first, then the one that stalls.
    command.args(["backup", "--jobs", "1", "--verbose"]);
    command.arg(&dir);
    let mut run = pty_support::Pty::spawn(command, 100);
    run.wait_for("Saved ");
    common::pty::wait_until("the stalling download to start", || {
        common::count(&server.emulator, "GET", &stalled_data) == 1
    });
    run.send(b"\x03");
    let (code, output) = run.finish();
    assert_eq!(code, 130, "{output}");
    assert!(
        output.contains("interrupted by Ctrl-C: backed up 1 of 3 (10 B); 2 not done (stopped)"),
        "{output}"
    );
    let saved = manifest(&dir);
    assert_eq!(saved.documents.len(), 1, "{:?}", saved.documents);
    assert_eq!(saved.documents[0].id, small);
    let left: Vec<String> = std::fs::read_dir(dir.join("files"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["a-small.pdf".to_string()], "no part file stays");

    // The next run fetches the two it had not finished, not the one it had.
    let output = succeed(server.run(&["backup", dir.to_str().unwrap()]));
    assert!(
        stdout(&output).contains("backed up 2 of 2"),
        "{}",
        stdout(&output)
    );
    let small_data = format!("/api/documents/{small}/data");
    assert_eq!(common::count(&server.emulator, "GET", &small_data), 1);
    assert_eq!(manifest(&dir).documents.len(), 3);
}

#[test]
fn with_resources_a_backup_also_holds_the_file_resources_no_document_points_at() {
    let server = Server::start("2.41", false);
    file_document(&server, "Report", "report.pdf", b"%PDF report");
    let avatar = server.seed(
        SeedFileResource::new("avatar.png", "image/png", b"\x89PNG avatar".to_vec())
            .domain("USER_AVATAR"),
    );
    let value = server
        .seed(SeedFileResource::new("value.csv", "text/csv", b"a,b".to_vec()).domain("DATA_VALUE"));
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().to_str().unwrap();
    let out = stdout(&succeed(server.run(&[
        "backup",
        dir,
        "--resources",
        "--verbose",
    ])));
    assert!(
        out.contains("DHIS2 never serves DATA_VALUE file resources for download"),
        "{out}"
    );
    let saved = manifest(backup.path());
    let standalone = saved
        .file_resource(&avatar)
        .expect("the avatar is backed up");
    assert_eq!(
        std::fs::read(backup.path().join(&standalone.file)).unwrap(),
        b"\x89PNG avatar"
    );
    assert!(saved.file_resource(&value).is_none());
    assert_eq!(saved.documents.len(), 1);

    // Again: nothing fetched, and a run without --resources keeps what it saved.
    let before = data_requests(&server);
    succeed(server.run(&["backup", dir, "--resources"]));
    succeed(server.run(&["backup", dir]));
    assert_eq!(data_requests(&server), before);
    assert!(manifest(backup.path()).file_resource(&avatar).is_some());
}
