//! Bounds on what a server can make d2files do: a total deadline on JSON answers, a size cap on
//! them, `--all` that stops on a pager that does not page, answers that are not JSON or not
//! what their status says, TLS where there is none, and trusting an internal CA.
mod common;

use std::future::Future;
use std::time::Duration;

use common::hostile::{self, Hostile};
use common::{admin_command_at, d2files, run, temp_dir, tls};
use d2files::api::{Auth, Client, ClientOptions, Error, ListQuery, MAX_JSON_BODY, StorageStatus};
use serde_json::{Value, json};

/// The deadline the tests give clients: short, so a trickle is caught fast.
const SHORT_DEADLINE: Duration = Duration::from_millis(300);

/// Every test ends within this, whatever the client does.
const TEST_BOUND: Duration = Duration::from_secs(30);

async fn bounded<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_BOUND, work)
        .await
        .expect("the call ended within the test's bound")
}

fn options() -> ClientOptions {
    ClientOptions {
        json_deadline: SHORT_DEADLINE,
        retry_backoff: Duration::from_millis(2),
        // Longer than the test bound: only the deadline can end a trickle.
        read_timeout: Duration::from_secs(60),
        ..ClientOptions::default()
    }
}

fn client(url: &str) -> Client {
    Client::with_options(url, Auth::basic("admin", "district"), options()).expect("client")
}

/// A uid for the n-th document a script invents.
fn uid(n: usize) -> String {
    format!("D{n:010}")
}

/// Announces a long JSON body, then sends a byte every 50 ms: never idle for a read timeout.
async fn trickle(conn: hostile::Conn) {
    conn.trickle_json().await;
}

/// A client call expected to fail.
type FailingCall<'a> = std::pin::Pin<Box<dyn Future<Output = Error> + 'a>>;

#[tokio::test]
async fn a_trickled_json_answer_ends_at_the_deadline_naming_the_request() {
    let server = hostile::serve(|_, conn| trickle(conn)).await;
    let client = client(&server.base_url());
    let calls: Vec<(&str, &str, FailingCall)> = vec![
        (
            "GET",
            "/api/documents/RTkjSgLtdI6",
            Box::pin(async { client.get_document("RTkjSgLtdI6").await.unwrap_err() }),
        ),
        (
            "GET",
            "/api/documents",
            Box::pin(async { client.list_documents(&ListQuery::new()).await.unwrap_err() }),
        ),
        (
            "GET",
            "/api/system/info",
            Box::pin(async { client.connect().await.unwrap_err() }),
        ),
        (
            "POST",
            "/api/documents",
            Box::pin(async {
                client
                    .create_external_document("Link", "https://dhis2.org")
                    .await
                    .unwrap_err()
            }),
        ),
    ];
    for (method, path, call) in calls {
        let before = server.count(method, path);
        let error = bounded(call).await;
        assert!(matches!(error, Error::Deadline { .. }), "{path}: {error:?}");
        assert_eq!(
            error.to_string(),
            format!("network error: the server took longer than 0.3 s to answer ({method} {path})")
        );
        assert_eq!(
            server.count(method, path),
            before + 1,
            "{path}: a deadline hit is not retried"
        );
    }
}

#[tokio::test]
async fn the_answer_to_an_upload_is_read_within_the_deadline() {
    // The bytes are taken in full, then the JSON answer trickles.
    let server = hostile::serve(|request, mut conn| async move {
        conn.read_body(&request).await;
        trickle(conn).await;
    })
    .await;
    let dir = temp_dir();
    let file = common::write_file(dir.path(), "report.pdf", b"%PDF-1.4 tiny");
    let error = bounded(client(&server.base_url()).upload_file_resource(
        &file,
        &d2files::api::Domain::Document,
        &common::transfer(),
    ))
    .await
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "network error: the server took longer than 0.3 s to answer (reading the answer from /api/fileResources)"
    );
}

#[tokio::test]
async fn the_deadline_covers_the_retries_of_a_read() {
    // Every attempt fails fast with a 503 after a pause: the retries cannot outlast the deadline.
    let server = hostile::serve(|_, mut conn| async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        conn.respond(503, "text/plain", b"busy").await;
    })
    .await;
    let client = Client::with_options(
        &server.base_url(),
        Auth::basic("admin", "district"),
        ClientOptions {
            retries: 10,
            ..options()
        },
    )
    .unwrap();
    let error = bounded(client.get_document("RTkjSgLtdI6"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Deadline { .. }), "{error:?}");
    assert!(
        server.count("GET", "/api/documents/RTkjSgLtdI6") < 11,
        "the deadline stopped the retries"
    );
}

#[tokio::test]
async fn a_json_answer_announced_past_the_cap_is_refused_unread() {
    let server = hostile::serve(|_, mut conn| async move {
        let _ = conn
            .head(
                200,
                &[
                    ("Content-Type", "application/json"),
                    ("Content-Length", "10000000000"),
                ],
            )
            .await;
        conn.linger(Duration::from_secs(20)).await;
    })
    .await;
    let error = bounded(client(&server.base_url()).list_documents(&ListQuery::new()))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::TooLarge { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("the server's answer to documents is larger than 64 MiB"),
        "{error}"
    );
}

#[tokio::test]
async fn a_json_answer_growing_past_the_cap_stops_being_read() {
    // No Content-Length: the body ends when the connection closes, which is never.
    let server = hostile::serve(|_, mut conn| async move {
        let _ = conn
            .head(200, &[("Content-Type", "application/json")])
            .await;
        let block = vec![b' '; 1 << 20];
        while conn.write(&block).await.is_ok() {}
    })
    .await;
    let client = Client::with_options(
        &server.base_url(),
        Auth::basic("admin", "district"),
        ClientOptions {
            json_deadline: TEST_BOUND,
            ..options()
        },
    )
    .unwrap();
    let error = bounded(client.get_document("RTkjSgLtdI6"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::TooLarge { limit, .. } if limit == MAX_JSON_BODY as u64),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_html_page_in_a_success_says_it_is_one() {
    let server = hostile::serve(|_, mut conn| async move {
        conn.respond(
            200,
            "text/html; charset=utf-8",
            b"<!DOCTYPE html>\n<html><head><title>Sign in - Ministry SSO</title></head><body><form>...</form></body></html>",
        )
        .await;
    })
    .await;
    let error = bounded(client(&server.base_url()).connect())
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("the server answered with an HTML page (its login page?) instead of JSON: Sign in - Ministry SSO; is the URL the DHIS2 server and not an SSO portal?"),
        "{text}"
    );
}

#[tokio::test]
async fn a_success_that_is_empty_or_text_says_what_came() {
    let server = hostile::serve(|request, mut conn| async move {
        let body: &[u8] = if request.path().ends_with("/me") {
            b"  \n"
        } else {
            b"OK - service ready"
        };
        conn.respond(200, "text/plain", body).await;
    })
    .await;
    let client = client(&server.base_url());
    let error = bounded(client.me()).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "could not read the server's answer to me: the answer was empty"
    );
    let error = bounded(client.get_document("RTkjSgLtdI6"))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "could not read the server's answer to documents/RTkjSgLtdI6: the answer is not JSON: OK - service ready"
    );
}

#[tokio::test]
async fn a_web_message_error_sent_with_200_is_that_error() {
    let server = hostile::serve(|_, mut conn| async move {
        conn.json(
            200,
            &json!({"httpStatus": "Conflict", "httpStatusCode": 409, "status": "ERROR",
                    "message": "The document store is being migrated", "errorCode": "E1004"}),
        )
        .await;
    })
    .await;
    let client = client(&server.base_url());
    // system/info reads into a model whose fields are all optional: the error used to pass.
    for error in [
        bounded(client.connect()).await.unwrap_err(),
        bounded(client.get_document("RTkjSgLtdI6"))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(error.status(), Some(409), "{error:?}");
        assert_eq!(
            error.to_string(),
            "The document store is being migrated (E1004, HTTP 409)"
        );
    }
}

#[tokio::test]
async fn an_import_report_with_errors_sent_with_201_is_that_error() {
    // How DHIS2 words a refused create (a WARNING report with 409), behind a gateway that
    // rewrote the status to 201.
    let server = hostile::serve(|_, mut conn| async move {
        conn.json(
            201,
            &json!({"httpStatus": "Conflict", "httpStatusCode": 409, "status": "WARNING",
                    "message": "One or more errors occurred, please see full details in import report.",
                    "response": {"responseType": "ObjectReport", "errorReports": [
                        {"message": "Property `url` requires a valid URL", "errorCode": "E4004"}]}}),
        )
        .await;
    })
    .await;
    let error =
        bounded(client(&server.base_url()).create_external_document("Link", "https://dhis2.org"))
            .await
            .unwrap_err();
    assert_eq!(error.error_code(), Some("E4004"), "{error:?}");
    assert_eq!(error.status(), Some(409));
}

#[tokio::test]
async fn a_null_pager_and_numbers_written_as_text_do_not_fail_a_list() {
    let server = hostile::serve(|request, mut conn| async move {
        let body = if request.path().ends_with("/fileResources") {
            let mut resource = hostile::file_resource_json("TacExtJuMmW", "a.pdf", 0, None);
            resource["contentLength"] = json!("1000");
            resource["assigned"] = json!("true");
            resource["storageStatus"] = json!("ARCHIVED");
            json!({"pager": {"page": "1", "pageCount": "12", "total": "583", "pageSize": "50",
                             "nextPage": "http://x/api/fileResources?page=2"},
                   "fileResources": [resource]})
        } else {
            let mut document = hostile::document_json("RTkjSgLtdI6", "A", "TacExtJuMmW");
            document["name"] = json!(2025);
            document["code"] = json!(null);
            json!({"pager": null, "documents": [document]})
        };
        // With a byte order mark, as some proxies send.
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(body.to_string().as_bytes());
        conn.respond(200, "application/json", &bytes).await;
    })
    .await;
    let client = client(&server.base_url());
    let documents = bounded(client.list_documents(&ListQuery::new()))
        .await
        .expect("a null pager is no pager");
    assert_eq!((documents.items.len(), documents.pager), (1, None));
    assert_eq!(documents.items[0].name.as_deref(), Some("2025"));
    let resources = bounded(client.list_file_resources(&ListQuery::new()))
        .await
        .expect("numbers as text");
    let pager = resources.pager.expect("a pager");
    assert_eq!(
        (pager.page, pager.page_count, pager.total, pager.page_size),
        (1, 12, 583, 50)
    );
    let resource = &resources.items[0];
    assert_eq!(resource.content_length, Some(1000));
    assert_eq!(resource.assigned, Some(true));
    assert_eq!(
        resource.storage_status,
        Some(StorageStatus::Other("ARCHIVED".into()))
    );
}

#[tokio::test]
async fn an_unknown_storage_status_reaches_json_output_as_sent() {
    let server = hostile::serve(|_, mut conn| async move {
        let mut resource = hostile::file_resource_json("TacExtJuMmW", "a.pdf", 3, None);
        resource["storageStatus"] = json!("ARCHIVED");
        conn.json(200, &resource).await;
    })
    .await;
    let home = temp_dir();
    let mut command = admin_command_at(home.path(), &server.base_url());
    command.args(["resources", "get", "TacExtJuMmW", "--json"]);
    let out = bounded(run(command)).await;
    assert!(out.success, "{}", out.stderr);
    let value: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(value["storageStatus"], "ARCHIVED");
}

#[tokio::test]
async fn https_to_a_plain_http_port_says_so_and_is_not_retried() {
    // What nginx or Tomcat answer to a TLS handshake on a plain port.
    let server = hostile::serve_raw(|mut conn| async move {
        let _ = conn
            .write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
    })
    .await;
    let error = bounded(client(&server.https_url()).get_document("RTkjSgLtdI6"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Protocol(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "network error: the server does not speak TLS here ({}); try http://",
            server.https_url().trim_start_matches("https://")
        )
    );
    assert_eq!(server.connections(), 1, "not retried");
}

#[tokio::test]
async fn http_to_a_tls_port_suggests_https_and_is_not_retried() {
    // A TLS server's answer to plain text: a fatal alert record, no HTTP at all.
    let server = hostile::serve_raw(|mut conn| async move {
        conn.read_some().await;
        let _ = conn
            .write(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46])
            .await;
    })
    .await;
    let error = bounded(client(&server.base_url()).get_document("RTkjSgLtdI6"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Protocol(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("if this port serves HTTPS, try https://"),
        "{error}"
    );
    assert_eq!(server.connections(), 1, "not retried");
}

#[tokio::test]
async fn huge_answer_headers_are_the_servers_fault_and_not_retried() {
    let server = hostile::serve(|_, mut conn| async move {
        let cookie = "x".repeat(1 << 20);
        let _ = conn
            .head(200, &[("Set-Cookie", &cookie), ("Content-Length", "2")])
            .await;
        let _ = conn.write(b"{}").await;
    })
    .await;
    let error = bounded(client(&server.base_url()).get_document("RTkjSgLtdI6"))
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        !text.contains("request could not be sent") && text.contains("headers are too large"),
        "{text}"
    );
    assert_eq!(server.count("GET", "/api/documents/RTkjSgLtdI6"), 1);
}

#[tokio::test]
async fn file_resources_by_id_keeps_only_what_was_asked_for() {
    // A server that ignores `id:in:[…]` and sends everything it has, twice.
    let server = hostile::serve(|_, mut conn| async move {
        let resources: Vec<Value> = ["TacExtJuMmW", "Other000001", "TacExtJuMmW", "Other000002"]
            .iter()
            .map(|uid| hostile::file_resource_json(uid, "f", 1, None))
            .collect();
        conn.json(200, &json!({"fileResources": resources})).await;
    })
    .await;
    let found =
        bounded(client(&server.base_url()).file_resources_by_id(&["TacExtJuMmW".to_string()]))
            .await
            .expect("read");
    let uids: Vec<&str> = found.iter().map(|fr| fr.id.as_str()).collect();
    assert_eq!(uids, ["TacExtJuMmW"]);
}

// --- `--all` against pagers that lie ---------------------------------------------------------

/// A documents (or file resources) page of `ids` with this pager.
fn page_json(key: &str, ids: impl Iterator<Item = usize>, pager: Value) -> Value {
    let items: Vec<Value> = ids
        .map(|n| {
            if key == "documents" {
                json!({"id": uid(n), "name": format!("doc {n}"), "url": "TacExtJuMmW"})
            } else {
                hostile::file_resource_json(&uid(n), &format!("f{n}"), 1, None)
            }
        })
        .collect();
    json!({"pager": pager, key: items})
}

fn next_page_pager(page: usize, page_count: u64, total: u64) -> Value {
    json!({"page": page, "pageCount": page_count, "total": total, "pageSize": 50,
           "nextPage": format!("http://x/api/documents?page={}", page + 1)})
}

async fn list_all(server: &Hostile, noun: &str, extra: &[&str]) -> (bool, Value, String) {
    let home = temp_dir();
    let mut command = admin_command_at(home.path(), &server.base_url());
    command.args([noun, "list", "--all", "--json"]).args(extra);
    let out = bounded(run(command)).await;
    let value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {} / {}", out.stdout, out.stderr));
    (out.success, value, out.stderr)
}

#[tokio::test]
async fn a_pager_that_ignores_page_stops_at_the_repeat_and_fails_loudly() {
    for (noun, key, path) in [
        ("documents", "documents", "/api/documents"),
        ("resources", "fileResources", "/api/fileResources"),
    ] {
        // Always the same 50, always "there is more".
        let server = hostile::serve(move |_, mut conn| async move {
            conn.json(200, &page_json(key, 0..50, next_page_pager(1, 50, 2500)))
                .await;
        })
        .await;
        let (success, value, stderr) = list_all(&server, noun, &[]).await;
        assert!(!success, "{noun}: a cut list fails");
        assert_eq!(
            value[key].as_array().unwrap().len(),
            50,
            "{noun}: each once"
        );
        assert_eq!(
            value["pager"],
            json!({"total": 2500, "fetched": 50, "pages": 2, "complete": false, "cut": "repeated-page"}),
            "{noun}"
        );
        assert!(
            stderr.contains(
                "list is incomplete: the server answered page 2 with items it had already sent"
            ),
            "{noun}: {stderr}"
        );
        assert_eq!(server.count("GET", path), 2, "{noun}");
    }
}

#[tokio::test]
async fn a_pager_whose_window_shifts_by_one_item_stops_at_the_overlap() {
    // Page n holds items n..n+50: one new item a request, were it followed.
    let server = hostile::serve(|request, mut conn| async move {
        let page: usize = request
            .query("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        conn.json(
            200,
            &page_json(
                "documents",
                page..page + 50,
                next_page_pager(page, 50_000, 2_500_000),
            ),
        )
        .await;
    })
    .await;
    let (success, value, stderr) = list_all(&server, "documents", &[]).await;
    assert!(!success, "{stderr}");
    assert_eq!(value["pager"]["cut"], "repeated-page");
    assert_eq!(value["pager"]["fetched"], 51, "each once");
    assert_eq!(server.count("GET", "/api/documents"), 2);
}

#[tokio::test]
async fn a_huge_page_count_is_cut_at_max_items_and_said() {
    // Every page new documents, and a pager claiming a billion.
    let server = hostile::serve(|request, mut conn| async move {
        let page: usize = request
            .query("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let size: usize = request
            .query("pageSize")
            .and_then(|p| p.parse().ok())
            .unwrap_or(50);
        let first = (page - 1) * size;
        let body = page_json(
            "documents",
            first..first + size,
            next_page_pager(page, 100_000_000, 1_000_000_000),
        );
        conn.json(200, &body).await;
    })
    .await;

    // The user's own limit: the shorter list is what was asked for.
    let (success, value, stderr) = list_all(&server, "documents", &["--max-items", "120"]).await;
    assert!(success, "{stderr}");
    assert_eq!(value["documents"].as_array().unwrap().len(), 120);
    assert_eq!(
        value["pager"],
        json!({"total": 1_000_000_000u64, "fetched": 120, "pages": 3, "complete": false, "cut": "max-items"})
    );
    assert!(
        stderr.contains("note: stopped at 120 items while the server has more"),
        "{stderr}"
    );

    // The built-in limit: printed, said, and a failure.
    let (success, value, stderr) = list_all(&server, "documents", &["--page-size", "10000"]).await;
    assert!(!success);
    assert_eq!(value["pager"]["fetched"], 100_000);
    assert_eq!(value["pager"]["cut"], "max-items");
    assert!(
        stderr.contains("stopped at 100000 items while the server has more")
            && stderr.contains("--max-items"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_pager_that_always_has_a_next_page_stops_at_its_page_count() {
    let server = hostile::serve(|request, mut conn| async move {
        let page: usize = request
            .query("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let first = (page - 1) * 50;
        conn.json(
            200,
            &page_json(
                "documents",
                first..first + 50,
                next_page_pager(page, 2, 100),
            ),
        )
        .await;
    })
    .await;
    let (success, value, stderr) = list_all(&server, "documents", &[]).await;
    assert!(success, "{stderr}");
    assert_eq!(
        value["pager"],
        json!({"total": 100, "fetched": 100, "pages": 2, "complete": true, "cut": null})
    );
    assert_eq!(server.count("GET", "/api/documents"), 2);
}

// --- an internal CA ---------------------------------------------------------------------------

#[tokio::test]
async fn a_ca_file_makes_a_private_ca_trusted_and_without_it_the_refusal_is_clear() {
    let ca = tls::PrivateCa::new();
    let dir = temp_dir();
    let ca_path = dir.path().join("ministry-ca.pem");
    std::fs::write(&ca_path, &ca.ca_pem).unwrap();
    let server = tls::serve(&ca, tls::dhis2_answer);

    let untrusting = client(&server.base_url());
    let error = bounded(untrusting.connect()).await.unwrap_err();
    assert!(matches!(error, Error::Protocol(_)), "{error:?}");
    assert!(
        error.to_string().contains("certificate is not trusted")
            && error.to_string().contains("ca_file"),
        "{error}"
    );
    // The system info and the user are asked side by side: one handshake each, none again.
    assert_eq!(
        server.connections(),
        2,
        "a refused certificate is not retried"
    );

    let trusting = Client::with_options(
        &server.base_url(),
        Auth::basic("admin", "district"),
        ClientOptions {
            ca_file: Some(ca_path.clone()),
            ..options()
        },
    )
    .expect("client");
    let info = bounded(trusting.connect()).await.expect("trusted");
    assert_eq!(info.version_text, "2.41.7");

    // Trusted, but for 127.0.0.1 only: by another name it is refused, saying so.
    let by_name = Client::with_options(
        &server.base_url().replace("127.0.0.1", "localhost"),
        Auth::basic("admin", "district"),
        ClientOptions {
            ca_file: Some(ca_path.clone()),
            ..options()
        },
    )
    .expect("client");
    let error = bounded(by_name.connect()).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("the server's certificate is for another name"),
        "{error}"
    );

    // A file that holds no certificate is named, not silently ignored.
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let error = Client::with_options(
        &server.base_url(),
        Auth::basic("admin", "district"),
        ClientOptions {
            ca_file: Some(empty),
            ..options()
        },
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("no certificate in it"),
        "{error}"
    );
}

#[tokio::test]
async fn the_cli_trusts_a_profiles_ca_file_and_ssl_cert_file() {
    let ca = tls::PrivateCa::new();
    let server = tls::serve(&ca, tls::dhis2_answer);
    let home = temp_dir();
    let config = home.path().join("config").join("dhis2");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("ministry-ca.pem"), &ca.ca_pem).unwrap();
    std::fs::write(
        config.join("profiles.toml"),
        format!(
            "default = \"moh\"\n[profiles.moh]\nbase_url = \"{}\"\nauth = \"basic\"\nusername = \"admin\"\npassword = \"district\"\nca_file = \"ministry-ca.pem\"\n\n[profiles.plain]\nbase_url = \"{}\"\nauth = \"basic\"\nusername = \"admin\"\npassword = \"district\"\n",
            server.base_url(),
            server.base_url()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        config.join("profiles.toml"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();

    let list = |profile: &str, cert_file: Option<&std::path::Path>| {
        let mut command = d2files(home.path());
        command.args(["--profile", profile, "documents", "list", "--json"]);
        command
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR");
        if let Some(file) = cert_file {
            command.env("SSL_CERT_FILE", file);
        }
        run(command)
    };
    let out = bounded(list("moh", None)).await;
    assert!(out.success, "ca_file: {}", out.stderr);
    assert!(out.stdout.contains("Behind the CA"), "{}", out.stdout);

    let out = bounded(list("plain", None)).await;
    assert!(!out.success);
    assert!(
        out.stderr.contains("certificate is not trusted"),
        "{}",
        out.stderr
    );

    // rustls-platform-verifier reads SSL_CERT_FILE on Linux (through rustls-native-certs),
    // instead of the system store.
    let out = bounded(list("plain", Some(&config.join("ministry-ca.pem")))).await;
    assert!(out.success, "SSL_CERT_FILE: {}", out.stderr);

    // A machine without system roots (a slim container): the profile's CA is enough.
    let no_roots = home.path().join("no-roots.pem");
    std::fs::write(&no_roots, "").unwrap();
    let out = bounded(list("moh", Some(&no_roots))).await;
    assert!(out.success, "ca_file without system roots: {}", out.stderr);
}
