//! The MCP stdio server with the metadata-only tools (`files_documents_*`, `files_resources_get`).
//!
//! stdout carries the protocol and nothing else; logs go through `tracing` to whatever writer
//! the caller set up (a file or stderr).
mod schema;
mod tools;

use rmcp::ServiceExt;

use crate::api::Client;

pub use tools::{FilesServer, WRITING_TOOLS};

/// Serves MCP over stdin/stdout until stdin closes.
pub async fn serve(client: Client, read_only: bool) -> anyhow::Result<()> {
    tracing::info!(
        server = client.base_url(),
        read_only,
        "MCP server starting on stdio"
    );
    let running = FilesServer::new(client, read_only)
        .serve(rmcp::transport::stdio())
        .await?;
    let reason = running.waiting().await?;
    tracing::info!(?reason, "MCP server stopped");
    Ok(())
}
