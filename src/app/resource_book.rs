//! What is known of each file resource, by uid, in one place, with one rule for what to show.
//!
//! DHIS2 says different things about a file resource depending on how it is asked: a list or
//! a field-filtered read never checks the store, so its `storageStatus` is NONE (§4.4 of the
//! API notes), while a plain read says STORED or PENDING. Rows, details, the list's size
//! column and the download prompt all ask this book, so a status read once shows everywhere.
use std::collections::HashMap;

use crate::api::{FileResource, StorageStatus};

#[derive(Clone, Debug, Default)]
struct Entry {
    /// From a list or a field-filtered read: metadata, no storage check.
    listed: Option<FileResource>,
    /// From a plain read: the storage status is real.
    read: Option<FileResource>,
    /// The last plain read failed, in the server's words.
    unreadable: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct ResourceBook {
    entries: HashMap<String, Entry>,
    /// How many times the book changed, for what is worked out from it once per change.
    changes: u64,
}

impl ResourceBook {
    /// Equal counts, equal book.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// The best known metadata: a plain read, else a listed copy.
    pub fn get(&self, uid: &str) -> Option<&FileResource> {
        let entry = self.entries.get(uid)?;
        entry.read.as_ref().or(entry.listed.as_ref())
    }

    /// The storage status, once a plain read has checked it.
    pub fn checked_status(&self, uid: &str) -> Option<&StorageStatus> {
        self.entries
            .get(uid)?
            .read
            .as_ref()?
            .storage_status
            .as_ref()
    }

    /// Whether a plain read has answered (with the metadata or with an error).
    pub fn is_read(&self, uid: &str) -> bool {
        self.entries
            .get(uid)
            .is_some_and(|entry| entry.read.is_some() || entry.unreadable.is_some())
    }

    /// Why the last plain read failed, if it did.
    pub fn unreadable(&self, uid: &str) -> Option<&str> {
        self.entries.get(uid)?.unreadable.as_deref()
    }

    /// A copy from a list: kept beside a plain read, never instead of it.
    pub fn record_listed(&mut self, resource: FileResource) {
        self.changes += 1;
        let entry = self.entries.entry(resource.id.clone()).or_default();
        entry.listed = Some(resource);
    }

    pub fn record_read(&mut self, resource: FileResource) {
        self.changes += 1;
        let entry = self.entries.entry(resource.id.clone()).or_default();
        entry.unreadable = None;
        entry.read = Some(resource);
    }

    pub fn record_unreadable(&mut self, uid: &str, message: String) {
        self.changes += 1;
        let entry = self.entries.entry(uid.to_string()).or_default();
        entry.read = None;
        entry.unreadable = Some(message);
    }

    /// A reload asks again: statuses change (PENDING becomes STORED, a blob is lost).
    pub fn forget_reads(&mut self) {
        self.changes += 1;
        for entry in self.entries.values_mut() {
            entry.read = None;
            entry.unreadable = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(status: StorageStatus, length: u64) -> FileResource {
        FileResource {
            id: "F0000000001".into(),
            storage_status: Some(status),
            content_length: Some(length),
            ..FileResource::default()
        }
    }

    #[test]
    fn a_plain_read_wins_over_a_listed_copy_in_either_order() {
        let mut book = ResourceBook::default();
        book.record_listed(resource(StorageStatus::None, 1));
        assert_eq!(book.checked_status("F0000000001"), None);
        book.record_read(resource(StorageStatus::Stored, 2));
        book.record_listed(resource(StorageStatus::None, 3));
        assert_eq!(book.get("F0000000001").unwrap().content_length, Some(2));
        assert_eq!(
            book.checked_status("F0000000001"),
            Some(&StorageStatus::Stored)
        );
        book.forget_reads();
        assert_eq!(book.get("F0000000001").unwrap().content_length, Some(3));
        assert!(!book.is_read("F0000000001"));
        book.record_unreadable("F0000000001", "gone".into());
        assert!(book.is_read("F0000000001"));
        assert_eq!(book.unreadable("F0000000001"), Some("gone"));
    }
}
