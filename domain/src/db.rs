//! The database connection and the one way to open a writing transaction.
//!
//! SQLite and PostgreSQL are both first-class: the URL chooses. On SQLite, writers are
//! serialized with `BEGIN IMMEDIATE` (plus WAL and a busy timeout) so two requests never
//! fail with "database is locked" half-way through; on PostgreSQL, row locks do that job.

use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::ConnectOptions as _;
use sea_orm::sqlx::Connection as _;
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

pub mod nodelay;

/// How long a SQLite writer waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a pooled connection may sit idle before it is pinged at checkout.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

/// How long the first connection to PostgreSQL may take at start-up. An operator whose
/// server is down or unreachable should hear so in seconds, not after a pool time-out.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the database could not be opened, in words an operator can act on. It names the
/// host and port, never the URL itself, so the password in it is never printed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Nothing listens at the address.
    #[error("connection refused at {addr} (is PostgreSQL running?)")]
    Refused {
        /// `host:port`.
        addr: String,
    },
    /// The address did not answer in time (a firewall, a wrong host).
    #[error("no answer from {addr} within {} s (is the host reachable?)", CONNECT_TIMEOUT.as_secs())]
    TimedOut {
        /// `host:port`.
        addr: String,
    },
    /// The server was reached but refused us, or anything else went wrong.
    #[error("{0}")]
    Other(String),
}

/// Connects to the database named by `url` (`sqlite://…` or `postgres://…`). PostgreSQL is
/// tried once, directly, within [`CONNECT_TIMEOUT`] before the pool is built: the pool
/// retries a refused connection silently until its time-out and then reports only that
/// it timed out, which hides the cause.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, ConnectError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        probe_postgres(url).await?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(15))
        // A connection in use is known to be alive: pinging it on every checkout (sqlx's
        // default) doubled the round trips of every read. Only one idle long enough to
        // have been dropped by the server or a firewall is checked first.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .sqlx_logging(false)
        // Every new connection to PostgreSQL turns Nagle's algorithm off (see [`nodelay`]).
        .map_sqlx_postgres_pool_opts(|pool| {
            pool.after_connect(|_, _| {
                Box::pin(async {
                    nodelay::all_tcp_sockets();
                    Ok(())
                })
            })
        })
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
        });
    let mut db = Database::connect(options)
        .await
        .map_err(|e| ConnectError::Other(e.to_string()))?;
    db.set_metric_callback(|_| statements::count_one());
    Ok(db)
}

/// Counting the SQL statements a piece of work sends, so that tests can pin the cost of
/// each read (an N+1 that comes back fails a test) and `/metrics` can show it per
/// operation. The count is kept per task: the API counts each request on its own.
pub mod statements {
    use std::future::Future;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    tokio::task_local! {
        static STATEMENTS: Arc<AtomicU64>;
    }

    /// Called by the connection for every statement it runs.
    pub(super) fn count_one() {
        let _ = STATEMENTS.try_with(|count| count.fetch_add(1, Ordering::Relaxed));
    }

    /// Runs `work`, counting the statements it sends on this task.
    pub async fn counted<F: Future>(work: F) -> (F::Output, u64) {
        let count = Arc::new(AtomicU64::new(0));
        let output = STATEMENTS.scope(count.clone(), work).await;
        (output, count.load(Ordering::Relaxed))
    }
}

/// One direct connection to PostgreSQL, closed again at once, to learn why it fails.
async fn probe_postgres(url: &str) -> Result<(), ConnectError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| ConnectError::Other(format!("not a usable PostgreSQL URL: {e}")))?;
    let addr = match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await {
        Err(_) => Err(ConnectError::TimedOut { addr }),
        Ok(Ok(connection)) => {
            // Only a probe: a failure to say goodbye changes nothing.
            let _ = connection.close().await;
            Ok(())
        }
        Ok(Err(sea_orm::sqlx::Error::Io(e)))
            if e.kind() == std::io::ErrorKind::ConnectionRefused =>
        {
            Err(ConnectError::Refused { addr })
        }
        Ok(Err(e)) => Err(ConnectError::Other(format!("{addr}: {e}"))),
    }
}

/// Begins a transaction that will write. Use it for every use case that changes state, so
/// that it either commits whole or leaves nothing behind.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// True when `err` is a unique-constraint violation: the row already exists.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Checks that the database answers, for readiness probes.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}
