//! `d2files restore DIR` and `d2files copy --from A --to B` as a user types them: a backup of one emulator re-created in another,
//! checked object by object (uids, names, bytes, sharing), on a server that keeps file resource
//! uids and on 2.38, which does not; what is there already; a dry run.
mod common;
mod pty_support;

use std::collections::BTreeMap;

use common::cli_server::{Server, fail, stdout, succeed, write_profiles};
use d2files::api::{Access, Client, Sharing};
use d2files::emulator::{SeedDocument, SeedFileResource, VIEWERS_GROUP_ID};

/// Everything a restore must carry over for one document, as a server reports it.
#[derive(Debug, PartialEq)]
struct Seen {
    name: String,
    external: bool,
    /// A link's URL; for a file, `None` (its file resource uid is compared apart).
    link: Option<String>,
    md5: Option<String>,
    sharing: Sharing,
}

/// Every document of `server`, by uid, with its bytes' MD5 and its sharing.
fn documents_of(server: &Server) -> (BTreeMap<String, Seen>, BTreeMap<String, String>) {
    let client: Client = common::admin(&server.emulator);
    server.runtime.block_on(async {
        let all = client
            .list_all_documents(&d2files::api::ListQuery::new(), 10_000)
            .await
            .unwrap();
        let mut seen = BTreeMap::new();
        let mut file_resources = BTreeMap::new();
        for document in all.items {
            let md5 = match document.file_resource_uid().filter(|_| !document.external) {
                Some(fr) => {
                    file_resources.insert(document.id.clone(), fr.to_string());
                    client.get_file_resource(fr).await.unwrap().content_md5
                }
                None => None,
            };
            let sharing = client.document_sharing(&document.id).await.unwrap();
            let entry = Seen {
                name: document.title().to_string(),
                external: document.external,
                link: document
                    .external
                    .then(|| document.url.clone().unwrap_or_default()),
                md5,
                sharing,
            };
            seen.insert(document.id.clone(), entry);
        }
        (seen, file_resources)
    })
}

/// A source with files, a link and sharing beyond the default.
fn source(version: &str) -> Server {
    let server = Server::start(version, false);
    for i in 0..3 {
        let fr = server.seed(SeedFileResource::new(
            &format!("report-{i}.pdf"),
            "application/pdf",
            format!("%PDF report {i}").into_bytes(),
        ));
        server
            .emulator
            .seed_document(SeedDocument::file(&format!("Report {i}"), &fr));
    }
    server
        .emulator
        .seed_document(SeedDocument::link("Academy", "https://dhis2.org/academy/"));
    let shared = server
        .emulator
        .seed_document(SeedDocument::link("Shared link", "https://dhis2.org/"));
    let client = common::admin(&server.emulator);
    let sharing = Sharing {
        external_access: None,
        public_access: "--------".into(),
        user_group_accesses: vec![Access {
            id: VIEWERS_GROUP_ID.into(),
            access: "r-------".into(),
        }],
        user_accesses: Vec::new(),
    };
    server
        .runtime
        .block_on(client.set_document_sharing(&shared, &sharing))
        .unwrap();
    server
}

#[test]
fn a_restored_backup_has_the_same_documents_uids_names_bytes_and_sharing() {
    let from = source("2.41");
    let into = Server::start("2.42", false);
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().to_str().unwrap();
    succeed(from.run(&["backup", dir]));

    // A dry run plans and sends nothing that changes the server.
    let plan = stdout(&succeed(into.run(&["restore", dir, "--dry-run"])));
    assert!(plan.contains("plan: 5 to restore of 5"), "{plan}");
    assert!(
        into.emulator.requests().iter().all(|r| r.method == "GET"),
        "a dry run only reads"
    );

    let out = stdout(&succeed(into.run(&["restore", dir])));
    assert!(out.contains("restored 5 of 5"), "{out}");
    let (before, before_files) = documents_of(&from);
    let (after, after_files) = documents_of(&into);
    assert_eq!(after, before);
    // 2.39+ keeps the file resources' uids too.
    assert_eq!(after_files, before_files);

    // Again: everything is there, the same, and skipped.
    let again = stdout(&succeed(into.run(&["restore", dir])));
    assert!(again.contains("restored 0 of 5; 5 skipped"), "{again}");
}

#[test]
fn on_2_38_the_file_resources_get_new_uids_and_the_documents_keep_theirs() {
    let from = source("2.41");
    let into = Server::start("2.38", false);
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().to_str().unwrap();
    succeed(from.run(&["backup", dir]));
    let plan = stdout(&succeed(into.run(&["restore", dir, "--dry-run"])));
    assert!(plan.contains("cannot keep file resource uids"), "{plan}");
    assert!(plan.contains("with a new file resource"), "{plan}");
    succeed(into.run(&["restore", dir]));
    let (before, before_files) = documents_of(&from);
    let (after, after_files) = documents_of(&into);
    assert_eq!(after, before, "same uids, names, bytes and sharing");
    assert_eq!(after_files.len(), before_files.len());
    for (document, fr) in &after_files {
        assert_ne!(Some(fr), before_files.get(document), "2.38 made a new uid");
    }
    // Again: the files are known by their bytes, whatever uid 2.38 gave them.
    let again = stdout(&succeed(into.run(&["restore", dir])));
    assert!(again.contains("restored 0 of 5; 5 skipped"), "{again}");
}

#[test]
fn what_is_on_the_server_with_other_content_is_reported_and_left_alone() {
    let from = source("2.41");
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().to_str().unwrap();
    succeed(from.run(&["backup", dir]));
    let manifest = d2files::ops::backup::Manifest::read(backup.path())
        .unwrap()
        .unwrap();
    let link = manifest
        .documents
        .iter()
        .find(|d| d.name == "Academy")
        .unwrap();
    let file = manifest
        .documents
        .iter()
        .find(|d| d.name == "Report 0")
        .unwrap();

    let into = Server::start("2.41", false);
    // The link's uid holds another document there; one copy in the backup is damaged.
    into.emulator
        .seed_document(SeedDocument::link("Something else", "https://example.org/").id(&link.id));
    let damaged = backup.path().join(file.file.as_deref().unwrap());
    std::fs::write(&damaged, b"short").unwrap();

    let output = into.run(&["restore", dir]);
    let message = fail(output.clone());
    assert!(message.contains("2 of 5 failed"), "{message}");
    let out = stdout(&output);
    assert!(
        out.contains(
            "a document with this uid is on the server with other content (\"Something else\""
        ),
        "{out}"
    );
    assert!(
        out.contains("is missing or not the size it recorded"),
        "{out}"
    );
    assert!(out.contains("restored 3 of 5"), "{out}");
    let client = common::admin(&into.emulator);
    let kept = into
        .runtime
        .block_on(client.get_document(&link.id))
        .unwrap();
    assert_eq!(kept.title(), "Something else");
    assert!(
        into.runtime
            .block_on(client.get_document(&file.id))
            .is_err()
    );
}

#[test]
fn a_file_resource_already_on_the_server_is_reused_when_it_holds_the_bytes_and_refused_otherwise() {
    let from = source("2.41");
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().to_str().unwrap();
    succeed(from.run(&["backup", dir]));
    let manifest = d2files::ops::backup::Manifest::read(backup.path())
        .unwrap()
        .unwrap();
    let fr_of = |name: &str| {
        let document = manifest.documents.iter().find(|d| d.name == name).unwrap();
        manifest
            .file_resource(document.url.as_deref().unwrap())
            .unwrap()
            .clone()
    };
    let (same, other, taken) = (fr_of("Report 0"), fr_of("Report 1"), fr_of("Report 2"));

    // 2.41.6+ shows whether a file resource is assigned.
    let into = Server::start("2.41.7", false);
    // The same bytes under the same uid, linked to nothing (an earlier restore stopped after
    // its upload): reused. Other bytes under a uid: refused. The same bytes, but another
    // document's already: refused before DHIS2 would answer E4016.
    into.seed(
        SeedFileResource::new("report-0.pdf", "application/pdf", b"%PDF report 0".to_vec())
            .id(&same.id),
    );
    into.seed(
        SeedFileResource::new("report-1.pdf", "application/pdf", b"other".to_vec()).id(&other.id),
    );
    into.seed(
        SeedFileResource::new("report-2.pdf", "application/pdf", b"%PDF report 2".to_vec())
            .id(&taken.id)
            .assigned(true),
    );
    let plan = stdout(&succeed(into.run(&["restore", dir, "--dry-run"])));
    assert!(
        plan.contains(&format!("on file resource {}, there already", same.id)),
        "{plan}"
    );
    assert!(
        plan.contains(&format!(
            "file resource {} is on the server already with other bytes",
            other.id
        )),
        "{plan}"
    );
    assert!(
        plan.contains("belongs to another document (DHIS2 would answer E4016)"),
        "{plan}"
    );

    let uploads = || common::count(&into.emulator, "POST", "/api/fileResources");
    let output = into.run(&["restore", dir]);
    let message = fail(output.clone());
    assert!(message.contains("2 of 5 failed"), "{message}");
    assert_eq!(
        uploads(),
        0,
        "the reused file resource is not uploaded again"
    );
    let client = common::admin(&into.emulator);
    let restored = manifest
        .documents
        .iter()
        .find(|d| d.name == "Report 0")
        .unwrap();
    let document = into
        .runtime
        .block_on(client.get_document(&restored.id))
        .unwrap();
    assert_eq!(document.url.as_deref(), Some(same.id.as_str()));
}

#[test]
fn an_edited_manifest_cannot_make_a_restore_read_or_a_backup_write_outside_the_backup() {
    let from = source("2.41");
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().join("b");
    let dir_text = dir.to_str().unwrap();
    succeed(from.run(&["backup", dir_text]));
    let secret = backup.path().join("secret.txt");
    std::fs::write(&secret, b"%PDF report 0").unwrap();
    // Point one entry at a file outside the backup, of the recorded size.
    let path = dir.join(d2files::ops::backup::MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replace("\"files/report-0.pdf\"", "\"../secret.txt\"");
    assert_ne!(edited, text);
    std::fs::write(&path, edited).unwrap();

    let into = Server::start("2.41", false);
    let output = into.run(&["restore", dir_text]);
    fail(output.clone());
    assert!(
        stdout(&output).contains("which is not a file of the backup"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        common::count(&into.emulator, "POST", "/api/fileResources"),
        2
    );

    // A backup run fetches the document again under a name of its own, inside.
    succeed(from.run(&["backup", dir_text]));
    assert_eq!(std::fs::read(&secret).unwrap(), b"%PDF report 0");
    let saved = d2files::ops::backup::Manifest::read(&dir).unwrap().unwrap();
    assert!(
        saved
            .file_resources
            .iter()
            .all(|fr| fr.file.starts_with("files/"))
    );
}

#[test]
fn a_copy_between_servers_gives_the_same_documents_uids_names_bytes_and_sharing() {
    let from = source("2.41");
    let into = Server::start("2.42", false);
    let home = test_and_prod(&from, &into);
    let copy = |extra: &[&str]| {
        let mut command = common::d2files(home.path());
        command
            .args(["copy", "--from", "test", "--to", "prod"])
            .args(extra);
        command.output().unwrap()
    };
    let plan = stdout(&succeed(copy(&["--dry-run"])));
    assert!(plan.contains("plan: 5 to copy of 5"), "{plan}");
    assert!(into.emulator.requests().iter().all(|r| r.method == "GET"));

    let out = stdout(&succeed(copy(&[])));
    assert!(out.contains("copied 5 of 5"), "{out}");
    let (before, before_files) = documents_of(&from);
    let (after, after_files) = documents_of(&into);
    assert_eq!(after, before);
    assert_eq!(after_files, before_files);
    // Nothing went through a file: no download of the source's document data.
    assert_eq!(common::count(&from.emulator, "GET", "/api/documents/"), 0);
    let again = stdout(&succeed(copy(&[])));
    assert!(again.contains("copied 0 of 5; 5 skipped"), "{again}");
}

#[test]
fn with_replace_every_conflict_is_replaced_uids_kept_and_what_stays_is_named() {
    let from = source("2.41");
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().to_str().unwrap();
    succeed(from.run(&["backup", dir]));
    let manifest = d2files::ops::backup::Manifest::read(backup.path())
        .unwrap()
        .unwrap();
    let document = |name: &str| {
        manifest
            .documents
            .iter()
            .find(|d| d.name == name)
            .unwrap()
            .clone()
    };
    let fr_of = |name: &str| document(name).url.unwrap();

    let into = Server::start("2.41.7", false);
    // Every kind of conflict: the link's uid holds another link; Report 0's uid another file
    // document with other bytes; Report 1's file uid other bytes, linked to nothing; Report
    // 2's file uid another document's file.
    into.emulator.seed_document(
        SeedDocument::link("Something else", "https://example.org/").id(&document("Academy").id),
    );
    let old_file = into.seed(SeedFileResource::new(
        "old.pdf",
        "application/pdf",
        b"old bytes".to_vec(),
    ));
    into.emulator
        .seed_document(SeedDocument::file("Old report", &old_file).id(&document("Report 0").id));
    into.seed(
        SeedFileResource::new("other.pdf", "application/pdf", b"other".to_vec())
            .id(&fr_of("Report 1")),
    );
    into.seed(
        SeedFileResource::new("theirs.pdf", "application/pdf", b"theirs".to_vec())
            .id(&fr_of("Report 2")),
    );
    let theirs = into
        .emulator
        .seed_document(SeedDocument::file("Their file", &fr_of("Report 2")));

    let kept = fail(into.run(&["restore", dir]));
    assert!(kept.contains("4 of 5 failed"), "{kept}");
    let plan = stdout(&succeed(into.run(&[
        "restore",
        dir,
        "--replace",
        "--dry-run",
    ])));
    assert!(plan.contains("plan: 4 to restore of 5"), "{plan}");
    assert!(plan.contains("(there now: \"Something else\")"), "{plan}");
    assert!(plan.contains("(there now: \"Old report\")"), "{plan}");
    assert!(
        plan.contains("with a new file resource (file resource"),
        "{plan}"
    );

    let output = into.run(&["restore", dir, "--replace"]);
    let out = stdout(&succeed(output.clone()));
    assert!(out.contains("restored 4 of 5 (39 B); 1 skipped"), "{out}");
    let notes = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        notes.contains(&format!("showed file resources {old_file} before")),
        "{notes}"
    );
    let (before, _) = documents_of(&from);
    let (mut after, files) = documents_of(&into);
    let their_file = files.get(&theirs).cloned();
    after.remove(&theirs);
    assert_eq!(after, before, "same uids, names, bytes and sharing");
    // The other document still shows its own file.
    assert_eq!(their_file, Some(fr_of("Report 2")));
    let again = stdout(&succeed(into.run(&["restore", dir])));
    assert!(again.contains("restored 0 of 5; 5 skipped"), "{again}");
}

#[test]
fn restore_to_names_the_target_by_profile() {
    let from = source("2.41");
    let into = Server::start("2.42", false);
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().to_str().unwrap();
    succeed(from.run(&["backup", dir]));
    let home = test_and_prod(&from, &into);
    let restore = |extra: &[&str]| {
        let mut command = common::d2files(home.path());
        command.args(["restore", dir]).args(extra);
        command.output().unwrap()
    };
    let twice = fail(restore(&["--to", "prod", "--profile", "prod"]));
    assert!(twice.contains("cannot be used with '--to'"), "{twice}");
    let unknown = fail(restore(&["--to", "nowhere"]));
    assert!(unknown.contains("nowhere"), "{unknown}");
    let out = stdout(&succeed(restore(&["--to", "prod"])));
    assert!(out.contains("restored 5 of 5"), "{out}");
}

/// A home whose profiles `test` and `prod` are `from` and `into`, as admin.
fn test_and_prod(from: &Server, into: &Server) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let profile = |name: &str, url: &str| {
        format!(
            "[profiles.{name}]\nbase_url = \"{url}\"\nauth = \"basic\"\nusername = \"admin\"\n\
             password = \"district\"\n"
        )
    };
    write_profiles(
        home.path(),
        &format!(
            "{}{}",
            profile("test", &from.emulator.base_url()),
            profile("prod", &into.emulator.base_url())
        ),
    );
    home
}

#[test]
fn a_copy_stopped_by_ctrl_c_leaves_nothing_half_made_and_the_next_run_finishes_it() {
    let from = Server::start("2.41", false);
    let mut stalls = String::new();
    for (name, bytes) in [
        ("A small one", b"%PDF small".to_vec()),
        ("B stalls", common::bytes(64 << 10)),
        ("C waits", b"%PDF waits".to_vec()),
    ] {
        let fr = from.seed(SeedFileResource::new(
            &format!("{name}.pdf"),
            "application/pdf",
            bytes,
        ));
        from.emulator.seed_document(SeedDocument::file(name, &fr));
        if name == "B stalls" {
            stalls = fr;
        }
    }
    let into = Server::start("2.42", false);
    let home = test_and_prod(&from, &into);
    // The second file stops coming halfway: the copy is still at it when Ctrl-C arrives.
    let stalled_data = format!("/api/fileResources/{stalls}/data");
    from.emulator
        .faults()
        .stall_after_bytes(4096, &stalled_data);
    let mut command = pty_support::d2files(home.path());
    command.args([
        "copy",
        "--from",
        "test",
        "--to",
        "prod",
        "--jobs",
        "1",
        "--verbose",
    ]);
    let mut run = pty_support::Pty::spawn(command, 100);
    run.wait_for("Restored document");
    common::pty::wait_until("the stalling read to start", || {
        common::count(&from.emulator, "GET", &stalled_data) == 1
    });
    run.send(b"\x03");
    let (code, output) = run.finish();
    assert_eq!(code, 130, "{output}");
    assert!(
        output.contains("interrupted by Ctrl-C: copied 1 of 3 (10 B); 2 not done (stopped)"),
        "{output}"
    );
    let (copied, _) = documents_of(&into);
    let names: Vec<&str> = copied.values().map(|seen| seen.name.as_str()).collect();
    assert_eq!(names, vec!["A small one"], "nothing half made");

    let mut again = common::d2files(home.path());
    again.args(["copy", "--from", "test", "--to", "prod"]);
    let out = stdout(&succeed(again.output().unwrap()));
    assert!(out.contains("copied 2 of 3"), "{out}");
    assert!(out.contains("1 skipped"), "{out}");
    assert_eq!(documents_of(&into).0, documents_of(&from).0);
}

#[test]
fn the_demo_server_backed_up_and_restored_into_an_empty_one_and_copied_is_the_same_object_by_object()
 {
    let demo = Server::start("2.41.7", true);
    let backup = tempfile::tempdir().unwrap();
    let dir = backup.path().to_str().unwrap();
    // The demo's one deliberate fault: an upload whose bytes never arrived, so not backed up.
    let message = fail(demo.run(&["backup", dir]));
    assert!(message.contains("1 of 30 failed"), "{message}");
    let pending = "tSSz1kh5X1w";
    let (mut expected, _) = documents_of(&demo);
    assert!(expected.remove(pending).is_some());

    let restored = Server::start("2.42", false);
    let out = stdout(&succeed(restored.run(&["restore", dir])));
    assert!(
        out.contains(&format!("restored {} of", expected.len())),
        "{out}"
    );
    assert_eq!(documents_of(&restored).0, expected, "restore");

    let copied = Server::start("2.42", false);
    let home = test_and_prod(&demo, &copied);
    let mut copy = common::d2files(home.path());
    copy.args(["copy", "--from", "test", "--to", "prod"]);
    let output = copy.output().unwrap();
    // The same pending upload cannot be copied either.
    let message = fail(output.clone());
    assert!(
        message.contains("1 of 49 failed"),
        "{message}: {}",
        stdout(&output)
    );
    assert_eq!(documents_of(&copied).0, expected, "copy");
}
