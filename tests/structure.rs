//! The source's shape: no two modules of `src/` use each other, directly or round a loop.
//!
//! Each file is a module; `use crate::…`, `use super::…` and inline `crate::…` paths are its
//! edges, resolved to the module (file) that defines the name, looking through a `mod.rs`'s
//! re-exports (`pub use child::Name` is the facade, not a dependency). A loop of edges is an
//! import cycle, and this test names it.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's dotted path (`crate::app::state`) and its source with tests and comments cut.
struct Module {
    path: String,
    source: String,
}

fn modules(root: &Path) -> Vec<Module> {
    let mut files = Vec::new();
    collect_rs(root, &mut files);
    files
        .into_iter()
        .filter_map(|file| {
            let relative = file.strip_prefix(root).ok()?.with_extension("");
            let mut parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            match parts.last().map(String::as_str) {
                Some("main") if parts.len() == 1 => return None,
                Some("lib") if parts.len() == 1 => parts.clear(),
                Some("mod") => {
                    parts.pop();
                }
                _ => {}
            }
            let path = std::iter::once("crate".to_string())
                .chain(parts)
                .collect::<Vec<_>>()
                .join("::");
            let text = std::fs::read_to_string(&file).ok()?;
            Some(Module {
                path,
                source: without_tests_and_comments(&text),
            })
        })
        .collect()
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file up to its `#[cfg(test)] mod tests` (whose `super` is the file itself), without
/// `//` comments.
fn without_tests_and_comments(text: &str) -> String {
    let mut kept = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod tests"))
        {
            break;
        }
        let code = match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        };
        kept.push_str(code);
        kept.push('\n');
    }
    kept
}

/// `use` statements (their text after `use`, up to `;`) and whether each is a re-export. A
/// statement starts a line (as rustfmt writes them), possibly after `pub` or `pub(…)`.
fn use_statements(source: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let line = line.trim_start();
        let (reexport, rest) = if let Some(rest) = line.strip_prefix("use ") {
            (false, rest)
        } else if let Some(rest) = line
            .strip_prefix("pub ")
            .or_else(|| Some(line.strip_prefix("pub(")?.split_once(") ")?.1))
            .and_then(|rest| rest.strip_prefix("use "))
        {
            (true, rest)
        } else {
            continue;
        };
        let mut statement = rest.to_string();
        while !statement.contains(';') {
            match lines.next() {
                Some(more) => statement.push_str(more),
                None => break,
            }
        }
        let statement = statement.split(';').next().unwrap_or_default();
        out.push((
            statement.split_whitespace().collect::<Vec<_>>().join(" "),
            reexport,
        ));
    }
    out
}

/// The byte offset of `word` standing alone (not inside an identifier) in `text`.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let at = from + found;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if !ident(before) && !ident(after) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// `a::{b, c::{d, self}}` → `a::b`, `a::c::d`, `a::c`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.replace(' ', "");
    let tree = tree.as_str();
    let Some(open) = tree.find('{') else {
        return vec![tree.split("as").next().unwrap_or(tree).to_string()];
    };
    let prefix = tree[..open].trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .flat_map(|item| {
            if item == "self" {
                vec![prefix.to_string()]
            } else {
                expand(item)
                    .into_iter()
                    .map(|path| format!("{prefix}::{path}"))
                    .collect()
            }
        })
        .collect()
}

/// Inline `crate::a::b` paths in code (outside `use` statements).
fn inline_paths(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for start in ["crate::", "super::"] {
        let mut rest = source;
        while let Some(at) = find_word(rest, start.trim_end_matches(':')) {
            let tail = &rest[at..];
            let end = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            let path = tail[..end].trim_end_matches(':');
            if path.starts_with(start) {
                out.push(path.to_string());
            }
            rest = &rest[at + start.len().min(tail.len())..];
        }
    }
    out
}

/// A path as seen from `module`, made absolute (`crate::…`).
fn absolute(module: &str, path: &str) -> Option<String> {
    let mut base: Vec<&str> = module.split("::").collect();
    let mut parts = path.split("::").peekable();
    match parts.peek() {
        Some(&"crate") => {
            parts.next();
            base = vec!["crate"];
        }
        Some(&"super") => {
            while parts.peek() == Some(&"super") {
                parts.next();
                base.pop();
            }
        }
        Some(&"self") => {
            parts.next();
        }
        // An outside crate (`std::…`, `ratatui::…`) or a local name.
        _ => return None,
    }
    Some(base.into_iter().chain(parts).collect::<Vec<_>>().join("::"))
}

/// The module that defines `path`'s item: its longest module prefix, followed through that
/// module's re-exports of the name.
fn defining_module(
    path: &str,
    known: &BTreeSet<String>,
    reexports: &BTreeMap<String, BTreeMap<String, String>>,
) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    let (module, item) = (1..=parts.len()).rev().find_map(|n| {
        let prefix = parts[..n].join("::");
        known
            .contains(&prefix)
            .then(|| (prefix, parts.get(n).copied()))
    })?;
    match item.and_then(|name| reexports.get(&module)?.get(name)) {
        Some(source) if source != &module => {
            defining_module(source, known, reexports).or(Some(module))
        }
        _ => Some(module),
    }
}

/// Every loop in the graph, as the modules on it (Tarjan's strongly connected components).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(walk: &mut Walk<'a>, node: &'a str) {
        let n = walk.index.len();
        walk.index.insert(node, n);
        walk.low.insert(node, n);
        walk.stack.push(node);
        walk.on_stack.insert(node);
        for next in walk.edges.get(node).into_iter().flatten() {
            let next = next.as_str();
            if !walk.index.contains_key(next) {
                visit(walk, next);
                let low = walk.low[node].min(walk.low[next]);
                walk.low.insert(node, low);
            } else if walk.on_stack.contains(next) {
                let low = walk.low[node].min(walk.index[next]);
                walk.low.insert(node, low);
            }
        }
        if walk.low[node] == walk.index[node] {
            let mut component = Vec::new();
            while let Some(top) = walk.stack.pop() {
                walk.on_stack.remove(top);
                component.push(top.to_string());
                if top == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                walk.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in edges.keys() {
        if !walk.index.contains_key(node.as_str()) {
            visit(&mut walk, node);
        }
    }
    walk.found
}

/// The graph of `src/`: each module to the modules it uses.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let known: BTreeSet<String> = modules.iter().map(|m| m.path.clone()).collect();
    let mut reexports: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for module in &modules {
        for (tree, reexport) in use_statements(&module.source) {
            if !reexport {
                continue;
            }
            for path in expand(&tree) {
                let absolute = absolute(&module.path, &path).unwrap_or_else(|| {
                    // `pub use child::Name` names a child module relative to this one.
                    format!("{}::{path}", module.path)
                });
                if let Some(name) = absolute.rsplit("::").next() {
                    reexports
                        .entry(module.path.clone())
                        .or_default()
                        .insert(name.to_string(), absolute.clone());
                }
            }
        }
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for module in &modules {
        let mut paths: Vec<String> = use_statements(&module.source)
            .into_iter()
            .filter(|(_, reexport)| !reexport)
            .flat_map(|(tree, _)| expand(&tree))
            .collect();
        paths.extend(inline_paths(&module.source));
        let targets = edges.entry(module.path.clone()).or_default();
        for path in paths {
            // A glob names the module itself.
            let path = path.trim_end_matches("::*");
            let target = absolute(&module.path, path)
                .or_else(|| {
                    // `use child::x` from a module file: one of its own children.
                    let first = path.split("::").next()?;
                    let child = format!("{}::{first}", module.path);
                    known
                        .contains(&child)
                        .then(|| format!("{}::{path}", module.path))
                })
                .and_then(|path| defining_module(&path, &known, &reexports));
            if let Some(target) = target.filter(|t| t != &module.path) {
                targets.insert(target);
            }
        }
    }
    edges
}

#[test]
fn no_two_modules_use_each_other() {
    let loops = cycles(&graph());
    assert!(
        loops.is_empty(),
        "import cycles (each line is a set of modules that use each other round a loop):\n{}",
        loops
            .iter()
            .map(|modules| modules.join(" ⇄ "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_checker_sees_a_loop_and_resolves_re_exports() {
    let edge = |pairs: &[(&str, &str)]| {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in pairs {
            edges
                .entry(from.to_string())
                .or_default()
                .insert(to.to_string());
        }
        edges
    };
    assert_eq!(
        cycles(&edge(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])),
        vec![vec!["a".to_string(), "b".into(), "c".into()]]
    );
    assert!(cycles(&edge(&[("a", "b"), ("b", "c")])).is_empty());
    assert_eq!(
        expand("crate::api::{self, Client, model::{Page, Pager}}"),
        [
            "crate::api",
            "crate::api::Client",
            "crate::api::model::Page",
            "crate::api::model::Pager"
        ]
    );
    let known: BTreeSet<String> = ["crate::api", "crate::api::model"].map(String::from).into();
    let mut reexports = BTreeMap::new();
    reexports.insert(
        "crate::api".to_string(),
        BTreeMap::from([("Page".to_string(), "crate::api::model::Page".to_string())]),
    );
    assert_eq!(
        defining_module("crate::api::Page", &known, &reexports).as_deref(),
        Some("crate::api::model")
    );
    assert_eq!(
        absolute("crate::app::update::keys", "super::super::state::State").as_deref(),
        Some("crate::app::state::State")
    );
}
