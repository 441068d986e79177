//! Creating objects with the uids they had elsewhere, through `d2files::api::Client`
//! (dhis2-api.md §11): file resources with `?uid=` (kept from 2.39, a new uid on 2.38, E1119
//! when taken), documents with their `id` (E5000 when taken, E4015/E4016), and their sharing,
//! which a create discards, applied afterwards.

mod common;

use common::*;
use d2files::api::{Access, DocumentDownload, Domain, DownloadTarget, Error, Feature, Sharing};
use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_USERNAME, Change, SeedFileResource, VIEWERS_GROUP_ID,
};
use serde_json::json;

const FR_UID: &str = "TacExtJuMmW";
const DOC_UID: &str = "RTkjSgLtdI6";

/// The versions that honour `?uid=` (all but 2.38).
fn versions_keeping_upload_uids() -> impl Iterator<Item = &'static str> {
    VERSIONS
        .into_iter()
        .filter(|v| supports(v, Feature::UploadUid))
}

#[tokio::test]
async fn a_file_resource_keeps_the_uid_asked_for_from_239() {
    for v in versions_keeping_upload_uids() {
        let em = start(v).await;
        let dir = temp_dir();
        let path = write_file(dir.path(), "report.pdf", &bytes(4096));
        let uploaded = admin(&em)
            .upload_file_resource_with_uid(&path, &Domain::Document, Some(FR_UID), &transfer())
            .await
            .expect(v);
        assert_eq!(uploaded.id, FR_UID, "{v}");
        assert_eq!(
            uploaded.content_md5.as_deref(),
            Some(md5_hex(&bytes(4096)).as_str())
        );
        let read = admin(&em).get_file_resource(FR_UID).await.expect(v);
        assert_eq!(read.content_length, Some(4096), "{v}");
        let sent = requests_matching(&em, "POST", "/api/fileResources");
        assert_eq!(sent.len(), 1, "{v}");
        assert!(
            sent[0]
                .query
                .as_deref()
                .unwrap_or("")
                .contains("uid=TacExtJuMmW"),
            "{v}: {:?}",
            sent[0].query
        );
    }
}

#[tokio::test]
async fn on_238_the_server_makes_its_own_uid_and_the_caller_sees_it() {
    let em = start("2.38").await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "report.pdf", b"bytes of 2.38");
    let uploaded = admin(&em)
        .upload_file_resource_with_uid(&path, &Domain::Document, Some(FR_UID), &transfer())
        .await
        .expect("uploaded");
    assert_ne!(uploaded.id, FR_UID, "2.38 has no uid parameter");
    admin(&em)
        .get_file_resource(&uploaded.id)
        .await
        .expect("read");
}

#[tokio::test]
async fn a_taken_uid_is_e1119_naming_it() {
    for v in versions_keeping_upload_uids() {
        let em = start(v).await;
        em.seed_file_resource(
            SeedFileResource::new("old.txt", "text/plain", b"old".to_vec()).id(FR_UID),
        )
        .expect("seed");
        let dir = temp_dir();
        let path = write_file(dir.path(), "new.txt", b"new bytes");
        let error = admin(&em)
            .upload_file_resource_with_uid(&path, &Domain::Document, Some(FR_UID), &transfer())
            .await
            .expect_err("taken");
        assert_eq!(error.status(), Some(409), "{v}");
        assert_eq!(error.error_code(), Some("E1119"), "{v}");
        let shown = error.to_string();
        assert!(
            shown.contains("FileResource already exists: `TacExtJuMmW`"),
            "{v}: DHIS2's words: {shown}"
        );
        assert!(
            shown.contains("a file resource with uid TacExtJuMmW exists on this server already"),
            "{v}: {shown}"
        );
        let kept = admin(&em).get_file_resource(FR_UID).await.expect(v);
        assert_eq!(
            kept.content_length,
            Some(3),
            "{v}: the old one is left as it is"
        );
    }
}

#[tokio::test]
async fn a_malformed_uid_is_refused_before_uploading() {
    // Releases ignore (2.38), keep (2.39–2.42) or refuse (2.43+, §13.1) a malformed `?uid=`;
    // the client refuses it on every one before uploading.
    let dir = temp_dir();
    let path = write_file(dir.path(), "a.txt", b"a");
    for v in VERSIONS {
        let em = start(v).await;
        for uid in ["short", "1TkjSgLtdI6", "TacExtJuMmW/x", ""] {
            let error = admin(&em)
                .upload_file_resource_with_uid(&path, &Domain::Document, Some(uid), &transfer())
                .await
                .expect_err(uid);
            assert!(
                matches!(error, Error::InvalidInput(_)),
                "{v} {uid}: {error}"
            );
        }
        assert_eq!(count(&em, "POST", "/api/fileResources"), 0, "{v}");
    }
}

#[tokio::test]
async fn documents_keep_their_id_on_every_version() {
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        let link = client
            .create_document_with_id(DOC_UID, "DHIS2 home ", "https://www.dhis2.org", true)
            .await
            .expect(v);
        assert_eq!(link.id, DOC_UID, "{v}");
        assert_eq!(
            link.name.as_deref(),
            Some("DHIS2 home "),
            "{v}: the name as given"
        );
        assert!(link.external, "{v}");

        let fr = seed_blob(&em, "report.pdf", bytes(64));
        let file = client
            .create_document_with_id("Xk3mP9qLw2R", "Report", &fr, false)
            .await
            .expect(v);
        assert_eq!(file.id, "Xk3mP9qLw2R", "{v}");
        assert_eq!(file.file_resource_uid(), Some(fr.as_str()), "{v}");
    }
}

#[tokio::test]
async fn a_taken_id_and_a_bad_file_resource_are_refused_in_dhis2s_words() {
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        client
            .create_document_with_id(DOC_UID, "First", "https://a.org", true)
            .await
            .expect(v);
        let error = client
            .create_document_with_id(DOC_UID, "Second", "https://b.org", true)
            .await
            .expect_err("taken");
        assert_eq!(error.status(), Some(409), "{v}");
        assert_eq!(error.error_code(), Some("E5000"), "{v}");
        // 2.43 says "import strategy" (dhis2-api.md §13.2); the errorCode is what counts.
        let word = if version(v).has(Change::Texts243) {
            "strategy"
        } else {
            "mode"
        };
        assert!(
            error
                .to_string()
                .contains(&format!("import {word} is CREATE")),
            "{v}: {error}"
        );
        assert_eq!(
            client.get_document(DOC_UID).await.expect(v).name.as_deref(),
            Some("First"),
            "{v}: the first is left as it is"
        );

        let error = client
            .create_document_with_id("Zq2bVkOBNh5", "Lost", FR_UID, false)
            .await
            .expect_err("no such file resource");
        assert_eq!(error.error_code(), Some("E4015"), "{v}");
        let assigned = em
            .seed_file_resource(
                SeedFileResource::new("a.pdf", "application/pdf", b"%PDF".to_vec()).assigned(true),
            )
            .expect("seed");
        let error = client
            .create_document_with_id("Zq2bVkOBNh5", "Shown elsewhere", &assigned, false)
            .await
            .expect_err("linked already");
        assert_eq!(error.error_code(), Some("E4016"), "{v}");
    }
}

#[tokio::test]
async fn a_malformed_id_or_url_is_refused_before_creating() {
    let em = start("2.39.1").await;
    let client = admin(&em);
    for (id, url, external) in [
        ("1234567890a", "https://a.org", true),
        ("short", "https://a.org", true),
        (DOC_UID, "not a uid", false),
        (DOC_UID, "https://a.org/report.", true),
    ] {
        let error = client
            .create_document_with_id(id, "x", url, external)
            .await
            .expect_err(id);
        assert!(
            matches!(error, Error::InvalidInput(_)),
            "{id} {url}: {error}"
        );
    }
    assert_eq!(count(&em, "POST", "/api/documents"), 0);
}

#[tokio::test]
async fn sharing_sent_with_a_create_is_discarded_and_applied_after() {
    for v in ["2.38", "2.41.7", "2.42", "2.44"] {
        let em = start(v).await;
        // Built first: it installs the TLS crypto provider the raw reqwest client needs.
        let client = admin(&em);
        // What a metadata export would carry, sent as is: DHIS2 resets it on create.
        let body = json!({"id": DOC_UID, "name": "Plan", "external": true,
            "url": "https://a.org", "publicAccess": "--------",
            "sharing": {"public": "--------", "userGroups": {VIEWERS_GROUP_ID:
                {"id": VIEWERS_GROUP_ID, "access": "r-------"}}}});
        let status = reqwest::Client::new()
            .post(format!("{}/api/documents", em.base_url()))
            .basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD))
            .json(&body)
            .send()
            .await
            .expect("sent")
            .status();
        assert_eq!(status, 201, "{v}");
        let after_create = client.document_sharing(DOC_UID).await.expect(v);
        assert_eq!(after_create.public_access, "rw------", "{v}");
        assert!(after_create.user_group_accesses.is_empty(), "{v}");

        let restored = Sharing {
            // Sent back as read, where the version has it (§9.6).
            external_access: after_create.external_access,
            public_access: "--------".to_string(),
            user_group_accesses: vec![Access {
                id: VIEWERS_GROUP_ID.to_string(),
                access: "r-------".to_string(),
            }],
            user_accesses: Vec::new(),
        };
        client
            .set_document_sharing(DOC_UID, &restored)
            .await
            .expect(v);
        assert_eq!(
            client.document_sharing(DOC_UID).await.expect(v),
            restored,
            "{v}"
        );
    }
}

/// The restore recipe (dhis2-api.md §11.3) by hand between two emulators: bytes, uids, name and
/// sharing arrive; on 2.38 the file resource gets a uid of the target's and the document
/// points at it.
#[tokio::test]
async fn a_document_copied_by_hand_between_two_servers_keeps_what_it_can() {
    for (from, to, uid_kept) in [("2.41.7", "2.42", true), ("2.42", "2.38", false)] {
        let source = start(from).await;
        let target = start(to).await;
        let contents = bytes(10_000);
        let (fr, doc) = seed_file_document(
            &source,
            "Annual report",
            SeedFileResource::new("report.pdf", "application/pdf", contents.clone()),
        );
        let from_client = admin(&source);
        let shared = Sharing {
            external_access: None,
            public_access: "r-------".to_string(),
            user_group_accesses: vec![Access {
                id: VIEWERS_GROUP_ID.to_string(),
                access: "rw------".to_string(),
            }],
            user_accesses: Vec::new(),
        };
        from_client
            .set_document_sharing(&doc, &shared)
            .await
            .expect(from);

        let dir = temp_dir();
        let saved = match from_client
            .download_document(
                &doc,
                &DownloadTarget::Directory(dir.path().into()),
                &transfer(),
            )
            .await
            .expect(from)
        {
            DocumentDownload::Saved(saved) => saved,
            DocumentDownload::External { url } => panic!("a file document, not {url}"),
        };
        let to_client = admin(&target);
        let uploaded = to_client
            .upload_file_resource_with_uid(&saved.path, &Domain::Document, Some(&fr), &transfer())
            .await
            .expect(to);
        assert_eq!(uploaded.id == fr, uid_kept, "{from} → {to}");
        let stored = to_client
            .wait_until_stored(&uploaded.id, &transfer())
            .await
            .expect(to);
        let source_document = from_client.get_document(&doc).await.expect(from);
        let copied = to_client
            .create_document_with_id(
                &doc,
                source_document.name.as_deref().expect("a name"),
                &stored.id,
                false,
            )
            .await
            .expect(to);
        to_client
            .set_document_sharing(&doc, &from_client.document_sharing(&doc).await.expect(from))
            .await
            .expect(to);

        assert_eq!(copied.id, doc, "{from} → {to}");
        assert_eq!(copied.name, source_document.name, "{from} → {to}");
        assert_eq!(
            stored.content_md5.as_deref(),
            Some(md5_hex(&contents).as_str())
        );
        // External access is the target's to say (false where it has it at all).
        let read = to_client.document_sharing(&doc).await.expect(to);
        assert_eq!(
            Sharing {
                external_access: None,
                ..read
            },
            shared,
            "{from} → {to}"
        );
    }
}
