//! An in-process DHIS2 (2.38 to 2.44) for the endpoints d2files uses: `/api/documents`,
//! `/api/fileResources`, `/api/sharing`, `/api/system/info` and `/api/me`, with each version's quirks
//! (see `dhis2-api.md`). It serves the demo mode, `d2files demo-server`, every test and the
//! benchmarks. It shares no code with `crate::api`: only the wire format.

mod auth;
mod cleanup;
mod clock;
mod dashboards;
mod documents;
mod download;
mod faults;
mod fields;
mod file_resources;
mod file_store;
mod gist;
mod link;
mod listing;
mod model;
mod query;
mod seed;
mod server;
mod sharing;
mod sharing_search;
mod state;
mod store;
mod system;
mod version;
mod web_message;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{FaultBody, FaultRule, Faults};
pub use file_store::LostBytes;
pub use link::rate_of_mbit as link_rate_of_mbit;
pub use seed::{SeedDashboard, SeedDashboardItem, SeedDocument, SeedFileResource};
pub use version::{Change, Dhis2Version, NEWEST_RELEASE, VersionError};

use clock::Clock;
pub use model::{
    ADMIN_PASSWORD, ADMIN_PAT, ADMIN_USERNAME, ADMINISTRATORS_GROUP_ID, CLERK_PASSWORD,
    CLERK_USERNAME, CLERKS_GROUP_ID, GUEST_PASSWORD, GUEST_USERNAME, VIEWERS_GROUP_ID,
};
pub use state::RecordedRequest;
use state::{AppState, Shared};
use store::BlobStore;

/// How to start an emulator.
#[derive(Clone, Debug)]
pub struct EmulatorOptions {
    /// Default 2.41.7, the release most suites were written against (the demo starts as
    /// [`NEWEST_RELEASE`]).
    pub version: Dhis2Version,
    /// 0 = any free port.
    pub port: u16,
    /// "" (default) or e.g. "/dhis": everything is served under it.
    pub context_path: String,
    /// How long a new upload stays PENDING before it reads STORED.
    pub storage_delay: Duration,
    /// The global upload limit where the version has one; `None` = unlimited.
    pub max_upload_size: Option<u64>,
    /// Load the demo documents and file resources.
    pub seed_demo: bool,
    /// Read every request body and send every answer's body at most this many bytes per
    /// second (each body on its own), as a network link would; `None` = as fast as loopback
    /// goes. [`link_rate_of_mbit`] turns `--link-mbit` into it.
    pub link_rate: Option<u64>,
    /// How long every answer is held before it is given, as over a long link; requests are
    /// held side by side, not one after another.
    pub latency: Duration,
    /// gzip JSON answers (not file bodies: nginx's `gzip_types application/json`) for a
    /// client whose `Accept-Encoding` takes it, as a DHIS2 behind a compressing proxy does;
    /// DHIS2 itself never compresses (dhis2-api.md §14.1).
    pub compress_json: bool,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        Self {
            version: Dhis2Version::default(),
            port: 0,
            context_path: String::new(),
            storage_delay: Duration::ZERO,
            max_upload_size: Some(10_000_000),
            seed_demo: false,
            link_rate: None,
            latency: Duration::ZERO,
            compress_json: false,
        }
    }
}

/// A running emulator. Dropping it (or [`Emulator::shutdown`]) stops the server and deletes
/// its temp dir.
pub struct Emulator {
    state: Shared,
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    // Declared last: dropped after the server has been told to stop.
    _dir: tempfile::TempDir,
}

/// "/dhis/" → "/dhis", "" or "/" → "".
fn normalize_context_path(path: &str) -> String {
    let trimmed = path.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

impl Emulator {
    pub async fn start(options: EmulatorOptions) -> std::io::Result<Emulator> {
        let dir = tempfile::Builder::new()
            .prefix("d2files-emulator-")
            .tempdir()?;
        let listener = TcpListener::bind(("127.0.0.1", options.port)).await?;
        let local_addr = listener.local_addr()?;
        let context_path = normalize_context_path(&options.context_path);
        let base_url = format!("http://{local_addr}{context_path}");
        let state: Shared = Arc::new(AppState {
            version: options.version,
            context_path,
            storage_delay: options.storage_delay,
            link_rate: options.link_rate,
            compress_json: options.compress_json,
            latency: options.latency,
            max_upload_size: options
                .max_upload_size
                .filter(|_| options.version.has(Change::UploadLimits)),
            db: Mutex::default(),
            store: BlobStore::new(dir.path()),
            faults: Faults::default(),
            requests: Mutex::default(),
            local_addr,
            clock: Clock::default(),
            cleanup_looked_at: Mutex::new(chrono::Utc::now().naive_utc()),
        });
        if options.seed_demo {
            seed::load_demo(&state, &base_url)?;
        }
        let normalizing = state.clone();
        let app = tower::ServiceExt::map_request(server::router(state.clone()), move |request| {
            server::normalize(&normalizing, request)
        });
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // Tomcat answers with Nagle off; left on, a small body written after its headers
            // waits for the client's delayed ACK, 40 ms a download that DHIS2 does not cost.
            let listener = listener.tap_io(|tcp| {
                if let Err(error) = tcp.set_nodelay(true) {
                    tracing::debug!("emulator: TCP_NODELAY not set: {error}");
                }
            });
            let served = axum::serve(listener, axum::ServiceExt::into_make_service(app))
                .with_graceful_shutdown(async {
                    let _ = signal.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!("emulator server stopped: {e}");
            }
        });
        tracing::debug!("DHIS2 {} emulator on {base_url}", options.version);
        Ok(Emulator {
            state,
            base_url,
            shutdown: Some(shutdown),
            task: Some(task),
            _dir: dir,
        })
    }

    /// `http://127.0.0.1:PORT` plus the context path, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn version(&self) -> Dhis2Version {
        self.state.version
    }

    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Every request seen so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Adds a file resource directly; returns its id.
    pub fn seed_file_resource(&self, seed: SeedFileResource) -> std::io::Result<String> {
        seed::add_file_resource(&self.state, seed)
    }

    /// Adds a document (link or file) directly; returns its id.
    pub fn seed_document(&self, seed: SeedDocument) -> String {
        seed::add_document(&self.state, seed)
    }

    /// Loses the bytes of stored file resource `uid` as `how` says (the blob gone from the
    /// store, or left empty), leaving its row as it was; `Ok(false)` when there is no such file
    /// resource. What each way looks like over HTTP is in [`LostBytes`].
    pub fn lose_bytes(&self, uid: &str, how: LostBytes) -> std::io::Result<bool> {
        file_store::lose_bytes(&self.state, uid, how)
    }

    /// Deletes the row of file resource `uid`, leaving any document that points at it
    /// dangling (its `/data` answers 500); `false` when there is no such file resource.
    pub fn remove_file_resource(&self, uid: &str) -> bool {
        file_store::remove_file_resource(&self.state, uid)
    }

    /// The server time (Etc/UTC), as `created`, `lastUpdated` and the cleanup job read it.
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.state.now()
    }

    /// Sets the server's clock to `at` (it runs on from there), then runs the daily cleanup
    /// job if a 02:00 was passed on the way (dhis2-api.md §4.7, §13.7); what it deleted.
    pub fn set_now(&self, at: chrono::NaiveDateTime) -> Vec<String> {
        self.state.clock.set(at);
        cleanup::run_if_due(&self.state)
    }

    /// Moves the server's clock on by `by`, running the cleanup job as [`Emulator::set_now`]
    /// does; what it deleted.
    pub fn advance_clock(&self, by: chrono::Duration) -> Vec<String> {
        self.state.clock.advance(by);
        cleanup::run_if_due(&self.state)
    }

    /// Runs the file resource cleanup job now, as an administrator running it by hand would;
    /// the uids of the file resources it deleted.
    pub fn run_cleanup(&self) -> Vec<String> {
        cleanup::run_at(&self.state, self.state.now())
    }

    /// Adds a dashboard directly; returns its id.
    pub fn seed_dashboard(&self, seed: SeedDashboard) -> String {
        seed::add_dashboard(&self.state, seed)
    }

    /// Stops the server, waiting (a little) for open connections to finish.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// `d2files demo-server`: starts the emulator, prints how to connect, and runs until
/// Ctrl-C or SIGTERM.
pub async fn run_standalone(options: EmulatorOptions) -> anyhow::Result<()> {
    let link_rate = options.link_rate;
    let latency = options.latency;
    let compress_json = options.compress_json;
    let port = options.port;
    let emulator = Emulator::start(options).await.map_err(|error| {
        if error.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "port {port} on 127.0.0.1 is already in use (another demo-server?); choose \
                 another with --port N, or --port 0 for any free one"
            )
        } else {
            anyhow::anyhow!("cannot start the demo server on port {port}: {error}")
        }
    })?;
    // This is the command's own output, not logging: the user needs it to connect.
    let mut banner = format!(
        "DHIS2 {} emulator listening on {}\n",
        emulator.version(),
        emulator.base_url()
    );
    banner.push_str(&format!(
        "  Basic auth: {ADMIN_USERNAME} / {ADMIN_PASSWORD}\n"
    ));
    banner.push_str(&format!(
        "  Guest (no add/delete rights): {GUEST_USERNAME} / {GUEST_PASSWORD}\n"
    ));
    banner.push_str(&format!(
        "  Clerk (private documents only): {CLERK_USERNAME} / {CLERK_PASSWORD}\n"
    ));
    banner.push_str(&format!(
        "  Personal access token: Authorization: ApiToken {ADMIN_PAT}\n"
    ));
    if let Some(rate) = link_rate {
        banner.push_str(&format!(
            "  Uploads and answers paced to {} Mbit/s\n",
            rate.saturating_mul(8) / 1_000_000
        ));
    }
    if !latency.is_zero() {
        banner.push_str(&format!("  Every answer held {} ms\n", latency.as_millis()));
    }
    if compress_json {
        banner.push_str("  JSON answers gzipped for clients that accept it\n");
    }
    banner.push_str("Press Ctrl-C to stop.\n");
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(banner.as_bytes()).and_then(|()| out.flush()) {
        // A reader that took the URL and left (`demo-server | head -1`) still wants the server.
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            anyhow::bail!("cannot write the output: {error}")
        }
        _ => {}
    }
    drop(out);
    wait_for_stop_signal().await?;
    emulator.shutdown().await;
    Ok(())
}

async fn wait_for_stop_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_paths_are_normalised() {
        assert_eq!(normalize_context_path(""), "");
        assert_eq!(normalize_context_path("/"), "");
        assert_eq!(normalize_context_path("dhis/"), "/dhis");
        assert_eq!(normalize_context_path("/dhis"), "/dhis");
    }

    #[tokio::test]
    async fn demo_seed_loads_on_every_version() {
        for version in [
            "2.38.0", "2.39.8", "2.40.6", "2.41.7", "2.42.4", "2.43.2", "2.44",
        ] {
            let emulator = Emulator::start(EmulatorOptions {
                version: version.parse().expect("version"),
                seed_demo: true,
                ..EmulatorOptions::default()
            })
            .await
            .expect("starts");
            let db = emulator.state.db();
            assert!(db.documents.len() >= 45, "{version}");
            // 2.43 keeps no PUSH_ANALYSIS file resource (§13.3).
            assert!(db.file_resources.len() >= 39, "{version}");
            assert!(db.dashboards.len() >= 3, "{version}");
        }
    }
}
