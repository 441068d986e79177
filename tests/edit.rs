//! `d2files documents rename` and `documents replace` as a user types them, on every version
//! of the matrix: the uid, name, file (by MD5) and sharing round-trip, whichever way the server
//! needs the update made (direct, the old partial PATCH, a fresh copy of the file); and each
//! step failing leaves the document as it was.
mod common;

use common::VERSIONS;
use common::cli_server::{Server, fail, stdout, succeed};
use d2files::api::{Access, Client, Document, Feature, Sharing, TransferOptions, WaitPolicy};
use d2files::emulator::{FaultRule, SeedDocument, SeedFileResource, VIEWERS_GROUP_ID};

/// Sharing beyond the default, which an update would reset.
fn custom_sharing() -> Sharing {
    Sharing {
        external_access: None,
        public_access: "--------".into(),
        user_group_accesses: vec![Access {
            id: VIEWERS_GROUP_ID.into(),
            access: "r-------".into(),
        }],
        user_accesses: Vec::new(),
    }
}

/// A file document with custom sharing; its uid.
fn shared_file(server: &Server, client: &Client, bytes: &[u8]) -> String {
    let fr = server.seed(SeedFileResource::new(
        "report.pdf",
        "application/pdf",
        bytes.to_vec(),
    ));
    let uid = server
        .emulator
        .seed_document(SeedDocument::file("Annual report", &fr));
    server
        .runtime
        .block_on(client.set_document_sharing(&uid, &custom_sharing()))
        .unwrap();
    uid
}

/// The document, its file's MD5 and its sharing, as the server has them now.
fn state(server: &Server, client: &Client, uid: &str) -> (Document, Option<String>, Sharing) {
    server.runtime.block_on(async {
        let document = client.get_document(uid).await.unwrap();
        let md5 = match document.file_resource_uid() {
            Some(fr) => client.get_file_resource(fr).await.unwrap().content_md5,
            None => None,
        };
        // External access (false on the versions that have it) is the API test's to check.
        let sharing = Sharing {
            external_access: None,
            ..client.document_sharing(uid).await.unwrap()
        };
        (document, md5, sharing)
    })
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_rename_keeps_the_uid_bytes_and_sharing_on_every_version() {
    for version in VERSIONS {
        let server = Server::start(version, false);
        let client = common::admin(&server.emulator);
        let uid = shared_file(&server, &client, b"%PDF the report");
        let (before, md5_before, sharing_before) = state(&server, &client, &uid);
        let out = stdout(&succeed(server.run(&[
            "documents",
            "rename",
            &uid,
            "Annual report (final)",
        ])));
        let (after, md5_after, sharing_after) = state(&server, &client, &uid);
        assert_eq!(after.title(), "Annual report (final)", "{version}");
        assert_eq!(md5_after, md5_before, "{version}: the same bytes");
        assert_eq!(sharing_after, sharing_before, "{version}: the same sharing");
        // The old partial PATCH exists up to 2.40; from 2.41 the update keeping the file is
        // E4016, on 2.43 and 2.44 too (dhis2-api.md §13.8).
        let keeps_file = common::supports(version, Feature::PartialUpdate);
        if keeps_file {
            assert_eq!(after.url, before.url, "{version}: {out}");
            assert!(
                out.contains("partial update, which keeps the file"),
                "{version}: {out}"
            );
        } else {
            assert_ne!(after.url, before.url, "{version}: {out}");
            assert!(
                out.contains("refuses an update that keeps the file (E4016)"),
                "{out}"
            );
            assert!(
                out.contains(&format!(
                    "the old file resource {} stays on the server",
                    before.url.as_deref().unwrap()
                )),
                "{out}"
            );
        }
    }
}

#[test]
fn a_link_is_renamed_by_one_update_and_keeps_its_sharing() {
    let server = Server::start("2.42", false);
    let client = common::admin(&server.emulator);
    let uid = server
        .emulator
        .seed_document(SeedDocument::link("Academy", "https://dhis2.org/academy/"));
    server
        .runtime
        .block_on(client.set_document_sharing(&uid, &custom_sharing()))
        .unwrap();
    let out = stdout(&succeed(server.run(&[
        "documents",
        "rename",
        &uid,
        "DHIS2 Academy",
    ])));
    assert!(out.ends_with("\"DHIS2 Academy\": renamed\n"), "{out}");
    let (after, _, sharing) = state(&server, &client, &uid);
    assert_eq!(after.url.as_deref(), Some("https://dhis2.org/academy/"));
    assert_eq!(sharing, custom_sharing());
    assert_eq!(common::count(&server.emulator, "PUT", "/api/documents/"), 1);
}

#[test]
fn a_replaced_file_keeps_the_uid_name_and_sharing_on_every_version() {
    for version in VERSIONS {
        let server = Server::start(version, false);
        let client = common::admin(&server.emulator);
        let uid = shared_file(&server, &client, b"%PDF version 1");
        let (before, _, sharing_before) = state(&server, &client, &uid);
        let new_file = server.home.path().join("report-v2.pdf");
        std::fs::write(&new_file, b"%PDF version 2, longer").unwrap();
        let out = stdout(&succeed(server.run(&[
            "documents",
            "replace",
            &uid,
            new_file.to_str().unwrap(),
        ])));
        let (after, md5, sharing) = state(&server, &client, &uid);
        assert_eq!(after.id, uid);
        assert_eq!(after.title(), before.title(), "{version}");
        assert_eq!(md5, Some(md5_hex(b"%PDF version 2, longer")), "{version}");
        assert_eq!(sharing, sharing_before, "{version}");
        assert!(
            out.contains("replaced its file: the document shows file resource"),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "the old file resource {} stays on the server",
                before.url.as_deref().unwrap()
            )),
            "{version}: {out}"
        );
    }
}

#[test]
fn each_failing_step_leaves_the_document_as_it_was() {
    let server = Server::start("2.42", false);
    let client = common::admin(&server.emulator);
    let uid = shared_file(&server, &client, b"%PDF the report");
    let as_it_was = state(&server, &client, &uid);
    let unchanged = |what: &str| {
        let now = state(&server, &client, &uid);
        assert_eq!(now.0.title(), as_it_was.0.title(), "{what}");
        assert_eq!(now.0.url, as_it_was.0.url, "{what}");
        assert_eq!(now.1, as_it_was.1, "{what}");
        assert_eq!(now.2, as_it_was.2, "{what}");
    };
    let rename = || server.run(&["documents", "rename", &uid, "New name"]);
    let faults = server.emulator.faults();

    // The direct update fails (not E4016): nothing else is tried.
    faults.fail_next(FaultRule::new(500).method("PUT").path("/api/documents/"));
    let message = fail(rename());
    assert!(message.contains("500"), "{message}");
    unchanged("the update refused");

    // The fresh copy's upload fails.
    faults.fail_next(
        FaultRule::new(500)
            .method("POST")
            .path("/api/fileResources"),
    );
    fail(rename());
    unchanged("the copy's upload refused");

    // The copy never gets stored (through the library, to wait a short while only): the
    // copy is named as linked to nothing.
    faults.stall_storage(true);
    let options = TransferOptions {
        wait: WaitPolicy {
            limit: std::time::Duration::from_millis(300),
            ..WaitPolicy::default()
        },
        ..TransferOptions::default()
    };
    let stalled = server
        .runtime
        .block_on(client.rename_document(&uid, "New name", &options));
    faults.stall_storage(false);
    assert!(stalled.is_err());
    assert!(options.unlinked.get().is_some(), "the copy is named");
    unchanged("the copy never stored");

    // Pointing the document at the copy fails: the copy is named, linked to nothing.
    faults.fail_next(
        FaultRule::new(500)
            .method("PUT")
            .path("/api/documents/")
            .after(1),
    );
    let message = fail(rename());
    assert!(
        message.contains("the document was left as it was"),
        "{message}"
    );
    assert!(message.contains("linked to nothing"), "{message}");
    unchanged("the repointing refused");

    // Replacing the file: the upload fails.
    let new_file = server.home.path().join("v2.pdf");
    std::fs::write(&new_file, b"%PDF v2").unwrap();
    faults.fail_next(
        FaultRule::new(500)
            .method("POST")
            .path("/api/fileResources"),
    );
    fail(server.run(&["documents", "replace", &uid, new_file.to_str().unwrap()]));
    unchanged("the replacement's upload refused");

    // With every fault gone, both work.
    succeed(rename());
    succeed(server.run(&["documents", "replace", &uid, new_file.to_str().unwrap()]));
    let (after, md5, sharing) = state(&server, &client, &uid);
    assert_eq!(after.title(), "New name");
    assert_eq!(md5, Some(md5_hex(b"%PDF v2")));
    assert_eq!(sharing, as_it_was.2);
}

#[test]
fn a_link_has_no_file_to_replace_and_bad_input_is_refused_before_sending() {
    let server = Server::start("2.42", false);
    let link = server
        .emulator
        .seed_document(SeedDocument::link("Academy", "https://dhis2.org/academy/"));
    let file = server.home.path().join("x.pdf");
    std::fs::write(&file, b"%PDF").unwrap();
    let message = fail(server.run(&["documents", "replace", &link, file.to_str().unwrap()]));
    assert!(message.contains("is a link, not a file"), "{message}");
    let message = fail(server.run(&["documents", "rename", "not-a-uid", "x"]));
    assert!(message.contains("is not a DHIS2 uid"), "{message}");
    let message = fail(server.run(&["documents", "rename", &link, "  "]));
    assert!(!message.is_empty());
    assert_eq!(common::count(&server.emulator, "PUT", "/api/documents/"), 0);
}

#[test]
fn sharing_that_cannot_be_put_back_is_said_and_a_single_failure_is_tried_again() {
    let server = Server::start("2.42", false);
    let client = common::admin(&server.emulator);
    let uid = server
        .emulator
        .seed_document(SeedDocument::link("Academy", "https://dhis2.org/academy/"));
    server
        .runtime
        .block_on(client.set_document_sharing(&uid, &custom_sharing()))
        .unwrap();
    let faults = server.emulator.faults();
    // One failure: tried again, and the sharing is back.
    faults.fail_next(FaultRule::new(503).method("POST").path("/api/sharing"));
    succeed(server.run(&["documents", "rename", &uid, "Academy, again"]));
    assert_eq!(state(&server, &client, &uid).2, custom_sharing());
    // Two: the change stands and the message says the sharing is DHIS2's reset one.
    faults.fail_next(
        FaultRule::new(503)
            .method("POST")
            .path("/api/sharing")
            .times(2),
    );
    let message = fail(server.run(&["documents", "rename", &uid, "Academy, thrice"]));
    assert!(
        message.contains("was changed, but its sharing could not be put back"),
        "{message}"
    );
}

#[test]
fn sharing_is_shown_in_words_and_changed_by_names_on_every_version() {
    // One release per minor: the matrix's patch rows (2.41.7, 2.42.4) change deletes and the
    // cleanup, not sharing, and each release here costs four runs of the binary.
    for version in VERSIONS.into_iter().filter(|v| v.matches('.').count() == 1) {
        let server = Server::start(version, false);
        let client = common::admin(&server.emulator);
        let first = shared_file(&server, &client, b"%PDF one");
        let second = shared_file(&server, &client, b"%PDF two");
        let shown = stdout(&succeed(server.run(&["documents", "sharing", &first])));
        assert!(shown.contains("everyone  none"), "{version}: {shown}");
        assert!(
            shown.contains("Report viewers: can view"),
            "{version}: {shown}"
        );

        // A dry run sends nothing.
        let before = common::count(&server.emulator, "POST", "/api/sharing");
        succeed(server.run(&[
            "documents",
            "share",
            &first,
            "--public",
            "view",
            "--dry-run",
        ]));
        assert_eq!(
            common::count(&server.emulator, "POST", "/api/sharing"),
            before
        );

        // Both documents at once: everyone may view, the viewers group goes, the guest
        // (by username) may edit.
        let out = stdout(&succeed(server.run(&[
            "documents",
            "share",
            &first,
            &second,
            "--public",
            "view",
            "--group",
            "Report viewers:none",
            "--user",
            "guest:edit",
        ])));
        assert!(
            out.contains(&format!(
                "Shared {first}: everyone: can view; Guest Viewer (user): can view and edit"
            )),
            "{version}: {out}"
        );
        for uid in [&first, &second] {
            let sharing = state(&server, &client, uid).2;
            assert_eq!(sharing.public_access, "r-------", "{version}");
            assert!(sharing.user_group_accesses.is_empty(), "{version}");
            assert_eq!(sharing.user_accesses.len(), 1, "{version}");
            assert_eq!(sharing.user_accesses[0].access, "rw------", "{version}");
        }
    }
}

#[test]
fn an_ambiguous_or_unknown_name_is_refused_with_the_candidates_and_nothing_is_changed() {
    let server = Server::start("2.42", false);
    let client = common::admin(&server.emulator);
    let uid = shared_file(&server, &client, b"%PDF one");
    let message = fail(server.run(&["documents", "share", &uid, "--group", "r:view"]));
    assert!(
        message.contains("\"r\" could be any of these user groups"),
        "{message}"
    );
    assert!(
        message.contains("Report viewers (Qs2bVkOBNh5)"),
        "{message}"
    );
    let message = fail(server.run(&["documents", "share", &uid, "--group", "nobody:view"]));
    assert!(
        message.contains("no user group matches \"nobody\""),
        "{message}"
    );
    let message = fail(server.run(&["documents", "share", &uid, "--public", "maybe"]));
    assert!(
        message.contains("`maybe` is not none, view or edit"),
        "{message}"
    );
    let message = fail(server.run(&["documents", "share", &uid, "--group", "viewers"]));
    assert!(
        message.contains("say who and what they may do"),
        "{message}"
    );
    assert_eq!(
        common::count(&server.emulator, "POST", "/api/sharing"),
        1,
        "the seed's only"
    );
    assert_eq!(state(&server, &client, &uid).2, custom_sharing());
}
