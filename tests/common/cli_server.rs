//! The binary as a user types it, against an emulator on its own runtime, with the checks of
//! its exit status and output that the CLI suites share.
use std::process::Output;

use assert_cmd::Command;
use d2files::emulator::{Emulator, EmulatorOptions, SeedFileResource};
use tempfile::TempDir;

/// An emulator on its own runtime, and a private home so no real config is read.
pub struct Server {
    pub runtime: tokio::runtime::Runtime,
    pub emulator: Emulator,
    pub home: TempDir,
}

impl Server {
    pub fn start(version: &str, seed_demo: bool) -> Server {
        Server::start_with(|options| {
            options.version = super::version(version);
            options.seed_demo = seed_demo;
        })
    }

    pub fn start_with(tweak: impl FnOnce(&mut EmulatorOptions)) -> Server {
        let (runtime, emulator) = super::start_blocking(tweak);
        Server {
            runtime,
            emulator,
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// `d2files ARGS` with this server in the DHIS2_* variables.
    pub fn d2files(&self, args: &[&str]) -> Command {
        let mut command = super::admin_command(self.home.path(), &self.emulator);
        command.args(args);
        Command::from_std(command)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.d2files(args).output().unwrap()
    }

    pub fn seed(&self, seed: SeedFileResource) -> String {
        let _guard = self.runtime.enter();
        self.emulator.seed_file_resource(seed).unwrap()
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
pub fn succeed(output: Output) -> Output {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        stdout(&output),
        stderr(&output)
    );
    output
}

#[track_caller]
pub fn fail(output: Output) -> String {
    assert!(
        !output.status.success(),
        "expected a failure\nstdout: {}",
        stdout(&output)
    );
    stderr(&output)
}

pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

/// A private profiles.toml in the home's XDG config directory.
pub fn write_profiles(home: &std::path::Path, text: &str) {
    let config = home.join("config/dhis2");
    std::fs::create_dir_all(&config).unwrap();
    let file = config.join("profiles.toml");
    std::fs::write(&file, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}
