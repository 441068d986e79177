//! A document an edit changed (a rename, a new file behind it) shown as it is now: its row in
//! place, the details read again, its file's type and size asked for, its sharing forgotten
//! (the edit put it back, and what was read before may be out of date).
use crate::api::Edited;
use crate::app::effect::Effect;
use crate::app::state::State;

use super::detail_panel::details_read_again;

pub(super) fn document_edited(state: &mut State, edited: &Edited, fx: &mut Vec<Effect>) {
    let document = &edited.document;
    let uid = document.id.clone();
    if state.documents.items.iter().any(|row| row.id == uid) {
        for row in state.documents.items_mut().iter_mut() {
            if row.id == uid {
                *row = document.clone();
            }
        }
    }
    state.sharing.forget(&uid);
    let details_on_it = state.details.open && state.details.uid.as_deref() == Some(uid.as_str());
    if details_on_it {
        state.details.document = Some(document.clone());
        details_read_again(state, &uid, fx);
    } else if let Some(file) = document.file_resource_uid()
        && state.resources.book.get(file).is_none()
        && state.server_lists_resources()
    {
        // The list's type and size columns, for the file it shows now.
        fx.push(Effect::FetchDocumentFiles {
            uids: vec![file.to_string()],
        });
    }
}
