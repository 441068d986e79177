//! Local-side faults: where the bytes come from or go to is missing, unwritable, full, not a
//! file, or changes under us. Each ends with a clear message and no partial file.
mod common;

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use d2files::api::{Domain, DownloadTarget, Error, ListQuery};
use tokio::sync::Notify;

fn data_requests(em: &d2files::emulator::Emulator) -> usize {
    em.requests()
        .iter()
        .filter(|r| r.path.ends_with("/data"))
        .count()
}

#[tokio::test]
async fn a_missing_target_directory_fails_before_any_byte_is_fetched() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "data.bin", bytes(10_000));
    let dir = temp_dir();
    let target = dir.path().join("no/such/dir/data.bin");
    let error = admin(&em)
        .download_file_resource(&uid, None, &DownloadTarget::File(target), &transfer())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("no/such/dir"), "{text}");
    assert!(text.contains("does not exist"), "{text}");
    assert_eq!(data_requests(&em), 0, "nothing was downloaded");
    assert!(tree(dir.path()).is_empty(), "{:?}", tree(dir.path()));
}

#[tokio::test]
async fn a_target_below_a_regular_file_says_it_is_not_a_directory() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "data.bin", bytes(10_000));
    let dir = temp_dir();
    let file = write_file(dir.path(), "notes.txt", b"mine");
    let error = admin(&em)
        .download_file_resource(
            &uid,
            None,
            &DownloadTarget::File(file.join("data.bin")),
            &transfer(),
        )
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("notes.txt"), "{text}");
    assert!(text.contains("not a directory"), "{text}");
    assert_eq!(std::fs::read(&file).unwrap(), b"mine");
    assert_eq!(tree(dir.path()).len(), 1);
}

#[tokio::test]
async fn an_unwritable_target_directory_fails_and_leaves_nothing() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "data.bin", bytes(100_000));
    let dir = temp_dir();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    let immutable = !permissions_apply();
    if immutable {
        // Root ignores permission bits, not the immutable attribute.
        let set = std::process::Command::new("chattr")
            .args(["+i", locked.to_str().unwrap()])
            .status();
        if !set.is_ok_and(|status| status.success()) {
            eprintln!("skipped: running as root where chattr +i does not work");
            return;
        }
    } else {
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let error = admin(&em)
        .download_file_resource(
            &uid,
            None,
            &DownloadTarget::File(locked.join("data.bin")),
            &transfer(),
        )
        .await
        .unwrap_err();
    if immutable {
        let cleared = std::process::Command::new("chattr")
            .args(["-i", locked.to_str().unwrap()])
            .status();
        assert!(cleared.is_ok_and(|status| status.success()));
    } else {
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("data.bin.part"), "{error}");
    assert!(tree(&locked).is_empty(), "{:?}", tree(&locked));
}

#[tokio::test]
async fn a_full_disk_fails_the_download_and_removes_the_part_file() {
    // A file size limit (ulimit -f) makes writes fail past 64 KiB, as a full disk does,
    // without mounting anything; SIGXFSZ is ignored so the write returns an error.
    let em = start("2.41").await;
    let uid = seed_blob(&em, "data.bin", bytes(1_000_000));
    let home = temp_dir();
    let out = home.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let mut command = std::process::Command::new("sh");
    command.args([
        "-c",
        "trap '' XFSZ; ulimit -f 128; exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_d2files"),
        "resources",
        "download",
        &uid,
        out.to_str().unwrap(),
    ]);
    isolate(&mut command, home.path());
    as_admin(&mut command, &em);
    let run = run(command).await;
    assert!(!run.success, "stdout: {}", run.stdout);
    assert!(
        run.stderr.contains("data.bin.") && run.stderr.contains(".part: File too large"),
        "{}",
        run.stderr
    );
    assert!(tree(&out).is_empty(), "{:?}", tree(&out));
}

#[tokio::test]
async fn a_missing_source_is_named_and_nothing_is_sent() {
    let em = start("2.41").await;
    let home = temp_dir();
    let run = run_as_admin(
        home.path(),
        &em,
        &["documents", "upload", "no-such-report.pdf"],
    )
    .await;
    assert!(!run.success);
    assert!(run.stderr.contains("no-such-report.pdf"), "{}", run.stderr);
    assert!(run.stderr.contains("No such file"), "{}", run.stderr);
    assert!(em.requests().iter().all(|r| r.method != "POST"));
}

#[tokio::test]
async fn a_directory_as_source_is_refused_and_nothing_is_sent() {
    let em = start("2.41").await;
    let home = temp_dir();
    std::fs::create_dir(home.path().join("reports")).unwrap();
    let run = run_as_admin(home.path(), &em, &["resources", "upload", "reports"]).await;
    assert!(!run.success);
    assert!(
        run.stderr.contains("reports is a directory, not a file"),
        "{}",
        run.stderr
    );
    assert!(em.requests().iter().all(|r| r.method != "POST"));
}

#[tokio::test]
async fn an_unreadable_source_is_refused_and_nothing_is_sent() {
    if !permissions_apply() {
        eprintln!("skipped: running as root, where mode 000 does not stop reading");
        return;
    }
    let em = start("2.41").await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "secret.pdf", b"%PDF-1.4");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let error = admin(&em)
        .upload_file_resource(&path, &Domain::Document, &transfer())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("Permission denied"), "{error}");
    assert!(em.requests().iter().all(|r| r.method != "POST"));
}

#[tokio::test]
async fn a_named_pipe_as_source_is_refused_instead_of_hanging() {
    let em = start("2.41").await;
    let dir = temp_dir();
    let fifo = dir.path().join("pipe.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let client = admin(&em);
    let options = transfer();
    let upload = client.upload_file_resource(&fifo, &Domain::Document, &options);
    // Opening a FIFO for reading blocks until a writer appears: without the check this hangs.
    let error = tokio::time::timeout(Duration::from_secs(30), upload)
        .await
        .expect("refused, not blocked")
        .unwrap_err();
    assert!(error.to_string().contains("not a regular file"), "{error}");
    assert!(em.requests().iter().all(|r| r.method != "POST"));
}

/// Uploads a 16 MB file to a server that waits before reading, and changes the file as soon
/// as the upload has started reading it.
async fn upload_while_changing(change: impl FnOnce(&std::path::Path) + Send + 'static) -> Error {
    let em = start_with("2.41", |o| o.max_upload_size = None).await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "growing.dat", &bytes(16 << 20));
    em.faults().delay(Duration::from_millis(500));
    let started = Arc::new(Notify::new());
    let signal = started.clone();
    let options = transfer().with_progress(move |_| signal.notify_one());
    let client = admin(&em);
    let upload_path = path.clone();
    let upload = tokio::spawn(async move {
        client
            .upload_file_resource(&upload_path, &Domain::Document, &options)
            .await
    });
    started.notified().await;
    change(&path);
    let error = upload.await.unwrap().unwrap_err();
    em.faults().delay(Duration::ZERO);
    let stored = admin(&em)
        .list_file_resources(&ListQuery::new())
        .await
        .unwrap();
    assert!(stored.items.is_empty(), "{:?}", stored.items);
    error
}

#[tokio::test]
async fn a_source_that_grows_during_upload_is_refused() {
    let error = upload_while_changing(|path| {
        let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        std::io::Write::write_all(&mut file, &bytes(1 << 20)).unwrap();
    })
    .await;
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    assert!(
        error.to_string().contains("changed while it was uploaded"),
        "{error}"
    );
}

#[tokio::test]
async fn a_source_that_shrinks_during_upload_is_refused() {
    let error = upload_while_changing(|path| {
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        file.set_len(1 << 20).unwrap();
    })
    .await;
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    assert!(
        error.to_string().contains("changed while it was uploaded"),
        "{error}"
    );
}

#[tokio::test]
async fn an_existing_target_is_kept_and_named_by_the_cli() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "data.bin", bytes(10_000));
    let home = temp_dir();
    let existing = write_file(home.path(), "data.bin", b"mine");
    let run = run_as_admin(
        home.path(),
        &em,
        &["resources", "download", &uid, "data.bin"],
    )
    .await;
    assert!(!run.success);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(std::fs::read(&existing).unwrap(), b"mine");
    assert_eq!(data_requests(&em), 0, "refused before fetching");
}

#[tokio::test]
async fn the_tui_without_a_terminal_says_what_to_do() {
    let em = start("2.41").await;
    let home = temp_dir();
    let command = admin_command(home.path(), &em);
    let run = run(command).await;
    assert!(!run.success);
    assert!(run.stderr.contains("needs a terminal"), "{}", run.stderr);
    assert!(
        run.stderr.contains("d2files documents list"),
        "{}",
        run.stderr
    );
    assert!(em.requests().is_empty(), "nothing was sent");
}

/// Starts a CLI download that hangs after 200 kB, then sends `signal` once the part file exists.
async fn interrupt_download(signal: &str) -> (Run, Vec<std::path::PathBuf>, Option<i32>) {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "data.bin", bytes(2_000_000));
    em.faults().stall_after_bytes(200_000, "/data");
    let home = temp_dir();
    let mut command = admin_command(home.path(), &em);
    command
        .args(["resources", "download", &uid])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().expect("d2files starts");
    let dir = home.path().to_path_buf();
    let has_part = move || {
        tree(&dir)
            .iter()
            .any(|p| p.to_string_lossy().ends_with(".part"))
    };
    let signal = signal.to_string();
    let output = tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !has_part() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(has_part(), "the download started");
        let sent = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        child.wait_with_output().expect("d2files ends")
    })
    .await
    .unwrap();
    let left = tree(home.path())
        .into_iter()
        .filter(|p| p.starts_with("data.bin") || p.to_string_lossy().ends_with(".part"))
        .collect();
    let run = Run {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    (run, left, output.status.code())
}

/// A download interrupted by `signal` ends with `code` (128 + the signal), says `said`, and
/// leaves no part file.
async fn assert_interrupted_cleanly(signal: &str, code: i32, said: &str) {
    let (run, left, exit) = interrupt_download(signal).await;
    assert!(!run.success);
    assert_eq!(exit, Some(code), "{}", run.stderr);
    assert!(run.stderr.contains(said), "{}", run.stderr);
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn ctrl_c_during_a_download_removes_the_part_file() {
    assert_interrupted_cleanly("INT", 130, "interrupted by Ctrl-C").await;
}

#[tokio::test]
async fn sigterm_during_a_download_removes_the_part_file() {
    assert_interrupted_cleanly("TERM", 143, "interrupted by SIGTERM").await;
}

#[tokio::test]
async fn a_dropped_ssh_session_during_a_download_removes_the_part_file() {
    assert_interrupted_cleanly("HUP", 129, "interrupted by SIGHUP").await;
}

#[tokio::test]
async fn a_planted_part_symlink_is_neither_written_through_nor_removed() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "data.bin", bytes(50_000));
    let dir = temp_dir();
    let victim = write_file(dir.path(), "victim.txt", b"precious");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(&victim, out.join("data.bin.part")).unwrap();
    let saved = admin(&em)
        .download_file_resource(
            &uid,
            None,
            &DownloadTarget::Directory(out.clone()),
            &transfer(),
        )
        .await
        .unwrap();
    assert_eq!(saved.path, out.join("data.bin"));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(std::fs::read(&saved.path).unwrap(), bytes(50_000));
    assert!(!saved.path.is_symlink());
    // Not this run's part file: another run may own it, so it stays.
    assert!(out.join("data.bin.part").is_symlink());
    assert_eq!(
        tree(&out),
        ["data.bin", "data.bin.part"].map(std::path::PathBuf::from)
    );
}

#[tokio::test]
async fn a_source_changed_after_the_last_byte_names_what_the_server_kept() {
    let em = start("2.41").await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "notes.txt", &bytes(10_000));
    // The server waits before reading: the whole (small) file is sent, then changed.
    em.faults().delay(Duration::from_millis(500));
    let sent = Arc::new(Notify::new());
    let signal = sent.clone();
    let options = transfer().with_progress(move |p| {
        if p.total == Some(p.done) && p.done > 0 {
            signal.notify_one();
        }
    });
    let client = admin(&em);
    let upload_path = path.clone();
    let upload = tokio::spawn(async move {
        client
            .upload_file_resource(&upload_path, &Domain::Document, &options)
            .await
    });
    sent.notified().await;
    std::fs::write(&path, b"rewritten").unwrap();
    let error = upload.await.unwrap().unwrap_err();
    em.faults().delay(Duration::ZERO);
    let text = error.to_string();
    assert!(text.contains("changed while it was uploaded"), "{text}");
    let stored = admin(&em)
        .list_file_resources(&ListQuery::new())
        .await
        .unwrap();
    assert_eq!(stored.items.len(), 1);
    assert!(
        text.contains(&format!("file resource {}", stored.items[0].id)),
        "{text}"
    );
}
