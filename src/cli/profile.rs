//! `d2files profile …`
use serde_json::json;

use crate::api::{Client, ServerVersion};
use crate::cli::args::ProfileCommand;
use crate::cli::connect::connect;
use crate::cli::output::{note, print_fields, print_json, print_table, say};
use crate::config::{Environment, list_profiles};

pub async fn run(command: ProfileCommand) -> anyhow::Result<()> {
    match command {
        ProfileCommand::List { output } => {
            let profiles = list_profiles(&Environment::from_process())?;
            if output.json {
                let list: Vec<_> = profiles
                    .iter()
                    .map(|p| {
                        json!({
                            "name": p.name,
                            "baseUrl": p.base_url,
                            "auth": p.auth.map(|a| a.to_string()),
                            "username": p.username,
                            "file": p.file,
                            "default": p.is_default,
                            "shadowed": p.shadowed,
                            "problem": p.problem,
                        })
                    })
                    .collect();
                return print_json(&list);
            }
            if profiles.is_empty() {
                note(
                    "No profiles found. Create .dhis2/profiles.toml here or \
                     ~/.config/dhis2/profiles.toml, or set DHIS2_URL.",
                );
                return Ok(());
            }
            let rows = profiles
                .iter()
                .map(|p| {
                    vec![
                        format!("{}{}", p.name, if p.is_default { " *" } else { "" }),
                        p.base_url.clone().unwrap_or_default(),
                        p.auth.map(|a| a.to_string()).unwrap_or_default(),
                        p.file.display().to_string(),
                        match (&p.problem, p.shadowed) {
                            (Some(problem), _) => problem.clone(),
                            (None, true) => "hidden by the project profile".to_string(),
                            (None, false) => String::new(),
                        },
                    ]
                })
                .collect();
            print_table(&["NAME", "URL", "AUTH", "FILE", "NOTE"], rows)?;
            note("* default profile");
            Ok(())
        }
        // `Cli::settled` has put a NAME into the connection.
        ProfileCommand::Verify {
            connection, output, ..
        } => {
            let connected = connect(&connection).await?;
            verify(&connected.client, &connected.profile_name, output.json)
                .await
                .map_err(|error| connected.explained(error))
        }
    }
}

/// The connection, then what this server's release supports (`api::Feature`'s table), so an
/// operator sees why a feature is missing there.
async fn verify(client: &Client, profile: &str, json: bool) -> anyhow::Result<()> {
    let info = client.connect().await?;
    let features = info.version.as_ref().map(ServerVersion::features);
    let version_note = match &info.version {
        Some(version) => version.note(),
        None => Some(format!(
            "the server's version `{}` is not one d2files can read; it is treated as the \
             newest release d2files knows",
            info.version_text
        )),
    };
    if json {
        return print_json(&json!({
            "profile": profile,
            "server": info,
            "features": features,
            "note": version_note,
        }));
    }
    print_fields(&[
        ("profile", profile.to_string()),
        ("server", info.base_url.clone()),
        ("DHIS2", info.version_text.clone()),
        ("system", info.system_name.clone().unwrap_or_default()),
        ("user", info.user.label().to_string()),
        ("latency", format!("{} ms", info.latency.as_millis())),
    ])?;
    if let Some(features) = features {
        say("")?;
        let rows = features
            .iter()
            .map(|support| {
                vec![
                    support.feature.to_string(),
                    if support.supported { "yes" } else { "no" }.to_string(),
                    support.releases.to_string(),
                    support.description.to_string(),
                ]
            })
            .collect();
        print_table(&["FEATURE", "HERE", "RELEASES", "WHAT"], rows)?;
    }
    if let Some(version_note) = version_note {
        note(format!("note: {version_note}"));
    }
    Ok(())
}
