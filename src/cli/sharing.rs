//! `d2files documents sharing UID` (who a document is shared with, in words) and `documents
//! share UID… --public/--group/--user` (a change, names looked up on the server).
use anyhow::bail;
use serde_json::json;

use crate::api::{
    Access, Candidates, Client, Feature, Named, SharingChange, SharingView, access_of_word,
    access_words, is_valid_uid,
};
use crate::cli::connect::server_version;
use crate::cli::output::{note, print_fields, print_json, print_json_line, say};

/// Shows a document's sharing.
pub async fn show(client: &Client, uid: &str, json: bool) -> anyhow::Result<()> {
    let view = client.document_sharing_view(uid).await?;
    if json {
        return print_json(&view);
    }
    print_fields(&view_fields(&view))?;
    Ok(())
}

/// The lines of a sharing: everyone, external access where there is any, each group and user.
fn view_fields(view: &SharingView) -> Vec<(&'static str, String)> {
    let mut fields = vec![("everyone", access_words(&view.public_access).to_string())];
    if view.external_access == Some(true) {
        fields.push((
            "anyone, signed in or not",
            "can view (external access)".to_string(),
        ));
    }
    for group in &view.user_group_accesses {
        fields.push((
            "group",
            format!("{}: {}", group.name, access_words(&group.access)),
        ));
    }
    for user in &view.user_accesses {
        fields.push((
            "user",
            format!("{}: {}", user.name, access_words(&user.access)),
        ));
    }
    if let Some(creator) = &view.creator {
        fields.push(("created by", creator.name.clone()));
    }
    fields
}

/// A sharing in one line: "everyone: none; Report viewers (group): can view".
fn summary(view: &SharingView) -> String {
    let mut parts = vec![format!("everyone: {}", access_words(&view.public_access))];
    if view.external_access == Some(true) {
        parts.push("anyone with the link: can view (external access)".to_string());
    }
    for (entries, kind) in [
        (&view.user_group_accesses, "group"),
        (&view.user_accesses, "user"),
    ] {
        for entry in entries {
            parts.push(format!(
                "{} ({kind}): {}",
                entry.name,
                access_words(&entry.access)
            ));
        }
    }
    parts.join("; ")
}

/// What `documents share` asks for.
pub struct ShareRequest<'a> {
    pub uids: &'a [String],
    pub public: Option<&'a str>,
    pub external: Option<&'a str>,
    pub groups: &'a [String],
    pub users: &'a [String],
    pub dry_run: bool,
}

/// Changes the documents' sharing as asked: the names looked up once, then each document's
/// sharing read, changed and written, and read back to say what the server kept.
pub async fn share(client: &Client, request: ShareRequest<'_>, json: bool) -> anyhow::Result<()> {
    let change = change_of(client, &request).await?;
    if change.is_empty() {
        bail!("nothing to change: say --public, --external, --group or --user");
    }
    for uid in request.uids {
        let before = client.document_sharing(uid).await?;
        let after = change.applied_to(&before);
        if request.dry_run || after == before {
            let what = if after == before {
                "already shared so; nothing to change"
            } else {
                "would be changed (--dry-run)"
            };
            if json {
                print_json_line(&json!({"uid": uid, "changed": false, "sharing": after}))?;
            } else {
                say(format!("{uid}: {what}"))?;
            }
            continue;
        }
        client.set_document_sharing(uid, &after).await?;
        let view = client.document_sharing_view(uid).await?;
        if json {
            print_json_line(&json!({"uid": uid, "changed": true, "sharing": view}))?;
        } else {
            say(format!("Shared {uid}: {}", summary(&view)))?;
        }
    }
    Ok(())
}

/// The change the options ask for, each name resolved to one group or user.
async fn change_of(client: &Client, request: &ShareRequest<'_>) -> anyhow::Result<SharingChange> {
    let public_access = match request.public {
        Some(word) => Some(access(word, "--public")?.to_string()),
        None => None,
    };
    let external_access = match request.external {
        Some(word) => Some(external_of(client, word).await?),
        None => None,
    };
    let mut change = SharingChange {
        public_access,
        external_access,
        ..SharingChange::default()
    };
    for (given, kind) in request
        .groups
        .iter()
        .map(|g| (g, Kind::Group))
        .chain(request.users.iter().map(|u| (u, Kind::User)))
    {
        let Some((who, word)) = given.rsplit_once(':') else {
            bail!(
                "`{given}`: say who and what they may do, e.g. \"Report viewers:view\" (none, \
                 view or edit)"
            );
        };
        let access = access(word, kind.flag())?;
        let id = resolve(client, who.trim(), kind).await?;
        let entry = Access {
            id,
            access: access.to_string(),
        };
        match kind {
            Kind::Group => change.user_groups.push(entry),
            Kind::User => change.users.push(entry),
        }
    }
    Ok(change)
}

/// `--external on|off`, where the server still has external sharing (§9.6); a note where it
/// keeps the flag but no longer lets anyone in by it (2.42.0–2.42.5).
async fn external_of(client: &Client, word: &str) -> anyhow::Result<bool> {
    let on = match word.trim().to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" => true,
        "off" | "no" | "false" => false,
        _ => bail!("--external: `{word}` is not on or off"),
    };
    if let Some(version) = &server_version(client).await {
        if !version.supports(Feature::ExternalSharing) {
            bail!(
                "--external: DHIS2 {version} has no external (anonymous) sharing; it was removed \
                 in 2.41.9, 2.42.6 and 2.43"
            );
        }
        if on && !version.supports(Feature::ExternalAccessHonoured) {
            note(format!(
                "note: DHIS2 {version} keeps external access but no longer lets anyone in by it: \
                 the document stays closed to readers who are not signed in"
            ));
        }
    }
    Ok(on)
}

fn access(word: &str, flag: &str) -> anyhow::Result<&'static str> {
    access_of_word(word)
        .ok_or_else(|| anyhow::anyhow!("{flag}: `{word}` is not none, view or edit"))
}

#[derive(Clone, Copy)]
enum Kind {
    Group,
    User,
}

impl Kind {
    fn flag(self) -> &'static str {
        match self {
            Kind::Group => "--group",
            Kind::User => "--user",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Group => "user group",
            Kind::User => "user",
        }
    }

    fn of(self, candidates: Candidates) -> Vec<Named> {
        match self {
            Kind::Group => candidates.user_groups,
            Kind::User => candidates.users,
        }
    }
}

/// The uid `who` names: a uid as it is; otherwise the one group or user whose name (or
/// username) is `who`, ignoring case, or the only one the server's search finds. None, or
/// several, is an error listing what there is.
async fn resolve(client: &Client, who: &str, kind: Kind) -> anyhow::Result<String> {
    if is_valid_uid(who) {
        return Ok(who.to_string());
    }
    let found = kind.of(client.search_sharing(who).await?);
    let exact: Vec<&Named> = found
        .iter()
        .filter(|named| {
            named.name.eq_ignore_ascii_case(who)
                || named
                    .username
                    .as_deref()
                    .is_some_and(|username| username.eq_ignore_ascii_case(who))
        })
        .collect();
    match (exact.as_slice(), found.as_slice()) {
        ([one], _) => Ok(one.id.clone()),
        ([], [one]) => Ok(one.id.clone()),
        ([], []) => bail!("no {} matches \"{who}\"", kind.noun()),
        (several, all) => {
            let listed: Vec<String> = if several.is_empty() {
                all.iter().map(describe).collect()
            } else {
                several.iter().map(|named| describe(named)).collect()
            };
            bail!(
                "\"{who}\" could be any of these {}s: {}; name one by its uid",
                kind.noun(),
                listed.join(", ")
            )
        }
    }
}

fn describe(named: &Named) -> String {
    match &named.username {
        Some(username) => format!("{} ({username}, {})", named.name, named.id),
        None => format!("{} ({})", named.name, named.id),
    }
}
