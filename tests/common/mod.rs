//! The one support module of the integration tests: an emulator per test, d2files clients for it
//! with small backoffs, temp files, deterministic bytes and request-log queries here; the binary
//! run in a private home in [`bin`] (its names also here), in a pseudo-terminal in [`pty`], the
//! TUI's effect runner in [`runner`], hostile HTTP servers in [`hostile`], a private CA in
//! [`tls`] and raw HTTP to an emulator in [`raw`]. Every suite includes it with `mod common;`
//! and uses a different subset.
#![allow(dead_code)]

// The binary and the TUI's runner exist with the `cli` feature only; the api suites, which CI
// also builds without it, use the rest.
#[cfg(feature = "cli")]
pub mod bin;
#[cfg(feature = "cli")]
pub mod cli_server;
pub mod hostile;
#[cfg(feature = "cli")]
pub mod pty;
pub mod raw;
#[cfg(feature = "cli")]
pub mod runner;
pub mod tls;

#[cfg(feature = "cli")]
pub use bin::*;

use std::path::{Path, PathBuf};
use std::time::Duration;

use d2files::api::{Auth, Client, ClientOptions, TransferOptions, WaitPolicy};
use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_PAT, ADMIN_USERNAME, Dhis2Version, Emulator, EmulatorOptions,
    GUEST_PASSWORD, GUEST_USERNAME, RecordedRequest,
};
use md5::{Digest, Md5};

/// The version matrix every version-dependent behaviour is checked on: each minor, and the
/// patch levels where a minor changes inside (2.41.7 and 2.42.4: the delete override and the
/// cleanup job, dhis2-api.md §3.6, §4.7). A new release is one more entry.
pub const VERSIONS: [&str; 9] = [
    "2.38", "2.39", "2.40", "2.41", "2.41.7", "2.42", "2.42.4", "2.43", "2.44",
];

pub fn version(text: &str) -> Dhis2Version {
    text.parse().expect("a version the emulator knows")
}

/// Whether the client's table says release `text` has `feature` (what a test expects of a
/// release, in the one place the client decides it).
pub fn supports(text: &str, feature: d2files::api::Feature) -> bool {
    d2files::api::ServerVersion::parse(text)
        .expect("a version")
        .supports(feature)
}

/// DHIS2's words for a refused file resource download (dhis2-api.md §4.6; reworded in 2.43,
/// §13.2).
pub fn download_refusal_message(text: &str, uid: &str) -> String {
    if version(text).has(d2files::emulator::Change::Texts243) {
        format!("File resource not found or not accessible: {uid}")
    } else {
        format!(
            "You don't have access to fileResource '{uid}' or this fileResource is not available from this endpoint"
        )
    }
}

pub async fn start(version_text: &str) -> Emulator {
    start_with(version_text, |_| {}).await
}

pub async fn start_with(version_text: &str, tweak: impl FnOnce(&mut EmulatorOptions)) -> Emulator {
    let mut options = EmulatorOptions {
        version: version(version_text),
        ..EmulatorOptions::default()
    };
    tweak(&mut options);
    Emulator::start(options).await.expect("the emulator starts")
}

/// A multi-threaded runtime of its own, for tests that are not async themselves (the binary in
/// a process or a pty) but need the emulator served meanwhile.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// An emulator with `tweak`ed default options, served on a runtime of its own (see
/// [`runtime`]). Keep the runtime while the emulator is used; seeding file resources needs
/// `runtime.enter()`.
pub fn start_blocking(
    tweak: impl FnOnce(&mut EmulatorOptions),
) -> (tokio::runtime::Runtime, Emulator) {
    let runtime = runtime();
    let mut options = EmulatorOptions::default();
    tweak(&mut options);
    let emulator = runtime
        .block_on(Emulator::start(options))
        .expect("the emulator starts");
    (runtime, emulator)
}

/// Client options for tests: retries on, but with millisecond backoffs.
pub fn fast_options() -> ClientOptions {
    ClientOptions {
        retries: 2,
        retry_backoff: Duration::from_millis(2),
        read_timeout: Duration::from_secs(20),
        connect_timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    }
}

pub fn client_as(em: &Emulator, auth: Auth) -> Client {
    Client::with_options(&em.base_url(), auth, fast_options()).expect("client")
}

/// The admin with other client options (timeouts, retries).
pub fn admin_with(em: &Emulator, options: ClientOptions) -> Client {
    Client::with_options(
        &em.base_url(),
        Auth::basic(ADMIN_USERNAME, ADMIN_PASSWORD),
        options,
    )
    .expect("client")
}

pub fn admin(em: &Emulator) -> Client {
    client_as(em, Auth::basic(ADMIN_USERNAME, ADMIN_PASSWORD))
}

/// The admin with the default client options, as the binary builds its client.
pub fn default_admin(em: &Emulator) -> Client {
    Client::new(&em.base_url(), Auth::basic(ADMIN_USERNAME, ADMIN_PASSWORD)).expect("client")
}

pub fn admin_pat(em: &Emulator) -> Client {
    client_as(em, Auth::token(ADMIN_PAT))
}

pub fn guest(em: &Emulator) -> Client {
    client_as(em, Auth::basic(GUEST_USERNAME, GUEST_PASSWORD))
}

/// Transfer options that poll storage quickly and give up after `limit`.
pub fn transfer_waiting(limit: Duration) -> TransferOptions {
    TransferOptions {
        wait: WaitPolicy {
            limit,
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        },
        ..TransferOptions::default()
    }
}

pub fn transfer() -> TransferOptions {
    transfer_waiting(Duration::from_secs(5))
}

pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("d2files-test-")
        .tempdir()
        .expect("temp dir")
}

pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write temp file");
    path
}

/// The states of a xorshift64 generator started at `state` (which must not be 0).
fn xorshift(mut state: u64) -> impl Iterator<Item = u64> {
    std::iter::repeat_with(move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    })
}

/// Deterministic, incompressible-looking bytes; other seeds, other bytes.
pub fn pseudo_random_bytes(len: usize, seed: u64) -> Vec<u8> {
    xorshift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
        .take(len)
        .map(|state| (state >> 24) as u8)
        .collect()
}

/// Deterministic bytes that do not repeat, the same on every call.
pub fn bytes(len: usize) -> Vec<u8> {
    xorshift(0x2545_f491_4f6c_dd1d)
        .take(len)
        .map(|state| (state >> 24) as u8)
        .collect()
}

/// Enough of a PNG for DHIS2's (and the emulator's) image checks: signature and IHDR.
pub fn png_bytes() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0, 0, 0, 13]);
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
    bytes.extend_from_slice(&[0x1f, 0x15, 0xc4, 0x89]);
    bytes
}

pub fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Requests whose method is `method` and whose path contains `path_part`.
pub fn requests_matching(em: &Emulator, method: &str, path_part: &str) -> Vec<RecordedRequest> {
    em.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path.contains(path_part))
        .collect()
}

pub fn count(em: &Emulator, method: &str, path_part: &str) -> usize {
    requests_matching(em, method, path_part).len()
}

/// Files in `dir` whose name ends with `.part`.
pub fn part_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.to_string_lossy().ends_with(".part"))
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

/// CRC-32 (IEEE), for building personal access tokens with a valid checksum.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

/// A well-formed `d2pat_` token (32-char code + CRC32 checksum) for `code`.
pub fn pat_with_checksum(code: &str) -> String {
    assert_eq!(code.len(), 32, "a PAT code has 32 characters");
    format!("d2pat_{code}{:010}", crc32(code.as_bytes()))
}

/// Seeds `resource` and a file document titled `title` pointing at it; returns
/// (file resource uid, document uid).
pub fn seed_file_document(
    em: &Emulator,
    title: &str,
    resource: d2files::emulator::SeedFileResource,
) -> (String, String) {
    let fr = em.seed_file_resource(resource).expect("seed");
    let document = em.seed_document(d2files::emulator::SeedDocument::file(title, &fr));
    (fr, document)
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

/// What a page's pager says, without its links (two servers, two ports): page, total, page
/// size, page count, whether there is a next and a previous page.
pub fn pager_shape<T>(page: &d2files::api::Page<T>) -> Option<(u32, u64, u32, u32, bool, bool)> {
    page.pager.as_ref().map(|p| {
        (
            p.page,
            p.total,
            p.page_size,
            p.page_count,
            p.next_page.is_some(),
            p.prev_page.is_some(),
        )
    })
}
