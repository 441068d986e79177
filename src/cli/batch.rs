//! What the batch commands share: the plan printed (`--dry-run`), conflicts settled, the run
//! with progress bars on stderr, one line per item, the summary and the exit status. Ctrl-C
//! stops the running transfers (which clean up), keeps the finished ones, and the summary
//! says which is which.
use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::api::Client;
use crate::api::units::human_size;
use crate::cli::interrupt::{Interrupted, Signal, stop_signal};
use crate::cli::output::{self, note, print_json_line, saved_line, say, size};
use crate::cli::progress::BAR_TICK;
use crate::ops::{
    Action, ApplyOptions, Event, Existing, Outcome, Plan, Resolution, Run, Step, Summary,
};

/// The kind of batch, for its words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Download,
    Delete,
    Upload,
    Backup,
    Restore,
    Copy,
}

impl Verb {
    fn past(self) -> &'static str {
        match self {
            Verb::Download => "downloaded",
            Verb::Delete => "deleted",
            Verb::Upload => "uploaded",
            Verb::Backup => "backed up",
            Verb::Restore => "restored",
            Verb::Copy => "copied",
        }
    }
}

/// Prints the plan on stdout (`--dry-run`): a line (or a JSON object) per step, then what it
/// comes to.
pub fn print_plan(plan: &Plan, verb: Verb, json: bool) -> anyhow::Result<()> {
    if !json {
        for line in plan_lines(plan, verb) {
            say(line)?;
        }
        return Ok(());
    }
    for step in &plan.steps {
        print_json_line(&json!({ "plan": step }))?;
    }
    print_json_line(&json!({ "plan_summary": {
        "acting": plan.acting(),
        "bytes": plan.bytes(),
        "steps": plan.steps.len(),
        "notes": plan.notes,
    }}))
}

/// The plan in words: a line per step, what it comes to, and the plan's notes.
pub fn plan_lines(plan: &Plan, verb: Verb) -> Vec<String> {
    let mut lines: Vec<String> = plan.steps.iter().map(plan_line).collect();
    lines.push(format!(
        "plan: {} to {} of {}{}",
        plan.acting(),
        match verb {
            Verb::Download => "download",
            Verb::Delete => "delete",
            Verb::Upload => "upload",
            Verb::Backup => "back up",
            Verb::Restore => "restore",
            Verb::Copy => "copy",
        },
        plan.steps.len(),
        match plan.bytes() {
            0 => String::new(),
            bytes => format!(" ({})", human_size(bytes)),
        }
    ));
    lines.extend(plan.notes.iter().map(|line| format!("note: {line}")));
    lines
}

fn who(step: &Step) -> String {
    match &step.uid {
        Some(uid) if uid != &step.label => format!("{uid} \"{}\"", step.label),
        _ => step.label.clone(),
    }
}

fn plan_line(step: &Step) -> String {
    let bytes = step
        .bytes
        .map(|b| format!(" ({})", human_size(b)))
        .unwrap_or_default();
    match &step.action {
        Action::Download { to, existing, .. } => {
            let replace = match existing {
                Existing::Absent => "",
                Existing::Ask => ", which exists",
                Existing::Replace => ", replacing the file there",
            };
            format!("download {}{bytes} → {}{replace}", who(step), to.display())
        }
        Action::DownloadFile { to, resource } => {
            format!(
                "download file resource {}{bytes} → {}",
                resource.id,
                to.display()
            )
        }
        Action::Delete { dashboards } => {
            let shown = if dashboards.is_empty() {
                "on no dashboard".to_string()
            } else {
                format!("on dashboards: {}", dashboards.join(", "))
            };
            format!("delete {}{bytes}, {shown}", who(step))
        }
        Action::Upload { path, name } => {
            format!("upload {}{bytes} as \"{name}\"", path.display())
        }
        Action::Restore(item) => {
            let what = match &item.file {
                None => "as a link".to_string(),
                Some(file) => match (&file.reuse, file.keep_uid, &file.new_uid_because) {
                    (Some(existing), ..) => format!("on file resource {existing}, there already"),
                    (None, true, _) => format!("with file resource {}", file.uid),
                    (None, false, Some(why)) => format!("with a new file resource ({why})"),
                    (None, false, None) => "with a new file resource".to_string(),
                },
            };
            let sharing = if item.sharing.is_some() {
                ", then its sharing"
            } else {
                ""
            };
            match &item.replaces {
                None => format!("create {}{bytes} {what}{sharing}", who(step)),
                Some(replaced) => format!(
                    "replace {} (there now: \"{}\"){bytes} {what}{sharing}",
                    who(step),
                    replaced.name
                ),
            }
        }
        Action::Skip { why } => format!("skip {}: {why}", who(step)),
        Action::Cannot { why } => format!("cannot {}: {why}", who(step)),
    }
}

/// Settles every file that exists: `--force` replaces, `--skip-existing` leaves, a terminal
/// asks once per file (with "all" answers); a script without either is refused per file, so
/// nothing is overwritten that nobody chose to. `false` when the user cancelled.
pub fn settle_conflicts(plan: &mut Plan, force: bool, skip_existing: bool) -> anyhow::Result<bool> {
    if force {
        plan.resolve_all(Resolution::Replace);
    } else if skip_existing {
        plan.resolve_all(Resolution::Skip);
    }
    let asks = std::io::stdin().is_terminal();
    for index in plan.conflicts() {
        let step = &mut plan.steps[index];
        let Action::Download { to, .. } = &step.action else {
            continue;
        };
        let to = to.display().to_string();
        if !asks {
            step.action = Action::Cannot {
                why: format!("{to} exists (--force replaces it, --skip-existing leaves it)"),
            };
            continue;
        }
        loop {
            let answer = output::ask(&format!(
                "{to} exists: [r]eplace, [s]kip, replace [a]ll, skip a[l]l, [c]ancel?"
            ))?;
            match answer.to_ascii_lowercase().as_str() {
                "r" | "replace" => plan.resolve(index, Resolution::Replace),
                "s" | "skip" => plan.resolve(index, Resolution::Skip),
                "a" | "replace all" => plan.resolve_all(Resolution::Replace),
                "l" | "skip all" => plan.resolve_all(Resolution::Skip),
                "c" | "cancel" => return Ok(false),
                _ => continue,
            }
            break;
        }
        if plan.conflicts().is_empty() {
            break;
        }
    }
    Ok(true)
}

/// Applies the plan with progress on stderr, a line per step as it ends, the summary, and an
/// error when anything failed or a signal stopped the run.
pub async fn apply(
    client: &Client,
    plan: &Plan,
    verb: Verb,
    json: bool,
    options: ApplyOptions,
) -> anyhow::Result<()> {
    let lines = Lines {
        json,
        every_item: true,
    };
    let ran = run(client, plan, lines, options, |_| {}).await?;
    conclude(&ran, verb, json)
}

/// Which lines a run prints as its steps end.
#[derive(Clone, Copy, Debug)]
pub struct Lines {
    pub json: bool,
    /// A line for each step; otherwise only for those that failed or were not done.
    pub every_item: bool,
}

/// A run that ended: how, and whether a signal stopped it.
pub struct Ran {
    pub summary: Summary,
    pub signal: Option<Signal>,
}

/// Runs the plan with progress on stderr and a line per step as it ends; `also` sees every
/// event too (a backup journals what it saved). A stop signal cancels the run, which then
/// ends as the engine ends it.
pub async fn run(
    client: &Client,
    plan: &Plan,
    lines: Lines,
    options: ApplyOptions,
    also: impl Fn(&Event) + Send + Sync + 'static,
) -> anyhow::Result<Ran> {
    let run = Run::new(plan.steps.len());
    let bars = Bars::new(plan);
    let stopper = {
        let run = run.clone();
        tokio::spawn(async move {
            let signal = stop_signal().await;
            run.cancel_all();
            signal
        })
    };
    let writer = LineWriter {
        steps: Arc::new(plan.steps.clone()),
        lines,
        bars: bars.clone(),
        failed_output: Arc::new(Mutex::new(None)),
    };
    let on_event = writer.clone();
    let summary = crate::ops::apply(client, plan, &options, &run, move |event| {
        also(&event);
        on_event.on_event(event);
    })
    .await;
    bars.finish();
    let signal = if run.is_cancelled() {
        stopper.await.ok()
    } else {
        stopper.abort();
        None
    };
    if let Some(error) = writer
        .failed_output
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        return Err(error.into());
    }
    Ok(Ran { summary, signal })
}

/// The summary (a line, or a JSON object), and how the command ends: interrupted, failed (any
/// step failed) or done.
pub fn conclude(ran: &Ran, verb: Verb, json: bool) -> anyhow::Result<()> {
    let summary = &ran.summary;
    let line = summary.line(verb.past());
    let unlinked = summary.unlinked();
    let left_behind = summary.left_behind();
    if json {
        print_json_line(&json!({ "summary": {
            "counts": summary.counts(),
            "steps": summary.steps.len(),
            "unlinked_file_resources": unlinked,
            "replaced_file_resources": left_behind,
        }}))?;
    } else {
        say(&line)?;
    }
    if let Some(signal) = ran.signal {
        return Err(Interrupted::batch(signal, &line, &unlinked).into());
    }
    for fr in &unlinked {
        note(format!(
            "hint: the server keeps file resource {fr} linked to nothing; d2files documents \
             link {fr} --name NAME finishes it"
        ));
    }
    if !left_behind.is_empty() {
        note(format!(
            "note: the replaced documents showed file resources {} before; they stay on the \
             server, marked as assigned",
            left_behind.join(", ")
        ));
    }
    let counts = summary.counts();
    if counts.failed > 0 {
        anyhow::bail!("{} of {} failed", counts.failed, summary.steps.len());
    }
    Ok(())
}

/// Writes each step's line as it ends, above the bars.
#[derive(Clone)]
struct LineWriter {
    steps: Arc<Vec<Step>>,
    lines: Lines,
    bars: Bars,
    /// The first failure to write stdout (a closed pipe): the run goes on, the command fails.
    failed_output: Arc<Mutex<Option<output::OutputFailed>>>,
}

impl LineWriter {
    fn on_event(&self, event: Event) {
        match event {
            Event::Started { step } => self.bars.start(step),
            Event::Progress { step, progress } => self.bars.progress(step, progress),
            Event::Finished { step, outcome } => {
                self.bars.end(step);
                let Some(planned) = self.steps.get(step) else {
                    return;
                };
                let quiet = !self.lines.every_item
                    && !matches!(outcome, Outcome::Failed { .. } | Outcome::Cancelled { .. });
                if quiet {
                    return;
                }
                let written = self.bars.suspend(|| {
                    if self.lines.json {
                        print_json_line(&json!({
                            "step": step,
                            "uid": planned.uid,
                            "label": planned.label,
                            "result": outcome,
                        }))
                        .map_err(|e| {
                            match e.downcast::<output::OutputFailed>() {
                                Ok(failed) => failed,
                                Err(other) => output::OutputFailed(std::io::Error::other(other)),
                            }
                        })
                    } else {
                        say(outcome_line(planned, &outcome))
                    }
                });
                if let Err(error) = written {
                    let mut slot = self.failed_output.lock().unwrap_or_else(|e| e.into_inner());
                    slot.get_or_insert(error);
                }
            }
        }
    }
}

fn outcome_line(step: &Step, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Downloaded(saved) => saved_line(saved),
        Outcome::Deleted => format!("Deleted document {}", who(step)),
        Outcome::Uploaded {
            document,
            file_resource,
        } => format!(
            "Uploaded {} as document {} (file resource {}, {})",
            step.label,
            document.id,
            file_resource.id,
            size(file_resource.content_length)
        ),
        Outcome::Restored {
            document,
            file_resource,
            sharing_applied,
            ..
        } => {
            let file = file_resource
                .as_ref()
                .map(|fr| format!(" with file resource {fr}"))
                .unwrap_or_default();
            let sharing = if *sharing_applied {
                " and its sharing"
            } else {
                ""
            };
            format!(
                "Restored document {document} \"{}\"{file}{sharing}",
                step.label
            )
        }
        Outcome::Skipped { why } => format!("Skipped {}: {why}", who(step)),
        Outcome::Failed { error, .. } => format!("Failed {}: {error}", who(step)),
        Outcome::Cancelled { .. } => format!("Not done {}: stopped", who(step)),
    }
}

/// The bars on stderr: one for the whole batch (files, bytes, speed, ETA) and one per running
/// transfer. Hidden when stderr is not a terminal.
#[derive(Clone)]
struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    /// Each running step's bar, with the bytes of it already counted in the total.
    running: Arc<Mutex<HashMap<usize, (ProgressBar, u64)>>>,
    finished: Arc<AtomicUsize>,
    acting: usize,
}

impl Bars {
    fn new(plan: &Plan) -> Bars {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let total = multi.add(ProgressBar::new(plan.bytes()));
        total.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        total.set_message(format!("0/{} files", plan.acting()));
        total.enable_steady_tick(BAR_TICK);
        Bars {
            multi,
            total,
            running: Arc::new(Mutex::new(HashMap::new())),
            finished: Arc::new(AtomicUsize::new(0)),
            acting: plan.acting(),
        }
    }

    fn start(&self, step: usize) {
        let bar = self.multi.add(ProgressBar::new(0));
        bar.set_style(
            ProgressStyle::with_template("  {msg:<12} [{bar:20}] {bytes}/{total_bytes}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(format!("#{}", step + 1));
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(step, (bar, 0));
    }

    fn progress(&self, step: usize, progress: crate::api::Progress) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((bar, counted)) = running.get_mut(&step) {
            if let Some(total) = progress.total {
                bar.set_length(total);
            }
            bar.set_position(progress.done);
            bar.set_message(progress.phase.label());
            // Upload phases after the bytes report zero: count bytes once, forwards only.
            if progress.done > *counted {
                self.total.inc(progress.done - *counted);
                *counted = progress.done;
            }
        }
    }

    /// A step ended: its bar goes, and the files count moves if it had started.
    fn end(&self, step: usize) {
        let started = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&step);
        if let Some((bar, _)) = started {
            bar.finish_and_clear();
            self.multi.remove(&bar);
            let finished = self.finished.fetch_add(1, Ordering::Relaxed) + 1;
            self.total
                .set_message(format!("{finished}/{} files", self.acting));
        }
    }

    fn suspend<T>(&self, write: impl FnOnce() -> T) -> T {
        self.multi.suspend(write)
    }

    fn finish(&self) {
        self.total.finish_and_clear();
        let _ = self.multi.clear();
    }
}
