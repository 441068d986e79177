//! Sharing of documents (dhis2-api.md §9): who may see and change a document, read and replaced.
//!
//! Both directions use `/api/sharing?type=document&id=UID` (`SharingController`), not
//! `PUT /api/documents/{uid}/sharing`. Both exist from 2.38 to 2.44, but only `/api/sharing`
//! behaves the same on every one of them and suits a copy between servers:
//! * it checks every access string before it saves anything (409), while the other saves what
//!   it was sent and only then answers 409 (E3015–E3018, §9.1);
//! * it never touches the owner, while the other stores the body's `owner` verbatim (null when
//!   absent), and the owner of a copied document is a user of the server it came from;
//! * its answers are the same code from 2.38.0 to master, while the other's uid handling changes
//!   in 2.43 (a 400 for a malformed uid, §9.4).
//!
//! Metadata imports and JSON patches reset a document's sharing (§9.5), so they are no way to
//! set it.
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::client::{Client, check_uid, is_valid_uid};
use crate::api::error::{Error, Result};
use crate::api::filename::printable;
use crate::api::model::Document;

/// Who may see and change a document: its public access string and the access strings of the
/// user groups and users named, as `GET /api/sharing` reports them (the owner is not part of it:
/// [`Client::set_document_sharing`] never changes it). Strings are kept as the server sent them;
/// the entries are in uid order, so two reads compare equal whatever order a server listed
/// them in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sharing {
    pub public_access: String,
    /// Anonymous access through the document's link, where the server still has it (before
    /// 2.41.9, 2.42.6 and 2.43, §9.6). Sent back as read: a write without it is read as
    /// `false` there, so leaving it out would quietly take away a document's external access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_access: Option<bool>,
    #[serde(default)]
    pub user_group_accesses: Vec<Access>,
    #[serde(default)]
    pub user_accesses: Vec<Access>,
}

/// One user group's or user's access: its uid and an access string such as `r-------`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    pub id: String,
    pub access: String,
}

/// `GET /api/sharing`'s answer; only `object` is ours to read (`meta` says what the caller may
/// change, which the server enforces itself).
#[derive(Deserialize)]
struct SharingAnswer {
    object: Sharing,
}

impl Sharing {
    /// The sharing a document read with `sharing` among its fields carries, so a list of
    /// documents brings theirs, a page a request. `None` when the read has none, or when its
    /// public access is null, which only `/api/sharing` resolves (for its caller: §9.2). Unlike
    /// `/api/sharing`, this shows entries whose user or group the server no longer has.
    pub fn of_document(document: &Document) -> Option<Sharing> {
        let sharing = document.extra.get("sharing")?;
        let entries = |key: &str| -> Vec<Access> {
            sharing
                .get(key)
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|map| map.values())
                // Each entry's own id counts (DHIS2 ignores the map's keys too, §9.4).
                .filter_map(|entry| serde_json::from_value(entry.clone()).ok())
                .collect()
        };
        let read = Sharing {
            public_access: sharing.get("public")?.as_str()?.to_string(),
            external_access: sharing.get("external").and_then(Value::as_bool),
            user_group_accesses: entries("userGroups"),
            user_accesses: entries("users"),
        };
        Some(read.in_uid_order())
    }

    /// The entries in uid order.
    fn in_uid_order(mut self) -> Sharing {
        self.user_group_accesses.sort_by(|a, b| a.id.cmp(&b.id));
        self.user_accesses.sort_by(|a, b| a.id.cmp(&b.id));
        self
    }
}

/// The length of every access string (dhis2-api.md §9.1).
const ACCESS_LENGTH: usize = 8;

/// DHIS2's `AccessStringHelper.isValid`: metadata read (`r`/`-`), metadata write (`w`/`-`),
/// data read, data write, then `----`; case matters.
pub fn is_valid_access_string(access: &str) -> bool {
    let bytes = access.as_bytes();
    bytes.len() == ACCESS_LENGTH
        && matches!(bytes[0], b'r' | b'-')
        && matches!(bytes[1], b'w' | b'-')
        && matches!(bytes[2], b'r' | b'-')
        && matches!(bytes[3], b'w' | b'-')
        && bytes[4..].iter().all(|&b| b == b'-')
}

impl Client {
    /// The sharing of a document (`GET /api/sharing?type=document&id=UID`). Errors in DHIS2's
    /// words: 404 for no such document, 403 when the user may not read it (with E1006 from 2.42).
    pub async fn document_sharing(&self, uid: &str) -> Result<Sharing> {
        check_uid(uid)?;
        let answer: SharingAnswer = self
            .get_json(
                "sharing",
                &[("type", "document".to_string()), ("id", uid.to_string())],
            )
            .await?;
        // Groups come sorted by name, users in map order.
        Ok(answer.object.in_uid_order())
    }

    /// Replaces the sharing of a document (`POST /api/sharing?type=document&id=UID`): the
    /// public access and both lists as given, so an empty list removes every entry of that
    /// kind; the owner stays. Access strings and uids are checked here first, and a bad one is
    /// refused before anything is sent.
    ///
    /// DHIS2 accepts some things without applying them, and says nothing (§9.3): a public
    /// access when the user may not make documents public, a uid that names no user or group
    /// on this server, and data rights (`rwrw----` is kept as `rw------`: documents are
    /// metadata only). Read the sharing back with [`Client::document_sharing`] to see what it kept.
    pub async fn set_document_sharing(&self, uid: &str, sharing: &Sharing) -> Result<()> {
        check_uid(uid)?;
        check_sharing(sharing)?;
        // `publicAccess` always (it is no Option): left out, DHIS2 stores null, which it
        // reads as public read and write.
        let body = json!({ "object": sharing });
        let mut url = self.endpoint("sharing")?;
        url.query_pairs_mut()
            .append_pair("type", "document")
            .append_pair("id", uid);
        self.post_json(url, &body, "sharing").await?;
        Ok(())
    }
}

/// Refuses what DHIS2 would refuse (a malformed access string, §9.1) and what it would drop
/// without a word (an id that is no uid), and a uid named twice in a list, whose access would
/// depend on which entry the server keeps.
fn check_sharing(sharing: &Sharing) -> Result<()> {
    check_access(&sharing.public_access, "the public access")?;
    for (accesses, kind) in [
        (&sharing.user_group_accesses, "user group"),
        (&sharing.user_accesses, "user"),
    ] {
        for (index, entry) in accesses.iter().enumerate() {
            if !is_valid_uid(&entry.id) {
                return Err(Error::InvalidInput(format!(
                    "`{}` is not a DHIS2 uid, so it names no {kind} to share with",
                    printable(&entry.id)
                )));
            }
            check_access(
                &entry.access,
                &format!("{kind} {}", entry.id), // a uid: printable as it is
            )?;
            if accesses[..index].iter().any(|other| other.id == entry.id) {
                return Err(Error::InvalidInput(format!(
                    "{kind} {} is named twice in the sharing; give each one access string",
                    entry.id
                )));
            }
        }
    }
    Ok(())
}

fn check_access(access: &str, whose: &str) -> Result<()> {
    if is_valid_access_string(access) {
        return Ok(());
    }
    Err(Error::InvalidInput(format!(
        "`{}` is not a DHIS2 access string for {whose}: it has {ACCESS_LENGTH} characters, `r` or \
         `-`, `w` or `-` (metadata read and write), `r` or `-`, `w` or `-` (data), then `----`, \
         e.g. `rw------`",
        printable(access)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sharing(public: &str, groups: &[(&str, &str)], users: &[(&str, &str)]) -> Sharing {
        let accesses = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(id, access)| Access {
                    id: id.to_string(),
                    access: access.to_string(),
                })
                .collect()
        };
        Sharing {
            external_access: None,
            public_access: public.to_string(),
            user_group_accesses: accesses(groups),
            user_accesses: accesses(users),
        }
    }

    #[test]
    fn access_strings_follow_dhis2s_rule() {
        for valid in ["--------", "r-------", "rw------", "-w------", "rwrw----"] {
            assert!(is_valid_access_string(valid), "{valid}");
        }
        for invalid in [
            "",
            "rwx-----",
            "RW------",
            "rw-----",
            "rw-------",
            "rw----r-",
            "rw–----",
        ] {
            assert!(!is_valid_access_string(invalid), "{invalid}");
        }
    }

    #[test]
    fn a_read_documents_sharing_is_taken_from_its_sharing_object() {
        let read = |sharing: Value| Document {
            extra: [("sharing".to_string(), sharing)].into_iter().collect(),
            ..Document::default()
        };
        let document = read(json!({"owner": "M5zQapPyTZI", "public": "r-------",
            "users": {"ignored key": {"id": "xE7jOejl9FI", "access": "rw------"}},
            "userGroups": {"b": {"id": "wl5cDMuUhmF", "access": "r-------", "displayName": "A"},
                           "a": {"id": "Qs2bVkOBNh5", "access": "rw------"}}}));
        assert_eq!(
            Sharing::of_document(&document),
            Some(sharing(
                "r-------",
                &[("Qs2bVkOBNh5", "rw------"), ("wl5cDMuUhmF", "r-------")],
                &[("xE7jOejl9FI", "rw------")],
            ))
        );
        assert_eq!(Sharing::of_document(&read(json!({"users": {}}))), None);
        assert_eq!(Sharing::of_document(&Document::default()), None);
    }

    #[test]
    fn bad_sharing_is_refused_with_what_is_wrong() {
        let group = "wl5cDMuUhmF";
        let refusal = |s: Sharing| check_sharing(&s).unwrap_err().to_string();
        assert!(refusal(sharing("RW------", &[], &[])).contains("the public access"));
        assert!(refusal(sharing("rw------", &[(group, "rwx-----")], &[])).contains(group));
        assert!(refusal(sharing("rw------", &[], &[("x\u{1b}[2J", "r-------")])).contains("uid"));
        assert!(
            !refusal(sharing("rw------", &[], &[("x\u{1b}[2J", "r-------")])).contains('\u{1b}')
        );
        assert!(
            refusal(sharing(
                "r-------",
                &[(group, "r-------"), (group, "rw------")],
                &[]
            ))
            .contains("twice")
        );
        assert!(check_sharing(&sharing("r-------", &[(group, "rw------")], &[])).is_ok());
    }
}
