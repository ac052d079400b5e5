//! The job kinds. Each is a serializable payload and a handler that calls one domain use
//! case and reports the outcome.

pub mod purge_sessions;

use std::sync::Arc;

use domain::Domain;

use crate::events::JobReporter;
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
}
