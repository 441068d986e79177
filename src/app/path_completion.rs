//! Tab in a path field: the directory listed, the name completed to the candidates' common
//! prefix, directories marked with `/`.
use std::path::PathBuf;

/// The answer to a Tab in a path field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The text the completion was computed for; ignored if the field changed since.
    pub input: String,
    /// The completed text (the longest common prefix of the candidates).
    pub completed: String,
    /// Candidate names, shown under the field when there are several.
    pub candidates: Vec<String>,
}

impl Completion {
    pub fn of(input: &str, dir_part: &str, names: &[(String, bool)]) -> Completion {
        let (_, prefix) = split_path(input);
        let mut matching: Vec<&(String, bool)> = names
            .iter()
            .filter(|(name, _)| {
                name.starts_with(prefix) && (prefix.starts_with('.') || !name.starts_with('.'))
            })
            .collect();
        matching.sort();
        let completed = match matching.as_slice() {
            [] => input.to_string(),
            [(name, is_dir)] => format!("{dir_part}{name}{}", if *is_dir { "/" } else { "" }),
            many => {
                let first = &many[0].0;
                let common = many.iter().fold(first.chars().count(), |len, (name, _)| {
                    first
                        .chars()
                        .zip(name.chars())
                        .take(len)
                        .take_while(|(a, b)| a == b)
                        .count()
                });
                let common: String = first.chars().take(common).collect();
                format!("{dir_part}{common}")
            }
        };
        let candidates = if matching.len() > 1 {
            matching
                .iter()
                .map(|(name, is_dir)| format!("{name}{}", if *is_dir { "/" } else { "" }))
                .collect()
        } else {
            Vec::new()
        };
        Completion {
            input: input.to_string(),
            completed,
            candidates,
        }
    }
}

/// Splits a typed path into the directory part (with its trailing `/`) and the name being typed.
pub fn split_path(input: &str) -> (&str, &str) {
    match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    }
}

/// The directory to list for a typed path (`~/` expanded by the caller's home).
pub fn directory_to_list(input: &str, home: Option<&PathBuf>) -> PathBuf {
    let (dir, _) = split_path(input);
    if dir.is_empty() {
        return PathBuf::from(".");
    }
    crate::app::paths::expand_home(std::path::Path::new(dir), home.map(PathBuf::as_path))
}

/// Lists the directory of a typed path and completes the name being typed.
pub fn complete(input: &str, home: Option<&PathBuf>) -> Completion {
    let dir = directory_to_list(input, home);
    let (dir_part, _) = split_path(input);
    let names: Vec<(String, bool)> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|entry| {
                let is_dir = entry.path().is_dir();
                (entry.file_name().to_string_lossy().into_owned(), is_dir)
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    Completion::of(input, dir_part, &names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_extends_to_the_common_prefix_and_marks_directories() {
        let names = vec![
            ("report-2024.pdf".to_string(), false),
            ("report-2025.pdf".to_string(), false),
            ("reports".to_string(), true),
            (".hidden".to_string(), false),
        ];
        let c = Completion::of("/tmp/rep", "/tmp/", &names);
        assert_eq!(c.completed, "/tmp/report");
        assert_eq!(c.candidates.len(), 3);
        let c = Completion::of("/tmp/reports", "/tmp/", &names);
        assert_eq!(c.completed, "/tmp/reports/");
        let c = Completion::of("x", "", &names);
        assert_eq!(c.completed, "x");
        assert!(
            Completion::of("", "", &names)
                .candidates
                .iter()
                .all(|n| !n.starts_with('.'))
        );
    }

    #[test]
    fn completion_lists_the_typed_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("budget-2025.xlsx"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("budgets")).unwrap();
        let typed = format!("{}/budget-", dir.path().display());
        let completion = complete(&typed, None);
        assert_eq!(
            completion.completed,
            format!("{}/budget-2025.xlsx", dir.path().display())
        );
    }
}
