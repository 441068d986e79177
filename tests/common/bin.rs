//! The d2files binary as a child process in a private home: nothing of the developer's own
//! profiles, servers, logging or directories is read, and nothing is written outside `home`.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use d2files::emulator::{ADMIN_PASSWORD, ADMIN_USERNAME, Emulator};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};

/// The variables through which the binary would read the developer's setup: profiles, a
/// server, logging and TUI settings. Removed from every run.
pub const OUTSIDE_VARIABLES: [&str; 11] = [
    "DHIS2_PROFILE",
    "DHIS2_URL",
    "DHIS2_PAT",
    "DHIS2_USERNAME",
    "DHIS2_PASSWORD",
    "D2FILES_LOG",
    "D2FILES_MOUSE",
    "D2FILES_PAGE_SIZE",
    "D2FILES_DEBUG_PANIC_KEY",
    "RUST_LOG",
    "NO_COLOR",
];

/// The XDG base directories and the folder of each inside a private home.
pub const XDG_DIRS: [(&str, &str); 4] = [
    ("XDG_CONFIG_HOME", "config"),
    ("XDG_DATA_HOME", "data"),
    ("XDG_STATE_HOME", "state"),
    ("XDG_CACHE_HOME", "cache"),
];

/// HOME and the XDG base directories, all inside `home`.
pub fn private_dirs(home: &Path) -> Vec<(&'static str, PathBuf)> {
    std::iter::once(("HOME", home.to_path_buf()))
        .chain(XDG_DIRS.map(|(var, dir)| (var, home.join(dir))))
        .collect()
}

/// The d2files binary with HOME and XDG directories inside `home` and no DHIS2_* from outside.
pub fn d2files(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_d2files"));
    isolate(&mut command, home);
    command
}

/// Makes `command` (the binary, or a shell that runs it) work in `home`, with its own HOME and
/// XDG directories, none of [`OUTSIDE_VARIABLES`], no colour and no input.
pub fn isolate(command: &mut Command, home: &Path) {
    for var in OUTSIDE_VARIABLES {
        command.env_remove(var);
    }
    command
        .current_dir(home)
        .envs(private_dirs(home))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
}

/// The DHIS2_* variables that point the binary at the server at `url` as the emulator's admin
/// (`admin`/`district`, which hostile test servers take too).
pub fn admin_variables(url: &str) -> [(&'static str, String); 3] {
    [
        ("DHIS2_URL", url.to_string()),
        ("DHIS2_USERNAME", ADMIN_USERNAME.to_string()),
        ("DHIS2_PASSWORD", ADMIN_PASSWORD.to_string()),
    ]
}

/// Points a command at an emulator as admin through the DHIS2_* variables.
pub fn as_admin(command: &mut Command, em: &Emulator) {
    command.envs(admin_variables(&em.base_url()));
}

/// [`d2files`] pointed at `em` as admin (see [`as_admin`]).
pub fn admin_command(home: &Path, em: &Emulator) -> Command {
    admin_command_at(home, &em.base_url())
}

/// [`d2files`] pointed at the server at `url` (a hostile one, say) as admin.
pub fn admin_command_at(home: &Path, url: &str) -> Command {
    let mut command = d2files(home);
    command.envs(admin_variables(url));
    command
}

pub struct Run {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a command off the async runtime (the emulator lives on it).
pub async fn run(mut command: Command) -> Run {
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("the command runs");
    Run {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `d2files ARGS` in `home` against `em` as admin, run to its end.
pub async fn run_as_admin(home: &Path, em: &Emulator, args: &[&str]) -> Run {
    let mut command = admin_command(home, em);
    command.args(args);
    run(command).await
}

/// An MCP client (rmcp's) of a d2files MCP server.
pub type McpClient = RunningService<RoleClient, ()>;

/// Starts `command` (a `d2files … mcp …`; its stderr as the caller set it) with piped stdin and
/// stdout, killed when dropped, and connects an MCP client to it.
pub async fn serve_mcp(
    command: impl Into<tokio::process::Command>,
) -> (McpClient, tokio::process::Child) {
    let mut command = command.into();
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("d2files mcp starts");
    let io = (
        child.stdout.take().expect("piped stdout"),
        child.stdin.take().expect("piped stdin"),
    );
    let client = ().serve(io).await.expect("the MCP handshake succeeds");
    (client, child)
}
