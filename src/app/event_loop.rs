//! The loop: terminal events, runner replies and ticks become messages; `update` turns them into
//! effects; a frame is drawn only when something changed, at most one per `FRAME`.
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyCode, MouseEventKind};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use crate::app::effect::Effect;
use crate::app::image_terminal;
use crate::app::msg::Msg;
use crate::app::pointer::mouse_msg;
use crate::app::runner::Runner;
use crate::app::state::State;
use crate::app::terminal::{self, Tui};
use crate::app::update::{init, update};

/// At most one frame per this long while busy (~60 fps).
const FRAME: Duration = Duration::from_millis(16);
/// Ticks while something animates or waits for time; none while idle.
const TICK: Duration = Duration::from_millis(50);
/// Messages handled per batch before a frame, so a flood of replies cannot starve the screen.
const BATCH: usize = 256;

/// Why the loop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// SIGTERM: the terminal is restored all the same.
    Terminated,
}

/// Runs until quit, then cancels the transfers still running (whatever ended the loop).
pub async fn run(
    terminal: &mut Tui,
    state: &mut State,
    mut runner: Runner,
    rx: mpsc::UnboundedReceiver<Msg>,
) -> anyhow::Result<Exit> {
    let result = drive(terminal, state, &mut runner, rx).await;
    runner.shutdown().await;
    result
}

async fn drive(
    terminal: &mut Tui,
    state: &mut State,
    runner: &mut Runner,
    mut rx: mpsc::UnboundedReceiver<Msg>,
) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let mut events = EventStream::new();
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut terminate = terminate_signal()?;
    let mut last_frame: Option<Instant> = None;
    let size = terminal.size()?;
    let mut pending = vec![Incoming::Msg(Msg::Resize(size.width, size.height))];
    let mut effects = init(state);
    let panic_key = debug_panic_key();
    let mut asked_terminal = false;
    loop {
        let now = started.elapsed();
        effects.extend(update(state, Msg::Tick(now)));
        for incoming in pending.drain(..) {
            // A mouse event is resolved against the screen as it is now, after the messages
            // before it changed the state.
            let msg = match incoming {
                Incoming::Msg(msg) => msg,
                Incoming::Mouse(event) => mouse_msg(state, event),
            };
            effects.extend(update(state, msg));
        }
        for effect in effects.drain(..) {
            match effect {
                Effect::Quit => return Ok(Exit::Quit),
                Effect::Copy(text) => {
                    if let Err(error) = terminal::copy_to_clipboard(&text) {
                        pending.push(Incoming::Msg(Msg::CopyFailed(error.to_string())));
                    }
                }
                other => runner.run(other),
            }
        }
        let frame_ready = last_frame.is_none_or(|at| at.elapsed() >= FRAME);
        if state.dirty && frame_ready {
            terminal.draw(|frame| crate::ui::draw(frame, state))?;
            state.dirty = false;
            last_frame = Some(Instant::now());
        }
        // Once the first requests are out and the first frame is up, so the wait overlaps
        // theirs; in raw mode, and before the event stream first reads the keyboard (see
        // `image_terminal`).
        if !asked_terminal {
            asked_terminal = true;
            state.preview.picker = image_terminal::picker(image_terminal::IMAGE_QUERY_WAIT);
        }
        let next_frame =
            last_frame.map_or_else(tokio::time::Instant::now, |at| (at + FRAME).into());
        let ticking = state.wants_ticks();
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => {
                    if panic_key.is_some_and(|c| key.code == KeyCode::Char(c)) {
                        panic!("panic requested with D2FILES_DEBUG_PANIC_KEY");
                    }
                    pending.push(Incoming::Msg(Msg::Key(key)));
                }
                Some(Ok(Event::Resize(width, height))) => {
                    pending.push(Incoming::Msg(Msg::Resize(width, height)));
                }
                Some(Ok(Event::Paste(text))) => pending.push(Incoming::Msg(Msg::Paste(text))),
                // Moves and releases change nothing: dropped here, they cost no frame.
                Some(Ok(Event::Mouse(mouse))) if matches!(
                    mouse.kind,
                    MouseEventKind::Down(_) | MouseEventKind::ScrollDown | MouseEventKind::ScrollUp
                ) => pending.push(Incoming::Mouse(mouse)),
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
                None => return Ok(Exit::Quit),
            },
            Some(msg) = rx.recv() => {
                pending.push(Incoming::Msg(msg));
                while pending.len() < BATCH {
                    match rx.try_recv() {
                        Ok(msg) => pending.push(Incoming::Msg(msg)),
                        Err(_) => break,
                    }
                }
            }
            _ = ticks.tick(), if ticking => {}
            _ = tokio::time::sleep_until(next_frame), if state.dirty => {}
            _ = terminate.recv() => {
                tracing::info!("terminated by signal");
                return Ok(Exit::Terminated);
            }
        }
    }
}

/// What waits for `update`: a message, or a mouse event to resolve against the screen first.
// A few of these live for one turn of the loop; boxing messages to save the mouse event's
// unused bytes would cost an allocation per message instead.
#[allow(clippy::large_enum_variant)]
enum Incoming {
    Msg(Msg),
    Mouse(ratatui::crossterm::event::MouseEvent),
}

/// Debug builds only: the key named by `D2FILES_DEBUG_PANIC_KEY` panics on the UI thread, so
/// a test can prove that a crash restores the terminal and removes part files.
fn debug_panic_key() -> Option<char> {
    if !cfg!(debug_assertions) {
        return None;
    }
    std::env::var("D2FILES_DEBUG_PANIC_KEY")
        .ok()
        .and_then(|value| value.chars().next())
}

/// SIGTERM, and SIGHUP (the SSH session went away): both stop the loop so transfers are
/// cancelled and their part files removed.
#[cfg(unix)]
struct Terminate {
    term: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Terminate {
    async fn recv(&mut self) -> Option<()> {
        tokio::select! {
            signal = self.term.recv() => signal,
            signal = self.hangup.recv() => signal,
        }
    }
}

#[cfg(unix)]
fn terminate_signal() -> std::io::Result<Terminate> {
    use tokio::signal::unix::{SignalKind, signal};
    Ok(Terminate {
        term: signal(SignalKind::terminate())?,
        hangup: signal(SignalKind::hangup())?,
    })
}

#[cfg(not(unix))]
fn terminate_signal() -> std::io::Result<NoSignal> {
    Ok(NoSignal)
}

#[cfg(not(unix))]
struct NoSignal;

#[cfg(not(unix))]
impl NoSignal {
    async fn recv(&mut self) -> Option<()> {
        std::future::pending().await
    }
}
