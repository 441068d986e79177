//! Shared helpers of the `hardening_*` suites: emulators, clients with short backoffs, files,
//! and the CLI binary run in a private home.
#![allow(dead_code)]

pub mod hostile;
pub mod tls;

use std::path::{Path, PathBuf};
use std::time::Duration;

use d2files::api::{Auth, Client, ClientOptions, TransferOptions, WaitPolicy};
use d2files::emulator::{ADMIN_PASSWORD, ADMIN_USERNAME, Emulator, EmulatorOptions};
use md5::{Digest, Md5};

pub async fn start(version: &str) -> Emulator {
    start_with(version, |_| {}).await
}

pub async fn start_with(version: &str, tweak: impl FnOnce(&mut EmulatorOptions)) -> Emulator {
    let mut options = EmulatorOptions {
        version: version.parse().expect("a version the emulator knows"),
        ..EmulatorOptions::default()
    };
    tweak(&mut options);
    Emulator::start(options).await.expect("the emulator starts")
}

pub fn admin(em: &Emulator) -> Client {
    let options = ClientOptions {
        retry_backoff: Duration::from_millis(2),
        read_timeout: Duration::from_secs(20),
        ..ClientOptions::default()
    };
    Client::with_options(
        &em.base_url(),
        Auth::basic(ADMIN_USERNAME, ADMIN_PASSWORD),
        options,
    )
    .expect("client")
}

pub fn transfer() -> TransferOptions {
    TransferOptions {
        wait: WaitPolicy {
            limit: Duration::from_secs(5),
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        },
        ..TransferOptions::default()
    }
}

pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("d2files-hardening-")
        .tempdir()
        .expect("temp dir")
}

/// Deterministic bytes that do not repeat.
pub fn bytes(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

pub fn write_file(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

pub fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every path below `dir`, sorted, relative to it.
pub fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() && !path.is_symlink() {
                pending.push(path.clone());
            }
            found.push(path.strip_prefix(dir).expect("below dir").to_path_buf());
        }
    }
    found.sort();
    found
}

/// Whether permission bits stop this process (they do not for root).
pub fn permissions_apply() -> bool {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let applies = std::fs::write(locked.join("probe"), b"x").is_err();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    applies
}

/// The d2files binary with HOME and XDG directories inside `home` and no DHIS2_* from outside.
pub fn d2files(home: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_d2files"));
    isolate(&mut command, home);
    command
}

pub fn isolate(command: &mut std::process::Command, home: &Path) {
    for var in [
        "DHIS2_PROFILE",
        "DHIS2_URL",
        "DHIS2_PAT",
        "DHIS2_USERNAME",
        "DHIS2_PASSWORD",
        "D2FILES_LOG",
        "RUST_LOG",
    ] {
        command.env_remove(var);
    }
    command
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
}

/// Points a command at an emulator as admin through the DHIS2_* variables.
pub fn as_admin(command: &mut std::process::Command, em: &Emulator) {
    command
        .env("DHIS2_URL", em.base_url())
        .env("DHIS2_USERNAME", ADMIN_USERNAME)
        .env("DHIS2_PASSWORD", ADMIN_PASSWORD);
}

pub struct Run {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a command off the async runtime (the emulator lives on it).
pub async fn run(mut command: std::process::Command) -> Run {
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("the command runs");
    Run {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Seeds an `application/octet-stream` file resource; returns its uid.
pub fn seed_blob(em: &Emulator, name: &str, contents: Vec<u8>) -> String {
    em.seed_file_resource(d2files::emulator::SeedFileResource::new(
        name,
        "application/octet-stream",
        contents,
    ))
    .expect("seed")
}
