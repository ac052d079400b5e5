//! The end of retention: identity records kept after anonymization (ten years after the
//! relationship ended, as the Anti-Money-Laundering Law requires) are deleted once that
//! time has passed, so the bank keeps them no longer than the law makes it.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use entities::retained_identity;

use serde_json::json;

use crate::audit::{AuditRecord, chain};
use crate::auth::Caller;
use crate::clock::to_millis;
use crate::db::begin_write;
use crate::error::DomainResult;
use crate::service::Domain;

use super::ledger::{self, RunOutcome};

/// The ledger kind of the purge.
pub const PURGE_RETAINED_IDENTITIES: &str = "purge_retained_identities";

impl Domain {
    /// Deletes retained identity records whose retention has ended, once for `run_key`.
    pub async fn purge_expired_retained_identities(
        &self,
        run_key: &str,
    ) -> DomainResult<RunOutcome> {
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        if !ledger::claim(&txn, PURGE_RETAINED_IDENTITIES, run_key, now).await? {
            txn.rollback().await?;
            return Ok(RunOutcome::AlreadyDone);
        }
        let deleted = retained_identity::Entity::delete_many()
            .filter(retained_identity::Column::RetainUntil.lte(to_millis(now)))
            .exec(&txn)
            .await?
            .rows_affected;
        let detail = format!("deleted {deleted} retained identity record(s) past their retention");
        if deleted > 0 {
            chain::append(
                &txn,
                now,
                &Caller::system(format!("{PURGE_RETAINED_IDENTITIES}:{run_key}")),
                AuditRecord::new("retention.purge", "retained_identity", None)
                    .after(json!({ "deleted": deleted, "runKey": run_key })),
            )
            .await?;
        }
        ledger::finish(&txn, PURGE_RETAINED_IDENTITIES, run_key, now, &detail).await?;
        txn.commit().await?;
        tracing::info!(run_key, deleted, "retention purge done");
        Ok(RunOutcome::Done(detail))
    }
}
