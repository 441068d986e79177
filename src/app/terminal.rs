//! Entering and leaving full-screen mode, on every exit path: normal quit, error, panic.
use std::io::{self, Stdout, Write};
use std::path::PathBuf;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Switches to the alternate screen in raw mode, and makes a panic of the UI thread restore the
/// terminal and say where the log is before the panic message. A panic in a background task
/// (which tokio contains) goes to the log only, so it cannot scribble over the screen.
/// With `mouse`, the terminal reports clicks and the wheel.
pub fn enter(log_file: Option<PathBuf>, mouse: bool) -> io::Result<Tui> {
    let previous = std::panic::take_hook();
    let ui_thread = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() != ui_thread {
            tracing::error!("a background task panicked: {info}");
            return;
        }
        restore();
        match &log_file {
            Some(path) => eprintln!("d2files crashed; the log is at {}", path.display()),
            None => eprintln!("d2files crashed"),
        }
        previous(info);
    }));
    enable_raw_mode()?;
    let mut stdout = io::stdout();
    // Cleared by hand: `Terminal::clear` asks the terminal for the cursor position, which not
    // every terminal answers.
    if let Err(error) = execute!(
        stdout,
        EnterAlternateScreen,
        EnableBracketedPaste,
        Clear(ClearType::All)
    ) {
        restore();
        return Err(error);
    }
    if mouse && let Err(error) = execute!(stdout, EnableMouseCapture) {
        restore();
        return Err(error);
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(stdout))?;
    terminal.hide_cursor()?;
    Ok(terminal)
}

/// Leaves full-screen mode; safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let mut stdout = io::stdout();
    // Turning off a mouse capture that was never on is harmless, so restore needs no state.
    let _ = execute!(
        stdout,
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        Show
    );
    let _ = stdout.flush();
}

/// Copies text to the clipboard with OSC 52, which terminals honour even over SSH.
pub fn copy_to_clipboard(text: &str) -> io::Result<()> {
    use ratatui::crossterm::clipboard::CopyToClipboard;
    execute!(io::stdout(), CopyToClipboard::to_clipboard_from(text))
}
