//! Which image protocol the terminal speaks (kitty, sixel, iTerm2, else half-blocks): asked
//! once at start, in raw mode and before the event stream reads the keyboard. The question
//! and its answer's parsing are ratatui-image's; the answer is read here with a deadline on
//! this thread, so a terminal that never answers costs that wait and leaves no reader behind
//! to swallow the first keys.
use std::time::Duration;

use ratatui_image::picker::Picker;

/// How long the terminal gets to answer: over a slow SSH link the answer arrives well within
/// it, and a terminal that never answers delays the start by this at most.
pub const IMAGE_QUERY_WAIT: Duration = Duration::from_millis(1000);

/// The picker for this terminal, from its answer; half-blocks without a usable one.
pub fn picker(wait: Duration) -> Picker {
    #[cfg(unix)]
    if let Some(picker) = unix::ask(wait) {
        return picker;
    }
    #[cfg(not(unix))]
    let _ = wait;
    crate::app::preview::half_blocks()
}

#[cfg(unix)]
mod unix {
    use std::io::Write;
    use std::time::{Duration, Instant};

    use ratatui_image::FontSize;
    use ratatui_image::picker::cap_parser::{Parser, QueryStdioOptions, Response};
    use ratatui_image::picker::{Picker, ProtocolType};
    use rustix::event::{PollFd, PollFlags, Timespec, poll};

    /// Bytes read from the terminal per wake-up.
    const READ_CHUNK: usize = 256;

    pub fn ask(wait: Duration) -> Option<Picker> {
        let term = std::env::var("TERM").unwrap_or_default();
        let tmux =
            term.starts_with("tmux") || std::env::var("TERM_PROGRAM").is_ok_and(|p| p == "tmux");
        let query = Parser::query(tmux, QueryStdioOptions::default());
        let mut stdout = std::io::stdout();
        stdout.write_all(query.as_bytes()).ok()?;
        stdout.flush().ok()?;
        let responses = read_answer(Instant::now() + wait);
        tracing::info!(?responses, "the terminal's answer to the image query");
        choose(&responses)
    }

    /// What the terminal answered until its status report (the query's last question, which
    /// every terminal answers) or the deadline.
    fn read_answer(deadline: Instant) -> Vec<Response> {
        let stdin = rustix::stdio::stdin();
        let mut parser = Parser::new();
        let mut responses = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return responses;
            }
            let timeout = Timespec {
                tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: i64::from(left.subsec_nanos()),
            };
            let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
            match poll(&mut fds, Some(&timeout)) {
                Ok(0) => return responses,
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(_) => return responses,
            }
            let mut buf = [0u8; READ_CHUNK];
            let read = match rustix::io::read(stdin, &mut buf) {
                Ok(0) | Err(_) => return responses,
                Ok(read) => read,
            };
            for byte in &buf[..read] {
                for response in parser.push(char::from(*byte)) {
                    if response == Response::Status {
                        return responses;
                    }
                    responses.push(response);
                }
            }
        }
    }

    /// Kitty where it says so, else sixel where its device attributes say so; both need the
    /// cell size in pixels (asked too, else the window's size from the kernel).
    pub fn choose(responses: &[Response]) -> Option<Picker> {
        let protocol = if responses.contains(&Response::Kitty) {
            ProtocolType::Kitty
        } else if responses.contains(&Response::Sixel) {
            ProtocolType::Sixel
        } else {
            return None;
        };
        let cell = responses
            .iter()
            .find_map(|r| match r {
                Response::CellSize(Some((width, height))) => Some(FontSize::new(*width, *height)),
                _ => None,
            })
            .or_else(cell_from_window)?;
        // The one public way to give a picker a cell size without it asking the terminal.
        #[allow(deprecated)]
        let mut picker = Picker::from_fontsize(cell);
        picker.set_protocol_type(protocol);
        Some(picker)
    }

    fn cell_from_window() -> Option<FontSize> {
        let size = rustix::termios::tcgetwinsize(rustix::stdio::stdout()).ok()?;
        if size.ws_col == 0 || size.ws_row == 0 || size.ws_xpixel == 0 || size.ws_ypixel == 0 {
            return None;
        }
        Some(FontSize::new(
            size.ws_xpixel / size.ws_col,
            size.ws_ypixel / size.ws_row,
        ))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn kitty_wins_over_sixel_and_both_need_a_cell_size() {
            let size = Response::CellSize(Some((10, 20)));
            let kitty = choose(&[Response::Sixel, Response::Kitty, size.clone()]).unwrap();
            assert_eq!(kitty.protocol_type(), ProtocolType::Kitty);
            let sixel = choose(&[Response::Sixel, size]).unwrap();
            assert_eq!(sixel.protocol_type(), ProtocolType::Sixel);
            assert!(choose(&[Response::RectangularOps]).is_none());
        }
    }
}
