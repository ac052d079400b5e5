//! Purging finished sessions.

use std::time::Instant;

use apalis::prelude::*;
use domain::jobs::RunOutcome;
use serde::{Deserialize, Serialize};

use crate::events::{JobEvent, JobOutcome};

use super::JobContext;

/// The job kind (also its queue name).
pub const KIND: &str = "purge_sessions";

/// Purge the sessions that can no longer be used. `run_key` makes it idempotent: the
/// schedule tick's time, or any unique string for a manual run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeSessions {
    /// The idempotency key.
    pub run_key: String,
}

/// The handler.
pub async fn handle(job: PurgeSessions, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = ctx.domain.purge_finished_sessions(&job.run_key).await;
    let outcome = match &result {
        Ok(RunOutcome::Done(detail)) => JobOutcome::Done(detail.clone()),
        Ok(RunOutcome::AlreadyDone) => JobOutcome::AlreadyDone,
        Err(e) => JobOutcome::Failed(e.to_string()),
    };
    ctx.reporter.report(
        JobEvent {
            kind: KIND,
            run_key: job.run_key,
            outcome,
        },
        started,
    );
    result.map(|_| ()).map_err(Into::into)
}
