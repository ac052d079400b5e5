//! Reconciling partners' daily statements with our payments (docs/platforms.md).

use std::time::Instant;

use apalis::prelude::*;
use serde::{Deserialize, Serialize};

use super::{JobContext, ScheduledJob, report};

/// The job kind (also its queue name).
pub const KIND: &str = "reconcile_platforms";

/// Reconcile every active partner's missed days, once per `run_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcilePlatforms {
    /// The idempotency key.
    pub run_key: String,
}

impl ScheduledJob for ReconcilePlatforms {
    const KIND: &'static str = KIND;
    fn for_key(run_key: String) -> Self {
        Self { run_key }
    }
}

/// The handler.
pub async fn handle(job: ReconcilePlatforms, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = ctx.domain.reconcile_platforms(&job.run_key).await;
    report(&ctx, KIND, job.run_key, started, result)
}
