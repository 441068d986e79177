//! The command line: argument parsing, logging set-up and dispatch to the four faces.
// Human output goes through `output::say` and `output::note`, which neutralise server text and
// survive a closed pipe; `clippy.toml` names the macros that would bypass them.
#![deny(clippy::disallowed_macros)]
mod args;
mod connect;
mod documents;
mod output;
mod profile;
mod progress;
mod resources;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;
use args::Command;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(refusal) => return parse_refusal(refusal),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            output::note(format!("error: cannot start the async runtime: {error}"));
            return ExitCode::FAILURE;
        }
    };
    exit_code(runtime.block_on(run(cli)))
}

/// `--help` and `--version` (on stdout) or a usage error (on stderr), as clap words them. Help
/// written into a pipe or a file goes through the output layer, so a closed pipe or a full disk
/// ends like any other command's output.
fn parse_refusal(refusal: clap::Error) -> ExitCode {
    if refusal.use_stderr() || std::io::stdout().is_terminal() {
        refusal.exit()
    }
    exit_code(output::print_own_text(&refusal.render().to_string()).map_err(Into::into))
}

/// How a command's result ends the process: its exit status and, for an error, one line.
fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<Interrupted>() => {
            output::note(error.to_string());
            // 128 + SIGINT, as shells report an interrupted command.
            ExitCode::from(130)
        }
        Err(error)
            if error
                .downcast_ref::<output::OutputFailed>()
                .is_some_and(output::OutputFailed::is_closed_pipe) =>
        {
            // The reader has all it wanted (`d2files documents list | head`): end quietly,
            // with the status a shell gives a command SIGPIPE stopped, as `ls | head` does.
            ExitCode::from(CLOSED_PIPE_STATUS)
        }
        Err(error) => {
            // Errors carry the server's words, which a hostile server controls: `note`
            // neutralises them.
            output::note(format!("error: {}", describe(&error)));
            ExitCode::FAILURE
        }
    }
}

/// 128 + SIGPIPE: what shells report for `ls | head`'s `ls`, so `set -o pipefail` scripts
/// see d2files like any other command whose reader left.
const CLOSED_PIPE_STATUS: u8 = 141;

/// The error and its causes on one line, without repeating a cause already in the message.
fn describe(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let json = cli.json;
    match cli.command {
        None => {
            // Without this, crossterm fails with a bare "No such device or address".
            if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
                anyhow::bail!(
                    "the interactive browser needs a terminal; in scripts use a command, \
                     e.g. `d2files documents list` (see `d2files --help`)"
                );
            }
            let paths = crate::config::Paths::from_process()?;
            let logs = crate::config::init_file_logging(&paths, crate::app::LOG_FILE)?;
            let connection = connect::connect(&cli.connection).await?;
            crate::app::run(crate::app::Launch {
                client: connection.client.clone(),
                profile_name: connection.profile_name.clone(),
                mouse: cli.mouse,
                paths,
                log_file: logs.path().to_path_buf(),
            })
            .await
        }
        Some(Command::Documents(command)) => {
            crate::config::init_stderr_logging()?;
            let connection = connect::connect(&cli.connection).await?;
            // The delete question blocks on stdin, where Ctrl-C must keep its default action.
            let asks = matches!(command, args::DocumentsCommand::Delete { yes: false, .. });
            let work = documents::run(&connection.client, command, json);
            if asks {
                work.await
            } else {
                until_stopped(work).await
            }
        }
        Some(Command::Resources(command)) => {
            crate::config::init_stderr_logging()?;
            let connection = connect::connect(&cli.connection).await?;
            until_stopped(resources::run(&connection.client, command, json)).await
        }
        Some(Command::Profile(command)) => {
            crate::config::init_stderr_logging()?;
            profile::run(command, &cli.connection, json).await
        }
        Some(Command::Mcp { read_only }) => {
            // stdout carries the protocol: logs go to a file.
            let _logs = file_logging("mcp.log")?;
            let connection = connect::connect(&cli.connection).await?;
            crate::mcp::serve(connection.client.clone(), read_only).await
        }
        Some(Command::DemoServer(args)) => {
            let defaults = connect::demo_options("--dhis2-version", &args.dhis2_version)?;
            let options = crate::emulator::EmulatorOptions {
                port: args.port,
                storage_delay: std::time::Duration::from_millis(args.storage_delay_ms),
                max_upload_size: match args.max_upload_size {
                    Some(0) => None,
                    Some(limit) => Some(limit),
                    None => defaults.max_upload_size,
                },
                seed_demo: !args.no_seed,
                download_rate: args
                    .link_mbit
                    .filter(|&mbit| mbit > 0)
                    .map(|mbit| u64::from(mbit) * 1_000_000 / 8),
                ..defaults
            };
            crate::emulator::run_standalone(options).await
        }
    }
}

/// A command stopped by Ctrl-C or SIGTERM.
#[derive(Debug)]
struct Interrupted(&'static str);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interrupted by {} (a partial download is removed)",
            self.0
        )
    }
}

impl std::error::Error for Interrupted {}

/// Runs a command until it ends or a stop signal arrives. Stopping drops the command, which
/// removes a download's part file and aborts an upload before the process exits (the default
/// signal action would leave `<name>.part` behind).
async fn until_stopped(
    command: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    tokio::select! {
        result = command => result,
        signal = stop_signal() => Err(Interrupted(signal).into()),
    }
}

async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C",
                _ = terminate.recv() => "SIGTERM",
            },
            Err(error) => {
                tracing::warn!("cannot watch for SIGTERM: {error}");
                let _ = tokio::signal::ctrl_c().await;
                "Ctrl-C"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

fn file_logging(name: &str) -> anyhow::Result<crate::config::LogGuard> {
    let paths = crate::config::Paths::from_process()?;
    Ok(crate::config::init_file_logging(&paths, name)?)
}
