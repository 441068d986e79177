//! What the `?` screen says, as data: every binding of the keymap by context, the few keys no
//! keymap can change, and tips. `ui` draws it; `update` reads its length to stop scrolling at
//! its end.
use crate::app::keymap::{Context, Keymap};

/// One line of help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelpLine {
    Title(&'static str),
    /// Keys (as shown) and what they do.
    Binding {
        keys: String,
        description: &'static str,
    },
    Tip(String),
    Blank,
}

/// Keys that are not in the keymap: Ctrl-c is fixed so a broken keymap can always be left,
/// and text fields edit with the keys every text field has.
const FIXED_KEYS: [(&str, &str); 2] = [
    ("Ctrl-c", "quit at once, cancelling transfers"),
    (
        "← → Home End",
        "move in a text field (Backspace, Delete edit)",
    ),
];

/// Short lines: the help box is at most 72 columns wide.
const TIPS: [&str; 11] = [
    "Filter: plain text finds names containing it (`:` included);",
    "DHIS2 syntax is property:operator:value, e.g. name:ilike:malaria",
    "Marks: with documents marked, d downloads them into a directory and",
    "D deletes them (after saying what will happen); u takes a directory",
    "or several paths ('quoted' as in a shell). D2FILES_TRANSFERS: 1-16",
    "C copies the marked documents (or the row) to another profile's",
    "server with their uids, after its plan; profiles.toml lists them",
    "R renames the row, P puts a new file behind it: same uid, sharing",
    "kept. S edits its sharing; with marks, one change for all of them",
    "(asked once). In the editor a searches names: Enter adds the one",
    "highlighted, Tab goes back to the rows, Esc clears the search",
];

pub fn lines(keymap: &Keymap, log_path: Option<&std::path::Path>) -> Vec<HelpLine> {
    let mut lines = Vec::new();
    for context in Context::ALL {
        lines.push(HelpLine::Title(context.title()));
        for (action, keys) in keymap.entries(context) {
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            lines.push(HelpLine::Binding {
                keys: keys.join(" "),
                description: action.description(context),
            });
        }
        lines.push(HelpLine::Blank);
    }
    lines.push(HelpLine::Title("Keys no keymap changes"));
    lines.extend(
        FIXED_KEYS
            .iter()
            .map(|(keys, description)| HelpLine::Binding {
                keys: (*keys).to_string(),
                description,
            }),
    );
    lines.push(HelpLine::Blank);
    lines.extend(TIPS.iter().map(|tip| HelpLine::Tip((*tip).to_string())));
    if let Some(log) = log_path {
        lines.push(HelpLine::Tip(format!("Log: {}", log.display())));
    }
    lines
}
