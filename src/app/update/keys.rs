//! Keys to actions: the start-up screens, help, the transfers panel, the panes, the filter prompt.
use super::*;

pub(super) fn is_press(key: &KeyEvent) -> bool {
    matches!(key.kind, KeyEventKind::Press | KeyEventKind::Repeat)
}

pub(super) fn on_key(state: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    if !is_press(&key) {
        return;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        fx.push(Effect::Quit);
        return;
    }
    match &state.connection {
        Connection::Ready(_) => {}
        Connection::Connecting => {
            if state.settings.keymap.action(Context::List, &key) == Some(Action::Quit) {
                fx.push(Effect::Quit);
            }
            return;
        }
        Connection::Failed { .. } => {
            match state.settings.keymap.action(Context::List, &key) {
                Some(Action::Quit | Action::Dismiss) => fx.push(Effect::Quit),
                Some(Action::Refresh) => {
                    state.connection = Connection::Connecting;
                    fx.push(Effect::Connect);
                }
                _ => {}
            }
            return;
        }
    }
    if state.help.is_some() {
        help_key(state, &key);
        return;
    }
    if state.dialog.is_some() {
        dialog_key(state, key, fx);
        return;
    }
    if state.filter().editing {
        filter_key(state, key, fx);
        return;
    }
    if state.show_transfers
        && let Some(action) = state.settings.keymap.action(Context::Transfers, &key)
    {
        transfers_key(state, action, fx);
        return;
    }
    if let Some(action) = state.settings.keymap.action(Context::List, &key) {
        list_action(state, action, fx);
    }
}

pub(super) fn help_key(state: &mut State, key: &KeyEvent) {
    let scroll = state.help.unwrap_or(0);
    state.help = match state.settings.keymap.action(Context::Help, key) {
        Some(Action::Close) => None,
        Some(Action::Down) => Some(scroll.saturating_add(1).min(state.help_scroll_limit())),
        Some(Action::Up) => Some(scroll.saturating_sub(1)),
        _ => Some(scroll),
    };
}

pub(super) fn transfers_key(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let transfers = &mut state.transfers;
    match action {
        Action::Down => {
            transfers.cursor = (transfers.cursor + 1).min(transfers.items.len().saturating_sub(1));
        }
        Action::Up => transfers.cursor = transfers.cursor.saturating_sub(1),
        Action::Cancel => {
            if let Some(transfer) = transfers.items.get_mut(transfers.cursor)
                && transfer.state.is_active()
            {
                transfer.state = TransferState::Cancelled;
                fx.push(Effect::CancelTransfer(transfer.id));
            }
        }
        Action::Open => {
            if let Some(path) = transfers.selected().and_then(|t| t.saved.clone()) {
                fx.push(Effect::Open(path.display().to_string()));
            }
        }
        Action::Clear => transfers.clear_finished(),
        Action::Retry => retry_transfer(state, fx),
        Action::Close => state.show_transfers = false,
        _ => {}
    }
}

/// `r` in the transfers panel: a stored upload whose document could not be created is linked
/// again; a download that failed or was cancelled starts again, as it was asked for.
fn retry_transfer(state: &mut State, fx: &mut Vec<Effect>) {
    let transfers = &mut state.transfers;
    let Some(transfer) = transfers.items.get_mut(transfers.cursor) else {
        return;
    };
    if let Some(file_resource_uid) = transfer.unlinked.take() {
        let name = match &transfer.job {
            TransferJob::UploadDocument { name, .. } | TransferJob::LinkDocument { name, .. } => {
                name.clone()
            }
            _ => transfer.label.clone(),
        };
        let label = transfer.label.clone();
        let job = TransferJob::LinkDocument {
            name,
            file_resource_uid,
        };
        start_transfer(state, label, job, fx);
        return;
    }
    let ended = matches!(
        transfer.state,
        TransferState::Failed(_) | TransferState::Cancelled
    );
    if ended && !transfer.is_upload() {
        let index = transfers.cursor;
        if let Some((id, job)) = transfers.restart(index) {
            fx.push(Effect::StartTransfer { id, job });
        }
    }
}

pub(super) fn move_in_pane(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    if action == Action::Bottom && jump_to_last_page(state, fx) {
        return;
    }
    if action == Action::Top && window_starts_late(state) {
        // The first rows are not loaded (`G` jumped past them): the list from its start.
        match state.pane {
            Pane::Documents => state.documents.to_top_on_load = true,
            Pane::Resources => state.resources.list.to_top_on_load = true,
        }
        request_page(state, state.pane, 1, fx);
        return;
    }
    let rows = state.page_rows();
    let (cursor, len) = match state.pane {
        Pane::Documents => (&mut state.documents.cursor, state.documents.items.len()),
        Pane::Resources => (
            &mut state.resources.list.cursor,
            state.resources.list.items.len(),
        ),
    };
    let last = len.saturating_sub(1);
    *cursor = match action {
        Action::Down => (*cursor + 1).min(last),
        Action::Up => cursor.saturating_sub(1),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageDown => (*cursor + rows).min(last),
        Action::PageUp => cursor.saturating_sub(rows),
        _ => *cursor,
    };
    cursor_moved(state, fx);
}

/// Whether the pane's rows start after its first page.
fn window_starts_late(state: &State) -> bool {
    match state.pane {
        Pane::Documents => state.documents.first_page > 1,
        Pane::Resources => state.resources.list.first_page > 1,
    }
}

/// After the cursor moved: the next page when near the end, the details after it.
pub(super) fn cursor_moved(state: &mut State, fx: &mut Vec<Effect>) {
    fetch_next_page(state, fx);
    fill_rows(state, fx);
    details_follow_cursor(state);
}

pub(super) fn list_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Down
        | Action::Up
        | Action::Top
        | Action::Bottom
        | Action::PageDown
        | Action::PageUp => move_in_pane(state, action, fx),
        Action::NextPane => {
            let pane = match state.pane {
                Pane::Documents => Pane::Resources,
                Pane::Resources => Pane::Documents,
            };
            switch_pane(state, pane, fx);
        }
        Action::Documents => switch_pane(state, Pane::Documents, fx),
        Action::Resources => switch_pane(state, Pane::Resources, fx),
        Action::Details => {
            state.details.open = !state.details.open;
            if state.details.open {
                state.details.uid = None;
                details_follow_cursor(state);
                state.details.due = None;
                if state.pane == Pane::Documents {
                    request_details(state, fx);
                } else {
                    state.resources.fetch_due = None;
                    request_selected_resource(state, fx);
                }
            }
        }
        Action::Filter => {
            let filter = state.filter_mut();
            filter.editing = true;
            filter.input = Input::new(filter.applied.clone());
            filter.replace_on_type = !filter.applied.is_empty();
        }
        Action::Domain
            if state.pane == Pane::Resources
                && state.resources.source == ResourceSource::Server =>
        {
            state.resources.domain = next_domain(state.resources.domain.as_ref());
            reload(state, Pane::Resources, fx);
        }
        Action::Sort => {
            state.sort = state.sort.next();
            // A new order starts at its top, not on the row the old order had selected.
            state.documents.to_top_on_load = true;
            state.resources.list.to_top_on_load = true;
            reload(state, Pane::Documents, fx);
            if state.resources.list.loaded || state.pane == Pane::Resources {
                reload(state, Pane::Resources, fx);
            }
        }
        Action::Refresh => {
            // Asked for fresh: statuses change (PENDING becomes STORED, a blob is lost).
            state.resources.book.forget_reads();
            reload(state, state.pane, fx);
        }
        Action::AddLink => state.dialog = Some(Dialog::AddLink(LinkForm::default())),
        Action::Upload => {
            state.dialog = Some(Dialog::Upload(UploadForm {
                path: PathField::default(),
                name: Input::default(),
                name_edited: false,
                domain: (state.pane == Pane::Resources).then_some(Domain::Document),
                focus: UploadFocus::Path,
                problem: None,
                checking: None,
            }))
        }
        Action::Download => start_download_prompt(state, fx),
        Action::Delete => match state.pane {
            Pane::Documents => {
                if let Some(document) = state.selected_document() {
                    let name = document.title().to_string();
                    state.dialog = Some(Dialog::Confirm(Confirm {
                        title: "Delete document".into(),
                        message: format!("Delete “{name}” from the server? This cannot be undone."),
                        yes: false,
                        pending: Pending::Delete {
                            uid: document.id.clone(),
                            name,
                        },
                    }));
                }
            }
            Pane::Resources => state.toast_info(
                "DHIS2 has no delete for file resources: delete the document that uses it",
            ),
        },
        Action::LookUp if state.pane == Pane::Resources => {
            state.dialog = Some(Dialog::LookUp {
                input: Input::default(),
                problem: None,
            });
        }
        Action::CopyId => {
            let id = match state.pane {
                Pane::Documents => state.selected_document().map(|d| d.id.clone()),
                Pane::Resources => state.selected_resource().map(|r| r.uid.clone()),
            };
            if let Some(id) = id {
                state.toast_info(format!("Copied {id}"));
                fx.push(Effect::Copy(id));
            }
        }
        Action::Open => open_selected(state, fx),
        Action::Transfers => state.show_transfers = !state.show_transfers,
        Action::Dismiss => {
            if !state.toasts.is_empty() {
                state.toasts.clear();
            } else if state.show_transfers {
                state.show_transfers = false;
            } else if state.details.open {
                state.details.open = false;
            } else if !state.filter().applied.is_empty() {
                let pane = state.pane;
                let filter = state.filter_mut();
                filter.applied.clear();
                filter.problem = None;
                reload(state, pane, fx);
            }
        }
        Action::Help => state.help = Some(0),
        Action::Quit => {
            let running = state.transfers.active().count();
            if running == 0 {
                fx.push(Effect::Quit);
            } else {
                state.dialog = Some(Dialog::Confirm(Confirm {
                    title: "Quit".into(),
                    message: format!(
                        "{running} transfer{} still running. Quit and cancel {}?",
                        if running == 1 { " is" } else { "s are" },
                        if running == 1 { "it" } else { "them" }
                    ),
                    yes: false,
                    pending: Pending::Quit,
                }));
            }
        }
        _ => {}
    }
}

pub(super) fn next_domain(current: Option<&Domain>) -> Option<Domain> {
    let known = &Domain::KNOWN;
    match current.and_then(|d| known.iter().position(|k| k == d)) {
        None => known.first().cloned(),
        Some(i) => known.get(i + 1).cloned(),
    }
}

pub(super) fn switch_pane(state: &mut State, pane: Pane, fx: &mut Vec<Effect>) {
    if state.pane == pane {
        return;
    }
    state.pane = pane;
    if pane == Pane::Resources
        && !state.resources.list.loaded
        && state.resources.list.loading.is_none()
    {
        reload(state, Pane::Resources, fx);
    }
    fill_rows(state, fx);
    details_follow_cursor(state);
}

/// `o`: an external link opens in the browser; a file opens once it has been downloaded.
pub(super) fn open_selected(state: &mut State, fx: &mut Vec<Effect>) {
    let uid = match state.pane {
        Pane::Documents => {
            let Some(document) = state.selected_document() else {
                return;
            };
            if document.external {
                if let Some(url) = document.url.clone() {
                    open_link(state, url, fx);
                }
                return;
            }
            document.id.clone()
        }
        Pane::Resources => match state.selected_resource() {
            Some(row) => row.uid.clone(),
            None => return,
        },
    };
    let saved = state
        .transfers
        .items
        .iter()
        .rev()
        .find_map(|t| match &t.job {
            TransferJob::DownloadDocument { uid: u, .. }
            | TransferJob::DownloadResource { uid: u, .. }
                if *u == uid =>
            {
                t.saved.clone()
            }
            _ => None,
        });
    match saved {
        Some(path) => fx.push(Effect::Open(path.display().to_string())),
        None => {
            let keys = &state.settings.keymap;
            let text = format!(
                "Download it first ({}), then {} opens the file",
                keys.hint(Context::List, Action::Download),
                keys.hint(Context::List, Action::Open)
            );
            state.toast_info(text);
        }
    }
}

pub(super) fn start_download_prompt(state: &mut State, fx: &mut Vec<Effect>) {
    let (source, resource_uid, known_name) = match state.pane {
        Pane::Documents => {
            let Some(document) = state.selected_document() else {
                return;
            };
            if document.external {
                state.dialog = Some(Dialog::Link(LinkChoice {
                    name: document.title().to_string(),
                    url: document.url.clone().unwrap_or_default(),
                    choice: 0,
                }));
                return;
            }
            // The list or the details may have its name already: no request for it then.
            let fr_name = document
                .file_resource_uid()
                .and_then(|uid| state.resources.book.get(uid))
                .and_then(|r| r.name.clone());
            (
                DownloadSource::Document {
                    uid: document.id.clone(),
                    name: document.title().to_string(),
                },
                document.file_resource_uid().map(str::to_string),
                fr_name,
            )
        }
        Pane::Resources => {
            let Some(row) = state.selected_resource() else {
                return;
            };
            (
                DownloadSource::Resource {
                    uid: row.uid.clone(),
                    name: row.name.clone(),
                },
                None,
                Some(state.resources.row_name(row).to_string()),
            )
        }
    };
    let mut path = PathField::default();
    let name = known_name
        .clone()
        .unwrap_or_else(|| source.label().to_string());
    path.input = Input::new(default_download_path(&state.settings.download_dir, &name));
    if known_name.is_none()
        && let Some(uid) = resource_uid
    {
        let req = state.next_req();
        path.req = Some(req);
        fx.push(Effect::FetchResource { req, uid });
    }
    state.dialog = Some(Dialog::Download(DownloadForm {
        source,
        path,
        problem: None,
    }));
}

pub(super) fn default_download_path(dir: &Path, name: &str) -> String {
    dir.join(sanitize_file_name(name)).display().to_string()
}

pub(super) fn filter_key(state: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let pane = state.pane;
    let now = state.now;
    let filter = match pane {
        Pane::Documents => &mut state.documents.filter,
        Pane::Resources => &mut state.resources.list.filter,
    };
    let keymap = &state.settings.keymap;
    let action = keymap.action(Context::Form, &key).or_else(|| {
        // The list stays browsable while typing, by its own page keys, unless they are letters
        // (with Ctrl too: Ctrl-u clears the text, as in a shell).
        keymap
            .action(Context::List, &key)
            .filter(|action| matches!(action, Action::PageDown | Action::PageUp))
            .filter(|_| !matches!(key.code, KeyCode::Char(_)))
    });
    match action {
        Some(Action::Close) => {
            filter.editing = false;
            filter.input.reset();
            filter.due = None;
            filter.problem = None;
            if !filter.applied.is_empty() {
                filter.applied.clear();
                reload(state, pane, fx);
            }
        }
        Some(Action::Accept) => {
            filter.editing = false;
            apply_filter(state, pane, fx);
        }
        Some(Action::PreviousField) => move_in_pane(state, Action::Up, fx),
        Some(Action::NextField) => move_in_pane(state, Action::Down, fx),
        Some(action @ (Action::PageUp | Action::PageDown)) => move_in_pane(state, action, fx),
        _ => {
            if std::mem::take(&mut filter.replace_on_type) && is_plain_character(&key) {
                filter.input.reset();
            }
            if filter.input.handle_event(&Event::Key(key)).is_some() {
                let text = filter.input.value().to_string();
                match FilterState::parse(&text) {
                    Ok(_) => filter.due = Some(now + FILTER_DEBOUNCE),
                    Err(problem) => {
                        filter.complain(&text, problem);
                        filter.due = None;
                    }
                }
            }
        }
    }
}

/// A character typed without Ctrl or Alt: text, never a command, in a field.
pub(super) fn is_plain_character(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// Pasted text goes into the text field being edited, as if typed; without one it is dropped,
/// so pasting over the list can never run commands.
pub(super) fn paste(state: &mut State, text: &str, fx: &mut Vec<Effect>) {
    let typing = state.filter().editing
        || match &state.dialog {
            Some(Dialog::AddLink(_) | Dialog::Download(_) | Dialog::LookUp { .. }) => true,
            Some(Dialog::Upload(form)) => form.focus != UploadFocus::Domain,
            _ => false,
        };
    if !typing {
        return;
    }
    for c in text.chars().filter(|c| !c.is_control()) {
        on_key(
            state,
            KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            fx,
        );
    }
}

/// Opens a link from the server in the browser, but only a web link: a document's URL is the
/// server's data, and `file:` or custom schemes could start other programs.
pub(super) fn open_link(state: &mut State, url: String, fx: &mut Vec<Effect>) {
    let web = url::Url::parse(&url).is_ok_and(|parsed| matches!(parsed.scheme(), "http" | "https"));
    if web {
        fx.push(Effect::Open(url));
    } else {
        state.toast_error(format!(
            "Not opening {url}: only http and https links are opened"
        ));
    }
}
