//! Batches from `update`'s side: asking for a plan, what its answer opens (the conflicts of a
//! download, the confirmation of a delete or of an upload with files left out), the rows of a
//! running batch, its summary, and planning again the steps that failed.
use std::sync::Arc;

use crate::api::{AllPages, Document, Error, Phase};
use crate::app::batch::{BatchKind, BatchWork, PendingBatch, Planning, SharedPlan};
use crate::app::effect::Effect;
use crate::app::ids::{BatchId, ReqId, TransferId};
use crate::app::state::{
    BatchConfirm, ConflictAsk, ConflictChoice, Dialog, DownloadForm, DownloadSource, Pane,
    PathField, State,
};
use crate::app::transfer_job::TransferJob;
use crate::app::transfer_list::{Finished, TransferState};
use crate::ops::{self, Event, Existing, Outcome, Summary};

use super::list_paging::reload;
use super::transfer_events::remember_upload;

/// Failures a summary names; the transfers panel shows every one.
const FAILURES_NAMED: usize = 3;

/// "1 document", "12 documents".
pub(super) fn documents(count: usize) -> String {
    crate::api::units::count(count, "document", "documents")
}

/// The marked documents: the loaded ones in list order, then those marked off the loaded
/// rows ("all that match", or marks kept across a filter), by uid.
pub(super) fn marked_documents(state: &State) -> Vec<String> {
    let marks = &state.documents.marks;
    let mut uids: Vec<String> = state
        .documents
        .items
        .iter()
        .filter(|document| marks.contains(&document.id))
        .map(|document| document.id.clone())
        .collect();
    let loaded: std::collections::HashSet<&str> = uids.iter().map(String::as_str).collect();
    let elsewhere: Vec<String> = marks
        .iter()
        .filter(|uid| !loaded.contains(uid.as_str()))
        .cloned()
        .collect();
    uids.extend(elsewhere);
    uids
}

/// `d` with marks: one prompt for the directory the marked documents go into.
pub(super) fn bulk_download_prompt(state: &mut State) {
    let uids = marked_documents(state);
    let count = uids.len();
    let label = format!(
        "{count} marked document{}",
        if count == 1 { "" } else { "s" }
    );
    let dir = state.settings.download_dir.display().to_string();
    state.dialog = Some(Dialog::Download(DownloadForm {
        source: DownloadSource::Marked { uids, label },
        path: PathField {
            input: tui_input::Input::new(format!("{}/", dir.trim_end_matches('/'))),
            ..PathField::default()
        },
        problem: None,
    }));
}

/// `D` with marks: the plan first, so the confirmation can say what will happen.
pub(super) fn plan_bulk_delete(state: &mut State, fx: &mut Vec<Effect>) {
    let uids = marked_documents(state);
    let items = documents(uids.len());
    let version = state.server().and_then(|info| info.version.clone());
    ask_for_plan(state, BatchWork::Delete { uids, version }, items, fx);
}

/// Asks the runner for a plan; the footer says so until it comes. A newer plan supersedes.
pub(super) fn ask_for_plan(
    state: &mut State,
    work: BatchWork,
    items: String,
    fx: &mut Vec<Effect>,
) {
    let req = state.next_req();
    state.planning = Some(Planning {
        req,
        work: work.clone(),
        items,
    });
    fx.push(Effect::PlanBatch { req, work });
}

/// A plan came: a download asks about each conflict, a delete is confirmed, an upload that
/// leaves files out says which; the rest starts at once.
pub(super) fn planned(
    state: &mut State,
    req: ReqId,
    result: Result<ops::Plan, Error>,
    fx: &mut Vec<Effect>,
) {
    let Some(planning) = state.planning.take_if(|planning| planning.req == req) else {
        return;
    };
    let kind = planning.work.kind();
    let onto = planning.work.onto().map(str::to_string);
    let to = onto
        .as_deref()
        .map(|profile| format!(" to {profile}"))
        .unwrap_or_default();
    let plan = match (result, planning.work) {
        (Ok(plan), _) => plan,
        // A mistyped directory: the prompt again, with what is wrong and the text to edit.
        (Err(error), BatchWork::Download { uids, dir }) if state.dialog.is_none() => {
            state.dialog = Some(Dialog::Download(DownloadForm {
                source: DownloadSource::Marked {
                    uids,
                    label: planning.items,
                },
                path: PathField {
                    input: tui_input::Input::new(dir.display().to_string()),
                    ..PathField::default()
                },
                problem: Some(error.to_string()),
            }));
            return;
        }
        (Err(error), _) => {
            state.toast_error(format!("Could not plan the {}{to}: {error}", kind.noun()));
            return;
        }
    };
    let batch = PendingBatch { kind, plan, onto };
    match kind {
        BatchKind::Download => next_conflict(state, batch, fx),
        BatchKind::Upload | BatchKind::Delete | BatchKind::Copy if batch.plan.acting() == 0 => {
            let reasons = left_out(&batch.plan);
            let mut why = reasons[..reasons.len().min(FAILURES_NAMED)].join("; ");
            if reasons.len() > FAILURES_NAMED {
                why.push_str(&format!("; and {} more", reasons.len() - FAILURES_NAMED));
            }
            let text = format!("Nothing to {}{to}: {why}", kind.noun());
            // A copy of what is there already, the same, is no failure.
            let all_there = batch
                .plan
                .steps
                .iter()
                .all(|step| matches!(step.action, ops::Action::Skip { .. }));
            if kind == BatchKind::Copy && all_there {
                state.toast_info(text);
            } else {
                state.toast_error(text);
            }
        }
        BatchKind::Upload if batch.plan.steps.iter().all(ops::Step::acts) => {
            start_batch(state, batch, fx)
        }
        // A copy changes another server: always said and confirmed first.
        BatchKind::Upload | BatchKind::Delete | BatchKind::Copy => open(
            state,
            Dialog::BatchConfirm(BatchConfirm {
                batch,
                typed: tui_input::Input::default(),
                yes: false,
                problem: None,
            }),
        ),
    }
}

/// The steps a plan leaves out, and why: "a.exe: …".
fn left_out(plan: &ops::Plan) -> Vec<String> {
    plan.steps
        .iter()
        .filter_map(|step| match &step.action {
            ops::Action::Skip { why } | ops::Action::Cannot { why } => {
                Some(format!("{}: {why}", step.label))
            }
            _ => None,
        })
        .collect()
}

/// Opens a batch's dialog, unless another is open: a form being filled in is not thrown away
/// for it, and nothing starts unasked.
fn open(state: &mut State, dialog: Dialog) {
    if state.dialog.is_some() {
        state.toast_error("The plan is ready but another dialog is open: nothing was started");
        return;
    }
    state.dialog = Some(dialog);
}

/// The next conflict of a download to ask about; with none left, the batch starts.
pub(super) fn next_conflict(state: &mut State, batch: PendingBatch, fx: &mut Vec<Effect>) {
    match batch.plan.conflicts().first() {
        Some(&step) => open(
            state,
            Dialog::Conflict(ConflictAsk {
                batch,
                step,
                choice: ConflictChoice::Skip,
            }),
        ),
        None => start_batch(state, batch, fx),
    }
}

/// Starts a confirmed plan: a row for each acting download, upload or copy, then the runner.
pub(super) fn start_batch(state: &mut State, pending: PendingBatch, fx: &mut Vec<Effect>) {
    let PendingBatch { kind, plan, onto } = pending;
    let plan = Arc::new(plan);
    let id = state.batches.add(kind, plan.clone(), onto.clone());
    let mut rows = vec![None; plan.steps.len()];
    for (index, step) in plan.steps.iter().enumerate() {
        let job = match (&step.action, &onto) {
            (ops::Action::Download { to, existing, .. }, _) => TransferJob::DownloadDocument {
                uid: step.uid.clone().unwrap_or_default(),
                path: to.clone(),
                overwrite: *existing == Existing::Replace,
            },
            (ops::Action::Upload { path, name }, _) => TransferJob::UploadDocument {
                path: path.clone(),
                name: name.clone(),
            },
            (ops::Action::Restore(item), Some(profile)) => TransferJob::CopyDocument {
                uid: item.id.clone(),
                profile: profile.clone(),
            },
            _ => continue,
        };
        rows[index] = Some(state.transfers.add_step(step.label.clone(), job, id, index));
    }
    if let Some(batch) = state.batches.get_mut(id) {
        batch.rows = rows;
    }
    fx.push(Effect::ApplyBatch {
        batch: id,
        plan: SharedPlan(plan),
        onto,
    });
}

/// `r` on a row of a batch that ended: its failed and cancelled steps, planned again as a new
/// batch (`Plan::only`) whose rows take the old rows' places; a copy's are planned afresh and
/// confirmed again, with rows of their own.
pub(super) fn retry_failed(state: &mut State, id: BatchId, fx: &mut Vec<Effect>) {
    let Some(batch) = state.batches.get(id) else {
        return;
    };
    if batch.running {
        state.toast_info("The batch is still running: retry what failed once it ends");
        return;
    }
    let transfers = &state.transfers;
    let failed: Vec<(usize, usize)> = batch
        .rows
        .iter()
        .enumerate()
        .filter_map(|(step, row)| {
            let index = transfers.items.iter().position(|t| Some(t.id) == *row)?;
            let ended_badly = matches!(
                transfers.items[index].state,
                TransferState::Failed(_) | TransferState::Cancelled
            );
            ended_badly.then_some((step, index))
        })
        .collect();
    if failed.is_empty() {
        return;
    }
    let steps: Vec<usize> = failed.iter().map(|(step, _)| *step).collect();
    if let (BatchKind::Copy, Some(profile)) = (batch.kind, batch.onto.clone()) {
        // Planned afresh: what the failed run left on the other server (a file resource with
        // these bytes, a document after all) is seen, reused or skipped, and confirmed again.
        let uids: Vec<String> = steps
            .iter()
            .filter_map(|&step| batch.plan.steps.get(step)?.uid.clone())
            .collect();
        let items = format!("{} to {profile}", documents(uids.len()));
        ask_for_plan(state, BatchWork::Copy { uids, profile }, items, fx);
        return;
    }
    let plan = Arc::new(batch.plan.only(&steps));
    let retry = state
        .batches
        .add(batch.kind, plan.clone(), batch.onto.clone());
    let mut rows = vec![None; plan.steps.len()];
    for (new_step, (_, index)) in failed.into_iter().enumerate() {
        if let Some((row, _)) = state.transfers.restart(index) {
            state.transfers.items[index].batch = Some((retry, new_step));
            rows[new_step] = Some(row);
        }
    }
    if let Some(batch) = state.batches.get_mut(retry) {
        batch.rows = rows;
    }
    fx.push(Effect::ApplyBatch {
        batch: retry,
        plan: SharedPlan(plan),
        onto: batch_onto(state, retry),
    });
}

/// The profile batch `id` is applied onto, if not the session's.
fn batch_onto(state: &State, id: BatchId) -> Option<String> {
    state.batches.get(id).and_then(|batch| batch.onto.clone())
}

/// A step started, moved bytes or ended. Nothing here asks for a frame: the tick draws batch
/// progress at most once per `BATCH_FRAME`.
pub(super) fn batch_event(state: &mut State, id: BatchId, event: Event, fx: &mut Vec<Effect>) {
    state.batches.unshown = true;
    let now = state.now;
    let Some(batch) = state.batches.get_mut(id) else {
        return;
    };
    let step = match &event {
        Event::Started { step } | Event::Progress { step, .. } | Event::Finished { step, .. } => {
            *step
        }
    };
    let plan = batch.plan.clone();
    let onto = batch.onto.clone();
    let Some(planned) = plan.steps.get(step) else {
        return;
    };
    let row_id = batch.rows.get(step).copied().flatten();
    match event {
        Event::Started { .. } => {
            if let Some(row) = row_id.and_then(|id| state.transfers.get_mut(id))
                && row.state == TransferState::Queued
            {
                row.state = TransferState::Running;
            }
        }
        Event::Progress { progress, .. } => {
            if matches!(progress.phase, Phase::Downloading | Phase::Uploading) {
                let counted = batch.counted(step).max(progress.done);
                batch.count(step, counted, now);
            }
            if let Some(row) = row_id {
                state.transfers.progress(row, progress, now);
            }
        }
        Event::Finished { outcome, .. } => {
            if planned.acts() {
                batch.ended += 1;
            }
            batch.count(step, outcome.bytes(planned), now);
            if let Some(row) = row_id {
                step_finished(state, row, outcome, onto, fx);
            }
        }
    }
}

/// A batch step's row shows how it ended. A step onto another profile's server (a copy's)
/// leaves anything unlinked there, not among this server's uploads: the summary names it.
fn step_finished(
    state: &mut State,
    id: TransferId,
    outcome: Outcome,
    onto: Option<String>,
    fx: &mut Vec<Effect>,
) {
    let Some(row) = state.transfers.get_mut(id) else {
        return;
    };
    let label = row.label.clone();
    let unlinked = match outcome {
        Outcome::Downloaded(saved) => {
            row.state = TransferState::Done(Finished::SavedTo(saved.path.clone()));
            row.done = saved.bytes;
            row.total = Some(saved.bytes);
            row.saved = Some(saved.path);
            None
        }
        Outcome::Uploaded {
            document,
            file_resource,
        } => {
            row.state = TransferState::Done(Finished::Document(document.id.clone()));
            row.done = row.total.unwrap_or(row.done);
            remember_upload(state, &file_resource.id, document.title(), fx);
            state.resources.book.record_read(*file_resource);
            None
        }
        Outcome::Skipped { why } => {
            row.state = TransferState::Done(Finished::Skipped(why));
            None
        }
        Outcome::Failed { error, unlinked } => {
            row.state = TransferState::Failed(error);
            row.unlinked = unlinked.clone().filter(|_| onto.is_none());
            row.unlinked.clone()
        }
        Outcome::Cancelled { unlinked } => {
            row.state = TransferState::Cancelled;
            row.unlinked = unlinked.clone().filter(|_| onto.is_none());
            row.unlinked.clone()
        }
        Outcome::Restored { document, .. } => {
            row.state = TransferState::Done(match onto {
                Some(profile) => Finished::CopiedTo { profile, document },
                None => Finished::Document(document),
            });
            row.done = row.total.unwrap_or(row.done);
            None
        }
        Outcome::Deleted => None,
    };
    // Kept among this tool's uploads, so the file resources pane shows it before 2.41 too.
    if let Some(uid) = unlinked {
        remember_upload(state, &uid, &label, fx);
    }
}

/// Every step ended: one summary, never a silent partial; a delete or upload reloads the list.
pub(super) fn batch_finished(
    state: &mut State,
    id: BatchId,
    summary: Summary,
    fx: &mut Vec<Effect>,
) {
    let Some(batch) = state.batches.get_mut(id) else {
        return;
    };
    batch.running = false;
    let kind = batch.kind;
    let text = summary_text(kind, batch.onto.as_deref(), &summary);
    if summary.succeeded() {
        state.toast_info(text);
    } else {
        state.toast_error(text);
    }
    let done = summary.counts().done;
    match kind {
        BatchKind::Delete => {
            // What was deleted is no longer there to mark; what was refused stays marked.
            for (step, outcome) in &summary.steps {
                if let (Outcome::Deleted, Some(uid)) = (outcome, &step.uid) {
                    state.documents.marks.remove(uid);
                }
            }
            reload(state, Pane::Documents, fx);
        }
        BatchKind::Upload if done > 0 => reload(state, Pane::Documents, fx),
        // A copy changes another server: this one's list is as it was.
        BatchKind::Upload | BatchKind::Download | BatchKind::Copy => {}
    }
}

/// "deleted 48 of 50 (1.2 MiB); 2 failed. Refused: “A”: DHIS2's words; …", and the file
/// resources a failed upload left on the server (for a copy onto profile `onto`: on its
/// server, "copied 3 of 4 to prod; 1 skipped").
pub(super) fn summary_text(kind: BatchKind, onto: Option<&str>, summary: &Summary) -> String {
    let mut text = summary.line_to(kind.past_tense(), onto);
    let failures = summary.failures();
    if !failures.is_empty() {
        let named: Vec<String> = failures
            .iter()
            .take(FAILURES_NAMED)
            .map(|(step, why)| format!("“{}”: {why}", step.label))
            .collect();
        let word = match kind {
            BatchKind::Delete => "Refused",
            BatchKind::Download | BatchKind::Upload | BatchKind::Copy => "Failed",
        };
        text.push_str(&format!(". {word}: {}", named.join("; ")));
        if failures.len() > FAILURES_NAMED {
            text.push_str(&format!("; and {} more", failures.len() - FAILURES_NAMED));
        }
    }
    let unlinked = summary.unlinked();
    if !unlinked.is_empty() {
        let server = onto.map_or_else(
            || "The server".to_string(),
            |profile| format!("The server of {profile}"),
        );
        text.push_str(&format!(
            ". {server} keeps {} uploaded file{} linked to no document: {}",
            unlinked.len(),
            if unlinked.len() == 1 { "" } else { "s" },
            unlinked.join(", ")
        ));
    }
    text
}

/// "All that match" came back: every uid is marked.
pub(super) fn matching_selected(
    state: &mut State,
    req: ReqId,
    result: Result<AllPages<Document>, Error>,
) {
    if state.selecting != Some(req) {
        return;
    }
    state.selecting = None;
    match result {
        Ok(all) => {
            let count = all.items.len();
            state
                .documents
                .marks
                .extend(all.items.into_iter().map(|document| document.id));
            let mut text = format!("Marked {}", documents(count));
            if let Some(cut) = all.cut {
                text.push_str(&format!(" ({cut})"));
            }
            state.toast_info(text);
        }
        Err(error) => {
            state.toast_error(format!("Could not mark the documents that match: {error}"));
        }
    }
}
