//! `d2files backup DIR` (issue 14) against a sequential `curl` loop over the same documents, on
//! an emulator holding every answer 25 ms; then the same backup again with nothing changed,
//! counting its requests. The emulator runs in this process so its request log can be read;
//! each client is a process of its own.
use std::path::Path;
use std::time::Duration;

use anyhow::ensure;
use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_USERNAME, Emulator, EmulatorOptions, SeedDocument, SeedFileResource,
};

use crate::batch::{curl_loop, fresh};
use crate::process::{Run, measure};

/// How long the emulator holds each answer: a server a continent away.
pub const LATENCY_MS: u64 = 25;

pub struct BackupBench {
    pub small: usize,
    pub small_bytes: usize,
    pub large: usize,
    pub large_bytes: usize,
    pub d2files: Vec<Run>,
    pub curl_loop: Vec<Run>,
    /// The run again with nothing changed.
    pub unchanged: Vec<Run>,
    /// Requests of one unchanged run: document list pages, and the rest (connecting).
    pub unchanged_pages: usize,
    pub unchanged_other: usize,
}

/// Seeds `small` documents of `small_bytes` and `large` of `large_bytes`; their uids.
fn seed(
    em: &Emulator,
    counts: (usize, usize),
    sizes: (usize, usize),
) -> anyhow::Result<Vec<String>> {
    let mut uids = Vec::new();
    for (count, size, kind) in [(counts.0, sizes.0, "note"), (counts.1, sizes.1, "scan")] {
        for i in 0..count {
            let mut bytes = format!("{kind} {i:05}\n").into_bytes();
            bytes.resize(size, b'.');
            let fr = em.seed_file_resource(SeedFileResource::new(
                &format!("{kind}-{i:05}.pdf"),
                "application/pdf",
                bytes,
            ))?;
            uids.push(em.seed_document(SeedDocument::file(&format!("{kind} {i:05}"), &fr)));
        }
    }
    Ok(uids)
}

fn env(url: &str) -> [(&'static str, String); 3] {
    [
        ("DHIS2_URL", url.to_string()),
        ("DHIS2_USERNAME", ADMIN_USERNAME.to_string()),
        ("DHIS2_PASSWORD", ADMIN_PASSWORD.to_string()),
    ]
}

pub fn run(
    d2files: &Path,
    curl: &Path,
    work: &Path,
    counts: (usize, usize),
    sizes: (usize, usize),
    repeats: usize,
) -> anyhow::Result<BackupBench> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let em = runtime.block_on(Emulator::start(EmulatorOptions {
        latency: Duration::from_millis(LATENCY_MS),
        max_upload_size: None,
        ..EmulatorOptions::default()
    }))?;
    let uids = {
        let _inside = runtime.enter();
        seed(&em, counts, sizes)?
    };
    let url = em.base_url();
    let env = env(&url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let into = work.join("backup-d2files");
    let curl_into = work.join("backup-curl");
    let backup = |dir: &Path| -> anyhow::Result<Run> {
        let dir_text = dir.to_string_lossy().into_owned();
        measure(d2files, &["backup", &dir_text], &env, work)
    };
    let mut bench = BackupBench {
        small: counts.0,
        small_bytes: sizes.0,
        large: counts.1,
        large_bytes: sizes.1,
        d2files: Vec::new(),
        curl_loop: Vec::new(),
        unchanged: Vec::new(),
        unchanged_pages: 0,
        unchanged_other: 0,
    };
    for _ in 0..repeats {
        fresh(&into)?;
        bench.d2files.push(backup(&into)?);
        let saved = std::fs::read_dir(into.join("files"))?.count();
        ensure!(
            saved == uids.len(),
            "the backup saved {saved} of {} files",
            uids.len()
        );
        bench
            .curl_loop
            .push(curl_loop(curl, &url, &uids, &curl_into, work)?);
        let before = em.requests().len();
        bench.unchanged.push(backup(&into)?);
        let asked = em.requests();
        let asked = &asked[before..];
        bench.unchanged_pages = asked
            .iter()
            .filter(|r| r.method == "GET" && r.path.ends_with("/api/documents"))
            .count();
        bench.unchanged_other = asked.len() - bench.unchanged_pages;
    }
    runtime.block_on(em.shutdown());
    Ok(bench)
}

impl BackupBench {
    pub fn documents(&self) -> usize {
        self.small + self.large
    }

    /// "1000 documents of 4096 B and 5 of 50 MiB".
    pub fn describe(&self) -> String {
        format!(
            "{} documents of {} B and {} of {} MiB",
            self.small,
            self.small_bytes,
            self.large,
            self.large_bytes >> 20
        )
    }
}
