//! Close of business (docs/repayment.md): on its schedule, the business day is closed and
//! one `DebitJob` queued per installment to collect. Running it again, after a crash or a
//! lost queue, queues only what is missing (the domain keeps which attempts exist).

use std::time::Instant;

use apalis::prelude::*;
use domain::jobs::RunOutcome;
use serde::{Deserialize, Serialize};

use super::{JobContext, ScheduledJob, report};

/// The job kind (also its queue name).
pub const KIND: &str = "close_of_business";

/// Close the current business day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseOfBusinessJob {
    /// The tick that asked for it (for the logs; the domain's state makes it idempotent).
    pub run_key: String,
}

impl ScheduledJob for CloseOfBusinessJob {
    const KIND: &'static str = KIND;
    fn for_key(run_key: String) -> Self {
        Self { run_key }
    }
}

/// The handler.
pub async fn handle(job: CloseOfBusinessJob, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let date = ctx.domain.business_date();
    // Each batch's debits are queued as soon as its attempts are committed.
    let queue = |batch: Vec<uuid::Uuid>| {
        let ctx = ctx.clone();
        async move { super::debit::queue_all(&ctx, &batch).await.map(|_| ()) }
    };
    let result = ctx
        .domain
        .close_of_business_each(date, queue)
        .await
        .map(|done| {
            RunOutcome::Done(format!(
                "{date}: {} overdue, {} delinquent plans, {} reminded, {} debits queued",
                done.newly_overdue,
                done.delinquent_plans,
                done.reminded,
                done.attempts.len()
            ))
        });
    report(&ctx, KIND, job.run_key, started, result)
}

/// Hands debits whose jobs were lost back to the queue (on its own schedule).
pub mod sweep {
    use super::*;

    /// The job kind.
    pub const KIND: &str = "sweep_debits";

    /// Queue again the debits that waited too long.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SweepDebits {
        /// The tick.
        pub run_key: String,
    }

    impl ScheduledJob for SweepDebits {
        const KIND: &'static str = KIND;
        fn for_key(run_key: String) -> Self {
            Self { run_key }
        }
    }

    /// The handler.
    pub async fn handle(job: SweepDebits, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
        let started = Instant::now();
        let result = match ctx.domain.stale_debits(10_000).await {
            Ok(ids) => super::super::debit::queue_all(&ctx, &ids)
                .await
                .map(|n| RunOutcome::Done(format!("{n} debits queued again"))),
            Err(e) => Err(e),
        };
        report(&ctx, KIND, job.run_key, started, result)
    }
}
