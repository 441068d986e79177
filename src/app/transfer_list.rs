//! The transfer list as data: states, phases, bytes, speed and ETA. The runner does the work.
use std::path::PathBuf;
use std::time::Duration;

use crate::api::{Phase, Progress};
use crate::app::ids::BatchId;
use crate::app::ids::TransferId;
use crate::app::transfer_job::TransferJob;

/// Speed is measured over windows at least this long, so it does not jitter.
const RATE_WINDOW: Duration = Duration::from_millis(500);

#[derive(Clone, Debug, PartialEq)]
pub enum TransferState {
    Queued,
    Running,
    Done(Finished),
    Failed(String),
    Cancelled,
}

/// What a finished transfer made, as data (`ui` words it).
#[derive(Clone, Debug, PartialEq)]
pub enum Finished {
    SavedTo(PathBuf),
    /// A link document: nothing to fetch.
    ExternalLink(String),
    /// The document an upload (or a retried link step) created, by uid.
    Document(String),
    /// A file resource uploaded on its own, by uid.
    FileResource(String),
    /// A batch step that ended without doing anything, and why.
    Skipped(String),
    /// A document re-created, with uid `document`, on profile `profile`'s server.
    CopiedTo {
        profile: String,
        document: String,
    },
}

impl TransferState {
    pub fn is_active(&self) -> bool {
        matches!(self, TransferState::Queued | TransferState::Running)
    }
}

#[derive(Clone, Debug)]
pub struct Transfer {
    pub id: TransferId,
    pub label: String,
    pub job: TransferJob,
    pub state: TransferState,
    pub phase: Phase,
    pub done: u64,
    pub total: Option<u64>,
    speed: RateMeter,
    /// Where a finished download was saved (for `o`).
    pub saved: Option<PathBuf>,
    /// A stored file resource whose document could not be created (retry links it).
    pub unlinked: Option<String>,
    /// The batch and step this row shows, when it is one of a batch's.
    pub batch: Option<(BatchId, usize)>,
}

/// Bytes per second over windows of at least `RATE_WINDOW`, smoothed.
#[derive(Clone, Debug, Default)]
pub struct RateMeter {
    sample: Option<(Duration, u64)>,
    rate: Option<f64>,
}

impl RateMeter {
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// `done` bytes at time `now`.
    pub fn record(&mut self, done: u64, now: Duration) {
        match self.sample {
            None => self.sample = Some((now, done)),
            Some((then, bytes)) => {
                let elapsed = now.saturating_sub(then);
                if elapsed >= RATE_WINDOW {
                    let rate = done.saturating_sub(bytes) as f64 / elapsed.as_secs_f64();
                    self.rate = Some(match self.rate {
                        Some(old) => old * 0.5 + rate * 0.5,
                        None => rate,
                    });
                    self.sample = Some((now, done));
                }
            }
        }
    }

    /// Time left for `left` bytes at the current speed.
    pub fn eta(&self, left: u64) -> Option<Duration> {
        let rate = self.rate.filter(|r| *r > 0.0)?;
        Some(Duration::from_secs_f64(left as f64 / rate))
    }
}

impl Transfer {
    pub fn is_upload(&self) -> bool {
        self.job.is_upload()
    }

    /// Completed fraction, when the total is known.
    pub fn ratio(&self) -> Option<f64> {
        match self.total {
            Some(0) => Some(1.0),
            Some(total) => Some((self.done as f64 / total as f64).min(1.0)),
            None => None,
        }
    }

    /// Bytes per second, smoothed.
    pub fn rate(&self) -> Option<f64> {
        self.speed.rate()
    }

    /// Seconds left at the current speed.
    pub fn eta(&self) -> Option<Duration> {
        self.speed.eta(self.total?.saturating_sub(self.done))
    }

    fn record(&mut self, progress: Progress, now: Duration) {
        if progress.phase != self.phase {
            self.phase = progress.phase;
            self.speed = RateMeter::default();
        }
        self.done = progress.done;
        self.total = progress.total.or(self.total);
        self.speed.record(progress.done, now);
    }
}

#[derive(Clone, Debug, Default)]
pub struct Transfers {
    pub items: Vec<Transfer>,
    pub cursor: usize,
    next_id: TransferId,
}

impl Transfers {
    pub fn add(&mut self, label: String, job: TransferJob) -> TransferId {
        self.next_id += 1;
        let phase = match &job {
            TransferJob::LinkDocument { .. } => Phase::Linking,
            // A copy's bytes are reported as they go into the other server's upload.
            job if job.is_upload() || job.is_copy() => Phase::Uploading,
            _ => Phase::Downloading,
        };
        self.items.push(Transfer {
            id: self.next_id,
            label,
            job,
            state: TransferState::Queued,
            phase,
            done: 0,
            total: None,
            speed: RateMeter::default(),
            saved: None,
            unlinked: None,
            batch: None,
        });
        self.next_id
    }

    /// A row for step `step` of batch `batch`.
    pub fn add_step(
        &mut self,
        label: String,
        job: TransferJob,
        batch: BatchId,
        step: usize,
    ) -> TransferId {
        let id = self.add(label, job);
        if let Some(row) = self.items.last_mut() {
            row.batch = Some((batch, step));
        }
        id
    }

    /// Runs the transfer at `index` again, in its place, under a new id (so a late message
    /// from the old run cannot touch the new one). Returns the id and the job to start.
    pub fn restart(&mut self, index: usize) -> Option<(TransferId, TransferJob)> {
        self.next_id += 1;
        let id = self.next_id;
        let transfer = self.items.get_mut(index)?;
        transfer.id = id;
        transfer.state = TransferState::Queued;
        transfer.done = 0;
        transfer.total = None;
        transfer.speed = RateMeter::default();
        transfer.saved = None;
        Some((id, transfer.job.clone()))
    }

    pub fn get_mut(&mut self, id: TransferId) -> Option<&mut Transfer> {
        self.items.iter_mut().find(|t| t.id == id)
    }

    pub fn progress(&mut self, id: TransferId, progress: Progress, now: Duration) -> bool {
        match self.get_mut(id) {
            Some(transfer) if transfer.state.is_active() => {
                transfer.state = TransferState::Running;
                transfer.record(progress, now);
                true
            }
            _ => false,
        }
    }

    pub fn active(&self) -> impl Iterator<Item = &Transfer> {
        self.items.iter().filter(|t| t.state.is_active())
    }

    pub fn any_active(&self) -> bool {
        self.active().next().is_some()
    }

    pub fn selected(&self) -> Option<&Transfer> {
        self.items.get(self.cursor)
    }

    /// Drops finished, failed and cancelled transfers from the list.
    pub fn clear_finished(&mut self) {
        self.items.retain(|t| t.state.is_active());
        self.cursor = self.cursor.min(self.items.len().saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn download() -> TransferJob {
        TransferJob::DownloadDocument {
            uid: "abcdefghijk".into(),
            path: PathBuf::from("/tmp/x"),
            overwrite: false,
        }
    }

    #[test]
    fn speed_and_eta_follow_the_bytes() {
        let mut transfers = Transfers::default();
        let id = transfers.add("x".into(), download());
        let at = |ms| Duration::from_millis(ms);
        let progress = |done| Progress {
            phase: Phase::Downloading,
            done,
            total: Some(10_000),
        };
        transfers.progress(id, progress(0), at(0));
        transfers.progress(id, progress(1_000), at(1_000));
        let t = &transfers.items[0];
        assert_eq!(t.rate(), Some(1_000.0));
        assert_eq!(t.eta(), Some(Duration::from_secs(9)));
        assert_eq!(t.ratio(), Some(0.1));
        assert_eq!(t.state, TransferState::Running);
    }
}
