//! The CLI end to end, as a user types it, against an emulator on 127.0.0.1.
mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use common::cli_server::{Server, fail, json, stderr, stdout, succeed, write_profiles};
use common::md5_hex;
use d2files::emulator::{ADMIN_PASSWORD, ADMIN_USERNAME, SeedFileResource};

mod pty_support;

/// The binary with HOME and the XDG directories inside `home`, and no DHIS2_* from outside
/// (see `common::d2files`).
fn isolated_command(home: &Path) -> Command {
    Command::from_std(common::d2files(home))
}

/// A file of `len` pseudo-random bytes (not compressible, not all one value).
fn write_file(dir: &Path, name: &str, len: usize) -> PathBuf {
    common::write_file(dir, name, &common::bytes(len))
}

#[test]
fn documents_list_shows_a_table_with_the_page_and_json_for_scripts() {
    let server = Server::start("2.41", true);
    let output = succeed(server.run(&["documents", "list", "--page-size", "5"]));
    let table = stdout(&output);
    assert!(table.lines().next().unwrap().contains("NAME"), "{table}");
    assert_eq!(table.lines().count(), 6, "header and five rows:\n{table}");
    assert!(stderr(&output).contains("page 1/"), "{}", stderr(&output));

    let output = succeed(server.run(&[
        "documents",
        "list",
        "--filter",
        "name:ilike:malaria",
        "--json",
    ]));
    let value = json(&output);
    let documents = value["documents"].as_array().unwrap();
    assert!(!documents.is_empty());
    for document in documents {
        let name = document["name"].as_str().unwrap().to_lowercase();
        assert!(name.contains("malaria"), "{name}");
    }
    assert_eq!(
        value["pager"]["total"].as_u64().unwrap(),
        documents.len() as u64
    );
}

#[test]
fn documents_list_all_gathers_every_page() {
    let server = Server::start("2.41", true);
    let first = json(&succeed(server.run(&["documents", "list", "--json"])));
    let total = first["pager"]["total"].as_u64().unwrap();
    let all = json(&succeed(server.run(&[
        "documents",
        "list",
        "--all",
        "--page-size",
        "7",
        "--json",
    ])));
    let ids: std::collections::HashSet<&str> = all["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len() as u64, total, "every document once");
}

#[test]
fn a_bad_filter_is_refused_before_sending_and_a_server_refusal_keeps_dhis2s_words() {
    let server = Server::start("2.41", true);
    let message = fail(server.run(&["documents", "list", "--filter", "name:contains:x"]));
    assert!(
        message.contains("`contains` is not a valid operator"),
        "{message}"
    );
    let message = fail(server.run(&["documents", "list", "--filter", "colour:eq:red"]));
    assert!(
        message.contains("Unknown path property: colour"),
        "{message}"
    );
    assert!(message.contains("E1003"), "{message}");
}

#[test]
fn an_uploaded_document_downloads_byte_identical() {
    let server = Server::start("2.41", false);
    let work = tempfile::tempdir().unwrap();
    let source = write_file(work.path(), "district report.pdf", 300_000);
    let uploaded = json(&succeed(server.run(&[
        "documents",
        "upload",
        source.to_str().unwrap(),
        "--name",
        "District report 2025",
        "--json",
    ])));
    let uid = uploaded["document"]["id"].as_str().unwrap().to_string();
    assert_eq!(uploaded["document"]["name"], "District report 2025");
    assert_eq!(uploaded["fileResource"]["storageStatus"], "STORED");
    assert_eq!(uploaded["fileResource"]["domain"], "DOCUMENT");

    let shown = json(&succeed(server.run(&["documents", "get", &uid, "--json"])));
    assert_eq!(shown["fileResource"]["contentLength"], 300_000);

    let out_dir = tempfile::tempdir().unwrap();
    let saved = json(&succeed(server.run(&[
        "documents",
        "download",
        &uid,
        out_dir.path().to_str().unwrap(),
        "--json",
    ])));
    let path = out_dir.path().join("district report.pdf");
    assert_eq!(saved["path"].as_str().unwrap(), path.to_str().unwrap());
    assert_eq!(saved["verification"], "matched");
    let original = std::fs::read(&source).unwrap();
    let downloaded = std::fs::read(&path).unwrap();
    assert_eq!(md5_hex(&downloaded), md5_hex(&original));
    assert_eq!(downloaded, original);
    let leftovers: Vec<_> = std::fs::read_dir(out_dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no .part file left behind");
}

#[test]
fn download_never_overwrites_without_force() {
    let server = Server::start("2.41", false);
    let work = tempfile::tempdir().unwrap();
    let source = write_file(work.path(), "data.csv", 1000);
    let uploaded = json(&succeed(server.run(&[
        "documents",
        "upload",
        source.to_str().unwrap(),
        "--json",
    ])));
    let uid = uploaded["document"]["id"].as_str().unwrap().to_string();
    let target = work.path().join("existing.csv");
    std::fs::write(&target, b"keep me").unwrap();

    let message = fail(server.run(&["documents", "download", &uid, target.to_str().unwrap()]));
    assert!(message.contains("already exists"), "{message}");
    assert!(message.contains("--force"), "{message}");
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");

    succeed(server.run(&[
        "documents",
        "download",
        &uid,
        target.to_str().unwrap(),
        "--force",
    ]));
    assert_eq!(
        std::fs::read(&target).unwrap(),
        std::fs::read(&source).unwrap()
    );
}

#[test]
fn links_are_created_and_checked_against_dhis2s_url_rule() {
    let server = Server::start("2.41", false);
    let created = json(&succeed(server.run(&[
        "documents",
        "upload-url",
        "DHIS2 documentation",
        "https://docs.dhis2.org/en/home.html",
        "--json",
    ])));
    assert_eq!(created["external"], true);
    let uid = created["id"].as_str().unwrap().to_string();

    let message = fail(server.run(&["documents", "upload-url", "Bad", "https://dhis2.org/a."]));
    assert!(message.contains("DHIS2 will not accept"), "{message}");

    let work = tempfile::tempdir().unwrap();
    let output =
        succeed(server.run(&["documents", "download", &uid, work.path().to_str().unwrap()]));
    assert_eq!(
        stdout(&output).trim(),
        "https://docs.dhis2.org/en/home.html"
    );
    assert_eq!(std::fs::read_dir(work.path()).unwrap().count(), 0);
}

#[test]
fn delete_asks_for_yes_when_not_on_a_terminal_then_deletes() {
    let server = Server::start("2.41", false);
    let created = json(&succeed(server.run(&[
        "documents",
        "upload-url",
        "Old link",
        "https://dhis2.org",
        "--json",
    ])));
    let uid = created["id"].as_str().unwrap().to_string();
    let message = fail(server.run(&["documents", "delete", &uid]));
    assert!(message.contains("--yes"), "{message}");
    succeed(server.run(&["documents", "get", &uid]));

    succeed(server.run(&["documents", "delete", &uid, "--yes"]));
    let message = fail(server.run(&["documents", "get", &uid]));
    assert!(message.contains("could not be found"), "{message}");
    assert!(message.contains("E1005"), "{message}");
}

#[test]
fn resources_upload_get_download_and_list() {
    let server = Server::start("2.41", false);
    let work = tempfile::tempdir().unwrap();
    let source = write_file(work.path(), "attachment.txt", 4096);
    let uploaded = json(&succeed(server.run(&[
        "resources",
        "upload",
        source.to_str().unwrap(),
        "--domain",
        "message_attachment",
        "--json",
    ])));
    let uid = uploaded["id"].as_str().unwrap().to_string();
    assert_eq!(uploaded["domain"], "MESSAGE_ATTACHMENT");
    assert_eq!(uploaded["storageStatus"], "STORED");

    let output = succeed(server.run(&["resources", "get", &uid]));
    assert!(stdout(&output).contains("MESSAGE_ATTACHMENT"));

    let target = work.path().join("copy.txt");
    succeed(server.run(&["resources", "download", &uid, target.to_str().unwrap()]));
    assert_eq!(
        std::fs::read(&target).unwrap(),
        std::fs::read(&source).unwrap()
    );

    let listed = json(&succeed(server.run(&[
        "resources",
        "list",
        "--domain",
        "MESSAGE_ATTACHMENT",
        "--json",
    ])));
    let ids: Vec<&str> = listed["fileResources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|fr| fr["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![uid.as_str()]);
}

#[test]
fn resources_list_explains_old_servers_and_data_value_refusals() {
    let server = Server::start("2.40", false);
    let message = fail(server.run(&["resources", "list"]));
    assert!(
        message.contains("not available before DHIS2 2.41"),
        "{message}"
    );

    let uid = server.seed(
        SeedFileResource::new("value.csv", "text/csv", b"a,b\n".to_vec()).domain("DATA_VALUE"),
    );
    let work = tempfile::tempdir().unwrap();
    let message = fail(server.run(&["resources", "download", &uid, work.path().to_str().unwrap()]));
    assert!(message.contains("DATA_VALUE"), "{message}");
    assert!(!message.contains("authentication failed"), "{message}");
    assert_eq!(std::fs::read_dir(work.path()).unwrap().count(), 0);
}

/// DHIS2 answers a page past the end with no items and the last page's number; the CLI says
/// so in one line and fails, rather than print an empty "page 3/3".
#[test]
fn a_page_past_the_end_fails_saying_how_many_pages_there_are() {
    let server = Server::start("2.41", true);
    let listed = json(&succeed(server.run(&["documents", "list", "--json"])));
    let pages = listed["pager"]["total"].as_u64().unwrap().div_ceil(10);
    assert!(pages > 1, "the demo fills more than one page of 10");
    let last = succeed(server.run(&[
        "documents",
        "list",
        "--page",
        &pages.to_string(),
        "--page-size",
        "10",
    ]));
    assert!(
        stderr(&last).contains(&format!("page {pages}/{pages}")),
        "{}",
        stderr(&last)
    );

    let past = (pages + 1).to_string();
    for extra in [None, Some("--json")] {
        let mut args = vec!["documents", "list", "--page", &past, "--page-size", "10"];
        args.extend(extra);
        let output = server.run(&args);
        assert_eq!(stdout(&output), "", "{args:?}");
        assert_eq!(
            fail(output),
            format!("error: page {past} is past the end: there are {pages} pages of 10\n"),
            "{args:?}"
        );
    }
    let nothing = server.run(&[
        "documents",
        "list",
        "--filter",
        "name:eq:no such document",
        "--page",
        "2",
    ]);
    assert_eq!(
        fail(nothing),
        "error: page 2 is past the end: nothing matches, so page 1 (empty) is the only page\n"
    );
    let resources = server.run(&["resources", "list", "--page", "99"]);
    assert_eq!(
        fail(resources),
        "error: page 99 is past the end: there is 1 page of 50\n"
    );
}

#[test]
fn bad_credentials_fail_clearly_without_echoing_the_password() {
    let server = Server::start("2.41", false);
    let output = server
        .d2files(&["documents", "list"])
        .env("DHIS2_PASSWORD", "wrong-secret-123")
        .output()
        .unwrap();
    let message = fail(output);
    assert!(message.contains("authentication failed"), "{message}");
    assert!(!message.contains("wrong-secret-123"), "{message}");
}

#[test]
fn profiles_are_listed_without_secrets_and_verified() {
    let server = Server::start("2.42", false);
    write_profiles(
        server.home.path(),
        &format!(
            "default = \"local\"\n[profiles.local]\nbase_url = \"{}\"\nauth = \"basic\"\n\
             username = \"admin\"\npassword = \"{ADMIN_PASSWORD}\"\n",
            server.emulator.base_url()
        ),
    );
    let mut list = isolated_command(server.home.path());
    let output = succeed(list.args(["profile", "list"]).output().unwrap());
    assert!(stdout(&output).contains("local *"), "{}", stdout(&output));
    assert!(!stdout(&output).contains(ADMIN_PASSWORD));

    let mut verify = isolated_command(server.home.path());
    let output = succeed(
        verify
            .args(["profile", "verify", "--json"])
            .output()
            .unwrap(),
    );
    let value = json(&output);
    assert_eq!(value["profile"], "local");
    assert_eq!(value["server"]["version"], "2.42.0");
    assert_eq!(value["server"]["user"]["username"], "admin");
    assert!(!stdout(&output).contains(ADMIN_PASSWORD));
}

#[test]
fn the_demo_flag_needs_no_server_and_no_configuration() {
    let home = tempfile::tempdir().unwrap();
    let mut command = isolated_command(home.path());
    let output = succeed(
        command
            .args(["--demo", "documents", "list", "--page-size", "3", "--json"])
            .output()
            .unwrap(),
    );
    let value = json(&output);
    assert_eq!(value["documents"].as_array().unwrap().len(), 3);
    assert!(value["pager"]["total"].as_u64().unwrap() >= 40);
}

#[test]
fn nothing_configured_says_what_to_set() {
    let home = tempfile::tempdir().unwrap();
    let mut command = isolated_command(home.path());
    let message = fail(command.args(["documents", "list"]).output().unwrap());
    assert!(message.contains("DHIS2_URL"), "{message}");
    assert!(message.contains("--demo"), "{message}");
}

#[test]
fn demo_server_prints_how_to_connect_and_serves_other_commands() {
    use std::io::{BufRead, BufReader};
    let home = tempfile::tempdir().unwrap();
    let mut server = common::d2files(home.path())
        .args(["demo-server", "--port", "0", "--dhis2-version", "2.39"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let credentials = lines.next().unwrap().unwrap();
    let url = first
        .split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_string();
    assert!(first.contains("2.39"), "{first}");
    assert!(credentials.contains("admin / district"), "{credentials}");

    let output = isolated_command(home.path())
        .env("DHIS2_URL", &url)
        .env("DHIS2_USERNAME", ADMIN_USERNAME)
        .env("DHIS2_PASSWORD", ADMIN_PASSWORD)
        .args(["documents", "list", "--json"])
        .output()
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let value = json(&succeed(output));
    assert!(value["pager"]["total"].as_u64().unwrap() >= 40);
}

#[test]
fn the_first_message_keeps_its_lines() {
    let home = tempfile::tempdir().unwrap();
    let output = isolated_command(home.path())
        .args(["documents", "list"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = stderr(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("error: no DHIS2 server configured"),
        "{text}"
    );
    assert!(lines[1].starts_with("  - set DHIS2_URL"), "{text}");
    assert!(!text.contains('?'), "{text}");
}

#[test]
fn warnings_and_retries_reach_the_terminal_once_and_the_log_in_full() {
    let server = Server::start("2.41", true);
    server
        .emulator
        .faults()
        .fail_next(d2files::emulator::FaultRule::new(503).path("/api/documents"));
    // 0.0.0.0 reaches the emulator but is no loopback name: plain http warns.
    let port = server
        .emulator
        .base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let output = server
        .d2files(&["documents", "list"])
        .env("DHIS2_URL", format!("http://0.0.0.0:{port}"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stderr(&output);
    assert_eq!(text.matches("plain http://").count(), 1, "{text}");
    assert!(
        !text.contains("WARN") && !text.contains("retrying"),
        "{text}"
    );
    let log = std::fs::read_to_string(server.home.path().join("state/d2files/cli.log")).unwrap();
    assert!(log.contains("plain http://"), "{log}");
    assert!(log.contains("transient failure, retrying"), "{log}");
}

#[test]
fn both_downloads_answer_json_of_one_shape() {
    let server = Server::start("2.41", false);
    let uid = server.seed(SeedFileResource::new(
        "a.csv",
        "text/csv",
        b"a,b\n".to_vec(),
    ));
    let work = tempfile::tempdir().unwrap();
    let target = work.path().join("a.csv");
    let saved = json(&succeed(server.run(&[
        "resources",
        "download",
        &uid,
        target.to_str().unwrap(),
        "--json",
    ])));
    assert_eq!(saved["kind"], "saved", "{saved}");
    assert_eq!(saved["verification"], "matched", "{saved}");
}

#[test]
fn an_empty_filter_value_is_refused_before_sending() {
    let server = Server::start("2.41", true);
    let message = fail(server.run(&["documents", "list", "--filter", "name:ilike:"]));
    assert!(message.contains("needs a value"), "{message}");
    assert!(
        server
            .emulator
            .requests()
            .iter()
            .all(|r| r.path != "/api/documents"),
        "nothing sent"
    );
}

#[test]
fn a_busy_port_is_named_with_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let home = tempfile::tempdir().unwrap();
    let output = isolated_command(home.path())
        .args(["demo-server", "--port", &port])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(
        text.contains(&format!("port {port} on 127.0.0.1 is already in use"))
            && text.contains("--port"),
        "{text}"
    );
}

#[test]
fn an_unknown_profile_is_named_by_how_it_was_asked_for() {
    let home = tempfile::tempdir().unwrap();
    let positional = fail(
        isolated_command(home.path())
            .args(["profile", "verify", "nosuch"])
            .output()
            .unwrap(),
    );
    assert!(
        positional.contains("asked for by the NAME of `profile verify`"),
        "{positional}"
    );
    let flag = fail(
        isolated_command(home.path())
            .args(["profile", "verify", "--profile", "nosuch"])
            .output()
            .unwrap(),
    );
    assert!(flag.contains("asked for by --profile"), "{flag}");
}

/// `d2files ARGS` with no server configured.
fn unconfigured(home: &Path, args: &[&str]) -> Output {
    isolated_command(home)
        .args(args)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap()
}

#[test]
fn options_that_do_not_apply_are_usage_errors() {
    let home = tempfile::tempdir().unwrap();
    for (args, says) in [
        (
            &["demo-server", "--demo", "--demo-version", "2.38"][..],
            "unexpected argument '--demo'",
        ),
        (
            &["--demo", "demo-server"],
            "'--demo' does not apply to 'demo-server'",
        ),
        (
            &["--url", "http://x.org", "demo-server"],
            "'--url' does not apply",
        ),
        (
            &["--json", "demo-server"],
            "'--json' does not apply to 'demo-server'",
        ),
        (&["demo-server", "--json"], "unexpected argument '--json'"),
        (&["--json", "mcp"], "'--json' does not apply to 'mcp'"),
        (&["mcp", "--json"], "unexpected argument '--json'"),
        (
            &["profile", "list", "--url", "http://x.org"],
            "unexpected argument '--url'",
        ),
        (
            &["--profile", "p", "profile", "list"],
            "'--profile' does not apply to 'profile list'",
        ),
        (
            &["profile", "verify", "a", "--profile", "b"],
            "the NAME of `profile verify`",
        ),
        (
            &["--mouse", "documents", "list"],
            "--mouse is for the interactive browser",
        ),
        (&["--json"], "--json needs a command"),
        (
            &["--demo", "documents", "list", "--url", "http://x.org"],
            "'--demo' cannot be used with '--url'",
        ),
        (
            &["documents", "list", "--demo-version", "2.38"],
            "'--demo-version' needs '--demo'",
        ),
    ] {
        let output = unconfigured(home.path(), args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(says),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty(), "{args:?}: {}", stdout(&output));
    }
}

#[test]
fn the_connection_and_json_may_come_before_or_after_the_command() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["--demo", "documents", "list", "--page-size", "2", "--json"][..],
        &["documents", "list", "--demo", "--page-size", "2", "--json"],
        &["documents", "--demo", "list", "--page-size", "2", "--json"],
        &["--json", "--demo", "documents", "list", "--page-size", "2"],
    ] {
        let value = json(&succeed(unconfigured(home.path(), args)));
        assert_eq!(value["documents"].as_array().unwrap().len(), 2, "{args:?}");
    }
    // The browser's D2FILES_MOUSE=1 in the environment is no typed --mouse: commands run.
    let output = isolated_command(home.path())
        .env("D2FILES_MOUSE", "1")
        .args(["--demo", "documents", "list", "--json"])
        .output()
        .unwrap();
    succeed(output);
    // --demo-version reaches the demo server from either side of the command.
    for args in [
        &[
            "--demo",
            "profile",
            "verify",
            "--demo-version",
            "2.38",
            "--json",
        ][..],
        &[
            "--demo-version",
            "2.38",
            "--demo",
            "--json",
            "profile",
            "verify",
        ],
    ] {
        let value = json(&succeed(unconfigured(home.path(), args)));
        assert_eq!(value["server"]["version"], "2.38.0", "{args:?}");
    }
    let message = fail(unconfigured(
        home.path(),
        &["--demo", "mcp", "--demo-version", "1.99"],
    ));
    assert!(message.contains("--demo-version 1.99"), "{message}");
}

#[test]
fn demo_server_help_offers_its_own_version_option_only() {
    let home = tempfile::tempdir().unwrap();
    let help = stdout(&succeed(unconfigured(
        home.path(),
        &["demo-server", "--help"],
    )));
    assert!(help.contains("--dhis2-version <VERSION>"), "{help}");
    for foreign in [
        "--profile",
        "--url",
        "--demo ",
        "--demo-version",
        "--json",
        "--mouse",
    ] {
        assert!(!help.contains(foreign), "{foreign} in:\n{help}");
    }
}

#[test]
fn a_url_alone_is_a_connection_of_its_own_beside_a_default_profile() {
    let server = Server::start("2.41", true);
    let url = server.emulator.base_url();
    write_profiles(
        server.home.path(),
        "default = \"prod\"\n[profiles.prod]\nbase_url = \"https://prod.example.org\"\n\
         auth = \"basic\"\nusername = \"admin\"\npassword = \"prod-Secret-1\"\n",
    );
    let run = |extra_env: &[(&str, &str)]| {
        let mut command = isolated_command(server.home.path());
        for (name, value) in extra_env {
            command.env(name, value);
        }
        command
            .args(["--url", &url, "documents", "list", "--json"])
            .output()
            .unwrap()
    };
    // The default profile is for another server: its credentials stay at home.
    let message = fail(run(&[]));
    assert!(message.contains("no credentials are"), "{message}");
    assert!(!message.contains("prod-Secret-1"), "{message}");
    assert!(server.emulator.requests().is_empty(), "nothing was sent");

    let value = json(&succeed(run(&[
        ("DHIS2_USERNAME", ADMIN_USERNAME),
        ("DHIS2_PASSWORD", ADMIN_PASSWORD),
    ])));
    assert!(value["pager"]["total"].as_u64().unwrap() >= 40);

    // A profile written for this very URL lends it its credentials.
    write_profiles(
        server.home.path(),
        &format!(
            "default = \"prod\"\n[profiles.prod]\nbase_url = \"https://prod.example.org\"\n\
             auth = \"basic\"\nusername = \"admin\"\npassword = \"prod-Secret-1\"\n\
             [profiles.local]\nbase_url = \"{url}/\"\nauth = \"basic\"\nusername = \"admin\"\n\
             password = \"{ADMIN_PASSWORD}\"\n"
        ),
    );
    let value = json(&succeed(run(&[])));
    assert!(value["pager"]["total"].as_u64().unwrap() >= 40);
}

/// A name as long as DHIS2 keeps (230 characters).
fn long_name() -> String {
    format!("National strategic plan {}", "annex-".repeat(40))
        .chars()
        .take(230)
        .collect()
}

#[test]
fn a_piped_table_is_padded_to_sensible_widths_with_the_name_whole_and_last() {
    let server = Server::start("2.41", true);
    let long = long_name();
    server
        .emulator
        .seed_document(d2files::emulator::SeedDocument::link(
            &long,
            "https://dhis2.org",
        ));
    let output = succeed(server.run(&["documents", "list", "--page-size", "100"]));
    let table = stdout(&output);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("ID ") && lines[0].ends_with("NAME"),
        "{}",
        lines[0]
    );
    let name_at = lines[0].find("NAME").unwrap();
    assert!(name_at < 100, "the header is padded to {name_at}:\n{table}");
    for line in &lines {
        assert_eq!(*line, line.trim(), "padding at an end: {line:?}");
        assert!(widest_gap(line) <= 42, "padded to a long name: {line}");
    }
    let with_long = lines.iter().find(|line| line.contains(&long)).unwrap();
    assert!(
        with_long.ends_with(&long),
        "the long name is cut: {with_long}"
    );
    // Rows whose cells fit the columns start their names where the header says.
    let aligned = lines
        .iter()
        .filter(|line| line.get(name_at - 2..name_at) == Some("  "))
        .count();
    assert!(aligned > lines.len() / 2, "{table}");

    let resources = stdout(&succeed(server.run(&[
        "resources",
        "list",
        "--page-size",
        "100",
    ])));
    let header = resources.lines().next().unwrap();
    assert!(
        header.starts_with("ID ") && header.ends_with("NAME"),
        "{header}"
    );
    for line in resources.lines() {
        assert_eq!(line, line.trim(), "padding at an end: {line:?}");
        assert!(widest_gap(line) <= 42, "{line}");
    }
}

/// The longest run of spaces in `line`: padding, since no seeded name holds two spaces.
fn widest_gap(line: &str) -> usize {
    line.split(|c| c != ' ').map(str::len).max().unwrap_or(0)
}

#[test]
fn a_table_on_a_terminal_fits_its_width() {
    let server = Server::start("2.41", true);
    server
        .emulator
        .seed_document(d2files::emulator::SeedDocument::link(
            &long_name(),
            "https://dhis2.org",
        ));
    let mut command = pty_support::d2files(server.home.path());
    command.env("DHIS2_URL", server.emulator.base_url());
    command.env("DHIS2_USERNAME", ADMIN_USERNAME);
    command.env("DHIS2_PASSWORD", ADMIN_PASSWORD);
    command.args(["documents", "list", "--page-size", "100"]);
    let (code, output) = pty_support::Pty::spawn(command, 80).finish();
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("NAME") && output.contains("annex-"),
        "{output}"
    );
    for line in output.lines() {
        let shown = line.trim_end_matches('\r');
        assert!(shown.chars().count() <= 80, "wider than 80: {shown:?}");
    }
}

/// `d2files ARGS` in an 80-column pty, with this server in the DHIS2_* variables.
fn in_pty(server: &Server, args: &[&str]) -> pty_support::Pty {
    let mut command =
        pty_support::d2files_as_admin(server.home.path(), &server.emulator.base_url());
    command.args(args);
    pty_support::Pty::spawn(command, 80)
}

#[test]
fn a_declined_delete_deletes_nothing_and_fails() {
    let server = Server::start("2.41", false);
    let document = server
        .emulator
        .seed_document(d2files::emulator::SeedDocument::link(
            "Keep me",
            "https://dhis2.org",
        ));
    let mut asked = in_pty(&server, &["documents", "delete", &document]);
    asked.wait_for("[y/N]");
    asked.send(b"n\r");
    let (code, output) = asked.finish();
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("Nothing deleted."), "{output}");
    assert!(!output.contains("error"), "{output}");
    assert!(
        server
            .emulator
            .requests()
            .iter()
            .all(|r| r.method != "DELETE")
    );
    succeed(server.run(&["documents", "get", &document]));

    let mut asked = in_pty(&server, &["documents", "delete", &document]);
    asked.wait_for("[y/N]");
    asked.send(b"y\r");
    let (code, output) = asked.finish();
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("Deleted document"), "{output}");
}

/// (Without a terminal: `hardening_local::the_tui_without_a_terminal_says_what_to_do`.)
#[test]
fn the_interactive_browser_with_an_unknown_profile_fails_before_taking_the_screen() {
    let home = tempfile::tempdir().unwrap();
    let mut command = pty_support::d2files(home.path());
    command.args(["--profile", "nosuch"]);
    let (code, output) = pty_support::Pty::spawn(command, 80).finish();
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("no profile named 'nosuch'"), "{output}");
    assert!(
        !output.contains("\u{1b}[?1049h"),
        "the alternate screen was entered: {output:?}"
    );
}

#[test]
fn linking_a_file_resource_already_in_use_says_dhis2s_reason() {
    let server = Server::start("2.41", false);
    let fr = server.seed(SeedFileResource::new(
        "a.pdf",
        "application/pdf",
        b"%PDF-1.4".to_vec(),
    ));
    server
        .emulator
        .seed_document(d2files::emulator::SeedDocument::file("First", &fr));
    let message = fail(server.run(&["documents", "link", &fr, "--name", "Second"]));
    assert_eq!(
        message.trim_end(),
        format!(
            "error: E4016: Object referenced by the `url` property is already associated with \
             another object, value: `{fr}` (HTTP 409)"
        )
    );
}

#[test]
fn a_wrong_context_path_says_the_server_answered_and_what_to_try() {
    // DHIS2 at the root, the URL with /dhis.
    let server = Server::start("2.41", false);
    let base = server.emulator.base_url();
    let message = fail(
        server
            .d2files(&["--url", &format!("{base}/dhis"), "documents", "list"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        message.trim_end(),
        format!(
            "error: the server at {base} answered, but there is no DHIS2 API at /dhis/api; \
             try --url {base}"
        )
    );
    let message = fail(
        server
            .d2files(&["profile", "verify"])
            .env("DHIS2_URL", format!("{base}/dhis/"))
            .output()
            .unwrap(),
    );
    assert!(
        message.ends_with(&format!("; try DHIS2_URL={base}\n")),
        "{message}"
    );

    // DHIS2 under /dhis, a profile's URL without it.
    let server = Server::start_with(|options| options.context_path = "/dhis".into());
    let under = server.emulator.base_url();
    let root = under.trim_end_matches("/dhis").to_string();
    write_profiles(
        server.home.path(),
        &format!(
            "[profiles.moh]\nbase_url = \"{root}\"\nauth = \"basic\"\nusername = \"admin\"\n\
             password = \"{ADMIN_PASSWORD}\"\n"
        ),
    );
    let output = isolated_command(server.home.path())
        .args(["--profile", "moh", "resources", "get", "TacExtJuMmW"])
        .output()
        .unwrap();
    let message = fail(output);
    let file = server.home.path().join("config/dhis2/profiles.toml");
    assert_eq!(
        message.trim_end(),
        format!(
            "error: the server at {root} answered, but there is no DHIS2 API at /api; set \
             base_url = \"{under}\" for profile 'moh' in {}",
            file.display()
        )
    );
}
