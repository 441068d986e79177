//! A copy to another configured profile, from `update`'s side: the copy key asks the runner
//! for the profiles, their answer opens the list to choose from (or says in one line that
//! there is none and where to add one), and the choice asks for the plan, which the batch
//! confirmation shows like any other batch's.
use std::path::PathBuf;

use ratatui::crossterm::event::KeyEvent;

use crate::app::batch::BatchWork;
use crate::app::effect::Effect;
use crate::app::ids::ReqId;
use crate::app::keymap::{Action, Context};
use crate::app::msg::ConfiguredProfiles;
use crate::app::state::{CopyItems, Dialog, Pane, ProfileChoice, ProfileRow, Settings, State};
use crate::config::ProfileSummary;

use super::batches::{ask_for_plan, marked_documents};

/// The copy key: the marked documents, or the row under the cursor when none is marked, go to
/// a profile chosen from the list; the profiles files are read first (by the runner).
pub(super) fn copy_to_profile(state: &mut State, fx: &mut Vec<Effect>) {
    if state.pane != Pane::Documents {
        state.toast_info("Copying to another profile's server works in the Documents pane");
        return;
    }
    let items = if state.documents.marks.is_empty() {
        let Some(document) = state.selected_document() else {
            return;
        };
        CopyItems {
            uids: vec![document.id.clone()],
            label: format!("“{}”", document.title()),
        }
    } else {
        let uids = marked_documents(state);
        let count = uids.len();
        CopyItems {
            uids,
            label: format!(
                "{count} marked document{}",
                if count == 1 { "" } else { "s" }
            ),
        }
    };
    let req = state.next_req();
    state.listing_profiles = Some((req, items));
    fx.push(Effect::ListProfiles { req });
}

/// The profiles came: the list of those a copy can go to, the others shown with why not.
pub(super) fn profiles_listed(
    state: &mut State,
    req: ReqId,
    result: Result<ConfiguredProfiles, String>,
) {
    let Some((_, items)) = state.listing_profiles.take_if(|(asked, _)| *asked == req) else {
        return;
    };
    let configured = match result {
        Ok(configured) => configured,
        Err(error) => {
            state.toast_error(format!("Could not read the profiles: {error}"));
            return;
        }
    };
    let rows = rows_of(&configured.profiles, &state.settings);
    if rows.is_empty() {
        state.toast_info(no_other_profile(configured.add_to.as_ref()));
        return;
    }
    if state.dialog.is_some() {
        state.toast_info("Another dialog is open: nothing is copied");
        return;
    }
    let cursor = rows
        .iter()
        .position(|row| row.unusable.is_none())
        .unwrap_or(0);
    state.dialog = Some(Dialog::ChooseProfile(ProfileChoice {
        items,
        rows,
        cursor,
    }));
}

/// "No other profile to copy to: add …": the one line said instead of an empty list.
fn no_other_profile(add_to: Option<&PathBuf>) -> String {
    let file = add_to.map_or_else(
        || "~/.config/dhis2/profiles.toml".to_string(),
        |path| path.display().to_string(),
    );
    format!(
        "No other profile to copy to: add a [profiles.NAME] table with its base_url and \
         credentials to {file}"
    )
}

/// Every profile but the session's own: those that can be chosen first, then the others with
/// the reason, each group in the files' order (project first).
fn rows_of(profiles: &[ProfileSummary], settings: &Settings) -> Vec<ProfileRow> {
    let (mut usable, mut unusable): (Vec<ProfileRow>, Vec<ProfileRow>) = profiles
        .iter()
        .filter(|profile| profile.name != settings.profile)
        .map(|profile| ProfileRow {
            name: profile.name.clone(),
            url: profile.base_url.clone(),
            is_default: profile.is_default,
            unusable: why_not(profile, profiles, &settings.base_url),
        })
        .partition(|row| row.unusable.is_none());
    usable.append(&mut unusable);
    usable
}

/// Why `profile` cannot be a copy's target, if it cannot.
fn why_not(profile: &ProfileSummary, all: &[ProfileSummary], this_server: &str) -> Option<String> {
    if profile.shadowed {
        let by = all
            .iter()
            .find(|other| other.name == profile.name && !other.shadowed)
            .map_or_else(
                || "a project profiles.toml".to_string(),
                |other| other.file.display().to_string(),
            );
        return Some(format!(
            "hidden by the profile of the same name in {by}, which wins"
        ));
    }
    if let Some(problem) = &profile.problem {
        return Some(problem.clone());
    }
    if profile
        .base_url
        .as_deref()
        .is_some_and(|url| same_server(url, this_server))
    {
        return Some("the server this session is connected to: nothing to copy".into());
    }
    None
}

/// Whether two base URLs name one server: scheme, host, port and path, a trailing slash and
/// any user info aside.
fn same_server(a: &str, b: &str) -> bool {
    let key = |text: &str| {
        url::Url::parse(text).ok().map(|url| {
            (
                url.scheme().to_string(),
                url.host_str().map(str::to_ascii_lowercase),
                url.port_or_known_default(),
                url.path().trim_end_matches('/').to_string(),
            )
        })
    };
    matches!((key(a), key(b)), (Some(a), Some(b)) if a == b)
}

/// A key in the list: move, choose (which asks for the plan), or cancel.
pub(super) fn choose_key(
    state: &mut State,
    mut choice: ProfileChoice,
    key: &KeyEvent,
    fx: &mut Vec<Effect>,
) -> Option<Dialog> {
    let last = choice.rows.len().saturating_sub(1);
    match state.settings.keymap.action(Context::Choose, key) {
        Some(Action::Close) => return None,
        Some(Action::Down) => choice.cursor = (choice.cursor + 1).min(last),
        Some(Action::Up) => choice.cursor = choice.cursor.saturating_sub(1),
        Some(Action::Accept) => {
            // A profile that cannot be chosen stays highlighted, its reason shown in full.
            if let Some(row) = choice.selected().filter(|row| row.unusable.is_none()) {
                let profile = row.name.clone();
                let items = format!("{} to {profile}", choice.items.label);
                let uids = choice.items.uids;
                ask_for_plan(state, BatchWork::Copy { uids, profile }, items, fx);
                return None;
            }
        }
        _ => {}
    }
    Some(Dialog::ChooseProfile(choice))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_server_whatever_its_slash_case_or_user_info() {
        assert!(same_server(
            "https://Play.example.org/dhis/",
            "https://play.example.org/dhis"
        ));
        assert!(same_server(
            "https://a@play.example.org:443/dhis",
            "https://play.example.org/dhis"
        ));
        assert!(!same_server(
            "https://play.example.org/dhis",
            "https://play.example.org/other"
        ));
        assert!(!same_server(
            "https://play.example.org",
            "http://play.example.org"
        ));
        assert!(!same_server("not a url", "not a url"));
    }
}
