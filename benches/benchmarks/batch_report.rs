//! The batch part of BENCHMARKS.md (bulk download, backup): its targets and its tables.
use std::fmt::Write as _;

use crate::backup::{BackupBench, LATENCY_MS};
use crate::batch::{BatchCase, BatchMemory};
use crate::process::Run;
use crate::stats::Samples;

/// Issue 13: at 25 ms, the default concurrency at least this many times a sequential curl loop.
const MIN_SPEED_UP_AT_LATENCY: f64 = 3.0;
/// The latency that target is about.
const TARGET_LATENCY_MS: u32 = 25;
/// Issue 14: a backup at least this many times a sequential curl loop over the same documents.
const MIN_BACKUP_SPEED_UP: f64 = 3.0;
/// Issue 14: a backup with nothing changed takes at most this long.
const MAX_UNCHANGED_SECONDS: f64 = 2.0;

/// "Flat in the number of files": many files' median peak RSS at most this far above few's.
const FLAT_RSS_GROWTH_MIB: f64 = 4.0;

fn seconds(runs: &[Run]) -> Samples {
    Samples::new(runs.iter().map(|r| r.seconds).collect())
}

fn rss_mib(runs: &[Run]) -> Samples {
    Samples::new(
        runs.iter()
            .map(|r| r.peak_rss_kib as f64 / 1024.0)
            .collect(),
    )
}

/// The curl loop's time over d2files' for each back-to-back pair.
fn speed_up(case: &BatchCase) -> Samples {
    Samples::new(
        case.d2files
            .iter()
            .zip(&case.curl_loop)
            .map(|(d2files, curl)| curl.seconds / d2files.seconds)
            .collect(),
    )
}

fn verdict(met: bool) -> &'static str {
    if met { "yes" } else { "**no**" }
}

/// The rows of the targets table.
pub fn targets(w: &mut String, cases: &[BatchCase], memory: &BatchMemory) {
    if let Some(case) = cases.iter().find(|c| c.latency_ms == TARGET_LATENCY_MS) {
        let ratio = speed_up(case);
        let _ = writeln!(
            w,
            "| bulk download of {} small documents, answers held {} ms, ≥ {MIN_SPEED_UP_AT_LATENCY}× \
             a sequential curl loop (default concurrency) | {}× | {} |",
            case.files,
            case.latency_ms,
            ratio.spread(2),
            verdict(ratio.median() >= MIN_SPEED_UP_AT_LATENCY)
        );
    }
    let (few, many) = (rss_mib(&memory.few_rss), rss_mib(&memory.many_rss));
    let _ = writeln!(
        w,
        "| bulk download peak RSS flat from {} to {} documents (growth ≤ {FLAT_RSS_GROWTH_MIB:.0} MiB) \
         | {:.1} → {:.1} MiB (medians) | {} |",
        memory.few,
        memory.many,
        few.median(),
        many.median(),
        verdict(many.median() - few.median() <= FLAT_RSS_GROWTH_MIB)
    );
}

/// The "## Batch" section.
pub fn section(w: &mut String, cases: &[BatchCase], memory: &BatchMemory) {
    let _ = writeln!(w, "## Batch\n");
    let _ = writeln!(
        w,
        "`d2files documents download UID… DIR` (the plan reads the metadata a hundred documents \
         per request, then one `/data` request per file, 3 at a time, each checked against its \
         MD5) against a shell loop running `curl -o DIR/UID …/api/documents/UID/data` once per \
         document, one after another, over the same 4 KiB documents. The emulator is \
         `demo-server --latency-ms N`: every answer is held N ms, as a distant server's are. \
         Each run is a new process into an empty directory; the two tools alternate. The ratio \
         is the loop's time over d2files' for each back-to-back pair.\n"
    );
    let _ = writeln!(
        w,
        "| Latency | Documents | Runs | curl loop s | d2files s | ratio to the loop | d2files peak RSS MiB |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|---|");
    for case in cases {
        let _ = writeln!(
            w,
            "| {} ms | {} | {} | {} | {} | {}× | {} |",
            case.latency_ms,
            case.files,
            case.d2files.len(),
            seconds(&case.curl_loop).spread(2),
            seconds(&case.d2files).spread(2),
            speed_up(case).spread(2),
            rss_mib(&case.d2files).spread(1)
        );
    }
    let _ = writeln!(
        w,
        "\nPeak RSS over {} and {} documents (0 ms): {} and {} MiB.\n",
        memory.few,
        memory.many,
        rss_mib(&memory.few_rss).spread(1),
        rss_mib(&memory.many_rss).spread(1)
    );
}

fn backup_speed_up(bench: &BackupBench) -> Samples {
    Samples::new(
        bench
            .d2files
            .iter()
            .zip(&bench.curl_loop)
            .map(|(d2files, curl)| curl.seconds / d2files.seconds)
            .collect(),
    )
}

/// The backup rows of the targets table.
pub fn backup_targets(w: &mut String, bench: &BackupBench) {
    let ratio = backup_speed_up(bench);
    let _ = writeln!(
        w,
        "| backup of {}, answers held {LATENCY_MS} ms, ≥ {MIN_BACKUP_SPEED_UP}× a sequential curl loop | {}× | {} |",
        bench.describe(),
        ratio.spread(2),
        verdict(ratio.median() >= MIN_BACKUP_SPEED_UP)
    );
    let unchanged = seconds(&bench.unchanged);
    let _ = writeln!(
        w,
        "| the same backup again, nothing changed: requests = pages listed, ≤ {MAX_UNCHANGED_SECONDS:.0} s | {} list pages + {} to connect; {} s | {} |",
        bench.unchanged_pages,
        bench.unchanged_other,
        unchanged.spread(2),
        verdict(unchanged.median() <= MAX_UNCHANGED_SECONDS)
    );
}

/// The "## Backup" section.
pub fn backup_section(w: &mut String, bench: &BackupBench) {
    let _ = writeln!(
        w,
        "## Backup
"
    );
    let _ = writeln!(
        w,
        "An emulator in the harness's process (so its request log can be read) holding {}, every \
         answer held {LATENCY_MS} ms. `d2files backup DIR` into an empty directory (list the \
         documents, read their file resources a hundred per request, fetch the files 4 at a \
         time, each checked against its MD5, write the manifest), then a shell loop running \
         `curl -o DIR/UID …/api/documents/UID/data` once per document, one after another; then \
         the backup again with nothing changed.\n",
        bench.describe()
    );
    let _ = writeln!(
        w,
        "| Run | Documents | Runs | s | ratio to the loop | peak RSS MiB |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|");
    let _ = writeln!(
        w,
        "| `d2files backup` | {} | {} | {} | {}× | {} |",
        bench.documents(),
        bench.d2files.len(),
        seconds(&bench.d2files).spread(2),
        backup_speed_up(bench).spread(2),
        rss_mib(&bench.d2files).spread(1)
    );
    let _ = writeln!(
        w,
        "| curl loop | {} | {} | {} | 1× | {} |",
        bench.documents(),
        bench.curl_loop.len(),
        seconds(&bench.curl_loop).spread(2),
        rss_mib(&bench.curl_loop).spread(1)
    );
    let _ = writeln!(
        w,
        "| `d2files backup`, nothing changed | {} | {} | {} | | {} |",
        bench.documents(),
        bench.unchanged.len(),
        seconds(&bench.unchanged).spread(2),
        rss_mib(&bench.unchanged).spread(1)
    );
    let _ = writeln!(
        w,
        "\nRequests of the run with nothing changed: {} pages of the documents list, {} to connect \
         (system info, the user), nothing else.\n",
        bench.unchanged_pages, bench.unchanged_other
    );
}
