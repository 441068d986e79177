//! `d2files copy --from A --to B` of one large document between two emulators (issue 14):
//! its peak memory, and its time against `curl` downloading the file from A then uploading it
//! to B (the same bytes moved with standard tools, through a file).
use std::path::Path;

use anyhow::Context;

use crate::process::{Run, measure};
use crate::server::{PASSWORD, Server, USERNAME};
use crate::transfers::make_file;

pub struct CopyBench {
    pub bytes: u64,
    pub d2files: Vec<Run>,
    /// curl's download then upload, each pair one sample.
    pub curl: Vec<(Run, Run)>,
}

impl CopyBench {
    /// curl's download + upload time over d2files' copy time, per pair.
    pub fn ratios(&self) -> Vec<f64> {
        self.d2files
            .iter()
            .zip(&self.curl)
            .map(|(copy, (down, up))| (down.seconds + up.seconds) / copy.seconds)
            .collect()
    }
}

/// Writes a profiles file in `home` naming `from` and `to`.
fn write_profiles(home: &Path, from: &str, to: &str) -> anyhow::Result<()> {
    let dir = home.join(".config/dhis2");
    std::fs::create_dir_all(&dir)?;
    let profile = |name: &str, url: &str| {
        format!(
            "[profiles.{name}]\nbase_url = \"{url}\"\nauth = \"basic\"\nusername = \"{USERNAME}\"\n\
             password = \"{PASSWORD}\"\n"
        )
    };
    let file = dir.join("profiles.toml");
    std::fs::write(&file, profile("from", from) + &profile("to", to))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Copies a `bytes`-byte document `repeats` times, each time into a fresh target emulator, and
/// moves the same bytes with curl between the same two servers.
pub fn run(
    d2files: &Path,
    curl: &Path,
    work: &Path,
    bytes: u64,
    repeats: usize,
) -> anyhow::Result<CopyBench> {
    let source_file = work.join("copy-source.pdf");
    make_file(&source_file, bytes)?;
    let source = Server::start(d2files, &work.join("server-copy-source"), &[])?;
    let env = [
        ("DHIS2_URL", source.url.as_str()),
        ("DHIS2_USERNAME", USERNAME),
        ("DHIS2_PASSWORD", PASSWORD),
    ];
    let source_text = source_file.to_string_lossy().into_owned();
    let uploaded = measure(
        d2files,
        &["documents", "upload", &source_text, "--json"],
        &env,
        work,
    )?;
    let answer: serde_json::Value = serde_json::from_str(&uploaded.stdout)?;
    let fr = answer["file_resource"]["id"]
        .as_str()
        .or_else(|| answer["fileResource"]["id"].as_str())
        .map(str::to_string)
        .with_context(|| format!("no file resource in {answer}"))?;
    std::fs::remove_file(&source_file)?;
    let home = work.join("copy-home");
    let credentials = format!("{USERNAME}:{PASSWORD}");
    let fetched = work.join("copy-curl.pdf");
    let fetched_text = fetched.to_string_lossy().into_owned();
    let mut bench = CopyBench {
        bytes,
        d2files: Vec::new(),
        curl: Vec::new(),
    };
    for i in 0..repeats + 1 {
        let target = Server::start(d2files, &work.join(format!("server-copy-target-{i}")), &[])?;
        write_profiles(&home, &source.url, &target.url)?;
        let copy = measure(
            d2files,
            &["copy", "--from", "from", "--to", "to"],
            &[],
            &home,
        )?;
        let data = format!("{}/api/fileResources/{fr}/data", source.url);
        let down = measure(
            curl,
            &[
                "-sS",
                "--fail",
                "-u",
                &credentials,
                "-o",
                &fetched_text,
                &data,
            ],
            &[],
            work,
        )?;
        let form = format!("file=@{fetched_text}");
        let upload = format!("{}/api/fileResources?domain=DOCUMENT", target.url);
        let up = measure(
            curl,
            &["-sS", "--fail", "-u", &credentials, "-F", &form, &upload],
            &[],
            work,
        )?;
        std::fs::remove_file(&fetched)?;
        drop(target);
        // The first round warms both tools up.
        if i > 0 {
            bench.d2files.push(copy);
            bench.curl.push((down, up));
        }
    }
    Ok(bench)
}
