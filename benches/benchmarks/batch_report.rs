//! The batch part of BENCHMARKS.md (bulk download, backup, copy, check): its targets and its
//! tables.
use std::fmt::Write as _;

use crate::backup::{BackupBench, LATENCY_MS};
use crate::batch::{BatchCase, BatchMemory};
use crate::check::CheckBench;
use crate::copy::CopyBench;
use crate::process::{Run, rss_mib_of as rss_mib, seconds_of as seconds, speed_ups};
use crate::report::{FLAT_RSS_GROWTH_MIB, MAX_RSS_MIB, verdict};
use crate::stats::Samples;
use crate::transfers::size_label;

/// Issue 13: at 25 ms, the default concurrency at least this many times a sequential curl loop.
const MIN_SPEED_UP_AT_LATENCY: f64 = 3.0;
/// The latency that target is about.
const TARGET_LATENCY_MS: u32 = 25;
/// Issue 14: a backup at least this many times a sequential curl loop over the same documents.
const MIN_BACKUP_SPEED_UP: f64 = 3.0;
/// Issue 14: a backup with nothing changed takes at most this long.
const MAX_UNCHANGED_SECONDS: f64 = 2.0;

/// Issue 15: a check at least this many times the same reads done one at a time.
const MIN_CHECK_SPEED_UP: f64 = 4.0;

/// Issue 14: a copy at least this fast as curl's download then upload of the same file.
const MIN_COPY_RATIO: f64 = 0.8;

/// The curl loop's time over d2files' for each back-to-back pair.
fn speed_up(case: &BatchCase) -> Samples {
    speed_ups(&case.d2files, &case.curl_loop)
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
    speed_ups(&bench.d2files, &bench.curl_loop)
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

/// The copy rows of the targets table.
pub fn copy_targets(w: &mut String, bench: &CopyBench) {
    let rss = rss_mib(&bench.d2files);
    let _ = writeln!(
        w,
        "| copy {} between two emulators: peak RSS ≤ {MAX_RSS_MIB:.0} MiB | {:.1} MiB at most | {} |",
        size_label(bench.bytes),
        rss.max(),
        verdict(rss.max() <= MAX_RSS_MIB)
    );
    let ratio = Samples::new(bench.ratios());
    let _ = writeln!(
        w,
        "| copy {} ≥ {MIN_COPY_RATIO}× curl's download then upload of the same file | {}× | {} |",
        size_label(bench.bytes),
        ratio.spread(3),
        verdict(ratio.median() >= MIN_COPY_RATIO)
    );
}

/// The "## Copy" section.
pub fn copy_section(w: &mut String, bench: &CopyBench) {
    let _ = writeln!(
        w,
        "## Copy
"
    );
    let _ = writeln!(
        w,
        "Two `demo-server` processes; the source holds one document of {} (pseudo-random bytes). \
         `d2files copy --from A --to B` into a fresh target each run (plan, then the source's \
         `/api/fileResources/UID/data` body streamed into the target's upload, MD5 checked at both \
         ends, wait for STORED, the document created with its uid, its sharing applied) against \
         `curl -o FILE` from the source then `curl -F file=@FILE` to the same target (the upload \
         step alone). The ratio is curl's two times over d2files' for each round; one untimed \
         round first.\n",
        size_label(bench.bytes)
    );
    let _ = writeln!(w, "| Run | Runs | s | peak RSS MiB |");
    let _ = writeln!(w, "|---|---|---|---|");
    let _ = writeln!(
        w,
        "| `d2files copy` | {} | {} | {} |",
        bench.d2files.len(),
        seconds(&bench.d2files).spread(2),
        rss_mib(&bench.d2files).spread(1)
    );
    let downs: Vec<Run> = bench.curl.iter().map(|(down, _)| down.clone()).collect();
    let ups: Vec<Run> = bench.curl.iter().map(|(_, up)| up.clone()).collect();
    let _ = writeln!(
        w,
        "| curl download | {} | {} | {} |",
        downs.len(),
        seconds(&downs).spread(2),
        rss_mib(&downs).spread(1)
    );
    let _ = writeln!(
        w,
        "| curl upload | {} | {} | {} |",
        ups.len(),
        seconds(&ups).spread(2),
        rss_mib(&ups).spread(1)
    );
    let _ = writeln!(
        w,
        "\nRatio to curl's download + upload: {}×.\n",
        Samples::new(bench.ratios()).spread(3)
    );
}

/// The check row of the targets table.
pub fn check_targets(w: &mut String, bench: &CheckBench) {
    let ratio = speed_ups(&bench.d2files, &bench.one_at_a_time);
    let _ = writeln!(
        w,
        "| check of {} documents, answers held {LATENCY_MS} ms: one list request per page plus at most one read per file resource, ≥ {MIN_CHECK_SPEED_UP}× the same reads one at a time | {} list pages + {} reads + {} other ({:.3} per document); {}× | {} |",
        bench.documents,
        bench.list_pages,
        bench.reads,
        bench.other,
        bench.requests_per_document(),
        ratio.spread(2),
        verdict(ratio.median() >= MIN_CHECK_SPEED_UP && bench.reads <= bench.documents)
    );
}

/// The "## Check" section.
pub fn check_section(w: &mut String, bench: &CheckBench) {
    let _ = writeln!(w, "## Check\n");
    let _ = writeln!(
        w,
        "An emulator in the harness's process holding {} file documents, every answer held \
         {LATENCY_MS} ms. `d2files check` (list the documents and the file resources a thousand \
         per page, read each file resource plainly, 8 at a time, read the dashboards), then one \
         `curl` process reading the same list pages and file resources one after another over \
         one connection (`curl -K`).\n",
        bench.documents
    );
    let _ = writeln!(
        w,
        "| Run | Runs | s | ratio to one at a time | peak RSS MiB |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|");
    let _ = writeln!(
        w,
        "| `d2files check` | {} | {} | {}× | {} |",
        bench.d2files.len(),
        seconds(&bench.d2files).spread(2),
        speed_ups(&bench.d2files, &bench.one_at_a_time).spread(2),
        rss_mib(&bench.d2files).spread(1)
    );
    let _ = writeln!(
        w,
        "| the same reads, one at a time | {} | {} | 1× | {} |",
        bench.one_at_a_time.len(),
        seconds(&bench.one_at_a_time).spread(2),
        rss_mib(&bench.one_at_a_time).spread(1)
    );
    let _ = writeln!(
        w,
        "\nRequests of one check: {} list pages, {} plain file resource reads, {} other \
         (connecting, the dashboards).\n",
        bench.list_pages, bench.reads, bench.other
    );
}
