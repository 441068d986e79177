//! DHIS2's `FILE_RESOURCE_CLEANUP` job (dhis2-api.md §4.7, §13.7), run daily at 02:00 server
//! time by the emulator's [`Clock`](super::clock::Clock): checked on every request and whenever
//! a test moves the clock, it runs once for the latest 02:00 passed since it last looked.
//!
//! What it deletes depends on the release ([`Change::UnassignedFileCleanup`]):
//!
//! | release | deleted |
//! |---|---|
//! | 2.38 – 2.41.6, 2.42.0 – 2.42.3 | unassigned file resources created more than 2 hours before whose content was never stored; a stored orphan stays for ever |
//! | 2.41.7+, 2.42.4+, 2.43+ | unassigned `DOCUMENT`, `ICON`, `ORG_UNIT` and `USER_AVATAR` file resources last updated more than 2 days before, and unassigned `JOB_DATA` ones (the emulator has no job they could belong to); `DATA_VALUE` and `MESSAGE_ATTACHMENT` stay |
//!
//! A delete that something still needs is vetoed: a document pointing at a file resource that
//! reads unassigned (a seed can make one) keeps it, and the job sets it back to assigned.
//! A deleted file resource is gone for every request after it: a document created on it then
//! meets E4015, as on a real server.

use chrono::{Duration, NaiveDateTime, NaiveTime};

use super::model::Domain;
use super::state::AppState;
use super::version::Change;

/// `UNASSIGNED_GRACE_PERIOD` of the job from 2.41.7/2.42.4.
const GRACE_PERIOD: Duration = Duration::days(2);
/// How old a never-stored upload must be before the older job removes it.
const NEVER_STORED_AGE: Duration = Duration::hours(2);

/// The latest daily run (02:00) in `(after, until]`, if there is one.
fn latest_run(after: NaiveDateTime, until: NaiveDateTime) -> Option<NaiveDateTime> {
    let run_time = NaiveTime::from_hms_opt(2, 0, 0)?;
    let mut run = until.date().and_time(run_time);
    if run > until {
        run -= Duration::days(1);
    }
    (run > after).then_some(run)
}

/// Runs the job if a 02:00 has passed since the last look; what it deleted.
pub fn run_if_due(state: &AppState) -> Vec<String> {
    let now = state.now();
    let due = {
        let mut looked = state
            .cleanup_looked_at
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let due = latest_run(*looked, now);
        *looked = now;
        due
    };
    match due {
        Some(at) => run_at(state, at),
        None => Vec::new(),
    }
}

/// One run of the job as of `at`; the uids of the file resources it deleted.
pub fn run_at(state: &AppState, at: NaiveDateTime) -> Vec<String> {
    let version = state.version;
    let mut db = state.db();
    let linked: Vec<String> = db
        .documents
        .values()
        .filter_map(|document| document.file_resource.clone())
        .collect();
    let due: Vec<String> = db
        .file_resources
        .values()
        .filter(|fr| !fr.assigned)
        .filter(|fr| {
            if version.has(Change::UnassignedFileCleanup) {
                match fr.domain {
                    Domain::Document | Domain::Icon | Domain::OrgUnit | Domain::UserAvatar => {
                        fr.last_updated < at - GRACE_PERIOD
                    }
                    Domain::JobData => true,
                    _ => false,
                }
            } else {
                !fr.is_stored() && fr.created < at - NEVER_STORED_AGE
            }
        })
        .map(|fr| fr.id.clone())
        .collect();
    let mut deleted = Vec::new();
    for uid in due {
        if linked.contains(&uid) {
            if let Some(fr) = db.file_resources.get_mut(&uid) {
                fr.assigned = true;
            }
            continue;
        }
        if let Some(fr) = db.file_resources.remove(&uid) {
            // The store's copy goes with the row; a blob already gone is no error.
            let _ = std::fs::remove_file(&fr.blob);
            deleted.push(uid);
        }
    }
    if !deleted.is_empty() {
        tracing::debug!("emulator: file resource cleanup deleted {deleted:?}");
    }
    deleted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("date")
    }

    #[test]
    fn runs_at_the_latest_two_oclock_passed() {
        assert_eq!(
            latest_run(at("2030-01-01 01:00"), at("2030-01-01 03:00")),
            Some(at("2030-01-01 02:00"))
        );
        assert_eq!(
            latest_run(at("2030-01-01 02:30"), at("2030-01-01 23:00")),
            None
        );
        assert_eq!(
            latest_run(at("2030-01-01 02:30"), at("2030-01-05 01:00")),
            Some(at("2030-01-04 02:00"))
        );
        assert_eq!(
            latest_run(at("2030-01-01 01:00"), at("2030-01-01 02:00")),
            Some(at("2030-01-01 02:00"))
        );
    }
}
