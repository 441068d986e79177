//! Fixtures shared by the TUI tests: a state as the TUI builds it, documents, pages and keys,
//! and a driver that answers the requests a state asked for (found among the effects `update`
//! returned, as the runner finds them), so no test reaches into the state for a request id.
#![allow(dead_code)]
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use d2files::api::{
    Document, Error, FileResource, ListQuery, Me, Page, Pager, ServerInfo, ServerVersion,
};
use d2files::app::batch::BatchWork;
use d2files::app::effect::Effect;
use d2files::app::msg::Msg;
use d2files::app::{Keymap, Settings, State, update};
use d2files::ops::check::{Class, Finding, Item, ItemKind, Report};
use d2files::ops::{self, Existing, Plan, Step};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub fn settings() -> Settings {
    Settings {
        profile: "play".into(),
        base_url: "https://play.dhis2.example/".into(),
        download_dir: PathBuf::from("/home/op/Downloads"),
        log_path: Some(PathBuf::from("/home/op/.local/state/d2files/tui.log")),
        keymap: Keymap::default(),
        keymap_problems: Vec::new(),
        warnings: Vec::new(),
        color: false,
        page_size: 50,
        mouse: false,
    }
}

pub fn server(version: &str) -> ServerInfo {
    ServerInfo {
        base_url: "https://play.dhis2.example/".into(),
        version: ServerVersion::parse(version),
        version_text: version.into(),
        system_name: Some("Play".into()),
        time_zone: None,
        user: Me {
            username: Some("admin".into()),
            ..Me::default()
        },
        latency: Duration::from_millis(20),
    }
}

pub fn uid(prefix: char, n: usize) -> String {
    format!("{prefix}{n:010}")
}

/// Document `n`: every third one an external link, the others files.
pub fn document(n: usize) -> Document {
    let external = n % 3 == 2;
    let date = NaiveDate::from_ymd_opt(2025, 3, 1 + (n % 28) as u32)
        .and_then(|d| d.and_hms_opt(10, 11, 12));
    Document {
        id: uid('D', n),
        name: Some(format!(
            "{} {n}",
            ["Annual report", "Malaria SOP", "DHIS2 home"][n % 3]
        )),
        url: Some(if external {
            format!("https://dhis2.org/doc/{n}")
        } else {
            uid('F', n)
        }),
        external,
        content_type: (!external).then(|| "application/pdf".to_string()),
        attachment: Some(false),
        created: date,
        last_updated: date,
        ..Document::default()
    }
}

pub fn page(range: std::ops::Range<usize>, page: u32, total: u64) -> Page<Document> {
    let page_count = total.div_ceil(50) as u32;
    Page {
        items: range.map(document).collect(),
        pager: Some(Pager {
            page,
            page_count,
            total,
            page_size: 50,
            next_page: (page < page_count).then(|| format!("page={}", page + 1)),
            prev_page: None,
        }),
    }
}

pub fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn typed(state: &mut State, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| update(state, key(c))).collect()
}

/// What `pick` takes from the one effect among `effects` it takes anything from.
#[track_caller]
fn one<T>(effects: &[Effect], what: &str, pick: impl Fn(&Effect) -> Option<T>) -> T {
    let mut picked: Vec<T> = effects.iter().filter_map(pick).collect();
    assert_eq!(picked.len(), 1, "expected one {what} in {effects:?}");
    picked.remove(0)
}

/// The request id and query of the one documents fetch among `effects`.
#[track_caller]
pub fn documents_req(effects: &[Effect]) -> (u64, ListQuery) {
    one(effects, "documents fetch", |effect| match effect {
        Effect::FetchDocuments { req, query } => Some((*req, query.clone())),
        _ => None,
    })
}

/// The request id and query of the one file resource list fetch among `effects`.
#[track_caller]
pub fn resources_req(effects: &[Effect]) -> (u64, ListQuery) {
    one(effects, "file resource list fetch", |effect| match effect {
        Effect::FetchResources { req, query } => Some((*req, query.clone())),
        _ => None,
    })
}

/// The request id and uid of the one file resource read among `effects`.
#[track_caller]
pub fn resource_read(effects: &[Effect]) -> (u64, String) {
    one(effects, "file resource read", |effect| match effect {
        Effect::FetchResource { req, uid } => Some((*req, uid.clone())),
        _ => None,
    })
}

/// The connection to a server of `version` succeeds: the effects, the first documents fetch
/// among them.
pub fn connect(state: &mut State, version: &str) -> Vec<Effect> {
    update(state, Msg::Connected(Ok(server(version))))
}

/// Answers the documents fetch among `effects` as the runner does (for the query's page).
#[track_caller]
pub fn answer_documents(
    state: &mut State,
    effects: &[Effect],
    page: Page<Document>,
) -> Vec<Effect> {
    answer_list(state, effects, documents_req, documents_loaded, Ok(page))
}

/// Answers the documents fetch among `effects` with a failure.
#[track_caller]
pub fn refuse_documents(state: &mut State, effects: &[Effect], error: Error) -> Vec<Effect> {
    answer_list(state, effects, documents_req, documents_loaded, Err(error))
}

/// Answers the file resource list fetch among `effects` as the runner does.
#[track_caller]
pub fn answer_resources(
    state: &mut State,
    effects: &[Effect],
    page: Page<FileResource>,
) -> Vec<Effect> {
    answer_list(state, effects, resources_req, resources_loaded, Ok(page))
}

/// Answers the file resource list fetch among `effects` with a failure.
#[track_caller]
pub fn refuse_resources(state: &mut State, effects: &[Effect], error: Error) -> Vec<Effect> {
    answer_list(state, effects, resources_req, resources_loaded, Err(error))
}

type Loaded<T> = fn(u64, u32, Result<Page<T>, Error>) -> Msg;

fn documents_loaded(req: u64, page: u32, result: Result<Page<Document>, Error>) -> Msg {
    Msg::DocumentsLoaded { req, page, result }
}

fn resources_loaded(req: u64, page: u32, result: Result<Page<FileResource>, Error>) -> Msg {
    Msg::ResourcesLoaded { req, page, result }
}

/// Answers the list fetch `find` finds among `effects` with `result`, for the query's page.
#[track_caller]
fn answer_list<T>(
    state: &mut State,
    effects: &[Effect],
    find: fn(&[Effect]) -> (u64, ListQuery),
    loaded: Loaded<T>,
    result: Result<Page<T>, Error>,
) -> Vec<Effect> {
    let (req, query) = find(effects);
    update(state, loaded(req, query.page, result))
}

/// One page of file resources, with no pager (as DHIS2 answers a short list).
pub fn resources_page(items: Vec<FileResource>) -> Page<FileResource> {
    Page { items, pager: None }
}

/// Answers the file resource read among `effects` with what `read` makes of the uid asked for.
#[track_caller]
pub fn answer_resource_read(
    state: &mut State,
    effects: &[Effect],
    read: impl FnOnce(&str) -> FileResource,
) -> Vec<Effect> {
    let (req, uid) = resource_read(effects);
    let result = Ok(Box::new(read(&uid)));
    update(state, Msg::ResourceLoaded { req, uid, result })
}

/// Answers the file resource read among `effects` with a failure.
#[track_caller]
pub fn refuse_resource_read(state: &mut State, effects: &[Effect], error: Error) -> Vec<Effect> {
    let (req, uid) = resource_read(effects);
    update(
        state,
        Msg::ResourceLoaded {
            req,
            uid,
            result: Err(error),
        },
    )
}

/// A state with `settings`, connected to a server of `version`, showing `first`: the answer to
/// its first documents fetch.
pub fn ready_with(settings: Settings, version: &str, first: Page<Document>) -> State {
    let mut state = State::new(settings);
    let effects = connect(&mut state, version);
    answer_documents(&mut state, &effects, first);
    state
}

/// A connected state showing the first page of `total` documents.
pub fn ready(total: usize) -> State {
    ready_with(
        settings(),
        "2.41.4",
        page(0..total.min(50), 1, total as u64),
    )
}

pub fn tick(state: &mut State, millis: u64) -> Vec<Effect> {
    update(state, Msg::Tick(Duration::from_millis(millis)))
}

/// The screen `ui::draw` makes of a state at a size, as text.
pub fn render(state: &mut State, width: u16, height: u16) -> String {
    update(state, Msg::Resize(width, height));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height))
        .expect("test terminal");
    terminal
        .draw(|frame| d2files::ui::draw(frame, state))
        .expect("draw");
    terminal.backend().to_string()
}

/// Enter in the upload form, then the path check passing (`Effect::CheckUpload` answered
/// with `Ok`): the effects of the answer, which start the upload.
pub fn submit_upload(state: &mut State) -> Vec<Effect> {
    let effects = update(
        state,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    let Some(req) = effects.iter().find_map(|effect| match effect {
        Effect::CheckUpload { req, .. } => Some(*req),
        _ => None,
    }) else {
        panic!("expected the upload's path to be checked: {effects:?}");
    };
    update(
        state,
        Msg::UploadChecked {
            req,
            result: Ok(()),
        },
    )
}

/// The one batch plan asked for among `effects`: its request id and what it plans.
#[track_caller]
pub fn plan_req(effects: &[Effect]) -> (u64, BatchWork) {
    one(effects, "batch plan", |effect| match effect {
        Effect::PlanBatch { req, work } => Some((*req, work.clone())),
        _ => None,
    })
}

/// Answers the plan asked for among `effects` with `plan`, as the runner does.
#[track_caller]
pub fn answer_plan(state: &mut State, effects: &[Effect], plan: Plan) -> Vec<Effect> {
    let (req, _) = plan_req(effects);
    update(
        state,
        Msg::BatchPlanned {
            req,
            result: Ok(plan),
        },
    )
}

/// The one batch started among `effects`: its id and plan.
#[track_caller]
pub fn applied(effects: &[Effect]) -> (u64, std::sync::Arc<Plan>) {
    one(effects, "batch start", |effect| match effect {
        Effect::ApplyBatch { batch, plan, .. } => Some((*batch, plan.0.clone())),
        _ => None,
    })
}

/// Step `n` of a bulk download: document `n` saved in `dir`, 1 MiB, `existing` there.
pub fn download_step(n: usize, dir: &str, existing: Existing) -> Step {
    let document = document(n);
    Step {
        label: document.title().to_string(),
        uid: Some(document.id.clone()),
        bytes: Some(1 << 20),
        action: ops::Action::Download {
            to: PathBuf::from(dir).join(format!("report-{n}.pdf")),
            existing,
            document: Box::new(document),
            resource: None,
        },
    }
}

/// Step `n` of a bulk delete: document `n`, 2 MiB, shown on `dashboards`.
pub fn delete_step(n: usize, dashboards: &[&str]) -> Step {
    let document = document(n);
    Step {
        label: document.title().to_string(),
        uid: Some(document.id.clone()),
        bytes: Some(2 << 20),
        action: ops::Action::Delete {
            dashboards: dashboards.iter().map(|name| name.to_string()).collect(),
        },
    }
}

/// A plan of `steps`, with `notes`.
pub fn plan_of(steps: Vec<Step>, notes: &[&str]) -> Plan {
    Plan {
        steps,
        notes: notes.iter().map(|note| note.to_string()).collect(),
    }
}

/// Marks the first `count` rows with Space, from the top.
pub fn mark_rows(state: &mut State, count: usize) {
    update(state, key('g'));
    for _ in 0..count {
        update(state, key(' '));
    }
}

/// A profile of a profiles file as `config::list_profiles` lists it: usable, in the user's
/// file, on `url`.
pub fn profile(name: &str, url: &str) -> d2files::config::ProfileSummary {
    d2files::config::ProfileSummary {
        name: name.into(),
        base_url: Some(url.into()),
        auth: Some(d2files::config::AuthKind::Basic),
        username: Some("admin".into()),
        file: PathBuf::from("/home/op/.config/dhis2/profiles.toml"),
        is_default: false,
        shadowed: false,
        problem: None,
    }
}

/// The request id of the one profile listing among `effects`.
#[track_caller]
pub fn profiles_req(effects: &[Effect]) -> u64 {
    one(effects, "profile listing", |effect| match effect {
        Effect::ListProfiles { req } => Some(*req),
        _ => None,
    })
}

/// Answers the profile listing among `effects` with `profiles`, a new one to be added to the
/// user's file.
#[track_caller]
pub fn answer_profiles(
    state: &mut State,
    effects: &[Effect],
    profiles: Vec<d2files::config::ProfileSummary>,
) -> Vec<Effect> {
    let req = profiles_req(effects);
    let configured = d2files::app::msg::ConfiguredProfiles {
        profiles,
        add_to: Some(PathBuf::from("/home/op/.config/dhis2/profiles.toml")),
    };
    update(
        state,
        Msg::ProfilesListed {
            req,
            result: Ok(configured),
        },
    )
}

/// Step `n` of a copy: document `n` re-created with its uid, its 1 MiB file from a backup-like
/// source (`update` never reads it).
pub fn copy_step(n: usize) -> Step {
    let document = document(n);
    let file = (!document.external).then(|| ops::RestoreFile {
        source: ops::FileSource::Backup(PathBuf::from(format!("/nowhere/report-{n}.pdf"))),
        uid: uid('F', n),
        md5: Some("5eb63bbbe01eeed093cb22bb8f5acdc3".into()),
        keep_uid: true,
        new_uid_because: None,
        reuse: None,
    });
    Step {
        label: document.title().to_string(),
        uid: Some(document.id.clone()),
        bytes: file.as_ref().map(|_| 1 << 20),
        action: ops::Action::Restore(Box::new(ops::RestoreItem {
            id: document.id.clone(),
            name: document.title().to_string(),
            external: document.external,
            url: document.url.clone(),
            sharing: None,
            file,
            replaces: None,
        })),
    }
}

/// The request id and query of the one check started among `effects`.
#[track_caller]
pub fn check_req(effects: &[Effect]) -> (u64, ListQuery) {
    one(effects, "check", |effect| match effect {
        Effect::StartCheck { req, query } => Some((*req, query.clone())),
        _ => None,
    })
}

/// Whether `effects` start a check.
pub fn starts_check(effects: &[Effect]) -> bool {
    effects
        .iter()
        .any(|effect| matches!(effect, Effect::StartCheck { .. }))
}

/// Whether `effects` stop the running check.
pub fn cancels_check(effects: &[Effect]) -> bool {
    effects.contains(&Effect::CancelCheck)
}

/// Answers the check started among `effects` with `report`, as the runner does.
#[track_caller]
pub fn answer_check(state: &mut State, effects: &[Effect], report: Report) -> Vec<Effect> {
    let (req, _) = check_req(effects);
    update(
        state,
        Msg::Checked {
            req,
            result: Ok(Box::new(report)),
        },
    )
}

/// The request id and uids of the one read of documents by uid among `effects`.
#[track_caller]
pub fn by_id_req(effects: &[Effect]) -> (u64, Vec<String>) {
    one(effects, "read by uid", |effect| match effect {
        Effect::FetchDocumentsById { req, uids } => Some((*req, uids.clone())),
        _ => None,
    })
}

/// Answers the read by uid among `effects` with the test documents of those uids (`D…n`), as
/// the runner does: a first page without a pager.
#[track_caller]
pub fn answer_by_id(state: &mut State, effects: &[Effect]) -> Vec<Effect> {
    let (req, uids) = by_id_req(effects);
    let items = uids
        .iter()
        .filter_map(|uid| uid.strip_prefix('D')?.parse::<usize>().ok())
        .map(document)
        .collect();
    update(
        state,
        Msg::DocumentsLoaded {
            req,
            page: 1,
            result: Ok(Page { items, pager: None }),
        },
    )
}

/// What `ops::check` advises for lost bytes and for a dangling document (its words).
const BYTES_ADVICE: &str = "the file store lost the bytes: restore them from a backup (d2files \
                            restore DIR --replace) or upload the file again";
const RELINK_ADVICE: &str = "restore it from a backup (d2files restore DIR --replace), or upload \
                             the file again and delete this document";
pub const ORPHAN: &str = "Forphan0001";

/// A checked item with these findings.
pub fn check_item(kind: ItemKind, uid: &str, name: &str, findings: Vec<Finding>) -> Item {
    let mut item = Item::new(kind, uid, name);
    item.findings = findings;
    item
}

/// What a check of the first ten test documents finds: document 0's bytes lost, document 3
/// dangling, document 4 still storing, document 6 on a dashboard (no mark), the rest fine; an
/// orphan file resource and one that is fine.
pub fn check_report() -> Report {
    let document = |n: usize, findings| {
        let d = document(n);
        check_item(ItemKind::Document, &d.id, d.title(), findings)
    };
    let mut items: Vec<Item> = (0..10).map(|n| document(n, Vec::new())).collect();
    items[0].findings.push(
        Finding::new(
            Class::MissingBytes,
            format!(
                "file resource {} reads PENDING 3 days after its upload: its bytes are not in \
                 the file store",
                uid('F', 0)
            ),
        )
        .advice(BYTES_ADVICE),
    );
    items[3].findings.push(
        Finding::new(
            Class::Dangling,
            format!(
                "its file resource {} does not exist (any metadata import of it fails with \
                 E4015)",
                uid('F', 3)
            ),
        )
        .advice(RELINK_ADVICE),
    );
    items[4].findings.push(Finding::new(
        Class::Storing,
        format!(
            "file resource {} is still being stored (uploaded 2 minutes ago)",
            uid('F', 4)
        ),
    ));
    items[6].findings.push(Finding::new(
        Class::OnDashboards,
        "shown on 1 dashboard: Malaria",
    ));
    items.push(check_item(
        ItemKind::FileResource,
        &uid('F', 1),
        "malaria-sop.pdf",
        Vec::new(),
    ));
    items.push(check_item(
        ItemKind::FileResource,
        ORPHAN,
        "old-orphan.pdf",
        vec![
            Finding::new(
                Class::Orphan,
                "no document points at it (4 B, last updated 3 days ago); DHIS2's daily \
                 cleanup job deletes it at its next run (2 days after its last update)",
            )
            .advice(format!(
                "to keep it, link it to a document: d2files documents link {ORPHAN} --name NAME \
                 (DHIS2 has no request that deletes a file resource)"
            )),
        ],
    ));
    Report {
        items,
        notes: vec!["the dashboards could not be read: HTTP 500".into()],
    }
}

/// The group and the user the sharing fixtures name.
pub const VIEWERS: &str = "Qs2bVkOBNh5";
pub const GUEST_USER: &str = "KvLgpVgQwY2";

/// A document's sharing as `/api/sharing` shows it: everyone can view, the report viewers can
/// view and edit, the guest can view.
pub fn sharing_view() -> d2files::api::SharingView {
    d2files::api::SharingView {
        public_access: "r-------".into(),
        external_access: None,
        creator: None,
        user_group_accesses: vec![d2files::api::NamedAccess {
            id: VIEWERS.into(),
            name: "Report viewers".into(),
            access: "rw------".into(),
        }],
        user_accesses: vec![d2files::api::NamedAccess {
            id: GUEST_USER.into(),
            name: "Guest Viewer".into(),
            access: "r-------".into(),
        }],
    }
}

/// The request id and uid of the one sharing read among `effects`.
#[track_caller]
pub fn sharing_req(effects: &[Effect]) -> (u64, String) {
    one(effects, "sharing read", |effect| match effect {
        Effect::FetchSharing { req, uid } => Some((*req, uid.clone())),
        _ => None,
    })
}

/// Answers the sharing read among `effects` with `view`.
#[track_caller]
pub fn answer_sharing(
    state: &mut State,
    effects: &[Effect],
    view: d2files::api::SharingView,
) -> Vec<Effect> {
    let (req, uid) = sharing_req(effects);
    update(
        state,
        Msg::SharingLoaded {
            req,
            uid,
            result: Ok(Box::new(view)),
        },
    )
}

/// The request id and key of the one sharing search among `effects`.
#[track_caller]
pub fn search_req(effects: &[Effect]) -> (u64, String) {
    one(effects, "sharing search", |effect| match effect {
        Effect::SearchSharing { req, key } => Some((*req, key.clone())),
        _ => None,
    })
}

/// What the search finds for "rep": the report viewers group and a user.
pub fn candidates() -> d2files::api::Candidates {
    d2files::api::Candidates {
        user_groups: vec![d2files::api::Named {
            id: VIEWERS.into(),
            name: "Report viewers".into(),
            username: None,
        }],
        users: vec![d2files::api::Named {
            id: "xE7jOejl9FI".into(),
            name: "John Reporter".into(),
            username: Some("jreporter".into()),
        }],
    }
}

/// Answers the details read among `effects` with the document as listed (no file resource).
#[track_caller]
pub fn answer_detail(state: &mut State, effects: &[Effect]) -> Vec<Effect> {
    let (req, uid) = one(effects, "details read", |effect| match effect {
        Effect::FetchDetail { req, uid } => Some((*req, uid.clone())),
        _ => None,
    });
    let document = state
        .documents
        .items
        .iter()
        .find(|document| document.id == uid)
        .cloned()
        .expect("a listed document");
    update(
        state,
        Msg::DetailLoaded {
            req,
            result: Ok(Box::new(d2files::app::msg::Detail {
                document,
                resource: None,
            })),
        },
    )
}
