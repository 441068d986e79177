//! Secrets: passwords and tokens never appear in output, errors, `--json` or logs (at the most
//! verbose level), are never sent to an external document's host or after a redirect, and the
//! profile warnings reach the user.
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use common::*;
use d2files::api::{Auth, Client, DocumentDownload, DownloadTarget, Error};
use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_PAT, ADMIN_USERNAME, Emulator, SeedDocument, SeedFileResource,
};

/// A label, the arguments, and extra environment variables.
type Session<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>);

const WRONG_PASSWORD: &str = "Wr0ng-Pa55-qZx7";
/// Well formed (prefix, length) but unknown to the server.
const WRONG_TOKEN: &str = "d2pat_AAAAbbbbCCCCddddEEEEffffGGGGhhhh0000000000";

fn basic(user: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

/// Every form a secret could leak in.
fn needles() -> Vec<String> {
    let mut needles = vec![
        ADMIN_PASSWORD.to_string(),
        ADMIN_PAT.to_string(),
        WRONG_PASSWORD.to_string(),
        WRONG_TOKEN.to_string(),
        basic(ADMIN_USERNAME, ADMIN_PASSWORD),
        basic(ADMIN_USERNAME, WRONG_PASSWORD),
    ];
    // The token's distinctive middle, in case it is cut or quoted oddly.
    needles.push(ADMIN_PAT[6..30].to_string());
    needles.push(WRONG_TOKEN[6..30].to_string());
    needles
}

struct Transcript {
    text: String,
}

impl Transcript {
    fn add(&mut self, label: &str, run: &Run) {
        self.text.push_str(&format!(
            "\n== {label}\n-- stdout\n{}\n-- stderr\n{}",
            run.stdout, run.stderr
        ));
    }

    fn add_files(&mut self, dir: &Path) {
        if !dir.exists() {
            return;
        }
        for path in tree(dir) {
            let full = dir.join(&path);
            if full.is_file() {
                let bytes = std::fs::read(&full).unwrap();
                self.text.push_str(&format!(
                    "\n== file {}\n{}",
                    path.display(),
                    String::from_utf8_lossy(&bytes)
                ));
            }
        }
    }
}

fn profiles_file(home: &Path, em: &Emulator, mode: u32) -> std::path::PathBuf {
    let dir = home.join("config/dhis2");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("profiles.toml");
    let url = em.base_url();
    std::fs::write(
        &file,
        format!(
            "default = \"pw\"\n\
             [profiles.pw]\nbase_url = \"{url}\"\nauth = \"basic\"\nusername = \"{ADMIN_USERNAME}\"\npassword = \"{ADMIN_PASSWORD}\"\n\
             [profiles.tok]\nbase_url = \"{url}\"\nauth = \"pat\"\ntoken = \"{ADMIN_PAT}\"\n\
             [profiles.wrong]\nbase_url = \"{url}\"\nauth = \"basic\"\nusername = \"{ADMIN_USERNAME}\"\npassword = \"{WRONG_PASSWORD}\"\n\
             [profiles.badtoken]\nbase_url = \"{url}\"\nauth = \"pat\"\ntoken = \"{WRONG_TOKEN}\"\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
    file
}

/// The MCP server over stdio, driven by rmcp's client: initialise, list documents, then end of
/// input; its answer and its stderr.
async fn mcp_session(home: &Path) -> Run {
    use rmcp::model::CallToolRequestParams;

    let mut command = d2files(home);
    command
        .args(["--profile", "pw", "mcp"])
        .env("D2FILES_LOG", "trace")
        .stderr(Stdio::piped());
    let (client, child) = serve_mcp(command).await;
    let answer = client
        .call_tool(CallToolRequestParams::new("files_documents_list"))
        .await
        .expect("files_documents_list answers");
    client.cancel().await.unwrap();
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("the MCP server ends once its input closes")
        .unwrap();
    Run {
        success: output.status.success(),
        stdout: serde_json::to_string(&answer).unwrap(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[tokio::test]
async fn no_secret_in_output_errors_json_or_trace_logs() {
    let em = start("2.41").await;
    let home = temp_dir();
    profiles_file(home.path(), &em, 0o600);
    write_file(home.path(), "report.pdf", &bytes(20_000));
    write_file(home.path(), "tool.exe", b"MZ");
    let (_, document) = seed_file_document(
        &em,
        "A",
        SeedFileResource::new("a.txt", "text/plain", b"hello".to_vec()),
    );
    let mut transcript = Transcript {
        text: String::new(),
    };
    let sessions: Vec<Session> = vec![
        ("env basic list", vec!["documents", "list"], vec![]),
        (
            "env basic list json",
            vec!["--json", "documents", "list"],
            vec![],
        ),
        (
            "env basic get json",
            vec!["--json", "documents", "get", &document],
            vec![],
        ),
        (
            "env basic download",
            vec!["documents", "download", &document, "--force"],
            vec![],
        ),
        (
            "env basic upload",
            vec!["documents", "upload", "report.pdf"],
            vec![],
        ),
        (
            "env basic blocked upload",
            vec!["--json", "resources", "upload", "tool.exe"],
            vec![],
        ),
        (
            "env basic 404",
            vec!["documents", "get", "AAAAAAAAAAA"],
            vec![],
        ),
        (
            "env wrong password",
            vec!["documents", "list"],
            vec![("DHIS2_PASSWORD", WRONG_PASSWORD)],
        ),
        (
            "env wrong password json",
            vec!["--json", "resources", "list"],
            vec![("DHIS2_PASSWORD", WRONG_PASSWORD)],
        ),
        (
            "env token",
            vec!["--json", "documents", "list"],
            vec![("DHIS2_PAT", ADMIN_PAT)],
        ),
        (
            "env wrong token",
            vec!["documents", "list"],
            vec![("DHIS2_PAT", WRONG_TOKEN)],
        ),
        ("profile list", vec!["profile", "list"], vec![]),
        (
            "profile list json",
            vec!["--json", "profile", "list"],
            vec![],
        ),
        ("profile verify", vec!["profile", "verify"], vec![]),
        (
            "profile verify token json",
            vec!["--json", "profile", "verify", "tok"],
            vec![],
        ),
        (
            "profile verify wrong",
            vec!["profile", "verify", "wrong"],
            vec![],
        ),
        (
            "profile verify bad token json",
            vec!["--json", "profile", "verify", "badtoken"],
            vec![],
        ),
        ("tui without a terminal", vec!["--profile", "pw"], vec![]),
    ];
    for (label, args, env) in sessions {
        let mut command = d2files(home.path());
        command.env("D2FILES_LOG", "trace");
        if label.starts_with("env") {
            as_admin(&mut command, &em);
            if env.iter().any(|(k, _)| *k == "DHIS2_PAT") {
                command
                    .env_remove("DHIS2_USERNAME")
                    .env_remove("DHIS2_PASSWORD");
            }
        }
        for (key, value) in env {
            command.env(key, value);
        }
        command.args(args);
        let run = run(command).await;
        transcript.add(label, &run);
    }
    let mcp = mcp_session(home.path()).await;
    transcript.add("mcp", &mcp);
    transcript.add_files(&home.path().join("state"));
    transcript.add_files(&home.path().join("data"));

    // The sessions did what they say: successes, refusals and log files.
    let text = &transcript.text;
    assert!(text.contains("Saved "), "the download ran");
    assert!(
        text.contains("E6101"),
        "the blocked upload was refused by the server"
    );
    assert!(
        text.contains("authentication failed"),
        "the wrong credentials failed"
    );
    assert!(
        mcp.stdout.contains(r#""documents":[{"#),
        "the MCP call listed documents: {}",
        mcp.stdout
    );
    assert!(
        text.contains("== file d2files/mcp.log"),
        "the MCP log exists"
    );
    assert!(
        text.contains("TRACE") || text.contains("DEBUG"),
        "logging was verbose"
    );
    assert!(
        text.contains("needs a terminal"),
        "the TUI refused to start without one"
    );
    for needle in needles() {
        if let Some(at) = text.find(&needle) {
            let from = text[..at].rfind("\n==").unwrap_or(0);
            panic!(
                "secret {needle:?} leaked in:\n{}",
                &text[from..(at + 200).min(text.len())]
            );
        }
    }
}

#[tokio::test]
async fn profile_warnings_reach_the_user_on_stderr() {
    let em = start("2.41").await;
    let home = temp_dir();
    let file = profiles_file(home.path(), &em, 0o644);
    // 0.0.0.0 reaches this machine's emulator, but is no loopback name: plain http warns.
    let port = em.base_url().rsplit(':').next().unwrap().to_string();
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replacen(
        &format!("base_url = \"{}\"", em.base_url()),
        &format!("base_url = \"http://0.0.0.0:{port}\""),
        1,
    );
    std::fs::write(&file, text).unwrap();
    let mut command = d2files(home.path());
    command.args(["--json", "profile", "verify", "pw"]);
    let verified = run(command).await;
    assert!(verified.success, "{}", verified.stderr);
    assert!(verified.stderr.contains("warning: "), "{}", verified.stderr);
    assert!(
        verified.stderr.contains("plain http://"),
        "{}",
        verified.stderr
    );
    assert!(
        verified.stderr.contains("other users can read it"),
        "{}",
        verified.stderr
    );
    assert!(verified.stderr.contains("644"), "{}", verified.stderr);
    // Warnings stay off stdout, which carries the JSON.
    assert!(
        serde_json::from_str::<serde_json::Value>(&verified.stdout).is_ok(),
        "{}",
        verified.stdout
    );

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut command = d2files(home.path());
    command.args(["profile", "verify", "tok"]);
    let run = run(command).await;
    assert!(run.success, "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}

fn external_site_requests(site: &Emulator) -> usize {
    site.requests().len()
}

#[tokio::test]
async fn credentials_never_reach_an_external_documents_host() {
    let em = start("2.41").await;
    let site = start("2.41").await;
    let link = format!("{}/external/annual-report.pdf", site.base_url());
    let document = em.seed_document(SeedDocument::link("Annual report", &link));
    let dir = temp_dir();
    let outcome = admin(&em)
        .download_document(
            &document,
            &DownloadTarget::Directory(dir.path().to_path_buf()),
            &transfer(),
        )
        .await
        .unwrap();
    match outcome {
        DocumentDownload::External { url } => assert_eq!(url, link),
        other => panic!("{other:?}"),
    }
    // The CLI prints the link and fetches nothing either.
    let home = temp_dir();
    let run = run_as_admin(home.path(), &em, &["documents", "download", &document]).await;
    assert!(run.success, "{}", run.stderr);
    assert!(run.stdout.contains(&link), "{}", run.stdout);
    assert!(
        run.stderr.contains("nothing was downloaded"),
        "{}",
        run.stderr
    );
    assert!(tree(dir.path()).is_empty());
    assert_eq!(external_site_requests(&site), 0, "{:?}", site.requests());
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed() {
    let em = start("2.41").await;
    let site = start("2.41").await;
    let elsewhere = format!("{}/external/steal", site.base_url());
    for auth in [
        Auth::basic(ADMIN_USERNAME, ADMIN_PASSWORD),
        Auth::token(ADMIN_PAT),
    ] {
        let client = Client::new(&em.base_url(), auth).unwrap();
        em.faults().redirect_next_to(&elsewhere, 1);
        let error = client.connect().await.unwrap_err();
        assert!(
            matches!(error, Error::Http { status: 302, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("redirect"), "{error}");
    }
    // A download answered with a redirect is refused too.
    let stored = em
        .seed_file_resource(SeedFileResource::new("a.txt", "text/plain", b"x".to_vec()))
        .unwrap();
    let home = temp_dir();
    em.faults().redirect_next_to(&elsewhere, 3);
    let run = run_as_admin(home.path(), &em, &["resources", "download", &stored]).await;
    assert!(!run.success);
    assert!(run.stderr.contains("redirect"), "{}", run.stderr);
    assert!(
        tree(home.path())
            .iter()
            .all(|p| !p.to_string_lossy().starts_with("a.txt"))
    );
    assert_eq!(external_site_requests(&site), 0, "{:?}", site.requests());
}

#[tokio::test]
async fn a_password_written_into_the_url_is_never_repeated() {
    const SECRET: &str = "S3cret-in-URL-9q";
    for url in [
        format!("https://admin:{SECRET}@dhis.example.org:99999"),
        format!("https://admin:{SECRET}@dhis.example.org"),
        format!("ftp://admin:{SECRET}@dhis.example.org"),
    ] {
        let error = Client::new(&url, Auth::token(ADMIN_PAT)).unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(!text.contains(SECRET), "{text}");
        let home = temp_dir();
        let mut command = d2files(home.path());
        command
            .env("DHIS2_PAT", ADMIN_PAT)
            .args(["--url", &url, "documents", "list"]);
        let run = run(command).await;
        assert!(!run.success);
        assert!(!run.stderr.contains(SECRET), "{}", run.stderr);
        assert!(!run.stdout.contains(SECRET), "{}", run.stdout);
    }
}

// ---- a server that writes our credentials back ----

/// The password of the echo tests: unique, so a hit can only be a leak.
const ECHO_PASSWORD: &str = "Echo-Pa55-zQ9w";
const ECHO_USER: &str = "echo-user";
const ECHO_TOKEN: &str = "d2pat_EchoEchoEchoEchoEchoEcho0000000000000000";

/// Every form of the echo tests' secrets.
fn echo_needles() -> Vec<String> {
    let pair = format!("{ECHO_USER}:{ECHO_PASSWORD}");
    let basic = basic(ECHO_USER, ECHO_PASSWORD);
    vec![
        ECHO_PASSWORD.to_string(),
        ECHO_PASSWORD.to_ascii_lowercase(),
        ECHO_TOKEN.to_string(),
        ECHO_TOKEN[6..30].to_string(),
        pair,
        basic.trim_end_matches('=').to_string(),
        // A cut echo: its first half is enough to guess the rest.
        basic[..basic.len() / 2].to_string(),
    ]
}

/// What the server writes back: the header as it came, and what it decodes to.
fn echoes(request: &hostile::Request) -> String {
    let header = request.header("authorization").unwrap_or("").to_string();
    let decoded = header
        .strip_prefix("Basic ")
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .map(|pair| String::from_utf8_lossy(&pair).into_owned())
        .unwrap_or_default();
    let secret = decoded
        .split_once(':')
        .map(|(_, password)| password.to_string())
        .or_else(|| header.strip_prefix("ApiToken ").map(str::to_string))
        .unwrap_or_default();
    format!(
        "Authorization: {header} pair {decoded} secret {secret} LOWER {}",
        secret.to_ascii_lowercase()
    )
}

/// A DHIS2 that answers every request with our credentials in its words, a different way per
/// uid: 401 JSON, HTML 500 pages (with a title, and long text cut mid-secret), a 409 with
/// error reports and a devMessage, redirects, a body that does not decode, a refused DATA_VALUE
/// download, and a document whose stored name is the Authorization header.
async fn echoing_server() -> hostile::Hostile {
    hostile::serve(|request, mut conn| async move {
        let echo = echoes(&request);
        let path = request.path().to_string();
        let uid = path.rsplit('/').next().unwrap_or("").to_string();
        let web_message = |status: u16, message: String| {
            serde_json::json!({
                "httpStatus": "Error", "httpStatusCode": status, "status": "ERROR",
                "message": message, "devMessage": format!("dev: {echo}"),
            })
        };
        match (request.method.as_str(), path.as_str(), uid.as_str()) {
            ("POST", "/api/documents", _) => {
                let mut body = web_message(409, "One or more errors occurred".into());
                body["response"] = serde_json::json!({"responseType": "ObjectReport", "errorReports": [
                    {"message": format!("Property `url` refused: {echo}"), "errorCode": "E4000",
                     "args": [echo.clone()], "errorProperty": echo.clone()}]});
                conn.json(409, &body).await;
            }
            (_, "/api/documents", _) => {
                conn.json(401, &web_message(401, format!("Bad credentials: {echo}")))
                    .await;
            }
            (_, _, "HtmlPage500") => {
                let page = format!(
                    "<html><head><title>500 {echo}</title></head><body>{echo}</body></html>"
                );
                conn.respond(500, "text/html", page.as_bytes()).await;
            }
            (_, _, "LongText500") => {
                let page = format!("<html><body><p>{} {echo}</p></body></html>", "x".repeat(175));
                conn.respond(500, "text/html", page.as_bytes()).await;
            }
            (_, _, "DevMessage4") => {
                conn.json(500, &web_message(500, "Internal error".into())).await;
            }
            (_, _, "LoginRedir1") => {
                let secret = echo.rsplit(' ').next().unwrap_or("").to_string();
                let location = format!("http://127.0.0.1:1/dhis-web-login/{secret}?{secret}");
                conn.head(302, &[("Location", &location), ("Content-Length", "0")])
                    .await
                    .ok();
            }
            (_, _, "OtherRedir1") => {
                let header = request.header("authorization").unwrap_or("").replace(' ', "+");
                let location = format!("http://127.0.0.1:1/elsewhere/{header}");
                conn.head(302, &[("Location", &location), ("Content-Length", "0")])
                    .await
                    .ok();
            }
            (_, _, "BadJson0000") => {
                // serde quotes a string it cannot read as a document.
                let body = serde_json::Value::String(echo);
                conn.json(200, &body).await;
            }
            (_, _, "EchoName001") => {
                let header = request.header("authorization").unwrap_or("").to_string();
                let body = serde_json::json!({"id": "EchoName001", "name": header, "external": true,
                    "url": "https://example.org/x"});
                conn.json(200, &body).await;
            }
            (_, "/api/fileResources/DataValue01", _) => {
                let mut body = hostile::file_resource_json("DataValue01", "dv.bin", 3, None);
                body["domain"] = "DATA_VALUE".into();
                conn.json(200, &body).await;
            }
            (_, "/api/fileResources/DataValue01/data", _) => {
                conn.json(401, &web_message(401, format!("Forbidden: {echo}")))
                    .await;
            }
            _ => conn.json(404, &web_message(404, format!("Not found: {echo}"))).await,
        }
    })
    .await
}

/// Panics with the surroundings of the first secret found in `text`.
fn assert_no_echo(text: &str) {
    for needle in echo_needles() {
        if let Some(at) = text.find(&needle) {
            let from = text[..at].rfind("\n==").unwrap_or(0);
            panic!(
                "secret {needle:?} leaked in:\n{}",
                &text[from..(at + 200).min(text.len())]
            );
        }
    }
}

#[tokio::test]
async fn credentials_a_server_echoes_are_masked_in_output_and_logs() {
    let server = echoing_server().await;
    let home = temp_dir();
    let mut transcript = Transcript {
        text: String::new(),
    };
    let sessions: Vec<Vec<&str>> = vec![
        vec!["documents", "list"],
        vec!["--json", "documents", "list"],
        vec!["documents", "get", "HtmlPage500"],
        vec!["documents", "get", "LongText500"],
        vec!["resources", "get", "DevMessage4"],
        vec!["--json", "resources", "get", "DevMessage4"],
        vec!["documents", "upload-url", "Link", "https://example.org/a"],
        vec!["documents", "get", "LoginRedir1"],
        vec!["documents", "get", "OtherRedir1"],
        vec!["documents", "get", "BadJson0000"],
        vec!["resources", "download", "DataValue01"],
        vec!["profile", "verify"],
        // A stored name that echoes the header: a success, shown masked.
        vec!["documents", "get", "EchoName001"],
        vec!["--json", "documents", "get", "EchoName001"],
    ];
    for log in [None, Some("trace")] {
        for token in [false, true] {
            for args in &sessions {
                let mut command = d2files(home.path());
                command.env("DHIS2_URL", server.base_url());
                if token {
                    command.env("DHIS2_PAT", ECHO_TOKEN);
                } else {
                    command
                        .env("DHIS2_USERNAME", ECHO_USER)
                        .env("DHIS2_PASSWORD", ECHO_PASSWORD);
                }
                if let Some(level) = log {
                    command.env("D2FILES_LOG", level);
                }
                command.args(args);
                let run = run(command).await;
                let scripted_to_fail = !args.contains(&"EchoName001");
                assert_eq!(run.success, !scripted_to_fail, "{args:?}: {}", run.stderr);
                transcript.add(&format!("{args:?} token={token} log={log:?}"), &run);
            }
        }
    }
    for log in [None, Some("trace")] {
        transcript.add_mcp(&mcp_against(&server, home.path(), log).await);
    }
    transcript.add_files(&home.path().join("state"));
    let text = &transcript.text;
    // The echoes happened and were masked; the errors still say what went wrong.
    for expected in [
        "Authorization: Basic ***",
        "Authorization: ApiToken ***",
        "   name  Basic ***",
        r#""name": "ApiToken ***""#,
        "HTTP 500",
        "authentication failed",
        "E4000",
        "could not read the server's answer",
        "DATA_VALUE",
        "unexpected redirect",
        "== file d2files/mcp.log",
        "TRACE",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
    assert_no_echo(text);
}

impl Transcript {
    fn add_mcp(&mut self, session: &str) {
        self.text.push_str(&format!("\n== mcp\n{session}"));
    }
}

/// `d2files mcp` against `server` as an rmcp client sees it: every tool answer (text and
/// structured content) and the server's stderr.
async fn mcp_against(server: &hostile::Hostile, home: &Path, log: Option<&str>) -> String {
    use rmcp::model::CallToolRequestParams;

    let mut command = d2files(home);
    command
        .env("DHIS2_URL", server.base_url())
        .env("DHIS2_USERNAME", ECHO_USER)
        .env("DHIS2_PASSWORD", ECHO_PASSWORD)
        .arg("mcp")
        .stderr(Stdio::piped());
    if let Some(level) = log {
        command.env("D2FILES_LOG", level);
    }
    let (client, child) = serve_mcp(command).await;
    let mut answers = String::new();
    for (tool, arguments) in [
        ("files_documents_list", serde_json::json!({})),
        (
            "files_documents_get",
            serde_json::json!({"uid": "HtmlPage500"}),
        ),
        (
            "files_documents_get",
            serde_json::json!({"uid": "LongText500"}),
        ),
        (
            "files_documents_get",
            serde_json::json!({"uid": "BadJson0000"}),
        ),
        (
            "files_documents_get",
            serde_json::json!({"uid": "EchoName001"}),
        ),
        (
            "files_resources_get",
            serde_json::json!({"uid": "DevMessage4"}),
        ),
        (
            "files_documents_create_external",
            serde_json::json!({"name": "Link", "url": "https://example.org/a"}),
        ),
    ] {
        let serde_json::Value::Object(arguments) = arguments else {
            unreachable!()
        };
        let result = client
            .call_tool(CallToolRequestParams::new(tool).with_arguments(arguments))
            .await
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        answers.push_str(&format!(
            "{tool}: {}\n",
            serde_json::to_string(&result).unwrap()
        ));
    }
    client.cancel().await.unwrap();
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("the MCP server ends once its input closes")
        .unwrap();
    assert!(answers.contains("***"), "the server echoed: {answers}");
    // A stored name that echoes the header reaches the agent masked.
    assert!(answers.contains(r#"\"name\":\"Basic ***\""#), "{answers}");
    format!(
        "{answers}-- stderr\n{}",
        String::from_utf8_lossy(&output.stderr)
    )
}
