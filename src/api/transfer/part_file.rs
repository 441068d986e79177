//! The disk side of a download: the target's checks, this run's own part file, its writes and
//! MD5 in batches, and the move into place. All of it runs on the blocking pool: on NFS or
//! SSHFS (common over SSH) a stat, a close or a rename can take long enough to stall a runtime
//! worker, and every request and transfer on it.
use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use md5::{Digest, Md5};

use super::hex;
use crate::api::error::{Error, Result};

/// Runs file system work on the blocking pool. A panic in it is a bug and goes on as one; work
/// that never ran because the runtime is shutting down is a cancellation.
async fn on_blocking_pool<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => Err(Error::Cancelled),
    }
}

/// A part file name is the target's name, this many random characters and `.part`.
const PART_RANDOM_CHARS: usize = 8;

/// Part file names keep at most this much of the target's name, so the random part and the
/// suffix still fit the 255 bytes file systems allow.
const PART_NAME_KEEP: usize = 200;

/// Creates this run's own part file beside `target`: a new file with a unique name, so two runs
/// downloading the same file never share, remove or link each other's part file. It is
/// removed when dropped, unless it was moved into place.
fn create_part_file(target: &Path) -> Result<(std::fs::File, tempfile::TempPath)> {
    let dir = directory_of(target);
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let mut keep = name.len().min(PART_NAME_KEEP);
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    let prefix = format!("{}.", &name[..keep]);
    let mut builder = tempfile::Builder::new();
    builder
        .prefix(&prefix)
        .suffix(".part")
        .rand_bytes(PART_RANDOM_CHARS);
    // As a plain create would make it (the umask applies), not tempfile's private 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let part = builder.tempfile_in(dir).map_err(|e| {
        Error::io(
            dir.join(format!("{}.part", &name[..keep])),
            std::io::Error::new(e.kind(), strip_path(&e)),
        )
    })?;
    Ok(part.into_parts())
}

/// tempfile's errors repeat the path; ours name it once.
fn strip_path(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at path ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The directory a file path is in (`.` for a bare name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Checks a target before any byte is fetched. Only a regular file (or a symlink to one) is
/// ever replaced: a device, FIFO or socket given as the target is refused even with overwrite.
pub(crate) async fn check_target(path: &Path, overwrite: bool) -> Result<()> {
    let path = path.to_path_buf();
    on_blocking_pool(move || inspect_target(&path, overwrite)).await
}

/// [`check_target`]'s checks, in their order.
fn inspect_target(path: &Path, overwrite: bool) -> Result<()> {
    let parent = directory_of(path);
    if !parent.is_dir() {
        let reason = if parent.exists() {
            (
                std::io::ErrorKind::NotADirectory,
                "not a directory, so nothing can be saved in it",
            )
        } else {
            (
                std::io::ErrorKind::NotFound,
                "the directory to download into does not exist",
            )
        };
        return Err(Error::io(parent, std::io::Error::new(reason.0, reason.1)));
    }
    if path.is_dir() {
        return Err(Error::InvalidInput(format!(
            "{} is a directory",
            path.display()
        )));
    }
    match std::fs::metadata(path) {
        Ok(metadata) if !metadata.is_file() => Err(Error::InvalidInput(format!(
            "{} is not a regular file (a device, pipe or socket); d2files only saves over regular files",
            path.display()
        ))),
        Ok(_) if !overwrite => Err(Error::TargetExists(path.to_path_buf())),
        // A dangling symlink exists too: never write through it.
        Err(_) if !overwrite && path.symlink_metadata().is_ok() => {
            Err(Error::TargetExists(path.to_path_buf()))
        }
        _ => Ok(()),
    }
}

/// The file a download replaces: a symlink to a regular file is followed, so the file it points
/// at gets the new bytes and the link stays a link.
fn replaced_path(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// A batch is handed to the blocking pool once it holds this many bytes.
const WRITE_BATCH: usize = 1 << 20;

/// This run's own part file while a download is saved in it: created beside the file the
/// download replaces, written and hashed in batches on the blocking pool, one batch in flight
/// (so the async task only moves bytes, and no chunk is copied in user space: they are
/// reference-counted `Bytes`), then moved into place or removed. A batch is written and hashed
/// on two blocking threads at once: one after the other, the page-cache copy would join MD5 on
/// the critical path, about 13 % slower on loopback (BENCHMARKS.md, Findings).
///
/// Dropped instead (the download's future dropped: Ctrl-C, SIGTERM, an aborted task), it is
/// removed at once by whichever thread drops it: a removal handed to the pool could be lost
/// when the process exits right after.
pub(super) struct PartFile {
    /// The file and its hash while no batch is in flight.
    idle: Option<Writer>,
    busy: Option<InFlight>,
    batch: Vec<Bytes>,
    batch_len: usize,
    /// The file the download replaces: the target, or the file a symlink there points at.
    replaced: PathBuf,
    /// Last, so the file is closed before its name is removed on drop.
    temp: tempfile::TempPath,
}

/// The part file and the MD5 of what was written to it (`None` when not hashing).
struct Writer {
    file: std::fs::File,
    md5: Option<Md5>,
}

/// The batch on the blocking pool: its write and, when hashing, its MD5.
struct InFlight {
    write: tokio::task::JoinHandle<std::io::Result<std::fs::File>>,
    hash: Option<tokio::task::JoinHandle<Md5>>,
}

impl PartFile {
    /// Creates this run's part file for a download to `target`, hashing what is written to it
    /// when `hash` is set.
    pub(super) async fn create(target: &Path, hash: bool) -> Result<PartFile> {
        let target = target.to_path_buf();
        let (replaced, file, temp) = on_blocking_pool(move || {
            let replaced = replaced_path(&target);
            let (file, temp) = create_part_file(&replaced)?;
            Ok((replaced, file, temp))
        })
        .await?;
        Ok(PartFile {
            idle: Some(Writer {
                file,
                md5: hash.then(Md5::new),
            }),
            busy: None,
            batch: Vec::new(),
            batch_len: 0,
            replaced,
            temp,
        })
    }

    /// The part file's own path, for messages.
    pub(super) fn path(&self) -> &Path {
        &self.temp
    }

    pub(super) async fn push(&mut self, chunk: Bytes) -> Result<()> {
        self.batch_len += chunk.len();
        self.batch.push(chunk);
        if self.batch_len >= WRITE_BATCH {
            self.send().await?;
        }
        Ok(())
    }

    /// Waits for the batch in flight, then starts the next one.
    async fn send(&mut self) -> Result<()> {
        let Writer { mut file, md5 } = self.wait().await?;
        let batch = std::mem::take(&mut self.batch);
        self.batch_len = 0;
        let hash = md5.map(|mut md5| {
            // Clones of the `Bytes` handles, not of the bytes.
            let batch = batch.clone();
            tokio::task::spawn_blocking(move || {
                for chunk in &batch {
                    md5.update(chunk);
                }
                md5
            })
        });
        let write = tokio::task::spawn_blocking(move || {
            for chunk in &batch {
                file.write_all(chunk)?;
            }
            Ok(file)
        });
        self.busy = Some(InFlight { write, hash });
        Ok(())
    }

    async fn wait(&mut self) -> Result<Writer> {
        let waited = match (self.busy.take(), self.idle.take()) {
            (Some(flight), _) => flight.land().await,
            (None, Some(writer)) => Ok(writer),
            (None, None) => Err(std::io::Error::other("the download's file was lost")),
        };
        waited.map_err(|e| Error::io(self.path(), e))
    }

    /// Writes what is left and gives the MD5 of everything written (when hashing).
    pub(super) async fn finish_writing(&mut self) -> Result<Option<String>> {
        if !self.batch.is_empty() {
            self.send().await?;
        }
        let mut writer = self.wait().await?;
        let md5 = writer.md5.take().map(|md5| hex(&md5.finalize()));
        self.idle = Some(writer);
        Ok(md5)
    }

    /// Closes the complete part file and moves it into place (see [`move_into_place`]); `path`
    /// is the download's target as named to the user.
    pub(super) async fn persist(mut self, path: &Path, overwrite: bool) -> Result<()> {
        let path = path.to_path_buf();
        on_blocking_pool(move || {
            drop(self.idle.take());
            move_into_place(self.temp, &self.replaced, &path, overwrite)
        })
        .await
    }

    /// Closes and removes the part file of a download that failed.
    pub(super) async fn discard(self) {
        let _ = on_blocking_pool(move || {
            drop(self);
            Ok(())
        })
        .await;
    }
}

impl InFlight {
    /// Waits for the batch's write and hash.
    async fn land(self) -> std::io::Result<Writer> {
        let file = self.write.await.map_err(std::io::Error::other)??;
        let md5 = match self.hash {
            Some(hash) => Some(hash.await.map_err(std::io::Error::other)?),
            None => None,
        };
        Ok(Writer { file, md5 })
    }
}

/// Moves this run's complete part file into place (`replaced`, the file `path` names), without
/// clobbering a file that appeared meanwhile unless asked to.
fn move_into_place(
    part: tempfile::TempPath,
    replaced: &Path,
    path: &Path,
    overwrite: bool,
) -> Result<()> {
    if overwrite {
        return part.persist(replaced).map_err(|e| Error::io(path, e.error));
    }
    match part.persist_noclobber(replaced) {
        Ok(()) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Error::TargetExists(path.to_path_buf()))
        }
        // File systems without hard links or RENAME_NOREPLACE (FAT on a USB stick): check,
        // then rename.
        Err(e) => {
            if replaced.symlink_metadata().is_ok() {
                return Err(Error::TargetExists(path.to_path_buf()));
            }
            e.path
                .persist(replaced)
                .map_err(|e| Error::io(path, e.error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_file_is_new_and_sits_beside_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.pdf");
        let (_, first) = create_part_file(&target).unwrap();
        let (_, second) = create_part_file(&target).unwrap();
        assert_ne!(first.to_path_buf(), second.to_path_buf());
        for part in [&first, &second] {
            assert_eq!(part.parent(), Some(dir.path()));
            let name = part.file_name().unwrap().to_str().unwrap();
            assert!(
                name.starts_with("report.pdf.") && name.ends_with(".part"),
                "{name}"
            );
        }
        let long = dir.path().join(format!("{}.pdf", "é".repeat(126)));
        let (_, part) = create_part_file(&long).unwrap();
        assert!(part.file_name().unwrap().len() <= 255);
        drop(first);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "dropped parts go"
        );
    }

    #[test]
    fn finishing_never_clobbers_without_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.txt");
        std::fs::write(&target, b"mine").unwrap();
        let (mut file, part) = create_part_file(&target).unwrap();
        file.write_all(b"theirs").unwrap();
        let part_path = part.to_path_buf();
        assert!(matches!(
            move_into_place(part, &target, &target, false),
            Err(Error::TargetExists(_))
        ));
        assert_eq!(std::fs::read(&target).unwrap(), b"mine");
        assert!(!part_path.exists(), "the part file is removed on failure");
    }
}
