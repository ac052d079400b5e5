//! The session purge: deletes sessions that can no longer be used, so the table stays
//! small and no dead token hash lingers.

use crate::db::begin_write;
use crate::error::DomainResult;
use crate::service::Domain;

use super::ledger::{self, RunOutcome};

/// The ledger kind of the purge.
pub const PURGE_SESSIONS: &str = "purge_sessions";

impl Domain {
    /// Purges finished sessions once for `run_key` (the schedule tick that asked for it).
    pub async fn purge_finished_sessions(&self, run_key: &str) -> DomainResult<RunOutcome> {
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        if !ledger::claim(&txn, PURGE_SESSIONS, run_key, now).await? {
            txn.rollback().await?;
            return Ok(RunOutcome::AlreadyDone);
        }
        let deleted = self.delete_finished_sessions(&txn, now).await?;
        let detail = format!("deleted {deleted} finished session(s)");
        ledger::finish(&txn, PURGE_SESSIONS, run_key, now, &detail).await?;
        txn.commit().await?;
        tracing::info!(run_key, deleted, "session purge done");
        Ok(RunOutcome::Done(detail))
    }
}
