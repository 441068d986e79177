//! `d2files documents list --json`, cold (a new process each time), on a server holding
//! thousands of documents created through the HTTP API.
use std::path::Path;

use anyhow::{Context, ensure};
use d2files::api::{Auth, Client, DOCUMENT_FIELDS};
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::process::{Run, measure};
use crate::server::{PASSWORD, Server, USERNAME};

pub struct Listing {
    pub documents: usize,
    pub d2files: Vec<Run>,
    /// The same request (page 1, 50 items, the same fields) by curl: the floor of a new process
    /// plus the server's work.
    pub curl: Vec<Run>,
}

/// Creates link documents number `range` with 8 requests in flight.
pub fn seed(server: &Server, range: std::ops::Range<usize>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = Client::new(&server.url, Auth::basic(USERNAME, PASSWORD))?;
        stream::iter(range)
            .map(|i| {
                let client = client.clone();
                async move {
                    client
                        .create_external_document(
                            &format!("Benchmark document {i:05}"),
                            &format!("https://example.org/reports/{i:05}.pdf"),
                        )
                        .await
                        .map(|_| ())
                }
            })
            .buffer_unordered(8)
            .try_collect::<()>()
            .await
            .context("seeding documents")
    })
}

pub fn run(
    d2files: &Path,
    curl: &Path,
    server: &Server,
    work: &Path,
    documents: usize,
    repeats: usize,
) -> anyhow::Result<Listing> {
    seed(server, 0..documents)?;
    let env = [
        ("DHIS2_URL", server.url.as_str()),
        ("DHIS2_USERNAME", USERNAME),
        ("DHIS2_PASSWORD", PASSWORD),
    ];
    let credentials = format!("{USERNAME}:{PASSWORD}");
    let fields = DOCUMENT_FIELDS.replace('[', "%5B").replace(']', "%5D");
    let url = format!(
        "{}/api/documents?page=1&pageSize=50&fields={fields}",
        server.url
    );
    let d2files_run = || -> anyhow::Result<Run> {
        let run = measure(d2files, &["documents", "list", "--json"], &env, work)?;
        let answer: serde_json::Value = serde_json::from_str(&run.stdout)?;
        let total = answer["pager"]["total"].as_u64().unwrap_or_default();
        ensure!(
            total as usize == documents,
            "the pager says {total} documents"
        );
        Ok(run)
    };
    let curl_run = || {
        measure(
            curl,
            &["-sS", "--fail", "-u", &credentials, "-o", "/dev/null", &url],
            &[],
            work,
        )
    };
    // Warm-up: the first run of a binary pays for reading it from disk.
    d2files_run()?;
    curl_run()?;
    let mut listing = Listing {
        documents,
        d2files: Vec::new(),
        curl: Vec::new(),
    };
    for _ in 0..repeats {
        listing.d2files.push(d2files_run()?);
        listing.curl.push(curl_run()?);
    }
    Ok(listing)
}
