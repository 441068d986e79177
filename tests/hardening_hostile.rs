//! Hostile server data: names with `../`, absolute paths, control characters, very long or
//! reserved names. Downloads into a directory always land inside it, under a safe name.
mod common;

use std::path::Path;

use common::*;
use d2files::api::filename::sanitize_file_name;
use d2files::api::{DocumentDownload, DownloadTarget};
use d2files::emulator::{Emulator, SeedDocument, SeedFileResource};

const HOSTILE: &[&str] = &[
    "../../../../../../tmp/escaped.txt",
    "/etc/passwd",
    "..\\..\\Windows\\win.ini",
    "C:\\Users\\Public\\evil.bat",
    "..",
    ".",
    "",
    "   ",
    ".bashrc",
    "report\n.pdf",
    "bell\u{7}\u{1b}[2Jclear.txt",
    "tab\tand\rreturn.csv",
    "CON",
    "nul.txt",
    "com1.tar.gz",
    "aux",
    "quote\"d;name=x.pdf",
    "trailing dots...",
    "invoice\u{202e}fdp.exe",
    "COM\u{b9}",
    "lpt\u{b2}.txt",
    "CONIN$",
    "conout$.log",
    "zero\u{200b}width\u{feff}.pdf",
    "arabic\u{61c}mark\u{ad}.txt",
    "tag\u{e0001}\u{e0041}.csv",
];

fn long_name() -> String {
    format!("{}.pdf", "long-name-".repeat(100))
}

fn seed_hostile(em: &Emulator) -> Vec<(String, String)> {
    let mut names: Vec<String> = HOSTILE.iter().map(|n| n.to_string()).collect();
    names.push(long_name());
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let uid = em
                .seed_file_resource(SeedFileResource::new(
                    &name,
                    "text/plain",
                    format!("body {i}").into_bytes(),
                ))
                .expect("seed");
            (uid, name)
        })
        .collect()
}

/// `root` holds only `inside` (and d2files' own state directory, with its log), and `inside`
/// holds exactly `count` plain files with safe names.
fn assert_contained(root: &Path, inside: &Path, count: usize) {
    let everything = tree(root);
    for path in everything.iter().filter(|path| !path.starts_with("state")) {
        assert!(
            path.starts_with(inside.strip_prefix(root).unwrap()),
            "{path:?} escaped"
        );
    }
    let files: Vec<_> = std::fs::read_dir(inside)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), count, "{files:?}");
    for file in files {
        assert!(file.is_file(), "{file:?}");
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        assert_eq!(sanitize_file_name(&name), name, "{name:?} is not safe");
        assert!(name.len() <= 200);
    }
    assert!(!Path::new("/tmp/escaped.txt").exists() || escaped_is_old());
}

/// /tmp/escaped.txt belongs to someone else only if it predates this test run.
fn escaped_is_old() -> bool {
    std::fs::read_to_string("/tmp/escaped.txt").is_ok_and(|text| !text.starts_with("body "))
}

#[tokio::test]
async fn hostile_file_resource_names_land_inside_the_directory() {
    let em = start("2.41").await;
    let seeded = seed_hostile(&em);
    let root = temp_dir();
    let inside = root.path().join("downloads");
    std::fs::create_dir(&inside).unwrap();
    let client = admin(&em);
    for (i, (uid, name)) in seeded.iter().enumerate() {
        let saved = client
            .download_file_resource(
                uid,
                None,
                &DownloadTarget::Directory(inside.clone()),
                &transfer(),
            )
            .await
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert_eq!(saved.path.parent(), Some(inside.as_path()), "{name:?}");
        assert_eq!(
            std::fs::read(&saved.path).unwrap(),
            format!("body {i}").as_bytes()
        );
        // The next one may sanitise to the same name: move this one aside.
        std::fs::rename(&saved.path, inside.join(format!("{i:02}-done"))).unwrap();
    }
    assert_contained(root.path(), &inside, seeded.len());
}

#[tokio::test]
async fn hostile_document_names_land_inside_the_directory_through_the_cli() {
    let em = start("2.41").await;
    let seeded = seed_hostile(&em);
    let home = temp_dir();
    let inside = home.path().join("downloads");
    std::fs::create_dir(&inside).unwrap();
    for (i, (uid, name)) in seeded.iter().enumerate() {
        let document = em.seed_document(SeedDocument::file(&format!("doc {i}"), uid));
        let run = run_as_admin(
            home.path(),
            &em,
            &["documents", "download", &document, "downloads"],
        )
        .await;
        assert!(run.success, "{name:?}: {}", run.stderr);
        assert!(run.stdout.contains("Saved "), "{}", run.stdout);
        // Control characters never reach the terminal.
        assert!(
            !run.stdout.contains(['\u{1b}', '\u{7}', '\r']),
            "{:?}",
            run.stdout
        );
        let files: Vec<_> = std::fs::read_dir(&inside)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.file_name().unwrap().to_string_lossy().ends_with("-done"))
            .collect();
        assert_eq!(files.len(), 1, "{name:?}: {files:?}");
        std::fs::rename(&files[0], inside.join(format!("{i:02}-done"))).unwrap();
    }
    assert_contained(home.path(), &inside, seeded.len());
}

#[tokio::test]
async fn the_sanitised_names_are_the_expected_ones() {
    let em = start("2.42").await;
    let root = temp_dir();
    let client = admin(&em);
    for (name, expected) in [
        ("../../../../../../tmp/escaped.txt", "escaped.txt"),
        ("/etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("..", "download"),
        (".bashrc", "bashrc"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        // The server writes control characters as `?`, which is replaced too.
        ("report\n.pdf", "report_.pdf"),
        ("COM\u{b9}", "_COM\u{b9}"),
        ("lpt\u{b3}.txt", "_lpt\u{b3}.txt"),
        ("CONIN$", "_CONIN$"),
        ("conout$.log", "_conout$.log"),
        // Format characters (Unicode Cf) hide in a name that looks like another.
        ("in\u{200b}voice.pdf", "in_voice.pdf"),
        ("\u{feff}bom.txt", "_bom.txt"),
        ("soft\u{ad}hyphen\u{61c}.csv", "soft_hyphen_.csv"),
    ] {
        let uid = em
            .seed_file_resource(SeedFileResource::new(name, "text/plain", b"x".to_vec()))
            .unwrap();
        let dir = root.path().join(uid.as_str());
        std::fs::create_dir(&dir).unwrap();
        let saved = client
            .download_file_resource(
                &uid,
                None,
                &DownloadTarget::Directory(dir.clone()),
                &transfer(),
            )
            .await
            .unwrap();
        assert_eq!(saved.path, dir.join(expected), "{name:?}");
    }
    // A document's download goes through the same rules.
    let uid = em
        .seed_file_resource(SeedFileResource::new(
            "../../x/y/z.csv",
            "text/csv",
            b"a,b".to_vec(),
        ))
        .unwrap();
    let document = em.seed_document(SeedDocument::file("z", &uid));
    let dir = root.path().join("doc");
    std::fs::create_dir(&dir).unwrap();
    let saved = client
        .download_document(
            &document,
            &DownloadTarget::Directory(dir.clone()),
            &transfer(),
        )
        .await
        .unwrap();
    match saved {
        DocumentDownload::Saved(saved) => assert_eq!(saved.path, dir.join("z.csv")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn hostile_names_cannot_rewrite_the_terminal() {
    let em = start("2.41").await;
    let evil = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J\rname\u{202e}fdp.exe";
    let uid = em
        .seed_file_resource(SeedFileResource::new(evil, "text/plain", b"x".to_vec()))
        .unwrap();
    let document = em.seed_document(SeedDocument::file(evil, &uid));
    let link = em.seed_document(SeedDocument::link(evil, "https://example.org/\u{1b}[2J"));
    let home = temp_dir();
    for args in [
        vec!["documents", "list"],
        vec!["documents", "get", &document],
        vec!["documents", "download", &link],
        vec!["resources", "list"],
        vec!["resources", "get", &uid],
        vec!["documents", "delete", &document, "--yes"],
    ] {
        let mut command = admin_command(home.path(), &em);
        command.args(&args);
        let run = run(command).await;
        assert!(run.success, "{args:?}: {}", run.stderr);
        let shown = format!("{}{}", run.stdout, run.stderr);
        let expected = if args[1] == "download" {
            "example.org/?[2J"
        } else {
            "evil"
        };
        assert!(shown.contains(expected), "{args:?}: {shown}");
        assert!(
            !shown.contains(['\u{1b}', '\u{7}', '\r', '\u{202e}']),
            "{args:?}: {shown:?}"
        );
    }
}
