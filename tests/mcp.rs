//! The MCP server seen from an MCP client (rmcp's own): in process over a duplex pipe, and
//! end to end over the stdio of `d2files mcp --demo`.
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use d2files::api::{Auth, Client};
use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_USERNAME, Emulator, EmulatorOptions, GUEST_PASSWORD, GUEST_USERNAME,
    SeedDocument,
};
use d2files::mcp::FilesServer;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

mod common;

use common::{McpClient, hostile};

const ALL_TOOLS: [&str; 7] = [
    "files_check",
    "files_documents_create_external",
    "files_documents_delete",
    "files_documents_get",
    "files_documents_list",
    "files_documents_rename",
    "files_resources_get",
];

/// A client whose server refuses connections: for calls that must be refused before any
/// request goes out.
fn unreachable_client() -> Client {
    Client::new("http://127.0.0.1:1", Auth::basic("admin", "district")).unwrap()
}

/// Serves `server` in this process and connects an MCP client to it.
async fn connect(server: FilesServer) -> McpClient {
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    ().serve(client_io)
        .await
        .expect("the MCP handshake succeeds")
}

async fn call(client: &McpClient, tool: &str, arguments: Value) -> CallToolResult {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object");
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(arguments))
        .await
        .unwrap_or_else(|error| panic!("{tool} answered with a protocol error: {error}"))
}

fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|text| text.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The JSON a successful call returned, checked to be both the text and the structured content.
fn ok_json(result: &CallToolResult) -> Value {
    assert_eq!(result.is_error, Some(false), "{}", text(result));
    let parsed: Value = serde_json::from_str(&text(result)).expect("the text is JSON");
    assert_eq!(result.structured_content.as_ref(), Some(&parsed));
    parsed
}

/// The message and structured detail of a tool error: `{"error": {...}}` shaped like a DHIS2
/// WebMessage, as structured content and as the text.
fn tool_error(result: &CallToolResult) -> (String, Value) {
    assert_eq!(
        result.is_error,
        Some(true),
        "expected a tool error: {result:?}"
    );
    let parsed: Value = serde_json::from_str(&text(result)).expect("the text is JSON");
    assert_eq!(result.structured_content.as_ref(), Some(&parsed));
    let detail = parsed["error"].clone();
    assert_eq!(detail["status"], "ERROR", "{detail}");
    let message = detail["message"].as_str().expect("a message").to_string();
    (message, detail)
}

/// A refusal with this HTTP status, as DHIS2 writes it, and this errorCode.
#[track_caller]
fn assert_refused_as(detail: &Value, status: u16, reason: &str, code: &str) {
    assert_eq!(detail["httpStatusCode"], status, "{detail}");
    assert_eq!(detail["httpStatus"], reason, "{detail}");
    assert_eq!(detail["errorCode"], code, "{detail}");
}

fn names(tools: &[Tool]) -> Vec<&str> {
    tools.iter().map(|tool| tool.name.as_ref()).collect()
}

fn schema(tool: &Tool) -> Value {
    Value::Object((*tool.input_schema).clone())
}

fn assert_tools_are_described(tools: &[Tool]) {
    for tool in tools {
        let description = tool.description.as_deref().unwrap_or_default();
        assert!(description.len() > 40, "{}: {description}", tool.name);
        assert_eq!(schema(tool)["type"], "object", "{}", tool.name);
        // (readOnly, destructive, idempotent): a second delete changes nothing (DHIS2 answers
        // 404), a second create makes a second document. All reach a DHIS2 server.
        let expected = match tool.name.as_ref() {
            "files_documents_create_external" => (false, false, false),
            "files_documents_delete" => (false, true, true),
            "files_documents_rename" => (false, false, true),
            _ => (true, false, true),
        };
        let annotations = tool.annotations.as_ref().expect("annotations");
        assert_eq!(
            (
                annotations.read_only_hint,
                annotations.destructive_hint,
                annotations.idempotent_hint,
                annotations.open_world_hint
            ),
            (
                Some(expected.0),
                Some(expected.1),
                Some(expected.2),
                Some(true)
            ),
            "{}",
            tool.name
        );
        assert!(annotations.title.is_some(), "{}", tool.name);
    }
    let by_name = |name: &str| tools.iter().find(|tool| tool.name == name);
    if let Some(get) = by_name("files_documents_get") {
        let uid = &schema(get)["properties"]["uid"];
        assert_eq!(uid["pattern"], "^[A-Za-z][A-Za-z0-9]{10}$");
        assert!(uid["description"].as_str().unwrap().contains("11 letters"));
    }
    if let Some(list) = by_name("files_documents_list") {
        let properties = &schema(list)["properties"];
        for example in ["name:ilike:malaria", "lastUpdated:gt:2025-01-01", "id:in:["] {
            assert!(
                properties["filter"].to_string().contains(example),
                "{example}"
            );
        }
        assert!(
            properties["page"]["description"]
                .as_str()
                .unwrap()
                .contains("from 1")
        );
        assert_eq!(properties["page_size"]["maximum"], 10_000);
    }
    if let Some(create) = by_name("files_documents_create_external") {
        assert_eq!(schema(create)["required"], json!(["name", "url"]));
    }
}

#[tokio::test]
async fn initialize_names_the_server_and_lists_described_tools() {
    let client = connect(FilesServer::new(unreachable_client(), false)).await;
    let info = client.peer_info().expect("server info after initialize");
    let implementation = info.server_info.as_ref().expect("serverInfo");
    assert_eq!(implementation.name, "d2files");
    assert_eq!(implementation.version, env!("CARGO_PKG_VERSION"));
    let instructions = info.instructions.as_deref().unwrap_or_default();
    assert!(
        instructions.contains("files_documents_list"),
        "{instructions}"
    );
    assert!(instructions.contains("command line"), "{instructions}");
    assert!(info.capabilities.tools.is_some());

    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(names(&tools), ALL_TOOLS);
    assert_tools_are_described(&tools);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn read_only_hides_and_refuses_the_writing_tools() {
    let client = connect(FilesServer::new(unreachable_client(), true)).await;
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(
        names(&tools),
        [
            "files_check",
            "files_documents_get",
            "files_documents_list",
            "files_resources_get"
        ]
    );
    for (tool, arguments) in [
        ("files_documents_delete", json!({"uid": "RTkjSgLtdI6"})),
        (
            "files_documents_rename",
            json!({"uid": "RTkjSgLtdI6", "name": "x"}),
        ),
        (
            "files_documents_create_external",
            json!({"name": "x", "url": "https://dhis2.org"}),
        ),
    ] {
        let (message, detail) = tool_error(&call(&client, tool, arguments).await);
        assert!(message.contains("read-only"), "{tool}: {message}");
        assert_refused_as(&detail, 403, "Forbidden", "E1006");
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn malformed_input_is_a_tool_error_before_anything_is_sent() {
    let client = connect(FilesServer::new(unreachable_client(), false)).await;
    for (tool, arguments, expected) in [
        (
            "files_documents_get",
            json!({"uid": "not-a-uid"}),
            "is not a DHIS2 uid",
        ),
        (
            "files_resources_get",
            json!({"uid": "1TkjSgLtdI6"}),
            "is not a DHIS2 uid",
        ),
        (
            "files_documents_delete",
            json!({"uid": "short"}),
            "is not a DHIS2 uid",
        ),
        (
            "files_documents_list",
            json!({"filter": "name:contains:x"}),
            "is not a valid operator",
        ),
        (
            "files_documents_list",
            json!({"filter": ["name:ilike:a", "id:in:a,b"]}),
            "in brackets",
        ),
        (
            "files_documents_list",
            json!({"page": 0}),
            "numbered from 1",
        ),
        (
            "files_documents_list",
            json!({"page_size": 20_000}),
            "page size",
        ),
        (
            "files_documents_list",
            json!({"order": "name:sideways"}),
            "order direction",
        ),
        (
            "files_documents_create_external",
            json!({"name": "Home", "url": "ftp://dhis2.org"}),
            "http:// or https://",
        ),
        (
            "files_documents_create_external",
            json!({"name": "Home", "url": "https://dhis2.org/."}),
            "ends with",
        ),
        (
            "files_documents_create_external",
            json!({"name": " ", "url": "https://dhis2.org"}),
            "needs a name",
        ),
        (
            "files_documents_list",
            json!({"limit": 5}),
            "unknown field `limit`",
        ),
        (
            "files_documents_get",
            json!({"id": "RTkjSgLtdI6"}),
            "expected `uid`",
        ),
        ("files_resources_get", json!({}), "missing field `uid`"),
        (
            "files_documents_list",
            json!({"page": -1}),
            "not a whole number",
        ),
        (
            "files_documents_list",
            json!({"fields": "*"}),
            "`*` is not a field",
        ),
        (
            "files_documents_list",
            json!({"fields": ["name", "createdBy[userCredentials[username]]"]}),
            "one level",
        ),
    ] {
        let result = call(&client, tool, arguments.clone()).await;
        let (message, detail) = tool_error(&result);
        assert!(message.contains(expected), "{tool} {arguments}: {message}");
        // Those d2files refuses and those rmcp's schema check refuses read alike.
        assert_refused_as(&detail, 400, "Bad Request", "E1003");
        // Refused here, so the unreachable server never came into it.
        assert!(
            !message.contains("connect"),
            "{tool} {arguments}: {message}"
        );
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_a_tool_error_not_a_protocol_error() {
    let client = connect(FilesServer::new(unreachable_client(), false)).await;
    let (message, detail) = tool_error(&call(&client, "files_documents_list", json!({})).await);
    assert!(message.contains("could not connect"), "{message}");
    assert!(message.contains("127.0.0.1:1"), "{message}");
    // No server answered, so no HTTP status is claimed.
    assert!(detail.get("httpStatusCode").is_none(), "{detail}");
    // The session survives the failure.
    assert_eq!(
        client.list_all_tools().await.unwrap().len(),
        ALL_TOOLS.len()
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_server_that_trickles_its_answer_ends_each_tool_call_with_an_error() {
    // A byte every 50 ms, never idle long enough for a read timeout: in the body of a JSON
    // answer, and in the head of the answer to a delete (which reads no body).
    let server = hostile::serve(|request, mut conn| async move {
        if request.method == "DELETE" {
            let _ = conn.write(b"HTTP/1.1 200 OK\r\n").await;
            conn.trickle(&[b'x'; 100_000], Duration::from_millis(50))
                .await;
            return;
        }
        conn.trickle_json().await;
    })
    .await;
    let options = d2files::api::ClientOptions {
        json_deadline: Duration::from_millis(300),
        ..d2files::api::ClientOptions::default()
    };
    let dhis2 = Client::with_options(
        &server.base_url(),
        Auth::basic("admin", "district"),
        options,
    )
    .unwrap();
    let client = connect(FilesServer::new(dhis2, false)).await;
    for (tool, arguments) in [
        ("files_documents_list", json!({})),
        ("files_documents_get", json!({"uid": "RTkjSgLtdI6"})),
        ("files_resources_get", json!({"uid": "TacExtJuMmW"})),
        (
            "files_documents_create_external",
            json!({"name": "Link", "url": "https://dhis2.org"}),
        ),
        ("files_documents_delete", json!({"uid": "RTkjSgLtdI6"})),
    ] {
        let result = tokio::time::timeout(Duration::from_secs(30), call(&client, tool, arguments))
            .await
            .expect("the tool call ends in bounded time");
        let (message, _) = tool_error(&result);
        assert!(
            message.starts_with("network error: the server took longer than 0.3 s to answer"),
            "{tool}: {message}"
        );
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_pager_that_ignores_page_cannot_send_an_agent_round_in_circles() {
    // Always "page 1 of 3, there is more", whatever was asked.
    let server = hostile::serve(|_, mut conn| async move {
        conn.json(
            200,
            &json!({"pager": {"page": 1, "pageCount": 3, "total": 150, "pageSize": 50,
                              "nextPage": "http://x/api/documents?page=2"},
                    "documents": [hostile::document_json("RTkjSgLtdI6", "A", "TacExtJuMmW")]}),
        )
        .await;
    })
    .await;
    let dhis2 = Client::new(&server.base_url(), Auth::basic("admin", "district")).unwrap();
    let client = connect(FilesServer::new(dhis2, false)).await;
    let next = |page: u32| {
        let client = &client;
        async move {
            ok_json(&call(client, "files_documents_list", json!({"page": page})).await)["pager"]
                ["nextPage"]
                .clone()
        }
    };
    assert_eq!(next(1).await, json!(2));
    assert_eq!(next(2).await, json!(3), "not back to 2");
    assert_eq!(next(3).await, Value::Null, "pageCount reached");
    client.cancel().await.unwrap();
}

/// Calls every tool against a server seeded with the demo content, leaving it as it found it.
async fn exercise_every_tool(client: &McpClient) {
    let page = ok_json(&call(client, "files_documents_list", json!({})).await);
    let documents = page["documents"].as_array().expect("a documents array");
    assert!(documents.len() >= 2, "the demo has documents: {page}");
    assert_eq!(page["pager"]["page"], 1);
    assert_eq!(page["pager"]["pageSize"], 50);
    let total = page["pager"]["total"].as_u64().expect("pager.total");
    assert!(total >= documents.len() as u64);

    let second = ok_json(
        &call(
            client,
            "files_documents_list",
            json!({"page": 2, "page_size": 1}),
        )
        .await,
    );
    assert_eq!(second["pager"]["page"], 2);
    assert_eq!(second["pager"]["pageCount"], total);
    assert_eq!(second["documents"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["documents"][0]["id"], documents[1]["id"]);
    assert_eq!(
        second["pager"]["nextPage"],
        if total > 2 { json!(3) } else { Value::Null }
    );
    let last = ok_json(
        &call(
            client,
            "files_documents_list",
            json!({"page": total, "page_size": 1}),
        )
        .await,
    );
    assert_eq!(last["pager"]["page"], total);
    assert!(last["pager"].get("nextPage").is_none(), "{last}");
    assert_page_past_the_end_is_refused(client, total).await;

    let files = ok_json(
        &call(
            client,
            "files_documents_list",
            json!({"filter": ["external:eq:false"], "order": "lastUpdated:desc"}),
        )
        .await,
    );
    let files = files["documents"]
        .as_array()
        .expect("a documents array")
        .clone();
    assert!(!files.is_empty(), "the demo has uploaded files");
    assert!(files.iter().all(|document| document["external"] == false));
    let updated: Vec<&str> = files
        .iter()
        .filter_map(|document| document["lastUpdated"].as_str())
        .collect();
    assert!(
        updated.windows(2).all(|pair| pair[0] >= pair[1]),
        "{updated:?}"
    );

    let uid = files[0]["id"].as_str().expect("an id");
    let document = ok_json(&call(client, "files_documents_get", json!({"uid": uid})).await);
    assert_eq!(document["id"], uid);
    let resource_uid = document["url"].as_str().expect("a file document's url");
    let resource =
        ok_json(&call(client, "files_resources_get", json!({"uid": resource_uid})).await);
    assert_eq!(resource["id"], resource_uid);
    assert_eq!(resource["domain"], "DOCUMENT");
    assert_eq!(resource["storageStatus"], "STORED");
    assert_eq!(resource["contentMd5"].as_str().map(str::len), Some(32));

    let created = ok_json(
        &call(
            client,
            "files_documents_create_external",
            json!({"name": "MCP test link", "url": "https://dhis2.org/mcp-test"}),
        )
        .await,
    );
    assert_eq!(created["external"], true);
    assert_eq!(created["name"], "MCP test link");
    assert_eq!(created["url"], "https://dhis2.org/mcp-test");
    let created_uid = created["id"].as_str().expect("the new uid").to_string();
    assert!(d2files::api::is_valid_uid(&created_uid), "{created_uid}");
    let found = ok_json(
        &call(
            client,
            "files_documents_list",
            json!({"filter": format!("id:in:[{created_uid}]")}),
        )
        .await,
    );
    assert_eq!(found["documents"][0]["id"], created_uid.as_str());

    let deleted = ok_json(
        &call(
            client,
            "files_documents_delete",
            json!({"uid": created_uid}),
        )
        .await,
    );
    assert_eq!(deleted, json!({"deleted": created_uid}));
    let (message, detail) =
        tool_error(&call(client, "files_documents_get", json!({"uid": created_uid})).await);
    assert!(message.contains("could not be found"), "{message}");
    assert_refused_as(&detail, 404, "Not Found", "E1005");
    // A second delete changes nothing: DHIS2 says the document is not there.
    let (message, detail) = tool_error(
        &call(
            client,
            "files_documents_delete",
            json!({"uid": created_uid}),
        )
        .await,
    );
    assert!(message.contains("could not be found"), "{message}");
    assert_refused_as(&detail, 404, "Not Found", "E1005");
}

/// The page after the last of `total` documents (one a page), which DHIS2 answers with no
/// documents and `"page": total`, is a 400 with the pager an agent needs to go back.
async fn assert_page_past_the_end_is_refused(client: &McpClient, total: u64) {
    let past = total + 1;
    let (message, detail) = tool_error(
        &call(
            client,
            "files_documents_list",
            json!({"page": past, "page_size": 1}),
        )
        .await,
    );
    assert_eq!(
        message,
        format!("page {past} is past the end: there are {total} pages of 1")
    );
    assert_refused_as(&detail, 400, "Bad Request", "E1003");
    assert_eq!(
        detail["pager"],
        json!({"pageCount": total, "total": total, "pageSize": 1})
    );
}

/// DHIS2's refusals come back as tool errors in DHIS2's words, with the errorCode.
async fn dhis2_refusals_are_tool_errors(client: &McpClient) {
    let (message, detail) = tool_error(
        &call(
            client,
            "files_documents_delete",
            json!({"uid": "abcdefghijk"}),
        )
        .await,
    );
    assert!(message.contains("could not be found"), "{message}");
    assert_eq!(detail["errorCode"], "E1005");
    let (message, detail) =
        tool_error(&call(client, "files_resources_get", json!({"uid": "abcdefghijk"})).await);
    assert!(message.contains("abcdefghijk"), "{message}");
    assert_eq!(detail["httpStatusCode"], 404);
    let (message, detail) = tool_error(
        &call(
            client,
            "files_documents_list",
            json!({"filter": "colour:eq:blue"}),
        )
        .await,
    );
    assert_eq!(message, "Unknown path property: colour");
    assert_refused_as(&detail, 400, "Bad Request", "E1003");
}

/// An emulator seeded with the demo content and an admin client for it.
async fn demo_emulator() -> (Emulator, Client) {
    let emulator = Emulator::start(EmulatorOptions {
        seed_demo: true,
        ..Default::default()
    })
    .await
    .expect("the emulator starts");
    let client = Client::new(
        &emulator.base_url(),
        Auth::basic(ADMIN_USERNAME, ADMIN_PASSWORD),
    )
    .unwrap();
    (emulator, client)
}

#[tokio::test]
async fn every_tool_works_against_the_emulator() {
    let (_emulator, dhis2) = demo_emulator().await;
    let client = connect(FilesServer::new(dhis2, false)).await;
    exercise_every_tool(&client).await;
    client.cancel().await.unwrap();
}

/// The `fields=` of the emulator's last documents list request.
fn last_fields_asked(emulator: &Emulator) -> String {
    let request = emulator
        .requests()
        .into_iter()
        .rev()
        .find(|request| request.path.ends_with("/api/documents"))
        .expect("a documents list request");
    url::form_urlencoded::parse(request.query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "fields")
        .map(|(_, value)| value.into_owned())
        .expect("fields asked for")
}

fn keys(document: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = document
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn the_list_returns_compact_documents_unless_asked_and_asks_dhis2_for_no_more() {
    let (emulator, dhis2) = demo_emulator().await;
    let client = connect(FilesServer::new(dhis2, true)).await;
    let compact = call(&client, "files_documents_list", json!({})).await;
    let compact_documents = ok_json(&compact)["documents"].clone();
    assert_eq!(
        last_fields_asked(&emulator),
        "id,name,external,url,lastUpdated"
    );
    for document in compact_documents.as_array().expect("documents") {
        assert_eq!(
            keys(document),
            ["external", "id", "lastUpdated", "name", "url"],
            "{document}"
        );
    }

    let full = call(&client, "files_documents_list", json!({"fields": "full"})).await;
    assert_eq!(last_fields_asked(&emulator), d2files::api::DOCUMENT_FIELDS);
    let full_documents = ok_json(&full)["documents"].clone();
    assert_eq!(full_documents[0]["id"], compact_documents[0]["id"]);
    for field in ["created", "createdBy", "displayName", "href"] {
        assert!(full_documents[0].get(field).is_some(), "{field}");
    }
    // Each answer is sent twice (text and structured content): the default is the small one.
    let (compact_bytes, full_bytes) = (text(&compact).len(), text(&full).len());
    assert!(
        compact_bytes * 2 < full_bytes,
        "{compact_bytes} bytes compact, {full_bytes} full"
    );

    let chosen = ok_json(
        &call(
            &client,
            "files_documents_list",
            json!({"fields": ["name", "createdBy[username]"], "page_size": 3}),
        )
        .await,
    );
    assert_eq!(last_fields_asked(&emulator), "id,name,createdBy[username]");
    for document in chosen["documents"].as_array().expect("documents") {
        assert_eq!(keys(document), ["createdBy", "id", "name"], "{document}");
        assert_eq!(keys(&document["createdBy"]), ["username"], "{document}");
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_page_past_the_end_is_a_tool_error_with_the_pager() {
    let (_emulator, dhis2) = demo_emulator().await;
    let client = connect(FilesServer::new(dhis2, true)).await;
    let listed = ok_json(&call(&client, "files_documents_list", json!({})).await);
    assert_page_past_the_end_is_refused(&client, listed["pager"]["total"].as_u64().unwrap()).await;
    let (message, detail) = tool_error(
        &call(
            &client,
            "files_documents_list",
            json!({"filter": "name:eq:no such document", "page": 2}),
        )
        .await,
    );
    assert_eq!(
        message,
        "page 2 is past the end: nothing matches, so page 1 (empty) is the only page"
    );
    assert_eq!(detail["pager"]["total"], 0);
    // Page 1 of nothing is no error: an empty list.
    let empty = ok_json(
        &call(
            &client,
            "files_documents_list",
            json!({"filter": "name:eq:no such document"}),
        )
        .await,
    );
    assert_eq!(empty["documents"], json!([]));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn dhis2_errors_carry_dhis2s_message_and_error_code() {
    let (_emulator, dhis2) = demo_emulator().await;
    let client = connect(FilesServer::new(dhis2, false)).await;
    dhis2_refusals_are_tool_errors(&client).await;
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_name_filter_finds_the_demo_malaria_documents() {
    let (_emulator, dhis2) = demo_emulator().await;
    let client = connect(FilesServer::new(dhis2, true)).await;
    let page = ok_json(
        &call(
            &client,
            "files_documents_list",
            json!({"filter": "name:ilike:malaria", "order": "name:asc"}),
        )
        .await,
    );
    let names: Vec<&str> = page["documents"]
        .as_array()
        .expect("a documents array")
        .iter()
        .filter_map(|document| document["name"].as_str())
        .collect();
    assert!(names.len() >= 2, "{names:?}");
    assert!(
        names
            .iter()
            .all(|name| name.to_lowercase().contains("malaria"))
    );
    assert_eq!(page["pager"]["total"], names.len());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn read_only_leaves_the_server_untouched() {
    let (emulator, dhis2) = demo_emulator().await;
    let client = connect(FilesServer::new(dhis2, true)).await;
    let before = ok_json(&call(&client, "files_documents_list", json!({})).await);
    let uid = before["documents"][0]["id"]
        .as_str()
        .expect("a document")
        .to_string();
    let (message, _) =
        tool_error(&call(&client, "files_documents_delete", json!({"uid": uid})).await);
    assert!(message.contains("read-only"), "{message}");
    let after = ok_json(&call(&client, "files_documents_list", json!({})).await);
    assert_eq!(before, after);
    let writes = emulator
        .requests()
        .into_iter()
        .filter(|request| request.method != "GET")
        .count();
    assert_eq!(writes, 0, "{:?}", emulator.requests());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn permission_refusals_come_back_in_dhis2s_words() {
    let (_emulator, admin) = demo_emulator().await;
    let guest = Client::new(
        admin.base_url(),
        Auth::basic(GUEST_USERNAME, GUEST_PASSWORD),
    )
    .unwrap();
    let client = connect(FilesServer::new(guest, false)).await;
    let (message, detail) = tool_error(
        &call(
            &client,
            "files_documents_create_external",
            json!({"name": "Guest link", "url": "https://dhis2.org"}),
        )
        .await,
    );
    assert!(message.contains("permission"), "{message}");
    assert_eq!(detail["httpStatusCode"], 403, "{detail}");
    client.cancel().await.unwrap();
}

/// Before 2.40 DHIS2 sends no errorCode and answers bad filters with 409: the tool error
/// still carries its message and status, and invents no code.
#[tokio::test]
async fn older_servers_errors_without_codes_still_read_well() {
    let emulator = Emulator::start(EmulatorOptions {
        version: "2.38".parse().unwrap(),
        seed_demo: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let dhis2 = Client::new(
        &emulator.base_url(),
        Auth::basic(ADMIN_USERNAME, ADMIN_PASSWORD),
    )
    .unwrap();
    let client = connect(FilesServer::new(dhis2, false)).await;
    let (message, detail) = tool_error(
        &call(
            &client,
            "files_documents_get",
            json!({"uid": "abcdefghijk"}),
        )
        .await,
    );
    assert!(message.contains("could not be found"), "{message}");
    assert_eq!(detail["httpStatusCode"], 404);
    assert!(detail.get("errorCode").is_none(), "{detail}");
    let (message, detail) = tool_error(
        &call(
            &client,
            "files_documents_list",
            json!({"filter": "colour:eq:blue"}),
        )
        .await,
    );
    assert!(message.contains("Unknown path property"), "{message}");
    assert_eq!(detail["httpStatusCode"], 409);
    assert_eq!(detail["httpStatus"], "Conflict");
    assert!(detail.get("errorCode").is_none(), "{detail}");
    client.cancel().await.unwrap();
}

// ---- end to end: an MCP client over the stdio of `d2files mcp --demo` ----

/// `d2files ARGS` with its own home and no DHIS2_* variables (see `common::d2files`), so
/// nothing of the user's is read or written; stdin and stdout piped, killed when dropped.
fn isolated_command(args: &[&str], home: &Path) -> tokio::process::Command {
    let mut command = common::d2files(home);
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut command = tokio::process::Command::from(command);
    command.kill_on_drop(true);
    command
}

/// `d2files mcp --demo EXTRA`, isolated.
fn demo_command(extra: &[&str], home: &Path) -> tokio::process::Command {
    let args: Vec<&str> = ["mcp", "--demo"]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    isolated_command(&args, home)
}

/// Connects rmcp's client to a started `d2files mcp --demo`.
async fn spawn_demo(extra: &[&str], home: &Path) -> (McpClient, tokio::process::Child) {
    common::serve_mcp(demo_command(extra, home)).await
}

/// Closing the client closes the server's stdin, which must end it cleanly.
async fn close_and_expect_clean_exit(client: McpClient, mut child: tokio::process::Child) {
    client.cancel().await.unwrap();
    // A guard against a hang, not a timing assertion.
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("the server exits once stdin closes")
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn stdio_end_to_end_against_the_demo() {
    let home = tempfile::tempdir().unwrap();
    let (client, child) = spawn_demo(&[], home.path()).await;
    let info = client.peer_info().expect("server info");
    assert_eq!(
        info.server_info.as_ref().map(|s| s.name.as_str()),
        Some("d2files")
    );
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(names(&tools), ALL_TOOLS);
    assert_tools_are_described(&tools);
    exercise_every_tool(&client).await;
    dhis2_refusals_are_tool_errors(&client).await;
    let (message, _) =
        tool_error(&call(&client, "files_documents_get", json!({"uid": "bad uid"})).await);
    assert!(message.contains("is not a DHIS2 uid"), "{message}");
    close_and_expect_clean_exit(client, child).await;

    // The logs went to the log file in the state dir, calls and refusals included.
    let log = std::fs::read_to_string(home.path().join("state/d2files/mcp.log"))
        .expect("the MCP server writes mcp.log");
    assert!(log.contains("MCP server starting"), "{log}");
    assert!(log.contains("created link document"), "{log}");
    assert!(log.contains("E1005"), "{log}");
}

#[tokio::test]
async fn stdio_read_only_end_to_end() {
    let home = tempfile::tempdir().unwrap();
    let (client, child) = spawn_demo(&["--read-only"], home.path()).await;
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(
        names(&tools),
        [
            "files_check",
            "files_documents_get",
            "files_documents_list",
            "files_resources_get"
        ]
    );
    let page = ok_json(&call(&client, "files_documents_list", json!({})).await);
    let uid = page["documents"][0]["id"]
        .as_str()
        .expect("a document")
        .to_string();
    let (message, _) =
        tool_error(&call(&client, "files_documents_delete", json!({"uid": uid})).await);
    assert!(message.contains("read-only"), "{message}");
    // Still there: the refusal happened before DHIS2 was asked.
    ok_json(&call(&client, "files_documents_get", json!({"uid": uid})).await);
    close_and_expect_clean_exit(client, child).await;
}

/// Every line the server writes to stdout is a JSON-RPC message: no banner, no log line.
#[tokio::test]
async fn stdout_carries_nothing_but_protocol() {
    let home = tempfile::tempdir().unwrap();
    let mut child = demo_command(&[], home.path())
        .spawn()
        .expect("d2files starts");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let requests = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw-test", "version": "0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": "files_documents_list", "arguments": {"page_size": 1}}}),
    ];
    let mut seen = Vec::new();
    for request in requests {
        stdin
            .write_all(format!("{request}\n").as_bytes())
            .await
            .unwrap();
        stdin.flush().await.unwrap();
        let Some(id) = request.get("id") else {
            continue;
        };
        // Read until this request's answer; anything on the way must be protocol too.
        loop {
            let line = lines.next_line().await.unwrap().expect("an answer");
            let message: Value = serde_json::from_str(&line)
                .unwrap_or_else(|_| panic!("not JSON-RPC on stdout: {line:?}"));
            assert_eq!(message["jsonrpc"], "2.0", "{line}");
            seen.push(message.clone());
            if &message["id"] == id {
                assert!(message.get("error").is_none(), "{line}");
                break;
            }
        }
    }
    drop(stdin);
    while let Some(line) = lines.next_line().await.unwrap() {
        let message: Value = serde_json::from_str(&line)
            .unwrap_or_else(|_| panic!("not JSON-RPC on stdout: {line:?}"));
        assert_eq!(message["jsonrpc"], "2.0", "{line}");
    }
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("the server exits once stdin closes")
        .unwrap();
    assert!(status.success(), "{status}");
    let listed = seen
        .iter()
        .find(|m| m["id"] == 2)
        .expect("tools/list answered");
    let tools = listed["result"]["tools"].as_array().expect("tools");
    assert_eq!(tools.len(), ALL_TOOLS.len());
    let delete = tools
        .iter()
        .find(|tool| tool["name"] == "files_documents_delete")
        .expect("the delete tool");
    assert_eq!(
        delete["annotations"],
        json!({"title": "Delete a document", "readOnlyHint": false, "destructiveHint": true,
               "idempotentHint": true, "openWorldHint": true}),
        "the names hosts read"
    );
    let called = seen
        .iter()
        .find(|m| m["id"] == 3)
        .expect("tools/call answered");
    assert_eq!(called["result"]["isError"], false);
    assert_eq!(
        called["result"]["structuredContent"]["documents"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

/// Without a server to talk to, `d2files mcp` says so on stderr and leaves stdout empty, so a
/// host never reads an error as protocol.
#[tokio::test]
async fn no_server_chosen_is_an_error_on_stderr_only() {
    let home = tempfile::tempdir().unwrap();
    let output = isolated_command(&["mcp"], home.path())
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(
        output.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&output.stdout)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("profile"), "{stderr}");
}

#[tokio::test]
async fn files_check_returns_the_summary_and_the_problem_rows_of_the_demo() {
    let (emulator, dhis2) = demo_emulator().await;
    let client = connect(FilesServer::new(dhis2, true)).await;
    let before = emulator.requests().len();
    let result = call(&client, "files_check", json!({})).await;
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    let value = result.structured_content.clone().expect("structured");
    assert_eq!(value["summary"]["problems"], 4, "{value}");
    assert_eq!(value["summary"]["counts"]["missing_bytes"], 1, "{value}");
    assert_eq!(value["summary"]["counts"]["orphan"], 3, "{value}");
    let rows = value["problems"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter()
            .all(|row| row["findings"][0]["reason"].is_string())
    );
    assert!(
        emulator.requests()[before..]
            .iter()
            .all(|r| r.method == "GET"),
        "a check only reads"
    );
    let (message, detail) =
        tool_error(&call(&client, "files_check", json!({"filter": "name:contains:x"})).await);
    assert!(message.contains("is not a valid operator"), "{message}");
    assert_refused_as(&detail, 400, "Bad Request", "E1003");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn files_check_asks_links_only_when_told_and_names_the_dead_ones() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("the emulator starts");
    let host = hostile::serve(|request, mut conn| async move {
        if request.path() == "/ok" {
            let _ = conn.head(200, &[("Content-Length", "0")]).await;
        } else {
            conn.respond(404, "text/plain", b"gone").await;
        }
    })
    .await;
    let base = host.base_url();
    emulator.seed_document(SeedDocument::link("Answers", &format!("{base}/ok")));
    let gone = emulator.seed_document(SeedDocument::link("Gone", &format!("{base}/gone")));
    let dhis2 = Client::new(
        &emulator.base_url(),
        Auth::basic(ADMIN_USERNAME, ADMIN_PASSWORD),
    )
    .expect("client");
    let client = connect(FilesServer::new(dhis2, true)).await;
    let quiet = ok_json(&call(&client, "files_check", json!({})).await);
    assert_eq!(quiet["summary"]["problems"], 0, "{quiet}");
    assert!(host.seen().is_empty(), "no link is asked unless told");
    let asked = ok_json(&call(&client, "files_check", json!({"links": true})).await);
    assert_eq!(asked["summary"]["counts"]["dead_link"], 1, "{asked}");
    assert_eq!(asked["problems"][0]["uid"], gone.as_str(), "{asked}");
    assert!(
        host.seen()
            .iter()
            .all(|request| request.header("authorization").is_none()),
        "never with DHIS2's credentials"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn files_documents_rename_keeps_the_uid_and_says_how_it_was_done() {
    let (_emulator, dhis2) = demo_emulator().await;
    let client = connect(FilesServer::new(dhis2.clone(), false)).await;
    let before = dhis2.get_document("nY0y40ZG4lX").await.unwrap();
    let renamed = ok_json(
        &call(
            &client,
            "files_documents_rename",
            json!({"uid": "nY0y40ZG4lX", "name": "2025 Malaria annual report (final)"}),
        )
        .await,
    );
    assert_eq!(renamed["document"]["id"], "nY0y40ZG4lX");
    assert_eq!(
        renamed["document"]["name"],
        "2025 Malaria annual report (final)"
    );
    // The demo is 2.41.7: E4016, so a fresh copy of the file.
    assert_eq!(renamed["path"], "fresh_copy", "{renamed}");
    assert_eq!(renamed["previous_file"], json!(before.url), "{renamed}");
    assert!(
        renamed["said"].as_str().unwrap().contains("E4016"),
        "{renamed}"
    );
    let (message, detail) = tool_error(
        &call(
            &client,
            "files_documents_rename",
            json!({"uid": "nY0y40ZG4lX", "name": " "}),
        )
        .await,
    );
    assert!(!message.is_empty());
    assert_refused_as(&detail, 400, "Bad Request", "E1003");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn several_orders_carry_a_note_only_where_the_release_loses_their_priority() {
    // dhis2-api.md §12.4: up to 2.41 the server's set of orders decides between several keys.
    for version in common::VERSIONS {
        let emulator = common::start_with(version, |o| o.seed_demo = true).await;
        let client = connect(FilesServer::new(common::admin(&emulator), false)).await;
        let several = ok_json(
            &call(
                &client,
                "files_documents_list",
                json!({"page_size": 3, "order": "name:asc,created:desc"}),
            )
            .await,
        );
        let loses_priority = !common::supports(version, d2files::api::Feature::OrderPriority);
        assert_eq!(
            several.get("note").is_some(),
            loses_priority,
            "{version}: {several}"
        );
        if loses_priority {
            let note = several["note"].as_str().expect("a note in words");
            assert!(
                note.contains(&format!("DHIS2 {version}")),
                "{version}: {note}"
            );
        }
        let one = ok_json(
            &call(
                &client,
                "files_documents_list",
                json!({"page_size": 3, "order": "name:asc"}),
            )
            .await,
        );
        assert!(
            one.get("note").is_none(),
            "{version}: one order keeps its place: {one}"
        );
        client.cancel().await.unwrap();
    }
}
