//! Sending what the outbox holds (docs/notifications.md), every few seconds. The domain
//! claims each batch under a lease, so every worker process may run it at once.

use std::time::Instant;

use apalis::prelude::*;
use domain::jobs::RunOutcome;
use serde::{Deserialize, Serialize};

use super::{JobContext, ScheduledJob, report};

/// The job kind (also its queue name).
pub const KIND: &str = "deliver_messages";

/// Messages sent per batch; a tick keeps going while batches come back full.
const BATCH: u64 = 200;
/// Batches per tick at most, so one tick cannot hold its worker for long.
const MAX_BATCHES: usize = 50;

/// Send the messages whose time has come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverMessages {
    /// The tick (for the logs; the outbox's state makes it idempotent).
    pub run_key: String,
}

impl ScheduledJob for DeliverMessages {
    const KIND: &'static str = KIND;
    fn for_key(run_key: String) -> Self {
        Self { run_key }
    }
}

/// The handler.
pub async fn handle(job: DeliverMessages, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let mut total = domain::notices::DeliveryRun::default();
    let mut result = Ok(());
    for _ in 0..MAX_BATCHES {
        match ctx.domain.deliver_messages(BATCH).await {
            Ok(run) => {
                let touched = run.sent + run.deferred + run.retrying + run.failed;
                total.sent += run.sent;
                total.deferred += run.deferred;
                total.retrying += run.retrying;
                total.failed += run.failed;
                if touched < BATCH {
                    break;
                }
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let outcome = result.map(|()| {
        if total.is_empty() {
            RunOutcome::AlreadyDone
        } else {
            RunOutcome::Done(format!(
                "{} sent, {} waiting for the contact window, {} to retry, {} failed",
                total.sent, total.deferred, total.retrying, total.failed
            ))
        }
    });
    report(&ctx, KIND, job.run_key, started, outcome)
}
