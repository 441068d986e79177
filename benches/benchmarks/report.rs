//! BENCHMARKS.md: regenerated on every run, except the hand-written "## Findings" section,
//! which is carried over from the previous file.
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::backup::BackupBench;
use crate::batch::{BatchCase, BatchMemory};
use crate::check::CheckBench;
use crate::copy::CopyBench;
use crate::listing::Listing;
use crate::slow_link::SlowLinkBench;
use crate::stats::Samples;
use crate::transfers::{Case, Check, Direction, size_label};
use crate::tui::{Frames, HEIGHT, RealTui, WIDTH};
use crate::tui_batch::TuiBatch;

const FINDINGS_HEADING: &str = "## Findings";
const MIB: f64 = 1024.0 * 1024.0;

/// Targets of issue 5.
const MIN_RATIO: f64 = 0.9;
pub(crate) const MAX_RSS_MIB: f64 = 40.0;
/// "Flat": the largest transfer's median peak RSS at most this far above the smallest's.
pub(crate) const FLAT_RSS_GROWTH_MIB: f64 = 4.0;
const MAX_LIST_MS: f64 = 50.0;
pub const MAX_FRAME_P99_MS: f64 = 2.0;
/// Issue 13: the TUI while a 500-file batch runs.
const MAX_BATCH_FPS: f64 = 30.0;
/// Decimals of the ratios in the targets table: with two, a median of 0.8996 would read 0.90
/// beside "no".
const TARGET_DIGITS: usize = 3;

pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub kernel: String,
    pub rustc: String,
    pub curl: String,
    pub commit: String,
    pub date: String,
    /// /proc/loadavg's 1-minute figure when the run started: other work skews the numbers.
    pub load: String,
}

fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "unknown".to_string())
}

impl Machine {
    pub fn probe(curl: &Path) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, name)| name.trim().to_string())
            .unwrap_or_else(|| "unknown CPU".to_string());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|l| l.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        let curl_version = first_line(&curl.display().to_string(), &["--version"]);
        let curl_version = curl_version
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        let manifest = env!("CARGO_MANIFEST_DIR");
        let mut commit = first_line("git", &["-C", manifest, "rev-parse", "--short", "HEAD"]);
        let dirty = Command::new("git")
            .args([
                "-C",
                manifest,
                "status",
                "--porcelain",
                "--untracked-files=no",
            ])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty());
        if dirty {
            commit.push_str(" with uncommitted changes");
        }
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            memory_gib: memory_kib / MIB,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|k| k.trim().to_string())
                .unwrap_or_default(),
            rustc: first_line("rustc", &["--version"]),
            curl: curl_version,
            commit,
            date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            load: std::fs::read_to_string("/proc/loadavg")
                .ok()
                .and_then(|l| l.split_whitespace().next().map(str::to_string))
                .unwrap_or_else(|| "unknown".to_string()),
        }
    }
}

/// Downloads from an emulator pacing its bodies like a network link.
pub struct Link {
    pub mbit: u32,
    pub cases: Vec<Case>,
}

pub struct Results<'a> {
    pub command: &'a str,
    pub quick: bool,
    pub machine: Machine,
    pub cases: Vec<Case>,
    pub link: Link,
    pub emulator_peak_rss_kib: Option<u64>,
    pub listing: Listing,
    pub frames: Frames,
    /// The same with 100 rows.
    pub frames_small: Frames,
    /// The same rows, half of them marked.
    pub frames_marked: Frames,
    pub frames_checked: Frames,
    /// With the preview pane open on a CSV file.
    pub frames_preview: Frames,
    pub batch: Vec<BatchCase>,
    pub batch_memory: BatchMemory,
    pub tui_batch: TuiBatch,
    pub backup: BackupBench,
    pub check: CheckBench,
    pub slow_link: SlowLinkBench,
    pub copy: CopyBench,
    pub real_tui: RealTui,
    pub seconds: f64,
    /// Where the files went, and its file system ("/dev/shm (tmpfs)").
    pub files: String,
}

fn seconds(runs: &[f64]) -> Samples {
    Samples::new(runs.to_vec())
}

pub(crate) fn verdict(met: bool) -> &'static str {
    if met { "yes" } else { "**no**" }
}

struct CaseFigures {
    curl_s: Samples,
    d2files_s: Samples,
    curl_mibps: Samples,
    d2files_mibps: Samples,
    ratio: Samples,
    curl_rss: Samples,
    d2files_rss: Samples,
}

fn figures(case: &Case) -> CaseFigures {
    let mib = case.bytes as f64 / MIB;
    let curl: Vec<f64> = case.pairs.iter().map(|(c, _)| c.seconds).collect();
    let d2: Vec<f64> = case.pairs.iter().map(|(_, d)| d.seconds).collect();
    let rss = |kib: u64| kib as f64 / 1024.0;
    CaseFigures {
        curl_mibps: Samples::new(curl.iter().map(|s| mib / s).collect()),
        d2files_mibps: Samples::new(d2.iter().map(|s| mib / s).collect()),
        ratio: Samples::new(
            case.pairs
                .iter()
                .map(|(c, d)| c.seconds / d.seconds)
                .collect(),
        ),
        curl_rss: Samples::new(
            case.pairs
                .iter()
                .map(|(c, _)| rss(c.peak_rss_kib))
                .collect(),
        ),
        d2files_rss: Samples::new(
            case.pairs
                .iter()
                .map(|(_, d)| rss(d.peak_rss_kib))
                .collect(),
        ),
        curl_s: seconds(&curl),
        d2files_s: seconds(&d2),
    }
}

fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Download => "download",
        Direction::Upload => "upload",
    }
}

/// "download" or "download --no-verify": the d2files command a case ran.
fn case_name(case: &Case) -> String {
    match case.check {
        Check::Md5 => direction_name(case.direction).to_string(),
        Check::LengthOnly => format!("{} `--no-verify`", direction_name(case.direction)),
    }
}

/// A checked download against curl then md5sum of curl's file, pair by pair: the same check
/// done with standard tools.
fn ratio_to_curl_and_md5sum(case: &Case) -> Samples {
    Samples::new(
        case.pairs
            .iter()
            .zip(&case.md5sum)
            .map(|((curl, d2files), md5sum)| (curl.seconds + md5sum.seconds) / d2files.seconds)
            .collect(),
    )
}

/// The best ratio to curl any tool can reach while hashing every byte once at md5sum's speed.
fn md5_ceiling(case: &Case) -> Samples {
    Samples::new(
        case.pairs
            .iter()
            .zip(&case.md5sum)
            .map(|((curl, _), md5sum)| curl.seconds / md5sum.seconds)
            .collect(),
    )
}

/// The previous file's Findings section, or a placeholder to replace by hand.
fn kept_findings(previous: &str) -> String {
    // At the start of a line: the comment at the top names the heading too.
    match previous.find(&format!("\n{FINDINGS_HEADING}\n")) {
        Some(at) => previous[at + 1..].trim_end().to_string() + "\n",
        None => format!(
            "{FINDINGS_HEADING}\n\n(Hand-written: what profiling showed and what was changed. \
             The harness keeps this section.)\n"
        ),
    }
}

pub fn render(results: &Results, previous: &str) -> String {
    let mut out = String::new();
    let m = &results.machine;
    let w = &mut out;
    let _ = writeln!(w, "# Benchmarks\n");
    let _ = writeln!(
        w,
        "<!-- Generated by the benchmark harness (benches/benchmarks). Everything above \
         \"{FINDINGS_HEADING}\" is rewritten on each run; edit only that section. -->\n"
    );
    let _ = writeln!(
        w,
        "- Command: `{}`{} — {:.0} s in all",
        results.command,
        if results.quick {
            " (quick mode: smaller files, fewer runs)"
        } else {
            ""
        },
        results.seconds
    );
    let _ = writeln!(w, "- Date: {} — d2files {}", m.date, m.commit);
    let _ = writeln!(
        w,
        "- Machine: {}, {} cores, {:.1} GiB memory, Linux {}; load average {} at the start",
        m.cpu, m.cores, m.memory_gib, m.kernel, m.load
    );
    let _ = writeln!(w, "- Toolchain: {} (bench profile); {}", m.rustc, m.curl);
    let _ = writeln!(w, "- Files and the emulators' stores: {}\n", results.files);
    let _ = writeln!(
        w,
        "Figures are `median (min–max)` over the runs unless marked otherwise.\n"
    );

    render_targets(w, results);
    render_transfers(w, results);
    crate::batch_report::section(w, &results.batch, &results.batch_memory);
    crate::batch_report::backup_section(w, &results.backup);
    crate::batch_report::copy_section(w, &results.copy);
    crate::batch_report::check_section(w, &results.check);
    crate::slow_link::section(w, &results.slow_link);
    render_listing(w, &results.listing);
    render_frames(w, results);
    out.push('\n');
    out.push_str(&kept_findings(previous));
    out
}

fn of_kind(cases: &[Case], direction: Direction, check: Check) -> impl Iterator<Item = &Case> {
    cases
        .iter()
        .filter(move |c| c.direction == direction && c.check == check)
}

fn largest(cases: &[Case], direction: Direction, check: Check) -> Option<&Case> {
    of_kind(cases, direction, check).max_by_key(|c| c.bytes)
}

fn smallest(cases: &[Case], direction: Direction, check: Check) -> Option<&Case> {
    of_kind(cases, direction, check).min_by_key(|c| c.bytes)
}

fn render_targets(w: &mut String, results: &Results) {
    let _ = writeln!(w, "## Targets\n");
    let _ = writeln!(w, "| Target | Measured | Met |");
    let _ = writeln!(w, "|---|---|---|");
    for direction in [Direction::Download, Direction::Upload] {
        if let Some(case) = largest(&results.cases, direction, Check::LengthOnly) {
            let ratio = figures(case).ratio;
            let _ = writeln!(
                w,
                "| {} {} ≥ {MIN_RATIO}× curl throughput, the same work (`--no-verify`: length \
                 checked, no MD5) | {}× | {} |",
                direction_name(direction),
                size_label(case.bytes),
                ratio.spread(TARGET_DIGITS),
                verdict(ratio.median() >= MIN_RATIO)
            );
        }
    }
    for direction in [Direction::Download, Direction::Upload] {
        if let Some(case) = largest(&results.cases, direction, Check::Md5) {
            let ratio = figures(case).ratio;
            let ceiling = if case.md5sum.is_empty() {
                String::new()
            } else {
                format!(
                    "; hashing once at md5sum's speed caps any MD5-checking tool at {}×",
                    md5_ceiling(case).spread(2)
                )
            };
            let _ = writeln!(
                w,
                "| {} {} ≥ {MIN_RATIO}× curl throughput with d2files' MD5 check (the default) \
                 | {}×{ceiling} | {} |",
                direction_name(direction),
                size_label(case.bytes),
                ratio.spread(TARGET_DIGITS),
                verdict(ratio.median() >= MIN_RATIO)
            );
        }
    }
    if let Some(case) = largest(&results.link.cases, Direction::Download, Check::Md5) {
        let ratio = figures(case).ratio;
        let _ = writeln!(
            w,
            "| download {} over a {} Mbit/s link ≥ {MIN_RATIO}× curl throughput with d2files' \
             MD5 check (the default) | {}× | {} |",
            size_label(case.bytes),
            results.link.mbit,
            ratio.spread(TARGET_DIGITS),
            verdict(ratio.median() >= MIN_RATIO)
        );
    }
    if let Some(case) = largest(&results.cases, Direction::Download, Check::Md5)
        .filter(|case| !case.md5sum.is_empty())
    {
        let ratio = ratio_to_curl_and_md5sum(case);
        let _ = writeln!(
            w,
            "| checked download {} ≥ {MIN_RATIO}× `curl` then `md5sum` (the same check with \
             standard tools) | {}× | {} |",
            size_label(case.bytes),
            ratio.spread(TARGET_DIGITS),
            verdict(ratio.median() >= MIN_RATIO)
        );
    }
    let peak = results
        .cases
        .iter()
        .flat_map(|c| c.pairs.iter().map(|(_, d)| d.peak_rss_kib))
        .max()
        .unwrap_or(0) as f64
        / 1024.0;
    let _ = writeln!(
        w,
        "| d2files peak RSS ≤ {MAX_RSS_MIB:.0} MiB (every transfer run) | {peak:.1} MiB at most | {} |",
        verdict(peak <= MAX_RSS_MIB)
    );
    for direction in [Direction::Download, Direction::Upload] {
        if let (Some(small), Some(large)) = (
            smallest(&results.cases, direction, Check::Md5),
            largest(&results.cases, direction, Check::Md5),
        ) {
            let a = figures(small).d2files_rss.median();
            let b = figures(large).d2files_rss.median();
            let _ = writeln!(
                w,
                "| {} peak RSS flat from {} to {} (growth ≤ {FLAT_RSS_GROWTH_MIB:.0} MiB) | {a:.1} → {b:.1} MiB (medians) | {} |",
                direction_name(direction),
                size_label(small.bytes),
                size_label(large.bytes),
                verdict(b - a <= FLAT_RSS_GROWTH_MIB)
            );
        }
    }
    let list = Samples::new(
        results
            .listing
            .d2files
            .iter()
            .map(|r| r.seconds * 1e3)
            .collect(),
    );
    let _ = writeln!(
        w,
        "| `documents list --json` cold ≤ {MAX_LIST_MS:.0} ms ({} documents) | {} ms | {} |",
        results.listing.documents,
        list.spread(1),
        verdict(list.median() <= MAX_LIST_MS)
    );
    let draw = Samples::new(results.frames.draw_ms.clone());
    let _ = writeln!(
        w,
        "| frame p99 ≤ {MAX_FRAME_P99_MS} ms at {} rows (TestBackend) | p99 {:.3} ms | {} |",
        results.frames.rows,
        draw.percentile(99.0),
        verdict(draw.percentile(99.0) <= MAX_FRAME_P99_MS)
    );
    let marked = Samples::new(results.frames_marked.draw_ms.clone());
    let _ = writeln!(
        w,
        "| frame p99 ≤ {MAX_FRAME_P99_MS} ms at {} rows, {} marked (TestBackend) | p99 {:.3} ms | {} |",
        results.frames_marked.rows,
        results.frames_marked.marked,
        marked.percentile(99.0),
        verdict(marked.percentile(99.0) <= MAX_FRAME_P99_MS)
    );
    let checked = Samples::new(results.frames_checked.draw_ms.clone());
    let _ = writeln!(
        w,
        "| frame p99 ≤ {MAX_FRAME_P99_MS} ms at {} rows after a check, {} with problems (TestBackend) | p99 {:.3} ms | {} |",
        results.frames_checked.rows,
        results.frames_checked.problems,
        checked.percentile(99.0),
        verdict(checked.percentile(99.0) <= MAX_FRAME_P99_MS)
    );
    let preview = Samples::new(results.frames_preview.draw_ms.clone());
    let _ = writeln!(
        w,
        "| frame p99 ≤ {MAX_FRAME_P99_MS} ms at {} rows, preview open on a CSV (TestBackend) | p99 {:.3} ms | {} |",
        results.frames_preview.rows,
        preview.percentile(99.0),
        verdict(preview.percentile(99.0) <= MAX_FRAME_P99_MS)
    );
    crate::batch_report::targets(w, &results.batch, &results.batch_memory);
    crate::batch_report::backup_targets(w, &results.backup);
    crate::batch_report::copy_targets(w, &results.copy);
    crate::batch_report::check_targets(w, &results.check);
    let batch = &results.tui_batch;
    let _ = writeln!(
        w,
        "| no frame storm while a {}-file batch runs in the TUI (frames per second ≤ {MAX_BATCH_FPS:.0}) | {:.1} frames/s ({} frames in {:.1} s) | {} |",
        batch.files,
        batch.frames_per_second(),
        batch.frames,
        batch.seconds,
        verdict(batch.frames_per_second() <= MAX_BATCH_FPS)
    );
    let real = &results.real_tui;
    let _ = writeln!(
        w,
        "| 0 frames in {:.0} s of idleness (the real TUI, {} rows) | {} frames, {} bytes written | {} |",
        real.idle_seconds,
        real.rows,
        real.idle_frames,
        real.idle_bytes,
        verdict(real.idle_frames == 0 && real.idle_bytes == 0)
    );
    w.push('\n');
}

fn render_transfers(w: &mut String, results: &Results) {
    let _ = writeln!(w, "## Transfers\n");
    let _ = writeln!(
        w,
        "Loopback HTTP to `d2files demo-server` in its own process (bodies streamed to and from \
         its temp dir, no upload limit, storage delay 0). Each size: one untimed warm-up of each \
         tool, then the timed runs, d2files and curl back to back in alternating order. Wall \
         time is the whole process, start-up included; peak RSS is GNU time's maximum resident \
         set size. The ratio is curl's time over d2files' time for each back-to-back pair \
         (1.00 = as fast as curl, higher = faster).\n"
    );
    let _ = writeln!(
        w,
        "- download: `d2files resources download UID OUT --force` (metadata GET, body, MD5 \
         check, rename) vs `curl -u … -o OUT …/api/fileResources/UID/data`"
    );
    let _ = writeln!(
        w,
        "- upload: `d2files documents upload FILE` (both steps: multipart upload with the MD5 \
         of the bytes sent, poll until STORED, compare MD5s, create the document) vs \
         `curl -u … -F file=@FILE …/api/fileResources?domain=DOCUMENT` (the upload step alone)"
    );
    let _ = writeln!(
        w,
        "- `--no-verify`: the same d2files commands without hashing (lengths are still \
         checked): the work curl does\n"
    );
    transfer_header(w);
    let kinds = [
        (Direction::Download, Check::Md5),
        (Direction::Download, Check::LengthOnly),
        (Direction::Upload, Check::Md5),
        (Direction::Upload, Check::LengthOnly),
    ];
    for (direction, check) in kinds {
        for case in of_kind(&results.cases, direction, check) {
            transfer_row(w, case);
        }
    }
    render_md5_cost(w, results);
    if let Some(kib) = results.emulator_peak_rss_kib {
        let _ = writeln!(
            w,
            "\nThe emulator's own peak RSS over all loopback transfer runs: {:.1} MiB.",
            kib as f64 / 1024.0
        );
    }
    if !results.link.cases.is_empty() {
        let _ = writeln!(
            w,
            "\nOver a link: a second emulator started with `--link-mbit {}`, which paces every \
             download body to {} Mbit/s (gigabit Ethernet), the same pairs.\n",
            results.link.mbit, results.link.mbit
        );
        transfer_header(w);
        for case in &results.link.cases {
            transfer_row(w, case);
        }
    }
    w.push('\n');
}

fn transfer_header(w: &mut String) {
    let _ = writeln!(
        w,
        "| Case | Size | Runs | curl s | d2files s | curl MiB/s | d2files MiB/s | ratio to curl | curl peak RSS MiB | d2files peak RSS MiB |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|---|---|---|---|");
}

fn transfer_row(w: &mut String, case: &Case) {
    let f = figures(case);
    let (secs_digits, rate_digits) = if case.bytes < 16 << 20 {
        (3, 1)
    } else {
        (2, 0)
    };
    let _ = writeln!(
        w,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        case_name(case),
        size_label(case.bytes),
        f.ratio.len(),
        f.curl_s.spread(secs_digits),
        f.d2files_s.spread(secs_digits),
        f.curl_mibps.spread(rate_digits),
        f.d2files_mibps.spread(rate_digits),
        f.ratio.spread(2),
        f.curl_rss.spread(1),
        f.d2files_rss.spread(1),
    );
}

/// What the MD5 check costs: d2files' checked download against `curl` then `md5sum`.
fn render_md5_cost(w: &mut String, results: &Results) {
    let checked: Vec<&Case> = of_kind(&results.cases, Direction::Download, Check::Md5)
        .filter(|case| !case.md5sum.is_empty())
        .collect();
    if checked.is_empty() {
        return;
    }
    let _ = writeln!(
        w,
        "\nThe MD5 check of a download, priced with standard tools: after each curl run of the \
         checked-download pairs above, `md5sum` of curl's file (in the page cache). A tool that \
         hashes every byte once cannot take less than md5sum's time, so curl ÷ md5sum is the \
         best ratio to curl an MD5-checking download can reach on this CPU.\n"
    );
    let _ = writeln!(
        w,
        "| Size | Runs | md5sum s | md5sum MiB/s | curl + md5sum s | d2files s | ratio to curl + md5sum | ceiling: curl ÷ md5sum |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|---|---|");
    for case in checked {
        let mib = case.bytes as f64 / MIB;
        let md5sum: Vec<f64> = case.md5sum.iter().map(|run| run.seconds).collect();
        let both = case
            .pairs
            .iter()
            .zip(&md5sum)
            .map(|((curl, _), md5sum)| curl.seconds + md5sum)
            .collect();
        let digits = if case.bytes < 16 << 20 { 3 } else { 2 };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {}× | {}× |",
            size_label(case.bytes),
            md5sum.len(),
            seconds(&md5sum).spread(digits),
            Samples::new(md5sum.iter().map(|s| mib / s).collect()).spread(0),
            Samples::new(both).spread(digits),
            figures(case).d2files_s.spread(digits),
            ratio_to_curl_and_md5sum(case).spread(2),
            md5_ceiling(case).spread(2),
        );
    }
}

fn render_listing(w: &mut String, listing: &Listing) {
    let _ = writeln!(w, "## Listing\n");
    let _ = writeln!(
        w,
        "A fresh emulator holding {} link documents created through `POST /api/documents`. Each \
         run is a new process (cold: start-up, connection, first page of 50, JSON on stdout).\n",
        listing.documents
    );
    let ms =
        |runs: &[crate::process::Run]| Samples::new(runs.iter().map(|r| r.seconds * 1e3).collect());
    let rss = crate::process::rss_mib_of;
    let _ = writeln!(w, "| Command | Runs | wall ms | p90 ms | peak RSS MiB |");
    let _ = writeln!(w, "|---|---|---|---|---|");
    let d2 = ms(&listing.d2files);
    let _ = writeln!(
        w,
        "| `d2files documents list --json` | {} | {} | {:.1} | {} |",
        d2.len(),
        d2.spread(1),
        d2.percentile(90.0),
        rss(&listing.d2files).spread(1)
    );
    let curl = ms(&listing.curl);
    let _ = writeln!(
        w,
        "| `curl` of the same page (same fields) | {} | {} | {:.1} | {} |",
        curl.len(),
        curl.spread(1),
        curl.percentile(90.0),
        rss(&listing.curl).spread(1)
    );
    w.push('\n');
}

fn render_frames(w: &mut String, results: &Results) {
    let (frames, small, real) = (&results.frames, &results.frames_small, &results.real_tui);
    let _ = writeln!(w, "## TUI\n");
    let _ = writeln!(
        w,
        "In process: {} documents loaded through `update` (the messages the runner sends), \
         drawn by `ui::draw` on a ratatui `TestBackend` of {WIDTH}×{HEIGHT} cells, the cursor \
         walking the list (steps, pages, both ends) between frames.\n",
        frames.rows
    );
    let _ = writeln!(w, "| Figure | Samples | p50 | p90 | p99 | max |");
    let _ = writeln!(w, "|---|---|---|---|---|---|");
    let draw = Samples::new(frames.draw_ms.clone());
    let key = Samples::new(frames.key_to_frame_ms.clone());
    let small_draw = Samples::new(small.draw_ms.clone());
    let small_label = format!("draw one frame with {} rows loaded, ms", small.rows);
    let marked = &results.frames_marked;
    let marked_draw = Samples::new(marked.draw_ms.clone());
    let marked_label = format!(
        "draw one frame with {} rows loaded and {} marked, ms",
        marked.rows, marked.marked
    );
    let checked = &results.frames_checked;
    let checked_draw = Samples::new(checked.draw_ms.clone());
    let checked_label = format!(
        "draw one frame with {} rows loaded after a check, {} with problems, ms",
        checked.rows, checked.problems
    );
    let screen = Samples::new(real.key_to_screen_ms.clone());
    for (name, s) in [
        ("draw one frame, ms", &draw),
        ("key event → its frame (update + draw), ms", &key),
        (small_label.as_str(), &small_draw),
        (marked_label.as_str(), &marked_draw),
        (checked_label.as_str(), &checked_draw),
    ] {
        let _ = writeln!(
            w,
            "| {name} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            s.len(),
            s.percentile(50.0),
            s.percentile(90.0),
            s.percentile(99.0),
            s.max()
        );
    }
    let _ = writeln!(
        w,
        "\nThe real TUI: `d2files` in a {WIDTH}×{HEIGHT} pseudo-terminal against the listing \
         emulator, now holding {} documents, all loaded (`D2FILES_PAGE_SIZE={}`). After the list \
         appeared and the output had been quiet for 0.5 s: {:.0} s without input, then arrow keys \
         60 ms apart.\n",
        real.rows, real.rows, real.idle_seconds
    );
    let _ = writeln!(w, "| Figure | Samples | p50 | p90 | p99 | max |");
    let _ = writeln!(w, "|---|---|---|---|---|---|");
    let _ = writeln!(
        w,
        "| key written to the pty → first bytes of its frame, ms | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
        screen.len(),
        screen.percentile(50.0),
        screen.percentile(90.0),
        screen.percentile(99.0),
        screen.max()
    );
    let _ = writeln!(
        w,
        "\nFrames drawn during {:.0} s of idleness: {} ({} bytes written to the terminal).",
        real.idle_seconds, real.idle_frames, real.idle_bytes
    );
    let batch = &results.tui_batch;
    let _ = writeln!(
        w,
        "\nA batch in the real TUI: the batch emulator at 25 ms, its {} documents loaded as one \
         page, all marked (`Ctrl-a`), `d` into an empty directory: {} frames ({} bytes) from \
         Enter until the last file was saved, {:.1} s, {:.1} frames per second.",
        batch.files,
        batch.frames,
        batch.bytes_written,
        batch.seconds,
        batch.frames_per_second()
    );
}
