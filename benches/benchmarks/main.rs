//! The d2files benchmarks (issue 5): transfers against curl, a cold list on a large server and
//! the TUI's frames. A measuring harness, not a test: nothing here asserts a timing.
//!
//! ```text
//! cargo bench --bench benchmarks               # full run (~10 min), writes BENCHMARKS.md
//! cargo bench --bench benchmarks -- --quick    # ~1 min, writes target/BENCHMARKS-quick.md
//! cargo bench --bench benchmarks -- --out FILE # write the report elsewhere
//! cargo bench --bench benchmarks -- --work-dir /dev/shm  # files in memory: no disk noise
//! ```
mod backup;
mod batch;
mod batch_report;
mod check;
mod copy;
mod link_proxy;
mod listing;
mod process;
mod pty;
mod report;
mod server;
mod slow_link;
mod stats;
mod transfers;
mod tui;
mod tui_batch;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::report::{Machine, Results};
use crate::server::Server;
use crate::transfers::{Bench, Plan};

const MIB: u64 = 1 << 20;
/// The link the emulator paces downloads to in the link case: gigabit Ethernet.
const LINK_MBIT: u32 = 1000;
/// How long the batch emulators hold each answer: loopback, and a server a continent away.
const BATCH_LATENCIES_MS: [u32; 2] = [0, 25];
/// The TUI's batch runs against the distant server: long enough to see its frame rate.
const TUI_BATCH_LATENCY_MS: u32 = 25;

struct Options {
    quick: bool,
    out: PathBuf,
    /// Where the files and the emulators' stores go (default: the system temp dir).
    work_dir: Option<PathBuf>,
    /// Run only this section and print it (BENCHMARKS.md is left as it is).
    only: Option<String>,
}

fn parse_options() -> anyhow::Result<Options> {
    let mut quick = false;
    let mut out = None;
    let mut work_dir = None;
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--out" => out = Some(PathBuf::from(args.next().context("--out needs a path")?)),
            "--work-dir" => {
                work_dir = Some(PathBuf::from(
                    args.next().context("--work-dir needs a directory")?,
                ));
            }
            "--only" => {
                only =
                    Some(args.next().context(
                        "--only needs check, slow-link, checked-download or tui-preview",
                    )?);
            }
            // Passed by `cargo bench` to every bench target.
            "--bench" => {}
            other => {
                bail!(
                    "unknown argument {other} (expected --quick, --out FILE, --work-dir DIR or \
                     --only check|slow-link|checked-download|tui-preview)"
                )
            }
        }
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = out.unwrap_or_else(|| {
        if quick {
            manifest.join("target").join("BENCHMARKS-quick.md")
        } else {
            manifest.join("BENCHMARKS.md")
        }
    });
    Ok(Options {
        quick,
        out,
        work_dir,
        only,
    })
}

/// A reference tool on PATH; `why` says what the benchmarks need it for.
fn find_program(name: &str, why: &str) -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .with_context(|| format!("{name} is not on PATH; {why}"))
}

/// The type of the file system holding `dir` ("tmpfs", "ext2/ext3"), as GNU stat names it.
fn file_system(dir: &Path) -> String {
    Command::new("stat")
        .args(["-f", "-c", "%T"])
        .arg(dir)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown file system".to_string())
}

/// Free bytes on the file system holding `dir` (GNU df).
fn free_bytes(dir: &Path) -> anyhow::Result<u64> {
    let output = Command::new("df")
        .args(["-B1", "--output=avail"])
        .arg(dir)
        .output()?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .nth(1)
        .and_then(|line| line.trim().parse().ok())
        .context("reading df's answer")
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("benchmarks failed: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let options = parse_options()?;
    let started = Instant::now();
    let d2files = PathBuf::from(env!("CARGO_BIN_EXE_d2files"));
    let curl = find_program("curl", "the transfer figures are ratios against it")?;
    let md5sum = find_program("md5sum", "it prices the MD5 check of a download")?;
    let mut work = tempfile::Builder::new();
    work.prefix("d2files-bench-");
    let work = match &options.work_dir {
        Some(dir) => work.tempdir_in(dir),
        None => work.tempdir(),
    }?;
    if let Some(section) = &options.only {
        return run_only(section, &options, &d2files, &curl, work.path());
    }
    let (batch_files, batch_repeats) = if options.quick { (100, 1) } else { (500, 3) };
    let (plan, link_plan, list_repeats, frame_samples, keys) = if options.quick {
        let plan = Plan {
            sizes: vec![MIB, 16 * MIB, 64 * MIB],
            repeats: vec![5, 3, 3],
        };
        (plan, (32 * MIB, 3), 7, 200, 10)
    } else {
        let plan = Plan {
            sizes: vec![MIB, 100 * MIB, 1024 * MIB],
            repeats: vec![15, 9, 7],
        };
        (plan, (256 * MIB, 5), 25, 1000, 40)
    };
    // Source, the server's copy of it, the download and one upload at a time.
    let largest = plan.sizes.iter().copied().max().unwrap_or(0);
    let needed = 4 * largest + 256 * MIB;
    let free = free_bytes(work.path())?;
    if free < needed {
        bail!(
            "{} has {} MiB free; the benchmarks need {} MiB",
            work.path().display(),
            free / MIB,
            needed / MIB
        );
    }
    let machine = Machine::probe(&curl);
    let parent = work.path().parent().unwrap_or(work.path());
    let files = format!("{} ({})", parent.display(), file_system(parent));

    eprintln!("transfers (work dir {})", work.path().display());
    let client_dir = work.path().join("client");
    std::fs::create_dir_all(&client_dir)?;
    let mut server = Server::start(&d2files, &work.path().join("server-transfers"), &[])?;
    let cases = {
        let mut bench = Bench {
            d2files: &d2files,
            curl: &curl,
            md5sum: &md5sum,
            server: &mut server,
            work: &client_dir,
        };
        transfers::run_all(&mut bench, &plan)?
    };
    let emulator_peak_rss_kib = server.peak_rss_kib();
    drop(server);

    eprintln!("downloads over a {LINK_MBIT} Mbit/s link");
    let mbit = LINK_MBIT.to_string();
    let mut server = Server::start(
        &d2files,
        &work.path().join("server-link"),
        &["--link-mbit", &mbit],
    )?;
    let link = {
        let mut bench = Bench {
            d2files: &d2files,
            curl: &curl,
            md5sum: &md5sum,
            server: &mut server,
            work: &client_dir,
        };
        let (bytes, repeats) = link_plan;
        transfers::downloads_over_link(&mut bench, bytes, repeats)?
    };
    drop(server);

    let mut batch_cases = Vec::new();
    let mut batch_memory = None;
    let mut tui_batch = None;
    for latency_ms in BATCH_LATENCIES_MS {
        eprintln!("batch: {batch_files} documents, answers held {latency_ms} ms");
        let (case, uids, server) = batch::run(
            &d2files,
            &curl,
            &client_dir,
            batch_files,
            latency_ms,
            batch_repeats,
        )?;
        if latency_ms == 0 {
            let few = batch_files / 10;
            eprintln!("batch: peak RSS over {few} and {batch_files} documents");
            batch_memory = Some(batch::memory(
                &d2files,
                &server,
                &uids,
                few,
                batch_repeats,
                &client_dir,
            )?);
        }
        if latency_ms == TUI_BATCH_LATENCY_MS {
            eprintln!("TUI: a {batch_files}-file batch download, answers held {latency_ms} ms");
            let home = work.path().join("tui-batch-home");
            std::fs::create_dir_all(&home)?;
            tui_batch = Some(tui_batch::run(&d2files, &server.url, batch_files, &home)?);
        }
        batch_cases.push(case);
    }
    let batch_memory = batch_memory.context("the batch at 0 ms measures memory")?;
    let tui_batch = tui_batch.context("the TUI batch runs at one of the latencies")?;

    let (counts, sizes, backup_repeats) = if options.quick {
        ((200, 2), (4096, 5 << 20), 1)
    } else {
        ((1000, 5), (4096, 50 << 20), 3)
    };
    eprintln!(
        "backup: {} small and {} large documents, answers held {} ms",
        counts.0,
        counts.1,
        backup::LATENCY_MS
    );
    let backup = backup::run(&d2files, &curl, &client_dir, counts, sizes, backup_repeats)?;

    let (copy_bytes, copy_repeats) = if options.quick {
        (64 * MIB, 1)
    } else {
        (1024 * MIB, 3)
    };
    eprintln!(
        "copy: {} between two emulators",
        transfers::size_label(copy_bytes)
    );
    let copy = copy::run(&d2files, &curl, &client_dir, copy_bytes, copy_repeats)?;

    let (check_documents, check_repeats) = if options.quick { (500, 1) } else { (5000, 2) };
    eprintln!(
        "check: {check_documents} documents, answers held {} ms",
        backup::LATENCY_MS
    );
    let check = check::run(&d2files, &curl, &client_dir, check_documents, check_repeats)?;

    let slow_repeats = if options.quick { 1 } else { 3 };
    eprintln!("slow links: everyday commands through a link proxy");
    let slow_link = slow_link::run(&d2files, &curl, &client_dir, slow_repeats)?;

    let documents = 5000;
    eprintln!("listing: {documents} documents, {list_repeats} cold runs");
    let server = Server::start(&d2files, &work.path().join("server-listing"), &[])?;
    let listing = listing::run(
        &d2files,
        &curl,
        &server,
        &client_dir,
        documents,
        list_repeats,
    )?;

    let rows = 10_000;
    eprintln!("TUI: {rows} rows, {frame_samples} frames on a TestBackend");
    let frames = tui::frames(rows, 0, 0, frame_samples, &client_dir)?;
    // The same at 100 rows shows how a frame's cost grows with the rows loaded.
    let frames_small = tui::frames(100, 0, 0, frame_samples, &client_dir)?;
    let frames_marked = tui::frames(rows, rows / 2, 0, frame_samples, &client_dir)?;
    let frames_checked = tui::frames(rows, 0, rows / 10, frame_samples, &client_dir)?;
    let frames_preview =
        tui::preview_frames(rows, frame_samples, &tui::demo_csv_preview(), &client_dir)?;
    eprintln!("TUI: d2files in a pty, {rows} documents, 5 s idle, {keys} keys");
    listing::seed(&server, documents..rows)?;
    let tui_home = work.path().join("tui-home");
    std::fs::create_dir_all(&tui_home)?;
    let real_tui = tui::real(
        &d2files,
        &server.url,
        rows,
        std::time::Duration::from_secs(5),
        keys,
        &tui_home,
    )?;
    drop(server);

    let mut flags = Vec::new();
    if options.quick {
        flags.push("--quick".to_string());
    }
    if let Some(dir) = &options.work_dir {
        flags.push(format!("--work-dir {}", dir.display()));
    }
    let mut command = "cargo bench --bench benchmarks".to_string();
    if !flags.is_empty() {
        command = format!("{command} -- {}", flags.join(" "));
    }
    let results = Results {
        command: &command,
        quick: options.quick,
        machine,
        cases,
        link: report::Link {
            mbit: LINK_MBIT,
            cases: link,
        },
        emulator_peak_rss_kib,
        listing,
        frames,
        frames_small,
        frames_marked,
        frames_checked,
        frames_preview,
        real_tui,
        batch: batch_cases,
        batch_memory,
        tui_batch,
        backup,
        copy,
        check,
        slow_link,
        seconds: started.elapsed().as_secs_f64(),
        files,
    };
    // The hand-written findings come from the file being replaced, else from BENCHMARKS.md.
    let previous = std::fs::read_to_string(&options.out)
        .or_else(|_| {
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md"))
        })
        .unwrap_or_default();
    if let Some(dir) = options.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&options.out, report::render(&results, &previous))
        .with_context(|| format!("writing {}", options.out.display()))?;
    eprintln!("wrote {} ({:.0} s)", options.out.display(), results.seconds);
    Ok(())
}

/// One section alone, printed: for working on it without the whole run.
fn run_only(
    section: &str,
    options: &Options,
    d2files: &Path,
    curl: &Path,
    work: &Path,
) -> anyhow::Result<()> {
    let mut text = String::new();
    match section {
        "check" => {
            let documents = if options.quick { 500 } else { 5000 };
            let bench = check::run(d2files, curl, work, documents, 1)?;
            batch_report::check_targets(&mut text, &bench);
            batch_report::check_section(&mut text, &bench);
        }
        "slow-link" => {
            let bench = slow_link::run(d2files, curl, work, 1)?;
            slow_link::section(&mut text, &bench);
        }
        "checked-download" => checked_downloads(&mut text, options, d2files, curl, work)?,
        "tui-preview" => {
            tui::preview_section(&mut text, if options.quick { 500 } else { 2000 }, work)?
        }
        other => {
            bail!("--only takes check, slow-link, checked-download or tui-preview, not {other}")
        }
    }
    print!("{text}");
    Ok(())
}

/// Checked downloads on loopback alone (the transfers table's default rows): d2files against
/// curl and against curl then md5sum of curl's file, pair by pair.
fn checked_downloads(
    text: &mut String,
    options: &Options,
    d2files: &Path,
    curl: &Path,
    work: &Path,
) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    let md5sum = find_program("md5sum", "it prices the MD5 check of a download")?;
    let (sizes, repeats): (&[u64], usize) = if options.quick {
        (&[MIB, 64 * MIB], 3)
    } else {
        (&[MIB, 1024 * MIB], 7)
    };
    let mut server = Server::start(d2files, &work.join("server-checked"), &[])?;
    let client_dir = work.join("client");
    std::fs::create_dir_all(&client_dir)?;
    let _ = writeln!(
        text,
        "| Size | Runs | curl s | curl + md5sum s | d2files s | ratio to curl | ratio to curl + md5sum |"
    );
    let _ = writeln!(text, "|---|---|---|---|---|---|---|");
    for &bytes in sizes {
        let source = client_dir.join(format!("source-{bytes}.dat"));
        transfers::make_file(&source, bytes)?;
        let bench = Bench {
            d2files,
            curl,
            md5sum: &md5sum,
            server: &mut server,
            work: &client_dir,
        };
        let uid = bench.store_source(&source)?;
        let case = bench.download(&uid, bytes, repeats, transfers::Check::Md5)?;
        let samples =
            |f: &dyn Fn(usize) -> f64| stats::Samples::new((0..case.pairs.len()).map(f).collect());
        let curl_s = samples(&|i| case.pairs[i].0.seconds);
        let both_s = samples(&|i| case.pairs[i].0.seconds + case.md5sum[i].seconds);
        let d2files_s = samples(&|i| case.pairs[i].1.seconds);
        let to_curl = samples(&|i| case.pairs[i].0.seconds / case.pairs[i].1.seconds);
        let to_both = samples(&|i| {
            (case.pairs[i].0.seconds + case.md5sum[i].seconds) / case.pairs[i].1.seconds
        });
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} | {}× | {}× |",
            transfers::size_label(bytes),
            case.pairs.len(),
            curl_s.spread(3),
            both_s.spread(3),
            d2files_s.spread(3),
            to_curl.spread(2),
            to_both.spread(2)
        );
        std::fs::remove_file(&source)?;
    }
    Ok(())
}
