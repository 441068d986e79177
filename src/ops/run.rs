//! Applying a plan: its acting steps in order, a few at a time, each with its own cancellation,
//! every change reported as an [`Event`].
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt as _;

use tokio::task::JoinSet;

use crate::api::{
    CancellationToken, Client, DownloadTarget, Error, Progress, TransferOptions, UnlinkedUpload,
};
use crate::ops::outcome::Outcome;
use crate::ops::plan::{Action, Existing, Plan, Step};
use crate::ops::recreate::recreate;
use crate::ops::summary::Summary;

/// Transfers at once by default: enough to hide a slow link's round trips (three requests in
/// flight make a 25 ms link feel like a local one for small files) without taking more than a
/// fair share of a DHIS2 server's request threads.
pub const DEFAULT_JOBS: usize = 3;

/// The most transfers at once: more only queues at the server (Tomcat serves a few hundred
/// requests for everyone) and risks its rate limits.
pub const MAX_JOBS: usize = 16;

/// An answer this quick is a link the default transfers at once already hide; each multiple of
/// it a first answer takes adds as many again, up to [`MAX_JOBS`]: over a slow link a transfer
/// mostly waits on the round trip, so more of them load the server no more per second.
pub const QUICK_ANSWER: Duration = Duration::from_millis(50);

/// The transfers at once for a server whose first answer took `answer`: `base` on a quick
/// link, more the slower it is, at most [`MAX_JOBS`].
pub fn jobs_for_link(base: usize, answer: Duration) -> usize {
    let multiple = (answer.as_millis() / QUICK_ANSWER.as_millis()).max(1);
    usize::try_from(multiple)
        .unwrap_or(MAX_JOBS)
        .saturating_mul(base)
        .min(MAX_JOBS)
}

/// The environment variable that sets the number of transfers at once.
pub const JOBS_VARIABLE: &str = "D2FILES_TRANSFERS";

/// The transfers at once `value` (the environment variable's) asks for, within 1..=MAX_JOBS.
pub fn jobs_from(value: Option<&str>) -> Result<usize, String> {
    let Some(value) = value.map(str::trim).filter(|value| !value.is_empty()) else {
        return Ok(DEFAULT_JOBS);
    };
    match value.parse::<usize>() {
        Ok(jobs) if (1..=MAX_JOBS).contains(&jobs) => Ok(jobs),
        _ => Err(format!(
            "{JOBS_VARIABLE}={value} is not a number of transfers from 1 to {MAX_JOBS}"
        )),
    }
}

/// How to apply a plan.
#[derive(Clone)]
pub struct ApplyOptions {
    /// Steps at once, at least one.
    pub jobs: usize,
    /// What every transfer shares (MD5 check, storage wait, stall rule); its progress and
    /// cancellation are the run's own.
    pub transfer: TransferOptions,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            jobs: DEFAULT_JOBS,
            transfer: TransferOptions::default(),
        }
    }
}

/// The cancellation of a run: all of it, or one step (queued or running).
#[derive(Clone, Debug)]
pub struct Run {
    all: CancellationToken,
    steps: Arc<Vec<CancellationToken>>,
}

impl Run {
    pub fn new(steps: usize) -> Run {
        let all = CancellationToken::new();
        let steps = (0..steps).map(|_| all.child_token()).collect();
        Run {
            all,
            steps: Arc::new(steps),
        }
    }

    pub fn cancel_all(&self) {
        self.all.cancel();
    }

    pub fn cancel(&self, step: usize) {
        if let Some(token) = self.steps.get(step) {
            token.cancel();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.all.is_cancelled()
    }

    fn token(&self, step: usize) -> CancellationToken {
        self.steps
            .get(step)
            .cloned()
            .unwrap_or_else(|| self.all.child_token())
    }
}

/// What happens during a run, by step index.
#[derive(Clone, Debug)]
pub enum Event {
    Started { step: usize },
    Progress { step: usize, progress: Progress },
    Finished { step: usize, outcome: Outcome },
}

type OnEvent = Arc<dyn Fn(Event) + Send + Sync>;

/// Applies `plan`: every acting step in order, at most `options.jobs` at once; skips and
/// refusals end at once with their outcome. Cancelling the run (or a step) stops what runs,
/// which the transfer core cleans up, and ends what has not started as cancelled. Every step
/// ends with exactly one [`Event::Finished`].
pub async fn apply(
    client: &Client,
    plan: &Plan,
    options: &ApplyOptions,
    run: &Run,
    on_event: impl Fn(Event) + Send + Sync + 'static,
) -> Summary {
    let on_event: OnEvent = Arc::new(on_event);
    let jobs = options.jobs.max(1);
    let mut outcomes: Vec<Option<Outcome>> = vec![None; plan.steps.len()];
    let mut running = JoinSet::new();
    let finish = |outcomes: &mut Vec<Option<Outcome>>, step: usize, outcome: Outcome| {
        on_event(Event::Finished {
            step,
            outcome: outcome.clone(),
        });
        outcomes[step] = Some(outcome);
    };
    for (index, step) in plan.steps.iter().enumerate() {
        let token = run.token(index);
        let before = match &step.action {
            Action::Skip { why } => Some(Outcome::Skipped { why: why.clone() }),
            Action::Cannot { why } => Some(Outcome::Failed {
                error: why.clone(),
                unlinked: None,
            }),
            _ if token.is_cancelled() => Some(Outcome::Cancelled { unlinked: None }),
            _ => None,
        };
        if let Some(outcome) = before {
            finish(&mut outcomes, index, outcome);
            continue;
        }
        // Wait for a slot, taking the answers of steps that end meanwhile: each is reported
        // before the next step starts, so whoever reacts to it (cancelling the rest) is in time.
        let mut cancelled = token.is_cancelled();
        while !cancelled && running.len() >= jobs {
            tokio::select! {
                Some(joined) = running.join_next() => {
                    if let Ok((step, outcome)) = joined {
                        finish(&mut outcomes, step, outcome);
                    }
                }
                () = token.cancelled() => cancelled = true,
            }
            cancelled |= token.is_cancelled();
        }
        if cancelled {
            finish(&mut outcomes, index, Outcome::Cancelled { unlinked: None });
            continue;
        }
        on_event(Event::Started { step: index });
        let client = client.clone();
        let step = step.clone();
        let mut transfer = options.transfer.clone();
        transfer.cancel = token;
        transfer.unlinked = UnlinkedUpload::default();
        let report = on_event.clone();
        transfer = transfer.with_progress(move |progress| {
            report(Event::Progress {
                step: index,
                progress,
            });
        });
        running.spawn(async move {
            // A panic in a step is that step's failure, reported like any other.
            let outcome = AssertUnwindSafe(apply_step(&client, &step, &transfer))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Outcome::Failed {
                    error: "the step stopped on an internal error (see the log)".into(),
                    unlinked: None,
                });
            (index, outcome)
        });
    }
    while let Some(joined) = running.join_next().await {
        if let Ok((step, outcome)) = joined {
            finish(&mut outcomes, step, outcome);
        }
    }
    Summary::new(plan, outcomes)
}

/// One acting step, start to end.
async fn apply_step(client: &Client, step: &Step, options: &TransferOptions) -> Outcome {
    let failed = |error: Error, options: &TransferOptions| {
        let unlinked = error
            .unlinked_file_resource()
            .map(str::to_string)
            .or_else(|| options.unlinked.get());
        if matches!(error, Error::Cancelled) {
            Outcome::Cancelled { unlinked }
        } else {
            Outcome::Failed {
                error: error.to_string(),
                unlinked,
            }
        }
    };
    match &step.action {
        Action::Download {
            to,
            existing,
            document,
            resource,
        } => {
            if *existing == Existing::Ask {
                return Outcome::Skipped {
                    why: format!("{} exists and nobody said to replace it", to.display()),
                };
            }
            let options = TransferOptions {
                overwrite: *existing == Existing::Replace,
                ..options.clone()
            };
            let target = DownloadTarget::File(to.clone());
            match client
                .download_read_document(document, resource.as_deref(), &target, &options)
                .await
            {
                Ok(saved) => Outcome::Downloaded(saved),
                Err(error) => failed(error, &options),
            }
        }
        Action::DownloadFile { to, resource } => {
            // A backup's own file: an earlier copy of it is replaced once the new one checks out.
            let options = TransferOptions {
                overwrite: true,
                ..options.clone()
            };
            let target = DownloadTarget::File(to.clone());
            match client
                .download_file_resource(&resource.id, None, &target, &options)
                .await
            {
                Ok(saved) => Outcome::Downloaded(saved),
                Err(error) => failed(error, &options),
            }
        }
        Action::Delete { .. } => {
            // A delete already sent is not abandoned: the server may have done it, and the
            // summary must say what happened.
            let uid = step.uid.as_deref().unwrap_or_default();
            match client.delete_document(uid).await {
                Ok(()) => Outcome::Deleted,
                Err(error) => failed(error, options),
            }
        }
        Action::Upload { path, name } => {
            match client.upload_document(path, Some(name), options).await {
                Ok(uploaded) => Outcome::Uploaded {
                    document: Box::new(uploaded.document),
                    file_resource: Box::new(uploaded.file_resource),
                },
                Err(error) => failed(error, options),
            }
        }
        Action::Restore(item) => recreate(client, item, options).await,
        Action::Skip { why } => Outcome::Skipped { why: why.clone() },
        Action::Cannot { why } => Outcome::Failed {
            error: why.clone(),
            unlinked: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_number_of_transfers_comes_from_the_variable_within_bounds() {
        assert_eq!(jobs_from(None), Ok(DEFAULT_JOBS));
        assert_eq!(jobs_for_link(4, Duration::from_millis(2)), 4);
        assert_eq!(jobs_for_link(4, Duration::from_millis(110)), 8);
        assert_eq!(jobs_for_link(4, Duration::from_millis(600)), MAX_JOBS);
        assert_eq!(jobs_for_link(4, Duration::MAX), MAX_JOBS);
        assert_eq!(jobs_from(Some(" ")), Ok(DEFAULT_JOBS));
        assert_eq!(jobs_from(Some("1")), Ok(1));
        assert_eq!(jobs_from(Some("16")), Ok(MAX_JOBS));
        for bad in ["0", "17", "three", "-1"] {
            let refused = jobs_from(Some(bad)).unwrap_err();
            assert!(refused.contains("D2FILES_TRANSFERS"), "{refused}");
        }
    }
}
