//! `check`: an integrity audit of a server's documents and file resources (and of a backup
//! folder, offline). It only reads: one list request per page of documents and (2.41+) of file
//! resources, then one plain read per file resource a document shows, a few at a time, since
//! only a plain read makes DHIS2 look in its file store (dhis2-api.md §4.3).
mod against;
mod finding;
mod offline;
mod orphans;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use futures_util::{StreamExt, stream};

use crate::api::{
    Client, Document, Error, FileResource, LinkAnswer, LinkProbeOptions, LinkProber, ListQuery,
    Result, ServerVersion, StorageStatus, refused_link_reason,
};
use crate::ops::backup::Manifest;

pub use finding::{Class, Finding, Item, ItemKind, Report};
pub use offline::check_backup;

/// Reads at once by default: a check is many small reads, each mostly waiting on the link.
pub const DEFAULT_CHECK_JOBS: usize = 8;

/// How long a file resource may read PENDING before its bytes count as missing: DHIS2 stores
/// a file in milliseconds to seconds (minutes for a large one on S3), and its cleanup job
/// treats a file never stored after 2 hours as failed; an hour is well past any honest store.
pub const DEFAULT_PENDING_GRACE: Duration = Duration::from_secs(60 * 60);

/// File resources listed per request (2.41+), as many as a backup lists documents.
const FILE_RESOURCE_PAGE: u32 = 1000;
/// The most file resources one check lists.
const MAX_FILE_RESOURCES: usize = 1_000_000;

/// What to check.
#[derive(Clone, Debug)]
pub struct CheckRequest {
    /// The documents to check (all when it has no filter).
    pub query: ListQuery,
    /// A backup folder to compare with.
    pub against: Option<PathBuf>,
    /// Also ask `/data` for each file's length (headers only).
    pub data: bool,
    /// Also ask each external link whether it answers (never with DHIS2's credentials).
    pub links: bool,
    pub jobs: usize,
    pub pending_grace: Duration,
}

impl Default for CheckRequest {
    fn default() -> Self {
        CheckRequest {
            query: ListQuery::new(),
            against: None,
            data: false,
            links: false,
            jobs: DEFAULT_CHECK_JOBS,
            pending_grace: DEFAULT_PENDING_GRACE,
        }
    }
}

/// How far a check is: reads done of reads to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckProgress {
    pub done: usize,
    pub total: usize,
}

/// What one read of a file resource found.
enum Probe {
    Read {
        resource: Box<FileResource>,
        /// What `/data` answered (`--data`).
        served: Option<std::result::Result<Option<u64>, Error>>,
    },
    /// 404: no such file resource.
    Absent,
    Failed(String),
}

/// Checks `client`'s server as `request` asks, telling `progress` after each read.
pub async fn check_server(
    client: &Client,
    request: &CheckRequest,
    progress: &(dyn Fn(CheckProgress) + Send + Sync),
) -> Result<Report> {
    let info = client.system_info().await?;
    let version = info.version.as_deref().and_then(ServerVersion::parse);
    // The server's clock, so ages do not depend on this machine's.
    let now = info
        .server_date
        .unwrap_or_else(|| chrono::Local::now().naive_local());
    let manifest = match &request.against {
        Some(dir) => Some(Manifest::read(dir)?.ok_or_else(|| {
            Error::InvalidInput(format!("{} holds no d2files backup", dir.display()))
        })?),
        None => None,
    };
    let documents = list_documents(client, &request.query).await?;
    let everything = request.query.filters.is_empty();
    let listed = list_file_resources(client).await?;
    let wanted = files_shown(&documents);
    let links = if request.links {
        links_of(&documents)
    } else {
        Vec::new()
    };
    let total = wanted.len() + links.len();
    progress(CheckProgress { done: 0, total });
    let mut probes: HashMap<String, Probe> = HashMap::with_capacity(wanted.len());
    let mut reads = stream::iter(wanted)
        .map(|uid| async move {
            let probe = probe(client, &uid, request.data).await;
            (uid, probe)
        })
        .buffer_unordered(request.jobs.max(1));
    while let Some((uid, probe)) = reads.next().await {
        probes.insert(uid, probe);
        progress(CheckProgress {
            done: probes.len(),
            total,
        });
    }
    drop(reads);
    let answers = probe_links(links, request.jobs, &|done| {
        progress(CheckProgress {
            done: probes.len() + done,
            total,
        })
    })
    .await?;
    let dashboards = shown_on_dashboards(client).await;
    let mut report = Report::default();
    let grace = chrono::Duration::from_std(request.pending_grace).unwrap_or(chrono::Duration::MAX);
    for document in &documents {
        let mut item = Item::new(ItemKind::Document, &document.id, document.title());
        if document.external {
            link_findings(document, answers.get(&document.id), &mut item);
        } else {
            item.file_resource = document.file_resource_uid().map(str::to_string);
            file_findings(document, &probes, now, grace, &mut item);
        }
        if let Some(names) = dashboards.as_ref().ok().and_then(|d| d.get(&document.id)) {
            item.findings.push(Finding::new(
                Class::OnDashboards,
                format!(
                    "shown on {}: {}",
                    crate::api::units::count(names.len(), "dashboard", "dashboards"),
                    names.join(", ")
                ),
            ));
        }
        report.items.push(item);
    }
    if let Some(manifest) = &manifest {
        against::compare(&mut report, manifest, &documents, &probes, everything);
    }
    match &listed {
        Some(listed) if everything => {
            orphans::classify(&mut report, listed, &documents, version.as_ref(), now);
        }
        Some(_) => report.notes.push(
            "file resources are checked for orphans only when every document is (no --filter)"
                .into(),
        ),
        None => report.notes.push(format!(
            "DHIS2 {} cannot list file resources (2.41 can), so orphans cannot be found",
            version.map(|v| v.to_string()).unwrap_or_default()
        )),
    }
    if let Err(error) = dashboards {
        report
            .notes
            .push(format!("the dashboards could not be read: {error}"));
    }
    Ok(report)
}

/// What a check reads of each document: what its findings need, and no sharing (a tenth of
/// the bytes a backup's list brings).
const DOCUMENT_FIELDS: &str = "id,name,displayName,url,external,created,lastUpdated";
/// What a check reads of each file resource in the list: what tells an orphan and its age.
const FILE_RESOURCE_FIELDS: &str =
    "id,name,displayName,contentLength,domain,assigned,created,lastUpdated";
/// Documents listed per request, as a backup lists them.
const DOCUMENT_PAGE: u32 = 1000;
/// The most documents one check lists.
const MAX_DOCUMENTS: usize = 1_000_000;

/// Every document the query picks; a list cut short is refused, since a check of part of a
/// server would count the rest's files as orphans.
async fn list_documents(client: &Client, query: &ListQuery) -> Result<Vec<Document>> {
    let mut query = query.clone();
    query.page = 1;
    query.page_size = DOCUMENT_PAGE;
    query.fields = Some(DOCUMENT_FIELDS.into());
    let all = client.list_all_documents(&query, MAX_DOCUMENTS).await?;
    if let Some(cut) = all.cut {
        return Err(Error::InvalidInput(format!(
            "the server's list stopped after {} documents ({}); a check of part of it would \
             take the rest's files for orphans",
            all.items.len(),
            cut.code()
        )));
    }
    Ok(all.items)
}

/// Every file resource the server lists (2.41+), by uid; `None` where it lists none.
async fn list_file_resources(client: &Client) -> Result<Option<HashMap<String, FileResource>>> {
    let mut query = ListQuery::new().page_size(FILE_RESOURCE_PAGE);
    query.fields = Some(FILE_RESOURCE_FIELDS.into());
    match client
        .list_all_file_resources(&query, MAX_FILE_RESOURCES)
        .await
    {
        Ok(all) => {
            if let Some(cut) = all.cut {
                return Err(Error::InvalidInput(format!(
                    "the server's file resource list stopped after {} ({}); orphans cannot be \
                     told from the rest",
                    all.items.len(),
                    cut.code()
                )));
            }
            Ok(Some(
                all.items
                    .into_iter()
                    .map(|resource| (resource.id.clone(), resource))
                    .collect(),
            ))
        }
        Err(Error::NotAvailable { .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// The file resource uids file documents show, each once, in the documents' order.
fn files_shown(documents: &[Document]) -> Vec<String> {
    let mut seen = HashSet::new();
    documents
        .iter()
        .filter(|document| !document.external)
        .filter_map(|document| document.file_resource_uid())
        .filter(|uid| crate::api::is_valid_uid(uid) && seen.insert(uid.to_string()))
        .map(str::to_string)
        .collect()
}

async fn probe(client: &Client, uid: &str, data: bool) -> Probe {
    match client.get_file_resource(uid).await {
        Ok(resource) => {
            // Known by the uid asked for; what the findings do not read is not kept, so a
            // large server's check stays small.
            let resource = FileResource {
                id: uid.to_string(),
                extra: Default::default(),
                created_by: None,
                ..resource
            };
            let served = if data && resource.is_stored() {
                Some(client.served_length(&resource).await)
            } else {
                None
            };
            Probe::Read {
                resource: Box::new(resource),
                served,
            }
        }
        Err(error) if error.status() == Some(404) => Probe::Absent,
        Err(error) => Probe::Failed(error.to_string()),
    }
}

/// Dashboard names by the documents they show.
async fn shown_on_dashboards(client: &Client) -> Result<HashMap<String, Vec<String>>> {
    let mut shown: HashMap<String, Vec<String>> = HashMap::new();
    for dashboard in client.all_dashboards().await? {
        let mut on_this = HashSet::new();
        for item in &dashboard.items {
            for document in &item.documents {
                if on_this.insert(document.clone()) {
                    shown
                        .entry(document.clone())
                        .or_default()
                        .push(dashboard.name.clone());
                }
            }
        }
    }
    Ok(shown)
}

/// The external documents' links, by document uid.
fn links_of(documents: &[Document]) -> Vec<(String, String)> {
    documents
        .iter()
        .filter(|document| document.external)
        .filter_map(|document| Some((document.id.clone(), document.url.clone()?)))
        .collect()
}

/// Each link's answer, `jobs` at a time, from a prober of its own (no credentials of ours);
/// `progress` hears how many have answered.
async fn probe_links(
    links: Vec<(String, String)>,
    jobs: usize,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> Result<HashMap<String, LinkAnswer>> {
    let mut answers = HashMap::with_capacity(links.len());
    if links.is_empty() {
        return Ok(answers);
    }
    let prober = LinkProber::new(LinkProbeOptions::default())?;
    let prober = &prober;
    let mut asked = stream::iter(links)
        .map(|(document, url)| async move { (document, prober.probe(&url).await) })
        .buffer_unordered(jobs.max(1));
    while let Some((document, answer)) = asked.next().await {
        answers.insert(document, answer);
        progress(answers.len());
    }
    Ok(answers)
}

fn link_findings(document: &Document, answer: Option<&LinkAnswer>, item: &mut Item) {
    let url = document.url.as_deref().unwrap_or_default();
    if let Some(why) = refused_link_reason(url) {
        item.findings.push(
            Finding::new(
                Class::RefusedLink,
                format!("DHIS2 refuses this URL today (E4004): {why}"),
            )
            .advice(
                "every update of this document fails until its URL is fixed: correct it, or \
                 delete the document and link it again",
            ),
        );
    }
    let finding = match answer {
        None | Some(LinkAnswer::Answers { .. } | LinkAnswer::NotProbed { .. }) => return,
        Some(moved @ LinkAnswer::RedirectsElsewhere { .. }) => {
            Finding::new(Class::LinkElsewhere, moved.to_string())
        }
        Some(dead) => Finding::new(Class::DeadLink, format!("the link {dead}")).advice(
            "fix the document's URL (d2files documents link … makes a new one), or delete it if \
             the page is gone",
        ),
    };
    item.findings.push(finding);
}

fn file_findings(
    document: &Document,
    probes: &HashMap<String, Probe>,
    now: chrono::NaiveDateTime,
    grace: chrono::Duration,
    item: &mut Item,
) {
    let Some(uid) = document.file_resource_uid() else {
        item.findings.push(
            Finding::new(Class::Dangling, "the document names no file resource")
                .advice(RELINK_ADVICE),
        );
        return;
    };
    match probes.get(uid) {
        None => item.findings.push(
            Finding::new(
                Class::Dangling,
                format!("its url `{uid}` is no file resource uid (E4015 on import)"),
            )
            .advice(RELINK_ADVICE),
        ),
        Some(Probe::Absent) => item.findings.push(
            Finding::new(
                Class::Dangling,
                format!(
                    "its file resource {uid} does not exist (any metadata import of it fails \
                     with E4015)"
                ),
            )
            .advice(RELINK_ADVICE),
        ),
        Some(Probe::Failed(error)) => item.findings.push(Finding::new(
            Class::Unreadable,
            format!("file resource {uid} could not be read: {error}"),
        )),
        Some(Probe::Read { resource, served }) => {
            stored_findings(resource, served.as_ref(), now, grace, item);
        }
    }
}

/// What to do about a document whose file is gone.
const RELINK_ADVICE: &str = "restore it from a backup (d2files restore DIR --replace), or upload \
                             the file again and delete this document";
/// What to do about a file whose bytes are gone.
const BYTES_ADVICE: &str = "the file store lost the bytes: restore them from a backup (d2files \
                            restore DIR --replace) or upload the file again";

fn stored_findings(
    resource: &FileResource,
    served: Option<&std::result::Result<Option<u64>, Error>>,
    now: chrono::NaiveDateTime,
    grace: chrono::Duration,
    item: &mut Item,
) {
    let uid = &resource.id;
    if resource.storage_status == Some(StorageStatus::Pending) {
        let since = resource.created.or(resource.last_updated);
        let age = since.map(|since| now - since);
        let finding = match age {
            Some(age) if age <= grace => Finding::new(
                Class::Storing,
                format!(
                    "file resource {uid} is still being stored (uploaded {} ago)",
                    age_text(age)
                ),
            ),
            _ => Finding::new(
                Class::MissingBytes,
                format!(
                    "file resource {uid} reads PENDING{}: its bytes are not in the file store",
                    age.map(|age| format!(" {} after its upload", age_text(age)))
                        .unwrap_or_default()
                ),
            )
            .advice(BYTES_ADVICE),
        };
        item.findings.push(finding);
        return;
    }
    match served {
        None => {}
        Some(Err(error)) => item.findings.push(
            Finding::new(
                Class::MissingBytes,
                format!("file resource {uid} reads STORED but /data answers: {error}"),
            )
            .advice(BYTES_ADVICE),
        ),
        Some(Ok(length)) => {
            let recorded = resource.content_length;
            if *length == Some(0) && recorded.is_some_and(|n| n > 0) {
                item.findings.push(
                    Finding::new(
                        Class::MissingBytes,
                        format!(
                            "file resource {uid} records {} but /data serves an empty file",
                            crate::api::units::human_size(recorded.unwrap_or(0))
                        ),
                    )
                    .advice(BYTES_ADVICE),
                );
            } else if let (Some(served), Some(recorded)) = (*length, recorded)
                && served != recorded
            {
                item.findings.push(Finding::new(
                    Class::Mismatch,
                    format!(
                        "file resource {uid} records {recorded} bytes but /data serves {served}"
                    ),
                ));
            }
        }
    }
}

/// An age in the largest whole unit: "3 days", "5 hours", "12 minutes".
pub(crate) fn age_text(age: chrono::Duration) -> String {
    // Whole days only from two on, so "47 hours" does not read as "1 day".
    let (count, unit) = if age.num_days() >= 2 {
        (age.num_days(), "day")
    } else if age.num_hours() >= 1 {
        (age.num_hours(), "hour")
    } else if age.num_minutes() >= 1 {
        (age.num_minutes(), "minute")
    } else {
        return "less than a minute".to_string();
    };
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}
