//! Counting in Redis, shared by every API process: `INCR` of a key per subject and window,
//! which expires with its window. If Redis does not answer, the count falls back to this
//! process's memory (logged), so an outage of Redis weakens the limit to one process's
//! share instead of refusing every login.

use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;

use super::{MemoryRateCounter, RateCounter, RateCounterError};

/// The Redis counter.
pub struct RedisRateCounter {
    client: redis::Client,
    prefix: String,
    conn: OnceCell<ConnectionManager>,
    fallback: MemoryRateCounter,
}

impl std::fmt::Debug for RedisRateCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never printed.
        f.debug_struct("RedisRateCounter")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisRateCounter {
    /// A counter on the Redis at `url`, its keys under `prefix`. Connects on first use,
    /// so commands that never count (migrations) never touch Redis.
    pub fn new(url: &str, prefix: &str) -> Result<Self, RateCounterError> {
        let client = redis::Client::open(url).map_err(|e| RateCounterError(e.to_string()))?;
        Ok(Self {
            client,
            prefix: format!("{prefix}:ratelimit"),
            conn: OnceCell::new(),
            fallback: MemoryRateCounter::new(),
        })
    }

    async fn shared_count(
        &self,
        key: &str,
        window: i64,
        window_secs: u64,
    ) -> Result<u64, RateCounterError> {
        let conn = self
            .conn
            .get_or_try_init(|| async {
                tokio::time::timeout(
                    std::time::Duration::from_secs(2),
                    ConnectionManager::new(self.client.clone()),
                )
                .await
                .map_err(|_| RateCounterError("no answer within 2 s".into()))?
                .map_err(|e| RateCounterError(e.to_string()))
            })
            .await?;
        let mut conn = conn.clone();
        let full = format!("{}:{key}:{window}", self.prefix);
        let ttl = i64::try_from(window_secs.saturating_add(5)).unwrap_or(i64::MAX);
        let (count, _): (u64, i64) = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            redis::pipe()
                .atomic()
                .incr(&full, 1u64)
                .expire(&full, ttl)
                .query_async(&mut conn),
        )
        .await
        .map_err(|_| RateCounterError("no answer within 2 s".into()))?
        .map_err(|e| RateCounterError(e.to_string()))?;
        Ok(count)
    }
}

#[async_trait::async_trait]
impl RateCounter for RedisRateCounter {
    async fn hit(&self, key: &str, window: i64, window_secs: u64) -> Result<u64, RateCounterError> {
        match self.shared_count(key, window, window_secs).await {
            Ok(count) => Ok(count),
            Err(e) => {
                tracing::warn!(error = %e, "rate limits fall back to this process's memory");
                Ok(self.fallback.count(key, window))
            }
        }
    }

    fn backend(&self) -> &'static str {
        "redis"
    }
}
