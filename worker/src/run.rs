//! Running the worker: one apalis worker per job kind on the configured queue, plus one per
//! schedule, under a monitor that stops them all on shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use apalis::layers::retry::RetryPolicy;
use apalis::prelude::*;
use apalis_cron::CronScheduler;
use domain::Domain;
use domain::ops::Metrics;
use tokio::sync::broadcast;

use crate::debit_groups::DebitGroups;
use crate::events::{JobEvent, JobReporter};
use crate::jobs::{
    JobContext, campaigns, close_of_business, debit, deliver_messages, escalate_tickets,
    expire_applications, follow_ups, open_plans, purge_retained_identities, purge_sessions,
    reconcile_platforms,
};
use crate::liveness::{Liveness, WorkerIdentity};
use crate::queue::JobQueue;
use crate::schedules::{self, Schedules};
use crate::wake_every::WakeEvery;

/// How often a failing job is retried before it is left for the next scheduled scan.
const RETRIES: usize = 3;

/// What the worker needs.
#[derive(Debug, Clone)]
pub struct WorkerDeps {
    /// The business.
    pub domain: Arc<Domain>,
    /// The queue.
    pub queue: JobQueue,
    /// The metrics registry.
    pub metrics: Arc<Metrics>,
    /// Where finished runs are announced.
    pub events: broadcast::Sender<JobEvent>,
    /// The cron schedules.
    pub schedules: Schedules,
    /// Where the job loops report whether they are alive (read by `/ready`).
    pub liveness: Liveness,
    /// How many jobs of one kind this process runs at once: the database pool's size.
    /// Unbounded, a burst (close of business queues one debit per installment due) was
    /// fetched whole into the process, and every job beyond the pool's connections waited
    /// for one until the pool's acquire timeout failed it: 100,000 debits made 2.4 GB of
    /// resident memory and tens of thousands of failed, retried runs. Bounded, the
    /// burst waits in the queue, where it is durable, and a job holds at most one
    /// connection at a time, so none waits long for one.
    pub job_concurrency: usize,
    /// Debits posted in one transaction at most (`FENQI_DEBIT_GROUP_SIZE`). The debit
    /// queue runs enough jobs at once to fill every group and gather the next ones.
    pub debit_group_size: usize,
}

/// Registers a queue worker for a job kind on whichever backend is configured.
/// Each process names its loops after its own identity, so any number of processes share
/// every queue.
macro_rules! register_job {
    ($monitor:expr, $deps:expr, $ctx:expr, $identity:expr, $kind:expr, $job:ty, $handler:path) => {{
        register_job!(
            $monitor,
            $deps,
            $ctx,
            $identity,
            $kind,
            $job,
            $handler,
            $deps.job_concurrency
        )
    }};
    ($monitor:expr, $deps:expr, $ctx:expr, $identity:expr, $kind:expr, $job:ty, $handler:path, $concurrency:expr) => {{
        let name = $deps.queue.queue_name($kind);
        let poll = $deps.queue.settings().poll_interval;
        let concurrency = ($concurrency).max(1);
        let ctx = $ctx.clone();
        let identity = $identity.clone();
        $deps.liveness.register(&name);
        match &$deps.queue {
            JobQueue::Sqlite { pool, .. } => {
                let storage = $deps.queue.sqlite_storage::<$job>(pool, &name);
                $monitor.register(move |restarts| {
                    WorkerBuilder::new(identity.worker_name(&name, restarts))
                        .backend(PollWith::new(storage.clone(), WakeEvery::new(poll)))
                        .concurrency(concurrency)
                        .retry(RetryPolicy::retries(RETRIES))
                        .data(ctx.clone())
                        .build($handler)
                })
            }
            JobQueue::Redis { conn, .. } => {
                let storage = $deps
                    .queue
                    .redis_storage_fetching::<$job>(conn, &name, concurrency);
                $monitor.register(move |restarts| {
                    WorkerBuilder::new(identity.worker_name(&name, restarts))
                        .backend(PollWith::new(storage.clone(), WakeEvery::new(poll)))
                        .concurrency(concurrency)
                        .retry(RetryPolicy::retries(RETRIES))
                        .data(ctx.clone())
                        .build($handler)
                })
            }
        }
    }};
}

/// Registers a cron schedule whose ticks enqueue the job `$job`.
macro_rules! register_schedule {
    ($monitor:expr, $deps:expr, $ctx:expr, $identity:expr, $schedule:expr, $job:ty) => {{
        let schedule = $schedule.clone();
        let ctx = $ctx.clone();
        let identity = $identity.clone();
        let name = $deps.queue.queue_name(&format!(
            "schedule:{}",
            <$job as crate::jobs::ScheduledJob>::KIND
        ));
        $deps.liveness.register(&name);
        $monitor.register(move |restarts| {
            WorkerBuilder::new(identity.worker_name(&name, restarts))
                .backend(CronScheduler::new(schedule.clone()))
                .data(ctx.clone())
                .build(schedules::enqueue_on_tick::<$job>)
        })
    }};
}

/// Runs every job worker and schedule until `shutdown` completes.
pub async fn run(
    deps: WorkerDeps,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), MonitorError> {
    let ctx = JobContext {
        domain: deps.domain.clone(),
        reporter: JobReporter::new(deps.metrics.clone(), deps.events.clone()),
        queue: deps.queue.clone(),
        debits: DebitGroups::start(deps.domain.clone(), deps.debit_group_size),
    };
    let identity = WorkerIdentity::for_this_process();
    let on_event = deps.liveness.clone();
    let on_failure = deps.liveness.clone();
    let mend = deps.queue.clone();
    let mut monitor = Monitor::new()
        .shutdown_timeout(Duration::from_secs(10))
        .on_event(move |worker, event| on_event.on_event(worker, event))
        .should_restart(move |worker, error| {
            // A fetch that failed on ids whose job data is gone would fail again on
            // them once they come back: drop them while the loop restarts.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let queue = mend.clone();
                let name = crate::liveness::label_of(worker.name()).to_owned();
                runtime.spawn(async move { queue.repair_all(&[name]).await });
            }
            on_failure.on_failure(worker.name(), &error.to_string(), Instant::now())
        });
    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        purge_sessions::KIND,
        purge_sessions::PurgeSessions,
        purge_sessions::handle
    );

    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        purge_retained_identities::KIND,
        purge_retained_identities::PurgeRetainedIdentities,
        purge_retained_identities::handle
    );

    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        expire_applications::KIND,
        expire_applications::ExpireApplications,
        expire_applications::handle
    );

    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        reconcile_platforms::KIND,
        reconcile_platforms::ReconcilePlatforms,
        reconcile_platforms::handle
    );

    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        open_plans::KIND,
        open_plans::OpenPlans,
        open_plans::handle
    );
    monitor = register_schedule!(
        monitor,
        deps,
        ctx,
        identity,
        deps.schedules.open_plans,
        open_plans::OpenPlans
    );
    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        close_of_business::KIND,
        close_of_business::CloseOfBusinessJob,
        close_of_business::handle
    );
    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        close_of_business::sweep::KIND,
        close_of_business::sweep::SweepDebits,
        close_of_business::sweep::handle
    );
    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        debit::KIND,
        debit::DebitJob,
        debit::handle,
        DebitGroups::concurrency(deps.debit_group_size, deps.job_concurrency)
    );
    monitor = register_schedule!(
        monitor,
        deps,
        ctx,
        identity,
        deps.schedules.close_of_business,
        close_of_business::CloseOfBusinessJob
    );
    monitor = register_schedule!(
        monitor,
        deps,
        ctx,
        identity,
        deps.schedules.sweep_debits,
        close_of_business::sweep::SweepDebits
    );
    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        deliver_messages::KIND,
        deliver_messages::DeliverMessages,
        deliver_messages::handle
    );
    monitor = register_schedule!(
        monitor,
        deps,
        ctx,
        identity,
        deps.schedules.deliver_messages,
        deliver_messages::DeliverMessages
    );
    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        escalate_tickets::KIND,
        escalate_tickets::EscalateTickets,
        escalate_tickets::handle
    );
    monitor = register_schedule!(
        monitor,
        deps,
        ctx,
        identity,
        deps.schedules.escalate_tickets,
        escalate_tickets::EscalateTickets
    );
    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        follow_ups::KIND,
        follow_ups::ScheduleFollowUps,
        follow_ups::handle
    );
    monitor = register_schedule!(
        monitor,
        deps,
        ctx,
        identity,
        deps.schedules.follow_ups,
        follow_ups::ScheduleFollowUps
    );
    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        campaigns::DISPATCH_KIND,
        campaigns::DispatchCampaigns,
        campaigns::dispatch
    );
    monitor = register_schedule!(
        monitor,
        deps,
        ctx,
        identity,
        deps.schedules.dispatch_campaigns,
        campaigns::DispatchCampaigns
    );
    monitor = register_job!(
        monitor,
        deps,
        ctx,
        identity,
        campaigns::BATCH_KIND,
        campaigns::CampaignBatchJob,
        campaigns::run_batch
    );
    monitor = register_schedule!(
        monitor,
        deps,
        ctx,
        identity,
        deps.schedules.reconcile_platforms,
        reconcile_platforms::ReconcilePlatforms
    );
    monitor = register_schedule!(
        monitor,
        deps,
        ctx,
        identity,
        deps.schedules.purge_sessions,
        purge_sessions::PurgeSessions
    );
    monitor = register_schedule!(
        monitor,
        deps,
        ctx,
        identity,
        deps.schedules.expire_applications,
        expire_applications::ExpireApplications
    );
    monitor = register_schedule!(
        monitor,
        deps,
        ctx,
        identity,
        deps.schedules.purge_retained_identities,
        purge_retained_identities::PurgeRetainedIdentities
    );

    // Ids left without their job data by an earlier loss are dropped before any loop
    // fetches them.
    let queues: Vec<String> = deps
        .liveness
        .snapshot()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    deps.queue.repair_all(&queues).await;
    tracing::info!(
        queue = deps.queue.backend_name(),
        worker = identity.as_str(),
        "worker started"
    );
    monitor
        .run_with_signal(async move {
            shutdown.await;
            Ok(())
        })
        .await
}
