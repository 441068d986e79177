//! The metadata tools (list, get, create a link, rename, delete, a file resource's metadata,
//! the read-only check) and the MCP handler that serves them.
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, tool, tool_handler, tool_router};
use serde::Serialize;
use serde_json::{Value, json};

use crate::api::{self, Client, Pager};
use crate::mcp::schema::{
    CheckArgs, CreateExternalArgs, DocumentUid, FileResourceUid, ListArgs, RenameArgs,
};
use crate::ops::check::{Report, check_server};

/// Problem rows `files_check` returns at most: an agent's context is small, and a server with
/// more problems than this is better read with `d2files check --json`.
const MAX_CHECK_ROWS: usize = 200;

/// DHIS2's errorCode for a bad request (a filter it cannot parse, 2.40+): also what d2files'
/// own refusals of arguments carry, so an agent reads one code whoever refused.
const BAD_REQUEST: &str = "E1003";
/// DHIS2's errorCode for a forbidden call (2.40+), carried by the read-only refusals too.
const FORBIDDEN: &str = "E1006";

/// The tools that change the server; `--read-only` hides and refuses them.
pub const WRITING_TOOLS: [&str; 3] = [
    "files_documents_create_external",
    "files_documents_delete",
    "files_documents_rename",
];

const INSTRUCTIONS: &str = r#"d2files: the documents and file resources of a DHIS2 server, metadata only.
- files_documents_list finds documents (filter syntax property:operator:value, e.g. name:ilike:malaria; paged from 1) and returns them with the pager.
- files_documents_get reads one document by uid (11 letters/digits, starting with a letter).
- A document is either an external link (external: true, url is the link) or an uploaded file (external: false, url is the uid of its file resource); files_resources_get reads that file resource's metadata (name, contentType, contentLength, contentMd5, domain, storageStatus).
- files_check audits the documents and file resources (files whose bytes are lost, documents pointing at no file, orphaned files, links DHIS2 refuses) and returns a summary by class and the problem rows, each with its reason and what to do.
- files_documents_create_external adds a link document; files_documents_rename renames one (uid, file or link, and sharing kept); files_documents_delete deletes a document (for an uploaded file only the document goes: its file resource stays on the server).
Uploading and downloading file contents is not done here: use the d2files command line (d2files documents upload|download, d2files resources upload|download) or its terminal UI.
Errors are tool results with isError: true, whose structuredContent (also the text) is {"error": {...}} shaped like a DHIS2 WebMessage: httpStatus, httpStatusCode, status "ERROR", message, and errorCode where one applies. DHIS2's refusals keep its words and code (E1005 not found, E1006 forbidden, E1003 bad filter), with errorReports and a hint where there are; arguments refused before anything is sent, and a page past the end (with the pager), are 400 E1003; calls a read-only server refuses are 403 E1006; a server that cannot be reached or does not answer in time gives a message without httpStatus."#;

/// The MCP server: a DHIS2 client and the tools over it.
#[derive(Clone)]
pub struct FilesServer {
    client: Client,
    read_only: bool,
    tool_router: ToolRouter<FilesServer>,
}

impl FilesServer {
    /// A server over `client`; with `read_only` the writing tools are neither listed nor run.
    pub fn new(client: Client, read_only: bool) -> FilesServer {
        let mut tool_router = Self::tool_router();
        if read_only {
            for name in WRITING_TOOLS {
                tool_router.remove_route(name);
            }
        }
        FilesServer {
            client,
            read_only,
            tool_router,
        }
    }
}

#[tool_router]
impl FilesServer {
    /// Lists documents, one page at a time.
    #[tool(
        name = "files_documents_list",
        description = "List the DHIS2 documents (external links and uploaded files), filtered, sorted and paged on the server. Returns {\"pager\": {\"page\", \"pageCount\", \"total\", \"pageSize\", \"nextPage\" (absent on the last page)}, \"documents\": [...]}; each document has id, name, external, url and lastUpdated, unless `fields` asks for others (\"full\", or DHIS2 field names). A page past the end is an error that gives the pageCount. With no arguments: the first 50 by name. With several orders on a server that does not keep their priority (DHIS2 up to 2.41) the answer has a \"note\" saying so.",
        annotations(
            title = "List documents",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn files_documents_list(&self, Parameters(args): Parameters<ListArgs>) -> CallToolResult {
        let (query, fields) = match args.to_request() {
            Ok(request) => request,
            Err(error) => return failure("files_documents_list", &error),
        };
        let asked = query.page;
        let caveat = self.client.order_caveat(&query).await;
        let listed = self.client.list_documents(&query).await.and_then(|page| {
            page.check_page_exists(asked)?;
            let documents: Vec<Value> = page.items.iter().map(|d| fields.project(d)).collect();
            let mut listed = json!({"pager": page.pager.as_ref().map(|p| pager(p, asked)), "documents": documents});
            if let Some(caveat) = caveat {
                listed["note"] = json!(caveat);
            }
            Ok(listed)
        });
        reply(&self.client, "files_documents_list", listed)
    }

    /// Reads one document.
    #[tool(
        name = "files_documents_get",
        description = "Get one DHIS2 document by uid, with all its fields (sharing, access, createdBy...). For an uploaded file (external: false) the url is the uid of its file resource: pass it to files_resources_get for size, type and MD5.",
        annotations(
            title = "Get a document",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn files_documents_get(
        &self,
        Parameters(DocumentUid { uid }): Parameters<DocumentUid>,
    ) -> CallToolResult {
        reply(
            &self.client,
            "files_documents_get",
            self.client.get_document(uid.trim()).await,
        )
    }

    /// Audits the server.
    #[tool(
        name = "files_check",
        description = "Check the integrity of the DHIS2 server's documents and file resources, reading only. Returns {\"summary\": {\"items\", \"problems\", \"counts\": {class: n}}, \"problems\": [{kind, uid, name, status, findings: [{class, reason, advice}]}], \"notes\": [...]}. Classes: dangling (a file document whose file resource does not exist), missing_bytes (a file whose bytes are not in the store), mismatch, orphan (a file resource no document points at, with what DHIS2 will do with it), refused_link (a URL DHIS2 refuses today), dead_link (with links: true, a link that does not answer or answers with an error), unreadable; still_storing and on_dashboards are informational. At most 200 problem rows (truncated says how many more).",
        annotations(
            title = "Check documents and file resources",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn files_check(&self, Parameters(args): Parameters<CheckArgs>) -> CallToolResult {
        let request = match args.to_request() {
            Ok(request) => request,
            Err(error) => return failure("files_check", &error),
        };
        let checked = check_server(&self.client, &request, &|_| {})
            .await
            .map(|report| compact_report(&report));
        reply(&self.client, "files_check", checked)
    }

    /// Creates a link document.
    #[tool(
        name = "files_documents_create_external",
        description = "Create a DHIS2 document that is an external link (external: true) with the given name and http(s) URL. Returns the new document, including its uid (id). The URL is checked against DHIS2's rule first. To add a document with file contents, use the d2files command line (d2files documents upload).",
        annotations(
            title = "Create a link document",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn files_documents_create_external(
        &self,
        Parameters(CreateExternalArgs { name, url }): Parameters<CreateExternalArgs>,
    ) -> CallToolResult {
        let created = self
            .client
            .create_external_document(&name, url.trim())
            .await;
        if let Ok(document) = &created {
            tracing::info!(uid = %document.id, "created link document {name:?}");
        }
        reply(&self.client, "files_documents_create_external", created)
    }

    /// Renames a document.
    #[tool(
        name = "files_documents_rename",
        description = "Rename a DHIS2 document, keeping its uid, its file or link and its sharing. DHIS2 2.38 to 2.44 refuse to update a file document that keeps its file (E4016): d2files then uses the old partial update (up to 2.40) or points the document at a fresh copy of its file (2.41+; the old file resource stays on the server), and puts back the sharing DHIS2 resets on update. Returns {\"document\", \"path\": direct|partial_patch|fresh_copy, \"previous_file\"?, \"said\": what was done in words}.",
        annotations(
            title = "Rename a document",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn files_documents_rename(
        &self,
        Parameters(RenameArgs { uid, name }): Parameters<RenameArgs>,
    ) -> CallToolResult {
        let renamed = self
            .client
            .rename_document(uid.trim(), &name, &api::TransferOptions::default())
            .await
            .map(|edited| {
                let said = edited.describe("renamed");
                json!({
                    "document": edited.document,
                    "path": edited.path,
                    "previous_file": edited.previous_file,
                    "said": said,
                })
            });
        reply(&self.client, "files_documents_rename", renamed)
    }

    /// Deletes a document.
    #[tool(
        name = "files_documents_delete",
        description = "Delete a DHIS2 document by uid. This cannot be undone. For an uploaded file only the document is deleted: the file resource behind it stays (DHIS2 2.41.7+ and 2.42.4+ clean it up after a few days). Returns {\"deleted\": uid}; deleting it again changes nothing and answers 404 E1005.",
        annotations(
            title = "Delete a document",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn files_documents_delete(
        &self,
        Parameters(DocumentUid { uid }): Parameters<DocumentUid>,
    ) -> CallToolResult {
        let uid = uid.trim();
        reply(
            &self.client,
            "files_documents_delete",
            self.client.delete_document(uid).await.map(|()| {
                tracing::info!(uid = %uid, "deleted document");
                json!({"deleted": uid})
            }),
        )
    }

    /// Reads one file resource's metadata.
    #[tool(
        name = "files_resources_get",
        description = "Get the metadata of one DHIS2 file resource by uid: name (original file name), contentType, contentLength (bytes), contentMd5, domain (DOCUMENT, DATA_VALUE, MESSAGE_ATTACHMENT, USER_AVATAR, ORG_UNIT, ICON, JOB_DATA, PUSH_ANALYSIS) and storageStatus (PENDING until the bytes are stored, then STORED). The bytes themselves are downloaded with the d2files command line (d2files resources download).",
        annotations(
            title = "Get a file resource",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn files_resources_get(
        &self,
        Parameters(FileResourceUid { uid }): Parameters<FileResourceUid>,
    ) -> CallToolResult {
        reply(
            &self.client,
            "files_resources_get",
            self.client.get_file_resource(uid.trim()).await,
        )
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for FilesServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("d2files", env!("CARGO_PKG_VERSION"))
                    .with_title("d2files: DHIS2 documents and file resources"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    /// Refuses the writing tools in read-only mode with a tool error an agent can read,
    /// instead of a bare "tool not found".
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if self.read_only && WRITING_TOOLS.contains(&request.name.as_ref()) {
            tracing::info!(tool = %request.name, "refused: the server is read-only");
            let message = format!(
                "`{}` is not available: this d2files MCP server runs read-only (--read-only), so documents cannot be created, renamed or deleted",
                request.name
            );
            return Ok(error_result(web_message(Some(403), message, Some(FORBIDDEN))).into());
        }
        let response = self
            .tool_router
            .call(ToolCallContext::new(self, request, context))
            .await?;
        Ok(match response {
            CallToolResponse::Complete(result) => structured_argument_error(result).into(),
            other => other,
        })
    }
}

/// A check's summary and its problem rows, as few bytes as an agent can act on.
fn compact_report(report: &Report) -> Value {
    let problems: Vec<Value> = report
        .items
        .iter()
        .filter(|item| item.has_problem())
        .take(MAX_CHECK_ROWS)
        .map(|item| {
            json!({
                "kind": item.kind,
                "uid": item.uid,
                "name": item.name,
                "status": item.status(),
                "findings": item.findings,
            })
        })
        .collect();
    let counts = report.counts_by_key();
    let total = report.problems();
    let mut value = json!({
        "summary": {"items": report.items.len(), "problems": total, "counts": counts},
        "problems": problems,
        "notes": report.notes,
    });
    if total > MAX_CHECK_ROWS {
        value["truncated"] = json!(total - MAX_CHECK_ROWS);
    }
    value
}

/// Every tool error of ours is structured; one without structure is rmcp's refusal of
/// arguments that do not fit the schema (an unknown field, a missing uid, `page: -1`), so it
/// becomes the same 400 as the arguments d2files refuses itself.
fn structured_argument_error(result: CallToolResult) -> CallToolResult {
    if result.is_error != Some(true) || result.structured_content.is_some() {
        return result;
    }
    let message = result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|text| text.text.as_str()))
        .collect::<Vec<_>>()
        .join("\n");
    tracing::info!("refused the arguments: {message}");
    error_result(web_message(Some(400), message, Some(BAD_REQUEST)))
}

/// The pager an agent needs: DHIS2's `nextPage`/`prevPage` are long URLs, while the agent's
/// next call only wants a page number. That number follows the page `asked` for, not the
/// server's own `page`, and stops at `pageCount`: a server that ignores `page` cannot send an
/// agent round the same page for ever.
fn pager(pager: &Pager, asked: u32) -> Value {
    let mut value = json!({
        "page": pager.page,
        "pageCount": pager.page_count,
        "total": pager.total,
        "pageSize": pager.page_size,
    });
    if pager.continues_after(asked) {
        value["nextPage"] = json!(asked.saturating_add(1));
    }
    value
}

/// A tool's answer: the value as structured content and, for hosts that read only text, as
/// compact JSON text (MCP asks for both), or a tool error. An agent never reads an echo of our
/// credentials, even in stored names.
fn reply<T: Serialize>(client: &Client, tool: &str, result: api::Result<T>) -> CallToolResult {
    match result {
        Ok(value) => match serde_json::to_value(value) {
            Ok(mut value) => {
                client.redactor().echoes_in_json(&mut value);
                tracing::debug!(tool, "done");
                CallToolResult::structured(value)
            }
            Err(error) => {
                tracing::warn!(tool, %error, "could not encode the answer");
                let message = format!("could not encode the answer as JSON: {error}");
                error_result(web_message(None, message, None))
            }
        },
        Err(error) => failure(tool, &error),
    }
}

/// A tool error in DHIS2's words and shape. d2files' own refusals of arguments (and a page past
/// the end, which DHIS2 answers with an empty list) are the 400 DHIS2 gives a bad request.
fn failure(tool: &str, error: &api::Error) -> CallToolResult {
    tracing::info!(tool, status = ?error.status(), code = ?error.error_code(), "failed: {error}");
    let (status, code) = match error {
        api::Error::InvalidInput(_) | api::Error::PagePastEnd { .. } => {
            (Some(400), Some(BAD_REQUEST))
        }
        other => (other.status(), other.error_code()),
    };
    let message = match error {
        api::Error::Dhis2(dhis2) => dhis2.message.clone(),
        other => other.to_string(),
    };
    let mut detail = web_message(status, message, code);
    if let api::Error::Dhis2(dhis2) = error {
        if !dhis2.error_reports.is_empty() {
            detail["errorReports"] = json!(dhis2.error_reports);
        }
        if let Some(hint) = &dhis2.hint {
            detail["hint"] = json!(hint);
        }
    }
    if let api::Error::PagePastEnd {
        page_count,
        page_size,
        total,
        ..
    } = error
    {
        detail["pager"] = json!({"pageCount": page_count, "total": total, "pageSize": page_size});
    }
    error_result(detail)
}

/// The fields of a DHIS2 WebMessage (dhis2-api.md §1.2) an agent needs: the status as DHIS2
/// writes it (reason phrase and code) where there is one, and the errorCode where one applies.
fn web_message(status: Option<u16>, message: String, error_code: Option<&str>) -> Value {
    let mut detail = json!({});
    if let Some(status) = status {
        let reason = reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|status| status.canonical_reason());
        if let Some(reason) = reason {
            detail["httpStatus"] = json!(reason);
        }
        detail["httpStatusCode"] = json!(status);
    }
    detail["status"] = json!("ERROR");
    detail["message"] = json!(message);
    if let Some(code) = error_code {
        detail["errorCode"] = json!(code);
    }
    detail
}

/// A tool error whose structured content is `{"error": detail}`, and whose text is that JSON.
fn error_result(detail: Value) -> CallToolResult {
    CallToolResult::structured_error(json!({ "error": detail }))
}
