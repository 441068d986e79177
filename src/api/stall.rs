//! The minimum-progress rule for bodies of any length: a transfer has no total deadline (a GiB
//! over a slow link may take an hour), so a server that trickles a byte now and then, or stops
//! reading an upload, would otherwise hold it forever. The per-read timeout does not help: a
//! byte a second is a read every second.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use crate::api::error::Error;

/// A transfer that moves fewer than `bytes` in any `window` has stalled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinProgress {
    pub bytes: u64,
    pub window: Duration,
}

impl Default for MinProgress {
    /// 4 KiB a minute is 68 bytes a second: far below the slowest link DHIS2 is used over (GPRS
    /// moves about 5 KB/s), and a window as long as the per-read timeout, so a slow link is
    /// never cut and a stalled body ends within two minutes.
    fn default() -> Self {
        MinProgress {
            bytes: 4 * 1024,
            window: Duration::from_secs(60),
        }
    }
}

/// Bytes moved so far, shared between the transfer and its watchdog, and whether the body is
/// all out (an upload then waits for the server's answer, which the JSON deadline bounds).
#[derive(Clone, Debug, Default)]
pub(crate) struct Moved(Arc<(AtomicU64, AtomicBool, Notify)>);

impl Moved {
    pub(crate) fn add(&self, bytes: u64) {
        self.0.0.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.0.load(Ordering::Relaxed)
    }

    pub(crate) fn finish(&self) {
        self.0.1.store(true, Ordering::Release);
        // A stored permit: a waiter that comes later still wakes.
        self.0.2.notify_one();
    }

    fn is_finished(&self) -> bool {
        self.0.1.load(Ordering::Acquire)
    }

    /// Resolves once the body is all out.
    pub(crate) async fn finished(&self) {
        while !self.is_finished() {
            self.0.2.notified().await;
        }
    }
}

/// Resolves with an error once a window passes in which fewer than the rule's bytes moved, and
/// never once the body is finished. Meant for `select!` beside the transfer.
pub(crate) async fn stalled(
    moved: Moved,
    rule: MinProgress,
    what: &'static str,
    total: Option<u64>,
) -> Error {
    let mut before = moved.get();
    loop {
        tokio::time::sleep(rule.window).await;
        if moved.is_finished() {
            return std::future::pending().await;
        }
        let now = moved.get();
        if now.saturating_sub(before) < rule.bytes {
            let of_total = total.map(|t| format!(" of {t}")).unwrap_or_default();
            return Error::Network(format!(
                "the {what} stalled: fewer than {} bytes moved in {} s (after {now}{of_total} bytes)",
                rule.bytes,
                rule.window.as_secs_f64()
            ));
        }
        before = now;
    }
}
