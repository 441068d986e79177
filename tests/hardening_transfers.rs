//! The transfer core against servers that lie, cut short or race: concurrent runs into one
//! directory, downloads whose sizes or types are wrong, bodies that never end or trickle,
//! uploads whose bytes never arrived.
mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::hostile::{self, Conn, Request};
use common::*;
use d2files::api::{
    Auth, Client, ClientOptions, DocumentDownload, DownloadTarget, Error, MinProgress,
    TransferOptions, Verification,
};
use d2files::emulator::{FaultRule, SeedDocument};

const FR: &str = "TacExtJuMmW";

fn part_files(dir: &Path) -> Vec<std::path::PathBuf> {
    tree(dir)
        .into_iter()
        .filter(|path| path.to_string_lossy().ends_with(".part"))
        .collect()
}

fn client_of(server: &hostile::Hostile) -> Client {
    Client::with_options(
        &server.base_url(),
        Auth::basic("admin", "district"),
        ClientOptions {
            retries: 0,
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

fn unchecked() -> TransferOptions {
    TransferOptions {
        skip_md5_check: true,
        ..transfer()
    }
}

/// Twenty runs downloading the same file into one directory at once, paced so they overlap.
async fn race(overwrite: bool) -> (tempfile::TempDir, Vec<Result<(), Error>>, Vec<u8>) {
    let em = start_with("2.41", |options| options.link_rate = Some(20_000_000)).await;
    let contents = bytes(1_000_000);
    let uid = seed_blob(&em, "data.bin", contents.clone());
    let dir = temp_dir();
    let client = admin(&em);
    let runs = (0..20).map(|_| {
        let client = client.clone();
        let uid = uid.clone();
        let target = DownloadTarget::Directory(dir.path().to_path_buf());
        let options = TransferOptions {
            overwrite,
            ..transfer()
        };
        tokio::spawn(async move {
            let saved = client
                .download_file_resource(&uid, None, &target, &options)
                .await?;
            assert_eq!(saved.verification, Verification::Matched);
            Ok(())
        })
    });
    let mut results = Vec::new();
    for run in runs.collect::<Vec<_>>() {
        results.push(run.await.unwrap());
    }
    (dir, results, contents)
}

#[tokio::test]
async fn concurrent_forced_downloads_into_one_directory_each_own_their_part_file() {
    let (dir, results, contents) = race(true).await;
    for result in &results {
        assert!(result.is_ok(), "{result:?}");
    }
    assert_eq!(
        std::fs::read(dir.path().join("data.bin")).unwrap(),
        contents
    );
    assert!(part_files(dir.path()).is_empty(), "{:?}", tree(dir.path()));
}

#[tokio::test]
async fn concurrent_downloads_without_force_save_one_file_and_refuse_the_rest() {
    let (dir, results, contents) = race(false).await;
    let saved = results.iter().filter(|result| result.is_ok()).count();
    assert_eq!(saved, 1, "{results:?}");
    for result in results.iter().filter(|result| result.is_err()) {
        assert!(matches!(result, Err(Error::TargetExists(_))), "{result:?}");
    }
    assert_eq!(
        std::fs::read(dir.path().join("data.bin")).unwrap(),
        contents
    );
    assert_eq!(tree(dir.path()), [std::path::PathBuf::from("data.bin")]);
}

#[tokio::test]
async fn parallel_cli_runs_with_force_all_verify_the_file_they_wrote() {
    let em = start_with("2.41", |options| options.link_rate = Some(20_000_000)).await;
    let contents = bytes(1_000_000);
    let uid = seed_blob(&em, "data.bin", contents.clone());
    let home = temp_dir();
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let mut command = admin_command(home.path(), &em);
            command.args(["resources", "download", &uid, ".", "--force"]);
            tokio::spawn(run(command))
        })
        .collect();
    for handle in runs {
        let run = handle.await.unwrap();
        assert!(run.success, "{}", run.stderr);
        assert!(
            run.stdout.contains("verified against the server's MD5"),
            "{}",
            run.stdout
        );
    }
    assert_eq!(
        std::fs::read(home.path().join("data.bin")).unwrap(),
        contents
    );
    assert!(
        part_files(home.path()).is_empty(),
        "{:?}",
        tree(home.path())
    );
}

#[tokio::test]
async fn another_runs_part_file_is_left_alone() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "data.bin", bytes(50_000));
    let dir = temp_dir();
    let theirs = write_file(dir.path(), "data.bin.part", b"another run's bytes");
    admin(&em)
        .download_file_resource(
            &uid,
            None,
            &DownloadTarget::Directory(dir.path().to_path_buf()),
            &transfer(),
        )
        .await
        .unwrap();
    assert_eq!(std::fs::read(&theirs).unwrap(), b"another run's bytes");
    assert_eq!(
        std::fs::read(dir.path().join("data.bin")).unwrap(),
        bytes(50_000)
    );
}

/// A server whose file resource says 1000 bytes and whose `/data` answer is `serve_data`.
async fn serving<F, Fut>(serve_data: F) -> hostile::Hostile
where
    F: Fn(Conn) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let serve_data = Arc::new(serve_data);
    hostile::serve(move |request: Request, mut conn: Conn| {
        let serve_data = serve_data.clone();
        async move {
            if request.path().ends_with("/data") {
                serve_data(conn).await;
            } else {
                let md5 = md5_hex(&bytes(1000));
                let resource = hostile::file_resource_json(FR, "data.bin", 1000, Some(&md5));
                conn.json(200, &resource).await;
            }
        }
    })
    .await
}

/// Downloads from `server` into a fresh directory; the error and what the directory holds.
async fn download_from(
    server: &hostile::Hostile,
    options: &TransferOptions,
) -> (Error, Vec<std::path::PathBuf>) {
    let dir = temp_dir();
    let error = client_of(server)
        .download_file_resource(
            FR,
            None,
            &DownloadTarget::Directory(dir.path().to_path_buf()),
            options,
        )
        .await
        .expect_err("the download is refused");
    (error, tree(dir.path()))
}

#[tokio::test]
async fn unchecked_downloads_still_refuse_bodies_shorter_than_the_stored_file() {
    let honest_short = serving(|mut conn| async move {
        conn.respond(200, "application/octet-stream", &bytes(1000)[..600])
            .await;
    })
    .await;
    let (error, left) = download_from(&honest_short, &unchecked()).await;
    assert!(error.to_string().contains("announced 600 bytes"), "{error}");
    assert!(left.is_empty(), "{left:?}");

    let empty = serving(|mut conn| async move {
        conn.respond(200, "application/octet-stream", b"").await;
    })
    .await;
    let (error, left) = download_from(&empty, &unchecked()).await;
    assert!(error.to_string().contains("stored file is lost"), "{error}");
    assert!(left.is_empty(), "{left:?}");

    let chunked_short = serving(|mut conn| async move {
        let _ = conn.head(200, &[("Transfer-Encoding", "chunked")]).await;
        let _ = conn.chunk(&bytes(1000)[..600]).await;
        let _ = conn.chunk(b"").await;
    })
    .await;
    let (error, left) = download_from(&chunked_short, &unchecked()).await;
    assert!(
        error
            .to_string()
            .contains("sent only 600 of the 1000 bytes"),
        "{error}"
    );
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_login_page_in_place_of_the_file_is_refused_with_its_reason() {
    let server = serving(|mut conn| async move {
        conn.respond(
            200,
            "text/html;charset=UTF-8",
            b"<html><title>Sign in</title></html>",
        )
        .await;
    })
    .await;
    refused_checked_or_not(&server, "HTML page").await;
}

/// Downloads from `server` with and without the MD5 check: both refused as not the file, in
/// `words`, with nothing left behind.
async fn refused_checked_or_not(server: &hostile::Hostile, words: &str) {
    for options in [transfer(), unchecked()] {
        let (error, left) = download_from(server, &options).await;
        assert!(matches!(error, Error::WrongBody(_)), "{error:?}");
        assert!(error.to_string().contains(words), "{error}");
        assert!(left.is_empty(), "{left:?}");
    }
}

#[tokio::test]
async fn an_unrequested_compressed_body_is_named_as_such() {
    let server = serving(|mut conn| async move {
        let _ = conn
            .head(
                200,
                &[
                    ("Content-Type", "application/octet-stream"),
                    ("Content-Encoding", "gzip"),
                    ("Content-Length", "40"),
                ],
            )
            .await;
        let _ = conn.write(&[0x1f; 40]).await;
    })
    .await;
    refused_checked_or_not(&server, "the server compressed file resource").await;
}

#[tokio::test]
async fn a_body_that_keeps_coming_stops_at_the_stored_length() {
    let server = serving(|mut conn| async move {
        let _ = conn.head(200, &[("Transfer-Encoding", "chunked")]).await;
        // Without a stop, 64 MiB for a 1000-byte file; the client hangs up long before.
        for _ in 0..1024 {
            if conn.chunk(&[b'x'; 64 * 1024]).await.is_err() {
                return;
            }
        }
    })
    .await;
    let (error, left) = download_from(&server, &unchecked()).await;
    assert!(
        error.to_string().contains("more than the 1000 bytes"),
        "{error}"
    );
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_trickling_body_counts_as_stalled_and_leaves_nothing() {
    let server = serving(|mut conn| async move {
        let _ = conn
            .head(
                200,
                &[
                    ("Content-Type", "application/octet-stream"),
                    ("Content-Length", "1000"),
                ],
            )
            .await;
        conn.trickle(&bytes(1000), Duration::from_millis(20)).await;
    })
    .await;
    let options = TransferOptions {
        min_progress: MinProgress {
            bytes: 100,
            window: Duration::from_millis(300),
        },
        ..transfer()
    };
    let (error, left) = download_from(&server, &options).await;
    assert!(matches!(error, Error::Network(_)), "{error:?}");
    assert!(error.to_string().contains("download stalled"), "{error}");
    assert!(error.to_string().contains("of 1000 bytes"), "{error}");
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_failed_metadata_read_fails_the_download_instead_of_skipping_the_check() {
    let em = start("2.41").await;
    let fr = seed_blob(&em, "report.pdf", bytes(10_000));
    let document = em.seed_document(SeedDocument::file("Report", &fr));
    em.faults().fail_next(
        FaultRule::new(500)
            .method("GET")
            .path(&format!("/fileResources/{fr}")),
    );
    let dir = temp_dir();
    let error = admin(&em)
        .download_document(
            &document,
            &DownloadTarget::Directory(dir.path().to_path_buf()),
            &transfer(),
        )
        .await
        .expect_err("no unverified download");
    let text = error.to_string();
    assert!(
        text.contains(&format!("could not read its file resource {fr}")),
        "{text}"
    );
    assert_eq!(error.status(), Some(500));
    assert!(tree(dir.path()).is_empty());
    // With the metadata back, the same download is verified.
    let saved = admin(&em)
        .download_document(
            &document,
            &DownloadTarget::Directory(dir.path().to_path_buf()),
            &transfer(),
        )
        .await
        .unwrap();
    let DocumentDownload::Saved(saved) = saved else {
        panic!("a file document")
    };
    assert_eq!(saved.verification, Verification::Matched);
}

#[tokio::test]
async fn force_never_replaces_a_device_or_a_pipe() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "data.bin", bytes(1000));
    let dir = temp_dir();
    let fifo = dir.path().join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for target in [fifo.clone(), "/dev/null".into()] {
        let error = admin(&em)
            .download_file_resource(
                &uid,
                None,
                &DownloadTarget::File(target.clone()),
                &TransferOptions {
                    overwrite: true,
                    ..transfer()
                },
            )
            .await
            .expect_err("refused");
        assert!(error.to_string().contains("not a regular file"), "{error}");
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[tokio::test]
async fn force_through_a_symlink_replaces_the_file_it_points_at() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "data.bin", bytes(1000));
    let dir = temp_dir();
    let real = write_file(dir.path(), "real.bin", b"old");
    let link = dir.path().join("link.bin");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    admin(&em)
        .download_file_resource(
            &uid,
            None,
            &DownloadTarget::File(link.clone()),
            &TransferOptions {
                overwrite: true,
                ..transfer()
            },
        )
        .await
        .unwrap();
    assert!(link.is_symlink(), "the link stays a link");
    assert_eq!(std::fs::read(&real).unwrap(), bytes(1000));
    assert!(part_files(dir.path()).is_empty());
}

/// A server that takes uploads through `on_upload` and answers file resource reads with
/// `on_read`; document creation is counted by the caller through `seen`.
async fn upload_server<U, UF, R, RF>(on_upload: U, on_read: R) -> hostile::Hostile
where
    U: Fn(Request, Conn) -> UF + Send + Sync + 'static,
    UF: std::future::Future<Output = ()> + Send + 'static,
    R: Fn(Conn) -> RF + Send + Sync + 'static,
    RF: std::future::Future<Output = ()> + Send + 'static,
{
    let on_upload = Arc::new(on_upload);
    let on_read = Arc::new(on_read);
    hostile::serve(move |request: Request, mut conn: Conn| {
        let on_upload = on_upload.clone();
        let on_read = on_read.clone();
        async move {
            match (request.method.as_str(), request.path()) {
                ("POST", "/api/fileResources") => on_upload(request, conn).await,
                ("GET", path) if path.starts_with("/api/fileResources/") => on_read(conn).await,
                _ => {
                    conn.json(500, &serde_json::json!({"message": "unexpected"}))
                        .await
                }
            }
        }
    })
    .await
}

/// Reads the whole upload, then accepts it as a file resource of `length` bytes.
async fn accept_after_reading(request: Request, mut conn: Conn, length: u64) {
    conn.read_body(&request).await;
    conn.json(202, &accepted(length)).await
}

/// Answers a status read: the file resource, STORED with `length` bytes.
async fn stored_as(mut conn: Conn, length: u64) {
    conn.json(
        200,
        &hostile::file_resource_json(FR, "notes.txt", length, None),
    )
    .await
}

/// DHIS2's 202 answer to an upload, with the file resource as the server describes it.
fn accepted(length: u64) -> serde_json::Value {
    let mut resource = hostile::file_resource_json(FR, "notes.txt", length, None);
    resource["storageStatus"] = "PENDING".into();
    serde_json::json!({
        "httpStatus": "Accepted", "httpStatusCode": 202, "status": "OK",
        "response": {"responseType": "FileResource", "fileResource": resource}
    })
}

#[tokio::test]
async fn an_answer_before_the_body_was_read_is_no_upload() {
    let server = upload_server(
        // Answers at once, then holds the connection without reading the body.
        |_, mut conn| async move {
            conn.json(202, &accepted(0)).await;
            tokio::time::sleep(Duration::from_secs(10)).await;
        },
        |conn| stored_as(conn, 0),
    )
    .await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "notes.txt", &bytes(4_000_000));
    for options in [transfer(), unchecked()] {
        let error = client_of(&server)
            .upload_document(&path, None, &options)
            .await
            .expect_err("nothing arrived");
        assert!(matches!(error, Error::UploadIncomplete { .. }), "{error:?}");
        let text = error.to_string();
        assert!(
            text.contains(FR) && text.contains("linked to nothing"),
            "{text}"
        );
        assert_eq!(error.unlinked_file_resource(), None, "no link hint");
    }
    assert_eq!(server.count("POST", "/api/documents"), 0);
}

#[tokio::test]
async fn a_server_that_kept_fewer_bytes_fails_the_upload_in_the_cli_too() {
    let server = upload_server(
        |request, conn| accept_after_reading(request, conn, 5),
        |conn| stored_as(conn, 5),
    )
    .await;
    let home = temp_dir();
    write_file(home.path(), "notes.txt", &bytes(1000));
    for flags in [&[][..], &["--no-verify"][..]] {
        let mut command = admin_command_at(home.path(), &server.base_url());
        command
            .args(["documents", "upload", "notes.txt"])
            .args(flags);
        let run = run(command).await;
        assert!(!run.success, "{}", run.stdout);
        assert!(
            run.stderr
                .contains("the server stored only 5 of the 1000 bytes"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(FR), "{}", run.stderr);
        assert!(!run.stderr.contains("hint:"), "{}", run.stderr);
    }
    assert_eq!(server.count("POST", "/api/documents"), 0);
}

#[tokio::test]
async fn a_server_that_stops_reading_an_upload_counts_as_stalled() {
    let server = upload_server(
        // Reads nothing and holds the connection; the client gives up first.
        |_, conn| async move {
            tokio::time::sleep(Duration::from_secs(20)).await;
            drop(conn);
        },
        |mut conn| async move { conn.json(404, &serde_json::json!({})).await },
    )
    .await;
    let dir = temp_dir();
    // Far more than loopback socket buffers hold, so the writes block.
    let path = write_file(dir.path(), "big.dat", &bytes(32 << 20));
    let options = TransferOptions {
        min_progress: MinProgress {
            bytes: 1000,
            window: Duration::from_millis(300),
        },
        ..unchecked()
    };
    let error = tokio::time::timeout(
        Duration::from_secs(15),
        client_of(&server).upload_file_resource(&path, &d2files::api::Domain::Document, &options),
    )
    .await
    .expect("bounded")
    .expect_err("stalled");
    assert!(error.to_string().contains("upload stalled"), "{error}");
}

#[tokio::test]
async fn the_storage_wait_keeps_its_limit_while_a_poll_hangs() {
    let server = upload_server(
        |request, conn| accept_after_reading(request, conn, 1000),
        // The status read trickles its answer, a byte every 100 ms.
        |mut conn| async move {
            let _ = conn
                .head(
                    200,
                    &[
                        ("Content-Type", "application/json"),
                        ("Content-Length", "500"),
                    ],
                )
                .await;
            conn.trickle(&[b' '; 500], Duration::from_millis(100)).await;
        },
    )
    .await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "notes.txt", &bytes(1000));
    let mut options = unchecked();
    options.wait.limit = Duration::from_millis(500);
    let error = tokio::time::timeout(
        Duration::from_secs(15),
        client_of(&server).upload_document(&path, None, &options),
    )
    .await
    .expect("bounded by the wait limit")
    .expect_err("never stored");
    let text = error.to_string();
    assert!(text.contains("unconfirmed"), "{text}");
    // The file resource exists: linking it later is the way on.
    assert_eq!(error.unlinked_file_resource(), Some(FR));
}

#[tokio::test]
async fn failed_storage_is_final_and_gets_no_link_hint() {
    let server = upload_server(
        |request, conn| accept_after_reading(request, conn, 1000),
        |mut conn| async move {
            let mut resource = hostile::file_resource_json(FR, "notes.txt", 1000, None);
            resource["storageStatus"] = "FAILED".into();
            conn.json(200, &resource).await
        },
    )
    .await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "notes.txt", &bytes(1000));
    let error = client_of(&server)
        .upload_document(&path, None, &unchecked())
        .await
        .expect_err("failed");
    assert!(matches!(error, Error::StorageFailed { .. }), "{error:?}");
    assert!(error.to_string().contains("will not try again"), "{error}");
    assert_eq!(error.unlinked_file_resource(), None);
    // Final: one look was enough.
    assert_eq!(server.count("GET", &format!("/api/fileResources/{FR}")), 1);
}

#[tokio::test]
async fn a_file_resource_that_vanishes_gets_no_link_hint() {
    let em = start("2.41").await;
    em.faults().fail_next(
        FaultRule::new(404)
            .method("GET")
            .path("/api/fileResources/"),
    );
    let home = temp_dir();
    write_file(home.path(), "notes.txt", &bytes(1000));
    let run = run_as_admin(home.path(), &em, &["documents", "upload", "notes.txt"]).await;
    assert!(!run.success, "{}", run.stdout);
    assert!(
        run.stderr.contains("is gone, so there is nothing to link"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hint:"), "{}", run.stderr);
}

#[tokio::test]
async fn a_document_created_but_unreadable_is_not_called_a_failed_link() {
    let em = start("2.41").await;
    em.faults()
        .fail_next(FaultRule::new(404).method("GET").path("/api/documents/"));
    let home = temp_dir();
    write_file(home.path(), "notes.txt", &bytes(1000));
    let run = run_as_admin(home.path(), &em, &["documents", "upload", "notes.txt"]).await;
    assert!(!run.success, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("was created, but reading it back failed"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hint:"), "{}", run.stderr);
    assert_eq!(
        em.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/api/documents")
            .count(),
        1
    );
}

#[tokio::test]
async fn ctrl_c_while_waiting_for_storage_names_the_file_resource_kept() {
    let em = start("2.41").await;
    em.faults().stall_storage(true);
    let home = temp_dir();
    write_file(home.path(), "notes.txt", &bytes(1000));
    let mut command = admin_command(home.path(), &em);
    command
        .args(["documents", "upload", "notes.txt"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().expect("d2files starts");
    // Waiting for storage: the first status poll has reached the server.
    let polled = || {
        em.requests()
            .iter()
            .any(|r| r.method == "GET" && r.path.starts_with("/api/fileResources/"))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !polled() {
        assert!(
            std::time::Instant::now() < deadline,
            "the upload never waited"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let fr = em
        .requests()
        .iter()
        .find(|r| r.method == "GET" && r.path.starts_with("/api/fileResources/"))
        .map(|r| r.path.trim_start_matches("/api/fileResources/").to_string())
        .unwrap();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains(&format!("file resource {fr}, linked to nothing")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("d2files documents link {fr}")),
        "{stderr}"
    );
    assert!(!stderr.contains("partial download"), "{stderr}");
}

#[tokio::test]
async fn a_stored_file_resource_that_differs_from_its_acknowledgement_is_refused() {
    let server = upload_server(
        |request, conn| accept_after_reading(request, conn, 1000),
        // Once STORED, the server says it holds five bytes.
        |conn| stored_as(conn, 5),
    )
    .await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "notes.txt", &bytes(1000));
    let client = client_of(&server);
    let error = client
        .upload_document(&path, None, &transfer())
        .await
        .expect_err("not the file sent");
    assert!(matches!(error, Error::UploadIncomplete { .. }), "{error:?}");
    let error = client
        .upload_stored_file_resource(&path, &d2files::api::Domain::Document, &transfer())
        .await
        .expect_err("not the file sent");
    assert!(
        error
            .to_string()
            .contains("stored only 5 of the 1000 bytes"),
        "{error}"
    );
    assert_eq!(server.count("POST", "/api/documents"), 0);
}

#[tokio::test]
async fn a_dimension_on_a_file_kept_in_one_size_is_still_checked() {
    let em = start("2.41").await;
    let uid = seed_blob(&em, "sop.docx", bytes(5_000));
    let dir = temp_dir();
    let saved = admin(&em)
        .download_file_resource(
            &uid,
            Some(d2files::api::Dimension::Small),
            &DownloadTarget::Directory(dir.path().to_path_buf()),
            &transfer(),
        )
        .await
        .unwrap();
    assert_eq!(
        saved.verification,
        Verification::Matched,
        "the original was served"
    );
}

#[tokio::test]
async fn an_upload_answer_trickled_after_the_body_ends_at_the_deadline() {
    let server = upload_server(
        |request, mut conn| async move {
            conn.read_body(&request).await;
            conn.trickle(
                b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n",
                Duration::from_millis(50),
            )
            .await;
        },
        |mut conn| async move { conn.json(404, &serde_json::json!({})).await },
    )
    .await;
    let client = Client::with_options(
        &server.base_url(),
        Auth::basic("admin", "district"),
        ClientOptions {
            retries: 0,
            json_deadline: Duration::from_millis(400),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let dir = temp_dir();
    let path = write_file(dir.path(), "notes.txt", &bytes(1000));
    let error = tokio::time::timeout(
        Duration::from_secs(15),
        client.upload_file_resource(&path, &d2files::api::Domain::Document, &transfer()),
    )
    .await
    .expect("bounded")
    .expect_err("no answer in time");
    assert!(matches!(error, Error::Deadline { .. }), "{error:?}");
    assert!(
        error.to_string().contains("once the file was sent"),
        "{error}"
    );
}

#[tokio::test]
async fn names_beyond_latin_1_come_from_the_metadata_not_the_header() {
    let em = start("2.41").await;
    let names = [
        "健康报告.pdf",
        "Immunization SOP – Ghana.docx",
        "résumé.txt",
    ];
    let home = temp_dir();
    for name in names {
        let fr = seed_blob(&em, name, bytes(100));
        let document = em.seed_document(SeedDocument::file(name, &fr));
        let run = run_as_admin(home.path(), &em, &["documents", "download", &document, "."]).await;
        assert!(run.success, "{name}: {}", run.stderr);
        assert!(
            home.path().join(name).is_file(),
            "{name}: {:?}",
            tree(home.path())
        );
    }
    // The file resource download takes the same name.
    let fr = seed_blob(&em, "报告.csv", bytes(10));
    let dir = temp_dir();
    let saved = admin(&em)
        .download_file_resource(
            &fr,
            None,
            &DownloadTarget::Directory(dir.path().to_path_buf()),
            &transfer(),
        )
        .await
        .unwrap();
    assert_eq!(saved.path, dir.path().join("报告.csv"));
}

#[tokio::test]
async fn an_upload_answered_stored_is_not_polled() {
    let length = 4_000;
    let server = upload_server(
        move |request, mut conn| async move {
            conn.read_body(&request).await;
            let mut answer = accepted(length);
            answer["response"]["fileResource"]["storageStatus"] = "STORED".into();
            conn.json(202, &answer).await
        },
        move |conn| stored_as(conn, length),
    )
    .await;
    let dir = temp_dir();
    let path = write_file(dir.path(), "notes.txt", &bytes(length as usize));
    let stored = client_of(&server)
        .upload_stored_file_resource(&path, &d2files::api::Domain::Document, &transfer())
        .await
        .expect("stored");
    assert_eq!(stored.id, FR);
    assert_eq!(server.count("GET", &format!("/api/fileResources/{FR}")), 0);
}
