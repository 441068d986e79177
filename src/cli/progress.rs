//! A transfer progress bar on stderr, drawn only when stderr is a terminal.
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::api::{Phase, Progress, TransferOptions};
use crate::cli::args::CheckArgs;

/// How often the bars redraw: often enough to look alive, rarely enough to cost nothing.
pub const BAR_TICK: Duration = Duration::from_millis(200);

/// Transfer options whose progress drives a bar; the bar is returned to be cleared at the end.
pub fn transfer_options(
    label: &str,
    overwrite: bool,
    check: &CheckArgs,
) -> (TransferOptions, ProgressBar) {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix} {msg:<20} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    bar.enable_steady_tick(BAR_TICK);
    let shown = bar.clone();
    let options = TransferOptions {
        overwrite,
        skip_md5_check: check.no_verify,
        ..TransferOptions::default()
    }
    .with_progress(move |progress: Progress| {
        if let Some(total) = progress.total {
            shown.set_length(total);
        }
        shown.set_position(progress.done);
        if shown.message() != progress.phase.label() {
            shown.set_message(progress.phase.label());
            if progress.phase != Phase::Uploading && progress.phase != Phase::Downloading {
                shown.set_style(
                    ProgressStyle::with_template("{prefix} {spinner} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
            }
        }
    });
    (options, bar)
}
