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
    Help,
}

impl Context {
    pub const ALL: [Context; 4] = [
        Context::List,
        Context::Transfers,
        Context::Confirm,
        Context::Help,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::List => "list",
            Context::Transfers => "transfers",
            Context::Confirm => "confirm",
            Context::Help => "help",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::List => "Documents and file resources",
            Context::Transfers => "Transfers panel",
            Context::Confirm => "Confirmations",
            Context::Help => "This help",
        }
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
    Filter,
    Domain,
    Sort,
    Refresh,
    AddLink,
    Upload,
    Download,
    Delete,
    LookUp,
    CopyId,
    Open,
    Transfers,
    Dismiss,
    Help,
    Quit,
    Cancel,
    Retry,
    Clear,
    Close,
    Yes,
    No,
    Toggle,
    Accept,
}

/// (name in the TOML file, action, description shown in help).
const ACTIONS: &[(&str, Action, &str)] = &[
    ("down", Action::Down, "move down"),
    ("up", Action::Up, "move up"),
    ("top", Action::Top, "first row"),
    ("bottom", Action::Bottom, "last loaded row"),
    ("page_down", Action::PageDown, "one screen down"),
    ("page_up", Action::PageUp, "one screen up"),
    ("next_pane", Action::NextPane, "switch pane"),
    ("documents", Action::Documents, "Documents pane"),
    ("resources", Action::Resources, "File resources pane"),
    ("details", Action::Details, "show or hide details"),
    ("filter", Action::Filter, "filter (text or DHIS2 syntax)"),
    ("domain", Action::Domain, "next file resource domain"),
    ("sort", Action::Sort, "change sort order"),
    ("refresh", Action::Refresh, "reload from the server"),
    ("add_link", Action::AddLink, "add an external link"),
    ("upload", Action::Upload, "upload a file"),
    ("download", Action::Download, "download"),
    ("delete", Action::Delete, "delete the document"),
    ("look_up", Action::LookUp, "look up a file resource uid"),
    ("copy_id", Action::CopyId, "copy the uid"),
    ("open", Action::Open, "open link or downloaded file"),
    ("transfers", Action::Transfers, "transfers panel"),
    ("dismiss", Action::Dismiss, "dismiss messages"),
    ("help", Action::Help, "this help"),
    ("quit", Action::Quit, "quit"),
    ("cancel", Action::Cancel, "cancel the transfer"),
    ("retry", Action::Retry, "link a stored upload again"),
    ("clear", Action::Clear, "remove finished transfers"),
    ("close", Action::Close, "close"),
    ("yes", Action::Yes, "yes"),
    ("no", Action::No, "no"),
    ("toggle", Action::Toggle, "switch the highlighted answer"),
    ("accept", Action::Accept, "take the highlighted answer"),
];

impl Action {
    pub fn name(self) -> &'static str {
        ACTIONS
            .iter()
            .find(|(_, a, _)| *a == self)
            .map(|(n, _, _)| *n)
            .unwrap_or("?")
    }

    pub fn description(self) -> &'static str {
        ACTIONS
            .iter()
            .find(|(_, a, _)| *a == self)
            .map(|(_, _, d)| *d)
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

    /// The defaults with the user's file applied on top. The error names the file.
    pub fn with_overrides(text: &str, path: &Path) -> Result<Keymap, String> {
        let mut keymap = Keymap::default();
        keymap
            .apply(text)
            .map_err(|error| format!("invalid keymap {}: {error}", path.display()))?;
        Ok(keymap)
    }

    fn apply(&mut self, text: &str) -> Result<(), String> {
        let raw: RawKeymap = toml::from_str(text).map_err(|e| e.message().to_string())?;
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
                match entries.iter_mut().find(|(a, _)| *a == action) {
                    Some(entry) => entry.1 = keys,
                    None => entries.push((action, keys)),
                }
            }
            // TOML tables come back sorted by name; help reads better in the table's order.
            entries.sort_by_key(|(action, _)| *action);
        }
        Ok(())
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
        let keymap =
            Keymap::with_overrides("[list]\ndown = [\"n\"]\n", Path::new("/c/keymap.toml"))
                .unwrap();
        let action = |c| keymap.action(Context::List, &press(KeyCode::Char(c), KeyModifiers::NONE));
        assert_eq!(action('n'), Some(Action::Down));
        assert_eq!(action('j'), None);
        assert_eq!(action('k'), Some(Action::Up));
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
