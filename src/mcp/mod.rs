//! The MCP stdio server with the metadata-only tools.
use crate::api::Client;

/// Serves MCP over stdin/stdout until stdin closes.
pub async fn serve(_client: Client, _read_only: bool) -> anyhow::Result<()> {
    anyhow::bail!("the MCP server is not built yet")
}
