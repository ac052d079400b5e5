//! Retrying the opening of signed plans whose platform did not open them (docs/agreements.md).

use std::time::Instant;

use apalis::prelude::*;
use serde::{Deserialize, Serialize};

use super::{JobContext, ScheduledJob, report};

/// The job kind (also its queue name).
pub const KIND: &str = "open_plans";

/// Open every signed plan still waiting, once per `run_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenPlans {
    /// The idempotency key.
    pub run_key: String,
}

impl ScheduledJob for OpenPlans {
    const KIND: &'static str = KIND;
    fn for_key(run_key: String) -> Self {
        Self { run_key }
    }
}

/// The handler.
pub async fn handle(job: OpenPlans, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = ctx.domain.open_signed_plans(&job.run_key).await;
    report(&ctx, KIND, job.run_key, started, result)
}
