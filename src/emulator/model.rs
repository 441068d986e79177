//! The emulator's data: users, documents, file resources and dashboards, and their JSON
//! (dhis2-api.md §3.1, §4.1, §10.1).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDateTime;
use rand::Rng;
use serde_json::{Map, Value, json};

use super::version::{Change, Dhis2Version};

/// DHIS2's wire format for dates: no time zone, milliseconds.
pub fn format_date(date: NaiveDateTime) -> String {
    date.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

/// A random 11-character DHIS2 uid: a letter, then 10 letters or digits.
pub fn generate_uid() -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    let mut uid = String::with_capacity(11);
    uid.push(LETTERS[rng.random_range(0..LETTERS.len())] as char);
    for _ in 0..10 {
        uid.push(ALPHANUMERIC[rng.random_range(0..ALPHANUMERIC.len())] as char);
    }
    uid
}

/// `CodeGenerator.isValidUid`.
pub fn is_valid_uid(uid: &str) -> bool {
    let bytes = uid.as_bytes();
    bytes.len() == 11
        && bytes[0].is_ascii_alphabetic()
        && bytes.iter().all(|b| b.is_ascii_alphanumeric())
}

/// An emulated user account.
#[derive(Clone, Debug)]
pub struct User {
    pub id: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub first_name: &'static str,
    pub surname: &'static str,
    pub email: &'static str,
    pub authorities: &'static [&'static str],
}

impl User {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.surname)
    }

    pub fn is_superuser(&self) -> bool {
        self.authorities.contains(&"ALL")
    }

    pub fn has(&self, authority: &str) -> bool {
        self.is_superuser() || self.authorities.contains(&authority)
    }

    pub fn can_create_document(&self) -> bool {
        self.has("F_DOCUMENT_PUBLIC_ADD") || self.has("F_DOCUMENT_PRIVATE_ADD")
    }

    pub fn can_delete_document(&self) -> bool {
        self.has("F_DOCUMENT_DELETE")
    }

    /// `canMakeClassPublic` for documents.
    pub fn can_make_public(&self) -> bool {
        self.has("F_DOCUMENT_PUBLIC_ADD")
    }

    /// `canMakeClassExternal` for documents (before external access was removed, §9.6).
    pub fn can_make_external(&self) -> bool {
        self.has("F_DOCUMENT_EXTERNAL")
    }

    /// `{"id","code","name","displayName","username"}` (`UserPropertyTransformer`).
    pub fn reference(&self, with_null_code: bool) -> Value {
        let mut reference = json!({
            "id": self.id,
            "name": self.name(),
            "displayName": self.name(),
            "username": self.username,
        });
        if with_null_code {
            reference["code"] = Value::Null;
        }
        reference
    }
}

pub const ADMIN: User = User {
    id: "M5zQapPyTZI",
    username: ADMIN_USERNAME,
    password: ADMIN_PASSWORD,
    first_name: "admin",
    surname: "admin",
    email: "admin@moh.example.org",
    authorities: &["ALL"],
};

/// Reads public documents and uploads file resources, but may not add or delete documents.
pub const GUEST: User = User {
    id: "KvLgpVgQwY2",
    username: GUEST_USERNAME,
    password: GUEST_PASSWORD,
    first_name: "Guest",
    surname: "Viewer",
    email: "guest@moh.example.org",
    authorities: &["M_dhis-web-dashboard", "F_VIEW_UNAPPROVED_DATA"],
};

/// Adds private documents and shares them, but may not make them public: what a create or
/// `/api/sharing` does with public access then (dhis2-api.md §3.4, §9.3).
pub const CLERK: User = User {
    id: "pQ4wNcE8yUd",
    username: CLERK_USERNAME,
    password: CLERK_PASSWORD,
    first_name: "Clerk",
    surname: "Private",
    email: "clerk@moh.example.org",
    authorities: &["F_DOCUMENT_PRIVATE_ADD"],
};

/// Every account of the emulator: those who log in are also those sharing can name.
pub const USERS: [&User; 3] = [&ADMIN, &GUEST, &CLERK];

/// The user with this id, if there is one (a sharing entry naming no one is dropped, §9.2).
pub fn find_user(id: &str) -> Option<&'static User> {
    USERS.into_iter().find(|user| user.id == id)
}

/// The author of an object, who always exists here (objects are made by these users).
pub fn user_by_id(id: &str) -> &'static User {
    find_user(id).unwrap_or(&ADMIN)
}

/// A user group that sharing can name (dhis2-api.md §9.7); `members` are user ids.
#[derive(Clone, Copy, Debug)]
pub struct UserGroup {
    pub id: &'static str,
    pub name: &'static str,
    pub members: &'static [&'static str],
}

pub const ADMINISTRATORS_GROUP_ID: &str = "wl5cDMuUhmF";
pub const VIEWERS_GROUP_ID: &str = "Qs2bVkOBNh5";
pub const CLERKS_GROUP_ID: &str = "tH7kLcWq3Zp";

/// The seeded user groups, one per user.
pub const USER_GROUPS: [UserGroup; 3] = [
    UserGroup {
        id: ADMINISTRATORS_GROUP_ID,
        name: "Administrators",
        members: &[ADMIN.id],
    },
    UserGroup {
        id: VIEWERS_GROUP_ID,
        name: "Report viewers",
        members: &[GUEST.id],
    },
    UserGroup {
        id: CLERKS_GROUP_ID,
        name: "Data entry clerks",
        members: &[CLERK.id],
    },
];

pub fn find_user_group(id: &str) -> Option<&'static UserGroup> {
    USER_GROUPS.iter().find(|group| group.id == id)
}

/// Where a metadata right sits in an access string (dhis2-api.md §9.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Right {
    Read,
    Write,
}

impl Right {
    fn granted_by(self, access: &str) -> bool {
        match self {
            Right::Read => access.as_bytes().first() == Some(&b'r'),
            Right::Write => access.as_bytes().get(1) == Some(&b'w'),
        }
    }
}

/// An object's sharing as DHIS2 stores it (`Sharing`): the owner, the public access string
/// (null when `/api/sharing` was sent none, §9.3), and access strings by user and group id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sharing {
    pub owner: Option<String>,
    pub public: Option<String>,
    /// Anonymous access through the link (`external`), until the version removes it (§9.6).
    pub external: bool,
    pub users: BTreeMap<String, String>,
    pub user_groups: BTreeMap<String, String>,
}

impl Sharing {
    /// An owner, a public access string, and nobody named.
    pub fn owned_by(owner: &str, public: &str) -> Sharing {
        Sharing {
            owner: Some(owner.to_string()),
            public: Some(public.to_string()),
            ..Sharing::default()
        }
    }

    /// What `clearSharing=true` leaves after a create or an import (dhis2-api.md §3.4): public
    /// read/write if `user` may make documents public, else nothing; no users or groups.
    pub fn cleared(owner: &str, user: &User) -> Sharing {
        let public = if user.can_make_public() {
            "rw------"
        } else {
            "--------"
        };
        Sharing::owned_by(owner, public)
    }

    /// The in-memory ACL: the owner, the public string (a null one enables everything, §9.1),
    /// the user's own entry, or a group of theirs.
    pub fn grants(&self, user: &User, right: Right) -> bool {
        self.owner.as_deref() == Some(user.id)
            || self.public.as_deref().is_none_or(|a| right.granted_by(a))
            || self.users.get(user.id).is_some_and(|a| right.granted_by(a))
            || self.user_groups.iter().any(|(id, access)| {
                right.granted_by(access)
                    && find_user_group(id).is_some_and(|g| g.members.contains(&user.id))
            })
    }

    /// The `sharing` object; `external` only where the version still has it (§9.6).
    pub fn to_json(&self, version: Dhis2Version) -> Value {
        let mut sharing = Map::new();
        if let Some(owner) = &self.owner {
            sharing.insert("owner".into(), json!(owner));
        }
        if let Some(public) = &self.public {
            sharing.insert("public".into(), json!(public));
        }
        if !version.has(Change::ExternalSharingRemoved) {
            sharing.insert("external".into(), json!(self.external));
        }
        let entries = |accesses: &BTreeMap<String, String>, name: fn(&str) -> Option<String>| {
            accesses
                .iter()
                .map(|(id, access)| {
                    let mut entry = json!({"id": id, "access": access});
                    if let Some(name) = name(id) {
                        entry["displayName"] = json!(name);
                    }
                    (id.clone(), entry)
                })
                .collect::<Map<String, Value>>()
        };
        sharing.insert(
            "users".into(),
            Value::Object(entries(&self.users, user_name)),
        );
        sharing.insert(
            "userGroups".into(),
            Value::Object(entries(&self.user_groups, group_name)),
        );
        Value::Object(sharing)
    }

    /// The 2.38–2.40 projections: `publicAccess`, `externalAccess`, and the accesses as lists.
    fn legacy_fields(&self, object: &mut Builder) {
        // Null is left out, as every null is (NON_NULL).
        if let Some(public) = &self.public {
            object.put("publicAccess", || json!(public));
        }
        object.put("externalAccess", || json!(self.external));
        let entries = |accesses: &BTreeMap<String, String>,
                       key: &str,
                       name: fn(&str) -> Option<String>| {
            accesses
                .iter()
                .map(|(id, access)| json!({"id": id, key: id, "access": access, "displayName": name(id)}))
                .collect::<Vec<_>>()
        };
        object.put("userGroupAccesses", || {
            json!(entries(&self.user_groups, "userGroupUid", group_name))
        });
        object.put("userAccesses", || {
            json!(entries(&self.users, "userUid", user_name))
        });
    }
}

fn user_name(id: &str) -> Option<String> {
    find_user(id).map(User::name)
}

fn group_name(id: &str) -> Option<String> {
    find_user_group(id).map(|group| group.name.to_string())
}

/// `FileResourceDomain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    DataValue,
    PushAnalysis,
    Document,
    MessageAttachment,
    UserAvatar,
    OrgUnit,
    Icon,
    JobData,
}

impl Domain {
    const ALL: [Domain; 8] = [
        Domain::DataValue,
        Domain::PushAnalysis,
        Domain::Document,
        Domain::MessageAttachment,
        Domain::UserAvatar,
        Domain::OrgUnit,
        Domain::Icon,
        Domain::JobData,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Domain::DataValue => "DATA_VALUE",
            Domain::PushAnalysis => "PUSH_ANALYSIS",
            Domain::Document => "DOCUMENT",
            Domain::MessageAttachment => "MESSAGE_ATTACHMENT",
            Domain::UserAvatar => "USER_AVATAR",
            Domain::OrgUnit => "ORG_UNIT",
            Domain::Icon => "ICON",
            Domain::JobData => "JOB_DATA",
        }
    }

    /// The enum constants of the version, in declaration order.
    pub fn values(version: Dhis2Version) -> Vec<Domain> {
        Self::ALL
            .into_iter()
            .filter(|d| match d {
                Domain::Icon | Domain::JobData => version.has(Change::IconAndJobData),
                Domain::PushAnalysis => !version.has(Change::PushAnalysisRemoved),
                _ => true,
            })
            .collect()
    }

    pub fn names(version: Dhis2Version) -> Vec<&'static str> {
        Self::values(version)
            .into_iter()
            .map(Domain::name)
            .collect()
    }

    /// The exact constant name (filters and seeds).
    pub fn from_name(name: &str, version: Dhis2Version) -> Option<Domain> {
        Self::values(version).into_iter().find(|d| d.name() == name)
    }

    /// Downloadable through `/api/fileResources/{id}/data` at all.
    pub fn downloadable(self) -> bool {
        !matches!(self, Domain::DataValue | Domain::PushAnalysis)
    }

    /// Domains whose png/jpeg uploads get SMALL/MEDIUM/LARGE variants.
    pub fn has_image_variants(self) -> bool {
        matches!(
            self,
            Domain::DataValue | Domain::UserAvatar | Domain::OrgUnit
        )
    }
}

/// Which top-level keys to render: all, or only those a list filters and sorts on (a list
/// renders every object that way, and the full object only for the page it returns).
#[derive(Clone, Copy, Debug)]
pub enum Keys<'a> {
    All,
    Only(&'a [&'static str]),
}

impl Keys<'_> {
    pub fn wants(self, key: &str) -> bool {
        match self {
            Keys::All => true,
            Keys::Only(keys) => keys.contains(&key),
        }
    }
}

/// A JSON object that computes a value only when its key is wanted.
struct Builder<'a> {
    map: Map<String, Value>,
    keys: Keys<'a>,
}

impl<'a> Builder<'a> {
    fn new(keys: Keys<'a>) -> Self {
        Builder {
            map: Map::new(),
            keys,
        }
    }

    fn put(&mut self, key: &str, value: impl FnOnce() -> Value) {
        if self.keys.wants(key) {
            self.map.insert(key.to_string(), value());
        }
    }

    fn finish(self) -> Value {
        Value::Object(self.map)
    }
}

/// The base fields every identifiable object has; `favorites` are the ids of the users who
/// marked it, gone on 2.44 (§13.6).
fn base_fields(object: &mut Builder, ctx: &RenderContext, favorites: &[String]) {
    object.put("attributeValues", || json!([]));
    object.put("translations", || json!([]));
    if !ctx.version.has(Change::FavoritesRemoved) {
        object.put("favorites", || json!(favorites));
        object.put("favorite", || {
            json!(favorites.iter().any(|id| id == ctx.user.id))
        });
    }
}

/// What rendering an object needs to know about the request.
pub struct RenderContext<'a> {
    pub version: Dhis2Version,
    pub user: &'a User,
    /// `http://host:port[/context]`, for `href`.
    pub base_url: &'a str,
}

#[derive(Clone, Debug)]
pub struct Document {
    pub id: String,
    pub name: String,
    pub code: Option<String>,
    pub url: String,
    pub external: bool,
    pub content_type: Option<String>,
    pub attachment: bool,
    pub created: NaiveDateTime,
    pub last_updated: NaiveDateTime,
    pub created_by: &'static str,
    pub last_updated_by: &'static str,
    pub sharing: Sharing,
    /// The linked file resource (never serialised).
    pub file_resource: Option<String>,
    /// The users who marked it a favorite (before 2.44, §13.6).
    pub favorites: Vec<String>,
    /// The database's key, in creation order (what a Gist list sorts by, §13.5).
    pub seq: u64,
}

impl Document {
    /// Metadata read sharing (superusers read everything).
    pub fn readable_by(&self, user: &User) -> bool {
        user.is_superuser() || self.sharing.grants(user, Right::Read)
    }

    /// Metadata write sharing.
    pub fn writable_by(&self, user: &User) -> bool {
        user.is_superuser() || self.sharing.grants(user, Right::Write)
    }

    /// The full object, as `fields=*` shows it.
    pub fn to_json(&self, ctx: &RenderContext) -> Value {
        self.to_json_keys(ctx, Keys::All)
    }

    /// The object with only `keys` (lists filter and sort on these).
    pub fn to_json_keys(&self, ctx: &RenderContext, keys: Keys) -> Value {
        let mut object = Builder::new(keys);
        object.put("id", || json!(self.id));
        object.put("name", || json!(self.name));
        object.put("displayName", || json!(self.name));
        if let Some(code) = &self.code {
            object.put("code", || json!(code));
        }
        object.put("url", || json!(self.url));
        object.put("external", || json!(self.external));
        object.put("attachment", || json!(self.attachment));
        if let Some(content_type) = &self.content_type {
            object.put("contentType", || json!(content_type));
        }
        object.put("created", || json!(format_date(self.created)));
        object.put("lastUpdated", || json!(format_date(self.last_updated)));
        object.put("createdBy", || user_by_id(self.created_by).reference(false));
        object.put("user", || user_by_id(self.created_by).reference(false));
        object.put("lastUpdatedBy", || {
            user_by_id(self.last_updated_by).reference(false)
        });
        object.put("sharing", || self.sharing.to_json(ctx.version));
        if !ctx.version.has(Change::LegacySharingFieldsRemoved) {
            self.sharing.legacy_fields(&mut object);
        }
        object.put("access", || {
            let write = self.writable_by(ctx.user);
            let mut access = json!({
                "manage": write, "write": write, "read": self.readable_by(ctx.user),
                "update": write, "delete": write && ctx.user.can_delete_document(),
            });
            if !ctx.version.has(Change::ExternalSharingRemoved) {
                access["externalize"] = json!(ctx.user.can_make_external());
            }
            access
        });
        object.put("href", || {
            json!(format!("{}/api/documents/{}", ctx.base_url, self.id))
        });
        base_fields(&mut object, ctx, &self.favorites);
        object.finish()
    }
}

#[derive(Clone, Debug)]
pub struct FileResource {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub content_length: u64,
    pub content_md5: String,
    pub domain: Domain,
    pub assigned: bool,
    pub created: NaiveDateTime,
    pub last_updated: NaiveDateTime,
    pub created_by: &'static str,
    /// The blob in the emulator's temp dir.
    pub blob: PathBuf,
    /// When the asynchronous store "finishes"; `None` = never (a failed store stays PENDING).
    pub stored_at: Option<Instant>,
    /// The blob was taken from the store after the row was written (`Emulator::lose_bytes`):
    /// the status check finds nothing, so it reads PENDING, and `/data` answers 500.
    pub blob_gone: bool,
    /// The database's key, in creation order (what a Gist list sorts by, §13.5).
    pub seq: u64,
}

/// How `storageStatus` is reported on this path (dhis2-api.md §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusView {
    /// The POST response: always PENDING.
    Pending,
    /// Plain `GET /api/fileResources/{id}`: recomputed from the store.
    Checked,
    /// Field-filtered paths (2.41+ `fields`, list): the transient default NONE.
    Unchecked,
}

impl FileResource {
    /// Whether the content store has the blob now (`checkStorageStatus`).
    pub fn is_stored(&self) -> bool {
        !self.blob_gone && self.save_finished()
    }

    /// Whether the asynchronous save has run, whatever became of the blob since.
    fn save_finished(&self) -> bool {
        self.stored_at.is_some_and(|at| Instant::now() >= at)
    }

    /// Image variants exist once saved (png/jpeg in DATA_VALUE, USER_AVATAR, ORG_UNIT). The
    /// flag is a column the save sets, so a blob lost later leaves it as it was.
    pub fn has_multiple_storage_files(&self) -> bool {
        self.save_finished()
            && self.domain.has_image_variants()
            && is_variant_image(&self.content_type)
    }

    pub fn storage_status(&self, view: StatusView) -> &'static str {
        match view {
            StatusView::Pending => "PENDING",
            StatusView::Unchecked => "NONE",
            StatusView::Checked if self.is_stored() => "STORED",
            StatusView::Checked => "PENDING",
        }
    }

    /// The full object. `plain` is Jackson's direct serialisation (no `href`, user refs carry
    /// `code: null`); otherwise the field-filtered form with `href`.
    pub fn to_json(&self, ctx: &RenderContext, view: StatusView, plain: bool) -> Value {
        self.to_json_keys(ctx, view, plain, Keys::All)
    }

    /// The object with only `keys` (lists filter and sort on these).
    pub fn to_json_keys(
        &self,
        ctx: &RenderContext,
        view: StatusView,
        plain: bool,
        keys: Keys,
    ) -> Value {
        let mut object = Builder::new(keys);
        object.put("id", || json!(self.id));
        object.put("name", || json!(self.name));
        object.put("displayName", || json!(self.name));
        object.put("created", || json!(format_date(self.created)));
        object.put("lastUpdated", || json!(format_date(self.last_updated)));
        object.put("createdBy", || user_by_id(self.created_by).reference(plain));
        object.put("lastUpdatedBy", || {
            user_by_id(self.created_by).reference(plain)
        });
        object.put("user", || user_by_id(self.created_by).reference(plain));
        let sharing = Sharing::owned_by(self.created_by, "--------");
        object.put("sharing", || sharing.to_json(ctx.version));
        if !ctx.version.has(Change::LegacySharingFieldsRemoved) {
            sharing.legacy_fields(&mut object);
        }
        base_fields(&mut object, ctx, &[]);
        object.put("contentType", || json!(self.content_type));
        object.put("contentLength", || json!(self.content_length));
        object.put("contentMd5", || json!(self.content_md5));
        object.put("domain", || json!(self.domain.name()));
        object.put("storageStatus", || json!(self.storage_status(view)));
        object.put("hasMultipleStorageFiles", || {
            json!(self.has_multiple_storage_files())
        });
        if ctx.version.has(Change::AssignedVisible) {
            object.put("assigned", || json!(self.assigned));
        }
        if !plain {
            object.put("href", || {
                json!(format!("{}/api/fileResources/{}", ctx.base_url, self.id))
            });
            // Computed for the field-filtered paths when `fields` names it (or `*`). A file
            // resource is not shareable: anyone reads it; changing one is for superusers [I].
            object.put("access", || {
                let all = ctx.user.is_superuser();
                let mut access = json!({
                    "manage": all, "write": all, "read": true, "update": all, "delete": all,
                });
                if !ctx.version.has(Change::ExternalSharingRemoved) {
                    access["externalize"] = json!(false);
                }
                access
            });
        }
        object.finish()
    }
}

/// Content types that get SMALL/MEDIUM/LARGE variants (not gif).
pub fn is_variant_image(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(essence.as_str(), "image/png" | "image/jpeg" | "image/jpg")
}

/// A dashboard as far as documents matter (dhis2-api.md §10.1).
#[derive(Clone, Debug)]
pub struct Dashboard {
    pub id: String,
    /// The database's key, in creation order (what a Gist list sorts by, §13.5).
    pub seq: u64,
    pub name: String,
    pub created: NaiveDateTime,
    pub last_updated: NaiveDateTime,
    pub items: Vec<DashboardItem>,
}

#[derive(Clone, Debug)]
pub struct DashboardItem {
    pub id: String,
    /// The uid of the chart it embeds (the emulator has no visualizations, only their uids).
    pub visualization: Option<String>,
    /// Document uids, in the order the item shows them (a document may repeat).
    pub resources: Vec<String>,
}

impl DashboardItem {
    /// `DashboardItem.getType`: the first kind of content it has wins, embedded objects before
    /// documents, so RESOURCES means documents and nothing else (§10.1).
    fn item_type(&self) -> Option<&'static str> {
        if self.visualization.is_some() {
            Some("VISUALIZATION")
        } else if !self.resources.is_empty() {
            Some("RESOURCES")
        } else {
            None
        }
    }

    fn to_json(&self, ctx: &RenderContext, documents: &BTreeMap<String, Document>) -> Value {
        let mut item = json!({
            "id": self.id,
            "contentCount": self.resources.len() + usize::from(self.visualization.is_some()),
            // Whole documents, so a filter on any document property sees it; `fields` narrows.
            "resources": self
                .resources
                .iter()
                .filter_map(|uid| documents.get(uid))
                .map(|document| document.to_json(ctx))
                .collect::<Vec<_>>(),
        });
        if let Some(kind) = self.item_type() {
            item["type"] = json!(kind);
        }
        if let Some(uid) = &self.visualization {
            item["visualization"] = json!({ "id": uid });
        }
        item
    }
}

impl Dashboard {
    pub fn to_json(&self, ctx: &RenderContext, documents: &BTreeMap<String, Document>) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "displayName": self.name,
            "created": format_date(self.created),
            "lastUpdated": format_date(self.last_updated),
            "href": format!("{}/api/dashboards/{}", ctx.base_url, self.id),
            "itemCount": self.items.len(),
            "dashboardItems": self
                .items
                .iter()
                .map(|item| item.to_json(ctx, documents))
                .collect::<Vec<_>>(),
            "favorites": [],
            "translations": [],
            "attributeValues": [],
        })
    }
}

/// What a listed object gives the list besides its JSON: its database key, in creation order
/// (a Gist list's default order).
pub trait Listed {
    fn seq(&self) -> u64;
}

impl Listed for &Document {
    fn seq(&self) -> u64 {
        self.seq
    }
}

impl Listed for &FileResource {
    fn seq(&self) -> u64 {
        self.seq
    }
}

impl Listed for &Dashboard {
    fn seq(&self) -> u64 {
        self.seq
    }
}

/// Everything the server stores, behind one lock.
#[derive(Default)]
pub struct Db {
    pub documents: BTreeMap<String, Document>,
    pub file_resources: BTreeMap<String, FileResource>,
    pub dashboards: BTreeMap<String, Dashboard>,
    /// The last database key handed out.
    last_seq: u64,
}

impl Db {
    /// A new database key: later objects have larger ones.
    pub fn next_seq(&mut self) -> u64 {
        self.last_seq += 1;
        self.last_seq
    }

    /// A uid no object here has.
    pub fn fresh_uid(&self) -> String {
        loop {
            let uid = generate_uid();
            let taken = self.documents.contains_key(&uid)
                || self.file_resources.contains_key(&uid)
                || self.dashboards.values().any(|dashboard| {
                    dashboard.id == uid || dashboard.items.iter().any(|item| item.id == uid)
                });
            if !taken {
                return uid;
            }
        }
    }

    /// Deletes a document as `store.delete` does, with the deletion handlers that run in the
    /// same transaction (dashboards, dhis2-api.md §10.3). Every delete path goes through here.
    pub fn delete_document(&mut self, uid: &str, at: NaiveDateTime) -> Option<Document> {
        let document = self.documents.remove(uid)?;
        remove_from_dashboards(&mut self.dashboards, uid, at);
        Some(document)
    }
}

/// `DashboardItemDeletionHandler` and `DashboardDeletionHandler` (§10.3): the document leaves
/// every item, every occurrence of it; an item left without documents is deleted and leaves its
/// dashboard. The dashboard itself stays, even with no items left.
fn remove_from_dashboards(
    dashboards: &mut BTreeMap<String, Dashboard>,
    uid: &str,
    at: NaiveDateTime,
) {
    for dashboard in dashboards.values_mut() {
        let mut touched = false;
        dashboard.items.retain_mut(|item| {
            if !item.resources.iter().any(|shown| shown == uid) {
                return true;
            }
            touched = true;
            item.resources.retain(|shown| shown != uid);
            !item.resources.is_empty()
        });
        if touched {
            dashboard.last_updated = at;
        }
    }
}

pub const ADMIN_USERNAME: &str = "admin";
pub const ADMIN_PASSWORD: &str = "district";
/// A user without the document add and delete authorities (403 / 409 WARNING on delete).
pub const GUEST_USERNAME: &str = "guest";
pub const GUEST_PASSWORD: &str = "Guest123!";
/// A user who adds private documents only (no F_DOCUMENT_PUBLIC_ADD).
pub const CLERK_USERNAME: &str = "clerk";
pub const CLERK_PASSWORD: &str = "Clerk123!";
/// A personal access token of the admin user: `d2pat_` + 32 chars + the CRC32 of those 32
/// chars in decimal, zero-padded to 10 digits (validated as DHIS2 does).
pub const ADMIN_PAT: &str = "d2pat_Xk3mP9qLw2Rt7vYz4BnH8cJd6FsA1gEu0409911786";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_uids_are_valid() {
        for _ in 0..100 {
            assert!(is_valid_uid(&generate_uid()));
        }
        assert!(!is_valid_uid("1abcdefghij"));
        assert!(!is_valid_uid("abc"));
    }

    #[test]
    fn dates_have_millis_and_no_zone() {
        let date = NaiveDateTime::parse_from_str("2025-03-04 10:11:12", "%Y-%m-%d %H:%M:%S")
            .expect("valid date");
        assert_eq!(format_date(date), "2025-03-04T10:11:12.000");
    }

    #[test]
    fn domains_follow_the_version() {
        assert!(Domain::from_name("ICON", Dhis2Version::new(39, 0)).is_none());
        assert_eq!(
            Domain::from_name("ICON", Dhis2Version::new(40, 0)),
            Some(Domain::Icon)
        );
        assert!(Domain::from_name("icon", Dhis2Version::new(41, 0)).is_none());
    }
}
