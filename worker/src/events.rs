//! What jobs did, told to metrics, logs and anyone listening (tests wait on these instead
//! of sleeping).

use std::sync::Arc;
use std::time::Instant;

use domain::ops::Metrics;
use tokio::sync::broadcast;

/// How a job run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// It did its work.
    Done(String),
    /// Its key had already run; nothing was done.
    AlreadyDone,
    /// It failed; the queue may retry it.
    Failed(String),
}

impl JobOutcome {
    /// The metric label.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Done(_) => "done",
            Self::AlreadyDone => "skipped",
            Self::Failed(_) => "failed",
        }
    }
}

/// One finished job run.
#[derive(Debug, Clone)]
pub struct JobEvent {
    /// The job kind.
    pub kind: &'static str,
    /// The run key.
    pub run_key: String,
    /// How it ended.
    pub outcome: JobOutcome,
}

/// Records job runs in metrics and broadcasts them.
#[derive(Debug, Clone)]
pub struct JobReporter {
    metrics: Arc<Metrics>,
    events: broadcast::Sender<JobEvent>,
}

impl JobReporter {
    /// A reporter over `metrics` that broadcasts on `events`.
    pub fn new(metrics: Arc<Metrics>, events: broadcast::Sender<JobEvent>) -> Self {
        Self { metrics, events }
    }

    /// Records one run that started at `started`.
    pub fn report(&self, event: JobEvent, started: Instant) {
        let outcome = event.outcome.label();
        self.metrics.increment(
            "fenqi_jobs_total",
            "Job runs by kind and outcome.",
            &[("kind", event.kind), ("outcome", outcome)],
        );
        self.metrics.observe(
            "fenqi_job_duration_seconds",
            "Job run duration by kind.",
            &[("kind", event.kind)],
            started.elapsed().as_secs_f64(),
        );
        match &event.outcome {
            JobOutcome::Failed(error) => {
                tracing::warn!(kind = event.kind, run_key = %event.run_key, %error, "job failed");
            }
            other => {
                tracing::debug!(kind = event.kind, run_key = %event.run_key, outcome = ?other, "job finished");
            }
        }
        // Nobody listening is normal outside tests.
        let _ = self.events.send(event);
    }
}
