//! Blobs in the emulator's temp dir, written from streams with a running MD5, never held whole.

use std::io::Write;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use tokio::io::AsyncWriteExt;

use super::model::generate_uid;

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A finished blob.
#[derive(Debug)]
pub struct Blob {
    pub path: PathBuf,
    pub len: u64,
    pub md5: String,
}

#[derive(Clone, Debug)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    fn fresh_path(&self) -> PathBuf {
        self.dir.join(format!("{}.blob", generate_uid()))
    }

    /// Stores a small in-memory blob (seeds and test helpers).
    pub fn write_bytes(&self, bytes: &[u8]) -> std::io::Result<Blob> {
        let path = self.fresh_path();
        let mut file = std::fs::File::create(&path)?;
        file.write_all(bytes)?;
        Ok(Blob {
            path,
            len: bytes.len() as u64,
            md5: hex(&Md5::digest(bytes)),
        })
    }

    /// Starts a streamed blob. Past `cap` bytes nothing more is written, but the length keeps
    /// counting so the caller can refuse the upload with the real size.
    pub async fn writer(&self, cap: Option<u64>) -> std::io::Result<BlobWriter> {
        let path = self.fresh_path();
        let file = tokio::fs::File::create(&path).await?;
        Ok(BlobWriter {
            file: tokio::io::BufWriter::with_capacity(256 * 1024, file),
            hasher: Md5::new(),
            len: 0,
            path,
            cap,
        })
    }
}

pub struct BlobWriter {
    file: tokio::io::BufWriter<tokio::fs::File>,
    hasher: Md5,
    len: u64,
    path: PathBuf,
    cap: Option<u64>,
}

impl BlobWriter {
    pub async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.len += chunk.len() as u64;
        if self.cap.is_some_and(|cap| self.len > cap) {
            return Ok(());
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await
    }

    pub async fn finish(mut self) -> std::io::Result<Blob> {
        self.file.flush().await?;
        Ok(Blob {
            path: self.path,
            len: self.len,
            md5: hex(&self.hasher.finalize()),
        })
    }

    /// Drops a refused upload's file.
    pub async fn discard(self) {
        drop(self.file);
        let _ = tokio::fs::remove_file(&self.path).await;
    }
}

/// Appends `extra` to a stored blob, as if an image had been re-encoded (new length and MD5).
pub async fn append_and_rehash(blob: &Blob, extra: &[u8]) -> std::io::Result<Blob> {
    let mut file = tokio::fs::OpenOptions::new()
        .append(true)
        .open(&blob.path)
        .await?;
    file.write_all(extra).await?;
    file.flush().await?;
    drop(file);
    rehash(blob).await
}

/// Flips the bits of a stored blob's last byte, as damage on the way would: the same length,
/// another MD5.
pub async fn damage_and_rehash(blob: &Blob) -> std::io::Result<Blob> {
    let mut bytes = tokio::fs::read(&blob.path).await?;
    if let Some(last) = bytes.last_mut() {
        *last ^= 0xff;
    }
    tokio::fs::write(&blob.path, &bytes).await?;
    rehash(blob).await
}

async fn rehash(blob: &Blob) -> std::io::Result<Blob> {
    let mut hasher = Md5::new();
    let mut reader = tokio::fs::File::open(&blob.path).await?;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut len = 0u64;
    loop {
        let n = tokio::io::AsyncReadExt::read(&mut reader, &mut buffer).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        len += n as u64;
    }
    Ok(Blob {
        path: blob.path.clone(),
        len,
        md5: hex(&hasher.finalize()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn streamed_and_in_memory_blobs_agree() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = BlobStore::new(dir.path());
        let small = store.write_bytes(b"hello world").expect("write");
        assert_eq!(small.md5, "5eb63bbbe01eeed093cb22bb8f5acdc3");
        let mut writer = store.writer(None).await.expect("writer");
        writer.write(b"hello ").await.expect("write");
        writer.write(b"world").await.expect("write");
        let streamed = writer.finish().await.expect("finish");
        assert_eq!(streamed.md5, small.md5);
        assert_eq!(streamed.len, 11);
        let grown = append_and_rehash(&streamed, b"!").await.expect("append");
        assert_eq!(grown.len, 12);
        assert_ne!(grown.md5, small.md5);
    }

    #[tokio::test]
    async fn cap_keeps_counting() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = BlobStore::new(dir.path());
        let mut writer = store.writer(Some(4)).await.expect("writer");
        writer.write(b"0123456789").await.expect("write");
        let blob = writer.finish().await.expect("finish");
        assert_eq!(blob.len, 10);
        assert_eq!(std::fs::metadata(&blob.path).expect("file").len(), 0);
    }
}
