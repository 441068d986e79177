//! The effect runner: carries out `Effect`s on tokio tasks with the API client and answers with
//! `Msg`s on the channel. Nothing here blocks the UI task.
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::{AbortHandle, JoinSet};

use crate::api::{
    CancellationToken, Client, ClientOptions, DownloadTarget, Error, Progress, SharingChange,
    TransferOptions,
};
use crate::app::batch::BatchWork;
use crate::app::effect::Effect;
use crate::app::ids::{BatchId, TransferId};
use crate::app::known_resources;
use crate::app::msg::{ConfiguredProfiles, Detail, Msg, PreviewRead};
use crate::app::path_completion;
use crate::app::paths::AppPaths;
use crate::app::sharing::ShareOutcome;
use crate::app::transfer_job::{TransferJob, TransferOutcome};
use crate::config::{Environment, ProfileRequest};
use crate::ops::check::{CheckProgress, CheckRequest, check_server};
use crate::ops::{self, ApplyOptions, Event, Outcome, Plan, Run, Summary};
/// On quit, how long cancelled transfers get to remove their part files.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// A check's progress reaches the UI at most this often (and at its start and end): ten
/// frames a second read as smooth, whatever the number of files read.
const CHECK_PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The connections to other profiles' servers, by profile name: made when a copy to one is
/// planned, used when that plan is applied (so it runs against the very server it was planned
/// for). Their credentials stay inside the clients.
type Targets = Arc<Mutex<HashMap<String, Client>>>;

/// The reads of which only the newest counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Superseding {
    Documents,
    Resources,
    Detail,
    SharingSearch,
    Preview,
}

pub struct Runner {
    client: Client,
    tx: mpsc::UnboundedSender<Msg>,
    paths: AppPaths,
    /// Where profiles are read from, for a copy to another one.
    environment: Arc<Environment>,
    targets: Targets,
    slots: Arc<Semaphore>,
    /// Transfers at once, for single transfers and for each batch.
    jobs: usize,
    /// Each transfer's cancel token, while its task lives (the `Weak` dies with the task).
    cancels: HashMap<TransferId, (CancellationToken, Weak<()>)>,
    /// Each batch's cancellation, while it runs.
    runs: HashMap<BatchId, (Run, Weak<()>)>,
    tasks: JoinSet<()>,
    /// The list and detail reads in flight, by kind: a newer one makes the older one's answer
    /// useless (`update` drops it), so the older one is aborted and the server sees one.
    latest: HashMap<Superseding, AbortHandle>,
    /// Transfers and writes to the uploads file apart, so quitting waits for them (part files,
    /// an upload's record) and not for a slow list.
    lasting_tasks: JoinSet<()>,
    /// Serialises writes to the uploads file.
    uploads_lock: Arc<tokio::sync::Mutex<()>>,
    /// The check running, if any (one at a time: a new one stops it).
    check: Option<AbortHandle>,
}

impl Runner {
    pub fn new(client: Client, tx: mpsc::UnboundedSender<Msg>, paths: AppPaths) -> Runner {
        Runner {
            client,
            tx,
            paths,
            environment: Arc::new(Environment::from_process()),
            targets: Arc::default(),
            slots: Arc::new(Semaphore::new(ops::DEFAULT_JOBS)),
            jobs: ops::DEFAULT_JOBS,
            cancels: HashMap::new(),
            runs: HashMap::new(),
            tasks: JoinSet::new(),
            latest: HashMap::new(),
            lasting_tasks: JoinSet::new(),
            uploads_lock: Arc::new(tokio::sync::Mutex::new(())),
            check: None,
        }
    }

    /// With `jobs` transfers at once (`D2FILES_TRANSFERS`) instead of the default.
    pub fn with_jobs(mut self, jobs: usize) -> Runner {
        let jobs = jobs.clamp(1, ops::MAX_JOBS);
        self.jobs = jobs;
        self.slots = Arc::new(Semaphore::new(jobs));
        self
    }

    /// Reading profiles from `environment` instead of this process's (tests).
    pub fn with_environment(mut self, environment: Environment) -> Runner {
        self.environment = Arc::new(environment);
        self
    }

    /// Starts an effect. `Copy` and `Quit` belong to the event loop and are ignored here.
    pub fn run(&mut self, effect: Effect) {
        // Reap finished tasks so the set does not grow for the whole session.
        while self.tasks.try_join_next().is_some() {}
        while self.lasting_tasks.try_join_next().is_some() {}
        self.cancels
            .retain(|_, (_, alive)| alive.strong_count() > 0);
        self.runs.retain(|_, (_, alive)| alive.strong_count() > 0);
        let client = self.client.clone();
        let tx = self.tx.clone();
        match effect {
            Effect::Connect => self.spawn(async move {
                let result = guarded("connecting", client.connect()).await;
                let _ = tx.send(Msg::Connected(result));
            }),
            Effect::FetchDocuments { req, query } => {
                self.spawn_latest(Superseding::Documents, async move {
                    let result = guarded("the list", client.list_documents(&query)).await;
                    let _ = tx.send(Msg::DocumentsLoaded {
                        req,
                        page: query.page,
                        result,
                    });
                })
            }
            Effect::FetchResources { req, query } => {
                self.spawn_latest(Superseding::Resources, async move {
                    let result = guarded("the list", client.list_file_resources(&query)).await;
                    let _ = tx.send(Msg::ResourcesLoaded {
                        req,
                        page: query.page,
                        result,
                    });
                })
            }
            Effect::FetchDetail { req, uid } => {
                self.spawn_latest(Superseding::Detail, async move {
                    let result = guarded("the details", fetch_detail(&client, &uid)).await;
                    let _ = tx.send(Msg::DetailLoaded { req, result });
                })
            }
            Effect::FetchPreview { req, uid, limits } => {
                self.spawn_latest(Superseding::Preview, async move {
                    let read = guarded("the preview", read_preview(&client, &uid, limits)).await;
                    let result = read.map(Box::new);
                    let _ = tx.send(Msg::PreviewLoaded { req, uid, result });
                })
            }
            Effect::CancelPreview => {
                if let Some(read) = self.latest.remove(&Superseding::Preview) {
                    read.abort();
                }
            }
            Effect::FetchResource { req, uid } => self.spawn(async move {
                let result = guarded("the details", client.get_file_resource(&uid)).await;
                let result = result.map(Box::new);
                let _ = tx.send(Msg::ResourceLoaded { req, uid, result });
            }),
            Effect::FetchDocumentFiles { uids } => self.spawn(async move {
                let result = guarded("the file sizes", client.file_resources_by_id(&uids)).await;
                let _ = tx.send(Msg::DocumentFilesLoaded(result));
            }),
            Effect::CreateLink { name, url } => self.spawn(async move {
                let result = guarded(
                    "creating the link",
                    client.create_external_document(&name, &url),
                )
                .await;
                let _ = tx.send(Msg::LinkCreated(result));
            }),
            Effect::Delete { uid, name } => self.spawn(async move {
                let result = guarded("the delete", client.delete_document(&uid)).await;
                let _ = tx.send(Msg::Deleted { uid, name, result });
            }),
            Effect::StartTransfer { id, job } => self.start_transfer(id, job),
            Effect::CancelTransfer(id) => {
                if let Some((token, _)) = self.cancels.get(&id) {
                    token.cancel();
                }
            }
            Effect::PlanBatch { req, work } => {
                let planner = Planner {
                    paths: self.paths.clone(),
                    environment: self.environment.clone(),
                    targets: self.targets.clone(),
                    jobs: self.jobs,
                };
                self.spawn(async move {
                    let result = guarded("the plan", planner.plan(&client, work)).await;
                    let _ = tx.send(Msg::BatchPlanned { req, result });
                });
            }
            Effect::ApplyBatch { batch, plan, onto } => self.apply_batch(batch, plan.0, onto),
            Effect::ListProfiles { req } => {
                let environment = self.environment.clone();
                self.spawn(async move {
                    // The files are read on the blocking pool, like every file of the runner.
                    let read = tokio::task::spawn_blocking(move || configured(&environment));
                    let result = read.await.unwrap_or_else(|_| {
                        Err("reading the profiles stopped on an internal error".to_string())
                    });
                    let _ = tx.send(Msg::ProfilesListed { req, result });
                });
            }
            Effect::CancelBatchStep { batch, step } => {
                if let Some((run, _)) = self.runs.get(&batch) {
                    run.cancel(step);
                }
            }
            Effect::CancelBatch(batch) => {
                if let Some((run, _)) = self.runs.get(&batch) {
                    run.cancel_all();
                }
            }
            Effect::StartCheck { req, query } => {
                let handle = self.tasks.spawn(async move {
                    let request = CheckRequest {
                        query,
                        ..CheckRequest::default()
                    };
                    let progress = throttled_progress(req, tx.clone());
                    let result =
                        guarded("the check", check_server(&client, &request, &progress)).await;
                    let _ = tx.send(Msg::Checked {
                        req,
                        result: result.map(Box::new),
                    });
                });
                if let Some(older) = self.check.replace(handle) {
                    older.abort();
                }
            }
            Effect::CancelCheck => {
                // It only reads: stopping it midway leaves nothing to clean up.
                if let Some(check) = self.check.take() {
                    check.abort();
                }
            }
            Effect::FetchDocumentsById { req, uids } => {
                self.spawn_latest(Superseding::Documents, async move {
                    let result = guarded("the list", client.documents_by_id(&uids)).await;
                    let result = result.map(|items| crate::api::Page { items, pager: None });
                    let _ = tx.send(Msg::DocumentsLoaded {
                        req,
                        page: 1,
                        result,
                    });
                })
            }
            Effect::SelectMatching { req, query } => {
                self.spawn(async move {
                    let result = guarded(
                        "marking all that match",
                        ops::matching_documents(&client, &query),
                    )
                    .await;
                    let _ = tx.send(Msg::MatchingSelected { req, result });
                });
            }
            // An edit is a lasting task: quitting waits for it (briefly) rather than cut it
            // between two of its requests.
            Effect::Rename { req, uid, name } => {
                self.lasting_tasks.spawn(async move {
                    let options = TransferOptions::default();
                    let unlinked = options.unlinked.clone();
                    let result =
                        guarded("the rename", client.rename_document(&uid, &name, &options))
                            .await
                            .map(Box::new)
                            .map_err(|error| naming_unlinked(error, unlinked.get()));
                    let _ = tx.send(Msg::Renamed { req, uid, result });
                });
            }
            Effect::FetchSharing { req, uid } => self.spawn(async move {
                let result = guarded("the sharing", client.document_sharing_view(&uid)).await;
                let result = result.map(Box::new);
                let _ = tx.send(Msg::SharingLoaded { req, uid, result });
            }),
            Effect::SearchSharing { req, key } => {
                self.spawn_latest(Superseding::SharingSearch, async move {
                    let result = guarded("the search", client.search_sharing(&key)).await;
                    let _ = tx.send(Msg::SharingCandidates { req, result });
                })
            }
            Effect::ApplySharing { req, uids, change } => {
                let jobs = self.jobs;
                self.lasting_tasks.spawn(async move {
                    // One document's change is read back, to show what the server kept.
                    let read_back = uids.len() == 1;
                    let (client, change) = (&client, &change);
                    let outcomes = futures_util::stream::iter(uids)
                        .map(|uid| async move {
                            let shared = share_one(client, &uid, change, read_back);
                            let result = guarded("the sharing change", shared).await;
                            (uid, result)
                        })
                        .buffered(jobs)
                        .collect::<Vec<_>>()
                        .await;
                    let _ = tx.send(Msg::SharingApplied { req, outcomes });
                });
            }
            Effect::CompletePath { req, input } => {
                let home = self.paths.home.clone();
                self.spawn(async move {
                    let listed = input.clone();
                    let completion = tokio::task::spawn_blocking(move || {
                        path_completion::complete(&listed, home.as_ref())
                    })
                    .await
                    .unwrap_or_else(|_| path_completion::Completion {
                        input: input.clone(),
                        completed: input.clone(),
                        candidates: Vec::new(),
                    });
                    let _ = tx.send(Msg::Completed { req, completion });
                });
            }
            Effect::CheckUpload { req, path, domain } => {
                let path = self.paths.expand(&path);
                let client = self.client.clone();
                self.spawn(async move {
                    // A directory of documents is a batch of its files.
                    let is_dir = tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir());
                    if is_dir && domain == crate::api::Domain::Document {
                        let _ = tx.send(Msg::UploadIsDirectory { req });
                        return;
                    }
                    let result = client.check_upload(&path, &domain).await.map(drop);
                    let _ = tx.send(Msg::UploadChecked { req, result });
                });
            }
            Effect::RememberUpload(known) => {
                let file = self.paths.uploads_file();
                let lock = self.uploads_lock.clone();
                let server = self.client.base_url().to_string();
                self.lasting_tasks.spawn(async move {
                    let _guard = lock.lock().await;
                    let shown = file.display().to_string();
                    let saved = tokio::task::spawn_blocking(move || {
                        known_resources::remember(&file, &server, known)
                    })
                    .await;
                    if let Ok(Err(error)) | Err(error) = saved.map_err(|e| e.to_string()) {
                        tracing::warn!("could not record the upload in {shown}: {error}");
                        let _ = tx.send(Msg::Failed(format!(
                            "Could not record the upload in {shown}: {error}"
                        )));
                    }
                });
            }
            Effect::LoadKnownResources => {
                let file = self.paths.uploads_file();
                let server = self.client.base_url().to_string();
                self.spawn(async move {
                    let shown = file.display().to_string();
                    match tokio::task::spawn_blocking(move || {
                        known_resources::read_known(&file, &server)
                    })
                    .await
                    {
                        Ok(Ok(known)) => {
                            let _ = tx.send(Msg::KnownResources(known));
                        }
                        Ok(Err(error)) => {
                            tracing::warn!("could not read {shown}: {error}");
                            let _ =
                                tx.send(Msg::Failed(format!("Could not read {shown}: {error}")));
                        }
                        Err(_) => {}
                    }
                });
            }
            Effect::Open(target) => self.spawn(async move {
                let desktop = has_desktop(
                    cfg!(any(target_os = "macos", target_os = "windows")),
                    &[
                        std::env::var_os("DISPLAY"),
                        std::env::var_os("WAYLAND_DISPLAY"),
                    ],
                );
                if !desktop {
                    let reason = "no desktop: DISPLAY and WAYLAND_DISPLAY are unset, as over SSH";
                    let _ = tx.send(Msg::OpenFailed {
                        target,
                        reason: reason.into(),
                    });
                    return;
                }
                let opening = target.clone();
                let opened =
                    tokio::task::spawn_blocking(move || open::that_detached(&opening)).await;
                if let Ok(Err(error)) = opened {
                    let _ = tx.send(Msg::OpenFailed {
                        target,
                        reason: error.to_string(),
                    });
                }
            }),
            Effect::Copy(_) | Effect::Quit => {}
        }
    }

    fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.spawn(task);
    }

    /// Spawns a read that supersedes the one of its kind still running.
    fn spawn_latest(&mut self, kind: Superseding, task: impl Future<Output = ()> + Send + 'static) {
        let handle = self.tasks.spawn(task);
        if let Some(older) = self.latest.insert(kind, handle) {
            older.abort();
        }
    }

    fn start_transfer(&mut self, id: TransferId, job: TransferJob) {
        let cancel = CancellationToken::new();
        let alive = Arc::new(());
        self.cancels
            .insert(id, (cancel.clone(), Arc::downgrade(&alive)));
        let client = self.client.clone();
        let tx = self.tx.clone();
        let slots = self.slots.clone();
        let paths = self.paths.clone();
        // A replace stopped after its upload says what the server keeps, not just "cancelled".
        let replacing = matches!(job, TransferJob::ReplaceFile { .. });
        self.lasting_tasks.spawn(async move {
            let _alive = alive;
            let permit = tokio::select! {
                permit = slots.acquire_owned() => permit,
                _ = cancel.cancelled() => {
                    let _ = tx.send(Msg::TransferFinished(id, Err(Error::Cancelled)));
                    return;
                }
            };
            let Ok(_permit) = permit else {
                return;
            };
            let _ = tx.send(Msg::TransferStarted(id));
            let options = TransferOptions {
                progress: Some(forward_progress(id, tx.clone())),
                cancel: cancel.clone(),
                ..TransferOptions::default()
            };
            let result = guarded("the transfer", run_job(&client, &paths, job, options)).await;
            let names_what_is_kept = replacing && matches!(result, Err(Error::Context { .. }));
            let result = if cancel.is_cancelled() && result.is_err() && !names_what_is_kept {
                Err(Error::Cancelled)
            } else {
                result
            };
            if let Err(error) = &result {
                tracing::warn!(transfer = id, "transfer failed: {error}");
            }
            let _ = tx.send(Msg::TransferFinished(id, result));
        });
    }

    /// Applies a confirmed plan with `ops::apply` onto the session's server or, for a copy,
    /// onto profile `onto`'s (connected when the plan was made), forwarding every event; the
    /// task is one of the lasting ones, so quitting waits for its transfers to clean up.
    fn apply_batch(&mut self, batch: BatchId, plan: Arc<Plan>, onto: Option<String>) {
        let client = match &onto {
            None => self.client.clone(),
            Some(profile) => {
                let known = lock(&self.targets).get(profile).cloned();
                match known {
                    Some(client) => client,
                    None => return self.refuse_batch(batch, &plan, profile),
                }
            }
        };
        let run = Run::new(plan.steps.len());
        let alive = Arc::new(());
        self.runs
            .insert(batch, (run.clone(), Arc::downgrade(&alive)));
        let tx = self.tx.clone();
        let options = ApplyOptions {
            jobs: self.jobs,
            transfer: TransferOptions::default(),
        };
        self.lasting_tasks.spawn(async move {
            let _alive = alive;
            let events = tx.clone();
            let summary = ops::apply(&client, &plan, &options, &run, move |event| {
                let _ = events.send(Msg::BatchEvent { batch, event });
            })
            .await;
            let _ = tx.send(Msg::BatchFinished { batch, summary });
        });
    }

    /// A plan onto a profile this runner never connected to (no plan of it was made here):
    /// every step ends failed, each reported, as a run would.
    fn refuse_batch(&self, batch: BatchId, plan: &Plan, profile: &str) {
        let error =
            format!("there is no connection to profile {profile}'s server; plan the copy again");
        let outcome = Outcome::Failed {
            error,
            unlinked: None,
        };
        for step in 0..plan.steps.len() {
            let event = Event::Finished {
                step,
                outcome: outcome.clone(),
            };
            let _ = self.tx.send(Msg::BatchEvent { batch, event });
        }
        let steps = plan
            .steps
            .iter()
            .map(|step| (step.clone(), outcome.clone()))
            .collect();
        let summary = Summary { steps };
        let _ = self.tx.send(Msg::BatchFinished { batch, summary });
    }

    /// Cancels every transfer and waits a moment for them to clean up their part files.
    pub async fn shutdown(mut self) {
        for (token, _) in self.cancels.values() {
            token.cancel();
        }
        for (run, _) in self.runs.values() {
            run.cancel_all();
        }
        self.tasks.abort_all();
        let drain = async { while self.lasting_tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
            tracing::warn!("some transfers did not stop in time");
            self.lasting_tasks.abort_all();
        }
    }
}

/// Forwards a check's progress to the UI: its first and last report, and between them at
/// most one per [`CHECK_PROGRESS_EVERY`] (a check of 10,000 files reports 10,000 times).
fn throttled_progress(
    req: crate::app::ids::ReqId,
    tx: mpsc::UnboundedSender<Msg>,
) -> impl Fn(CheckProgress) + Send + Sync {
    let last: Mutex<Option<std::time::Instant>> = Mutex::new(None);
    move |progress: CheckProgress| {
        let now = std::time::Instant::now();
        let mut last = last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let due = progress.done == 0
            || progress.done >= progress.total
            || last.is_none_or(|at| now.duration_since(at) >= CHECK_PROGRESS_EVERY);
        if due {
            *last = Some(now);
            let _ = tx.send(Msg::CheckProgress { req, progress });
        }
    }
}

/// Forwards progress to the UI. The api already reports at most ~10 times a second (plus
/// each phase change and the end), so nothing is throttled twice here.
fn forward_progress(id: TransferId, tx: mpsc::UnboundedSender<Msg>) -> crate::api::ProgressFn {
    Arc::new(move |progress: Progress| {
        let _ = tx.send(Msg::TransferProgress(id, progress));
    })
}

async fn run_job(
    client: &Client,
    paths: &AppPaths,
    job: TransferJob,
    mut options: TransferOptions,
) -> Result<TransferOutcome, Error> {
    match job {
        TransferJob::DownloadDocument {
            uid,
            path,
            overwrite,
        } => {
            options.overwrite = overwrite;
            let target = download_target(paths, &path).await?;
            client
                .download_document(&uid, &target, &options)
                .await
                .map(TransferOutcome::from)
        }
        TransferJob::DownloadResource {
            uid,
            path,
            overwrite,
        } => {
            options.overwrite = overwrite;
            let target = download_target(paths, &path).await?;
            client
                .download_file_resource(&uid, None, &target, &options)
                .await
                .map(|saved| TransferOutcome::Downloaded(Box::new(saved)))
        }
        TransferJob::UploadDocument { path, name } => client
            .upload_document(&paths.expand(&path), Some(&name), &options)
            .await
            .map(|uploaded| TransferOutcome::UploadedDocument(Box::new(uploaded))),
        TransferJob::LinkDocument {
            name,
            file_resource_uid,
        } => {
            if let Some(report) = &options.progress {
                report(Progress {
                    phase: crate::api::Phase::Linking,
                    done: 0,
                    total: None,
                });
            }
            client
                .link_document(&name, &file_resource_uid)
                .await
                .map(|document| TransferOutcome::Linked(Box::new(document)))
        }
        TransferJob::UploadResource { path, domain } => {
            let stored = client
                .upload_stored_file_resource(&paths.expand(&path), &domain, &options)
                .await?;
            Ok(TransferOutcome::UploadedResource(Box::new(stored)))
        }
        TransferJob::ReplaceFile { uid, path } => {
            let unlinked = options.unlinked.clone();
            client
                .replace_document_file(&uid, &paths.expand(&path), &options)
                .await
                .map(|edited| TransferOutcome::Replaced(Box::new(edited)))
                .map_err(|error| naming_unlinked(error, unlinked.get()))
        }
        // `update` never starts one: a copy's rows are its batch's, run by `ops::apply`.
        TransferJob::CopyDocument { profile, .. } => Err(Error::Internal(format!(
            "a copy to {profile} runs only as a step of its batch; copy it again"
        ))),
    }
}

/// An edit's error, saying what the server keeps linked to nothing when the edit uploaded or
/// copied a file and failed before the document pointed at it (unless the error says so
/// already).
fn naming_unlinked(error: Error, unlinked: Option<String>) -> Error {
    match unlinked {
        Some(uid) if !error.to_string().contains(&uid) => Error::Context {
            context: format!(
                "the document was left as it was; the server keeps file resource {uid}, linked \
                 to nothing"
            ),
            source: Box::new(error),
        },
        _ => error,
    }
}

/// Makes `change` to one document's sharing: read, changed, written unless it is the same;
/// read back with names when asked.
async fn share_one(
    client: &Client,
    uid: &str,
    change: &SharingChange,
    read_back: bool,
) -> Result<ShareOutcome, Error> {
    let before = client.document_sharing(uid).await?;
    let after = change.applied_to(&before);
    if after == before {
        return Ok(ShareOutcome::Unchanged);
    }
    client.set_document_sharing(uid, &after).await?;
    let kept = if read_back {
        // The change is made: a failed read-back only leaves the details to read it again.
        client.document_sharing_view(uid).await.ok().map(Box::new)
    } else {
        None
    };
    Ok(ShareOutcome::Changed(kept))
}

/// What planning a batch needs besides the session's client.
struct Planner {
    paths: AppPaths,
    environment: Arc<Environment>,
    targets: Targets,
    jobs: usize,
}

impl Planner {
    /// The plan of a batch, with typed paths expanded; the download directory is made on first
    /// use, as for one download. A copy first connects to its profile's server.
    async fn plan(&self, client: &Client, work: BatchWork) -> Result<Plan, Error> {
        let (paths, jobs) = (&self.paths, self.jobs);
        match work {
            BatchWork::Download { uids, dir } => {
                let dir = paths.expand(&dir);
                if dir == paths.download_dir() {
                    make_download_dir(paths).await?;
                }
                ops::plan_download(client, &uids, &dir, jobs).await
            }
            BatchWork::Delete { uids, version } => {
                ops::plan_delete(client, &uids, version.as_ref()).await
            }
            BatchWork::Upload { paths: typed } => {
                let expanded: Vec<_> = typed.iter().map(|path| paths.expand(path)).collect();
                ops::plan_upload(client, &expanded, false).await
            }
            BatchWork::Copy { uids, profile } => {
                let (target, warnings) = connect_profile(&self.environment, &profile).await?;
                let info = target.connect().await?;
                let mut plan = ops::plan_copy_of(
                    client,
                    &target,
                    &uids,
                    info.version.as_ref(),
                    ops::OnConflict::Keep,
                    jobs,
                )
                .await?;
                // What resolving the profile warns of (plain http, a file others can read) is
                // said before anything is confirmed.
                plan.notes.splice(0..0, warnings);
                lock(&self.targets).insert(profile, target);
                Ok(plan)
            }
        }
    }
}

/// A client for the configured profile `name`, with what its resolution warns of. Only the
/// profile's own settings count: `DHIS2_URL` or `DHIS2_PROFILE` chose the session's server,
/// not this one.
async fn connect_profile(
    environment: &Arc<Environment>,
    name: &str,
) -> Result<(Client, Vec<String>), Error> {
    let mut environment = Environment::clone(environment);
    environment.url = None;
    environment.profile = None;
    let request = ProfileRequest {
        profile: Some(name.to_string()),
        url: None,
        profile_named_by: Some("the copy's choice"),
    };
    let resolved =
        tokio::task::spawn_blocking(move || crate::config::resolve_profile(&request, &environment))
            .await
            .map_err(|_| {
                Error::Internal("reading the profiles stopped on an internal error".into())
            })?
            .map_err(|error| Error::InvalidInput(error.to_string()))?;
    let options = ClientOptions {
        ca_file: resolved.ca_file.clone(),
        ..ClientOptions::default()
    };
    let client = Client::with_options(&resolved.base_url, resolved.auth.clone(), options)
        .map_err(|error| Error::InvalidInput(format!("{}: {error}", resolved.described())))?;
    Ok((client, resolved.warnings))
}

/// The configured profiles and where a new one would go, for the copy's list.
fn configured(environment: &Environment) -> Result<ConfiguredProfiles, String> {
    let profiles = crate::config::list_profiles(environment).map_err(|error| error.to_string())?;
    let add_to = environment
        .project_profiles_path()
        .or_else(|| environment.user_profiles_path());
    Ok(ConfiguredProfiles { profiles, add_to })
}

/// The targets, whatever a panicking holder left (a map of clients stays consistent).
fn lock(targets: &Targets) -> std::sync::MutexGuard<'_, HashMap<String, Client>> {
    targets
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where a typed download path points. The user's download directory is created on first use;
/// any other missing directory is reported, as it is more likely a typo. Both ask the disk
/// through tokio::fs (the blocking pool), so a slow mount stalls no runtime worker.
async fn download_target(paths: &AppPaths, typed: &Path) -> Result<DownloadTarget, Error> {
    let path = paths.expand(typed);
    let dir = paths.download_dir();
    let in_download_dir = path.parent() == Some(dir) || path == dir;
    if in_download_dir {
        make_download_dir(paths).await?;
    }
    Ok(DownloadTarget::from_user_path(path).await)
}

/// Creates the user's download directory when it is not there yet.
async fn make_download_dir(paths: &AppPaths) -> Result<(), Error> {
    let dir = paths.download_dir();
    // `metadata` failing is what `Path::exists` calls absent.
    if tokio::fs::metadata(dir).await.is_ok() {
        return Ok(());
    }
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })
}

/// A document and, for a file document, its file resource (whose failure is shown in place).
/// A file resource read plainly (its storage status counts), its first bytes fetched as its
/// type calls for, and decoded on the blocking pool. A server that sends too slowly, or a
/// decoder that takes too long, ends the preview, never the runner.
async fn read_preview(
    client: &Client,
    uid: &str,
    limits: crate::preview::Limits,
) -> Result<PreviewRead, Error> {
    use crate::app::preview::{PREVIEW_DECODE_DEADLINE, PREVIEW_DIMENSION, PREVIEW_READ_DEADLINE};
    use crate::preview::{Kind, Preview, decode};
    let resource = client.get_file_resource(uid).await?;
    let name = resource.name.clone().unwrap_or_default();
    let content_type = resource.content_type.clone().unwrap_or_default();
    let Some(cap) = Kind::of(&content_type, &name).bytes_wanted(&limits) else {
        let preview = Preview::unsupported();
        return Ok(PreviewRead { resource, preview });
    };
    let fetch = client.read_file_prefix(&resource, cap, PREVIEW_DIMENSION);
    let prefix = tokio::time::timeout(PREVIEW_READ_DEADLINE, fetch)
        .await
        .map_err(|_| Error::Deadline {
            limit: PREVIEW_READ_DEADLINE,
            request: format!("the preview of file resource {uid}"),
        })??;
    let decoding = tokio::task::spawn_blocking(move || {
        decode(&prefix.bytes, &content_type, &name, prefix.cut, &limits)
    });
    let preview = match tokio::time::timeout(PREVIEW_DECODE_DEADLINE, decoding).await {
        Ok(Ok(preview)) => preview,
        Ok(Err(_)) => Preview::cannot("the decoder stopped on an internal error"),
        Err(_) => Preview::cannot(format!(
            "decoding took longer than {} s",
            PREVIEW_DECODE_DEADLINE.as_secs()
        )),
    };
    Ok(PreviewRead { resource, preview })
}

async fn fetch_detail(client: &Client, uid: &str) -> Result<Box<Detail>, Error> {
    let (document, resource) = client.get_document_with_resource(uid).await?;
    let resource = resource.map(|read| read.map_err(|e| e.to_string()));
    Ok(Box::new(Detail { document, resource }))
}

/// Whether there is a desktop to open things on: always on macOS and Windows; elsewhere only
/// with an X or Wayland display (an SSH session has neither, and a launcher would fail there
/// or start a text browser inside the TUI's terminal).
fn has_desktop(always: bool, displays: &[Option<std::ffi::OsString>]) -> bool {
    always
        || displays
            .iter()
            .any(|display| display.as_ref().is_some_and(|value| !value.is_empty()))
}

/// Awaits a request; a panic inside it (a bug) becomes an error the screen shows instead of a
/// spinner that turns for ever. The panic itself goes to the log through the panic hook.
async fn guarded<T>(
    what: &str,
    request: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    AssertUnwindSafe(request)
        .catch_unwind()
        .await
        .unwrap_or_else(|_| {
            Err(Error::Internal(format!(
                "{what} stopped on an internal error (a bug in d2files); see the log"
            )))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_desktop_needs_a_display_except_where_there_always_is_one() {
        let set = Some(std::ffi::OsString::from(":0"));
        let empty = Some(std::ffi::OsString::new());
        assert!(!has_desktop(false, &[None, None]));
        assert!(!has_desktop(false, &[empty.clone(), None]));
        assert!(has_desktop(false, &[None, set.clone()]));
        assert!(has_desktop(true, &[None, None]));
    }

    #[tokio::test]
    async fn a_panicking_request_becomes_an_error() {
        let failed = guarded("the list", async {
            if true {
                panic!("a bug");
            }
            Ok(())
        })
        .await;
        let Err(error) = failed else {
            panic!("the panic was not caught: {failed:?}");
        };
        assert!(matches!(error, Error::Internal(_)), "{error:?}");
        assert_eq!(
            error.to_string(),
            "the list stopped on an internal error (a bug in d2files); see the log"
        );
        assert_eq!(guarded("the list", async { Ok(7) }).await.unwrap(), 7);
    }
}
