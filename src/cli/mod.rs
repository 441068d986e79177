//! The command line: argument parsing and dispatch to the faces.
use std::process::ExitCode;

pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
