//! The command tree, as clap reads it.
//!
//! Each option lives where it applies: the connection options on the commands that connect
//! (and on the interactive browser), `--json` on the commands that print, `--mouse` on the
//! browser alone. The connection and `--json` are also accepted before the command
//! (`d2files --demo documents list`), as scripts have always written them; [`Cli::settled`]
//! joins them with the command's own and refuses them before a command they do not apply to.
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches as _, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "d2files",
    version,
    about = "Manage the documents and file resources of a DHIS2 server",
    long_about = "Manage the documents and file resources of a DHIS2 server.\n\n\
        Without a command, opens the interactive browser (TUI). The server comes from --demo, \
        --profile/--url, the DHIS2_* environment variables, or a profiles.toml \
        (see `d2files profile list`).",
    after_help = "Examples:\n  d2files --demo\n  d2files documents list --filter name:ilike:malaria\n  \
        d2files documents upload report.pdf --name \"2025 annual report\"\n  \
        d2files documents download RTkjSgLtdI6 ~/Downloads"
)]
pub struct Cli {
    /// Before a command that prints, as `d2files --json documents list`; hidden here, since
    /// the browser prints no JSON and each such command's help shows it.
    #[arg(long, hide = true)]
    pub json: bool,

    /// In the interactive browser, let clicks and the wheel act (the terminal's own text
    /// selection then needs Shift). Also D2FILES_MOUSE=1.
    #[arg(
        long,
        env = "D2FILES_MOUSE",
        hide_env = true,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub mouse: bool,

    /// The interactive browser's server; before a command that connects, that command's.
    /// (Last: its help heading would hold every option after it.)
    #[command(flatten)]
    pub connection: ConnectionArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Which server to talk to.
#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// Profile from profiles.toml (also DHIS2_PROFILE).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Server URL (also DHIS2_URL). With --profile it moves that profile to this server; alone
    /// it is a connection of its own, with DHIS2_PAT or DHIS2_USERNAME and DHIS2_PASSWORD, or
    /// the credentials of the profile written for this URL.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Use the embedded demo server (a DHIS2 emulator with sample documents) instead.
    #[arg(long, conflicts_with_all = ["profile", "url"])]
    pub demo: bool,

    #[arg(
        long,
        value_name = "VERSION",
        help = format!(
            "With --demo: the DHIS2 version the demo server behaves as, 2.38 to 2.44, e.g. \
             2.38 or 2.44 [default: {DEFAULT_DEMO_VERSION}]"
        )
    )]
    pub demo_version: Option<String>,

    /// How the profile was named when not by `--profile` (a command's own NAME), for messages.
    #[arg(skip)]
    pub profile_named_by: Option<&'static str>,
}

impl ConnectionArgs {
    /// These options with the profile a command names its own way (`restore --to`, the NAME
    /// of `profile verify`), which `--profile` and `--demo` may not name again; `by` says how
    /// it was named, in messages. `None` leaves them as they are.
    fn with_profile_named_by(
        mut self,
        profile: Option<String>,
        by: &'static str,
        at: &[&str],
    ) -> Result<ConnectionArgs, clap::Error> {
        let Some(profile) = profile else {
            return Ok(self);
        };
        let named_twice =
            first_flag([(self.profile.is_some(), "--profile"), (self.demo, "--demo")]);
        if let Some(flag) = named_twice {
            // An option is quoted, as clap quotes them.
            let with = if by.starts_with("--") {
                format!("'{by}'")
            } else {
                by.to_string()
            };
            return Err(refusal(
                at,
                ErrorKind::ArgumentConflict,
                format!("the argument '{flag}' cannot be used with {with}"),
            ));
        }
        self.profile = Some(profile);
        self.profile_named_by = Some(by);
        Ok(self)
    }

    /// The first option given, as typed, if any.
    fn first_given(&self) -> Option<&'static str> {
        first_flag([
            (self.profile.is_some(), "--profile"),
            (self.url.is_some(), "--url"),
            (self.demo, "--demo"),
            (self.demo_version.is_some(), "--demo-version"),
        ])
    }

    /// These options (given before the command) with the command's own, which win where both
    /// give one, as clap already has it for the options global below `documents` and
    /// `resources`; then `--demo` must stand alone or with `--demo-version`.
    fn joined(self, own: ConnectionArgs, at: &[&str]) -> Result<ConnectionArgs, clap::Error> {
        let joined = ConnectionArgs {
            profile: own.profile.or(self.profile),
            url: own.url.or(self.url),
            demo: own.demo || self.demo,
            demo_version: own.demo_version.or(self.demo_version),
            profile_named_by: own.profile_named_by,
        };
        if joined.demo
            && let Some(other) = first_flag([
                (joined.profile.is_some(), "--profile"),
                (joined.url.is_some(), "--url"),
            ])
        {
            return Err(refusal(
                at,
                ErrorKind::ArgumentConflict,
                format!("the argument '--demo' cannot be used with '{other}'"),
            ));
        }
        if joined.demo_version.is_some() && !joined.demo {
            return Err(refusal(
                at,
                ErrorKind::MissingRequiredArgument,
                "the argument '--demo-version' needs '--demo' (it picks the demo server's version)"
                    .into(),
            ));
        }
        Ok(joined)
    }
}

/// The flag of the first pair that was given.
fn first_flag<const N: usize>(flags: [(bool, &'static str); N]) -> Option<&'static str> {
    flags
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
}

/// A usage error in clap's own form (exit status 2), with the usage of the command at `at`.
fn refusal(at: &[&str], kind: ErrorKind, message: String) -> clap::Error {
    let mut root = Cli::command();
    root.build();
    let mut command = &mut root;
    for name in at {
        if command.find_subcommand(name).is_none() {
            break;
        }
        command = command.find_subcommand_mut(name).expect("found just above");
    }
    command.error(kind, message)
}

/// The output format of a command that prints.
#[derive(Clone, Copy, Debug, Default, Args)]
pub struct OutputArgs {
    /// Print JSON for scripts instead of tables.
    #[arg(long)]
    pub json: bool,
}

impl Cli {
    /// This process's command line, parsed and [settled](Cli::settled).
    pub fn parse_settled() -> Result<Cli, clap::Error> {
        let matches = Cli::command().try_get_matches()?;
        let cli = Cli::from_arg_matches(&matches)?;
        // D2FILES_MOUSE=1 in the environment is for the browser, and commands ignore it; only a
        // typed --mouse before a command is a mistake.
        let mouse_typed = matches.value_source("mouse") == Some(ValueSource::CommandLine);
        cli.settled(mouse_typed)
    }

    /// The command line as one: the connection and `--json` given before the command join the
    /// command's own, and an option before a command it does not apply to is refused, as
    /// clap refuses one after it (`d2files --demo demo-server` would otherwise start the
    /// default version and say nothing).
    fn settled(mut self, mouse_typed: bool) -> Result<Cli, clap::Error> {
        let before = std::mem::take(&mut self.connection);
        let json = std::mem::take(&mut self.json);
        let Some(command) = self.command.take() else {
            if json {
                return Err(refusal(
                    &[],
                    ErrorKind::ArgumentConflict,
                    "--json needs a command that prints (e.g. `d2files --json documents list`); \
                     the interactive browser has no JSON output"
                        .into(),
                ));
            }
            self.connection = before;
            return Ok(self);
        };
        let name = command.name();
        if mouse_typed {
            return Err(refusal(
                &[name],
                ErrorKind::ArgumentConflict,
                format!("--mouse is for the interactive browser; it does not apply to '{name}'"),
            ));
        }
        let refuse_connection = |at: &[&str], why: &str| match before.first_given() {
            Some(flag) => Err(refusal(
                at,
                ErrorKind::ArgumentConflict,
                format!(
                    "the argument '{flag}' does not apply to '{}', {why}",
                    at.join(" ")
                ),
            )),
            None => Ok(()),
        };
        let refuse_json = |why: &str| {
            if json {
                Err(refusal(
                    &[name],
                    ErrorKind::ArgumentConflict,
                    format!("the argument '--json' does not apply to '{name}', {why}"),
                ))
            } else {
                Ok(())
            }
        };
        self.command = Some(match command {
            Command::Documents(mut documents) => {
                documents.connection = before.joined(documents.connection, &[name])?;
                documents.output.json |= json;
                Command::Documents(documents)
            }
            Command::Resources(mut resources) => {
                resources.connection = before.joined(resources.connection, &[name])?;
                resources.output.json |= json;
                Command::Resources(resources)
            }
            Command::Backup(mut backup) => {
                backup.connection = before.joined(backup.connection, &[name])?;
                backup.output.json |= json;
                Command::Backup(backup)
            }
            Command::Restore(mut restore) => {
                restore.connection = before
                    .joined(restore.connection, &[name])?
                    .with_profile_named_by(restore.to.take(), "--to", &[name])?;
                restore.output.json |= json;
                Command::Restore(restore)
            }
            Command::Check(mut check) if check.dir.is_some() => {
                refuse_connection(&[name], "which verifies a backup folder without a server")?;
                if let Some(flag) = check.connection.first_given() {
                    return Err(refusal(
                        &[name],
                        ErrorKind::ArgumentConflict,
                        format!(
                            "the argument '{flag}' does not apply to 'check DIR', which \
                             verifies a backup folder without a server (--against DIR \
                             compares a server with one)"
                        ),
                    ));
                }
                check.output.json |= json;
                Command::Check(check)
            }
            Command::Check(mut check) => {
                check.connection = before.joined(check.connection, &[name])?;
                check.output.json |= json;
                Command::Check(check)
            }
            Command::Copy(mut copy) => {
                refuse_connection(&[name], "whose servers are --from and --to")?;
                copy.output.json |= json;
                Command::Copy(copy)
            }
            Command::Profile(ProfileCommand::List { mut output }) => {
                refuse_connection(&[name, "list"], "which lists every profile")?;
                output.json |= json;
                Command::Profile(ProfileCommand::List { output })
            }
            Command::Profile(ProfileCommand::Verify {
                name: profile,
                connection,
                mut output,
            }) => {
                let at = [name, "verify"];
                let connection = before.joined(connection, &at)?.with_profile_named_by(
                    profile,
                    "the NAME of `profile verify`",
                    &at,
                )?;
                output.json |= json;
                Command::Profile(ProfileCommand::Verify {
                    name: None,
                    connection,
                    output,
                })
            }
            Command::Mcp(mut mcp) => {
                refuse_json("whose stdout carries the protocol")?;
                mcp.connection = before.joined(mcp.connection, &[name])?;
                Command::Mcp(mcp)
            }
            Command::DemoServer(server) => {
                refuse_connection(
                    &[name],
                    "which is a server itself (its version: --dhis2-version)",
                )?;
                refuse_json("which prints no results")?;
                Command::DemoServer(server)
            }
        });
        Ok(self)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Documents: uploaded files and external links (/api/documents).
    Documents(DocumentsArgs),
    /// File resources: the typed blobs behind documents and other objects (/api/fileResources).
    Resources(ResourcesArgs),
    /// Back up every file document (bytes, verified) and a manifest of the documents into a
    /// directory; run again, it fetches only what changed.
    Backup(BackupArgs),
    /// Re-create a backup's documents on a server with their uids (file resources first, then
    /// the documents, then their sharing); what is there already is skipped or reported.
    Restore(RestoreArgs),
    /// Copy documents from one server to another with their uids, the bytes streamed from one
    /// to the other (no files in between); the rules of `restore`.
    Copy(CopyArgs),
    /// Audit a server's documents and file resources: files whose bytes are lost, documents
    /// pointing at no file, orphaned files, links DHIS2 refuses or that do not answer; or,
    /// given a backup folder, verify it offline. Exit 0 when clean, 1 when problems were
    /// found, 2 when the check could not run.
    Check(AuditArgs),
    /// Connection profiles.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Serve the Model Context Protocol on stdin/stdout (metadata-only tools).
    Mcp(McpArgs),
    /// Run the DHIS2 emulator with demo content, to try d2files or other clients against it.
    DemoServer(DemoServerArgs),
}

impl Command {
    /// The name as typed.
    fn name(&self) -> &'static str {
        match self {
            Command::Documents(_) => "documents",
            Command::Resources(_) => "resources",
            Command::Backup(_) => "backup",
            Command::Restore(_) => "restore",
            Command::Copy(_) => "copy",
            Command::Check(_) => "check",
            Command::Profile(_) => "profile",
            Command::Mcp(_) => "mcp",
            Command::DemoServer(_) => "demo-server",
        }
    }
}

/// `documents …`: the connection and `--json` apply to every documents command, before or
/// after its name.
#[derive(Debug, Args)]
#[command(mut_args(|arg| arg.global(true)))]
pub struct DocumentsArgs {
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(subcommand)]
    pub command: DocumentsCommand,
}

/// `backup DIR`: the connection and `--json` before or after its name.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup directory (created if missing; a second run updates it).
    pub dir: PathBuf,
    /// DHIS2 filter `property:operator:value`, repeatable (ANDed): back up only these
    /// documents (the others in the directory stay as they are).
    #[arg(long = "filter", short = 'f', value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Delete the local files of documents the server no longer has (otherwise they stay,
    /// listed as gone in the manifest).
    #[arg(long, conflicts_with = "filters")]
    pub prune: bool,
    /// Also the file resources no document points at (DHIS2 2.41+, which lists them).
    #[arg(long)]
    pub resources: bool,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Reads a check makes at once by default.
pub const CHECK_JOBS: u16 = 8;

/// `check [DIR]`: a server (the connection options), or a backup folder offline.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// A backup folder to verify against its manifest, offline (no server is asked).
    #[arg(conflicts_with_all = ["filters", "against", "links", "data"])]
    pub dir: Option<PathBuf>,
    /// DHIS2 filter `property:operator:value`, repeatable (ANDed): check only these
    /// documents (orphans are looked for only without a filter).
    #[arg(long = "filter", short = 'f', value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Compare with a backup folder: sizes and MD5s, and what only one side has.
    #[arg(long, value_name = "DIR")]
    pub against: Option<PathBuf>,
    /// Also ask every external link whether it answers: a HEAD (a one-byte GET where HEAD is
    /// refused), with a short timeout, never with DHIS2's credentials, following redirects on
    /// the link's own host only.
    #[arg(long)]
    pub links: bool,
    /// Also ask the server for each file's bytes (headers only): finds a file whose bytes
    /// the store lost although it reads STORED.
    #[arg(long)]
    pub data: bool,
    /// Reads at once.
    #[arg(long, value_name = "N", default_value_t = CHECK_JOBS, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub jobs: u16,
    /// How long a file may read PENDING before its bytes count as missing.
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    pub pending_minutes: u32,
    /// A line for every item, the ones found ok too.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// `copy --from PROFILE --to PROFILE`.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The profile of the server to copy from.
    #[arg(long, value_name = "PROFILE")]
    pub from: String,
    /// The profile of the server to copy to.
    #[arg(long, value_name = "PROFILE")]
    pub to: String,
    /// DHIS2 filter `property:operator:value`, repeatable (ANDed): copy only these documents.
    #[arg(long = "filter", short = 'f', value_name = "FILTER")]
    pub filters: Vec<String>,
    #[command(flatten)]
    pub replace: ReplaceArgs,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// How a backup, a restore or a copy runs.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Transfers at once [default: 4, and more over a slow link: 8 when the server's first
    /// answer takes 100 ms, up to 16 from 200 ms].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=16))]
    pub jobs: Option<u16>,
    /// A line for every item done (otherwise only failures and the summary).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    #[command(flatten)]
    pub batch: BatchArgs,
    #[command(flatten)]
    pub check: CheckArgs,
}

/// What a restore or a copy does with what is on the server with other content.
#[derive(Debug, Args)]
pub struct ReplaceArgs {
    /// Replace a document that has the uid with other content (updated in place, its uid
    /// kept), and upload a file whose uid is taken under a new one; otherwise both are
    /// reported and left as they are.
    #[arg(long)]
    pub replace: bool,
}

impl ReplaceArgs {
    pub fn on_conflict(&self) -> crate::ops::OnConflict {
        if self.replace {
            crate::ops::OnConflict::Replace
        } else {
            crate::ops::OnConflict::Keep
        }
    }
}

/// `restore DIR`: onto the server the connection options (or `--to`) name.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A directory `d2files backup` wrote.
    pub dir: PathBuf,
    /// The profile of the server to restore onto (the same as --profile).
    #[arg(long, value_name = "PROFILE")]
    pub to: Option<String>,
    #[command(flatten)]
    pub replace: ReplaceArgs,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// A backup's files fetched at once by default: one more than a batch's, since a backup is
/// mostly many small files and runs unattended.
pub const BACKUP_JOBS: u16 = 4;

/// `resources …`, like [`DocumentsArgs`].
#[derive(Debug, Args)]
#[command(mut_args(|arg| arg.global(true)))]
pub struct ResourcesArgs {
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(subcommand)]
    pub command: ResourcesCommand,
}

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Offer only the tools that read.
    #[arg(long)]
    pub read_only: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// DHIS2 filter `property:operator:value`, repeatable (ANDed), e.g. name:ilike:malaria.
    #[arg(long = "filter", short = 'f', value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Order `property[:asc|desc|iasc|idesc]`, repeatable, e.g. lastUpdated:desc.
    #[arg(long, value_name = "ORDER")]
    pub order: Vec<String>,
    /// Page number, from 1.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub page: u32,
    /// Items per page.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub page_size: u32,
    /// Fetch every page. A list cut short (more than 100,000 items, or a server that repeats
    /// a page) is printed, said on stderr, and fails unless --max-items accepts the cut.
    #[arg(long, conflicts_with = "page")]
    pub all: bool,
    /// With --all: stop after N items and succeed with the shorter list.
    #[arg(long, value_name = "N", requires = "all", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_items: Option<u64>,
}

/// The integrity check of a transfer, on unless turned off.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Do not compare the bytes with the server's MD5 (sizes are still checked). Hashing costs
    /// about 1.7 s of CPU per GiB: only worth skipping where the link is faster than that.
    #[arg(long)]
    pub no_verify: bool,
}

#[derive(Debug, Subcommand)]
pub enum DocumentsCommand {
    /// List documents, filtered and paged by the server.
    List(ListArgs),
    /// Show one document and the file resource behind it.
    Get {
        /// The document's uid (11 letters and digits).
        uid: String,
    },
    /// Upload files as documents (each a file resource, then the document pointing at it). A
    /// directory brings its files; several go a few at a time (D2FILES_TRANSFERS, default 3).
    Upload {
        /// The files or directories to upload.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Document name (default: the file's name); only with one file.
        #[arg(long)]
        name: Option<String>,
        /// Include the files in subdirectories of a directory.
        #[arg(long, short = 'r')]
        recursive: bool,
        #[command(flatten)]
        batch: BatchArgs,
        #[command(flatten)]
        check: CheckArgs,
    },
    /// Create a document that links to an external URL.
    UploadUrl {
        /// The document's name.
        name: String,
        /// The link (http or https). Named apart from --url, which picks the server.
        #[arg(value_name = "URL")]
        link: String,
    },
    /// Create a document for a file resource already uploaded (step two of an upload alone).
    Link {
        /// The uid of the file resource the document is to point at.
        #[arg(value_name = "FILE_RESOURCE_UID")]
        file_resource: String,
        /// Document name.
        #[arg(long)]
        name: String,
    },
    /// Rename a document, keeping its uid, its file or link, and its sharing (working around
    /// DHIS2's refusal to update a file document that keeps its file, E4016).
    Rename {
        /// The document's uid (11 letters and digits).
        uid: String,
        /// Its new name.
        name: String,
    },
    /// Put a new file behind a document, keeping its uid (so dashboards and links to it keep
    /// working), its name and its sharing.
    Replace {
        /// The document's uid (11 letters and digits).
        uid: String,
        /// The new file.
        path: PathBuf,
        #[command(flatten)]
        check: CheckArgs,
    },
    /// Show who a document is shared with: everyone (public access), each user group and
    /// user, in words.
    Sharing {
        /// The document's uid (11 letters and digits).
        uid: String,
    },
    /// Change who documents are shared with: the public access, and user groups and users by
    /// name (looked up on the server) or uid. What is not named stays as it is.
    Share {
        /// The documents' uids.
        #[arg(value_name = "UID", required = true)]
        uids: Vec<String>,
        /// What everyone signed in may do: none, view or edit.
        #[arg(long, value_name = "none|view|edit")]
        public: Option<String>,
        /// Whether anyone with the link may view, signed in or not (external access): on or
        /// off. Only DHIS2 up to 2.41.8 and 2.42.5 have it, and 2.42 no longer honours it.
        #[arg(long, value_name = "on|off")]
        external: Option<String>,
        /// A user group and its access, e.g. "Report viewers:view" (none removes it);
        /// repeatable.
        #[arg(long = "group", value_name = "NAME_OR_UID:none|view|edit")]
        groups: Vec<String>,
        /// A user (name, username or uid) and their access, e.g. "jtraore:edit"; repeatable.
        #[arg(long = "user", value_name = "NAME_OR_UID:none|view|edit")]
        users: Vec<String>,
        #[command(flatten)]
        batch: BatchArgs,
    },
    /// Download documents' files: one to a file or a directory, several (or every match of
    /// --filter) into a directory, a few at a time (D2FILES_TRANSFERS, default 3).
    Download {
        /// The documents' uids, then where to save: with one uid a file or a directory, with
        /// several or --filter a directory [default: the working directory].
        #[arg(value_name = "UID… [OUT]", required_unless_present = "filters")]
        items: Vec<String>,
        #[command(flatten)]
        select: SelectArgs,
        /// Replace files that exist (otherwise a terminal asks, and a script is refused).
        #[arg(long)]
        force: bool,
        /// Leave files that exist as they are.
        #[arg(long, conflicts_with = "force")]
        skip_existing: bool,
        #[command(flatten)]
        batch: BatchArgs,
        #[command(flatten)]
        check: CheckArgs,
    },
    /// Delete documents (shows what will happen and asks first unless --yes).
    Delete {
        /// The documents' uids.
        #[arg(value_name = "UID", required_unless_present = "filters")]
        uids: Vec<String>,
        #[command(flatten)]
        select: SelectArgs,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
        /// Refuse to delete more than N documents [default: 10 when not asked on a terminal].
        #[arg(long, value_name = "N")]
        max_delete: Option<usize>,
        #[command(flatten)]
        batch: BatchArgs,
    },
}

/// Documents picked by a server filter instead of uids.
#[derive(Debug, Args)]
pub struct SelectArgs {
    /// DHIS2 filter `property:operator:value`, repeatable (ANDed): act on the documents that
    /// match (the first 50 unless --all).
    #[arg(long = "filter", short = 'f', value_name = "FILTER")]
    pub filters: Vec<String>,
    /// With --filter: every document that matches, however many pages.
    #[arg(long, requires = "filters")]
    pub all: bool,
}

/// What every batch command shares.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Print the plan (what would be done to each item) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// What both downloads say of OUT.
const OUT_HELP: &str = "Where to save: a file, or a directory to save into under the file's \
                        own name [default: the working directory]";

#[derive(Debug, Subcommand)]
pub enum ResourcesCommand {
    /// Upload a file as a file resource and wait until the server has stored it.
    Upload {
        /// The file to upload.
        path: PathBuf,
        /// Domain: DOCUMENT, DATA_VALUE, MESSAGE_ATTACHMENT, USER_AVATAR, ORG_UNIT, ICON, JOB_DATA,
        /// PUSH_ANALYSIS (before DHIS2 2.43).
        #[arg(long, default_value = "DOCUMENT")]
        domain: String,
        /// Return as soon as the server accepted the bytes (storage status PENDING).
        #[arg(long)]
        no_wait: bool,
        #[command(flatten)]
        check: CheckArgs,
    },
    /// List file resources (DHIS2 2.41 and later).
    List {
        #[command(flatten)]
        list: ListArgs,
        /// Only this domain (a shortcut for --filter domain:eq:D).
        #[arg(long)]
        domain: Option<String>,
    },
    /// Show one file resource.
    Get {
        /// The file resource's uid (a file document's URL / FILE RESOURCE).
        uid: String,
    },
    /// Download a file resource.
    Download {
        /// The file resource's uid.
        uid: String,
        #[arg(help = OUT_HELP)]
        out: Option<PathBuf>,
        /// Image size: small, medium, large or original.
        #[arg(long)]
        dimension: Option<String>,
        /// Overwrite OUT if it exists.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        check: CheckArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List the profiles found (no secrets shown).
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Connect with a profile: server version, user, latency.
    Verify {
        /// The profile to check [default: the one --profile, DHIS2_PROFILE or the files'
        /// default name].
        name: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
}

/// How long a demo upload stays PENDING: long enough to see the "waiting for storage" phase,
/// short enough not to annoy. Also `demo-server --storage-delay-ms`'s default.
pub const DEMO_STORAGE_DELAY_MS: u64 = 400;

/// The version `demo-server` and `--demo` behave as unless told otherwise: the newest release
/// the emulator knows (`emulator::NEWEST_RELEASE`; 2.44 is a development snapshot).
pub const DEFAULT_DEMO_VERSION: &str = "2.43.2";

#[derive(Debug, Args)]
pub struct DemoServerArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// DHIS2 version to behave as, 2.38 to 2.44, e.g. 2.38, 2.40.6, 2.42.4, 2.44.
    #[arg(long, value_name = "VERSION", default_value = DEFAULT_DEMO_VERSION)]
    pub dhis2_version: String,
    /// Milliseconds before an upload turns from PENDING to STORED.
    #[arg(long, default_value_t = DEMO_STORAGE_DELAY_MS)]
    pub storage_delay_ms: u64,
    /// Largest upload in bytes (DHIS2's default is 10000000); 0 means no limit.
    #[arg(long)]
    pub max_upload_size: Option<u64>,
    /// Start empty, without the demo documents.
    #[arg(long)]
    pub no_seed: bool,
    /// Send answers and read uploads no faster than a link of this many megabits per second
    /// (1000 = gigabit Ethernet), to see progress and timings as over a real network.
    #[arg(long, value_name = "MBIT")]
    pub link_mbit: Option<u32>,
    /// Hold every answer this many milliseconds, as a distant server would (requests are held
    /// side by side, not one after another).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// gzip JSON answers for clients that accept it, as nginx in front of DHIS2 does (file
    /// bodies are never compressed for a client that did not ask).
    #[arg(long)]
    pub compress: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The command at `path` below the root, as `--help` shows it (global options included).
    fn built(path: &[&str]) -> clap::Command {
        let mut command = Cli::command();
        command.build();
        for name in path {
            command = command
                .find_subcommand(name)
                .unwrap_or_else(|| panic!("no command {name}"))
                .clone();
        }
        command
    }

    fn option_ids(path: &[&str]) -> Vec<String> {
        built(path)
            .get_arguments()
            .filter(|arg| !arg.is_positional() && !arg.is_hide_set())
            .map(|arg| arg.get_id().to_string())
            .filter(|id| id != "help" && id != "version")
            .collect()
    }

    #[test]
    fn every_positional_says_what_it_is() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_positionals() {
                if arg.get_help().is_none() {
                    missing.push(format!("{path} <{}>", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&built(&[]), "d2files", &mut missing);
        assert!(missing.is_empty(), "no description: {missing:?}");
    }

    #[test]
    fn options_are_offered_only_where_they_apply() {
        let connection = ["profile", "url", "demo", "demo_version"];
        let has = |path: &[&str], id: &str| option_ids(path).iter().any(|o| o == id);
        for id in connection {
            assert!(!has(&["demo-server"], id), "demo-server --{id}");
            assert!(!has(&["profile", "list"], id), "profile list --{id}");
            for path in [
                &["documents", "list"][..],
                &["resources", "download"],
                &["profile", "verify"],
                &["mcp"],
                &[],
            ] {
                assert!(has(path, id), "{path:?} lacks --{id}");
            }
        }
        for path in [&["demo-server"][..], &["mcp"], &[]] {
            assert!(!has(path, "json"), "{path:?} offers --json");
        }
        for path in [
            &["documents", "get"][..],
            &["resources", "list"],
            &["profile", "list"],
        ] {
            assert!(has(path, "json"), "{path:?} lacks --json");
        }
        assert_eq!(option_ids(&["profile", "list"]), ["json"]);
        assert!(has(&[], "mouse") && !has(&["documents", "list"], "mouse"));
    }

    #[test]
    fn the_demo_default_is_the_newest_release_the_emulator_knows() {
        assert_eq!(
            DEFAULT_DEMO_VERSION,
            crate::emulator::NEWEST_RELEASE.to_string()
        );
    }
}
