//! The ids that tie answers to what asked for them, shared by effects, messages and state.

/// Identifies a request so a late answer to an outdated one can be dropped.
pub type ReqId = u64;
/// Identifies a transfer; a restarted one gets a new id, so the old run's messages are dropped.
pub type TransferId = u64;
/// Identifies a batch (a plan applied by the runner); a retry is a new batch.
pub type BatchId = u64;
