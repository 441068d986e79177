//! Bulk download of many small documents (issue 13): `d2files documents download UID… DIR`
//! against a sequential `curl` loop over the same uids, on an emulator holding every answer
//! some milliseconds (`demo-server --latency-ms`), as a distant server does.
use std::path::{Path, PathBuf};

use anyhow::{Context, ensure};
use d2files::api::{Auth, Client, TransferOptions};
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::process::{Run, measure};
use crate::server::{PASSWORD, Server, USERNAME};

/// The small file each document holds.
const FILE_BYTES: usize = 4096;

/// One latency's runs.
pub struct BatchCase {
    pub latency_ms: u32,
    pub files: usize,
    pub d2files: Vec<Run>,
    pub curl_loop: Vec<Run>,
}

/// d2files' peak RSS downloading few and many documents, to see it stay flat.
pub struct BatchMemory {
    pub few: usize,
    pub few_rss: Vec<Run>,
    pub many: usize,
    pub many_rss: Vec<Run>,
}

/// Uploads `count` small distinct files as documents (8 at a time) and returns their uids.
fn seed(server: &Server, count: usize, work: &Path) -> anyhow::Result<Vec<String>> {
    let sources = work.join("batch-sources");
    std::fs::create_dir_all(&sources)?;
    let paths: Vec<PathBuf> = (0..count)
        .map(|i| {
            let path = sources.join(format!("report-{i:04}.txt"));
            let line = format!("report {i:04}\n");
            let body: String = line.repeat(FILE_BYTES / line.len() + 1);
            std::fs::write(&path, &body.as_bytes()[..FILE_BYTES]).map(|()| path)
        })
        .collect::<Result<_, _>>()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let uids = runtime.block_on(async {
        let client = Client::new(&server.url, Auth::basic(USERNAME, PASSWORD))?;
        stream::iter(paths.iter())
            .map(|path| {
                let client = client.clone();
                async move {
                    let options = TransferOptions::default();
                    client
                        .upload_document(path, None, &options)
                        .await
                        .map(|uploaded| uploaded.document.id)
                }
            })
            .buffered(8)
            .try_collect::<Vec<String>>()
            .await
            .context("seeding the batch documents")
    })?;
    std::fs::remove_dir_all(&sources)?;
    Ok(uids)
}

/// An empty directory for one run's files.
pub fn fresh(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    Ok(())
}

fn count_files(dir: &Path) -> anyhow::Result<usize> {
    Ok(std::fs::read_dir(dir)?.count())
}

/// `d2files documents download UID… DIR`, the default concurrency, checked.
fn d2files_run(
    d2files: &Path,
    server: &Server,
    uids: &[String],
    work: &Path,
) -> anyhow::Result<Run> {
    let into = work.join("batch-d2files");
    fresh(&into)?;
    let mut args = vec!["documents", "download"];
    args.extend(uids.iter().map(String::as_str));
    let dir = into.to_string_lossy().into_owned();
    args.push(&dir);
    let env = [
        ("DHIS2_URL", server.url.as_str()),
        ("DHIS2_USERNAME", USERNAME),
        ("DHIS2_PASSWORD", PASSWORD),
    ];
    let run = measure(d2files, &args, &env, work)?;
    let saved = count_files(&into)?;
    ensure!(
        saved == uids.len(),
        "d2files saved {saved} of {} files",
        uids.len()
    );
    Ok(run)
}

/// A shell loop running one `curl` after another over the documents' `/data` at `url`, into
/// the empty directory `into`; checks every file came.
pub fn curl_loop(
    curl: &Path,
    url: &str,
    uids: &[String],
    into: &Path,
    work: &Path,
) -> anyhow::Result<Run> {
    fresh(into)?;
    let script = format!(
        "for uid in {}; do \"$CURL\" -sS --fail -u \"$CREDENTIALS\" -o \"$INTO/$uid\" \
         \"$SERVER/api/documents/$uid/data\" || exit 1; done",
        uids.join(" ")
    );
    let credentials = format!("{USERNAME}:{PASSWORD}");
    let into_text = into.to_string_lossy().into_owned();
    let curl_text = curl.to_string_lossy().into_owned();
    let env = [
        ("CURL", curl_text.as_str()),
        ("CREDENTIALS", credentials.as_str()),
        ("INTO", into_text.as_str()),
        ("SERVER", url.trim_end_matches('/')),
    ];
    let run = measure(Path::new("/bin/sh"), &["-c", &script], &env, work)?;
    let saved = count_files(into)?;
    ensure!(
        saved == uids.len(),
        "the curl loop saved {saved} of {} files",
        uids.len()
    );
    Ok(run)
}

/// Both tools over `files` documents on an emulator holding each answer `latency_ms`, in
/// alternating order, after one untimed warm-up each.
pub fn run(
    d2files: &Path,
    curl: &Path,
    work: &Path,
    files: usize,
    latency_ms: u32,
    repeats: usize,
) -> anyhow::Result<(BatchCase, Vec<String>, Server)> {
    let latency = latency_ms.to_string();
    let server = Server::start(
        d2files,
        &work.join(format!("server-batch-{latency_ms}")),
        &["--latency-ms", &latency],
    )?;
    let uids = seed(&server, files, work)?;
    d2files_run(d2files, &server, &uids, work)?;
    curl_loop(curl, &server.url, &uids, &work.join("batch-curl"), work)?;
    let mut case = BatchCase {
        latency_ms,
        files,
        d2files: Vec::new(),
        curl_loop: Vec::new(),
    };
    for i in 0..repeats {
        if i % 2 == 0 {
            case.d2files
                .push(d2files_run(d2files, &server, &uids, work)?);
            case.curl_loop.push(curl_loop(
                curl,
                &server.url,
                &uids,
                &work.join("batch-curl"),
                work,
            )?);
        } else {
            case.curl_loop.push(curl_loop(
                curl,
                &server.url,
                &uids,
                &work.join("batch-curl"),
                work,
            )?);
            case.d2files
                .push(d2files_run(d2files, &server, &uids, work)?);
        }
    }
    Ok((case, uids, server))
}

/// d2files' peak RSS over the first `few` and all of `uids`, on `server`.
pub fn memory(
    d2files: &Path,
    server: &Server,
    uids: &[String],
    few: usize,
    repeats: usize,
    work: &Path,
) -> anyhow::Result<BatchMemory> {
    let few = few.min(uids.len());
    let mut memory = BatchMemory {
        few,
        few_rss: Vec::new(),
        many: uids.len(),
        many_rss: Vec::new(),
    };
    for _ in 0..repeats {
        memory
            .few_rss
            .push(d2files_run(d2files, server, &uids[..few], work)?);
        memory
            .many_rss
            .push(d2files_run(d2files, server, uids, work)?);
    }
    Ok(memory)
}
