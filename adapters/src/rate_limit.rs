//! The rate-limit counter port: how many times a subject (a client address, an account)
//! has done something in the current window.
//!
//! One API process can keep the count in memory; several behind a load balancer must
//! share it, or each would grant the full quota and the limit would grow with the number
//! of processes. So the count lives behind this trait: [`memory`] for one process (the
//! embedded default), [`redis`] for a fleet (production, when Redis is configured).

pub mod memory;
pub mod redis;

pub use memory::MemoryRateCounter;
pub use redis::RedisRateCounter;

/// Why a count could not be taken.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the rate-limit store did not answer: {0}")]
pub struct RateCounterError(pub String);

/// Counts events per key and fixed window.
#[async_trait::async_trait]
pub trait RateCounter: Send + Sync + std::fmt::Debug {
    /// Counts one event for `key` in the window numbered `window` (of `window_secs`
    /// seconds) and answers how many there have been in it, this one included.
    async fn hit(&self, key: &str, window: i64, window_secs: u64) -> Result<u64, RateCounterError>;

    /// `memory` or `redis`, for logs.
    fn backend(&self) -> &'static str;
}
