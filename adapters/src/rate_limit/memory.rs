//! Counting in this process's memory: right for a single API process.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{RateCounter, RateCounterError};

/// How many keys are tracked before the ones of past windows are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// The in-memory counter.
#[derive(Debug, Default)]
pub struct MemoryRateCounter {
    windows: Mutex<HashMap<String, (i64, u64)>>,
}

impl MemoryRateCounter {
    /// An empty counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// The synchronous count, also used as the Redis counter's fallback.
    pub fn count(&self, key: &str, window: i64) -> u64 {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, (w, _)| *w >= window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1
    }
}

#[async_trait::async_trait]
impl RateCounter for MemoryRateCounter {
    async fn hit(
        &self,
        key: &str,
        window: i64,
        _window_secs: u64,
    ) -> Result<u64, RateCounterError> {
        Ok(self.count(key, window))
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_per_key_and_window() {
        let c = MemoryRateCounter::new();
        assert_eq!(c.hit("a", 1, 60).await.unwrap(), 1);
        assert_eq!(c.hit("a", 1, 60).await.unwrap(), 2);
        assert_eq!(c.hit("b", 1, 60).await.unwrap(), 1);
        assert_eq!(
            c.hit("a", 2, 60).await.unwrap(),
            1,
            "a new window starts again"
        );
    }
}
