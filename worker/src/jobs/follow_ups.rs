//! The daily follow-up rules (stage 6): on any number of workers; each follow-up's key
//! makes it once.

use std::time::Instant;

use apalis::prelude::*;
use domain::jobs::RunOutcome;
use serde::{Deserialize, Serialize};

use super::{JobContext, ScheduledJob, report};

/// The job kind (also its queue name).
pub const KIND: &str = "follow_ups";

/// Make the follow-ups due by the business day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleFollowUps {
    /// The tick (for the logs; the tasks' keys make it idempotent).
    pub run_key: String,
}

impl ScheduledJob for ScheduleFollowUps {
    const KIND: &'static str = KIND;
    fn for_key(run_key: String) -> Self {
        Self { run_key }
    }
}

/// The handler.
pub async fn handle(job: ScheduleFollowUps, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let today = ctx.domain.business_date();
    let outcome = ctx.domain.schedule_follow_ups(today).await.map(|n| {
        if n == 0 {
            RunOutcome::AlreadyDone
        } else {
            RunOutcome::Done(format!("{n} follow-up(s) scheduled"))
        }
    });
    report(&ctx, KIND, job.run_key, started, outcome)
}
