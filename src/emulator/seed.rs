//! The demo seed (assets/demo, compiled in) and the test helpers that add objects directly.

use std::time::Instant;

use chrono::NaiveDateTime;
use serde::Deserialize;

use super::model::{ADMIN, Dashboard, DashboardItem, Document, Domain, FileResource, Sharing};
use super::query::parse_date;
use super::state::AppState;

const MANIFEST: &str = include_str!("../../assets/demo/manifest.json");

/// The seed files, by the names the manifest uses.
fn asset(name: &str) -> Option<&'static [u8]> {
    Some(match name {
        "report.pdf" => include_bytes!("../../assets/demo/report.pdf"),
        "readme.txt" => include_bytes!("../../assets/demo/readme.txt"),
        "malaria_cases.csv" => include_bytes!("../../assets/demo/malaria_cases.csv"),
        "logo.png" => include_bytes!("../../assets/demo/logo.png"),
        "budget.xlsx" => include_bytes!("../../assets/demo/budget.xlsx"),
        "sop.docx" => include_bytes!("../../assets/demo/sop.docx"),
        "epi_coverage.json" => include_bytes!("../../assets/demo/epi_coverage.json"),
        "moh_logo.png" => include_bytes!("../../assets/demo/moh_logo.png"),
        "workshop.jpg" => include_bytes!("../../assets/demo/workshop.jpg"),
        "smart_survey.zip" => include_bytes!("../../assets/demo/smart_survey.zip"),
        _ => return None,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    documents: Vec<ManifestDocument>,
    file_resources: Vec<ManifestFileResource>,
    dashboards: Vec<ManifestDashboard>,
}

#[derive(Deserialize)]
struct ManifestDashboard {
    id: String,
    name: String,
    items: Vec<ManifestDashboardItem>,
}

/// An item shows documents, or (`visualization: true`) a chart and no documents.
#[derive(Deserialize)]
struct ManifestDashboardItem {
    #[serde(default)]
    documents: Vec<String>,
    #[serde(default)]
    visualization: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestDocument {
    id: String,
    name: String,
    kind: String,
    /// A file resource id, a URL, or `{external}/…` for this emulator's external path.
    url: String,
    created: String,
    last_updated: String,
    code: Option<String>,
    #[serde(default)]
    private: bool,
    #[serde(default)]
    attachment: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestFileResource {
    id: String,
    name: String,
    file: String,
    content_type: String,
    domain: String,
    assigned: bool,
    stored: bool,
    created: String,
}

/// A file resource for [`super::Emulator::seed_file_resource`].
#[derive(Clone, Debug)]
pub struct SeedFileResource {
    /// `None`: a fresh uid.
    pub id: Option<String>,
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// A `FileResourceDomain` constant, e.g. "DOCUMENT" (the default) or "DATA_VALUE".
    pub domain: String,
    pub assigned: bool,
    /// `false`: stays PENDING for ever (downloads answer 500).
    pub stored: bool,
    /// `None`: now.
    pub created: Option<NaiveDateTime>,
    /// `None`: the same as `created`. The cleanup job of 2.41.7+/2.42.4+/2.43 goes by it (an
    /// unassigned DOCUMENT file resource last updated more than two days ago is deleted,
    /// dhis2-api.md §4.7, §13.7). The job runs at the next 02:00 of the emulator's clock, so an
    /// orphan seeded days old stays until then (or until a test moves the clock past it,
    /// `Emulator::advance_clock`), as on a server whose job has not run yet.
    pub last_updated: Option<NaiveDateTime>,
}

impl SeedFileResource {
    pub fn new(name: &str, content_type: &str, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            id: None,
            name: name.to_string(),
            content_type: content_type.to_string(),
            bytes: bytes.into(),
            domain: "DOCUMENT".to_string(),
            assigned: false,
            stored: true,
            created: None,
            last_updated: None,
        }
    }
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }
    pub fn domain(mut self, domain: &str) -> Self {
        self.domain = domain.to_string();
        self
    }
    pub fn assigned(mut self, assigned: bool) -> Self {
        self.assigned = assigned;
        self
    }
    pub fn stored(mut self, stored: bool) -> Self {
        self.stored = stored;
        self
    }
    pub fn created(mut self, created: NaiveDateTime) -> Self {
        self.created = Some(created);
        self
    }
    /// E.g. `now - 3 days` with `assigned(false)`: an orphan the cleanup job is due to delete.
    pub fn last_updated(mut self, last_updated: NaiveDateTime) -> Self {
        self.last_updated = Some(last_updated);
        self
    }
}

/// A document for [`super::Emulator::seed_document`], owned by admin.
///
/// Seeding skips the import checks of a create (dhis2-api.md §3.4), as a document made on an
/// older server or written into the database would: a link whose URL DHIS2 now refuses with
/// E4004 (`link("Old", "ftp://files.example.org/a")`), or a file document whose file resource
/// does not exist (`file("Lost", "NoSuchFr001")`, what a create refuses with E4015). Such a
/// document reads like any other; the `/data` of a dangling one takes DHIS2's legacy path (no
/// linked file resource) and answers 500, and a link's `/data` is the 302 to its URL whatever
/// the URL is (no `Location` when the URL cannot be a header value).
#[derive(Clone, Debug)]
pub struct SeedDocument {
    pub id: Option<String>,
    pub name: String,
    /// The URL of a link, or the file resource id of a file.
    pub url: String,
    pub external: bool,
    pub code: Option<String>,
    /// `false`: sharing `--------`, so the guest cannot see it.
    pub public: bool,
    pub created: Option<NaiveDateTime>,
    pub last_updated: Option<NaiveDateTime>,
}

impl SeedDocument {
    pub fn link(name: &str, url: &str) -> Self {
        Self {
            id: None,
            name: name.to_string(),
            url: url.to_string(),
            external: true,
            code: None,
            public: true,
            created: None,
            last_updated: None,
        }
    }
    /// A file document; its file resource becomes DOCUMENT and assigned, as on create. A uid
    /// no file resource has seeds a dangling document (see above).
    pub fn file(name: &str, file_resource_id: &str) -> Self {
        Self {
            external: false,
            ..Self::link(name, file_resource_id)
        }
    }
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }
    pub fn code(mut self, code: &str) -> Self {
        self.code = Some(code.to_string());
        self
    }
    pub fn private(mut self) -> Self {
        self.public = false;
        self
    }
    pub fn created(mut self, created: NaiveDateTime) -> Self {
        self.created = Some(created);
        self
    }
    pub fn last_updated(mut self, last_updated: NaiveDateTime) -> Self {
        self.last_updated = Some(last_updated);
        self
    }
}

/// A dashboard for [`super::Emulator::seed_dashboard`].
#[derive(Clone, Debug)]
pub struct SeedDashboard {
    /// `None`: a fresh uid.
    pub id: Option<String>,
    pub name: String,
    pub items: Vec<SeedDashboardItem>,
}

/// One item of a [`SeedDashboard`]; items get fresh uids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeedDashboardItem {
    /// Shows these documents (uids), in this order (type RESOURCES).
    Documents(Vec<String>),
    /// Shows a chart and no documents (type VISUALIZATION).
    Visualization,
}

impl SeedDashboard {
    pub fn new(name: &str) -> Self {
        Self {
            id: None,
            name: name.to_string(),
            items: Vec::new(),
        }
    }
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }
    /// Adds an item showing these documents.
    pub fn documents<S: AsRef<str>>(mut self, uids: &[S]) -> Self {
        let uids = uids.iter().map(|uid| uid.as_ref().to_string()).collect();
        self.items.push(SeedDashboardItem::Documents(uids));
        self
    }
    /// Adds an item showing a chart.
    pub fn visualization(mut self) -> Self {
        self.items.push(SeedDashboardItem::Visualization);
        self
    }
}

pub fn add_dashboard(state: &AppState, seed: SeedDashboard) -> String {
    let mut db = state.db();
    let id = seed.id.unwrap_or_else(|| db.fresh_uid());
    let created = state.now();
    let seq = db.next_seq();
    db.dashboards.insert(
        id.clone(),
        Dashboard {
            seq,
            id: id.clone(),
            name: seed.name,
            created,
            last_updated: created,
            items: Vec::new(),
        },
    );
    // One at a time, so that each fresh uid also misses the items added before it.
    for item in seed.items {
        let (visualization, resources) = match item {
            SeedDashboardItem::Documents(uids) => (None, uids),
            SeedDashboardItem::Visualization => (Some(db.fresh_uid()), Vec::new()),
        };
        let item = DashboardItem {
            id: db.fresh_uid(),
            visualization,
            resources,
        };
        if let Some(dashboard) = db.dashboards.get_mut(&id) {
            dashboard.items.push(item);
        }
    }
    id
}

/// Adds a file resource; unknown domains (for the version) fall back to DOCUMENT.
pub fn add_file_resource(state: &AppState, seed: SeedFileResource) -> std::io::Result<String> {
    let blob = state.store.write_bytes(&seed.bytes)?;
    let domain = Domain::from_name(&seed.domain, state.version).unwrap_or(Domain::Document);
    let created = seed.created.unwrap_or_else(|| state.now());
    let last_updated = seed.last_updated.unwrap_or(created);
    let mut db = state.db();
    let id = seed.id.unwrap_or_else(|| db.fresh_uid());
    let seq = db.next_seq();
    db.file_resources.insert(
        id.clone(),
        FileResource {
            id: id.clone(),
            name: seed.name,
            content_type: seed.content_type,
            content_length: blob.len,
            content_md5: blob.md5,
            domain,
            assigned: seed.assigned,
            created,
            last_updated,
            created_by: ADMIN.id,
            blob: blob.path,
            stored_at: seed.stored.then(Instant::now),
            blob_gone: false,
            seq,
        },
    );
    Ok(id)
}

pub fn add_document(state: &AppState, seed: SeedDocument) -> String {
    let mut db = state.db();
    let id = seed.id.unwrap_or_else(|| db.fresh_uid());
    let created = seed.created.unwrap_or_else(|| state.now());
    let file_resource = (!seed.external).then(|| seed.url.clone());
    if let Some(fr) = file_resource
        .as_ref()
        .and_then(|fr_id| db.file_resources.get_mut(fr_id))
    {
        fr.domain = Domain::Document;
        fr.assigned = true;
    }
    let seq = db.next_seq();
    db.documents.insert(
        id.clone(),
        Document {
            id: id.clone(),
            name: seed.name,
            code: seed.code,
            url: seed.url,
            external: seed.external,
            content_type: None,
            attachment: false,
            created,
            last_updated: seed.last_updated.unwrap_or(created),
            created_by: ADMIN.id,
            last_updated_by: ADMIN.id,
            sharing: Sharing::owned_by(ADMIN.id, if seed.public { "rw------" } else { "--------" }),
            file_resource,
            favorites: Vec::new(),
            seq,
        },
    );
    id
}

fn date(state: &AppState, text: &str) -> NaiveDateTime {
    parse_date(text).unwrap_or_else(|| state.now())
}

/// Loads the demo seed. `base_url` resolves `{external}` links to this emulator.
pub fn load_demo(state: &AppState, base_url: &str) -> std::io::Result<()> {
    let manifest: Manifest = serde_json::from_str(MANIFEST).map_err(std::io::Error::other)?;
    for fr in manifest.file_resources {
        // ICON/JOB_DATA only exist from 2.40.
        if Domain::from_name(&fr.domain, state.version).is_none() {
            continue;
        }
        let bytes = asset(&fr.file).ok_or_else(|| {
            std::io::Error::other(format!("demo seed file {} is missing", fr.file))
        })?;
        add_file_resource(
            state,
            SeedFileResource::new(&fr.name, &fr.content_type, bytes)
                .id(&fr.id)
                .domain(&fr.domain)
                .assigned(fr.assigned)
                .stored(fr.stored)
                .created(date(state, &fr.created)),
        )?;
    }
    for doc in manifest.documents {
        let url = doc
            .url
            .replace("{external}", &format!("{base_url}/external"));
        let mut seed = if doc.kind == "link" {
            SeedDocument::link(&doc.name, &url)
        } else {
            SeedDocument::file(&doc.name, &url)
        }
        .id(&doc.id)
        .created(date(state, &doc.created))
        .last_updated(date(state, &doc.last_updated));
        if let Some(code) = &doc.code {
            seed = seed.code(code);
        }
        if doc.private {
            seed = seed.private();
        }
        let id = add_document(state, seed);
        if doc.attachment
            && let Some(document) = state.db().documents.get_mut(&id)
        {
            document.attachment = true;
        }
    }
    for dashboard in manifest.dashboards {
        let mut seed = SeedDashboard::new(&dashboard.name).id(&dashboard.id);
        for item in dashboard.items {
            seed = if item.visualization {
                seed.visualization()
            } else {
                seed.documents(&item.documents)
            };
        }
        add_dashboard(state, seed);
    }
    Ok(())
}
