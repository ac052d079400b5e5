//! Expiring applications that have been idle too long.

use std::time::Instant;

use apalis::prelude::*;
use serde::{Deserialize, Serialize};

use super::{JobContext, ScheduledJob, report};

/// The job kind (also its queue name).
pub const KIND: &str = "expire_applications";

/// Expire idle open applications, once per `run_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireApplications {
    /// The idempotency key.
    pub run_key: String,
}

impl ScheduledJob for ExpireApplications {
    const KIND: &'static str = KIND;
    fn for_key(run_key: String) -> Self {
        Self { run_key }
    }
}

/// The handler.
pub async fn handle(job: ExpireApplications, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = ctx.domain.expire_idle_applications(&job.run_key).await;
    report(&ctx, KIND, job.run_key, started, result)
}
