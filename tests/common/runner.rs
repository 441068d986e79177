//! The TUI's effect runner against an emulator over HTTP, with the app's directories in a temp
//! dir: effects go in, messages come back on a channel.
use std::path::Path;
use std::time::Duration;

use d2files::api::Error;
use d2files::app::msg::Msg;
use d2files::app::paths::AppPaths;
use d2files::app::runner::Runner;
use d2files::app::{TransferId, TransferOutcome};
use d2files::emulator::Emulator;
use tokio::sync::mpsc;

/// The app's directories inside `dir`: `config`, `data`, `state`, downloads in `downloads`.
pub fn app_paths(dir: &Path) -> AppPaths {
    AppPaths {
        dirs: d2files::config::Paths {
            config_dir: dir.join("config"),
            data_dir: dir.join("data"),
            state_dir: dir.join("state"),
            download_dir: dir.join("downloads"),
        },
        home: None,
    }
}

/// A runner talking to `em` as admin with the client the TUI builds (default options), its
/// files in `dir` (see [`app_paths`]), and the channel its messages come on.
pub fn runner(em: &Emulator, dir: &Path) -> (Runner, mpsc::UnboundedReceiver<Msg>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (
        Runner::new(super::default_admin(em), tx, app_paths(dir)),
        rx,
    )
}

/// The runner's next message; fails after 20 s.
pub async fn next(rx: &mut mpsc::UnboundedReceiver<Msg>) -> Msg {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("a reply in time")
        .expect("channel open")
}

/// How transfer `id` ended, skipping the other messages before it.
pub async fn finished(
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    id: TransferId,
) -> Result<TransferOutcome, Error> {
    loop {
        if let Msg::TransferFinished(done, result) = next(rx).await
            && done == id
        {
            return result;
        }
    }
}
