//! The platform assembled from its settings: database, keys, queue, metrics, and the two
//! transports. `fenqi run` starts both in one process; `serve` and `work` start one each.

use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use adapters::broadcast::{Broadcast, MemoryBroadcast, RedisBroadcast};
use adapters::credit_bureau::CreditBureau;
use adapters::credit_bureau::http::{HttpBureauConfig, HttpCreditBureau};
use adapters::credit_bureau::internal::InternalCreditBureau;
use adapters::notifier::{Notifiers, SmsGateway, SmtpNotifier};
use adapters::rate_limit::{MemoryRateCounter, RateCounter, RedisRateCounter};
use api::{ApiState, ServerError};
use domain::clock::Clock;
use domain::ops::probe::{DatabaseProbe, ProbeError};
use domain::ops::{HealthProbe, Metrics};
use domain::{Domain, DomainError, Ports};
use migration::{Migrator, MigratorTrait};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use worker::{
    JobEvent, JobQueue, Liveness, LivenessProbe, QueueError, QueueSettings, Schedules, WorkerDeps,
};

use crate::config::{ConfigError, Settings};
use crate::keys;

/// Why the platform could not start.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// A setting is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database did not answer.
    #[error("FENQI_DATABASE_URL: cannot connect to the database: {0}")]
    Database(sea_orm::DbErr),
    /// Migrations failed.
    #[error("the database schema could not be migrated: {0}")]
    Migration(sea_orm::DbErr),
    /// The queue could not be used.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The HTTP server could not start.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// A use case failed during start-up.
    #[error("start-up failed: {0}")]
    Domain(#[from] DomainError),
}

/// The queue as a readiness probe.
#[derive(Debug, Clone)]
struct QueueProbe(JobQueue);

#[async_trait::async_trait]
impl HealthProbe for QueueProbe {
    fn name(&self) -> &'static str {
        "queue"
    }

    async fn check(&self) -> Result<(), ProbeError> {
        self.0.ping().await.map_err(|e| ProbeError(e.to_string()))
    }
}

/// A connected platform.
#[derive(Debug, Clone)]
pub struct Platform {
    settings: Settings,
    domain: Arc<Domain>,
    queue: JobQueue,
    metrics: Arc<Metrics>,
    events: broadcast::Sender<JobEvent>,
    liveness: Liveness,
}

/// Connects to the database only: enough for `migrate`, `create-staff` and `seed-demo`,
/// which must work before the queue exists. A database that cannot be opened is reported
/// as a `FENQI_DATABASE_URL` error that says why (a missing folder, a refused connection)
/// without the URL's password; the folder is checked before the key file is made.
pub async fn connect_domain(
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> Result<Arc<Domain>, LaunchError> {
    keys::require_sqlite_folder(&settings.database_url)?;
    let keys = Arc::new(keys::resolve(settings)?);
    let db = domain::db::connect(&settings.database_url, settings.db_max_connections)
        .await
        .map_err(|e| ConfigError {
            setting: "FENQI_DATABASE_URL",
            message: e.to_string(),
        })?;
    let bureau: Arc<dyn CreditBureau> = match &settings.credit_bureau {
        Some(b) => Arc::new(
            HttpCreditBureau::new(HttpBureauConfig {
                base_url: b.url.clone(),
                client_id: b.client_id.clone(),
                secret: b.secret.clone(),
                timeout: b.timeout,
                name: "bureau".into(),
            })
            .map_err(|e| ConfigError {
                setting: "FENQI_CREDIT_BUREAU_URL",
                message: e.to_string(),
            })?,
        ),
        None => {
            let clock = clock.clone();
            Arc::new(InternalCreditBureau::new(
                db.clone(),
                Arc::new(move || clock.now()),
            ))
        }
    };
    let ports = Ports {
        db,
        clock,
        keys,
        bureau,
        rate_counter: rate_counter(settings)?,
        broadcast: broadcast(settings)?,
        plan_channel: plan_channel(settings)?,
        notifiers: notifiers(settings)?,
    };
    Ok(Arc::new(Domain::new(ports, settings.domain.clone())))
}

/// How messages leave: e-mail through `FENQI_SMTP_URL`, texts through `FENQI_SMS_URL`;
/// either unset keeps its channel's messages in the outbox (the embedded demo reads them
/// there).
fn notifiers(settings: &Settings) -> Result<Notifiers, LaunchError> {
    let n = &settings.notifications;
    let mut notifiers = Notifiers::local();
    if let Some(url) = &n.smtp_url {
        notifiers.email = Arc::new(
            SmtpNotifier::new(url.expose(), &n.smtp_from)
                .map_err(|e| ConfigError::new("FENQI_SMTP_URL", e.to_string()))?,
        );
    }
    if let Some(url) = &n.sms_url {
        notifiers.sms = Arc::new(
            SmsGateway::new(url.expose()).map_err(|e| ConfigError::new("FENQI_SMS_URL", e))?,
        );
    }
    Ok(notifiers)
}

/// How API processes tell each other of ended sessions: Redis publish/subscribe when the
/// queue is Redis (a fleet), else this process alone (the embedded default).
fn broadcast(settings: &Settings) -> Result<Arc<dyn Broadcast>, LaunchError> {
    if settings.queue_url.starts_with("redis") {
        let channel =
            RedisBroadcast::new(&settings.queue_url, &settings.queue_namespace, "sessions")
                .map_err(|e| ConfigError {
                    setting: "FENQI_QUEUE_URL",
                    message: e.to_string(),
                })?;
        Ok(Arc::new(channel))
    } else {
        if settings.domain.session_cache_ttl > chrono::Duration::zero() {
            tracing::warn!(
                seconds = settings.domain.session_cache_ttl.num_seconds(),
                "FENQI_SESSION_CACHE_SECONDS is set without Redis: only this process hears of a logout, so run a single API process on this database"
            );
        }
        Ok(Arc::new(MemoryBroadcast::new()))
    }
}

/// How every process tells the API processes that a plan changed (for `planUpdated`):
/// Redis publish/subscribe with a Redis queue, else this process alone.
fn plan_channel(settings: &Settings) -> Result<Arc<dyn Broadcast>, LaunchError> {
    if settings.queue_url.starts_with("redis") {
        let channel = RedisBroadcast::new(&settings.queue_url, &settings.queue_namespace, "plans")
            .map_err(|e| ConfigError {
                setting: "FENQI_QUEUE_URL",
                message: e.to_string(),
            })?;
        Ok(Arc::new(channel))
    } else {
        Ok(Arc::new(MemoryBroadcast::new()))
    }
}

/// Where rate limits are counted: in the queue's Redis when there is one, so that every
/// API process shares one count; else in this process's memory (the embedded default is
/// one process).
fn rate_counter(settings: &Settings) -> Result<Arc<dyn RateCounter>, LaunchError> {
    if settings.queue_url.starts_with("redis") {
        let counter = RedisRateCounter::new(&settings.queue_url, &settings.queue_namespace)
            .map_err(|e| ConfigError {
                setting: "FENQI_QUEUE_URL",
                message: e.to_string(),
            })?;
        Ok(Arc::new(counter))
    } else {
        Ok(Arc::new(MemoryRateCounter::new()))
    }
}

/// Refuses to go on when migrations are pending: `serve` and `work` never migrate
/// (production runs `fenqi migrate` once, before both), so an old schema must stop them
/// with a clear message instead of failing on the first query.
pub async fn require_current_schema(domain: &Domain) -> Result<(), LaunchError> {
    let pending = Migrator::get_pending_migrations(domain.db())
        .await
        .map_err(LaunchError::Migration)?;
    if pending.is_empty() {
        Ok(())
    } else {
        Err(LaunchError::Config(ConfigError {
            setting: "FENQI_DATABASE_URL",
            message: format!(
                "the database schema is {} migration(s) behind; run `fenqi migrate` first",
                pending.len()
            ),
        }))
    }
}

/// Brings the schema of `domain`'s database up to date and makes the data every
/// installation starts with (the default risk policy).
pub async fn migrate(domain: &Domain) -> Result<(), LaunchError> {
    Migrator::up(domain.db(), None)
        .await
        .map_err(LaunchError::Migration)?;
    domain.ensure_default_risk_policy().await?;
    domain.ensure_internal_platform().await?;
    Ok(())
}

impl Platform {
    /// Connects to the database and the queue named in `settings`, with `clock` as the
    /// source of time.
    pub async fn connect(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, LaunchError> {
        let domain = connect_domain(&settings, clock).await?;
        let queue = JobQueue::connect(QueueSettings {
            url: settings.queue_url.clone(),
            namespace: settings.queue_namespace.clone(),
            poll_interval: settings.queue_poll_interval,
        })
        .await?;
        let (events, _) = broadcast::channel(256);
        Ok(Self {
            settings,
            domain,
            queue,
            metrics: Arc::new(Metrics::new()),
            events,
            liveness: Liveness::new(),
        })
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> Result<(), LaunchError> {
        migrate(&self.domain).await
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The business.
    pub fn domain(&self) -> &Arc<Domain> {
        &self.domain
    }

    /// The queue.
    pub fn queue(&self) -> &JobQueue {
        &self.queue
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Whether this process's job loops are alive.
    pub fn liveness(&self) -> &Liveness {
        &self.liveness
    }

    /// Announcements of finished job runs.
    pub fn job_events(&self) -> broadcast::Receiver<JobEvent> {
        self.events.subscribe()
    }

    fn api_state(&self) -> ApiState {
        let mut probes: Vec<Arc<dyn HealthProbe>> = vec![
            Arc::new(DatabaseProbe(self.domain.db().clone())),
            Arc::new(QueueProbe(self.queue.clone())),
        ];
        // A process that runs the worker is ready only while its job loops are alive.
        if self.liveness.has_loops() {
            probes.push(Arc::new(LivenessProbe(self.liveness.clone())));
        }
        ApiState::new(
            self.domain.clone(),
            self.metrics.clone(),
            probes,
            self.settings.api_limits,
        )
        .with_trusted_proxies(self.settings.trusted_proxies.clone())
        .with_statement_header(self.settings.sql_statements_header)
    }

    /// The API server on `listener` (not yet running: spawn or await it).
    pub fn api_server(&self, listener: std::net::TcpListener) -> Result<Server, LaunchError> {
        self.domain.keep_sessions();
        Ok(api::serve(
            self.api_state(),
            listener,
            self.settings.http_workers,
        )?)
    }

    /// Only the ops endpoints, for a worker-only process.
    pub fn ops_server(&self, listener: std::net::TcpListener) -> Result<Server, LaunchError> {
        Ok(api::ops_app(self.api_state(), listener)?)
    }

    /// Starts the worker in the background; it stops when `stop` turns true.
    pub fn spawn_worker(
        &self,
        mut stop: watch::Receiver<bool>,
    ) -> Result<JoinHandle<()>, LaunchError> {
        let schedules = Schedules::parse(worker::ScheduleTexts {
            purge_sessions: &self.settings.purge_sessions_schedule,
            purge_retained_identities: &self.settings.purge_retained_schedule,
            expire_applications: &self.settings.expire_applications_schedule,
            reconcile_platforms: &self.settings.reconcile_schedule,
            open_plans: &self.settings.plan_opening_schedule,
            close_of_business: &self.settings.cob_schedule,
            sweep_debits: &self.settings.debit_sweep_schedule,
            deliver_messages: &self.settings.notifications.delivery_schedule,
            escalate_tickets: &self.settings.ticket_escalation_schedule,
            follow_ups: &self.settings.follow_up_schedule,
            dispatch_campaigns: &self.settings.campaign_dispatch_schedule,
        })
        .map_err(|e| ConfigError {
            setting: e.setting,
            message: e.reason,
        })?;
        let deps = WorkerDeps {
            domain: self.domain.clone(),
            queue: self.queue.clone(),
            metrics: self.metrics.clone(),
            events: self.events.clone(),
            schedules,
            liveness: self.liveness.clone(),
            job_concurrency: self.settings.db_max_connections as usize,
            debit_group_size: self.settings.debit_group_size,
        };
        self.liveness.expect_loops();
        Ok(tokio::spawn(async move {
            let shutdown = async move {
                while !*stop.borrow() {
                    if stop.changed().await.is_err() {
                        break;
                    }
                }
            };
            if let Err(e) = worker::run(deps, shutdown).await {
                tracing::error!(error = %e, "worker stopped with an error");
            }
        }))
    }
}

/// Stops a running server and the worker on Ctrl-C or SIGTERM.
pub async fn wait_for_shutdown(server: Option<ServerHandle>, stop_worker: watch::Sender<bool>) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
    let _ = stop_worker.send(true);
    if let Some(server) = server {
        server.stop(true).await;
    }
}
