//! `DebitJob`: one automatic debit attempt (docs/repayment.md). The attempt's key makes it
//! idempotent: a second delivery, or a retry after a crash, moves no money twice. The
//! debits that run at the same time share a transaction (`crate::debit_groups`).

use std::time::Instant;

use apalis::prelude::*;
use domain::DomainResult;
use domain::jobs::RunOutcome;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{JobContext, report};

/// The job kind (also its queue name).
pub const KIND: &str = "debit";

/// Collect one installment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebitJob {
    /// The debit attempt (kept in the database).
    pub attempt_id: Uuid,
}

/// Queues one job per attempt; answers how many were queued.
pub(crate) async fn queue_all(ctx: &JobContext, attempts: &[Uuid]) -> DomainResult<usize> {
    let jobs: Vec<DebitJob> = attempts
        .iter()
        .map(|attempt_id| DebitJob {
            attempt_id: *attempt_id,
        })
        .collect();
    ctx.queue
        .push_many(KIND, jobs)
        .await
        .map_err(|e| domain::DomainError::Unavailable(e.to_string()))?;
    Ok(attempts.len())
}

/// The handler.
pub async fn handle(job: DebitJob, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = ctx
        .debits
        .run(job.attempt_id)
        .await
        .map(|outcome| RunOutcome::Done(format!("{outcome:?}")));
    report(&ctx, KIND, job.attempt_id.to_string(), started, result)
}
