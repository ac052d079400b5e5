//! The job kinds. Each is a serializable payload and a handler that calls one domain use
//! case and reports the outcome.

pub mod campaigns;
pub mod close_of_business;
pub mod debit;
pub mod deliver_messages;
pub mod escalate_tickets;
pub mod expire_applications;
pub mod follow_ups;
pub mod open_plans;
pub mod purge_retained_identities;
pub mod purge_sessions;
pub mod reconcile_platforms;

use std::sync::Arc;
use std::time::Instant;

use apalis::prelude::BoxDynError;
use domain::jobs::RunOutcome;
use domain::{Domain, DomainResult};

use crate::debit_groups::DebitGroups;
use crate::events::{JobEvent, JobOutcome, JobReporter};
use crate::queue::JobQueue;

/// What every handler may use.
#[derive(Debug, Clone)]
pub struct JobContext {
    /// The business.
    pub domain: Arc<Domain>,
    /// Metrics and events.
    pub reporter: JobReporter,
    /// The queue, for schedules that enqueue work.
    pub queue: JobQueue,
    /// Where debit jobs are grouped into shared transactions.
    pub debits: DebitGroups,
}

/// A job that a schedule enqueues, keyed by the tick's time.
pub trait ScheduledJob:
    serde::Serialize + serde::de::DeserializeOwned + Send + Sync + Unpin + 'static
{
    /// The job kind (also its queue name).
    const KIND: &'static str;
    /// The job for one run key.
    fn for_key(run_key: String) -> Self;
}

/// Reports how a run ended and hands the result back to apalis (an error lets it retry).
pub(crate) fn report(
    ctx: &JobContext,
    kind: &'static str,
    run_key: String,
    started: Instant,
    result: DomainResult<RunOutcome>,
) -> Result<(), BoxDynError> {
    let outcome = match &result {
        Ok(RunOutcome::Done(detail)) => JobOutcome::Done(detail.clone()),
        Ok(RunOutcome::AlreadyDone) => JobOutcome::AlreadyDone,
        Err(e) => JobOutcome::Failed(e.to_string()),
    };
    ctx.reporter.report(
        JobEvent {
            kind,
            run_key,
            outcome,
        },
        started,
    );
    result.map(|_| ()).map_err(Into::into)
}
