//! Pop-up forms and confirmations; a confirmation carries its pending action as data.
use std::path::{Path, PathBuf};

use ratatui::crossterm::event::KeyEvent;
use tui_input::Input;

use crate::api::{Document, Domain, Error, check_external_url, is_valid_uid};
use crate::app::batch::BatchWork;
use crate::app::effect::Effect;
use crate::app::ids::ReqId;
use crate::app::keymap::{Action, Context};
use crate::app::path_completion::Completion;
use crate::app::shell_words;
use crate::app::state::{
    BatchConfirm, Confirm, ConflictAsk, ConflictChoice, Dialog, DownloadForm, DownloadSource,
    LinkChoice, LinkForm, Pane, PathField, Pending, State, UploadFocus, UploadForm,
};
use crate::app::transfer_job::TransferJob;
use crate::ops::Resolution;

use super::batches::{ask_for_plan, start_batch};
use super::copy_to::choose_key;
use super::editing::{rename_key, replace_checked, replace_is_directory, replace_key};
use super::fields::{edit, edit_path, form_action, path_tab};
use super::list_paging::reload;
use super::sharing_edit::editor_key;
use super::transfer_events::start_transfer;

pub(super) fn dialog_key(state: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(dialog) = state.dialog.take() else {
        return;
    };
    state.dialog = match dialog {
        Dialog::Confirm(confirm) => confirm_key(state, confirm, &key, fx),
        Dialog::AddLink(form) => link_form_key(state, form, key, fx),
        Dialog::Upload(form) => upload_key(state, form, key, fx),
        Dialog::Download(form) => download_key(state, form, key, fx),
        Dialog::LookUp { input, problem } => look_up_key(state, input, problem, key, fx),
        Dialog::Link(choice) => link_choice_key(state, choice, &key, fx),
        Dialog::Conflict(ask) => conflict_key(state, ask, &key, fx),
        Dialog::BatchConfirm(confirm) => batch_confirm_key(state, confirm, key, fx),
        Dialog::ChooseProfile(choice) => choose_key(state, choice, &key, fx),
        Dialog::Rename(form) => rename_key(state, form, key, fx),
        Dialog::ReplaceFile(form) => replace_key(state, form, key, fx),
        Dialog::Sharing(editor) => editor_key(state, editor, key, fx),
    };
}

/// A name that exists in a bulk download: the answer for it, for all, or no batch at all.
fn conflict_key(
    state: &mut State,
    mut ask: ConflictAsk,
    key: &KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    let choices = ConflictChoice::ALL;
    let at = choices.iter().position(|c| *c == ask.choice).unwrap_or(0);
    let choice = match state.settings.keymap.action(Context::Conflict, key) {
        Some(Action::Replace) => ConflictChoice::Replace,
        Some(Action::Skip) => ConflictChoice::Skip,
        Some(Action::ReplaceAll) => ConflictChoice::ReplaceAll,
        Some(Action::SkipAll) => ConflictChoice::SkipAll,
        Some(Action::Close) => ConflictChoice::Cancel,
        Some(Action::Accept) => ask.choice,
        Some(step @ (Action::NextChoice | Action::PreviousChoice)) => {
            let next = if step == Action::NextChoice {
                at + 1
            } else {
                at + choices.len() - 1
            };
            ask.choice = choices[next % choices.len()];
            return Some(Dialog::Conflict(ask));
        }
        _ => return Some(Dialog::Conflict(ask)),
    };
    let mut batch = ask.batch;
    match choice {
        ConflictChoice::Replace => batch.plan.resolve(ask.step, Resolution::Replace),
        ConflictChoice::Skip => batch.plan.resolve(ask.step, Resolution::Skip),
        ConflictChoice::ReplaceAll => batch.plan.resolve_all(Resolution::Replace),
        ConflictChoice::SkipAll => batch.plan.resolve_all(Resolution::Skip),
        ConflictChoice::Cancel => {
            state.toast_info("Nothing was downloaded");
            return None;
        }
    }
    match batch.plan.conflicts().first() {
        Some(&step) => Some(Dialog::Conflict(ConflictAsk {
            batch,
            step,
            choice: ConflictChoice::Skip,
        })),
        None => {
            start_batch(state, batch, fx);
            None
        }
    }
}

/// The confirmation of a batch: yes or no, or, for a big delete, the number typed.
fn batch_confirm_key(
    state: &mut State,
    mut confirm: BatchConfirm,
    key: KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    if let Some(count) = confirm.count_to_type() {
        match form_action(state, &key) {
            Some(Action::Close) => return None,
            Some(Action::Accept) if confirm.typed.value().trim() == count.to_string() => {
                start_batch(state, confirm.batch, fx);
                return None;
            }
            Some(Action::Accept) => {
                confirm.problem = Some(format!(
                    "type {count}, the number of documents, to delete them (Esc cancels)"
                ));
            }
            _ => {
                if edit(&mut confirm.typed, key) {
                    confirm.problem = None;
                }
            }
        }
        return Some(Dialog::BatchConfirm(confirm));
    }
    let yes = match state.settings.keymap.action(Context::Confirm, &key) {
        Some(Action::Yes) => true,
        Some(Action::No) => false,
        Some(Action::Accept) => confirm.yes,
        Some(Action::Toggle) => {
            confirm.yes = !confirm.yes;
            return Some(Dialog::BatchConfirm(confirm));
        }
        _ => return Some(Dialog::BatchConfirm(confirm)),
    };
    if yes {
        start_batch(state, confirm.batch, fx);
    }
    None
}

pub(super) fn confirm_key(
    state: &mut State,
    mut confirm: Confirm,
    key: &KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    let yes = match state.settings.keymap.action(Context::Confirm, key) {
        Some(Action::Yes) => true,
        Some(Action::No) => false,
        Some(Action::Accept) => confirm.yes,
        Some(Action::Toggle) => {
            confirm.yes = !confirm.yes;
            return Some(Dialog::Confirm(confirm));
        }
        _ => return Some(Dialog::Confirm(confirm)),
    };
    match (yes, confirm.pending) {
        (true, Pending::Delete { uid, name }) => fx.push(Effect::Delete { uid, name }),
        (true, Pending::Overwrite { job, label, .. }) => start_transfer(state, label, job, fx),
        (true, Pending::Quit) => fx.push(Effect::Quit),
        (true, Pending::MarkMatching { query }) => {
            let req = state.next_req();
            state.selecting = Some(req);
            fx.push(Effect::SelectMatching { req, query });
        }
        // Not replacing is choosing another name: back to the Save-as prompt, path kept.
        (false, Pending::Overwrite { job, label, path }) => {
            return save_as_again(&job, label, &path);
        }
        (false, _) => {}
    }
    None
}

/// The Save-as prompt again for a download whose target exists, with the path to edit.
fn save_as_again(job: &TransferJob, label: String, path: &Path) -> Option<Dialog> {
    let source = match job {
        TransferJob::DownloadDocument { uid, .. } => DownloadSource::Document {
            uid: uid.clone(),
            name: label,
        },
        TransferJob::DownloadResource { uid, .. } => DownloadSource::Resource {
            uid: uid.clone(),
            name: label,
        },
        _ => return None,
    };
    Some(Dialog::Download(DownloadForm {
        source,
        path: PathField {
            input: Input::new(path.display().to_string()),
            ..PathField::default()
        },
        problem: Some(format!(
            "{} already exists: choose another name",
            path.display()
        )),
    }))
}

pub(super) fn link_form_key(
    state: &State,
    mut form: LinkForm,
    key: KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    match form_action(state, &key) {
        Some(Action::Close) => return None,
        Some(Action::Complete | Action::NextField | Action::PreviousField) => {
            form.focus_url = !form.focus_url
        }
        Some(Action::Accept) if !form.focus_url => form.focus_url = true,
        Some(Action::Accept) => {
            let name = form.name.value().trim().to_string();
            let url = form.url.value().trim().to_string();
            form.name_problem = name
                .is_empty()
                .then(|| "a document needs a name".to_string());
            form.url_problem = check_external_url(&url).err().map(|e| e.to_string());
            if form.name_problem.is_none() && form.url_problem.is_none() && !form.sending {
                form.sending = true;
                fx.push(Effect::CreateLink { name, url });
            }
        }
        _ => {
            if form.focus_url {
                if edit(&mut form.url, key) {
                    let url = form.url.value().trim();
                    form.url_problem = if url.is_empty() {
                        None
                    } else {
                        check_external_url(url).err().map(|e| e.to_string())
                    };
                }
            } else if edit(&mut form.name, key) {
                form.name_problem = None;
            }
        }
    }
    Some(Dialog::AddLink(form))
}

pub(super) fn link_created(
    state: &mut State,
    result: Result<Document, Error>,
    fx: &mut Vec<Effect>,
) {
    let form_open = matches!(&state.dialog, Some(Dialog::AddLink(form)) if form.sending);
    match result {
        Ok(document) => {
            if form_open {
                state.dialog = None;
            }
            state.toast_info(format!("Added link “{}”", document.title()));
            state.documents.select = Some(document.id.clone());
            reload(state, Pane::Documents, fx);
        }
        Err(error) => {
            if let Some(Dialog::AddLink(form)) = &mut state.dialog
                && form.sending
            {
                form.sending = false;
                form.url_problem = Some(error.to_string());
            } else {
                state.toast_error(format!("Could not add the link: {error}"));
            }
        }
    }
}

/// Tab in a field of several paths: the word under the cursor is completed.
fn word_tab(state: &mut State, field: &mut PathField, fx: &mut Vec<Effect>) {
    let text = field.input.value().to_string();
    let (range, word) = shell_words::word_at(&text, field.input.cursor());
    let req = state.next_req();
    field.req = Some(req);
    field.completing_word = Some((text, range));
    fx.push(Effect::CompletePath { req, input: word });
}

pub(super) fn completed(state: &mut State, req: ReqId, completion: Completion) {
    let field = match &mut state.dialog {
        Some(Dialog::Upload(form)) => &mut form.path,
        Some(Dialog::Download(form)) => &mut form.path,
        Some(Dialog::ReplaceFile(form)) => &mut form.path,
        _ => return,
    };
    let asked = match &field.completing_word {
        Some((text, _)) => text.as_str(),
        None => completion.input.as_str(),
    };
    if field.req != Some(req) || field.input.value() != asked {
        return;
    }
    field.req = None;
    field.input = match field.completing_word.take() {
        // The word replaced in place, quoted if it must be, the cursor after it.
        Some((text, range)) => {
            let word = shell_words::quote(&completion.completed);
            let cursor = text[..range.start].chars().count() + word.chars().count();
            let value = format!("{}{word}{}", &text[..range.start], &text[range.end..]);
            Input::new(value).with_cursor(cursor)
        }
        None => Input::new(completion.completed),
    };
    field.candidates = completion.candidates;
    if let Some(Dialog::Upload(form)) = &mut state.dialog {
        follow_file_name(form);
    }
}

/// The document name follows the chosen file's name until it is typed by hand; several
/// paths take their names from their files, so the field empties.
pub(super) fn follow_file_name(form: &mut UploadForm) {
    if !form.name_edited {
        let name = single_path(form)
            .map(|path| crate::api::default_document_name(&path))
            .unwrap_or_default();
        form.name = Input::new(name);
    }
}

/// The upload form's path, when it names exactly one.
fn single_path(form: &UploadForm) -> Option<PathBuf> {
    match shell_words::split(form.path.input.value()).ok()?.as_slice() {
        [path] => Some(PathBuf::from(path)),
        _ => None,
    }
}

pub(super) fn upload_key(
    state: &mut State,
    mut form: UploadForm,
    key: KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    let fields: Vec<UploadFocus> = if form.domain.is_some() {
        vec![UploadFocus::Path, UploadFocus::Domain]
    } else {
        vec![UploadFocus::Path, UploadFocus::Name]
    };
    let at = fields.iter().position(|f| *f == form.focus).unwrap_or(0);
    // Any other key may change the form: a check still in flight is about an older one.
    form.checking = None;
    match form_action(state, &key) {
        Some(Action::Close) => return None,
        // Two fields: the next is the previous.
        Some(Action::NextField | Action::PreviousField) => {
            form.focus = fields[(at + 1) % fields.len()];
        }
        Some(Action::Complete) if form.focus == UploadFocus::Path => {
            word_tab(state, &mut form.path, fx)
        }
        Some(Action::Complete) => form.focus = fields[(at + 1) % fields.len()],
        Some(step @ (Action::NextChoice | Action::PreviousChoice))
            if form.focus == UploadFocus::Domain =>
        {
            let known = &Domain::KNOWN;
            let i = form
                .domain
                .as_ref()
                .and_then(|d| known.iter().position(|k| k == d))
                .unwrap_or(0);
            let next = if step == Action::NextChoice {
                (i + 1) % known.len()
            } else {
                (i + known.len() - 1) % known.len()
            };
            form.domain = Some(known[next].clone());
        }
        Some(Action::Accept) => {
            let name = form.name.value().trim().to_string();
            let paths = match shell_words::split(form.path.input.value()) {
                Ok(words) => words,
                Err(problem) => {
                    form.problem = Some(problem);
                    return Some(Dialog::Upload(form));
                }
            };
            form.problem = match paths.as_slice() {
                [] => Some("type the path of the file to upload (Tab completes)".into()),
                [_, _, ..] if form.domain.is_some() => Some(
                    "one file at a time into a domain; the Documents pane uploads several".into(),
                ),
                [_, _, ..] => {
                    // Several paths: a batch, named after the files.
                    let items = format!("{} paths", paths.len());
                    let paths = paths.into_iter().map(PathBuf::from).collect();
                    ask_for_plan(state, BatchWork::Upload { paths }, items, fx);
                    return None;
                }
                [_] if form.domain.is_none() && name.is_empty() => {
                    Some("a document needs a name".into())
                }
                [path] => {
                    // The form stays open until the file is known to be one DHIS2 will take.
                    let req = state.next_req();
                    form.checking = Some(req);
                    fx.push(Effect::CheckUpload {
                        req,
                        path: PathBuf::from(path),
                        domain: form.domain.clone().unwrap_or(Domain::Document),
                    });
                    None
                }
            };
            return Some(Dialog::Upload(form));
        }
        _ => match form.focus {
            UploadFocus::Path => {
                if edit_path(&mut form.path, key) {
                    follow_file_name(&mut form);
                }
            }
            UploadFocus::Name => {
                if edit(&mut form.name, key) {
                    form.name_edited = true;
                }
            }
            UploadFocus::Domain => {}
        },
    }
    Some(Dialog::Upload(form))
}

pub(super) fn download_key(
    state: &mut State,
    mut form: DownloadForm,
    key: KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    match form_action(state, &key) {
        Some(Action::Close) => return None,
        Some(Action::Complete) => path_tab(state, &mut form.path, fx),
        Some(Action::Accept) => {
            let path = form.path.input.value().trim().to_string();
            if path.is_empty() {
                form.problem = Some("type where to save the file (Tab completes)".into());
                return Some(Dialog::Download(form));
            }
            let path = PathBuf::from(path);
            let label = form.source.label().to_string();
            let job = match form.source {
                DownloadSource::Marked { uids, label } => {
                    ask_for_plan(state, BatchWork::Download { uids, dir: path }, label, fx);
                    return None;
                }
                DownloadSource::Document { uid, .. } => TransferJob::DownloadDocument {
                    uid,
                    path,
                    overwrite: false,
                },
                DownloadSource::Resource { uid, .. } => TransferJob::DownloadResource {
                    uid,
                    path,
                    overwrite: false,
                },
            };
            start_transfer(state, label, job, fx);
            return None;
        }
        _ => {
            if edit_path(&mut form.path, key) {
                form.problem = None;
            }
        }
    }
    Some(Dialog::Download(form))
}

pub(super) fn look_up_key(
    state: &mut State,
    mut input: Input,
    mut problem: Option<String>,
    key: KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    match form_action(state, &key) {
        Some(Action::Close) => return None,
        Some(Action::Accept) => {
            let uid = input.value().trim().to_string();
            if is_valid_uid(&uid) {
                let req = state.next_req();
                state.resources.fetching = Some((req, uid.clone()));
                fx.push(Effect::FetchResource { req, uid });
                return None;
            }
            problem = Some("a uid is 11 letters and digits, starting with a letter".into());
        }
        _ => {
            if edit(&mut input, key) {
                problem = None;
            }
        }
    }
    Some(Dialog::LookUp { input, problem })
}

pub(super) fn link_choice_key(
    state: &mut State,
    mut choice: LinkChoice,
    key: &KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    // Like a menu: a choice's own key takes it at once; the highlight moves for Enter.
    let pick = match state.settings.keymap.action(Context::Link, key) {
        Some(Action::Close) => return None,
        Some(Action::Open) => 0,
        Some(Action::CopyUrl) => 1,
        Some(Action::NextChoice) => {
            choice.choice = (choice.choice + 1) % 3;
            return Some(Dialog::Link(choice));
        }
        Some(Action::PreviousChoice) => {
            choice.choice = (choice.choice + 2) % 3;
            return Some(Dialog::Link(choice));
        }
        Some(Action::Accept) => choice.choice,
        _ => return Some(Dialog::Link(choice)),
    };
    match pick {
        0 => open_link(state, choice.url, fx),
        1 => {
            state.toast_info(format!("Copied {}", choice.url));
            fx.push(Effect::Copy(choice.url));
        }
        _ => {}
    }
    None
}

/// The upload form's path was checked: start the upload, or say what is wrong and stay open.
pub(super) fn upload_checked(
    state: &mut State,
    req: ReqId,
    result: Result<(), Error>,
    fx: &mut Vec<Effect>,
) {
    let mut form = match state.dialog.take() {
        Some(Dialog::Upload(form)) if form.checking == Some(req) => form,
        Some(Dialog::ReplaceFile(form)) if form.checking == Some(req) => {
            return replace_checked(state, form, result, fx);
        }
        // Another dialog, or an answer about a path since edited.
        other => {
            state.dialog = other;
            return;
        }
    };
    form.checking = None;
    if let Err(problem) = result {
        form.problem = Some(problem.to_string());
        state.dialog = Some(Dialog::Upload(form));
        return;
    }
    let Some(path) = single_path(&form) else {
        return;
    };
    let name = form.name.value().trim().to_string();
    let label = match &form.domain {
        Some(domain) => format!("{} ({domain})", crate::api::default_document_name(&path)),
        None => name.clone(),
    };
    let job = match form.domain {
        Some(domain) => TransferJob::UploadResource { path, domain },
        None => TransferJob::UploadDocument { path, name },
    };
    start_transfer(state, label, job, fx);
}

/// The upload form's one path is a directory: its files are planned as a batch.
pub(super) fn upload_is_directory(state: &mut State, req: ReqId, fx: &mut Vec<Effect>) {
    let form = match state.dialog.take() {
        Some(Dialog::Upload(form)) if form.checking == Some(req) => form,
        Some(Dialog::ReplaceFile(form)) if form.checking == Some(req) => {
            state.dialog = Some(replace_is_directory(form));
            return;
        }
        other => {
            state.dialog = other;
            return;
        }
    };
    if let Some(path) = single_path(&form) {
        let items = path.display().to_string();
        ask_for_plan(state, BatchWork::Upload { paths: vec![path] }, items, fx);
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
