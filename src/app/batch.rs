//! Batches (design.md §7) as `update` sees them: work over many items planned by `ops`,
//! confirmed here, then applied by `ops::apply` in the runner. Each acting step of a download
//! or upload is a row of the transfers panel; a batch keeps its plan so that the steps that
//! failed can be planned again, and adds up its progress for the footer.
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::api::ServerVersion;
use crate::app::ids::{BatchId, TransferId};
use crate::app::transfer_list::RateMeter;
use crate::ops::Plan;

/// What kind of work a batch does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchKind {
    Download,
    Delete,
    Upload,
    /// Documents re-created, with their uids, on another profile's server.
    Copy,
}

impl BatchKind {
    /// The work done, for a summary ("deleted 48 of 50").
    pub fn past_tense(self) -> &'static str {
        match self {
            BatchKind::Download => "downloaded",
            BatchKind::Delete => "deleted",
            BatchKind::Upload => "uploaded",
            BatchKind::Copy => "copied",
        }
    }

    /// The work, for "planning the download of 12 documents".
    pub fn noun(self) -> &'static str {
        match self {
            BatchKind::Download => "download",
            BatchKind::Delete => "delete",
            BatchKind::Upload => "upload",
            BatchKind::Copy => "copy",
        }
    }
}

/// What to plan: the items and what the plan depends on.
#[derive(Clone, Debug, PartialEq)]
pub enum BatchWork {
    Download {
        uids: Vec<String>,
        dir: PathBuf,
    },
    /// `version` decides what the plan says happens to the files' bytes.
    Delete {
        uids: Vec<String>,
        version: Option<ServerVersion>,
    },
    Upload {
        paths: Vec<PathBuf>,
    },
    /// These documents, to the server of the configured profile `profile`.
    Copy {
        uids: Vec<String>,
        profile: String,
    },
}

impl BatchWork {
    pub fn kind(&self) -> BatchKind {
        match self {
            BatchWork::Download { .. } => BatchKind::Download,
            BatchWork::Delete { .. } => BatchKind::Delete,
            BatchWork::Upload { .. } => BatchKind::Upload,
            BatchWork::Copy { .. } => BatchKind::Copy,
        }
    }

    /// The profile whose server the work changes, when it is not the session's.
    pub fn onto(&self) -> Option<&str> {
        match self {
            BatchWork::Copy { profile, .. } => Some(profile),
            _ => None,
        }
    }
}

/// A plan handed to the runner. Equal only to itself: what runs is the very plan the user
/// confirmed, never an equal-looking copy.
#[derive(Clone, Debug)]
pub struct SharedPlan(pub Arc<Plan>);

impl PartialEq for SharedPlan {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A plan waiting for the user: its conflicts answered, or the whole confirmed.
#[derive(Clone, Debug)]
pub struct PendingBatch {
    pub kind: BatchKind,
    pub plan: Plan,
    /// The profile whose server the plan is applied onto (a copy's target); `None`: the
    /// session's own.
    pub onto: Option<String>,
}

/// A plan being made, shown in the footer until it comes.
#[derive(Clone, Debug, PartialEq)]
pub struct Planning {
    pub req: crate::app::ids::ReqId,
    /// What is planned: a download's prompt comes back with it if the plan fails.
    pub work: BatchWork,
    /// "12 documents", for the footer.
    pub items: String,
}

/// A batch started: running, or ended and kept for its rows and a retry.
#[derive(Clone, Debug)]
pub struct Batch {
    pub id: BatchId,
    pub kind: BatchKind,
    pub plan: Arc<Plan>,
    /// The profile whose server it changes (a copy's target); `None`: the session's own.
    pub onto: Option<String>,
    /// The transfer row of each step, by step index (`None`: no row, as for a skip, a refusal
    /// known in advance or a delete).
    pub rows: Vec<Option<TransferId>>,
    /// Steps that do something, and how many of them ended.
    pub acting: usize,
    pub ended: usize,
    /// The bytes the acting steps move, as far as the plan knows them, and those moved.
    pub bytes_total: u64,
    pub bytes_done: u64,
    /// The bytes counted for each step so far (progress can restart with a phase).
    counted: Vec<u64>,
    speed: RateMeter,
    pub running: bool,
}

impl Batch {
    /// The bytes counted for `step`.
    pub fn counted(&self, step: usize) -> u64 {
        self.counted.get(step).copied().unwrap_or(0)
    }

    /// `step` has moved `bytes` in all, at `now`.
    pub fn count(&mut self, step: usize, bytes: u64, now: Duration) {
        let Some(counted) = self.counted.get_mut(step) else {
            return;
        };
        self.bytes_done = self
            .bytes_done
            .saturating_sub(*counted)
            .saturating_add(bytes);
        *counted = bytes;
        self.speed.record(self.bytes_done, now);
    }
}

/// All running batches together, for the footer.
#[derive(Clone, Debug, PartialEq)]
pub struct Overall {
    /// The kind when every running batch is of one kind.
    pub kind: Option<BatchKind>,
    pub ended: usize,
    pub acting: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub rate: Option<f64>,
    pub eta: Option<Duration>,
}

#[derive(Clone, Debug, Default)]
pub struct Batches {
    pub items: Vec<Batch>,
    next_id: BatchId,
    /// Progress came since the last frame that showed it: the tick draws it, at most once per
    /// `state::BATCH_FRAME`, so a batch costs no frame per chunk or per file.
    pub unshown: bool,
    /// When batch progress was last drawn.
    pub shown_at: Duration,
}

impl Batches {
    /// A running batch of `plan` onto `onto`'s server (the session's when `None`), with no
    /// rows yet.
    pub fn add(&mut self, kind: BatchKind, plan: Arc<Plan>, onto: Option<String>) -> BatchId {
        self.next_id += 1;
        self.items.push(Batch {
            id: self.next_id,
            kind,
            onto,
            rows: vec![None; plan.steps.len()],
            acting: plan.acting(),
            ended: 0,
            bytes_total: plan.bytes(),
            bytes_done: 0,
            counted: vec![0; plan.steps.len()],
            speed: RateMeter::default(),
            running: true,
            plan,
        });
        self.next_id
    }

    pub fn get(&self, id: BatchId) -> Option<&Batch> {
        self.items.iter().find(|batch| batch.id == id)
    }

    pub fn get_mut(&mut self, id: BatchId) -> Option<&mut Batch> {
        self.items.iter_mut().find(|batch| batch.id == id)
    }

    pub fn running(&self) -> impl Iterator<Item = &Batch> {
        self.items.iter().filter(|batch| batch.running)
    }

    pub fn any_running(&self) -> bool {
        self.running().next().is_some()
    }

    /// The running batches added up; `None` when none runs.
    pub fn overall(&self) -> Option<Overall> {
        let mut running = self.running().peekable();
        let first_kind = running.peek()?.kind;
        let mut overall = Overall {
            kind: Some(first_kind),
            ended: 0,
            acting: 0,
            bytes_done: 0,
            bytes_total: 0,
            rate: None,
            eta: None,
        };
        for batch in running {
            if overall.kind != Some(batch.kind) {
                overall.kind = None;
            }
            overall.ended += batch.ended;
            overall.acting += batch.acting;
            overall.bytes_done += batch.bytes_done;
            overall.bytes_total += batch.bytes_total;
            if let Some(rate) = batch.speed.rate() {
                overall.rate = Some(overall.rate.unwrap_or(0.0) + rate);
            }
        }
        overall.eta = overall
            .rate
            .filter(|rate| *rate > 0.0 && overall.bytes_total > 0)
            .map(|rate| {
                let left = overall.bytes_total.saturating_sub(overall.bytes_done);
                Duration::from_secs_f64(left as f64 / rate)
            });
        Some(overall)
    }

    /// Forgets the batches that ended and have no row left (`has_row` says which rows are).
    pub fn forget_ended(&mut self, has_row: impl Fn(TransferId) -> bool) {
        self.items
            .retain(|batch| batch.running || batch.rows.iter().flatten().any(|id| has_row(*id)));
    }
}
