//! Expiring idle applications: an application that has not moved for
//! `DomainSettings::application_idle_limit` (30 days) before its plan opened ends as
//! `EXPIRED`, by a scheduled job. Each run is keyed (the schedule tick's time), so several
//! workers and retries expire each application once; each expiry is a step of the state
//! machine like any other, recorded and audited, taken by `system`.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use entities::installment_application;

use crate::auth::Caller;
use crate::clock::to_millis;
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::jobs::ledger::{self, RunOutcome};
use crate::service::Domain;

use super::lifecycle::{Step, all_statuses, is_open};
use super::steps;

/// The ledger kind of the expiry run.
pub const EXPIRE_APPLICATIONS: &str = "expire_applications";

/// Applications expired per statement batch.
const BATCH: u64 = 500;

impl Domain {
    /// Expires every open application idle past the limit, once for `run_key`.
    pub async fn expire_idle_applications(&self, run_key: &str) -> DomainResult<RunOutcome> {
        let now = self.now();
        let idle_since = now - self.settings().application_idle_limit;
        let open: Vec<_> = all_statuses().filter(|s| is_open(*s)).collect();
        let caller = Caller::system(format!("{EXPIRE_APPLICATIONS}:{run_key}"));
        let reason = format!(
            "no change for {} days",
            self.settings().application_idle_limit.num_days()
        );
        let txn = begin_write(self.db()).await?;
        if !ledger::claim(&txn, EXPIRE_APPLICATIONS, run_key, now).await? {
            txn.rollback().await?;
            return Ok(RunOutcome::AlreadyDone);
        }
        let mut expired = 0u64;
        loop {
            let idle = installment_application::Entity::find()
                .filter(installment_application::Column::Status.is_in(open.clone()))
                .filter(installment_application::Column::UpdatedAt.lte(to_millis(idle_since)))
                .order_by_asc(installment_application::Column::Id)
                .limit(BATCH)
                .all(&txn)
                .await?;
            if idle.is_empty() {
                break;
            }
            let mut changed = 0usize;
            for application in &idle {
                let expiry = steps::take(
                    &txn,
                    application,
                    Step::Expire,
                    &caller,
                    &reason,
                    now,
                    |u| u,
                )
                .await;
                match expiry {
                    Ok(_) => expired += 1,
                    // Changed (cancelled, moved on) between the read and the update: it is
                    // not idle any more; a later run looks at it again.
                    Err(DomainError::Conflict(_)) => changed += 1,
                    Err(e) => return Err(e),
                }
            }
            if changed == idle.len() {
                break;
            }
        }
        let detail = format!("expired {expired} idle application(s)");
        ledger::finish(&txn, EXPIRE_APPLICATIONS, run_key, now, &detail).await?;
        txn.commit().await?;
        tracing::info!(run_key, expired, "application expiry done");
        Ok(RunOutcome::Done(detail))
    }
}
