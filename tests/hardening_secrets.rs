//! Secrets: passwords and tokens never appear in output, errors, `--json` or logs (at the most
//! verbose level), are never sent to an external document's host or after a redirect, and the
//! profile warnings reach the user.
mod hardening_support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use d2files::api::{Auth, Client, DocumentDownload, DownloadTarget, Error};
use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_PAT, ADMIN_USERNAME, Emulator, SeedDocument, SeedFileResource,
};
use hardening_support::*;

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

/// The MCP server over stdio: initialise, list documents, then end of input.
async fn mcp_session(home: &Path) -> Run {
    let mut command = d2files(home);
    command
        .args(["--profile", "pw", "mcp"])
        .env("D2FILES_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("mcp starts");
        let mut stdin = child.stdin.take().unwrap();
        let lines = [
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"files_documents_list","arguments":{}}}"#,
        ];
        for line in lines {
            std::io::Write::write_all(&mut stdin, format!("{line}\n").as_bytes()).unwrap();
        }
        // Give the call time to be answered before the input ends.
        std::thread::sleep(Duration::from_millis(1500));
        drop(stdin);
        let output = child.wait_with_output().expect("mcp ends");
        Run {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn no_secret_in_output_errors_json_or_trace_logs() {
    let em = start("2.41").await;
    let home = temp_dir();
    profiles_file(home.path(), &em, 0o600);
    write_file(home.path(), "report.pdf", &bytes(20_000));
    write_file(home.path(), "tool.exe", b"MZ");
    let stored = em
        .seed_file_resource(SeedFileResource::new(
            "a.txt",
            "text/plain",
            b"hello".to_vec(),
        ))
        .unwrap();
    let document = em.seed_document(SeedDocument::file("A", &stored));
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
            command
                .env("DHIS2_URL", em.base_url())
                .env("DHIS2_USERNAME", ADMIN_USERNAME)
                .env("DHIS2_PASSWORD", ADMIN_PASSWORD);
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
        text.contains("files_documents_list"),
        "the MCP call ran: {}",
        mcp.stderr
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
    let mut command = d2files(home.path());
    as_admin(&mut command, &em);
    command.args(["documents", "download", &document]);
    let run = run(command).await;
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
    let mut command = d2files(home.path());
    as_admin(&mut command, &em);
    command.args(["resources", "download", &stored]);
    let run = run(command).await;
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
