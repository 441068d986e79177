//! The TUI: state, messages, the pure `update`, the effect runner and the event loop.
use crate::api::Client;

/// What the TUI is started with.
pub struct Launch {
    pub client: Client,
    /// The profile's name ("demo" for `--demo`), shown in the header.
    pub profile_name: String,
}

/// Runs the TUI until the user quits.
pub async fn run(_launch: Launch) -> anyhow::Result<()> {
    anyhow::bail!("the TUI is not built yet")
}
