//! The durable queue, chosen by URL at start-up: `sqlite://…` or `redis://…`. Nothing else
//! in the worker knows which one runs.

use std::time::Duration;

use apalis::prelude::*;
use apalis_redis::{ConnectionManager, RedisStorage};
use apalis_sqlite::{SqlitePool, SqliteStorage};
use serde::{Serialize, de::DeserializeOwned};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

/// How long a connection to the SQLite queue waits for another writer before its statement
/// fails with "database is locked". sqlx's default (5 s) was reached on a busy two-core
/// machine by several `fenqi work` processes sharing one queue file: a push could fail, and
/// a job loop whose heartbeat or fetch failed was restarted. A fetch or a push that waits
/// longer harms nothing.
const SQLITE_QUEUE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the queue is and how it is used.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    /// `sqlite://path?mode=rwc` or `redis://host:port`.
    pub url: String,
    /// Prefix of every queue name, so several installations (or tests) share a server.
    pub namespace: String,
    /// How often an idle worker looks for new jobs.
    pub poll_interval: Duration,
}

/// Why the queue could not be used.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The URL names no supported queue.
    #[error("FENQI_QUEUE_URL must start with sqlite:// or redis:// (or rediss://), not '{0}'")]
    UnsupportedUrl(String),
    /// The SQLite queue could not be opened or prepared.
    #[error("the SQLite queue at FENQI_QUEUE_URL could not be opened: {0}")]
    Sqlite(String),
    /// Redis did not answer.
    #[error("Redis at FENQI_QUEUE_URL is not reachable: {0}")]
    Redis(String),
    /// A job could not be pushed.
    #[error("the job could not be queued: {0}")]
    Push(String),
}

/// A connected queue. Cheap to clone.
#[derive(Clone)]
pub enum JobQueue {
    /// The embedded default: a SQLite file of its own.
    Sqlite {
        /// The queue's connection pool.
        pool: SqlitePool,
        /// Settings.
        settings: QueueSettings,
    },
    /// Production: Redis.
    Redis {
        /// A self-reconnecting connection.
        conn: ConnectionManager,
        /// Settings.
        settings: QueueSettings,
    },
}

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobQueue")
            .field("backend", &self.backend_name())
            .field("namespace", &self.settings().namespace)
            .finish()
    }
}

impl JobQueue {
    /// Connects to the queue named by `settings.url`, preparing it if it is new.
    pub async fn connect(settings: QueueSettings) -> Result<Self, QueueError> {
        let url = settings.url.trim();
        if url.starts_with("sqlite:") {
            let options = url
                .parse::<SqliteConnectOptions>()
                .map_err(|e| QueueError::Sqlite(e.to_string()))?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_QUEUE_BUSY_TIMEOUT);
            let pool = SqlitePool::connect_with(options)
                .await
                .map_err(|e| QueueError::Sqlite(e.to_string()))?;
            SqliteStorage::setup(&pool)
                .await
                .map_err(|e| QueueError::Sqlite(e.to_string()))?;
            Ok(Self::Sqlite { pool, settings })
        } else if url.starts_with("redis://") || url.starts_with("rediss://") {
            let conn = tokio::time::timeout(Duration::from_secs(10), apalis_redis::connect(url))
                .await
                .map_err(|_| QueueError::Redis("no answer within 10 seconds".into()))?
                .map_err(|e| QueueError::Redis(e.to_string()))?;
            Ok(Self::Redis { conn, settings })
        } else {
            Err(QueueError::UnsupportedUrl(redact(url)))
        }
    }

    /// `sqlite` or `redis`, for logs and the start-up banner.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Redis { .. } => "redis",
        }
    }

    /// The settings it was connected with.
    pub fn settings(&self) -> &QueueSettings {
        match self {
            Self::Sqlite { settings, .. } | Self::Redis { settings, .. } => settings,
        }
    }

    /// The full queue name of a job kind.
    pub fn queue_name(&self, kind: &str) -> String {
        format!("{}:{kind}", self.settings().namespace)
    }

    /// Succeeds when the queue answers.
    pub async fn ping(&self) -> Result<(), QueueError> {
        match self {
            Self::Sqlite { pool, .. } => sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map(|_| ())
                .map_err(|e| QueueError::Sqlite(e.to_string())),
            Self::Redis { conn, .. } => {
                let mut conn = conn.clone();
                redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .map(|_| ())
                    .map_err(|e| QueueError::Redis(e.to_string()))
            }
        }
    }

    /// How often a worker beats its heart. Besides telling the queue the worker is alive,
    /// the heartbeat is what reliably wakes an idle worker (the poll interval alone was
    /// seen to miss a wake-up under load, delaying a job by a whole 30 s default beat), so
    /// it follows the poll interval, but no faster than once a second.
    fn heartbeat(&self) -> Duration {
        self.settings().poll_interval.max(Duration::from_secs(1))
    }

    /// The SQLite storage of job kind `kind`.
    pub(crate) fn sqlite_storage<T>(&self, pool: &SqlitePool, name: &str) -> SqliteStorage<T> {
        SqliteStorage::new(pool).with_config(
            apalis_sqlite::Config::default()
                .queue(name)
                .heartbeat_interval(self.heartbeat()),
        )
    }

    /// The Redis storage of job kind `kind`.
    pub(crate) fn redis_storage<T>(&self, conn: &ConnectionManager, name: &str) -> RedisStorage<T> {
        self.redis_storage_fetching(conn, name, FETCH_BATCH)
    }

    /// [`Self::redis_storage`] fetching `batch` jobs at a time: a loop that runs many
    /// jobs at once (the debits, grouped) fetches as many as it can run, not apalis's 10.
    pub(crate) fn redis_storage_fetching<T>(
        &self,
        conn: &ConnectionManager,
        name: &str,
        batch: usize,
    ) -> RedisStorage<T> {
        RedisStorage::new(conn.clone()).with_config(
            apalis_redis::Config::default()
                .queue(name)
                .batch_size(batch.clamp(1, 100))
                // apalis's task lock only writes "running, by whom" in the job's
                // metadata, and each one scans the whole waiting list (its `LREM`): with
                // 100,000 debits queued, Redis spent its one core on those scans and the
                // debits waited on it. What the lock would add is already here: a dead
                // worker's jobs come back through its in-flight set when its heartbeat
                // stops, and every job is idempotent by a key in the database.
                .lock_tasks(false)
                .heartbeat_interval(self.heartbeat()),
        )
    }

    /// Pushes a job of kind `kind`.
    pub async fn push<T>(&self, kind: &str, job: T) -> Result<(), QueueError>
    where
        T: Serialize + DeserializeOwned + Send + Sync + Unpin + 'static,
    {
        let name = self.queue_name(kind);
        match self {
            Self::Sqlite { pool, .. } => self
                .sqlite_storage::<T>(pool, &name)
                .push(job)
                .await
                .map_err(|e| QueueError::Push(e.to_string())),
            Self::Redis { conn, .. } => self
                .redis_storage::<T>(conn, &name)
                .push(job)
                .await
                .map_err(|e| QueueError::Push(e.to_string())),
        }
    }
}

impl JobQueue {
    /// Pushes many jobs of kind `kind`, a few hundred per round trip: close of business
    /// queues one debit per installment due, and pushed one by one they took a round
    /// trip each while the worker was already debiting on the same cores.
    pub async fn push_many<T>(&self, kind: &str, jobs: Vec<T>) -> Result<(), QueueError>
    where
        T: Serialize + DeserializeOwned + Send + Sync + Unpin + Clone + 'static,
    {
        let name = self.queue_name(kind);
        for chunk in jobs.chunks(PUSH_CHUNK) {
            let chunk = chunk.to_vec();
            match self {
                Self::Sqlite { pool, .. } => self
                    .sqlite_storage::<T>(pool, &name)
                    .push_bulk(chunk)
                    .await
                    .map_err(|e| QueueError::Push(e.to_string()))?,
                Self::Redis { conn, .. } => {
                    self.redis_storage::<T>(conn, &name)
                        .push_bulk(chunk)
                        .await
                        .map_err(|e| QueueError::Push(e.to_string()))?;
                    // apalis files them as scheduled, and its fetch cannot take more than
                    // about 8,000 due at once (`queue_repair.rs`): hand them over now.
                    self.promote_due(&name).await?;
                }
            }
        }
        Ok(())
    }
}

/// Jobs a Redis loop fetches at a time (apalis's default).
const FETCH_BATCH: usize = 10;

/// Jobs pushed in one round trip by [`JobQueue::push_many`].
const PUSH_CHUNK: usize = 500;

/// A URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("redis://user:secret@host:6379"),
            "redis://***@host:6379"
        );
        assert_eq!(redact("redis://host"), "redis://host");
    }
}
