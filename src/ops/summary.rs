//! What a run did: every step's outcome, counted, in words a summary line can use.
use serde::Serialize;

use crate::ops::outcome::Outcome;
use crate::ops::plan::{Plan, Step};

/// Each step with its outcome, in plan order.
#[derive(Clone, Debug)]
pub struct Summary {
    pub steps: Vec<(Step, Outcome)>,
}

/// Outcomes counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub done: usize,
    pub skipped: usize,
    pub failed: usize,
    pub cancelled: usize,
    /// Bytes moved or freed by the steps done.
    pub bytes: u64,
}

impl Summary {
    /// `outcomes` by step; a step without one (a task that panicked) counts as failed, so no
    /// step is ever silently missing.
    pub(crate) fn new(plan: &Plan, outcomes: Vec<Option<Outcome>>) -> Summary {
        let steps = plan
            .steps
            .iter()
            .cloned()
            .zip(outcomes)
            .map(|(step, outcome)| {
                let outcome = outcome.unwrap_or_else(|| Outcome::Failed {
                    error: "the step ended without an outcome (an internal error)".into(),
                    unlinked: None,
                });
                (step, outcome)
            })
            .collect();
        Summary { steps }
    }

    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for (step, outcome) in &self.steps {
            match outcome {
                Outcome::Skipped { .. } => counts.skipped += 1,
                Outcome::Failed { .. } => counts.failed += 1,
                Outcome::Cancelled { .. } => counts.cancelled += 1,
                done => {
                    counts.done += 1;
                    counts.bytes += done.bytes(step);
                }
            }
        }
        counts
    }

    /// Everything asked was done or deliberately skipped.
    pub fn succeeded(&self) -> bool {
        let counts = self.counts();
        counts.failed == 0 && counts.cancelled == 0
    }

    /// File resources the server keeps linked to nothing after failed or cancelled uploads.
    pub fn unlinked(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter_map(|(_, outcome)| match outcome {
                Outcome::Failed { unlinked, .. } | Outcome::Cancelled { unlinked } => {
                    unlinked.as_deref()
                }
                _ => None,
            })
            .collect()
    }

    /// File resources replaced documents showed before, which stay on the server.
    pub fn left_behind(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter_map(|(_, outcome)| match outcome {
                Outcome::Restored { previous_file, .. } => previous_file.as_deref(),
                _ => None,
            })
            .collect()
    }

    /// The failures, as (step, DHIS2's or our words).
    pub fn failures(&self) -> Vec<(&Step, &str)> {
        self.steps
            .iter()
            .filter_map(|(step, outcome)| match outcome {
                Outcome::Failed { error, .. } => Some((step, error.as_str())),
                _ => None,
            })
            .collect()
    }

    /// One line: "deleted 48 of 50 (1.2 MiB); 2 failed; 1 skipped". `verb` is the past tense
    /// of the work ("downloaded", "deleted", "uploaded").
    pub fn line(&self, verb: &str) -> String {
        self.line_to(verb, None)
    }

    /// [`Summary::line`] with where the work went after the count: "copied 3 of 4 to prod
    /// (1.2 MiB); 1 skipped".
    pub fn line_to(&self, verb: &str, place: Option<&str>) -> String {
        let counts = self.counts();
        let mut line = format!("{verb} {} of {}", counts.done, self.steps.len());
        if let Some(place) = place {
            line.push_str(&format!(" to {place}"));
        }
        if counts.bytes > 0 {
            line.push_str(&format!(
                " ({})",
                crate::api::units::human_size(counts.bytes)
            ));
        }
        for (count, word) in [
            (counts.failed, "failed"),
            (counts.skipped, "skipped"),
            (counts.cancelled, "not done (stopped)"),
        ] {
            if count > 0 {
                line.push_str(&format!("; {count} {word}"));
            }
        }
        line
    }
}
