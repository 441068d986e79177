//! Keys to actions, by context. The defaults live in `assets/keymap.toml`; a user file in the
//! config directory replaces the keys of the actions it names. Help and footer hints are
//! generated from the same map.
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// Where a key is read: the top dialog first, then the pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Context {
    List,
    Transfers,
    Confirm,
    /// Forms and prompts with text fields (upload, download, add link, look up, the filter).
    Form,
    /// The choices for an external link.
    Link,
    /// A bulk download's question about a name that exists.
    Conflict,
    /// A list to choose one of (the profile a copy goes to).
    Choose,
    /// The sharing editor's rows (its search field reads `Form`).
    Sharing,
    Help,
}

impl Context {
    pub const ALL: [Context; 9] = [
        Context::List,
        Context::Transfers,
        Context::Confirm,
        Context::Form,
        Context::Link,
        Context::Conflict,
        Context::Choose,
        Context::Sharing,
        Context::Help,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::List => "list",
            Context::Transfers => "transfers",
            Context::Confirm => "confirm",
            Context::Form => "form",
            Context::Link => "link",
            Context::Conflict => "conflict",
            Context::Choose => "choose",
            Context::Sharing => "sharing",
            Context::Help => "help",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::List => "Documents and file resources",
            Context::Transfers => "Transfers panel",
            Context::Confirm => "Confirmations",
            Context::Form => "Forms and prompts",
            Context::Link => "External link",
            Context::Conflict => "A file that exists (bulk download)",
            Context::Choose => "Choosing a profile (copy)",
            Context::Sharing => "Sharing editor",
            Context::Help => "This help",
        }
    }

    /// Forms read their keys before the text field does, so a plain character bound there
    /// could never be typed.
    fn takes_characters(self) -> bool {
        self != Context::Form
    }

    fn from_name(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// Everything a key can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    NextPane,
    Documents,
    Resources,
    Details,
    Preview,
    Filter,
    Domain,
    Sort,
    Refresh,
    AddLink,
    Upload,
    Download,
    Delete,
    Rename,
    ReplaceFile,
    Sharing,
    LookUp,
    CopyId,
    CopyTo,
    Check,
    Problems,
    Open,
    Transfers,
    Dismiss,
    Help,
    Quit,
    Cancel,
    CancelAll,
    Retry,
    Clear,
    Close,
    Yes,
    No,
    Toggle,
    Accept,
    Complete,
    NextField,
    PreviousField,
    NextChoice,
    PreviousChoice,
    CopyUrl,
    Mark,
    MarkAll,
    InvertMarks,
    MarkMatching,
    Replace,
    Skip,
    ReplaceAll,
    SkipAll,
    Add,
    Remove,
}

/// (name in the TOML file, action, description shown in help).
const ACTIONS: &[(&str, Action, &str)] = &[
    ("down", Action::Down, "move down"),
    ("up", Action::Up, "move up"),
    ("top", Action::Top, "first row"),
    (
        "bottom",
        Action::Bottom,
        "last row (its page loads directly)",
    ),
    ("page_down", Action::PageDown, "one screen down"),
    ("page_up", Action::PageUp, "one screen up"),
    ("next_pane", Action::NextPane, "switch pane"),
    ("documents", Action::Documents, "Documents pane"),
    ("resources", Action::Resources, "File resources pane"),
    ("details", Action::Details, "show or hide details"),
    (
        "preview",
        Action::Preview,
        "show or hide the preview of the file",
    ),
    ("filter", Action::Filter, "filter (text or DHIS2 syntax)"),
    ("domain", Action::Domain, "next file resource domain"),
    ("sort", Action::Sort, "change sort order"),
    ("refresh", Action::Refresh, "reload from the server"),
    ("add_link", Action::AddLink, "add an external link"),
    (
        "upload",
        Action::Upload,
        "upload a file (or several, or a directory)",
    ),
    (
        "download",
        Action::Download,
        "download (with marks: the marked ones)",
    ),
    (
        "delete",
        Action::Delete,
        "delete (with marks: the marked ones)",
    ),
    (
        "rename",
        Action::Rename,
        "rename the document (a prompt with its name)",
    ),
    (
        "replace_file",
        Action::ReplaceFile,
        "put a new file behind the document, same uid",
    ),
    (
        "sharing",
        Action::Sharing,
        "sharing editor (with marks: one change for all)",
    ),
    ("look_up", Action::LookUp, "look up a file resource uid"),
    ("copy_id", Action::CopyId, "copy the uid"),
    (
        "copy_to",
        Action::CopyTo,
        "copy to another profile's server (marks or the row)",
    ),
    (
        "check",
        Action::Check,
        "check the filtered documents (in the background)",
    ),
    (
        "problems",
        Action::Problems,
        "only the rows with problems (again: every row)",
    ),
    ("open", Action::Open, "open link or downloaded file"),
    ("transfers", Action::Transfers, "transfers panel"),
    ("dismiss", Action::Dismiss, "dismiss messages"),
    ("help", Action::Help, "this help"),
    ("quit", Action::Quit, "quit"),
    ("cancel", Action::Cancel, "cancel the transfer"),
    (
        "cancel_all",
        Action::CancelAll,
        "cancel every transfer and batch, and the check",
    ),
    (
        "retry",
        Action::Retry,
        "retry a failed download or batch, link a stored upload",
    ),
    ("clear", Action::Clear, "remove finished transfers"),
    ("close", Action::Close, "close"),
    ("yes", Action::Yes, "yes"),
    ("no", Action::No, "no"),
    ("toggle", Action::Toggle, "switch the highlighted answer"),
    ("accept", Action::Accept, "take the highlighted answer"),
    (
        "complete",
        Action::Complete,
        "complete a path, else next field",
    ),
    ("next_field", Action::NextField, "next field"),
    ("previous_field", Action::PreviousField, "previous field"),
    ("next_choice", Action::NextChoice, "next choice"),
    ("previous_choice", Action::PreviousChoice, "previous choice"),
    ("copy_url", Action::CopyUrl, "copy the URL"),
    (
        "mark",
        Action::Mark,
        "mark or unmark the row, then move down",
    ),
    ("mark_all", Action::MarkAll, "mark every loaded row"),
    (
        "invert_marks",
        Action::InvertMarks,
        "invert the marks of the loaded rows",
    ),
    (
        "mark_matching",
        Action::MarkMatching,
        "mark all documents the filter matches",
    ),
    ("replace", Action::Replace, "replace this file"),
    ("skip", Action::Skip, "skip this document"),
    (
        "replace_all",
        Action::ReplaceAll,
        "replace this and every other file",
    ),
    (
        "skip_all",
        Action::SkipAll,
        "skip this and every other conflict",
    ),
    ("add", Action::Add, "add a group or user: search by name"),
    ("remove", Action::Remove, "take the group or user out"),
];

/// Where an action means something more particular than its general description.
const DESCRIPTIONS_IN: &[(Context, Action, &str)] = &[
    (
        Context::Form,
        Action::Accept,
        "submit (from a first field: next field)",
    ),
    (
        Context::Form,
        Action::Close,
        "cancel (in the filter: clear it)",
    ),
    (Context::Form, Action::NextChoice, "next domain"),
    (Context::Form, Action::PreviousChoice, "previous domain"),
    (Context::Link, Action::Open, "open in the browser"),
    (Context::Link, Action::Accept, "take the highlighted choice"),
    (Context::Link, Action::Close, "cancel"),
    (
        Context::Conflict,
        Action::Close,
        "cancel: nothing is downloaded",
    ),
    (
        Context::Conflict,
        Action::Accept,
        "take the highlighted answer",
    ),
    (
        Context::List,
        Action::Dismiss,
        "close messages, panels, check, marks, then filters",
    ),
    (
        Context::Choose,
        Action::Accept,
        "plan the copy to the highlighted profile",
    ),
    (Context::Choose, Action::Close, "cancel: nothing is copied"),
    (
        Context::Sharing,
        Action::NextChoice,
        "next access: none, view, edit",
    ),
    (Context::Sharing, Action::PreviousChoice, "previous access"),
    (
        Context::Sharing,
        Action::Accept,
        "apply (with marks: after one confirmation)",
    ),
    (Context::Sharing, Action::Close, "cancel: nothing changes"),
    (Context::Help, Action::Down, "scroll down"),
    (Context::Help, Action::Up, "scroll up"),
];

impl Action {
    pub fn name(self) -> &'static str {
        ACTIONS
            .iter()
            .find(|(_, a, _)| *a == self)
            .map(|(n, _, _)| *n)
            .unwrap_or("?")
    }

    /// What the action does in a context, for help.
    pub fn description(self, context: Context) -> &'static str {
        DESCRIPTIONS_IN
            .iter()
            .find(|(c, a, _)| *c == context && *a == self)
            .map(|(_, _, d)| *d)
            .or_else(|| {
                ACTIONS
                    .iter()
                    .find(|(_, a, _)| *a == self)
                    .map(|(_, _, d)| *d)
            })
            .unwrap_or("")
    }

    fn from_name(name: &str) -> Option<Action> {
        ACTIONS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, a, _)| *a)
    }
}

/// A key as written in the keymap: a code and its modifiers (Shift folded into the character).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub fn from_event(event: &KeyEvent) -> Key {
        let mut modifiers = event.modifiers;
        // Terminals report `G` as Shift+G or plain G; the character already says it.
        if matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        Key {
            code: event.code,
            modifiers,
        }
    }

    pub fn parse(text: &str) -> Result<Key, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix_len, modifier) = if lower.starts_with("ctrl-") {
                (5, KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") {
                (4, KeyModifiers::ALT)
            } else {
                break;
            };
            if rest.len() == prefix_len {
                break;
            }
            modifiers |= modifier;
            rest = &rest[prefix_len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pageup" => KeyCode::PageUp,
                "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "enter" => KeyCode::Enter,
                "esc" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "delete" => KeyCode::Delete,
                "space" => KeyCode::Char(' '),
                other => match other.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    Some(n @ 1..=12) => KeyCode::F(n),
                    _ => return Err(format!("`{text}` is not a key")),
                },
            },
        };
        if modifiers.contains(KeyModifiers::CONTROL) && code == KeyCode::Char('c') {
            return Err("Ctrl-c always quits and cannot be mapped".into());
        }
        Ok(Key { code, modifiers })
    }
}

impl Key {
    /// A character typed without Ctrl or Alt: text, never a command, in a field.
    pub fn is_plain_character(&self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The resolved map: for each context, each action's keys in the order written.
#[derive(Clone, Debug, PartialEq)]
pub struct Keymap {
    bindings: BTreeMap<Context, Vec<(Action, Vec<Key>)>>,
}

type RawKeymap = BTreeMap<String, BTreeMap<String, Vec<String>>>;

impl Default for Keymap {
    fn default() -> Self {
        // The embedded file is checked by a test, so failing here is a build mistake.
        Keymap::from_toml(DEFAULT_KEYMAP).unwrap_or_else(|error| {
            tracing::error!("the built-in keymap is invalid: {error}");
            Keymap {
                bindings: BTreeMap::new(),
            }
        })
    }
}

impl Keymap {
    fn from_toml(text: &str) -> Result<Keymap, String> {
        let mut keymap = Keymap {
            bindings: BTreeMap::new(),
        };
        keymap.apply(text)?;
        Ok(keymap)
    }

    /// The defaults with the user's file applied on top, and a warning for each key the file
    /// gives to two actions. The error and the warnings name the file.
    pub fn with_overrides(text: &str, path: &Path) -> Result<(Keymap, Vec<String>), String> {
        let mut keymap = Keymap::default();
        let conflicts = keymap
            .apply(text)
            .map_err(|error| format!("invalid keymap {}: {error}", path.display()))?;
        let warnings = conflicts
            .into_iter()
            .map(|conflict| format!("keymap {}: {conflict}", path.display()))
            .collect();
        Ok((keymap, warnings))
    }

    /// Applies a keymap file. A key the file binds that another action of the same context
    /// already has moves to the file's action: the file says what the user wants the key to do,
    /// and the footer and help must not show a key that does something else. Each such move
    /// is returned, worded for the user.
    fn apply(&mut self, text: &str) -> Result<Vec<String>, String> {
        let raw: RawKeymap = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut conflicts = Vec::new();
        for (section, actions) in raw {
            let context = Context::from_name(&section).ok_or_else(|| {
                let names: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
                format!(
                    "unknown section [{section}]; sections are {}",
                    names.join(", ")
                )
            })?;
            let entries = self.bindings.entry(context).or_default();
            for (name, keys) in actions {
                let action = Action::from_name(&name)
                    .ok_or_else(|| format!("unknown action `{name}` in [{section}]"))?;
                let keys = keys
                    .iter()
                    .map(|k| Key::parse(k).map_err(|e| format!("[{section}] {name}: {e}")))
                    .collect::<Result<Vec<_>, _>>()?;
                if !context.takes_characters()
                    && let Some(key) = keys.iter().find(|key| key.is_plain_character())
                {
                    return Err(format!(
                        "[{section}] {name}: `{key}` would never reach the text fields; \
                         forms take keys like Enter, Tab, arrows or Ctrl-…"
                    ));
                }
                for (other, other_keys) in entries.iter_mut().filter(|(a, _)| *a != action) {
                    let before = other_keys.len();
                    other_keys.retain(|key| !keys.contains(key));
                    if other_keys.len() != before {
                        let taken: Vec<String> = keys.iter().map(ToString::to_string).collect();
                        conflicts.push(format!(
                            "[{section}] {name} takes {} from {}, which no longer has it",
                            taken.join(" "),
                            other.name()
                        ));
                    }
                }
                match entries.iter_mut().find(|(a, _)| *a == action) {
                    Some(entry) => entry.1 = keys,
                    None => entries.push((action, keys)),
                }
            }
            // TOML tables come back sorted by name; help reads better in the table's order.
            entries.sort_by_key(|(action, _)| *action);
        }
        Ok(conflicts)
    }

    /// The action a key means in a context.
    pub fn action(&self, context: Context, event: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(event);
        self.bindings
            .get(&context)?
            .iter()
            .find(|(_, keys)| keys.contains(&key))
            .map(|(action, _)| *action)
    }

    /// The keys bound to an action, for hints.
    pub fn keys(&self, context: Context, action: Action) -> &[Key] {
        self.bindings
            .get(&context)
            .and_then(|entries| entries.iter().find(|(a, _)| *a == action))
            .map(|(_, keys)| keys.as_slice())
            .unwrap_or(&[])
    }

    /// The first key of an action as text ("" when unbound).
    pub fn hint(&self, context: Context, action: Action) -> String {
        self.keys(context, action)
            .first()
            .map(Key::to_string)
            .unwrap_or_default()
    }

    /// Every binding of a context, in file order, for the help screen.
    pub fn entries(&self, context: Context) -> &[(Action, Vec<Key>)] {
        self.bindings
            .get(&context)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn the_default_keymap_parses_and_binds_vim_and_arrows() {
        let keymap = Keymap::from_toml(DEFAULT_KEYMAP).unwrap();
        let down = |code| keymap.action(Context::List, &press(code, KeyModifiers::NONE));
        assert_eq!(down(KeyCode::Char('j')), Some(Action::Down));
        assert_eq!(down(KeyCode::Down), Some(Action::Down));
        assert_eq!(
            keymap.action(
                Context::List,
                &press(KeyCode::Char('G'), KeyModifiers::SHIFT)
            ),
            Some(Action::Bottom)
        );
        assert_eq!(
            keymap.action(
                Context::List,
                &press(KeyCode::Char('d'), KeyModifiers::CONTROL)
            ),
            Some(Action::PageDown)
        );
    }

    #[test]
    fn overrides_replace_an_actions_keys() {
        let (keymap, moved) =
            Keymap::with_overrides("[list]\ndown = [\"n\"]\n", Path::new("/c/keymap.toml"))
                .unwrap();
        assert_eq!(moved, Vec::<String>::new());
        let action = |c| keymap.action(Context::List, &press(KeyCode::Char(c), KeyModifiers::NONE));
        assert_eq!(action('n'), Some(Action::Down));
        assert_eq!(action('j'), None);
        assert_eq!(action('k'), Some(Action::Up));
    }

    #[test]
    fn the_default_keymap_gives_no_key_two_actions() {
        let mut keymap = Keymap {
            bindings: BTreeMap::new(),
        };
        assert_eq!(keymap.apply(DEFAULT_KEYMAP), Ok(Vec::new()));
        for context in Context::ALL {
            let mut seen = std::collections::HashSet::new();
            for (action, keys) in keymap.entries(context) {
                for key in keys {
                    assert!(
                        seen.insert(*key),
                        "{key} twice in [{}], {action:?}",
                        context.name()
                    );
                }
            }
        }
    }

    #[test]
    fn a_key_given_to_another_action_leaves_the_first_and_the_user_is_told() {
        let (keymap, moved) =
            Keymap::with_overrides("[list]\ndownload = [\"j\"]\n", Path::new("/c/keymap.toml"))
                .unwrap();
        let j = press(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(keymap.action(Context::List, &j), Some(Action::Download));
        assert_eq!(keymap.hint(Context::List, Action::Download), "j");
        // `down` keeps its other key, so the footer and help show what is true.
        assert_eq!(keymap.hint(Context::List, Action::Down), "↓");
        let [warning] = moved.as_slice() else {
            panic!("one warning: {moved:?}")
        };
        for part in ["/c/keymap.toml", "download", "down", "j"] {
            assert!(warning.contains(part), "{part}: {warning}");
        }
        // Another section's `j` is not touched.
        assert_eq!(keymap.action(Context::Transfers, &j), Some(Action::Down));
    }

    #[test]
    fn forms_take_no_plain_characters() {
        let error =
            Keymap::with_overrides("[form]\naccept = [\"x\"]\n", Path::new("/c/keymap.toml"))
                .unwrap_err();
        assert!(error.contains("never reach the text fields"), "{error}");
        let (keymap, _) = Keymap::with_overrides(
            "[form]\naccept = [\"Ctrl-s\"]\n",
            Path::new("/c/keymap.toml"),
        )
        .unwrap();
        assert_eq!(
            keymap.action(
                Context::Form,
                &press(KeyCode::Char('s'), KeyModifiers::CONTROL)
            ),
            Some(Action::Accept)
        );
    }

    #[test]
    fn bad_keymaps_name_the_file_and_the_problem() {
        for (text, expected) in [
            ("[list]\nfly = [\"f\"]", "unknown action `fly`"),
            ("[lists]\ndown = [\"j\"]", "unknown section [lists]"),
            ("[list]\ndown = [\"Hyper-j\"]", "is not a key"),
            ("[list]\nquit = [\"Ctrl-c\"]", "cannot be mapped"),
            ("[list\n", "keymap.toml"),
        ] {
            let error = Keymap::with_overrides(text, Path::new("/c/keymap.toml")).unwrap_err();
            assert!(error.contains("/c/keymap.toml"), "{error}");
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
