//! Marked items of a list, by uid, for bulk actions: kept across pages, sorts and filters. Each
//! change is counted, so what is derived from the marks (the footer's total) is worked out once
//! per change rather than on every frame.
use std::collections::BTreeSet;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    uids: BTreeSet<String>,
    changes: u64,
}

impl Marks {
    pub fn contains(&self, uid: &str) -> bool {
        self.uids.contains(uid)
    }

    pub fn len(&self) -> usize {
        self.uids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.uids.is_empty()
    }

    /// The marked uids, in uid order.
    pub fn iter(&self) -> impl Iterator<Item = &String> {
        self.uids.iter()
    }

    /// Marks or unmarks one item.
    pub fn toggle(&mut self, uid: &str) {
        if !self.uids.remove(uid) {
            self.uids.insert(uid.to_string());
        }
        self.changes += 1;
    }

    pub fn remove(&mut self, uid: &str) -> bool {
        self.changes += 1;
        self.uids.remove(uid)
    }

    pub fn extend(&mut self, uids: impl IntoIterator<Item = String>) {
        self.uids.extend(uids);
        self.changes += 1;
    }

    /// Clears the marks; whether there were any.
    pub fn clear(&mut self) -> bool {
        self.changes += 1;
        !std::mem::take(&mut self.uids).is_empty()
    }

    /// How many times the marks changed: equal counts, equal marks.
    pub fn changes(&self) -> u64 {
        self.changes
    }
}
