//! Deleting identity records whose legal retention has ended.

use std::time::Instant;

use apalis::prelude::*;
use serde::{Deserialize, Serialize};

use super::{JobContext, ScheduledJob, report};

/// The job kind (also its queue name).
pub const KIND: &str = "purge_retained_identities";

/// Delete retained identity records past their retention, once per `run_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeRetainedIdentities {
    /// The idempotency key.
    pub run_key: String,
}

impl ScheduledJob for PurgeRetainedIdentities {
    const KIND: &'static str = KIND;
    fn for_key(run_key: String) -> Self {
        Self { run_key }
    }
}

/// The handler.
pub async fn handle(
    job: PurgeRetainedIdentities,
    ctx: Data<JobContext>,
) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = ctx
        .domain
        .purge_expired_retained_identities(&job.run_key)
        .await;
    report(&ctx, KIND, job.run_key, started, result)
}
