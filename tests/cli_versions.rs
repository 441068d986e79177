//! The binary across the whole version matrix (`common::VERSIONS`, one row a release): the
//! demo end to end on every release (CLI, MCP, the TUI's start), `profile verify`'s feature
//! table against the client's, a release newer than d2files knows, and the caveat for several
//! orders where DHIS2 does not keep their priority (dhis2-api.md §12.4).
mod common;

use std::path::Path;
use std::process::Output;

use common::VERSIONS;
use common::pty::{self, Running};
use d2files::api::{Feature, ServerVersion};
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

fn demo(home: &Path, version: &str, args: &[&str]) -> Output {
    let mut command = common::d2files(home);
    command
        .args(["--demo", "--demo-version", version])
        .args(args);
    command.output().expect("the binary runs")
}

fn json_of(output: &Output, what: &str) -> Value {
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_demo_lists_reads_and_verifies_on_every_release() {
    let home = tempfile::tempdir().expect("home");
    for version in VERSIONS {
        let listed = json_of(
            &demo(
                home.path(),
                version,
                &["documents", "list", "--page-size", "2", "--json"],
            ),
            version,
        );
        assert_eq!(listed["pager"]["total"], 49, "{version}");
        assert_eq!(listed["pager"]["page"], 1, "{version}");
        assert_eq!(listed["documents"].as_array().map(Vec::len), Some(2));
        // Page 25 of 2 a page: past the end on every release (2.44 included: no Gist pager).
        let past = demo(
            home.path(),
            version,
            &["documents", "list", "--page", "26", "--page-size", "2"],
        );
        assert!(!past.status.success(), "{version}");
        assert!(
            stderr(&past).contains("past the end"),
            "{version}: {}",
            stderr(&past)
        );

        let resources = demo(home.path(), version, &["resources", "list", "--json"]);
        if common::supports(version, Feature::FileResourceList) {
            let listed = json_of(&resources, version);
            assert!(
                listed["pager"]["total"].as_u64() >= Some(38),
                "{version}: {listed}"
            );
        } else {
            assert!(
                !resources.status.success(),
                "{version}: no list before 2.41"
            );
        }

        let verified = json_of(
            &demo(home.path(), version, &["profile", "verify", "--json"]),
            version,
        );
        let reported = verified["server"]["version"].as_str().expect("version");
        let server = ServerVersion::parse(reported).expect("parses");
        assert!(reported.starts_with(version), "{version}: {reported}");
        let features = verified["features"].as_array().expect("features");
        assert_eq!(features.len(), Feature::ALL.len());
        for feature in Feature::ALL {
            let row = features
                .iter()
                .find(|row| row["feature"] == feature.name())
                .unwrap_or_else(|| panic!("{version}: no row for {}", feature.name()));
            assert_eq!(
                row["supported"],
                server.supports(feature),
                "{version} {feature:?}"
            );
            assert_eq!(row["releases"], feature.releases());
        }
        assert_eq!(
            verified["note"],
            Value::Null,
            "{version} is a known release"
        );
    }
}

#[test]
fn profile_verify_shows_why_a_feature_is_missing_here() {
    let home = tempfile::tempdir().expect("home");
    for (version, yes, no) in [
        (
            "2.38",
            ["push-analysis-domain", "external-sharing"],
            ["file-resource-list", "upload-uid"],
        ),
        (
            "2.44",
            ["file-resource-list", "gist-lists"],
            ["push-analysis-domain", "external-sharing"],
        ),
    ] {
        let output = demo(home.path(), version, &["profile", "verify"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            text.contains("FEATURE") && text.contains("RELEASES"),
            "{text}"
        );
        let here = |name: &str| {
            text.lines()
                .find(|line| line.split_whitespace().next() == Some(name))
                .and_then(|line| line.split_whitespace().nth(1))
                .unwrap_or_else(|| panic!("{version}: no {name} row in {text}"))
                .to_string()
        };
        for name in yes {
            assert_eq!(here(name), "yes", "{version} {name}");
        }
        for name in no {
            assert_eq!(here(name), "no", "{version} {name}");
        }
        assert!(text.contains("2.41+"), "the releases are shown: {text}");
    }
}

#[tokio::test]
async fn a_release_newer_than_known_is_verified_as_the_newest_known_with_a_note() {
    // A server that says 2.45.1: never refused, treated as 2.44, and said so in one line.
    let server = common::hostile::serve(|request, mut conn| async move {
        match request.path() {
            "/api/system/info" => {
                conn.json(200, &json!({"version": "2.45.1", "systemName": "Next"}))
                    .await;
            }
            "/api/me" => {
                conn.json(200, &json!({"id": "M5zQapPyTZI", "username": "admin"}))
                    .await;
            }
            _ => {
                conn.json(404, &json!({"httpStatusCode": 404, "message": "no"}))
                    .await
            }
        }
    })
    .await;
    let home = tempfile::tempdir().expect("home");
    let mut command = common::admin_command_at(home.path(), &server.base_url());
    command.args(["profile", "verify", "--json"]);
    let output = common::run(command).await;
    assert!(output.success, "{}", output.stderr);
    let verified: Value = serde_json::from_str(&output.stdout).expect("json");
    let note = verified["note"].as_str().expect("a note");
    assert!(
        note.contains("2.45.1") && note.contains("treating it as 2.44"),
        "{note}"
    );
    let newest = ServerVersion::parse("2.44.0").expect("parses");
    for row in verified["features"].as_array().expect("features") {
        let feature = Feature::ALL
            .into_iter()
            .find(|f| row["feature"] == f.name())
            .expect("a known feature");
        assert_eq!(row["supported"], newest.supports(feature), "{feature:?}");
    }
    let mut command = common::admin_command_at(home.path(), &server.base_url());
    command.args(["profile", "verify"]);
    let output = common::run(command).await;
    assert!(output.success);
    let lines: Vec<&str> = output
        .stderr
        .lines()
        .filter(|l| l.contains("2.45.1"))
        .collect();
    assert_eq!(lines.len(), 1, "one line: {}", output.stderr);
}

#[test]
fn several_orders_are_caveated_where_the_release_does_not_keep_their_priority() {
    let home = tempfile::tempdir().expect("home");
    for version in VERSIONS {
        let args = [
            "documents",
            "list",
            "--order",
            "name:asc",
            "--order",
            "created:desc",
            "--json",
        ];
        let output = demo(home.path(), version, &args);
        json_of(&output, version);
        let caveat = stderr(&output).contains("does not keep the priority");
        assert_eq!(
            caveat,
            !common::supports(version, Feature::OrderPriority),
            "{version}: {}",
            stderr(&output)
        );
        // One order: nothing to say, and no extra request for it.
        let one = demo(
            home.path(),
            version,
            &["documents", "list", "--order", "name:asc"],
        );
        assert!(!stderr(&one).contains("priority"), "{version}");
    }
}

#[test]
fn an_unknown_order_is_one_line_in_dhis2s_words_where_the_release_refuses_it() {
    let home = tempfile::tempdir().expect("home");
    for version in VERSIONS {
        let output = demo(
            home.path(),
            version,
            &["documents", "list", "--order", "nope:asc"],
        );
        if common::version(version).has(d2files::emulator::Change::UnknownOrderIs400) {
            assert!(!output.status.success(), "{version}");
            let said = stderr(&output);
            assert_eq!(said.trim().lines().count(), 1, "{version}: {said}");
            assert!(said.contains("No such property: nope"), "{version}: {said}");
            assert!(output.stdout.is_empty(), "{version}");
        } else {
            assert!(output.status.success(), "{version}: {}", stderr(&output));
        }
    }
}

#[tokio::test]
async fn the_mcp_server_serves_the_newest_releases() {
    for version in ["2.41", "2.43", "2.44"] {
        let home = tempfile::tempdir().expect("home");
        let mut command = common::d2files(home.path());
        command
            .args(["mcp", "--demo", "--demo-version", version])
            .stderr(std::process::Stdio::null());
        let (client, mut child) = common::serve_mcp(command).await;
        let tools = client.list_all_tools().await.expect("tools");
        assert!(tools.iter().any(|tool| tool.name == "files_documents_list"));
        let listed = client
            .call_tool(
                CallToolRequestParams::new("files_documents_list").with_arguments(
                    json!({"page_size": 3, "order": "name:asc,created:desc"})
                        .as_object()
                        .expect("object")
                        .clone(),
                ),
            )
            .await
            .expect("called");
        assert_ne!(listed.is_error, Some(true), "{version}: {listed:?}");
        let value: Value = listed
            .structured_content
            .clone()
            .or_else(|| {
                listed.content.first().and_then(|content| {
                    content
                        .as_text()
                        .and_then(|text| serde_json::from_str(&text.text).ok())
                })
            })
            .expect("a JSON answer");
        assert_eq!(value["pager"]["total"], 49, "{version}: {value}");
        assert_eq!(value["documents"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            value.get("note").is_some(),
            !common::supports(version, Feature::OrderPriority),
            "{version}: {value}"
        );
        let uid = value["documents"][0]["id"]
            .as_str()
            .expect("id")
            .to_string();
        let got = client
            .call_tool(
                CallToolRequestParams::new("files_documents_get")
                    .with_arguments(json!({"uid": uid}).as_object().expect("object").clone()),
            )
            .await
            .expect("called");
        assert_ne!(got.is_error, Some(true), "{version}: {got:?}");
        client.cancel().await.expect("closed");
        let _ = child.wait().await;
    }
}

#[test]
fn the_tui_starts_on_the_newest_releases() {
    for version in ["2.43", "2.44"] {
        let home = tempfile::tempdir().expect("home");
        let mut command = pty::command(home.path());
        command.args(["--demo", "--demo-version", version]);
        command.env("D2FILES_PAGE_SIZE", "20");
        let mut app = Running::spawn(command);
        app.screen
            .wait_for("the first page", |s| s.contains(" 20 of 49 "));
        assert!(
            app.screen.text().contains(&format!("DHIS2 {version}")),
            "{}",
            app.screen.text()
        );
        // The file resources pane lists on these releases.
        app.send("2");
        app.screen.wait_for("the file resources", |s| {
            s.contains(" domain ") && s.contains("STORED")
        });
        app.send("q");
        let (status, _) = app.wait_exit();
        assert!(status.success(), "{version}: {status:?}");
    }
}
