//! d2files: manage the documents and file resources of a DHIS2 server from a terminal.
//!
//! Four faces share the [`api`] layer: the TUI ([`app`] + [`ui`]), the CLI ([`cli`]),
//! the MCP server ([`mcp`]) and this library. The [`emulator`] is an in-process DHIS2
//! that serves the demo mode and every test; it shares no code with [`api`].
pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod emulator;
pub mod mcp;
pub mod ui;
