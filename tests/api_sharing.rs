//! Sharing of documents through `d2files::api::Client` (`/api/sharing`, dhis2-api.md §9):
//! read and replaced, refused locally when malformed, and DHIS2's refusals per version.

mod common;

use common::*;
use d2files::api::{Access, Auth, Client, Error, Filter, ListQuery, Operator, Sharing};
use d2files::emulator::{
    ADMINISTRATORS_GROUP_ID, CLERK_PASSWORD, CLERK_USERNAME, CLERKS_GROUP_ID, Change, SeedDocument,
    VIEWERS_GROUP_ID,
};

const GUEST_ID: &str = "KvLgpVgQwY2";

fn access(id: &str, access: &str) -> Access {
    Access {
        id: id.to_string(),
        access: access.to_string(),
    }
}

/// Two groups and one user, in uid order (as the client gives them back; the server lists
/// groups by name, Administrators first).
fn shared_with_groups_and_guest() -> Sharing {
    Sharing {
        external_access: None,
        public_access: "--------".to_string(),
        user_group_accesses: vec![
            access(VIEWERS_GROUP_ID, "r-------"),
            access(ADMINISTRATORS_GROUP_ID, "rw------"),
        ],
        user_accesses: vec![access(GUEST_ID, "rw------")],
    }
}

/// The sharing a list of documents brings for `doc` (no request per document).
async fn listed_sharing(client: &Client, doc: &str) -> Option<Sharing> {
    let listed = client
        .list_documents(&ListQuery {
            fields: Some("id,sharing".to_string()),
            ..ListQuery::new().filter(Filter::new("id", Operator::Eq, Some(doc)).expect("filter"))
        })
        .await
        .expect("listed");
    Sharing::of_document(&listed.items[0])
}

fn private_link(em: &d2files::emulator::Emulator) -> String {
    em.seed_document(SeedDocument::link("Plan", "https://example.org/plan").private())
}

#[tokio::test]
async fn sharing_is_read_back_as_it_was_set_on_every_version() {
    for v in VERSIONS {
        let em = start(v).await;
        let doc = em.seed_document(SeedDocument::link("Plan", "https://example.org/plan"));
        let client = admin(&em);
        let before = client.document_sharing(&doc).await.expect(v);
        assert_eq!(before.public_access, "rw------", "{v}");
        assert!(before.user_group_accesses.is_empty(), "{v}");

        // External access is there to read while the version has it (§9.6), and is false.
        let external = before.external_access;
        let wanted = Sharing {
            external_access: external,
            ..shared_with_groups_and_guest()
        };
        client.set_document_sharing(&doc, &wanted).await.expect(v);
        assert_eq!(client.document_sharing(&doc).await.expect(v), wanted, "{v}");
        // A list brings the same, with no request per document.
        assert_eq!(listed_sharing(&client, &doc).await, Some(wanted), "{v}");
        // The guest now reads it as a user named in it, though it is not public.
        guest(&em).get_document(&doc).await.expect(v);

        // Replace semantics: empty lists remove every entry.
        let bare = Sharing {
            external_access: external,
            public_access: "r-------".to_string(),
            user_group_accesses: Vec::new(),
            user_accesses: Vec::new(),
        };
        client.set_document_sharing(&doc, &bare).await.expect(v);
        assert_eq!(client.document_sharing(&doc).await.expect(v), bare, "{v}");
    }
}

#[tokio::test]
async fn external_access_is_kept_while_the_version_has_it_and_ignored_after() {
    for v in VERSIONS {
        let em = start(v).await;
        let doc = em.seed_document(SeedDocument::link("Plan", "https://example.org/plan"));
        let client = admin(&em);
        let has_it = supports(v, d2files::api::Feature::ExternalSharing);
        let turned_on = d2files::api::SharingChange {
            external_access: Some(true),
            ..Default::default()
        };
        let before = client.document_sharing(&doc).await.expect(v);
        assert_eq!(before.external_access, has_it.then_some(false), "{v}");
        client
            .set_document_sharing(&doc, &turned_on.applied_to(&before))
            .await
            .expect(v);
        let after = client.document_sharing(&doc).await.expect(v);
        // Kept and reported where it exists; an unknown property, ignored, after (§9.6).
        assert_eq!(after.external_access, has_it.then_some(true), "{v}");
        assert_eq!(
            listed_sharing(&client, &doc)
                .await
                .and_then(|s| s.external_access),
            has_it.then_some(true),
            "{v}"
        );
        // A write that leaves it out turns it off (a primitive on the server's side).
        if has_it {
            let without = Sharing {
                external_access: None,
                ..after
            };
            client.set_document_sharing(&doc, &without).await.expect(v);
            let read = client.document_sharing(&doc).await.expect(v);
            assert_eq!(read.external_access, Some(false), "{v}");
        }
    }
}

#[tokio::test]
async fn what_dhis2_drops_without_a_word_is_seen_on_reading_back() {
    let em = start("2.41.7").await;
    let doc = private_link(&em);
    let client = admin(&em);
    let sent = Sharing {
        external_access: None,
        // Documents carry no data rights: DHIS2 keeps the metadata part.
        public_access: "rwrw----".to_string(),
        user_group_accesses: vec![
            access(CLERKS_GROUP_ID, "r-r-----"),
            access("NoSuchGrp01", "r-------"),
        ],
        user_accesses: Vec::new(),
    };
    client.set_document_sharing(&doc, &sent).await.expect("set");
    let kept = client.document_sharing(&doc).await.expect("read");
    assert_eq!(kept.public_access, "rw------");
    assert_eq!(
        kept.user_group_accesses,
        [access(CLERKS_GROUP_ID, "r-------")]
    );
}

#[tokio::test]
async fn malformed_access_strings_and_ids_are_refused_before_sending() {
    let em = start("2.42").await;
    let doc = private_link(&em);
    let client = admin(&em);
    let valid = shared_with_groups_and_guest();
    let mut cases = Vec::new();
    for public in ["RW------", "rwx-----", "rw-----", "rw------r", ""] {
        cases.push(Sharing {
            public_access: public.to_string(),
            ..valid.clone()
        });
    }
    let mut bad_group = valid.clone();
    bad_group.user_group_accesses[0].access = "r------x".to_string();
    cases.push(bad_group);
    let mut bad_user = valid.clone();
    bad_user.user_accesses[0].id = "guest".to_string();
    cases.push(bad_user);
    let mut twice = valid.clone();
    twice.user_accesses.push(access(GUEST_ID, "r-------"));
    cases.push(twice);
    for sharing in cases {
        let error = client
            .set_document_sharing(&doc, &sharing)
            .await
            .expect_err("refused");
        assert!(
            matches!(error, Error::InvalidInput(_)),
            "{sharing:?}: {error}"
        );
    }
    assert_eq!(count(&em, "POST", "/api/sharing"), 0, "nothing was sent");
    assert!(client.document_sharing("not-a-uid").await.is_err());
    assert_eq!(count(&em, "GET", "/api/sharing"), 0, "nor a malformed uid");
}

#[tokio::test]
async fn a_document_that_does_not_exist_is_404_in_dhis2s_words() {
    for v in ["2.38", "2.42", "2.43"] {
        let em = start(v).await;
        let client = admin(&em);
        let error = client
            .document_sharing("NoSuchDoc01")
            .await
            .expect_err("missing");
        assert_eq!(error.status(), Some(404), "{v}");
        assert!(
            error
                .to_string()
                .contains("Object of type document with ID NoSuchDoc01 was not found."),
            "{v}: {error}"
        );
        let error = client
            .set_document_sharing("NoSuchDoc01", &shared_with_groups_and_guest())
            .await
            .expect_err("missing");
        assert_eq!(error.status(), Some(404), "{v}");
    }
}

#[tokio::test]
async fn a_user_without_the_rights_is_403_with_e1006_from_242() {
    for v in VERSIONS {
        let code = version(v)
            .has(Change::SharingForbiddenCode)
            .then_some("E1006");
        let em = start(v).await;
        let private = private_link(&em);
        let guest = guest(&em);
        let error = guest.document_sharing(&private).await.expect_err("private");
        assert_eq!(error.status(), Some(403), "{v}");
        assert_eq!(error.error_code(), code, "{v}");
        assert!(
            error
                .to_string()
                .contains("You do not have manage access to this object."),
            "{v}: {error}"
        );
        // Readable, but the guest may not add documents, so may not share them either.
        let public = em.seed_document(SeedDocument::link("Open", "https://example.org/open"));
        guest.document_sharing(&public).await.expect(v);
        let error = guest
            .set_document_sharing(&public, &shared_with_groups_and_guest())
            .await
            .expect_err("no right");
        assert_eq!(error.status(), Some(403), "{v}");
        let unchanged = admin(&em).document_sharing(&public).await.expect(v);
        assert_eq!(unchanged.public_access, "rw------", "{v}");
    }
}

#[tokio::test]
async fn without_the_public_right_public_access_is_ignored_without_a_word() {
    for v in ["2.38", "2.42", "2.44"] {
        let em = start(v).await;
        let clerk = client_as(&em, Auth::basic(CLERK_USERNAME, CLERK_PASSWORD));
        let doc = clerk
            .create_document_with_id("RTkjSgLtdI6", "Clerk's plan", "https://a.org", true)
            .await
            .expect(v);
        // A create leaves public access to what its author may give: nothing here.
        let created = clerk.document_sharing(&doc.id).await.expect(v);
        assert_eq!(created.public_access, "--------", "{v}");
        assert!(guest(&em).get_document(&doc.id).await.is_err(), "{v}");

        let wanted = Sharing {
            external_access: None,
            public_access: "rw------".to_string(),
            user_group_accesses: vec![access(VIEWERS_GROUP_ID, "r-------")],
            user_accesses: Vec::new(),
        };
        clerk.set_document_sharing(&doc.id, &wanted).await.expect(v);
        let kept = clerk.document_sharing(&doc.id).await.expect(v);
        assert_eq!(kept.public_access, "--------", "{v}: ignored");
        assert_eq!(kept.user_group_accesses, wanted.user_group_accesses, "{v}");
        guest(&em).get_document(&doc.id).await.expect(v);
    }
}

#[tokio::test]
async fn a_sharing_write_sends_back_the_external_access_it_read() {
    // A server with external sharing (before 2.41.9) reads a write without `externalAccess`
    // as `false` (§9.3): a change of groups must not take a link's anonymous access away.
    let written = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = written.clone();
    let server = common::hostile::serve(move |request, mut conn| {
        let kept = kept.clone();
        async move {
            if request.method == "GET" {
                let body = serde_json::json!({
                    "meta": {"allowPublicAccess": true, "allowExternalAccess": true},
                    "object": {"id": "RTkjSgLtdI6", "publicAccess": "r-------",
                        "externalAccess": true, "userGroupAccesses": [], "userAccesses": []}});
                conn.json(200, &body).await;
            } else {
                *kept.lock().unwrap() = conn.read_body(&request).await;
                let answer = serde_json::json!({"httpStatus": "OK", "httpStatusCode": 200,
                    "status": "OK", "message": "Access control set"});
                conn.json(200, &answer).await;
            }
        }
    })
    .await;
    let client = Client::new(&server.base_url(), Auth::basic("admin", "district")).unwrap();
    let read = client.document_sharing("RTkjSgLtdI6").await.unwrap();
    assert_eq!(read.external_access, Some(true));
    let change = d2files::api::SharingChange {
        user_groups: vec![access(VIEWERS_GROUP_ID, "r-------")],
        ..Default::default()
    };
    client
        .set_document_sharing("RTkjSgLtdI6", &change.applied_to(&read))
        .await
        .unwrap();
    let sent: serde_json::Value = serde_json::from_slice(&written.lock().unwrap()).unwrap();
    assert_eq!(sent["object"]["externalAccess"], true, "{sent}");
}
