//! `d2files check` (issue 15) over 5,000 file documents on an emulator holding every answer
//! 25 ms, against the same reads done one at a time: one `curl` process reading the same list
//! pages and the same file resources in turn over one connection. The emulator runs in this
//! process so its request log can be read.
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::ensure;
use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_USERNAME, Emulator, EmulatorOptions, SeedDocument, SeedFileResource,
};

use crate::backup::LATENCY_MS;
use crate::process::{Run, measure};

/// The list page size `check` asks for (its documents and file resources lists).
const PAGE_SIZE: usize = 1000;

pub struct CheckBench {
    pub documents: usize,
    pub d2files: Vec<Run>,
    pub one_at_a_time: Vec<Run>,
    /// Requests of one check: list pages, plain file resource reads, the rest.
    pub list_pages: usize,
    pub reads: usize,
    pub other: usize,
}

impl CheckBench {
    pub fn requests_per_document(&self) -> f64 {
        (self.list_pages + self.reads + self.other) as f64 / self.documents as f64
    }
}

pub fn run(
    d2files: &Path,
    curl: &Path,
    work: &Path,
    documents: usize,
    repeats: usize,
) -> anyhow::Result<CheckBench> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let em = runtime.block_on(Emulator::start(EmulatorOptions {
        latency: Duration::from_millis(LATENCY_MS),
        ..EmulatorOptions::default()
    }))?;
    let mut file_resources = Vec::with_capacity(documents);
    {
        let _inside = runtime.enter();
        for i in 0..documents {
            let fr = em.seed_file_resource(SeedFileResource::new(
                &format!("report-{i:05}.pdf"),
                "application/pdf",
                format!("report {i:05}").into_bytes(),
            ))?;
            em.seed_document(SeedDocument::file(&format!("Report {i:05}"), &fr));
            file_resources.push(fr);
        }
    }
    let url = em.base_url();
    let env = [
        ("DHIS2_URL", url.as_str()),
        ("DHIS2_USERNAME", ADMIN_USERNAME),
        ("DHIS2_PASSWORD", ADMIN_PASSWORD),
    ];
    let config = work.join("check-reads.curl");
    std::fs::write(&config, curl_config(&url, &file_resources, documents))?;
    let mut bench = CheckBench {
        documents,
        d2files: Vec::new(),
        one_at_a_time: Vec::new(),
        list_pages: 0,
        reads: 0,
        other: 0,
    };
    for _ in 0..repeats {
        let before = em.requests().len();
        let run = measure(d2files, &["check"], &env, work)?;
        ensure!(
            run.stdout.contains("no problems"),
            "the check found problems: {}",
            run.stdout
        );
        bench.d2files.push(run);
        let asked = em.requests();
        let asked = &asked[before..];
        let is_list =
            |path: &str| path.ends_with("/api/documents") || path.ends_with("/api/fileResources");
        bench.list_pages = asked.iter().filter(|r| is_list(&r.path)).count();
        bench.reads = asked
            .iter()
            .filter(|r| r.path.starts_with("/api/fileResources/"))
            .count();
        bench.other = asked.len() - bench.list_pages - bench.reads;
        let credentials = format!("{ADMIN_USERNAME}:{ADMIN_PASSWORD}");
        let config_text = config.to_string_lossy().into_owned();
        bench.one_at_a_time.push(measure(
            curl,
            &["-sS", "--fail", "-u", &credentials, "-K", &config_text],
            &[],
            work,
        )?);
    }
    runtime.block_on(em.shutdown());
    Ok(bench)
}

/// A curl config reading the lists' pages and each file resource, into /dev/null.
fn curl_config(url: &str, file_resources: &[String], documents: usize) -> String {
    let base = url.trim_end_matches('/');
    let pages = documents.div_ceil(PAGE_SIZE);
    let mut config = String::new();
    for page in 1..=pages {
        for list in ["documents", "fileResources"] {
            let _ = writeln!(
                config,
                "url = \"{base}/api/{list}?page={page}&pageSize={PAGE_SIZE}\"\noutput = \"/dev/null\""
            );
        }
    }
    for fr in file_resources {
        let _ = writeln!(
            config,
            "url = \"{base}/api/fileResources/{fr}\"\noutput = \"/dev/null\""
        );
    }
    config
}
