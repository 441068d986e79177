//! Downloads and uploads: `d2files` against `curl` on the same URL, run by run.
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::process::{Run, measure};
use crate::server::{PASSWORD, Server, USERNAME};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Download,
    Upload,
}

/// What d2files checks of the bytes it moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// The default: every byte hashed and compared with the server's MD5.
    Md5,
    /// `--no-verify`: lengths only, the same work curl does.
    LengthOnly,
}

impl Check {
    fn flags(self) -> &'static [&'static str] {
        match self {
            Check::Md5 => &[],
            Check::LengthOnly => &["--no-verify"],
        }
    }
}

/// All runs of one direction, check and size; `pairs[i]` ran back to back (curl, d2files).
pub struct Case {
    pub direction: Direction,
    pub check: Check,
    pub bytes: u64,
    pub pairs: Vec<(Run, Run)>,
    /// `md5sum` of curl's file right after each curl run of a checked download (`md5sum[i]`
    /// belongs to `pairs[i]`): the same check done with standard tools.
    pub md5sum: Vec<Run>,
}

pub struct Plan {
    pub sizes: Vec<u64>,
    /// Timed repetitions per size (after one untimed warm-up of each tool).
    pub repeats: Vec<usize>,
}

/// Everything a transfer run needs.
pub struct Bench<'a> {
    pub d2files: &'a Path,
    pub curl: &'a Path,
    pub md5sum: &'a Path,
    pub server: &'a mut Server,
    pub work: &'a Path,
}

/// A file of `bytes` pseudo-random bytes (incompressible, deterministic).
pub fn make_file(path: &Path, bytes: u64) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ bytes;
    let mut block = vec![0u8; 1 << 20];
    let mut left = bytes;
    while left > 0 {
        for word in block.chunks_exact_mut(8) {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            word.copy_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
        }
        let n = left.min(block.len() as u64) as usize;
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    out.flush()?;
    Ok(())
}

pub fn size_label(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} B")
    }
}

impl Bench<'_> {
    fn d2files_env(&self) -> [(&'static str, String); 3] {
        [
            ("DHIS2_URL", self.server.url.clone()),
            ("DHIS2_USERNAME", USERNAME.to_string()),
            ("DHIS2_PASSWORD", PASSWORD.to_string()),
        ]
    }

    fn run_d2files(&self, args: &[&str]) -> anyhow::Result<Run> {
        let env = self.d2files_env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        measure(self.d2files, args, &env, self.work)
    }

    fn run_curl(&self, args: &[&str]) -> anyhow::Result<Run> {
        let credentials = format!("{USERNAME}:{PASSWORD}");
        let mut all = vec!["-sS", "--fail", "-u", credentials.as_str()];
        all.extend_from_slice(args);
        measure(self.curl, &all, &[], self.work)
    }

    fn upload_url(&self) -> String {
        format!("{}/api/fileResources?domain=DOCUMENT", self.server.url)
    }

    /// Stores `source` on the server with curl; returns the file resource's id.
    pub fn store_source(&self, source: &Path) -> anyhow::Result<String> {
        let form = format!("file=@{}", source.display());
        let run = self.run_curl(&["-F", &form, &self.upload_url()])?;
        let answer: serde_json::Value =
            serde_json::from_str(&run.stdout).context("the upload's answer")?;
        answer["response"]["fileResource"]["id"]
            .as_str()
            .map(str::to_string)
            .with_context(|| format!("no file resource id in {answer}"))
    }

    /// Alternates which tool goes first, so that neither always meets the warmer machine.
    /// `curl` gives curl's side of a pair: its run, or its run and what followed it.
    fn pairs<T>(
        &self,
        repeats: usize,
        curl: impl Fn() -> anyhow::Result<T>,
        d2files: impl Fn() -> anyhow::Result<Run>,
        between: impl Fn() -> anyhow::Result<()>,
    ) -> anyhow::Result<Vec<(T, Run)>> {
        curl()?;
        between()?;
        d2files()?;
        between()?;
        let mut pairs = Vec::with_capacity(repeats);
        for i in 0..repeats {
            let (c, d) = if i % 2 == 0 {
                let c = curl()?;
                between()?;
                (c, d2files()?)
            } else {
                let d = d2files()?;
                between()?;
                (curl()?, d)
            };
            between()?;
            pairs.push((c, d));
        }
        Ok(pairs)
    }

    pub fn download(
        &self,
        uid: &str,
        bytes: u64,
        repeats: usize,
        check: Check,
    ) -> anyhow::Result<Case> {
        let out: PathBuf = self.work.join("downloaded.dat");
        let out_text = out.display().to_string();
        let url = format!("{}/api/fileResources/{uid}/data", self.server.url);
        let remove_out = || -> anyhow::Result<()> {
            match std::fs::remove_file(&out) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            }
        };
        let check_size = |run: Run| -> anyhow::Result<Run> {
            let got = std::fs::metadata(&out)?.len();
            anyhow::ensure!(got == bytes, "downloaded {got} of {bytes} bytes");
            Ok(run)
        };
        let curl = || check_size(self.run_curl(&["-o", &out_text, &url])?);
        // A checked download is also compared with curl followed by md5sum of its file.
        let curl_then_md5sum = || -> anyhow::Result<(Run, Option<Run>)> {
            let curl = curl()?;
            let md5sum = match check {
                Check::Md5 => Some(measure(self.md5sum, &[&out_text], &[], self.work)?),
                Check::LengthOnly => None,
            };
            Ok((curl, md5sum))
        };
        let mut args = vec!["resources", "download", uid, &out_text, "--force"];
        args.extend_from_slice(check.flags());
        let runs = self.pairs(
            repeats,
            curl_then_md5sum,
            || check_size(self.run_d2files(&args)?),
            remove_out,
        )?;
        let mut pairs = Vec::with_capacity(runs.len());
        let mut md5sum = Vec::new();
        for ((curl, hashed), d2files) in runs {
            pairs.push((curl, d2files));
            md5sum.extend(hashed);
        }
        Ok(Case {
            direction: Direction::Download,
            check,
            bytes,
            pairs,
            md5sum,
        })
    }

    pub fn upload(
        &self,
        source: &Path,
        bytes: u64,
        repeats: usize,
        check: Check,
    ) -> anyhow::Result<Case> {
        let form = format!("file=@{}", source.display());
        let source_text = source.display().to_string();
        let url = self.upload_url();
        let mut args = vec!["documents", "upload", &source_text];
        args.extend_from_slice(check.flags());
        let pairs = self.pairs(
            repeats,
            || self.run_curl(&["-o", "/dev/null", "-F", &form, &url]),
            || self.run_d2files(&args),
            || self.server.drop_uploads(),
        )?;
        Ok(Case {
            direction: Direction::Upload,
            check,
            bytes,
            pairs,
            md5sum: Vec::new(),
        })
    }
}

/// Downloads of one file with and without the MD5 check, from a server pacing its bodies.
pub fn downloads_over_link(
    bench: &mut Bench,
    bytes: u64,
    repeats: usize,
) -> anyhow::Result<Vec<Case>> {
    let source = bench.work.join(format!("source-{bytes}.dat"));
    make_file(&source, bytes)?;
    let uid = bench.store_source(&source)?;
    std::fs::remove_file(&source)?;
    let mut cases = Vec::new();
    for check in [Check::Md5, Check::LengthOnly] {
        eprintln!("  download {} ×{repeats}", label(bytes, check));
        cases.push(bench.download(&uid, bytes, repeats, check)?);
    }
    Ok(cases)
}

/// "1 GiB" or "1 GiB --no-verify", for progress lines.
fn label(bytes: u64, check: Check) -> String {
    [size_label(bytes)]
        .into_iter()
        .chain(check.flags().iter().map(|flag| flag.to_string()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs every size in both directions, with and without d2files' MD5 check, creating and
/// deleting the source files as it goes.
pub fn run_all(bench: &mut Bench, plan: &Plan) -> anyhow::Result<Vec<Case>> {
    let mut cases = Vec::new();
    for (&bytes, &repeats) in plan.sizes.iter().zip(&plan.repeats) {
        let source = bench.work.join(format!("source-{bytes}.dat"));
        make_file(&source, bytes)?;
        let uid = bench.store_source(&source)?;
        bench.server.keep_current_blobs()?;
        for check in [Check::Md5, Check::LengthOnly] {
            let label = label(bytes, check);
            eprintln!("  download {label} ×{repeats}");
            cases.push(bench.download(&uid, bytes, repeats, check)?);
            eprintln!("  upload {label} ×{repeats}");
            cases.push(bench.upload(&source, bytes, repeats, check)?);
        }
        std::fs::remove_file(&source)?;
    }
    Ok(cases)
}
