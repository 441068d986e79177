//! Shared helpers of the `api_*` suites: an emulator per test, a d2files client for it with
//! small backoffs, temp files and request-log queries. Every suite uses a different subset.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use d2files::api::{Auth, Client, ClientOptions, TransferOptions, WaitPolicy};
use d2files::emulator::{
    ADMIN_PASSWORD, ADMIN_PAT, ADMIN_USERNAME, Dhis2Version, Emulator, EmulatorOptions,
    GUEST_PASSWORD, GUEST_USERNAME, RecordedRequest,
};
use md5::{Digest, Md5};

/// The version flags every shared behaviour is checked on.
pub const VERSIONS: [&str; 6] = ["2.38", "2.39", "2.40", "2.41", "2.41.7", "2.42"];

pub fn version(text: &str) -> Dhis2Version {
    text.parse().expect("a version the emulator knows")
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

/// Client options for tests: retries on, but with millisecond backoffs.
pub fn fast_options() -> ClientOptions {
    ClientOptions {
        retries: 2,
        retry_backoff: Duration::from_millis(2),
        read_timeout: Duration::from_secs(10),
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
        .prefix("d2files-apitest-")
        .tempdir()
        .expect("temp dir")
}

pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write temp file");
    path
}

/// Deterministic, incompressible-looking bytes.
pub fn pseudo_random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
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
