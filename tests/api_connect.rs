//! `Client::connect` against the emulator: versions, users, Basic and PAT, refused credentials,
//! login redirects and context paths (dhis2-api.md §2, §7.5, §7.20).

mod common;

use common::*;
use d2files::api::{Auth, Client, Error, ServerVersion};
use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_PAT, ADMIN_USERNAME, FaultBody, FaultRule, GUEST_USERNAME,
};

#[tokio::test]
async fn connect_reads_version_and_user_on_every_version() {
    for v in VERSIONS {
        let em = start(v).await;
        let info = admin(&em).connect().await.expect(v);
        let served = em.version();
        assert_eq!(info.version_text, served.to_string(), "{v}");
        let parsed = info.version.clone().expect("the version parses");
        assert_eq!(
            (parsed.major, parsed.minor, parsed.patch),
            (2, u32::from(served.minor), u32::from(served.patch)),
            "{v}"
        );
        assert_eq!(info.user.username.as_deref(), Some(ADMIN_USERNAME), "{v}");
        assert!(info.user.authorities.iter().any(|a| a == "ALL"), "{v}");
        assert_eq!(info.time_zone.as_deref(), Some("Etc/UTC"), "{v}");
        assert!(info.system_name.is_some(), "{v}");
        assert!(info.base_url.starts_with(&em.base_url()), "{v}");
        // Both checks went out, with credentials.
        let seen = em.requests();
        assert!(seen.iter().any(|r| r.path == "/api/system/info"), "{v}");
        assert!(seen.iter().any(|r| r.path == "/api/me"), "{v}");
        assert!(seen.iter().all(|r| r.has_authorization), "{v}");
    }
}

#[tokio::test]
async fn versions_are_compared_by_their_numbers() {
    let em = start("2.41.7").await;
    let info = admin(&em).connect().await.expect("connect");
    let version = info.version.expect("parsed");
    assert!(version.at_least(41, 7));
    assert!(!version.at_least(42, 0));
    assert!(version > ServerVersion::parse("2.41.6").expect("parses"));
}

#[tokio::test]
async fn personal_access_token_authenticates_as_its_owner() {
    assert_eq!(
        pat_with_checksum("Xk3mP9qLw2Rt7vYz4BnH8cJd6FsA1gEu"),
        ADMIN_PAT,
        "the helper builds tokens the way DHIS2 checks them"
    );
    for v in ["2.38", "2.42", "2.44"] {
        let em = start(v).await;
        let info = admin_pat(&em).connect().await.expect(v);
        assert_eq!(info.user.username.as_deref(), Some(ADMIN_USERNAME), "{v}");
    }
}

#[tokio::test]
async fn another_user_is_reported_as_that_user() {
    let em = start("2.40").await;
    let info = guest(&em).connect().await.expect("guest connects");
    assert_eq!(info.user.username.as_deref(), Some(GUEST_USERNAME));
    assert!(!info.user.authorities.iter().any(|a| a == "ALL"));
}

#[tokio::test]
async fn a_wrong_password_is_an_authentication_error_without_the_password() {
    for v in VERSIONS {
        let em = start(v).await;
        let client = client_as(&em, Auth::basic(ADMIN_USERNAME, "not-the-password-xyz"));
        let error = client.connect().await.expect_err(v);
        assert!(matches!(error, Error::Authentication(_)), "{v}: {error:?}");
        let text = error.to_string();
        assert!(text.contains("Unauthorized"), "{v}: DHIS2's words: {text}");
        assert!(!text.contains("not-the-password-xyz"), "{v}: {text}");
        assert!(
            !format!("{error:?}").contains("not-the-password-xyz"),
            "{v}"
        );
        assert!(
            !format!("{client:?}").contains("not-the-password-xyz"),
            "{v}"
        );
    }
}

#[tokio::test]
async fn an_unknown_token_is_an_authentication_error() {
    let token = pat_with_checksum("AAAAbbbbCCCCddddEEEEffffGGGGhhhh");
    for v in ["2.38", "2.41.7", "2.42", "2.44"] {
        let em = start(v).await;
        let error = client_as(&em, Auth::token(token.clone()))
            .connect()
            .await
            .expect_err(v);
        assert!(matches!(error, Error::Authentication(_)), "{v}: {error:?}");
        let text = error.to_string();
        assert!(
            text.contains("The API token does not exists"),
            "{v}: {text}"
        );
        assert!(!text.contains(&token), "{v}: the token leaked: {text}");
        assert!(!format!("{error:?}").contains(&token), "{v}");
    }
}

#[tokio::test]
async fn a_token_with_a_bad_checksum_is_an_authentication_error() {
    // DHIS2 answers 400 "Checksum validation failed" with `WWW-Authenticate: ApiToken`.
    let em = start("2.41.7").await;
    let forged = format!("d2pat_{}0000000000", "A".repeat(32));
    let error = client_as(&em, Auth::token(forged.clone()))
        .connect()
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::Authentication(_)), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("Checksum validation failed"), "{text}");
    assert!(!text.contains(&forged), "{text}");
}

#[tokio::test]
async fn a_redirect_to_the_login_page_is_an_authentication_error_and_not_followed() {
    for v in VERSIONS {
        let em = start(v).await;
        em.faults().redirect_to_login_next(1);
        let error = admin(&em).connect().await.expect_err(v);
        assert!(matches!(error, Error::Authentication(_)), "{v}: {error:?}");
        assert!(error.to_string().contains("login"), "{v}: {error}");
        let seen = em.requests();
        // The system info and the user, asked side by side; nothing after the redirect.
        assert!(
            seen.iter()
                .all(|r| r.path == "/api/system/info" || r.path == "/api/me"),
            "{v}: only the connection's two requests: {seen:?}"
        );
        assert!(seen.len() <= 2, "{v}: {seen:?}");
        assert!(
            !seen.iter().any(|r| r.path.contains("login")),
            "{v}: the redirect was followed"
        );
    }
}

#[tokio::test]
async fn a_context_path_is_kept_however_the_base_url_is_written() {
    let em = start_with("2.41.7", |o| o.context_path = "/dhis".into()).await;
    let base = em.base_url();
    assert!(base.ends_with("/dhis"), "{base}");
    for written in [
        base.clone(),
        format!("{base}/"),
        format!("{base}/api"),
        format!("{base}/api/"),
    ] {
        let client = Client::with_options(
            &written,
            Auth::basic(ADMIN_USERNAME, ADMIN_PASSWORD),
            fast_options(),
        )
        .expect("client");
        let info = client.connect().await.expect(&written);
        assert_eq!(info.user.username.as_deref(), Some(ADMIN_USERNAME));
        assert_eq!(client.base_url(), format!("{base}/"), "{written}");
    }
    let seen = em.requests();
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|r| r.path.starts_with("/dhis/api/")),
        "{seen:?}"
    );
}

fn admin_at(url: &str) -> Client {
    Client::with_options(
        url,
        Auth::basic(ADMIN_USERNAME, ADMIN_PASSWORD),
        fast_options(),
    )
    .expect("client")
}

#[tokio::test]
async fn a_base_url_missing_the_context_path_finds_dhis2_under_it_without_credentials() {
    let em = start_with("2.40", |o| o.context_path = "/dhis".into()).await;
    let root = em.base_url().trim_end_matches("/dhis").to_string();
    let error = admin_at(&root)
        .connect()
        .await
        .expect_err("nothing at /api");
    assert_eq!(error.status(), Some(404), "{error:?}");
    let Error::NoApi {
        server,
        api_path,
        found,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((server, api_path.as_str()), (&root, "/api"));
    assert_eq!(found.as_deref(), Some(em.base_url().as_str()));
    assert_eq!(
        error.to_string(),
        format!(
            "the server at {root} answered, but there is no DHIS2 API at /api; DHIS2 answers \
             at {}",
            em.base_url()
        )
    );
    // The look under /dhis went without credentials: the user named the root, not /dhis.
    let looks: Vec<_> = em
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/dhis/"))
        .collect();
    assert!(!looks.is_empty());
    assert!(looks.iter().all(|r| !r.has_authorization), "{looks:?}");
}

#[tokio::test]
async fn a_context_path_too_many_names_the_root_where_dhis2_answers() {
    let em = start("2.41.7").await;
    let error = admin_at(&format!("{}/dhis", em.base_url()))
        .list_documents(&d2files::api::ListQuery::new())
        .await
        .expect_err("no DHIS2 at /dhis");
    assert_eq!(
        error.to_string(),
        format!(
            "the server at {base} answered, but there is no DHIS2 API at /dhis/api; DHIS2 \
             answers at {base}",
            base = em.base_url()
        )
    );
}

#[tokio::test]
async fn a_missing_document_is_dhis2s_404_and_after_an_answer_costs_no_look() {
    for v in VERSIONS {
        let em = start(v).await;
        let client = admin(&em);
        // First thing asked: 2.38 and 2.39 answer with no errorCode, so the client looks at
        // the base URL once, finds DHIS2 there, and says what DHIS2 said.
        let error = client.get_document("AbCdEfGhIj1").await.expect_err(v);
        assert!(matches!(error, Error::Dhis2(_)), "{v}: {error:?}");
        assert_eq!(error.status(), Some(404), "{v}");
        // Now the API has answered: a second 404 is one request, whatever its words.
        let before = em.requests().len();
        let error = client.get_document("AbCdEfGhIj2").await.expect_err(v);
        assert!(matches!(error, Error::Dhis2(_)), "{v}: {error:?}");
        let seen = &em.requests()[before..];
        assert_eq!(seen.len(), 1, "{v}: {seen:?}");
    }
}

#[tokio::test]
async fn a_dhis2_404_in_words_we_never_saw_still_finds_the_api_where_it_is() {
    // DHIS2 at the root; under /hmis/ its own 404 for a path it has no handler for, in words
    // no release used (they are Spring's, and change): the client goes by status and code.
    let server = common::hostile::serve(|request, mut conn| async move {
        match request.path() {
            "/api/system/info" => {
                conn.json(200, &serde_json::json!({"version": "2.43.1"}))
                    .await;
            }
            _ => {
                let message = serde_json::json!({"httpStatus": "Not Found",
                    "httpStatusCode": 404, "status": "ERROR",
                    "message": "Kein Handler für diesen Pfad"});
                conn.json(404, &message).await;
            }
        }
    })
    .await;
    let base = server.base_url();
    let error = admin_at(&format!("{base}/hmis"))
        .list_documents(&d2files::api::ListQuery::new())
        .await
        .expect_err("no DHIS2 at /hmis");
    let Error::NoApi { found, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(found.as_deref(), Some(base.as_str()), "{error}");
}

#[tokio::test]
async fn a_context_path_nobody_guesses_is_not_invented() {
    let em = start_with("2.42", |o| o.context_path = "/hmis".into()).await;
    let root = em.base_url().trim_end_matches("/hmis").to_string();
    let error = admin_at(&root)
        .connect()
        .await
        .expect_err("nothing at /api");
    assert_eq!(
        error.to_string(),
        format!(
            "the server at {root} answered, but there is no DHIS2 API at /api; check the \
             context path in the server URL"
        )
    );
}

#[tokio::test]
async fn a_404_at_the_right_url_stays_the_servers_words() {
    let em = start("2.41.7").await;
    em.faults().fail_next(
        FaultRule::new(404)
            .path("/api/documents/")
            .body(FaultBody::ProxyHtml),
    );
    let error = admin(&em)
        .get_document("RTkjSgLtdI6")
        .await
        .expect_err("404");
    assert!(
        matches!(error, Error::Http { status: 404, .. }),
        "{error:?}"
    );
    let missing = admin(&em)
        .get_document("RTkjSgLtdI6")
        .await
        .expect_err("404");
    assert!(
        missing.to_string().contains("could not be found"),
        "{missing}"
    );
}

#[tokio::test]
async fn bad_server_urls_are_refused_before_connecting() {
    for url in [
        "ftp://127.0.0.1",
        "127.0.0.1:8080",
        "http://admin:district@127.0.0.1",
    ] {
        let error = Client::new(url, Auth::basic("a", "b")).expect_err(url);
        assert!(matches!(error, Error::InvalidInput(_)), "{url}: {error:?}");
    }
}
