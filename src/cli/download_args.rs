//! What the two download commands share: where OUT points, and the `--force` hint.
use std::path::PathBuf;

use crate::api::DownloadTarget;

/// OUT as the user gave it: an existing directory means "inside it"; nothing means here.
pub async fn download_target(out: Option<PathBuf>) -> DownloadTarget {
    DownloadTarget::from_user_path(out.unwrap_or_else(|| PathBuf::from("."))).await
}

/// An existing target is the one refusal `--force` answers: say so.
pub fn suggest_force(error: crate::api::Error) -> anyhow::Error {
    match error {
        crate::api::Error::TargetExists(_) => {
            anyhow::anyhow!("{error} (use --force to overwrite)")
        }
        other => other.into(),
    }
}
