//! The command line: argument parsing, logging set-up and dispatch to the four faces.
// Human output goes through `output::say` and `output::note`, which neutralise server text and
// survive a closed pipe; `clippy.toml` names the macros that would bypass them.
#![deny(clippy::disallowed_macros)]
mod args;
mod backup;
mod batch;
mod check;
mod connect;
mod documents;
mod download_args;
mod interrupt;
mod list_args;
mod output;
mod profile;
mod progress;
mod resources;
mod sharing;

use std::io::IsTerminal as _;
use std::process::ExitCode;

pub use args::Cli;
use args::Command;
use interrupt::{Interrupted, Work, until_stopped};

pub fn main() -> ExitCode {
    let cli = match Cli::parse_settled() {
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
            let code = error
                .downcast_ref::<Interrupted>()
                .map_or(130, Interrupted::exit_code);
            ExitCode::from(code)
        }
        // The totals line on stdout said it already.
        Err(error) if error.is::<check::ProblemsFound>() => ExitCode::FAILURE,
        Err(error) if error.is::<check::CheckFailed>() => {
            error_lines(&format!("error: {}", describe(&error)));
            ExitCode::from(CHECK_FAILED_STATUS)
        }
        Err(error) if error.is::<Declined>() => {
            output::note(error.to_string());
            ExitCode::FAILURE
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
            error_lines(&format!("error: {}", describe(&error)));
            ExitCode::FAILURE
        }
    }
}

/// Writes an error's lines, each neutralised by `note` (they carry the server's words, which a
/// hostile server controls). Line breaks stay, as our own messages list choices on lines of
/// their own, but every further line starts indented, so no line can pass for one of ours.
fn error_lines(text: &str) {
    for (i, line) in text.lines().enumerate() {
        if i == 0 || line.starts_with(char::is_whitespace) {
            output::note(line);
        } else {
            output::note(format!("  {line}"));
        }
    }
}

/// The user answered No: no error to report, but the command did not do what it names, so a
/// script sees it fail (exit status 1). The message says what was left as it was.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Declined(&'static str);

/// `check` could not run (1 means it ran and found problems), as rclone and fsck tell them.
const CHECK_FAILED_STATUS: u8 = 2;

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
                warnings: connection.warnings.clone(),
            })
            .await
        }
        Some(Command::Documents(documents)) => {
            let _logs = cli_logging();
            let connection = connect::connect(&documents.connection).await?;
            let command = documents.command;
            // A question blocks on stdin, where Ctrl-C must keep its default action; a batch
            // (which asks first) watches for it itself once it runs, to end with its summary.
            let asks = documents::stops_itself(&command);
            let unlinked = crate::api::UnlinkedUpload::default();
            let kind = Work::of_documents(&command);
            let work = documents::run(
                &connection.client,
                command,
                documents.output.json,
                &unlinked,
            );
            let done = if asks {
                work.await
            } else {
                until_stopped(work, kind, &unlinked).await
            };
            done.map_err(|error| connection.explained(error))
        }
        Some(Command::Resources(resources)) => {
            let _logs = cli_logging();
            let connection = connect::connect(&resources.connection).await?;
            let unlinked = crate::api::UnlinkedUpload::default();
            let kind = Work::of_resources(&resources.command);
            let work = resources::run(
                &connection.client,
                resources.command,
                resources.output.json,
                &unlinked,
            );
            until_stopped(work, kind, &unlinked)
                .await
                .map_err(|error| connection.explained(error))
        }
        Some(Command::Backup(args)) => {
            let _logs = cli_logging();
            let connection = connect::connect(&args.connection).await?;
            // The run watches for Ctrl-C itself, to write the manifest of what it saved.
            backup::run(&connection.client, &args, args.output.json)
                .await
                .map_err(|error| connection.explained(error))
        }
        Some(Command::Restore(args)) => {
            let _logs = cli_logging();
            let connection = connect::connect(&args.connection).await?;
            backup::restore(&connection.client, &args, args.output.json)
                .await
                .map_err(|error| connection.explained(error))
        }
        Some(Command::Copy(args)) => {
            let _logs = cli_logging();
            let profile = |name: &str| args::ConnectionArgs {
                profile: Some(name.to_string()),
                ..args::ConnectionArgs::default()
            };
            let source = connect::connect(&profile(&args.from)).await?;
            let target = connect::connect(&profile(&args.to)).await?;
            backup::copy(&source.client, &target.client, &args, args.output.json).await
        }
        Some(Command::Check(args)) if args.dir.is_some() => {
            let _logs = cli_logging();
            check::run_offline(&args, args.output.json).await
        }
        Some(Command::Check(args)) => {
            let _logs = cli_logging();
            let connection = connect::connect(&args.connection)
                .await
                .map_err(check::CheckFailed)?;
            check::run(&connection.client, &args, args.output.json)
                .await
                .map_err(|error| match error.downcast::<check::CheckFailed>() {
                    Ok(failed) => check::CheckFailed(connection.explained(failed.0)).into(),
                    Err(other) => other,
                })
        }
        Some(Command::Profile(command)) => {
            let _logs = cli_logging();
            profile::run(command).await
        }
        Some(Command::Mcp(mcp)) => {
            // stdout carries the protocol: logs go to a file.
            let _logs = file_logging("mcp.log")?;
            let connection = connect::connect(&mcp.connection).await?;
            crate::mcp::serve(connection.client.clone(), mcp.read_only).await
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
                link_rate: args
                    .link_mbit
                    .filter(|&mbit| mbit > 0)
                    .map(crate::emulator::link_rate_of_mbit),
                latency: std::time::Duration::from_millis(args.latency_ms),
                compress_json: args.compress,
                ..defaults
            };
            crate::emulator::run_standalone(options).await
        }
    }
}

/// Where the commands log: a file, so the terminal gets our sentences once and never a
/// tracing line. A log that cannot be opened costs the log, not the command.
const CLI_LOG: &str = "cli.log";

fn cli_logging() -> Option<crate::config::LogGuard> {
    match file_logging(CLI_LOG) {
        Ok(guard) => Some(guard),
        Err(error) => {
            output::note(format!("note: no log is kept: {error}"));
            None
        }
    }
}

fn file_logging(name: &str) -> anyhow::Result<crate::config::LogGuard> {
    let paths = crate::config::Paths::from_process()?;
    Ok(crate::config::init_file_logging(&paths, name)?)
}
