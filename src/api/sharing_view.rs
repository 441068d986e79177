//! Sharing in people's terms (dhis2-api.md §9.2, §9.7): who a document is shared with, by name,
//! the access in words, the user groups and users a name can mean, and a change of some
//! entries applied to what a document has.
use serde::{Deserialize, Serialize};

use crate::api::client::{Client, check_uid};
use crate::api::error::Result;
use crate::api::sharing::{Access, Sharing};

/// Metadata access strings a document can have (documents are metadata only, §9.1).
pub const NO_ACCESS: &str = "--------";
pub const VIEW_ACCESS: &str = "r-------";
pub const EDIT_ACCESS: &str = "rw------";

/// An access string in words: "none", "can view", "can view and edit".
pub fn access_words(access: &str) -> &'static str {
    match access.get(..2) {
        Some("rw") => "can view and edit",
        Some("r-") => "can view",
        Some("-w") => "can edit, without viewing",
        _ => "none",
    }
}

/// `none`, `view` or `edit` as an access string.
pub fn access_of_word(word: &str) -> Option<&'static str> {
    match word.trim().to_ascii_lowercase().as_str() {
        "none" => Some(NO_ACCESS),
        "view" | "read" => Some(VIEW_ACCESS),
        "edit" | "write" => Some(EDIT_ACCESS),
        _ => None,
    }
}

/// Someone named: a user group or a user, as the server names them (raw server text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// A user's username (users only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// One entry of a document's sharing, with its name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedAccess {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub access: String,
}

/// A document's sharing as `GET /api/sharing` shows it, names included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharingView {
    pub public_access: String,
    /// Anonymous access through the document's link, where the server still has it (before
    /// 2.41.9, 2.42.6 and 2.43, §9.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_access: Option<bool>,
    /// Who made the document (`object.user`).
    #[serde(default, rename = "user", skip_serializing_if = "Option::is_none")]
    pub creator: Option<Named>,
    #[serde(default)]
    pub user_group_accesses: Vec<NamedAccess>,
    #[serde(default)]
    pub user_accesses: Vec<NamedAccess>,
}

#[derive(Deserialize)]
struct ViewAnswer {
    object: SharingView,
}

/// The user groups and users a search key can mean (`GET /api/sharing/search`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidates {
    #[serde(default)]
    pub user_groups: Vec<Named>,
    #[serde(default)]
    pub users: Vec<Named>,
}

/// A change of a document's sharing: the public access when given, and entries to set (an
/// access of [`NO_ACCESS`] removes the entry).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SharingChange {
    pub public_access: Option<String>,
    /// External (anonymous) access on or off, when given; only where the server still has it
    /// (`Feature::ExternalSharing`): a server without it ignores the field.
    pub external_access: Option<bool>,
    pub user_groups: Vec<Access>,
    pub users: Vec<Access>,
}

impl SharingChange {
    pub fn is_empty(&self) -> bool {
        self.public_access.is_none()
            && self.external_access.is_none()
            && self.user_groups.is_empty()
            && self.users.is_empty()
    }

    /// `sharing` with this change made.
    pub fn applied_to(&self, sharing: &Sharing) -> Sharing {
        let merged = |entries: &[Access], changes: &[Access]| {
            let mut entries: Vec<Access> = entries
                .iter()
                .filter(|entry| !changes.iter().any(|change| change.id == entry.id))
                .cloned()
                .collect();
            entries.extend(
                changes
                    .iter()
                    .filter(|change| change.access != NO_ACCESS)
                    .cloned(),
            );
            entries.sort_by(|a, b| a.id.cmp(&b.id));
            entries
        };
        Sharing {
            public_access: self
                .public_access
                .clone()
                .unwrap_or_else(|| sharing.public_access.clone()),
            external_access: self.external_access.or(sharing.external_access),
            user_group_accesses: merged(&sharing.user_group_accesses, &self.user_groups),
            user_accesses: merged(&sharing.user_accesses, &self.users),
        }
    }
}

impl Client {
    /// A document's sharing with the names of its groups and users.
    pub async fn document_sharing_view(&self, uid: &str) -> Result<SharingView> {
        check_uid(uid)?;
        let answer: ViewAnswer = self
            .get_json(
                "sharing",
                &[("type", "document".to_string()), ("id", uid.to_string())],
            )
            .await?;
        Ok(answer.object)
    }

    /// The user groups and users `key` can mean (part of a name, a username or an email).
    pub async fn search_sharing(&self, key: &str) -> Result<Candidates> {
        self.get_json("sharing/search", &[("key", key.to_string())])
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(id: &str, access: &str) -> Access {
        Access {
            id: id.into(),
            access: access.into(),
        }
    }

    #[test]
    fn a_change_sets_replaces_and_removes_entries_and_keeps_the_rest() {
        let sharing = Sharing {
            external_access: None,
            public_access: EDIT_ACCESS.into(),
            user_group_accesses: vec![access("gA", VIEW_ACCESS), access("gB", EDIT_ACCESS)],
            user_accesses: vec![access("uA", VIEW_ACCESS)],
        };
        let change = SharingChange {
            public_access: Some(NO_ACCESS.into()),
            user_groups: vec![access("gB", NO_ACCESS), access("gC", VIEW_ACCESS)],
            users: vec![access("uA", EDIT_ACCESS)],
            external_access: None,
        };
        let changed = change.applied_to(&sharing);
        assert_eq!(changed.public_access, NO_ACCESS);
        assert_eq!(
            changed.user_group_accesses,
            vec![access("gA", VIEW_ACCESS), access("gC", VIEW_ACCESS)]
        );
        assert_eq!(changed.user_accesses, vec![access("uA", EDIT_ACCESS)]);
        assert_eq!(SharingChange::default().applied_to(&sharing), sharing);
    }

    #[test]
    fn access_reads_in_words_both_ways() {
        assert_eq!(access_words("r-------"), "can view");
        assert_eq!(access_words("rw------"), "can view and edit");
        assert_eq!(access_words("--------"), "none");
        assert_eq!(access_of_word("View"), Some(VIEW_ACCESS));
        assert_eq!(access_of_word("nobody"), None);
    }
}
