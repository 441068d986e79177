//! Slow links (issue 18, "measure first"): everyday commands through a proxy that behaves as
//! a long, thin link (`link_proxy.rs`), by d2files and by `curl` doing the same requests, each
//! with its round trips (requests and connections), its bytes each way and its wall time, and
//! the minimum the DHIS2 API allows for the same result: the round trips no client can avoid
//! (one for the connection, then each request that must wait for an answer before it can be
//! sent) times the RTT, plus the bytes curl moved at the link's rate.
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_USERNAME, Emulator, EmulatorOptions, SeedDocument, SeedFileResource,
};

use crate::link_proxy::{Link, LinkProxy};
use crate::process::measure;
use crate::pty::{Tui, count};

/// The TUI's terminal, as the other pty cases have it.
const TUI_SIZE: (u16, u16) = (120, 40);
/// On screen once the first page's rows are drawn (their type column; the names were not
/// found as one run of text in the pty's output).
const FIRST_ROW: &[u8] = b"application/pdf";
/// How long the TUI may take to draw its first page over the slowest link.
const TUI_LIMIT: Duration = Duration::from_secs(60);

/// The links measured: a satellite or 3G district office, and a fair national link.
pub const LINKS: [Link; 2] = [
    Link {
        rtt: Duration::from_millis(300),
        mbit: 2.0,
    },
    Link {
        rtt: Duration::from_millis(50),
        mbit: 20.0,
    },
];

/// The backup case's documents, as a filter.
const NOTES_FILTER: &str = "name:like:Note";

/// curl's `-u` for the emulator's administrator.
const CREDENTIALS: &str = "admin:district";

/// The documents a backup case holds, and their size.
const BACKUP_DOCUMENTS: usize = 50;
const SMALL_BYTES: usize = 4096;
/// The file a download and an upload move.
const FILE_BYTES: usize = 1 << 20;

/// One run of one tool over one operation.
#[derive(Clone, Debug)]
pub struct Measured {
    pub seconds: f64,
    pub requests: usize,
    pub connections: usize,
    pub up: u64,
    pub down: u64,
}

/// An operation, by both tools, over one link.
pub struct Operation {
    pub name: &'static str,
    /// Round trips no client can avoid, the connection's included.
    pub unavoidable_round_trips: u32,
    pub d2files: Vec<Measured>,
    pub curl: Vec<Measured>,
}

impl Operation {
    /// The least time the result can take over `link`: the unavoidable round trips, and the
    /// bytes curl moved (the same requests, nothing more) at the link's rate.
    pub fn minimum(&self, link: &Link) -> f64 {
        let bytes = self
            .curl
            .iter()
            .map(|run| run.up + run.down)
            .min()
            .unwrap_or(0);
        link.rtt.as_secs_f64() * f64::from(self.unavoidable_round_trips)
            + link.transfer_time(bytes).as_secs_f64()
    }
}

pub struct LinkBench {
    pub link: Link,
    pub operations: Vec<Operation>,
}

pub struct SlowLinkBench {
    pub links: Vec<LinkBench>,
    /// Why a peer is missing (dhis2w not installed, say).
    pub notes: Vec<String>,
}

/// What the operations need on the server.
struct Seeded {
    large: String,
    large_file_resource: String,
    small: Vec<String>,
}

fn seed(em: &Emulator) -> anyhow::Result<Seeded> {
    let mut small = Vec::new();
    for i in 0..BACKUP_DOCUMENTS {
        let mut bytes = format!("note {i:03}\n").into_bytes();
        bytes.resize(SMALL_BYTES, b'.');
        let fr = em.seed_file_resource(SeedFileResource::new(
            &format!("note-{i:03}.pdf"),
            "application/pdf",
            bytes,
        ))?;
        small.push(em.seed_document(SeedDocument::file(&format!("Note {i:03}"), &fr)));
    }
    let mut bytes = b"%PDF-1.4 large\n".to_vec();
    bytes.resize(FILE_BYTES, b'.');
    let large_file_resource =
        em.seed_file_resource(SeedFileResource::new("large.pdf", "application/pdf", bytes))?;
    let large = em.seed_document(SeedDocument::file("A large report", &large_file_resource));
    Ok(Seeded {
        large,
        large_file_resource,
        small,
    })
}

pub fn run(
    d2files: &Path,
    curl: &Path,
    work: &Path,
    repeats: usize,
) -> anyhow::Result<SlowLinkBench> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Behind a compressing proxy, as dhis2-api.md §14.5 advises for slow links.
    let em = runtime.block_on(Emulator::start(EmulatorOptions {
        max_upload_size: None,
        compress_json: true,
        ..EmulatorOptions::default()
    }))?;
    let seeded = {
        let _inside = runtime.enter();
        seed(&em)?
    };
    let upstream: SocketAddr = em
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .context("the emulator's address")?;
    let upload = work.join("slow-upload.pdf");
    let mut bytes = b"%PDF-1.4 upload\n".to_vec();
    bytes.resize(FILE_BYTES, b'-');
    std::fs::write(&upload, &bytes)?;
    let mut bench = SlowLinkBench {
        links: Vec::new(),
        notes: Vec::new(),
    };
    if which("dhis2w").is_none() {
        bench.notes.push(
            "dhis2w is not installed here (`pip install dhis2w-cli` needs a Python package \
             index this machine may not reach), so it has no column"
                .into(),
        );
    }
    for link in LINKS {
        let proxy = runtime.block_on(LinkProxy::start(upstream, link))?;
        let mut operations = Vec::new();
        for case in cases(&seeded, &upload, work) {
            let mut operation = Operation {
                name: case.name,
                unavoidable_round_trips: case.unavoidable_round_trips,
                d2files: Vec::new(),
                curl: Vec::new(),
            };
            for _ in 0..repeats {
                if let Some(dir) = &case.fresh {
                    let _ = std::fs::remove_dir_all(dir);
                }
                operation.d2files.push(once(&em, &proxy, || {
                    let args: Vec<&str> = case.d2files.iter().map(String::as_str).collect();
                    measure(d2files, &args, &env(&proxy.url), work).map(|_| ())
                })?);
                operation.curl.push(once(&em, &proxy, || {
                    measure(
                        Path::new("/bin/sh"),
                        &["-c", &case.curl],
                        &curl_env(curl, &proxy.url),
                        work,
                    )
                    .map(|_| ())
                })?);
            }
            operations.push(operation);
        }
        operations.push(tui_start(&em, &proxy, d2files, curl, work, repeats)?);
        bench.links.push(LinkBench { link, operations });
    }
    runtime.block_on(em.shutdown());
    Ok(bench)
}

/// One run, with what it cost on the link and at the server.
fn once(
    em: &Emulator,
    proxy: &LinkProxy,
    run: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<Measured> {
    let requests_before = em.requests().len();
    let (up, down, connections) = proxy.counters.snapshot();
    let started = std::time::Instant::now();
    run()?;
    let seconds = started.elapsed().as_secs_f64();
    let (up_after, down_after, connections_after) = proxy.counters.snapshot();
    Ok(Measured {
        seconds,
        requests: em.requests().len() - requests_before,
        connections: connections_after - connections,
        up: up_after - up,
        down: down_after - down,
    })
}

/// The TUI from its start until its first page is on the screen, against curl of that page
/// (the list case's request).
fn tui_start(
    em: &Emulator,
    proxy: &LinkProxy,
    d2files: &Path,
    curl: &Path,
    work: &Path,
    repeats: usize,
) -> anyhow::Result<Operation> {
    let home = work.join("slow-tui-home");
    std::fs::create_dir_all(&home)?;
    let mut operation = Operation {
        name: "TUI start to first page drawn",
        // The connection, the page.
        unavoidable_round_trips: 2,
        d2files: Vec::new(),
        curl: Vec::new(),
    };
    for _ in 0..repeats {
        operation.d2files.push(once(em, proxy, || {
            let tui = Tui::spawn(d2files, &proxy.url, TUI_SIZE, &home, &[])?;
            tui.wait_for(TUI_LIMIT, |s| count(&s.bytes, FIRST_ROW) > 0)
        })?);
        operation.curl.push(once(em, proxy, || {
            measure(
                Path::new("/bin/sh"),
                &["-c", &list_page_curl()],
                &curl_env(curl, &proxy.url),
                work,
            )
            .map(|_| ())
        })?);
    }
    Ok(operation)
}

/// curl of the first page of documents, as d2files asks for it.
fn list_page_curl() -> String {
    format!(
        "\"$CURL\" --compressed -g -sS --fail -u \"$CREDENTIALS\" -o /dev/null \
         \"$SERVER/api/documents?fields={}&pageSize=50\"",
        d2files::api::DOCUMENT_FIELDS
    )
}

/// An operation: d2files' arguments, the curl script doing the same requests, and the round
/// trips it cannot do without.
struct Case {
    name: &'static str,
    /// Removed before each d2files run, so each does the whole work.
    fresh: Option<std::path::PathBuf>,
    d2files: Vec<String>,
    curl: String,
    unavoidable_round_trips: u32,
}

fn cases(seeded: &Seeded, upload: &Path, work: &Path) -> Vec<Case> {
    let out = work.join("slow-out");
    let backup = work.join("slow-backup");
    let curl_backup = work.join("slow-curl-backup");
    let out_text = out.to_string_lossy().into_owned();
    let upload_text = upload.to_string_lossy().into_owned();
    let backup_text = backup.to_string_lossy().into_owned();
    let curl_backup_text = curl_backup.to_string_lossy().into_owned();
    let data_urls: String = seeded
        .small
        .iter()
        .map(|uid| format!(" -o \"{curl_backup_text}/{uid}\" \"$SERVER/api/documents/{uid}/data\""))
        .collect();
    vec![
        Case {
            name: "documents list (a page of 50)",
            fresh: None,
            d2files: vec!["documents".into(), "list".into()],
            curl: list_page_curl(),
            // The connection, the page.
            unavoidable_round_trips: 2,
        },
        Case {
            name: "documents get (the document and its file resource)",
            fresh: None,
            d2files: vec!["documents".into(), "get".into(), seeded.large.clone()],
            curl: format!(
                "\"$CURL\" --compressed -g -sS --fail -u \"$CREDENTIALS\" -o /dev/null \
                 \"$SERVER/api/documents/{}\" -o /dev/null \"$SERVER/api/fileResources/{}\"",
                seeded.large, seeded.large_file_resource
            ),
            // The connection, the document, then the file resource its url names.
            unavoidable_round_trips: 3,
        },
        Case {
            name: "documents download of 1 MiB",
            fresh: None,
            d2files: vec![
                "documents".into(),
                "download".into(),
                seeded.large.clone(),
                out_text.clone(),
                "--force".into(),
            ],
            curl: format!(
                "\"$CURL\" -g -sS --fail -u \"$CREDENTIALS\" -o \"{out_text}\" \
                 \"$SERVER/api/documents/{}/data\"",
                seeded.large
            ),
            // The connection, the body (the metadata can be asked for beside it).
            unavoidable_round_trips: 2,
        },
        Case {
            name: "documents upload of 1 MiB (until the document exists)",
            fresh: None,
            d2files: vec!["documents".into(), "upload".into(), upload_text.clone()],
            curl: format!(
                "fr=$(\"$CURL\" -g -sS --fail -u \"$CREDENTIALS\" -F \"file=@{upload_text}\" \
                 -F domain=DOCUMENT \"$SERVER/api/fileResources\" | sed -n \
                 's/.*\"id\":\"\\([A-Za-z0-9]*\\)\",\"lastUpdated\".*/\\1/p') && \
                 \"$CURL\" -g -sS --fail -u \"$CREDENTIALS\" -o /dev/null -H \
                 'Content-Type: application/json' -d \
                 \"{{\\\"name\\\":\\\"Upload\\\",\\\"url\\\":\\\"$fr\\\",\\\"external\\\":false}}\" \
                 \"$SERVER/api/documents\""
            ),
            // The connection, the bytes, the document (DHIS2 links a file still PENDING).
            unavoidable_round_trips: 3,
        },
        Case {
            name: "backup of 50 small documents",
            fresh: Some(backup.clone()),
            // The small notes only: the upload case adds documents as it runs.
            d2files: vec![
                "backup".into(),
                backup_text,
                "--filter".into(),
                NOTES_FILTER.into(),
            ],
            curl: format!(
                "rm -rf \"{curl_backup_text}\" && mkdir -p \"{curl_backup_text}\" && \"$CURL\" \
                 --compressed -g -sS --fail -u \"$CREDENTIALS\" -o /dev/null \
                 \"$SERVER/api/documents?fields={}&pageSize=1000&filter={NOTES_FILTER}\"{data_urls}",
                d2files::api::DOCUMENT_FIELDS
            ),
            // The connection, the list, then every file at once.
            unavoidable_round_trips: 3,
        },
    ]
}

fn env(url: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("DHIS2_URL", url),
        ("DHIS2_USERNAME", ADMIN_USERNAME),
        ("DHIS2_PASSWORD", ADMIN_PASSWORD),
    ]
}

fn curl_env<'a>(curl: &'a Path, url: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("CURL", curl.to_str().unwrap_or("curl")),
        ("CREDENTIALS", CREDENTIALS),
        ("SERVER", url),
    ]
}

/// A program on PATH, if there is one.
fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}

/// The "## Slow link" section.
pub fn section(w: &mut String, bench: &SlowLinkBench) {
    use std::fmt::Write as _;
    let _ = writeln!(w, "## Slow link\n");
    let _ = writeln!(
        w,
        "Each command as a user runs it, through a proxy in the harness that behaves as the link \
         (half the round trip each way for every byte, the rate both ways, one round trip before \
         a connection carries anything, as TCP's handshake), to an emulator that gzips JSON as \
         nginx in front of DHIS2 does (`--compress`; file bodies as stored); `curl` does the \
         same requests, knowing the uids, with `--compressed` for JSON. The TUI's start is \
         timed in a pty until its first page is on the screen, against curl of that page. The minimum is the round trips no client can avoid (the connection, \
         then each request that must wait for an answer) × RTT, plus the bytes curl moved at \
         the link's rate. Requests are counted at the emulator, bytes (headers included) at the \
         proxy; figures are medians.\n"
    );
    for note in &bench.notes {
        let _ = writeln!(w, "- {note}");
    }
    if !bench.notes.is_empty() {
        let _ = writeln!(w);
    }
    for link in &bench.links {
        let _ = writeln!(
            w,
            "### RTT {} ms, {} Mbit/s\n",
            link.link.rtt.as_millis(),
            link.link.mbit
        );
        let _ = writeln!(
            w,
            "| Operation | Tool | Requests | Connections | Bytes up | Bytes down | s | minimum s | × minimum |"
        );
        let _ = writeln!(w, "|---|---|---|---|---|---|---|---|---|");
        for operation in &link.operations {
            let minimum = operation.minimum(&link.link);
            for (tool, runs) in [("d2files", &operation.d2files), ("curl", &operation.curl)] {
                let Some(median) = median_run(runs) else {
                    continue;
                };
                let _ = writeln!(
                    w,
                    "| {} | {tool} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2}× |",
                    operation.name,
                    median.requests,
                    median.connections,
                    median.up,
                    median.down,
                    median.seconds,
                    minimum,
                    median.seconds / minimum
                );
            }
        }
        let _ = writeln!(w);
    }
}

/// The run of median wall time.
fn median_run(runs: &[Measured]) -> Option<&Measured> {
    let mut sorted: Vec<&Measured> = runs.iter().collect();
    sorted.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    sorted.get(sorted.len() / 2).copied()
}
