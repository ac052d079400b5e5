//! Purging finished sessions.

use std::time::Instant;

use apalis::prelude::*;
use serde::{Deserialize, Serialize};

use super::{JobContext, ScheduledJob, report};

/// The job kind (also its queue name).
pub const KIND: &str = "purge_sessions";

/// Purge the sessions that can no longer be used. `run_key` makes it idempotent: the
/// schedule tick's time, or any unique string for a manual run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeSessions {
    /// The idempotency key.
    pub run_key: String,
}

impl ScheduledJob for PurgeSessions {
    const KIND: &'static str = KIND;
    fn for_key(run_key: String) -> Self {
        Self { run_key }
    }
}

/// The handler.
pub async fn handle(job: PurgeSessions, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = ctx.domain.purge_finished_sessions(&job.run_key).await;
    report(&ctx, KIND, job.run_key, started, result)
}
