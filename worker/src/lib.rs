//! The worker: apalis jobs and cron schedules over a durable queue (apalis-sqlite for the
//! embedded default, apalis-redis in production). Each handler is a thin call into a
//! domain use case; the database, not the queue, decides whether work is already done.

pub mod debit_groups;
pub mod events;
pub mod jobs;
pub mod liveness;
pub mod queue;
mod queue_repair;
pub mod run;
pub mod schedules;
pub mod wake_every;

pub use events::{JobEvent, JobOutcome};
pub use liveness::{Liveness, LivenessProbe, WorkerIdentity};
pub use queue::{JobQueue, QueueError, QueueSettings};
pub use run::{WorkerDeps, run};
pub use schedules::{ScheduleError, ScheduleTexts, Schedules};
