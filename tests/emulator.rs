//! The emulator over real HTTP on 127.0.0.1, driven with raw reqwest (no d2files::api).
mod common;

use std::time::Duration;

use common::raw::client;
use common::{seed_file_document, start, start_with};

use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_PAT, ADMIN_USERNAME, Change, Emulator, FaultBody, FaultRule,
    GUEST_PASSWORD, GUEST_USERNAME, SeedDashboard, SeedDocument, SeedFileResource,
};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

enum As {
    Admin,
    Guest,
    Pat,
    Nobody,
}

fn request(em: &Emulator, method: Method, path: &str, who: As) -> reqwest::RequestBuilder {
    let builder = client().request(method, format!("{}{path}", em.base_url()));
    match who {
        As::Admin => builder.basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD)),
        As::Guest => builder.basic_auth(GUEST_USERNAME, Some(GUEST_PASSWORD)),
        As::Pat => builder.header(header::AUTHORIZATION, format!("ApiToken {ADMIN_PAT}")),
        As::Nobody => builder,
    }
}

/// Sends and returns (status, headers, JSON body or Null).
async fn send(builder: reqwest::RequestBuilder) -> (StatusCode, header::HeaderMap, Value) {
    let response = builder.send().await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, body)
}

async fn get(em: &Emulator, path: &str) -> (StatusCode, header::HeaderMap, Value) {
    send(request(em, Method::GET, path, As::Admin)).await
}

async fn post_json(
    em: &Emulator,
    path: &str,
    body: Value,
    who: As,
) -> (StatusCode, header::HeaderMap, Value) {
    send(request(em, Method::POST, path, who).json(&body)).await
}

async fn upload(
    em: &Emulator,
    query: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (StatusCode, header::HeaderMap, Value) {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(content_type)
        .expect("mime");
    let form = reqwest::multipart::Form::new().part("file", part);
    send(
        request(
            em,
            Method::POST,
            &format!("/api/fileResources{query}"),
            As::Admin,
        )
        .multipart(form),
    )
    .await
}

fn ids(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .expect("list")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_string())
        .collect()
}

fn link(n: usize) -> SeedDocument {
    SeedDocument::link(&format!("Doc {n:02}"), &format!("https://example.org/{n}"))
}

// ---------------------------------------------------------------- authentication

#[tokio::test]
async fn basic_pat_and_failures() {
    let em = start("2.41.7").await;
    let (status, _, me) = get(&em, "/api/me?fields=id,username,authorities").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "admin");
    assert_eq!(me["authorities"], json!(["ALL"]));
    assert!(me.get("email").is_none());

    let (status, _, me) = send(request(&em, Method::GET, "/api/me", As::Pat)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "admin");

    let wrong = client()
        .get(format!("{}/api/me", em.base_url()))
        .basic_auth("admin", Some("nope"));
    let (status, headers, body) = send(wrong).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Unauthorized");
    assert!(headers.get(header::WWW_AUTHENTICATE).is_none());

    let xhr = request(&em, Method::GET, "/api/me", As::Nobody)
        .header("X-Requested-With", "XMLHttpRequest");
    let (status, _, body) = send(xhr).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["httpStatusCode"], 401);
}

#[tokio::test]
async fn api_token_errors() {
    let em = start("2.40.0").await;
    let with = |token: &str| {
        request(&em, Method::GET, "/api/me", As::Nobody)
            .header(header::AUTHORIZATION, token.to_string())
    };
    let (status, headers, body) = send(with("ApiToken not a token!")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Api token is malformed");
    assert_eq!(headers[header::WWW_AUTHENTICATE], "ApiToken");

    let mut bad_checksum = ADMIN_PAT.to_string();
    bad_checksum.replace_range(bad_checksum.len() - 3.., "000");
    let (status, _, body) = send(with(&format!("ApiToken {bad_checksum}"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Checksum validation failed");

    // A well-formed token with a valid checksum that nobody owns.
    let code = "Gq7TnW2xLp5Vb8Kz3Mh9Rc4Yd6Jf1SaN";
    let (status, headers, body) = send(with(&format!("apitoken d2pat_{code}1717026289"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "The API token does not exists");
    assert_eq!(headers[header::WWW_AUTHENTICATE], "ApiToken");
}

#[tokio::test]
async fn anonymous_redirects_to_the_versions_login_page() {
    for (version, login) in [
        ("2.40.1", "/dhis-web-commons/security/login.action"),
        ("2.41.0", "/dhis-web-login"),
        ("2.42.1", "/dhis-web-login/"),
    ] {
        let em = start_with(version, |o| o.context_path = "/dhis".into()).await;
        let (status, headers, _) =
            send(request(&em, Method::GET, "/api/documents", As::Nobody)).await;
        assert_eq!(status, StatusCode::FOUND, "{version}");
        assert_eq!(
            headers[header::LOCATION],
            format!("{}{login}", em.base_url()).as_str()
        );
        // The page itself is served (a client that follows redirects gets HTML, not JSON).
        let page = client()
            .get(format!("{}{login}", em.base_url()))
            .send()
            .await
            .expect("page");
        assert_eq!(page.status(), StatusCode::OK);
    }
}

// ---------------------------------------------------------------- system info

#[tokio::test]
async fn system_info_under_a_context_path() {
    let em = start_with("2.42.4", |o| o.context_path = "dhis/".into()).await;
    assert!(em.base_url().ends_with("/dhis"));
    let (status, _, info) = get(&em, "/api/system/info").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(info["version"], "2.42.4");
    assert_eq!(info["contextPath"], em.base_url().as_str());
    assert_eq!(info["serverTimeZoneId"], "Etc/UTC");
    let date = info["serverDate"].as_str().expect("date");
    assert!(chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%S%.3f").is_ok());
    let (status, _, info) = get(&em, "/api/system/info?fields=version").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(info, json!({"version": "2.42.4"}));
    // Outside the context path DHIS2 is never reached: the servlet container answers.
    let root = em.base_url().trim_end_matches("/dhis").to_string();
    let response = client()
        .get(format!("{root}/api/system/info"))
        .basic_auth("admin", Some("district"))
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(
        page.contains("<title>HTTP Status 404 – Not Found</title>"),
        "{page}"
    );
}

#[tokio::test]
async fn a_path_no_handler_serves_asks_for_a_login_then_is_springs_404() {
    let em = start("2.41.7").await;
    let xhr = |who| {
        request(&em, Method::GET, "/dhis/api/documents", who)
            .header("X-Requested-With", "XMLHttpRequest")
    };
    let (status, _, body) = send(xhr(As::Nobody)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Unauthorized");
    let (status, headers, _) =
        send(request(&em, Method::GET, "/dhis/api/documents", As::Nobody)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(headers.contains_key(header::LOCATION));
    let (status, _, body) = send(xhr(As::Admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"httpStatus": "Not Found", "httpStatusCode": 404, "status": "ERROR",
               "message": "No handler found for GET /dhis/api/documents"})
    );
}

// ---------------------------------------------------------------- documents: list

#[tokio::test]
async fn pager_clamps_and_links() {
    let em = start("2.41.7").await;
    for n in 0..5 {
        em.seed_document(link(n));
    }
    let base = em.base_url();
    let (_, _, body) = get(
        &em,
        "/api/documents?page=2&pageSize=2&filter=name:ilike:doc",
    )
    .await;
    assert_eq!(body["pager"]["page"], 2);
    assert_eq!(body["pager"]["total"], 5);
    assert_eq!(body["pager"]["pageCount"], 3);
    assert_eq!(
        body["pager"]["nextPage"],
        format!("{base}/api/documents?page=3&pageSize=2&filter=name%3Ailike%3Adoc")
    );
    assert_eq!(
        body["pager"]["prevPage"],
        format!("{base}/api/documents?pageSize=2&filter=name%3Ailike%3Adoc")
    );
    assert_eq!(body["documents"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        body["documents"][0].as_object().map(|o| o.len()),
        Some(2),
        "id,displayName"
    );

    // Past the end: empty page, pager reports the last page, no nextPage.
    let (_, _, body) = get(&em, "/api/documents?page=9&pageSize=2").await;
    assert_eq!(body["pager"]["page"], 3);
    assert_eq!(body["documents"], json!([]));
    assert!(body["pager"].get("nextPage").is_none());
    assert_eq!(
        body["pager"]["prevPage"],
        format!("{base}/api/documents?page=2&pageSize=2")
    );

    // Nothing matches: pageCount 0, and `Pager` lifts the clamped page back to 1.
    let (_, _, body) = get(&em, "/api/documents?page=2&filter=name:eq:none").await;
    assert_eq!(
        body["pager"],
        json!({"page": 1, "total": 0, "pageSize": 50, "pageCount": 0})
    );
    assert_eq!(body["documents"], json!([]));

    // First page with the default size: no prevPage, no links at all for one page.
    let (_, _, body) = get(&em, "/api/documents").await;
    assert_eq!(body["pager"]["pageSize"], 50);
    assert!(body["pager"].get("prevPage").is_none());
    assert!(body["pager"].get("nextPage").is_none());

    let (_, _, body) = get(&em, "/api/documents?paging=false").await;
    assert!(body.get("pager").is_none());
    assert_eq!(body["documents"].as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn fields_and_order() {
    let em = start("2.41.7").await;
    em.seed_document(SeedDocument::link("beta", "https://b.org").code("B"));
    em.seed_document(SeedDocument::link("Alpha", "https://a.org"));
    em.seed_document(SeedDocument::link("alpha two", "https://c.org"));
    let names = |body: &Value| -> Vec<String> {
        body["documents"]
            .as_array()
            .expect("list")
            .iter()
            .map(|d| d["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let (_, _, body) = get(&em, "/api/documents?fields=name").await;
    assert_eq!(names(&body), ["Alpha", "alpha two", "beta"]);
    let (_, _, body) = get(&em, "/api/documents?fields=name&order=name:desc").await;
    assert_eq!(names(&body), ["beta", "alpha two", "Alpha"]);
    // Unknown order properties and directions are ignored.
    let (status, _, body) = get(
        &em,
        "/api/documents?fields=name&order=nope:asc,name:sideways",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&body), ["Alpha", "alpha two", "beta"]);
    let (_, _, body) = get(
        &em,
        "/api/documents?fields=id,name,createdBy[username],href&filter=code:eq:B",
    )
    .await;
    let doc = &body["documents"][0];
    assert_eq!(doc["createdBy"], json!({"username": "admin"}));
    assert!(
        doc["href"]
            .as_str()
            .expect("href")
            .starts_with(&em.base_url())
    );
    let (_, _, body) = get(&em, "/api/documents?fields=*&filter=code:eq:B").await;
    assert!(body["documents"][0]["sharing"].is_object());
    assert_eq!(body["documents"][0]["external"], true);
    let (_, _, body) = get(&em, "/api/documents?fields=:identifiable&filter=code:eq:B").await;
    assert_eq!(body["documents"][0]["code"], "B");
    assert!(body["documents"][0].get("url").is_none());
}

// ---------------------------------------------------------------- documents: filters

#[tokio::test]
async fn filter_operators() {
    let em = start("2.42.4").await;
    let a = em.seed_document(
        SeedDocument::link("2025 Malaria annual report", "https://who.int/a:b").code("MAL"),
    );
    let b = em.seed_document(SeedDocument::link("HMIS guide", "https://dhis2.org"));
    let count = |body: &Value| body["documents"].as_array().map(Vec::len).unwrap_or(99);
    for (filter, expected) in [
        ("name:eq:HMIS guide", 1),
        ("name:!eq:HMIS guide", 1),
        ("name:ieq:hmis GUIDE", 1),
        ("name:like:Malaria", 1),
        ("name:like:malaria", 0),
        ("name:ilike:malaria", 1),
        ("name:!ilike:malaria", 1),
        ("name:$ilike:2025", 1),
        ("name:ilike$:GUIDE", 1),
        ("name:token:mal ann", 1),
        ("code:null", 1),
        ("code:!null", 1),
        ("url:eq:https://who.int/a:b", 1),
        ("external:eq:true", 2),
        ("created:gt:2000-01-01", 2),
        ("lastUpdated:lt:2000-01-01", 0),
        ("translations:empty", 2),
        ("translations:!empty", 0),
        ("identifiable:token:hmis", 1),
    ] {
        let (status, _, body) =
            get(&em, &format!("/api/documents?filter={}", urlencode(filter))).await;
        assert_eq!(status, StatusCode::OK, "{filter}");
        assert_eq!(count(&body), expected, "{filter}");
    }
    let (_, _, body) = get(&em, &format!("/api/documents?filter=id:in:[{a},{b}]")).await;
    assert_eq!(count(&body), 2);
    let (_, _, body) = get(&em, &format!("/api/documents?filter=id:!in:[{a}]")).await;
    assert_eq!(ids(&body, "documents"), vec![b.clone()]);
    let (_, _, body) = get(
        &em,
        &format!("/api/documents?filter=id:eq:{a}&filter=id:eq:{b}&rootJunction=OR"),
    )
    .await;
    assert_eq!(count(&body), 2);
    let (_, _, body) = get(
        &em,
        &format!("/api/documents?filter=id:eq:{a}&filter=id:eq:{b}"),
    )
    .await;
    assert_eq!(count(&body), 0);
    // 2.42 splits comma-joined filters: the second piece is dropped.
    let (_, _, body) = get(&em, "/api/documents?filter=name:eq:HMIS guide,foo").await;
    assert_eq!(count(&body), 1);
    let (_, _, body) = get(&em, "/api/documents?query=malaria").await;
    assert_eq!(ids(&body, "documents"), [a]);
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn filter_errors_per_version() {
    let em = start("2.39.0").await;
    let (status, _, body) = get(&em, "/api/documents?filter=foo:eq:1").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["message"], "Unknown path property: foo");
    assert!(body.get("errorCode").is_none());
    let (status, _, body) = get(&em, "/api/documents?filter=name:ieq:x").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["message"], "`ieq` is not a valid operator.");

    let em = start("2.40.0").await;
    for (filter, message) in [
        ("foo:eq:1", "Unknown path property: foo"),
        ("name", "Invalid filter => name"),
        ("name:between:1", "`between` is not a valid operator."),
        ("id:in:a,b", "Invalid argument `a,b` for in operator."),
        (
            "created:gt:tomorrow",
            "Unable to parse `tomorrow` as `Date`.",
        ),
    ] {
        let (status, _, body) =
            get(&em, &format!("/api/documents?filter={}", urlencode(filter))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{filter}");
        assert_eq!(body["message"], message);
        assert_eq!(body["errorCode"], "E1003");
    }
    let (status, _, _) = get(&em, "/api/documents?filter=name:!empty").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------- documents: get

#[tokio::test]
async fn get_not_found_and_malformed_uid() {
    let em = start("2.39.0").await;
    let (status, _, body) = get(&em, "/api/documents/abcdefghijk").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["message"],
        "Document with id abcdefghijk could not be found."
    );
    assert!(body.get("errorCode").is_none());
    let em = start("2.41.3").await;
    let (status, _, body) = get(&em, "/api/documents/abcdefghijk").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["errorCode"], "E1005");
    let (status, _, _) = get(&em, "/api/documents/bad-uid").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let em = start("2.42.0").await;
    let (status, _, body) = get(&em, "/api/documents/bad-uid").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["message"], "Request method 'GET' is not supported");
    let id = em.seed_document(link(1));
    let (status, _, body) = get(&em, &format!("/api/documents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["href"],
        format!("{}/api/documents/{id}", em.base_url())
    );
    assert!(
        body.get("publicAccess").is_none(),
        "legacy sharing fields are gone in 2.41+"
    );
    let (_, _, body) = get(&em, &format!("/api/documents/{id}/name")).await;
    assert_eq!(body, json!({"name": "Doc 01"}));
}

// ---------------------------------------------------------------- documents: create

#[tokio::test]
async fn create_link_and_file_documents() {
    let em = start("2.41.7").await;
    let (status, headers, body) = post_json(
        &em,
        "/api/documents",
        json!({"name":"DHIS2 home","external":true,"url":"https://www.dhis2.org"}),
        As::Admin,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let uid = body["response"]["uid"].as_str().expect("uid").to_string();
    assert_eq!(body["response"]["klass"], "org.hisp.dhis.document.Document");
    assert_eq!(body["status"], "OK");
    assert_eq!(
        headers[header::LOCATION],
        format!("{}/api/documents/{uid}", em.base_url()).as_str()
    );

    let (status, _, body) =
        upload(&em, "", "notes.txt", "text/plain", b"hello world".to_vec()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let fr = body["response"]["fileResource"].clone();
    assert_eq!(fr["domain"], "DATA_VALUE");
    assert_eq!(fr["storageStatus"], "PENDING");
    assert_eq!(fr["contentMd5"], "5eb63bbbe01eeed093cb22bb8f5acdc3");
    let fr_id = fr["id"].as_str().expect("id").to_string();
    let body = json!({"id":"RTkjSgLtdI6","name":"Notes","external":false,"url":fr_id,
                      "sharing":{"public":"r-------"}});
    let (status, _, _) = post_json(&em, "/api/documents", body, As::Admin).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, _, fr) = get(&em, &format!("/api/fileResources/{fr_id}")).await;
    assert_eq!(fr["domain"], "DOCUMENT");
    assert_eq!(fr["assigned"], true);
    let (_, _, doc) = get(&em, "/api/documents/RTkjSgLtdI6").await;
    assert_eq!(
        doc["sharing"]["public"], "rw------",
        "sharing in the body is discarded"
    );
    assert!(
        doc.get("contentType").is_none(),
        "contentType is never copied from the FR"
    );
}

#[tokio::test]
async fn create_validation_errors() {
    let em = start("2.41.7").await;
    let assigned = em
        .seed_file_resource(
            SeedFileResource::new("a.pdf", "application/pdf", b"%PDF".to_vec()).assigned(true),
        )
        .expect("seed");
    let existing = em.seed_document(link(1).code("TAKEN"));
    for (body, code) in [
        (json!({"name":"x","external":true}), "E4000"),
        (json!({"external":true,"url":"https://a.org"}), "E4000"),
        (
            json!({"name":"x","external":true,"url":"https://a.org/report."}),
            "E4004",
        ),
        (
            json!({"name":"x","external":true,"url":"ftp://a.org/x"}),
            "E4004",
        ),
        (
            json!({"name":"x","external":true,"url":"https://a.org/a b"}),
            "E4004",
        ),
        (
            json!({"name":"x","external":false,"url":"TacExtJuMmX"}),
            "E4015",
        ),
        (json!({"name":"x","external":false,"url":assigned}), "E4016"),
        (
            json!({"id":existing,"name":"x","external":true,"url":"https://a.org"}),
            "E5000",
        ),
        (
            json!({"name":"x","code":"TAKEN","external":true,"url":"https://a.org"}),
            "E5003",
        ),
    ] {
        let (status, _, response) = post_json(&em, "/api/documents", body.clone(), As::Admin).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(response["status"], "ERROR");
        let report = &response["response"]["errorReports"][0];
        assert_eq!(report["errorCode"], code, "{body}");
        assert!(report["args"].is_array(), "args on 2.41+");
    }
    let (_, _, response) = post_json(
        &em,
        "/api/documents",
        json!({"name":"x","external":false,"url":"TacExtJuMmX"}),
        As::Admin,
    )
    .await;
    assert_eq!(
        response["response"]["errorReports"][0]["message"],
        "Property `url` refers to an object that does not exist, could not find `TacExtJuMmX`"
    );
    let em = start("2.38.0").await;
    let (_, _, response) = post_json(
        &em,
        "/api/documents",
        json!({"name":"x","external":true}),
        As::Admin,
    )
    .await;
    let report = &response["response"]["errorReports"][0];
    assert_eq!(report["message"], "Missing required property `url`.");
    assert!(report.get("args").is_none());
}

#[tokio::test]
async fn create_refuses_multipart_and_guests() {
    for (version, message) in [
        ("2.41.0", "Content type 'multipart/form-data;boundary="),
        ("2.42.0", "Content-Type 'multipart/form-data;boundary="),
    ] {
        let em = start(version).await;
        let form = reqwest::multipart::Form::new().text("name", "x");
        let (status, _, body) =
            send(request(&em, Method::POST, "/api/documents", As::Admin).multipart(form)).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(
            body["message"]
                .as_str()
                .expect("message")
                .starts_with(message),
            "{body}"
        );
    }
    let em = start("2.41.0").await;
    let (status, _, body) = post_json(
        &em,
        "/api/documents",
        json!({"name":"x","external":true,"url":"https://a.org"}),
        As::Guest,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        "You don't have the proper permissions to create this object."
    );
    assert_eq!(body["errorCode"], "E1006");
}

// ---------------------------------------------------------------- documents: update

#[tokio::test]
async fn put_of_a_file_document_keeping_its_url_is_e4016() {
    let em = start("2.42.4").await;
    let (fr, doc) = seed_file_document(
        &em,
        "Report",
        SeedFileResource::new("a.pdf", "application/pdf", b"%PDF".to_vec()),
    );
    let put = |body: Value| {
        send(
            request(
                &em,
                Method::PUT,
                &format!("/api/documents/{doc}"),
                As::Admin,
            )
            .json(&body),
        )
    };
    let (status, _, body) = put(json!({"name":"Renamed","external":false,"url":fr})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["response"]["errorReports"][0]["errorCode"], "E4016");
    // Re-pointing at a fresh file resource works.
    let fresh = em
        .seed_file_resource(SeedFileResource::new(
            "b.pdf",
            "application/pdf",
            b"%PDF-2".to_vec(),
        ))
        .expect("seed");
    let (status, _, body) = put(json!({"name":"Renamed","external":false,"url":fresh})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, got) = get(&em, &format!("/api/documents/{doc}")).await;
    assert_eq!(got["name"], "Renamed");
    // External documents update normally; JSON-Patch goes through the same importer.
    let link_id = em.seed_document(link(3));
    let patch = request(
        &em,
        Method::PATCH,
        &format!("/api/documents/{link_id}"),
        As::Admin,
    )
    .header(header::CONTENT_TYPE, "application/json-patch+json")
    .body(r#"[{"op":"replace","path":"/name","value":"Patched"}]"#);
    let (status, _, _) = send(patch).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, got) = get(&em, &format!("/api/documents/{link_id}")).await;
    assert_eq!(got["name"], "Patched");
    // 2.41+: the old partial PATCH with application/json is gone.
    let old = request(
        &em,
        Method::PATCH,
        &format!("/api/documents/{link_id}"),
        As::Admin,
    )
    .json(&json!({"name":"x"}));
    assert_eq!(send(old).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn legacy_partial_patch_up_to_240() {
    let em = start("2.40.2").await;
    let (fr, doc) = seed_file_document(
        &em,
        "Report",
        SeedFileResource::new("a.pdf", "application/pdf", b"%PDF".to_vec()),
    );
    let patch = request(
        &em,
        Method::PATCH,
        &format!("/api/documents/{doc}"),
        As::Admin,
    )
    .json(&json!({"name":"Renamed"}));
    assert_eq!(send(patch).await.0, StatusCode::NO_CONTENT);
    let (_, _, got) = get(&em, &format!("/api/documents/{doc}")).await;
    assert_eq!(got["name"], "Renamed");
    assert_eq!(got["url"], fr.as_str());
    assert_eq!(
        got["publicAccess"], "rw------",
        "legacy sharing fields up to 2.40"
    );
}

// ---------------------------------------------------------------- documents: delete

#[tokio::test]
async fn delete_rows() {
    // 2.41.6 and 2.42.3 show `assigned` a patch before the override arrives (§6).
    for version in common::VERSIONS.into_iter().chain(["2.41.6", "2.42.3"]) {
        let unassigns = common::version(version).has(Change::DocumentDeleteOverride);
        let guest_status = if unassigns {
            StatusCode::CONFLICT
        } else {
            StatusCode::FORBIDDEN
        };
        let em = start(version).await;
        let (fr, doc) = seed_file_document(
            &em,
            "Report",
            SeedFileResource::new("a.pdf", "application/pdf", b"%PDF".to_vec()),
        );
        let (status, _, body) = send(request(
            &em,
            Method::DELETE,
            &format!("/api/documents/{doc}"),
            As::Guest,
        ))
        .await;
        assert_eq!(status, guest_status, "{version}");
        if guest_status == StatusCode::CONFLICT {
            assert_eq!(body["status"], "WARNING");
        } else {
            assert_eq!(
                body["message"],
                "You don't have the proper permissions to delete this object."
            );
        }
        let (status, _, body) = send(request(
            &em,
            Method::DELETE,
            &format!("/api/documents/{doc}"),
            As::Admin,
        ))
        .await;
        assert_eq!(status, StatusCode::OK, "{version}");
        assert_eq!(body["response"]["uid"], doc.as_str());
        let (status, _, _) = send(request(
            &em,
            Method::DELETE,
            &format!("/api/documents/{doc}"),
            As::Admin,
        ))
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, _, fr_json) = get(&em, &format!("/api/fileResources/{fr}")).await;
        if common::version(version).has(Change::AssignedVisible) {
            assert_eq!(fr_json["assigned"], !unassigns, "{version}");
        } else {
            assert!(fr_json.get("assigned").is_none(), "{version}: {fr_json}");
        }
    }
}

// ---------------------------------------------------------------- documents: data

#[tokio::test]
async fn document_data_headers_redirect_and_errors() {
    let em = start("2.41.7").await;
    let name = "Rapport d'activité \"final\"; v2.pdf";
    let (_, doc) = seed_file_document(
        &em,
        "Report",
        SeedFileResource::new(name, "application/pdf", b"%PDF-1.4 body".to_vec()),
    );
    let response = request(
        &em,
        Method::GET,
        &format!("/api/documents/{doc}/data"),
        As::Admin,
    )
    .send()
    .await
    .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(headers[header::CONTENT_LENGTH], "13");
    // Raw, unquoted, ISO-8859-1.
    assert_eq!(
        headers[header::CONTENT_DISPOSITION].as_bytes(),
        b"filename=Rapport d'activit\xe9 \"final\"; v2.pdf"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // DHIS2 sends "script-src 'none'; "; HTTP parsing trims the trailing space.
    assert_eq!(
        headers["content-security-policy"]
            .to_str()
            .map(str::trim)
            .ok(),
        Some("script-src 'none';")
    );
    assert_eq!(
        response.bytes().await.expect("body").as_ref(),
        b"%PDF-1.4 body"
    );

    let target = format!("{}/external/guide.pdf", em.base_url());
    let ext = em.seed_document(SeedDocument::link("Guide", &target));
    let (status, headers, _) = send(request(
        &em,
        Method::GET,
        &format!("/api/documents/{ext}/data"),
        As::Admin,
    ))
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers[header::LOCATION], target.as_str());

    let (status, _, body) = get(&em, "/api/documents/abcdefghijk/data").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "Document not found for uid: abcdefghijk");
    assert!(body.get("errorCode").is_none());

    let pending = em
        .seed_file_resource(
            SeedFileResource::new("p.pdf", "application/pdf", b"%PDF".to_vec()).stored(false),
        )
        .expect("seed");
    let doc = em.seed_document(SeedDocument::file("Pending", &pending));
    let response = request(
        &em,
        Method::GET,
        &format!("/api/documents/{doc}/data"),
        As::Admin,
    )
    .send()
    .await
    .expect("response");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(serde_json::from_slice::<Value>(&response.bytes().await.expect("body")).is_err());
}

#[tokio::test]
async fn guest_cannot_see_private_documents() {
    let em = start("2.41.7").await;
    let private = em.seed_document(link(1).private());
    em.seed_document(link(2));
    let (_, _, body) = send(request(&em, Method::GET, "/api/documents", As::Guest)).await;
    assert_eq!(body["pager"]["total"], 1);
    let (status, _, _) = send(request(
        &em,
        Method::GET,
        &format!("/api/documents/{private}"),
        As::Guest,
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------- file resources

#[tokio::test]
async fn upload_pending_then_stored() {
    let em = start_with("2.41.7", |o| o.storage_delay = Duration::from_millis(500)).await;
    let (_, _, body) = upload(
        &em,
        "?domain=DOCUMENT",
        "dir/sub/report.pdf",
        "application/pdf",
        b"%PDF-1.4".to_vec(),
    )
    .await;
    let fr = &body["response"]["fileResource"];
    assert_eq!(fr["name"], "report.pdf", "the path is stripped");
    assert_eq!(fr["storageStatus"], "PENDING");
    let id = fr["id"].as_str().expect("id").to_string();
    let mut status = String::new();
    let mut early_downloads = 0;
    for _ in 0..100 {
        let (code, _, _) = get(&em, &format!("/api/fileResources/{id}/data")).await;
        let (_, _, fr) = get(&em, &format!("/api/fileResources/{id}")).await;
        status = fr["storageStatus"].as_str().unwrap_or("").to_string();
        if status == "STORED" {
            break;
        }
        // Still PENDING after the download answered, so the download was certainly early.
        assert_eq!(code, StatusCode::INTERNAL_SERVER_ERROR, "early download");
        early_downloads += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(early_downloads > 0, "the upload was never seen PENDING");
    assert_eq!(status, "STORED");
    // With `fields` (2.41+) the storage status is not computed.
    let (_, _, fr) = get(
        &em,
        &format!("/api/fileResources/{id}?fields=id,storageStatus"),
    )
    .await;
    assert_eq!(fr, json!({"id": id, "storageStatus": "NONE"}));
    let (status, headers, _) = get(&em, &format!("/api/fileResources/{id}/data")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_DISPOSITION], "filename=report.pdf");
}

/// What an upload's answer must hold besides its status.
enum Holds {
    /// `errorCode` is this.
    ErrorCode(&'static str),
    /// No `errorCode` at all.
    NoErrorCode,
    /// `message` is this.
    Message(&'static str),
    /// `message` starts with this.
    MessageStarting(&'static str),
    /// The value at this JSON pointer is this.
    At(&'static str, Value),
    /// The value at this JSON pointer is not this.
    NotAt(&'static str, Value),
    /// The file resource it made reads with this storage status.
    Reads(&'static str),
    /// Nothing more.
    Nothing,
}

/// One upload on a server of `version` (`query` names the domain; none is DATA_VALUE), and
/// what the server answers.
struct UploadCase {
    version: &'static str,
    query: &'static str,
    name: &'static str,
    content_type: &'static str,
    bytes: Vec<u8>,
    status: StatusCode,
    holds: Holds,
    why: &'static str,
}

#[tokio::test]
async fn upload_validations() {
    use Holds::*;
    let case = |version, query, name, content_type, bytes: &[u8], status, holds, why| UploadCase {
        version,
        query,
        name,
        content_type,
        bytes: bytes.to_vec(),
        status,
        holds,
        why,
    };
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[7; 92]].concat();
    use StatusCode as S;
    // In order: a later case may depend on an earlier one on the same server (a uid taken).
    #[rustfmt::skip]
    let cases = [
        case("2.41.7", "?domain=DOCUMENT", "page.html", "text/plain", b"<html>",
            S::CONFLICT, ErrorCode("E6101"), "a blocked extension"),
        case("2.41.7", "?domain=DOCUMENT", "a.txt", "text/html", b"<html>",
            S::CONFLICT, Message("File type not allowed"), "a blocked content type"),
        case("2.41.7", "?domain=DOCUMENT", "empty.txt", "text/plain", b"",
            S::CONFLICT, ErrorCode("E1004"), "an empty file"),
        case("2.41.7", "?domain=USER_AVATAR", "me.JPG", "image/jpeg", &[1; 10],
            S::CONFLICT, Message("Wrong file extension, valid extensions are: jpg,jpeg,png,gif"),
            "avatar extensions are case-sensitive"),
        case("2.41.7", "?domain=ORG_UNIT", "unit.png", "application/pdf", &[1; 10],
            S::CONFLICT,
            Message("Invalid content type, valid content types are: image/jpeg,image/png,image/gif"),
            "an image domain takes images"),
        case("2.41.7", "?domain=ICON", "icon.svg", "image/svg+xml", &[1; 10],
            S::CONFLICT, Message("Wrong file extension, valid extensions are: png"),
            "icons are PNG"),
        case("2.41.7", "?domain=USER_AVATAR", "me.png", "image/png", &png,
            S::ACCEPTED, NotAt("/response/fileResource/contentLength", json!(100)),
            "avatars are re-encoded: length and MD5 change"),
        case("2.41.7", "?domain=USER_AVATAR", "me.png", "image/png", &[7; 100],
            S::INTERNAL_SERVER_ERROR, MessageStarting("Failed to resize image"),
            "bytes that are no image cannot be resized"),
        case("2.41.7", "", "scan.png", "image/png", &[7; 100],
            S::ACCEPTED, Reads("PENDING"),
            "a png that is no image in the default DATA_VALUE domain is never stored"),
        case("2.41.7", "?domain=DOCUMENT&uid=MyOwnUid01a", "a.txt", "text/plain", b"x",
            S::ACCEPTED, At("/response/fileResource/id", json!("MyOwnUid01a")),
            "a uid is honoured"),
        case("2.41.7", "?domain=DOCUMENT&uid=MyOwnUid01a", "a.txt", "text/plain", b"x",
            S::CONFLICT, ErrorCode("E1119"), "a uid taken is E1119"),
        case("2.41.7", "?domain=document", "a.txt", "text/plain", b"x",
            S::ACCEPTED, At("/response/fileResource/domain", json!("DOCUMENT")),
            "a lower-case domain is accepted from 2.40"),
        case("2.41.7", "?domain=NOPE", "a.txt", "text/plain", b"x",
            S::BAD_REQUEST, Nothing, "an unknown domain"),
        case("2.39.0", "?domain=document", "a.txt", "text/plain", b"x",
            S::BAD_REQUEST, Nothing, "≤2.39 enums are case-sensitive"),
        case("2.39.0", "?domain=DOCUMENT", "empty.txt", "text/plain", b"",
            S::CONFLICT, NoErrorCode, "on 2.39 an empty file has no error code"),
        case("2.39.0", "?domain=USER_AVATAR", "me.JPG", "image/jpeg", &[1; 10],
            S::ACCEPTED, At("/status", json!("OK")), "no avatar validation before 2.39.8"),
    ];
    let mut server: Option<(&str, Emulator)> = None;
    for case in cases {
        if server
            .as_ref()
            .is_none_or(|(version, _)| *version != case.version)
        {
            server = Some((case.version, start(case.version).await));
        }
        let Some((_, em)) = &server else {
            unreachable!()
        };
        let what = format!(
            "{} {} {} ({}): {}",
            case.version, case.query, case.name, case.content_type, case.why
        );
        let (status, _, body) =
            upload(em, case.query, case.name, case.content_type, case.bytes).await;
        assert_eq!(status, case.status, "{what}: {body}");
        match case.holds {
            ErrorCode(code) => assert_eq!(body["errorCode"], code, "{what}: {body}"),
            NoErrorCode => assert!(body.get("errorCode").is_none(), "{what}: {body}"),
            Message(message) => assert_eq!(body["message"], message, "{what}: {body}"),
            MessageStarting(start) => assert!(
                body["message"].as_str().unwrap_or("").starts_with(start),
                "{what}: {body}"
            ),
            At(pointer, value) => assert_eq!(body.pointer(pointer), Some(&value), "{what}: {body}"),
            NotAt(pointer, value) => {
                assert_ne!(body.pointer(pointer), Some(&value), "{what}: {body}")
            }
            Reads(storage_status) => {
                let id = body["response"]["fileResource"]["id"]
                    .as_str()
                    .expect("id")
                    .to_string();
                let (_, _, fr) = get(em, &format!("/api/fileResources/{id}")).await;
                assert_eq!(fr["storageStatus"], storage_status, "{what}: {fr}");
            }
            Nothing => {}
        }
    }
}

#[tokio::test]
async fn size_limit_per_version_and_option() {
    let big = vec![b'a'; 2_000];
    let em = start_with("2.41.2", |o| o.max_upload_size = Some(1_000)).await;
    let (status, _, body) = upload(
        &em,
        "?domain=DOCUMENT",
        "big.txt",
        "text/plain",
        big.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["message"],
        "File size can't be bigger than 1000, current file size 2000"
    );
    let em = start_with("2.41.1", |o| o.max_upload_size = Some(1_000)).await;
    let (status, _, _) = upload(
        &em,
        "?domain=DOCUMENT",
        "big.txt",
        "text/plain",
        big.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "no limit before 2.41.2");
    let em = start_with("2.42.0", |o| o.max_upload_size = None).await;
    let (status, _, _) = upload(&em, "?domain=DOCUMENT", "big.txt", "text/plain", big).await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn upload_shape_errors() {
    let em = start("2.41.7").await;
    let form = reqwest::multipart::Form::new().text("domain", "DOCUMENT");
    let response = request(&em, Method::POST, "/api/fileResources", As::Admin)
        .multipart(form)
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or("")
            .starts_with("text/html")
    );
    let (status, _, body) = post_json(&em, "/api/fileResources", json!({}), As::Admin).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        body["message"],
        "Current request is not a multipart request"
    );
    // domain as a form field.
    let part = reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a.txt");
    let form = reqwest::multipart::Form::new()
        .part("file", part)
        .text("domain", "MESSAGE_ATTACHMENT");
    let (status, _, body) =
        send(request(&em, Method::POST, "/api/fileResources", As::Admin).multipart(form)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        body["response"]["fileResource"]["domain"],
        "MESSAGE_ATTACHMENT"
    );
    assert_eq!(
        body["response"]["fileResource"]["contentType"],
        "application/octet-stream"
    );
}

#[tokio::test]
async fn file_resource_download_refusals() {
    for (version, status, code) in [
        ("2.40.6", StatusCode::UNAUTHORIZED, None),
        ("2.41.0", StatusCode::FORBIDDEN, Some("E1006")),
    ] {
        let em = start(version).await;
        let fr = em
            .seed_file_resource(
                SeedFileResource::new("v.csv", "text/csv", b"a,b".to_vec()).domain("DATA_VALUE"),
            )
            .expect("seed");
        let (got, _, body) = get(&em, &format!("/api/fileResources/{fr}/data")).await;
        assert_eq!(got, status, "{version}");
        assert_eq!(
            body["message"],
            format!(
                "You don't have access to fileResource '{fr}' or this fileResource is not available from this endpoint"
            )
        );
        assert_eq!(body["errorCode"].as_str(), code);
        // Linking it to a document rewrites the domain, and the download works.
        em.seed_document(SeedDocument::file("Values", &fr));
        let (got, _, _) = get(&em, &format!("/api/fileResources/{fr}/data")).await;
        assert_eq!(got, StatusCode::OK);
    }
}

#[tokio::test]
async fn dimension_parameter() {
    let em = start("2.39.0").await;
    let fr = em
        .seed_file_resource(
            SeedFileResource::new("u.png", "image/png", vec![1; 8]).domain("ORG_UNIT"),
        )
        .expect("seed");
    assert_eq!(
        get(
            &em,
            &format!("/api/fileResources/{fr}/data?dimension=SMALL")
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        get(
            &em,
            &format!("/api/fileResources/{fr}/data?dimension=small")
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    let em = start("2.40.0").await;
    let fr = em
        .seed_file_resource(
            SeedFileResource::new("u.png", "image/png", vec![1; 8]).domain("ORG_UNIT"),
        )
        .expect("seed");
    assert_eq!(
        get(
            &em,
            &format!("/api/fileResources/{fr}/data?dimension=small")
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        get(&em, &format!("/api/fileResources/{fr}/data?dimension=HUGE"))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn file_resource_list_and_methods() {
    let em = start("2.40.6").await;
    let (status, _, body) = get(&em, "/api/fileResources").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["message"], "Request method 'GET' not supported");
    let fr = em
        .seed_file_resource(SeedFileResource::new("a.txt", "text/plain", b"x".to_vec()))
        .expect("seed");
    let (_, _, body) = get(&em, &format!("/api/fileResources/{fr}")).await;
    assert!(
        body.get("assigned").is_none(),
        "assigned is hidden before 2.41.6"
    );
    let (status, _, _) = send(request(
        &em,
        Method::DELETE,
        &format!("/api/fileResources/{fr}"),
        As::Admin,
    ))
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (status, _, body) = get(&em, "/api/fileResources/abcdefghijk").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.get("errorCode").is_none());

    let em = start("2.41.6").await;
    em.seed_file_resource(
        SeedFileResource::new("a.txt", "text/plain", b"x".to_vec()).domain("DATA_VALUE"),
    )
    .expect("seed");
    em.seed_file_resource(
        SeedFileResource::new("b.txt", "text/plain", b"x".to_vec()).domain("ICON"),
    )
    .expect("seed");
    let (status, _, body) = get(
        &em,
        "/api/fileResources?filter=domain:eq:ICON&fields=name,domain,assigned,storageStatus",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["fileResources"],
        json!([{"name":"b.txt","domain":"ICON","assigned":false,"storageStatus":"NONE"}])
    );
    assert_eq!(body["pager"]["total"], 1);
    let (status, _, _) = get(&em, "/api/fileResources?filter=domain:eq:icon").await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "filter enum values are exact"
    );
    let (status, _, body) = send(request(
        &em,
        Method::PUT,
        "/api/fileResources/abcdefghijk",
        As::Admin,
    ))
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["message"], "Request method 'PUT' not supported");
    let (_, _, body) = get(&em, "/api/fileResources/abcdefghijk").await;
    assert_eq!(body["errorCode"], "E1005");
    let id = ids(
        &get(&em, "/api/fileResources?filter=name:eq:a.txt").await.2,
        "fileResources",
    )[0]
    .clone();
    let (_, _, body) = get(&em, &format!("/api/fileResources/{id}/domain")).await;
    assert_eq!(body, json!({"domain": "DATA_VALUE"}));
}

// ---------------------------------------------------------------- faults and the request log

#[tokio::test]
async fn fail_next_bodies() {
    let em = start("2.41.7").await;
    em.faults().fail_next(
        FaultRule::new(502)
            .method("GET")
            .path("/api/documents")
            .body(FaultBody::ProxyHtml),
    );
    em.faults().fail_next(
        FaultRule::new(503)
            .path("/api/me")
            .times(2)
            .body(FaultBody::TruncatedJson),
    );
    let (status, headers, _) = get(&em, "/api/me").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or("")
            .starts_with("application/json")
    );
    let text = request(&em, Method::GET, "/api/me", As::Admin)
        .send()
        .await
        .expect("r")
        .text()
        .await
        .expect("text");
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "truncated JSON"
    );
    assert_eq!(
        get(&em, "/api/me").await.0,
        StatusCode::OK,
        "the rule is used up"
    );
    let response = request(&em, Method::GET, "/api/documents", As::Admin)
        .send()
        .await
        .expect("r");
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert!(
        response
            .text()
            .await
            .expect("text")
            .contains("<center><h1>502 Bad Gateway</h1></center>")
    );
    em.faults()
        .fail_next(FaultRule::new(500).body(FaultBody::Empty));
    em.faults().reset();
    assert_eq!(get(&em, "/api/documents").await.0, StatusCode::OK);
}

#[tokio::test]
async fn drop_after_bytes_cuts_the_download() {
    let em = start("2.41.7").await;
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let (_, doc) = seed_file_document(
        &em,
        "Big",
        SeedFileResource::new("big.bin", "application/octet-stream", bytes.clone()),
    );
    em.faults().drop_after_bytes(70_000, "/data");
    let response = request(
        &em,
        Method::GET,
        &format!("/api/documents/{doc}/data"),
        As::Admin,
    )
    .send()
    .await
    .expect("headers arrive");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.content_length(), Some(200_000));
    assert!(
        response.bytes().await.is_err(),
        "a cut body is an error, not a short success"
    );
    // One-shot: the next download is whole.
    let response = request(
        &em,
        Method::GET,
        &format!("/api/documents/{doc}/data"),
        As::Admin,
    )
    .send()
    .await
    .expect("r");
    assert_eq!(
        response.bytes().await.expect("body").as_ref(),
        bytes.as_slice()
    );
}

#[tokio::test]
async fn stalled_storage_stays_pending() {
    let em = start("2.42.4").await;
    em.faults().stall_storage(true);
    let (_, _, body) = upload(
        &em,
        "?domain=DOCUMENT",
        "a.txt",
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    let id = body["response"]["fileResource"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    em.faults().stall_storage(false);
    let (_, _, fr) = get(&em, &format!("/api/fileResources/{id}")).await;
    assert_eq!(fr["storageStatus"], "PENDING");
    assert_eq!(
        get(&em, &format!("/api/fileResources/{id}/data")).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
}

#[tokio::test]
async fn redirect_delay_and_request_log() {
    let em = start("2.41.7").await;
    em.faults().redirect_to_login_next(1);
    let (status, headers, _) = get(&em, "/api/me").await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap_or("")
            .ends_with("/dhis-web-login")
    );
    em.faults().delay(Duration::from_millis(1));
    assert_eq!(get(&em, "/api/me").await.0, StatusCode::OK);
    em.faults().delay(Duration::ZERO);
    let (status, _, _) = send(request(
        &em,
        Method::GET,
        "/external/some/doc.pdf?x=1",
        As::Nobody,
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    let log = em.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/api/me");
    assert!(log[0].has_authorization);
    assert_eq!(log[2].path, "/external/some/doc.pdf");
    assert_eq!(log[2].query.as_deref(), Some("x=1"));
    assert!(!log[2].has_authorization);
}

// ---------------------------------------------------------------- demo seed

#[tokio::test]
async fn demo_seed_is_browsable_and_downloadable() {
    let em = start_with("2.41.7", |o| o.seed_demo = true).await;
    let (_, _, body) = get(
        &em,
        "/api/documents?paging=false&fields=id,name,external,url",
    )
    .await;
    let docs = body["documents"].as_array().expect("list");
    assert!(docs.len() >= 45);
    let external_here = docs
        .iter()
        .find(|d| {
            d["url"]
                .as_str()
                .is_some_and(|u| u.starts_with(&format!("{}/external/", em.base_url())))
        })
        .expect("a link to the emulator's external path");
    let (status, headers, _) = get(
        &em,
        &format!(
            "/api/documents/{}/data",
            external_here["id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let target = headers[header::LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    assert_eq!(
        client()
            .get(target)
            .send()
            .await
            .expect("external")
            .status(),
        StatusCode::OK
    );
    let (_, _, body) = get(
        &em,
        "/api/documents?filter=name:ilike:malaria annual&fields=id",
    )
    .await;
    let id = body["documents"][0]["id"]
        .as_str()
        .expect("malaria report")
        .to_string();
    let response = request(
        &em,
        Method::GET,
        &format!("/api/documents/{id}/data"),
        As::Admin,
    )
    .send()
    .await
    .expect("r");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.expect("body").starts_with(b"%PDF"));
    let (_, _, body) = get(&em, "/api/fileResources?paging=false&fields=domain").await;
    let domains: std::collections::BTreeSet<String> = body["fileResources"]
        .as_array()
        .expect("list")
        .iter()
        .map(|f| f["domain"].as_str().unwrap_or("").to_string())
        .collect();
    for domain in [
        "DOCUMENT",
        "DATA_VALUE",
        "MESSAGE_ATTACHMENT",
        "ICON",
        "USER_AVATAR",
        "ORG_UNIT",
        "JOB_DATA",
    ] {
        assert!(domains.contains(domain), "{domain}");
    }
}

#[tokio::test]
async fn upload_rows_across_versions() {
    // `uid` is ignored on 2.38 and honoured from 2.39.
    let em = start("2.38.1").await;
    let (_, _, body) = upload(
        &em,
        "?domain=DOCUMENT&uid=MyOwnUid01a",
        "a.txt",
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    assert_ne!(body["response"]["fileResource"]["id"], "MyOwnUid01a");
    let em = start("2.39.0").await;
    let (_, _, body) = upload(
        &em,
        "?domain=DOCUMENT&uid=MyOwnUid01a",
        "a.txt",
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(body["response"]["fileResource"]["id"], "MyOwnUid01a");
    // ICON and JOB_DATA exist from 2.40.
    let (status, _, body) = upload(&em, "?domain=ICON", "i.png", "image/png", b"x".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("No enum constant")
    );
    let em = start("2.40.0").await;
    let (status, _, body) = upload(
        &em,
        "?domain=JOB_DATA",
        "job.json",
        "application/json",
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(body["response"]["fileResource"]["domain"], "JOB_DATA");
    // ICON validation starts with 2.40.6.
    let (status, _, _) = upload(&em, "?domain=ICON", "i.svg", "image/svg+xml", b"x".to_vec()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _, body) = upload(&em, "?domain=NOPE", "a.txt", "text/plain", b"x".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap_or("").starts_with(
        "Value 'NOPE' is not valid for parameter domain. Valid values are: [DATA_VALUE,"
    ));
}

#[tokio::test]
async fn ieq_from_241_and_e4000_wording() {
    let em = start("2.40.6").await;
    assert_eq!(
        get(&em, "/api/documents?filter=name:ieq:x").await.0,
        StatusCode::BAD_REQUEST
    );
    let em = start("2.41.0").await;
    assert_eq!(
        get(&em, "/api/documents?filter=name:ieq:x").await.0,
        StatusCode::OK
    );
    let (_, _, response) = post_json(
        &em,
        "/api/documents",
        json!({"name":"x","external":true}),
        As::Admin,
    )
    .await;
    assert_eq!(
        response["response"]["errorReports"][0]["message"],
        "Missing required property `url`"
    );
    assert_eq!(
        response["response"]["errorReports"][0]["args"],
        json!(["url"])
    );
}

/// The demo's documents on its dashboards (assets/demo/manifest.json).
const MALARIA_REPORT: &str = "nY0y40ZG4lX";
const MALARIA_CASES: &str = "zzQl3NLWDXr";
const IMMUNIZATION_SOP: &str = "qrXuWRLtFaD";
const MALARIA_DASHBOARD: &str = "Rk7mVbT2xQp";
const IMMUNIZATION_DASHBOARD: &str = "Hq3sLw8NcZe";
const OVERVIEW_DASHBOARD: &str = "Pn5tYd1KfGu";

const DASHBOARD_FIELDS: &str = "id,name,dashboardItems[id,type,resources[id]]";

/// The ids of a dashboard list, in order.
fn dashboard_ids(body: &Value) -> Vec<&str> {
    body["dashboards"]
        .as_array()
        .map(|all| all.iter().filter_map(|d| d["id"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn dashboards_showing_a_document_list_every_item_of_theirs() {
    let em = start_with("2.41.7", |o| o.seed_demo = true).await;
    let (status, _, body) = get(
        &em,
        &format!(
            "/api/dashboards?filter=dashboardItems.resources.id:eq:{IMMUNIZATION_SOP}\
             &fields={DASHBOARD_FIELDS}&paging=false"
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("pager").is_none());
    let dashboard = &body["dashboards"][0];
    assert_eq!(dashboard_ids(&body), [IMMUNIZATION_DASHBOARD]);
    assert_eq!(dashboard["name"], "Immunization");
    let items = dashboard["dashboardItems"].as_array().expect("items");
    assert_eq!(
        items.len(),
        2,
        "the item that matched and the one that did not"
    );
    assert_eq!(items[0]["type"], "RESOURCES");
    assert_eq!(items[0]["resources"], json!([{ "id": IMMUNIZATION_SOP }]));
    assert_eq!(items[1]["type"], "VISUALIZATION");
    assert_eq!(items[1]["resources"], json!([]));

    let (_, _, body) = get(
        &em,
        &format!(
            "/api/dashboards?filter=dashboardItems.resources.id:in:[{MALARIA_CASES},{IMMUNIZATION_SOP}]\
             &fields=id,dashboardItems[id,type,resources[id,name]]&paging=false"
        ),
    )
    .await;
    let mut ids = dashboard_ids(&body);
    ids.sort_unstable();
    assert_eq!(ids, [IMMUNIZATION_DASHBOARD, MALARIA_DASHBOARD]);
    let malaria = body["dashboards"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["id"] == MALARIA_DASHBOARD))
        .expect("the malaria dashboard");
    assert_eq!(
        malaria["dashboardItems"][0]["resources"],
        json!([
            {"id": MALARIA_REPORT, "name": "2025 Malaria annual report"},
            {"id": MALARIA_CASES, "name": "Malaria cases by district Q1 2025"},
        ])
    );

    let (_, _, body) = get(
        &em,
        "/api/dashboards?filter=dashboardItems.resources.id:eq:nothingHere&paging=false",
    )
    .await;
    assert_eq!(body, json!({"dashboards": []}));
}

#[tokio::test]
async fn dashboards_page_like_documents_and_refuse_unknown_paths_per_version() {
    let em = start_with("2.39.8", |o| o.seed_demo = true).await;
    let (_, _, body) = get(&em, "/api/dashboards?pageSize=2").await;
    assert_eq!(body["pager"]["total"], 3);
    assert_eq!(body["pager"]["pageCount"], 2);
    assert_eq!(body["dashboards"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        body["dashboards"][0].as_object().map(|o| o.len()),
        Some(2),
        "id,displayName"
    );
    let (status, _, body) = get(
        &em,
        "/api/dashboards?filter=dashboardItems.resources.colour:eq:red",
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["message"], "Unknown path property: colour");

    let em = start_with("2.40.6", |o| o.seed_demo = true).await;
    let (status, _, body) = get(&em, "/api/dashboards?filter=dashboardItems.colour:eq:red").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorCode"], "E1003");
    assert_eq!(body["message"], "Unknown path property: colour");
}

#[tokio::test]
async fn one_dashboard_with_fields_or_its_404() {
    let em = start("2.41.7").await;
    let document = em.seed_document(SeedDocument::link("Link", "https://example.org"));
    let dashboard = em.seed_dashboard(SeedDashboard::new("Mine").documents(&[&document]));
    let (status, _, body) = get(
        &em,
        &format!("/api/dashboards/{dashboard}?fields=name,dashboardItems[type,resources[id]]"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"name": "Mine", "dashboardItems": [{"type": "RESOURCES", "resources": [{"id": document}]}]})
    );
    let (status, _, body) = get(&em, "/api/dashboards/aaaaaaaaaaa").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["errorCode"], "E1005");
}

#[tokio::test]
async fn deleting_a_document_empties_items_and_keeps_dashboards_on_every_version() {
    for version in common::VERSIONS {
        let em = start_with(version, |o| o.seed_demo = true).await;
        for document in [MALARIA_REPORT, IMMUNIZATION_SOP] {
            let (status, _, _) = send(request(
                &em,
                Method::DELETE,
                &format!("/api/documents/{document}"),
                As::Admin,
            ))
            .await;
            assert_eq!(status, StatusCode::OK, "{version}");
        }
        let (_, _, body) = get(
            &em,
            &format!("/api/dashboards?fields={DASHBOARD_FIELDS}&paging=false"),
        )
        .await;
        let items = |id: &str| -> Vec<(String, Vec<String>)> {
            let dashboard = body["dashboards"]
                .as_array()
                .and_then(|all| all.iter().find(|d| d["id"] == id))
                .unwrap_or_else(|| panic!("{version}: dashboard {id} is gone"));
            dashboard["dashboardItems"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|item| {
                    let shown = item["resources"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| r["id"].as_str().map(str::to_string))
                        .collect();
                    (item["type"].as_str().unwrap_or("").to_string(), shown)
                })
                .collect()
        };
        // Removed from an item that keeps another document.
        assert_eq!(
            items(MALARIA_DASHBOARD),
            [
                ("RESOURCES".to_string(), vec![MALARIA_CASES.to_string()]),
                ("VISUALIZATION".to_string(), vec![])
            ],
            "{version}"
        );
        // An item left empty is deleted; the dashboard and its chart stay.
        assert_eq!(
            items(IMMUNIZATION_DASHBOARD),
            [("VISUALIZATION".to_string(), vec![])],
            "{version}"
        );
        assert_eq!(items(OVERVIEW_DASHBOARD).len(), 1, "{version}");
    }
}

#[tokio::test]
async fn deleting_a_document_removes_every_occurrence_and_may_leave_a_dashboard_bare() {
    let em = start("2.42.4").await;
    let document = em.seed_document(SeedDocument::link("Twice", "https://example.org"));
    let dashboard =
        em.seed_dashboard(SeedDashboard::new("Only it").documents(&[&document, &document]));
    let (status, _, _) = send(request(
        &em,
        Method::DELETE,
        &format!("/api/documents/{document}"),
        As::Admin,
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = get(
        &em,
        &format!("/api/dashboards/{dashboard}?fields=name,dashboardItems"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the dashboard is never deleted");
    assert_eq!(body, json!({"name": "Only it", "dashboardItems": []}));
}

// ---------------------------------------------------------------- creating with given uids

#[tokio::test]
async fn create_with_an_id_follows_each_versions_checks() {
    let not_a_uid = "1234567890a";
    for (version, format_checked) in [
        ("2.38.0", false),
        ("2.39.1", false),
        ("2.39.2", true),
        ("2.40.0", false),
        ("2.40.1", true),
        ("2.41.0", true),
        ("2.42.0", true),
    ] {
        let em = start(version).await;
        let create =
            |id: &str| json!({"id": id, "name": "Kept", "external": true, "url": "https://a.org"});
        let codes = |response: &Value| -> Vec<String> {
            response["response"]["errorReports"]
                .as_array()
                .expect("reports")
                .iter()
                .map(|r| r["errorCode"].as_str().expect("code").to_string())
                .collect()
        };
        let (status, _, response) =
            post_json(&em, "/api/documents", create(not_a_uid), As::Admin).await;
        if format_checked {
            assert_eq!(status, StatusCode::CONFLICT, "{version}");
            assert_eq!(codes(&response), ["E4014"], "{version}");
            assert_eq!(
                response["response"]["errorReports"][0]["message"],
                format!("Invalid UID `{not_a_uid}` for property `Document`"),
                "{version}"
            );
        } else {
            assert_eq!(status, StatusCode::CREATED, "{version}: stored as given");
            assert_eq!(response["response"]["uid"], not_a_uid, "{version}");
        }
        let (_, _, response) = post_json(&em, "/api/documents", create("abc"), As::Admin).await;
        assert_eq!(codes(&response)[0], "E4002", "{version}");
        let (_, _, response) =
            post_json(&em, "/api/documents", create("RTkjSgLtdI6x"), As::Admin).await;
        assert_eq!(codes(&response)[0], "E4001", "{version}");

        let (status, _, response) =
            post_json(&em, "/api/documents", create("RTkjSgLtdI6"), As::Admin).await;
        assert_eq!(status, StatusCode::CREATED, "{version}");
        assert_eq!(response["response"]["uid"], "RTkjSgLtdI6", "{version}");
        let (status, _, response) =
            post_json(&em, "/api/documents", create("RTkjSgLtdI6"), As::Admin).await;
        assert_eq!(status, StatusCode::CONFLICT, "{version}");
        assert_eq!(codes(&response), ["E5000"], "{version}");
        assert_eq!(
            response["response"]["errorReports"][0]["message"],
            "Found matching object for reference, but import mode is CREATE. Identifier was UID, \
             and object was Kept [RTkjSgLtdI6] (Document).",
            "{version}"
        );
    }
}

#[tokio::test]
async fn upload_with_a_uid_is_kept_from_239_and_e1119_when_taken() {
    for (version, kept) in [("2.38.0", false), ("2.39.0", true), ("2.42.0", true)] {
        let em = start(version).await;
        let (status, _, body) = upload(
            &em,
            "?uid=TacExtJuMmW",
            "a.txt",
            "text/plain",
            b"one".to_vec(),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{version}");
        let id = body["response"]["fileResource"]["id"].as_str().expect("id");
        assert_eq!(id == "TacExtJuMmW", kept, "{version}: {id}");
        let (status, _, body) = upload(
            &em,
            &format!("?uid={id}"),
            "b.txt",
            "text/plain",
            b"two".to_vec(),
        )
        .await;
        if kept {
            assert_eq!(status, StatusCode::CONFLICT, "{version}");
            assert_eq!(body["errorCode"], "E1119", "{version}");
            assert_eq!(
                body["message"],
                format!("FileResource already exists: `{id}`"),
                "{version}"
            );
        } else {
            assert_eq!(
                status,
                StatusCode::ACCEPTED,
                "{version}: uid is no parameter"
            );
        }
    }
}

// ---------------------------------------------------------------- sharing (§9)

async fn put_json(
    em: &Emulator,
    path: &str,
    body: Value,
    who: As,
) -> (StatusCode, header::HeaderMap, Value) {
    send(request(em, Method::PUT, path, who).json(&body)).await
}

#[tokio::test]
async fn sharing_is_read_and_replaced_through_api_sharing() {
    for version in ["2.38.0", "2.41.7", "2.42.0", "2.42.6", "2.43.0", "2.44"] {
        let em = start(version).await;
        let doc = em.seed_document(link(1));
        let path = format!("/api/sharing?type=document&id={doc}");
        let (status, headers, body) = get(&em, &path).await;
        assert_eq!(status, StatusCode::OK, "{version}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "{version}");
        assert_eq!(body["meta"]["allowPublicAccess"], true, "{version}");
        // External sharing went in 2.42.6 and 2.43.0 (dhis2-api.md §9.6).
        let external = !common::version(version).has(Change::ExternalSharingRemoved);
        assert_eq!(
            body["meta"].get("allowExternalAccess").is_some(),
            external,
            "{version}"
        );
        assert_eq!(body["object"]["publicAccess"], "rw------", "{version}");
        assert_eq!(body["object"]["user"]["id"], "M5zQapPyTZI", "{version}");

        let sent = json!({"object": {
            "publicAccess": "r-r-----",
            "userGroupAccesses": [
                {"id": d2files::emulator::VIEWERS_GROUP_ID, "access": "rw------"},
                {"id": d2files::emulator::ADMINISTRATORS_GROUP_ID, "access": "r-------"},
                {"id": "NoSuchGrp01", "access": "r-------"},
            ],
            "userAccesses": [{"id": "KvLgpVgQwY2", "access": "rwrw----"}],
        }});
        let (status, _, body) = post_json(&em, &path, sent, As::Admin).await;
        assert_eq!(status, StatusCode::OK, "{version}");
        assert_eq!(body["message"], "Access control set", "{version}");
        let (_, _, body) = get(&em, &path).await;
        let object = &body["object"];
        assert_eq!(
            object["publicAccess"], "r-------",
            "{version}: data bits cleared"
        );
        let groups: Vec<&str> = object["userGroupAccesses"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| g["name"].as_str().expect("name"))
            .collect();
        assert_eq!(groups, ["Administrators", "Report viewers"], "{version}");
        assert_eq!(object["userAccesses"][0]["access"], "rw------", "{version}");
        assert_eq!(
            object["userAccesses"][0]["name"], "Guest Viewer",
            "{version}"
        );

        let (_, _, document) = get(&em, &format!("/api/documents/{doc}?fields=sharing")).await;
        assert_eq!(document["sharing"]["public"], "r-------", "{version}");
        assert_eq!(
            document["sharing"]["users"]["KvLgpVgQwY2"]["access"], "rw------",
            "{version}"
        );
        assert_eq!(
            document["sharing"].get("external").is_some(),
            external,
            "{version}"
        );

        for (object, message) in [
            (
                json!({"publicAccess": "RW------"}),
                "Invalid public access string: RW------",
            ),
            (
                json!({"publicAccess": "r-------",
                       "userGroupAccesses": [{"id": d2files::emulator::CLERKS_GROUP_ID, "access": "rwx-----"}]}),
                "Invalid user group access string: rwx-----",
            ),
            (
                json!({"publicAccess": "r-------",
                       "userAccesses": [{"id": "KvLgpVgQwY2", "access": "rw-----"}]}),
                "Invalid user access string: rw-----",
            ),
        ] {
            let (status, _, body) =
                post_json(&em, &path, json!({ "object": object }), As::Admin).await;
            assert_eq!(status, StatusCode::CONFLICT, "{version}");
            assert_eq!(body["message"], message, "{version}");
        }
        let (_, _, body) = get(&em, &path).await;
        assert_eq!(
            body["object"]["userGroupAccesses"].as_array().map(Vec::len),
            Some(2)
        );
    }
}

#[tokio::test]
async fn api_sharing_refusals_per_version() {
    for (version, forbidden_code) in [("2.41.7", None), ("2.42.0", Some("E1006"))] {
        let em = start(version).await;
        let private = em.seed_document(link(1).private());
        let public = em.seed_document(link(2));
        let (status, _, body) = get(&em, &format!("/api/sharing?type=documents&id={public}")).await;
        assert_eq!(status, StatusCode::CONFLICT, "{version}");
        assert_eq!(body["message"], "Type documents is not supported.");
        let (status, _, body) = get(&em, "/api/sharing?type=document&id=NoSuchDoc01").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{version}");
        assert_eq!(
            body["message"],
            "Object of type document with ID NoSuchDoc01 was not found."
        );
        assert!(body.get("errorCode").is_none(), "{version}");
        let path = format!("/api/sharing?type=document&id={private}");
        let (status, _, body) = send(request(&em, Method::GET, &path, As::Guest)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{version}");
        assert_eq!(
            body["message"],
            "You do not have manage access to this object."
        );
        assert_eq!(body["errorCode"].as_str(), forbidden_code, "{version}");
        // The guest reads the public one but may not change it (no F_DOCUMENT_*_ADD).
        let path = format!("/api/sharing?type=document&id={public}");
        let (status, _, _) = send(request(&em, Method::GET, &path, As::Guest)).await;
        assert_eq!(status, StatusCode::OK, "{version}");
        let (status, _, _) = post_json(
            &em,
            &path,
            json!({"object": {"publicAccess": "--------"}}),
            As::Guest,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{version}");
        let (status, _, _) = send(
            request(&em, Method::POST, &path, As::Admin)
                .header(header::CONTENT_TYPE, "text/plain")
                .body("{}"),
        )
        .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{version}");
    }
}

#[tokio::test]
async fn sharing_decides_who_reads_a_document() {
    let em = start("2.41.7").await;
    let doc = em.seed_document(link(1).private());
    let as_guest = |path: String| send(request(&em, Method::GET, &path, As::Guest));
    let (status, _, _) = as_guest(format!("/api/documents/{doc}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let path = format!("/api/sharing?type=document&id={doc}");
    let grant = json!({"object": {"publicAccess": "--------", "userGroupAccesses": [
        {"id": d2files::emulator::VIEWERS_GROUP_ID, "access": "r-------"}]}});
    assert_eq!(
        post_json(&em, &path, grant, As::Admin).await.0,
        StatusCode::OK
    );
    let (status, _, _) = as_guest(format!("/api/documents/{doc}")).await;
    assert_eq!(status, StatusCode::OK, "the guest is in the group");
    let through_empty_group = json!({"object": {"publicAccess": "--------", "userGroupAccesses": [
        {"id": d2files::emulator::CLERKS_GROUP_ID, "access": "r-------"}]}});
    assert_eq!(
        post_json(&em, &path, through_empty_group, As::Admin)
            .await
            .0,
        StatusCode::OK
    );
    let (status, _, _) = as_guest(format!("/api/documents/{doc}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the guest is not in that group"
    );
}

#[tokio::test]
async fn put_document_sharing_saves_what_it_was_sent_then_checks() {
    for version in ["2.38.0", "2.42.0", "2.43.0"] {
        let em = start(version).await;
        let doc = em.seed_document(link(1));
        let path = format!("/api/documents/{doc}/sharing");
        let sharing = json!({"owner": "M5zQapPyTZI", "public": "r-------",
            "users": {"any key": {"id": "KvLgpVgQwY2", "access": "rw------"},
                      "x": {"id": "NoSuchUser1", "access": "rw------"}},
            "userGroups": {}});
        let (status, _, body) = put_json(&em, &path, sharing, As::Admin).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{version}: {body}");
        let (_, _, body) = get(&em, &path).await;
        assert_eq!(body["sharing"]["public"], "r-------", "{version}");
        let users: Vec<&String> = body["sharing"]["users"]
            .as_object()
            .expect("users")
            .keys()
            .collect();
        assert_eq!(
            users,
            ["KvLgpVgQwY2"],
            "{version}: map keys ignored, unknown ids dropped"
        );

        // Data rights: a 409 TypeReport, and saved as sent all the same; no owner: none kept.
        let (status, _, body) =
            put_json(&em, &path, json!({"public": "rwrw----"}), As::Admin).await;
        assert_eq!(status, StatusCode::CONFLICT, "{version}");
        assert_eq!(body["response"]["responseType"], "TypeReport");
        let report = &body["response"]["objectReports"][0]["errorReports"][0];
        assert_eq!(report["errorCode"], "E3016", "{version}");
        assert_eq!(report["errorKlass"], "org.hisp.dhis.document.Document");
        let (_, _, body) = get(&em, &path).await;
        assert_eq!(body["sharing"]["public"], "rwrw----", "{version}");
        assert!(body["sharing"].get("owner").is_none(), "{version}");
        let (status, _, body) = put_json(
            &em,
            "/api/documents/NoSuchDoc01/sharing",
            json!({}),
            As::Admin,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{version}");
        assert_eq!(
            body["errorCode"].as_str(),
            common::version(version)
                .has(Change::ErrorCodes)
                .then_some("E1005")
        );
    }
}

#[tokio::test]
async fn legacy_sharing_fields_list_the_accesses_up_to_240() {
    let em = start("2.40.0").await;
    let doc = em.seed_document(link(1));
    let path = format!("/api/sharing?type=document&id={doc}");
    let grant = json!({"object": {"publicAccess": "r-------", "userGroupAccesses": [
        {"id": d2files::emulator::VIEWERS_GROUP_ID, "access": "rw------"}]}});
    assert_eq!(
        post_json(&em, &path, grant, As::Admin).await.0,
        StatusCode::OK
    );
    let (_, _, body) = get(
        &em,
        &format!("/api/documents/{doc}?fields=publicAccess,userGroupAccesses,userAccesses"),
    )
    .await;
    assert_eq!(body["publicAccess"], "r-------");
    assert_eq!(
        body["userGroupAccesses"][0]["userGroupUid"],
        d2files::emulator::VIEWERS_GROUP_ID
    );
    assert_eq!(
        body["userGroupAccesses"][0]["displayName"],
        "Report viewers"
    );
    assert_eq!(body["userAccesses"], json!([]));
}

#[tokio::test]
async fn api_sharing_without_a_public_string_stores_null_which_reads_as_public() {
    let em = start("2.40.0").await;
    let doc = em.seed_document(link(1).private());
    let path = format!("/api/sharing?type=document&id={doc}");
    let (status, _, _) = post_json(&em, &path, json!({"object": {}}), As::Admin).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, body) = get(
        &em,
        &format!("/api/documents/{doc}?fields=sharing,publicAccess"),
    )
    .await;
    assert!(body["sharing"].get("public").is_none(), "{body}");
    assert!(
        body.get("publicAccess").is_none(),
        "null is left out: {body}"
    );
    assert_eq!(body["sharing"]["owner"], "M5zQapPyTZI", "the owner stays");
    let (_, _, body) = get(&em, &path).await;
    assert_eq!(
        body["object"]["publicAccess"], "rw------",
        "computed for the caller"
    );
    let (status, _, _) = send(request(
        &em,
        Method::GET,
        &format!("/api/documents/{doc}"),
        As::Guest,
    ))
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the in-memory ACL reads null as every right"
    );
}

#[tokio::test]
async fn sharing_external_is_no_filter_once_removed() {
    for (version, status) in [
        ("2.41.8", StatusCode::OK),
        ("2.41.9", StatusCode::BAD_REQUEST),
        ("2.42.5", StatusCode::OK),
        ("2.42.6", StatusCode::BAD_REQUEST),
    ] {
        let em = start(version).await;
        em.seed_document(link(1));
        let (got, _, body) = get(&em, "/api/documents?filter=sharing.external:eq:false").await;
        assert_eq!(got, status, "{version}: {body}");
        if status == StatusCode::OK {
            assert_eq!(
                body["documents"].as_array().map(Vec::len),
                Some(1),
                "{version}"
            );
        } else {
            assert_eq!(
                body["message"], "Unknown path property: external",
                "{version}"
            );
        }
    }
}

#[tokio::test]
async fn put_document_sharing_reports_each_bad_string_after_saving_it() {
    let em = start("2.41.7").await;
    let doc = em.seed_document(link(1));
    let path = format!("/api/documents/{doc}/sharing");
    let sharing = json!({"owner": "M5zQapPyTZI", "public": "RW------",
        "userGroups": {"g": {"id": d2files::emulator::VIEWERS_GROUP_ID, "access": "rwx-----"}},
        "users": {"u": {"id": "KvLgpVgQwY2", "access": "r"}}});
    let (status, _, body) = put_json(&em, &path, sharing, As::Admin).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let reports: Vec<(&str, &str)> = body["response"]["objectReports"][0]["errorReports"]
        .as_array()
        .expect("reports")
        .iter()
        .map(|r| {
            (
                r["errorCode"].as_str().expect("code"),
                r["message"].as_str().expect("message"),
            )
        })
        .collect();
    assert_eq!(
        reports,
        [
            ("E3015", "Invalid public access string: `RW------`"),
            ("E3017", "Invalid user group access string: `rwx-----`"),
            ("E3018", "Invalid user access string: `r`"),
        ]
    );
    let (_, _, body) = get(&em, &path).await;
    assert_eq!(body["sharing"]["public"], "RW------", "saved as sent");
    assert_eq!(body["sharing"]["users"]["KvLgpVgQwY2"]["access"], "r");
}

// ---------------------------------------------------------------- §6 rows on the whole matrix
//
// Each expectation from dhis2-api.md §6 (and §3.2 for the list parameters), the release that
// has it from the emulator's table, so a new row of `common::VERSIONS` is classified by it.

fn has(version: &str, change: Change) -> bool {
    common::version(version).has(change)
}

#[tokio::test]
async fn spring_words_405_and_415_by_its_version() {
    // | Spring (415/405 wording) | 5.3 "Content type '…' not supported" | … | 6.2 "Content-Type
    // '…' is not supported" |
    for version in common::VERSIONS {
        let em = start(version).await;
        let (status, _, body) = send(request(
            &em,
            Method::PUT,
            "/api/fileResources/abcdefghijk",
            As::Admin,
        ))
        .await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{version}");
        let (not_allowed, media_type) = if has(version, Change::Spring6) {
            (
                "Request method 'PUT' is not supported",
                "Content-Type 'multipart/form-data;boundary=",
            )
        } else {
            (
                "Request method 'PUT' not supported",
                "Content type 'multipart/form-data;boundary=",
            )
        };
        assert_eq!(body["message"], not_allowed, "{version}");
        let form = reqwest::multipart::Form::new().text("name", "x");
        let (status, _, body) =
            send(request(&em, Method::POST, "/api/documents", As::Admin).multipart(form)).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{version}");
        let message = body["message"].as_str().expect("message");
        assert!(message.starts_with(media_type), "{version}: {message}");
        assert!(
            message.ends_with(if has(version, Change::Spring6) {
                "' is not supported"
            } else {
                "' not supported"
            }),
            "{version}: {message}"
        );
    }
}

#[tokio::test]
async fn garbage_list_parameters_fall_back_before_242_and_are_a_400_from_242() {
    // | `page` | ≤2.41: non-integer input silently falls back to 1. 2.42: a non-integer gives
    // 400 |; | `rootJunction` | ≤2.41: only the exact string `OR` switches to OR, anything else
    // means AND. 2.42: case-insensitive enum, invalid gives 400 | (§3.2, §6)
    for version in common::VERSIONS {
        let em = start(version).await;
        let one = em.seed_document(link(1));
        let two = em.seed_document(link(2));
        let strict = has(version, Change::StrictListParams);
        for (query, refusal) in [
            (
                "page=abc",
                "Value 'abc' is not valid for parameter page. It should be of type Integer",
            ),
            (
                "pageSize=x",
                "Value 'x' is not valid for parameter pageSize. It should be of type Integer",
            ),
            (
                "rootJunction=XOR",
                "Value 'XOR' is not valid for parameter rootJunction. Valid values are: [AND, OR]",
            ),
        ] {
            let (status, _, body) = get(&em, &format!("/api/documents?{query}&gist=false")).await;
            if strict {
                assert_eq!(status, StatusCode::BAD_REQUEST, "{version} {query}");
                assert_eq!(body["message"], refusal, "{version} {query}");
            } else {
                assert_eq!(status, StatusCode::OK, "{version} {query}: {body}");
                assert_eq!(body["pager"]["page"], 1, "{version} {query}");
                assert_eq!(body["pager"]["pageSize"], 50, "{version} {query}");
                assert_eq!(
                    ids(&body, "documents"),
                    [one.clone(), two.clone()],
                    "{version} {query}"
                );
            }
        }
        // `or` is OR only where the enum ignores case; before, it is AND, which nothing matches.
        let (_, _, body) = get(
            &em,
            "/api/documents?filter=name:eq:Doc%2001&filter=name:eq:Doc%2002&rootJunction=or&gist=false",
        )
        .await;
        let expected = if strict { vec![one, two] } else { vec![] };
        assert_eq!(ids(&body, "documents"), expected, "{version}: {body}");
    }
}

#[tokio::test]
async fn legacy_sharing_fields_are_written_up_to_240() {
    // | Legacy sharing fields in JSON (`publicAccess`, `externalAccess`, `userGroupAccesses`,
    // `userAccesses`) | yes | yes | yes | no | no |
    for version in common::VERSIONS {
        let em = start(version).await;
        let id = em.seed_document(link(1));
        let legacy = !has(version, Change::LegacySharingFieldsRemoved);
        let (_, _, plain) = get(&em, &format!("/api/documents/{id}")).await;
        let (_, _, asked) = get(
            &em,
            &format!("/api/documents/{id}?fields=publicAccess,userGroupAccesses,userAccesses"),
        )
        .await;
        for field in ["publicAccess", "userGroupAccesses", "userAccesses"] {
            assert_eq!(plain.get(field).is_some(), legacy, "{version} {field}");
            assert_eq!(asked.get(field).is_some(), legacy, "{version} {field}");
        }
        if legacy {
            assert_eq!(plain["publicAccess"], "rw------", "{version}");
        }
    }
}

#[tokio::test]
async fn error_reports_carry_args_from_241() {
    // | `ErrorReport.args` | no | no | no | yes | yes |
    for version in common::VERSIONS {
        let em = start(version).await;
        let (status, _, response) = post_json(
            &em,
            "/api/documents",
            json!({"name": "x", "external": true}),
            As::Admin,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{version}");
        let report = &response["response"]["errorReports"][0];
        assert_eq!(report["errorCode"], "E4000", "{version}");
        if has(version, Change::ErrorReportArgs) {
            assert_eq!(report["args"], json!(["url"]), "{version}: {report}");
        } else {
            assert!(report.get("args").is_none(), "{version}: {report}");
        }
    }
}

#[tokio::test]
async fn assigned_is_written_from_2416_and_2423() {
    // | `assigned` visible in FR JSON | no | no | no | 2.41.6+ | 2.42.3+ |
    let edges = ["2.41.5", "2.41.6", "2.42.2", "2.42.3"];
    for version in common::VERSIONS.into_iter().chain(edges) {
        let em = start(version).await;
        let fr = em
            .seed_file_resource(SeedFileResource::new("a.txt", "text/plain", b"x".to_vec()))
            .expect("seed");
        let (_, _, body) = get(&em, &format!("/api/fileResources/{fr}")).await;
        if has(version, Change::AssignedVisible) {
            assert_eq!(body["assigned"], false, "{version}: {body}");
        } else {
            assert!(body.get("assigned").is_none(), "{version}: {body}");
        }
    }
}

#[tokio::test]
async fn enum_parameters_ignore_case_from_240() {
    // | Enum query params (`domain`, `dimension`, …) | case-sensitive | case-sensitive |
    // case-insensitive | … |
    for version in common::VERSIONS {
        let em = start(version).await;
        let fr = em
            .seed_file_resource(
                SeedFileResource::new("u.png", "image/png", vec![1; 8]).domain("ORG_UNIT"),
            )
            .expect("seed");
        let data = |dimension: &str| format!("/api/fileResources/{fr}/data?dimension={dimension}");
        let (upper, _, _) = get(&em, &data("SMALL")).await;
        assert_eq!(upper, StatusCode::OK, "{version}");
        let (lower, _, _) = get(&em, &data("small")).await;
        let (domain, _, body) =
            upload(&em, "?domain=document", "a.txt", "text/plain", vec![1]).await;
        if has(version, Change::EnumsIgnoreCase) {
            assert_eq!(lower, StatusCode::OK, "{version}");
            assert_eq!(domain, StatusCode::ACCEPTED, "{version}: {body}");
            assert_eq!(body["response"]["fileResource"]["domain"], "DOCUMENT");
        } else {
            assert_eq!(lower, StatusCode::BAD_REQUEST, "{version}");
            assert_eq!(domain, StatusCode::BAD_REQUEST, "{version}: {body}");
        }
    }
}

#[tokio::test]
async fn icon_uploads_are_validated_from_2406() {
    // | ICON domain / validation | no | no | domain yes, validation 2.40.6+ | yes | yes |
    for version in common::VERSIONS.into_iter().chain(["2.40.6"]) {
        let em = start(version).await;
        let (status, _, body) = upload(
            &em,
            "?domain=ICON",
            "icon.svg",
            "image/svg+xml",
            vec![1; 10],
        )
        .await;
        if !has(version, Change::IconAndJobData) {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{version}: {body}");
        } else if has(version, Change::IconValidation) {
            assert_eq!(status, StatusCode::CONFLICT, "{version}: {body}");
            assert_eq!(
                body["message"], "Wrong file extension, valid extensions are: png",
                "{version}"
            );
        } else {
            assert_eq!(status, StatusCode::ACCEPTED, "{version}: {body}");
            assert_eq!(body["response"]["fileResource"]["domain"], "ICON");
        }
    }
}

// --- the emulator as the far end of a link: latency, pacing, a compressing proxy ---

/// A client that decodes no encoding, to see the bytes the emulator sends.
fn undecoding() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// How long a test waits for an answer that a held or paced emulator must not have given
/// yet: far below the hold (an hour) and the pace (minutes), so it cannot come in time.
const SHORT_WAIT: Duration = Duration::from_millis(300);

#[tokio::test]
async fn an_answer_is_held_for_the_latency() {
    let em = start_with("2.41", |o| o.latency = Duration::from_secs(3600)).await;
    let held = request(&em, Method::GET, "/api/system/info", As::Admin)
        .timeout(SHORT_WAIT)
        .send()
        .await
        .expect_err("held an hour");
    assert!(held.is_timeout(), "{held}");
    // It arrived and was recorded; only its answer waits.
    assert_eq!(em.requests().len(), 1);
}

#[tokio::test]
async fn a_link_rate_paces_uploads_and_answers_and_keeps_every_byte() {
    // 100 bytes a second: 20 kB take minutes, each way.
    let slow = start_with("2.41", |o| o.link_rate = Some(100)).await;
    let (_, document) = seed_file_document(
        &slow,
        "Slow",
        SeedFileResource::new("slow.pdf", "application/pdf", vec![b'x'; 20_000]),
    );
    let download = request(
        &slow,
        Method::GET,
        &format!("/api/documents/{document}/data"),
        As::Admin,
    )
    .timeout(SHORT_WAIT)
    .send()
    .await;
    let body = match download {
        Ok(answer) => answer.bytes().await.map(|_| ()),
        Err(error) => Err(error),
    };
    assert!(body.expect_err("paced").is_timeout());
    let part = reqwest::multipart::Part::bytes(vec![b'y'; 20_000])
        .file_name("up.pdf")
        .mime_str("application/pdf")
        .expect("mime");
    let upload = request(&slow, Method::POST, "/api/fileResources", As::Admin)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .timeout(SHORT_WAIT)
        .send()
        .await
        .expect_err("the upload is read at the link's rate");
    assert!(upload.is_timeout(), "{upload}");

    // Paced fast enough to finish, every byte arrives as it was, both ways.
    let paced = start_with("2.41", |o| o.link_rate = Some(50_000_000)).await;
    let sent = common::pseudo_random_bytes(300_000, 3);
    let answer = common::raw::upload(
        &paced,
        "?domain=DOCUMENT",
        "up.pdf",
        "application/pdf",
        sent.clone(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
    let fr = &answer.json["response"]["fileResource"];
    assert_eq!(fr["contentMd5"], common::md5_hex(&sent));
    let uid = fr["id"].as_str().expect("id");
    let got = request(
        &paced,
        Method::GET,
        &format!("/api/fileResources/{uid}/data"),
        As::Admin,
    )
    .send()
    .await
    .expect("answer");
    assert_eq!(got.content_length(), Some(300_000));
    assert_eq!(got.bytes().await.expect("body"), sent);
}

#[tokio::test]
async fn compress_gzips_json_answers_only_for_a_client_that_accepts_gzip() {
    let em = start_with("2.41", |o| o.compress_json = true).await;
    let json_file = br#"{"rows": ["a", "a", "a", "a", "a", "a", "a", "a", "a", "a"]}"#.repeat(50);
    let (fr, document) = seed_file_document(
        &em,
        "Rows",
        SeedFileResource::new("rows.json", "application/json", json_file.clone()),
    );
    let get = |path: String, accept: Option<&'static str>| {
        let em = &em;
        async move {
            let mut builder = undecoding()
                .get(format!("{}{path}", em.base_url()))
                .basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD));
            if let Some(accept) = accept {
                builder = builder.header(header::ACCEPT_ENCODING, accept);
            }
            let answer = builder.send().await.expect("answer");
            let encoding = answer
                .headers()
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().expect("text").to_string());
            (encoding, answer.bytes().await.expect("body").to_vec())
        }
    };
    let gzip_magic = [0x1f, 0x8b];
    let (encoding, body) = get("/api/documents?pageSize=50".into(), Some("gzip, br")).await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(body.starts_with(&gzip_magic));
    let (encoding, body) = get(format!("/api/fileResources/{fr}"), None).await;
    assert_eq!(encoding, None, "no Accept-Encoding, no compression");
    assert!(serde_json::from_slice::<Value>(&body).is_ok());
    // nginx's gzip_types goes by the type: a JSON file's bytes are gzipped for a client that
    // asks, and sent exactly as stored for one that does not.
    let data = format!("/api/documents/{document}/data");
    let (encoding, body) = get(data.clone(), Some("gzip")).await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(body.starts_with(&gzip_magic));
    let (encoding, body) = get(data, None).await;
    assert_eq!(encoding, None);
    assert_eq!(body, json_file);
    // A PDF is never compressed.
    let (_, pdf) = seed_file_document(
        &em,
        "Pdf",
        SeedFileResource::new(
            "a.pdf",
            "application/pdf",
            b"%PDF-1.4 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
        ),
    );
    let (encoding, _) = get(format!("/api/documents/{pdf}/data"), Some("gzip")).await;
    assert_eq!(encoding, None);
    assert!(
        em.requests()
            .iter()
            .any(|r| r.accept_encoding.as_deref() == Some("gzip, br")),
        "the request log keeps what each client accepted"
    );
}
