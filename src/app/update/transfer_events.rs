//! Transfers from `update`'s side: starting one, and what its end changes (a toast, the lists,
//! the uploads remembered).
use crate::api::Error;
use crate::app::effect::Effect;
use crate::app::keymap::{Action, Context};
use crate::app::known_resources::{KnownResource, Origin};
use crate::app::state::{Confirm, Dialog, LinkChoice, Pane, Pending, State};
use crate::app::transfer_job::{TransferJob, TransferOutcome};
use crate::app::transfer_list::{Finished, TransferState};

use super::edited::document_edited;
use super::list_paging::reload;
use super::resource_reads::{fill_rows, rebuild_known_rows};

pub(super) fn start_transfer(
    state: &mut State,
    label: String,
    job: TransferJob,
    fx: &mut Vec<Effect>,
) {
    let id = state.transfers.add(label, job.clone());
    fx.push(Effect::StartTransfer { id, job });
}

pub(super) fn transfer_finished(
    state: &mut State,
    id: u64,
    result: Result<TransferOutcome, Error>,
    fx: &mut Vec<Effect>,
) {
    let Some(transfer) = state.transfers.get_mut(id) else {
        return;
    };
    let label = transfer.label.clone();
    let job = transfer.job.clone();
    match result {
        Ok(TransferOutcome::Downloaded(saved)) => {
            transfer.state = TransferState::Done(Finished::SavedTo(saved.path.clone()));
            transfer.done = saved.bytes;
            transfer.total = Some(saved.bytes);
            transfer.saved = Some(saved.path.clone());
            state.toast_info(format!("Downloaded “{label}” to {}", saved.path.display()));
        }
        Ok(TransferOutcome::External { url }) => {
            transfer.state = TransferState::Done(Finished::ExternalLink(url.clone()));
            if state.dialog.is_some() {
                return;
            }
            state.dialog = Some(Dialog::Link(LinkChoice {
                name: label,
                url,
                choice: 0,
            }));
        }
        Ok(TransferOutcome::UploadedDocument(uploaded)) => {
            transfer.state = TransferState::Done(Finished::Document(uploaded.document.id.clone()));
            transfer.done = transfer.total.unwrap_or(transfer.done);
            state.toast_info(format!("Uploaded “{}”", uploaded.document.title()));
            remember_upload(
                state,
                &uploaded.file_resource.id,
                uploaded.document.title(),
                fx,
            );
            state.resources.book.record_read(uploaded.file_resource);
            state.documents.select = Some(uploaded.document.id.clone());
            reload(state, Pane::Documents, fx);
        }
        Ok(TransferOutcome::UploadedResource(resource)) => {
            transfer.state = TransferState::Done(Finished::FileResource(resource.id.clone()));
            transfer.done = transfer.total.unwrap_or(transfer.done);
            state.toast_info(format!(
                "Uploaded file resource {} ({})",
                resource.id,
                resource.title()
            ));
            remember_upload(state, &resource.id, resource.title(), fx);
            state.resources.list.select = Some(resource.id.clone());
            state.resources.book.record_read(*resource);
            reload(state, Pane::Resources, fx);
        }
        Ok(TransferOutcome::Replaced(edited)) => {
            transfer.state = TransferState::Done(Finished::Document(edited.document.id.clone()));
            transfer.done = transfer.total.unwrap_or(transfer.done);
            let text = format!(
                "“{}”: {}",
                edited.document.title(),
                edited.describe("replaced its file")
            );
            document_edited(state, &edited, fx);
            // It names the old file resource, which stays on the server: worth reading.
            state.toast_note(text);
        }
        Err(Error::Cancelled) => transfer.state = TransferState::Cancelled,
        // The document keeps its file; the error names a new one left linked to nothing. Not
        // a stored upload to link again: `r` would make a second document of it.
        Err(error) if matches!(job, TransferJob::ReplaceFile { .. }) => {
            transfer.state = TransferState::Failed(error.to_string());
            if let TransferJob::ReplaceFile { uid, .. } = &job {
                // Failing after the update (the sharing not put back), it changed after all.
                state.sharing.forget(uid);
            }
            state.toast_error(format!("Could not replace the file of “{label}”: {error}"));
        }
        // Asked only when nothing else is open, so a form being filled in is not lost.
        Err(Error::TargetExists(path)) if state.dialog.is_some() => {
            transfer.state = TransferState::Failed(format!("{} already exists", path.display()));
            state.toast_error(format!(
                "{} already exists; download “{label}” again to replace it",
                path.display()
            ));
        }
        Err(Error::TargetExists(path)) => {
            state.transfers.items.retain(|t| t.id != id);
            state.transfers.cursor = state
                .transfers
                .cursor
                .min(state.transfers.items.len().saturating_sub(1));
            state.dialog = Some(Dialog::Confirm(Confirm {
                title: "File exists".into(),
                message: format!("{} already exists. Replace it?", path.display()),
                yes: false,
                pending: Pending::Overwrite {
                    job: job.overwriting(),
                    label,
                    path,
                },
            }));
        }
        Ok(TransferOutcome::Linked(document)) => {
            transfer.state = TransferState::Done(Finished::Document(document.id.clone()));
            transfer.unlinked = None;
            state.toast_info(format!("Linked “{}”", document.title()));
            state.documents.select = Some(document.id.clone());
            reload(state, Pane::Documents, fx);
        }
        Err(error) => {
            transfer.state = TransferState::Failed(error.to_string());
            let unlinked = match (&job, error.unlinked_file_resource()) {
                (_, Some(uid)) => Some(uid.to_string()),
                (
                    TransferJob::LinkDocument {
                        file_resource_uid, ..
                    },
                    None,
                ) => Some(file_resource_uid.clone()),
                _ => None,
            };
            transfer.unlinked = unlinked.clone();
            let verb = if job.is_upload() {
                "Upload"
            } else {
                "Download"
            };
            let mut text = format!("{verb} of “{label}” failed: {error}");
            if let Some(uid) = unlinked {
                let keys = &state.settings.keymap;
                text.push_str(&format!(
                    " — {} opens transfers, {} links it again",
                    keys.hint(Context::List, Action::Transfers),
                    keys.hint(Context::Transfers, Action::Retry)
                ));
                if !matches!(job, TransferJob::LinkDocument { .. }) {
                    remember_upload(state, &uid, &label, fx);
                }
            }
            state.toast_error(text);
        }
    }
}

pub(super) fn remember_upload(state: &mut State, uid: &str, name: &str, fx: &mut Vec<Effect>) {
    let known = KnownResource {
        uid: uid.to_string(),
        name: name.to_string(),
        origin: Origin::Upload,
    };
    state.resources.known.push(known.clone());
    rebuild_known_rows(state);
    fill_rows(state, fx);
    fx.push(Effect::RememberUpload(known));
}
