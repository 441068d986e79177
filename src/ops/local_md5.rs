//! The MD5 of a local file, to tell "already there" from "another file of the same name".
use std::io::Read;
use std::path::Path;

use md5::{Digest, Md5};

/// Bytes read at a time: the whole file never sits in memory.
const CHUNK: usize = 256 * 1024;

/// The file's MD5 in lower-case hex, read on the blocking pool (a slow disk stalls no runtime
/// worker); `None` when it cannot be read.
pub async fn file_md5(path: &Path) -> Option<String> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path).ok()?;
        let mut hash = Md5::new();
        let mut buffer = vec![0; CHUNK];
        loop {
            match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => hash.update(&buffer[..read]),
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        Some(
            hash.finalize()
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect(),
        )
    })
    .await
    .ok()
    .flatten()
}
