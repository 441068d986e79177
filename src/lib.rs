//! d2files: manage the documents and file resources of a DHIS2 server from a terminal.
//!
//! Four faces share the [`api`] layer: the TUI (`app` + `ui`), the CLI (`cli`), the MCP server
//! (`mcp`) and this library. The `emulator` is an in-process DHIS2 that serves the demo mode and
//! every test; it shares no code with [`api`]. Work over many items (bulk download, delete,
//! upload) is planned and applied by [`ops`], on top of [`api`], for every face.
//!
//! Each face is a cargo feature (`tui`, `cli`, `mcp`, `emulator`, all on by default). With
//! `default-features = false` the crate is [`api`] and [`ops`] alone; add `features = ["emulator"]` to test
//! your own code against a DHIS2 on 127.0.0.1.
pub mod api;
#[cfg(feature = "tui")]
pub mod app;
#[cfg(feature = "cli")]
pub mod cli;
pub mod ops;
// The preview pane's decoders: bytes to something to draw, for the TUI.
#[cfg(feature = "tui")]
pub mod preview;
// Profiles, paths and logging serve the TUI and the CLI (which includes the TUI).
#[cfg(feature = "tui")]
pub mod config;
#[cfg(feature = "emulator")]
pub mod emulator;
#[cfg(feature = "mcp")]
pub mod mcp;
#[cfg(feature = "tui")]
pub mod ui;

/// The README's Rust examples, run as doc tests so they keep compiling and working.
#[cfg(all(doctest, feature = "emulator"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
