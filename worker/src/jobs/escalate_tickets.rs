//! Escalating tickets that missed their service level (stage 6): every minute by
//! default, on any number of workers; the ticket's `escalated_at` makes it once.

use std::time::Instant;

use apalis::prelude::*;
use domain::jobs::RunOutcome;
use serde::{Deserialize, Serialize};

use super::{JobContext, ScheduledJob, report};

/// The job kind (also its queue name).
pub const KIND: &str = "escalate_tickets";

/// Escalate what has missed a deadline by now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalateTickets {
    /// The tick (for the logs; the tickets' state makes it idempotent).
    pub run_key: String,
}

impl ScheduledJob for EscalateTickets {
    const KIND: &'static str = KIND;
    fn for_key(run_key: String) -> Self {
        Self { run_key }
    }
}

/// The handler.
pub async fn handle(job: EscalateTickets, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let outcome = ctx.domain.escalate_tickets().await.map(|n| {
        if n == 0 {
            RunOutcome::AlreadyDone
        } else {
            RunOutcome::Done(format!("{n} ticket(s) escalated"))
        }
    });
    report(&ctx, KIND, job.run_key, started, outcome)
}
