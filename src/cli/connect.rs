//! Choosing the server: the embedded demo emulator, or a profile.
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use crate::api::{Auth, Client, ClientOptions};
use crate::cli::args::ConnectionArgs;
use crate::config::{Environment, ProfileRequest, ProfileSource, resolve_profile};
use crate::emulator::{ADMIN_PASSWORD, ADMIN_USERNAME, Emulator, EmulatorOptions};

/// A client, and the demo server behind it when there is one (it stops when this is dropped).
pub struct Connection {
    pub client: Client,
    pub profile_name: String,
    /// What the profile warns of, already said on stderr (the TUI shows them again).
    pub warnings: Vec<String>,
    url_written: UrlWritten,
    _demo: Option<Emulator>,
}

/// Where the server URL was written: where a wrong one is fixed.
enum UrlWritten {
    /// `--url` or `DHIS2_URL`.
    Setting(&'static str),
    Profile {
        name: String,
        file: PathBuf,
    },
    Demo,
}

impl Connection {
    /// A command's error, with the fix where the URL's context path is the trouble and
    /// DHIS2 was found at another one.
    pub fn explained(&self, error: anyhow::Error) -> anyhow::Error {
        let Some(crate::api::Error::NoApi {
            server,
            api_path,
            found: Some(found),
        }) = error.downcast_ref::<crate::api::Error>()
        else {
            return error;
        };
        let fix = match &self.url_written {
            UrlWritten::Setting("--url") => format!("try --url {found}"),
            UrlWritten::Setting(variable) => format!("try {variable}={found}"),
            UrlWritten::Profile { name, file } => format!(
                "set base_url = \"{found}\" for profile '{name}' in {}",
                file.display()
            ),
            UrlWritten::Demo => return error,
        };
        anyhow::anyhow!(
            "the server at {server} answered, but there is no DHIS2 API at {api_path}; {fix}"
        )
    }
}

/// The server's version, as its system info says; `None` when it cannot be read (plans then
/// say what each version does).
pub async fn server_version(client: &Client) -> Option<crate::api::ServerVersion> {
    let info = client.system_info().await.ok()?;
    let version = crate::api::ServerVersion::parse(info.version.as_deref()?)?;
    // A release newer than d2files knows is treated as the newest known, and said once.
    if let Some(line) = version.note() {
        crate::cli::output::note(format!("note: {line}"));
    }
    Some(version)
}

pub async fn connect(args: &ConnectionArgs) -> anyhow::Result<Connection> {
    if args.demo {
        let version = args
            .demo_version
            .as_deref()
            .unwrap_or(crate::cli::args::DEFAULT_DEMO_VERSION);
        let demo = start_demo(version).await?;
        let client = Client::new(
            &demo.base_url(),
            Auth::basic(ADMIN_USERNAME, ADMIN_PASSWORD),
        )?;
        crate::cli::output::mask_echoes_of(&client);
        return Ok(Connection {
            client,
            profile_name: "demo".to_string(),
            warnings: Vec::new(),
            url_written: UrlWritten::Demo,
            _demo: Some(demo),
        });
    }
    let request = ProfileRequest {
        profile: args.profile.clone(),
        url: args.url.clone(),
        profile_named_by: args.profile_named_by,
    };
    let profile = resolve_profile(&request, &Environment::from_process())?;
    for warning in &profile.warnings {
        crate::cli::output::note(format!("warning: {warning}"));
        tracing::warn!("{warning}");
    }
    let options = ClientOptions {
        ca_file: profile.ca_file.clone(),
        ..ClientOptions::default()
    };
    let client = Client::with_options(&profile.base_url, profile.auth.clone(), options)
        .with_context(|| profile.described())?;
    crate::cli::output::mask_echoes_of(&client);
    let url_written = match (profile.url_setting, profile.source) {
        (Some(setting), _) => UrlWritten::Setting(setting),
        (None, ProfileSource::File(file)) => UrlWritten::Profile {
            name: profile.name.clone(),
            file,
        },
        // A connection without a profile has its URL from a setting.
        (None, _) => UrlWritten::Setting("--url"),
    };
    Ok(Connection {
        client,
        profile_name: profile.name,
        warnings: profile.warnings,
        url_written,
        _demo: None,
    })
}

/// The demo emulator's options for DHIS2 `version`, as given to `flag`.
pub fn demo_options(flag: &str, version: &str) -> anyhow::Result<EmulatorOptions> {
    let version = version
        .parse()
        .map_err(|e| anyhow::anyhow!("{flag} {version}: {e}"))?;
    Ok(EmulatorOptions {
        version,
        seed_demo: true,
        storage_delay: Duration::from_millis(crate::cli::args::DEMO_STORAGE_DELAY_MS),
        ..EmulatorOptions::default()
    })
}

/// The embedded emulator with its demo seed, answering like DHIS2 `version`.
pub async fn start_demo(version: &str) -> anyhow::Result<Emulator> {
    let options = demo_options("--demo-version", version)?;
    Emulator::start(options)
        .await
        .context("starting the demo server")
}
