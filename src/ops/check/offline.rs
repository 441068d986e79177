//! `check DIR`: a backup folder verified against its own manifest, without a server: every
//! file there, of the recorded size and MD5.
use std::path::Path;

use futures_util::{StreamExt, stream};

use crate::api::{Error, Result};
use crate::ops::backup::{
    BackedFileResource, JOURNAL_FILE, MANIFEST_FILE, Manifest, is_backup_file,
};
use crate::ops::check::finding::{Class, Finding, Item, ItemKind, Report};
use crate::ops::check::{CheckProgress, DEFAULT_CHECK_JOBS};
use crate::ops::local_md5::file_md5;

/// What to do about a file of the backup that is not as recorded.
const BACKUP_AGAIN: &str = "run d2files backup DIR again: it fetches what is missing or damaged";

/// Verifies the backup in `dir`, telling `progress` after each file.
pub async fn check_backup(
    dir: &Path,
    progress: &(dyn Fn(CheckProgress) + Send + Sync),
) -> Result<Report> {
    let manifest = Manifest::read(dir)?.ok_or_else(|| {
        Error::InvalidInput(format!(
            "{} holds no d2files backup (no {MANIFEST_FILE})",
            dir.display()
        ))
    })?;
    let total = manifest.file_resources.len();
    progress(CheckProgress { done: 0, total });
    let mut report = Report::default();
    let mut checks = stream::iter(manifest.file_resources.iter())
        .map(|recorded| verify(dir, recorded))
        .buffered(DEFAULT_CHECK_JOBS);
    while let Some(item) = checks.next().await {
        report.items.push(item);
        progress(CheckProgress {
            done: report.items.len(),
            total,
        });
    }
    for document in manifest.documents.iter().filter(|d| !d.external) {
        let recorded = document
            .url
            .as_deref()
            .and_then(|uid| manifest.file_resource(uid));
        if recorded.is_none() {
            let mut item = Item::new(ItemKind::Document, &document.id, &document.name);
            item.findings.push(
                Finding::new(
                    Class::Dangling,
                    "the manifest records no file for this file document",
                )
                .advice(BACKUP_AGAIN),
            );
            report.items.push(item);
        }
    }
    if dir.join(JOURNAL_FILE).exists() {
        report.notes.push(format!(
            "{JOURNAL_FILE} is there: the last backup run stopped before its end; the next run \
             records what it saved"
        ));
    }
    Ok(report)
}

async fn verify(dir: &Path, recorded: &BackedFileResource) -> Item {
    let mut item = Item::new(ItemKind::BackupFile, &recorded.id, &recorded.file);
    if !is_backup_file(&recorded.file) {
        item.findings.push(Finding::new(
            Class::Unreadable,
            "the manifest names a path outside the backup's files; it was not read",
        ));
        return item;
    }
    let path = dir.join(&recorded.file);
    let length = match tokio::fs::metadata(&path).await {
        Ok(meta) if meta.is_file() => meta.len(),
        _ => {
            item.findings.push(
                Finding::new(Class::MissingBytes, "the file is not in the backup")
                    .advice(BACKUP_AGAIN),
            );
            return item;
        }
    };
    if recorded.content_length.is_some_and(|n| n != length) {
        item.findings.push(
            Finding::new(
                Class::Mismatch,
                format!(
                    "{length} bytes, the manifest records {}",
                    recorded.content_length.unwrap_or(0)
                ),
            )
            .advice(BACKUP_AGAIN),
        );
        return item;
    }
    let Some(expected) = &recorded.content_md5 else {
        return item;
    };
    match file_md5(&path).await {
        Some(md5) if md5.eq_ignore_ascii_case(expected) => {}
        Some(md5) => item.findings.push(
            Finding::new(
                Class::Mismatch,
                format!("MD5 {md5}, the manifest records {expected}"),
            )
            .advice(BACKUP_AGAIN),
        ),
        None => item.findings.push(Finding::new(
            Class::Unreadable,
            "the file could not be read",
        )),
    }
    item
}
