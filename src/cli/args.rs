//! The command tree, as clap reads it.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Print JSON for scripts instead of tables.
    #[arg(long, global = true)]
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

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Which server to talk to.
#[derive(Clone, Debug, Args)]
pub struct ConnectionArgs {
    /// Profile from profiles.toml (also DHIS2_PROFILE).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Server URL, overriding the profile's (also DHIS2_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,

    /// Use the embedded demo server (a DHIS2 emulator with sample documents) instead.
    #[arg(long, global = true, conflicts_with_all = ["profile", "url"])]
    pub demo: bool,

    /// DHIS2 version the demo server behaves as.
    #[arg(
        long,
        global = true,
        value_name = "VERSION",
        default_value = "2.41.7",
        requires = "demo"
    )]
    pub demo_version: String,

    /// How the profile was named when not by `--profile` (a command's own NAME), for messages.
    #[arg(skip)]
    pub profile_named_by: Option<&'static str>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Documents: uploaded files and external links (/api/documents).
    #[command(subcommand)]
    Documents(DocumentsCommand),
    /// File resources: the typed blobs behind documents and other objects (/api/fileResources).
    #[command(subcommand)]
    Resources(ResourcesCommand),
    /// Connection profiles.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Serve the Model Context Protocol on stdin/stdout (metadata-only tools).
    Mcp {
        /// Offer only the tools that read.
        #[arg(long)]
        read_only: bool,
    },
    /// Run the DHIS2 emulator with demo content, to try d2files or other clients against it.
    DemoServer(DemoServerArgs),
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
    Get { uid: String },
    /// Upload a file as a document (file resource, then the document pointing at it).
    Upload {
        path: PathBuf,
        /// Document name (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        check: CheckArgs,
    },
    /// Create a document that links to an external URL.
    UploadUrl {
        name: String,
        /// The link (http or https). Named apart from the global --url, which picks the server.
        #[arg(value_name = "URL")]
        link: String,
    },
    /// Create a document for a file resource already uploaded (step two of an upload alone).
    Link {
        file_resource: String,
        /// Document name.
        #[arg(long)]
        name: String,
    },
    /// Download a document's file. OUT may be a file or a directory (default: here).
    Download {
        uid: String,
        out: Option<PathBuf>,
        /// Overwrite OUT if it exists.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        check: CheckArgs,
    },
    /// Delete a document (asks first unless --yes).
    Delete {
        uid: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ResourcesCommand {
    /// Upload a file as a file resource and wait until the server has stored it.
    Upload {
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
    Get { uid: String },
    /// Download a file resource. OUT may be a file or a directory (default: here).
    Download {
        uid: String,
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
    List,
    /// Connect with a profile: server version, user, latency.
    Verify { name: Option<String> },
}

#[derive(Debug, Args)]
pub struct DemoServerArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// DHIS2 version to behave as, e.g. 2.38, 2.40.6, 2.42.
    #[arg(long, default_value = "2.41.7")]
    pub dhis2_version: String,
    /// Milliseconds before an upload turns from PENDING to STORED.
    #[arg(long, default_value_t = crate::cli::connect::DEMO_STORAGE_DELAY_MS)]
    pub storage_delay_ms: u64,
    /// Largest upload in bytes (DHIS2's default is 10000000); 0 means no limit.
    #[arg(long)]
    pub max_upload_size: Option<u64>,
    /// Start empty, without the demo documents.
    #[arg(long)]
    pub no_seed: bool,
    /// Send downloads no faster than a link of this many megabits per second (1000 = gigabit
    /// Ethernet), to see progress and timings as over a real network.
    #[arg(long, value_name = "MBIT")]
    pub link_mbit: Option<u32>,
}
