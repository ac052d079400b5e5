//! When to try a partner call again: only calls that are safe to repeat (idempotent by
//! nature, or carrying an idempotency key the partner honours), only after a retryable
//! failure, a bounded number of times, with exponential backoff and full jitter so that a
//! fleet of processes does not retry in step.

use std::time::Duration;

/// How a call may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Safe to send again: a read, or a write with an idempotency key.
    Idempotent,
    /// Sending twice could act twice (or cost twice, like a bureau inquiry): sent once.
    Once,
}

/// The retry policy of one partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1: never retried).
    pub attempts: u32,
    /// The wait before the first retry; doubled for each one after.
    pub base_delay: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, waiting up to 100 ms then up to 200 ms: enough to ride out a
    /// restarting partner behind a load balancer, short enough for a person waiting.
    fn default() -> Self {
        Self {
            attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// Never retried.
    pub const NONE: RetryPolicy = RetryPolicy {
        attempts: 1,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// The wait before attempt `attempt` (2 for the first retry), given a random `unit` in
    /// [0, 1): a uniform draw below `min(max_delay, base_delay × 2^(attempt−2))`.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        let exponent = attempt.saturating_sub(2).min(20);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        ceiling.mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// A random number in [0, 1) for jitter; not for anything secret. Each `RandomState` has
/// fresh keys, so hashing nothing with it gives a new pseudo-random word.
pub(super) fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        >> 11;
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_doubles_up_to_the_maximum_and_jitter_stays_below_it() {
        let policy = RetryPolicy {
            attempts: 6,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        assert_eq!(
            policy.delay(2, 0.999_999),
            Duration::from_millis(100).mul_f64(0.999_999)
        );
        assert_eq!(policy.delay(3, 0.5), Duration::from_millis(100));
        assert_eq!(policy.delay(4, 0.5), Duration::from_millis(175));
        assert_eq!(policy.delay(9, 1.0), Duration::from_millis(350));
        assert_eq!(policy.delay(2, 0.0), Duration::ZERO);
        for _ in 0..1000 {
            let unit = jitter();
            assert!((0.0..1.0).contains(&unit), "{unit}");
        }
    }
}
