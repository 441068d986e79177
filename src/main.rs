fn main() -> std::process::ExitCode {
    d2files::cli::main()
}
