//! A circuit breaker per platform: after repeated failures in a row we stop calling a
//! partner for a while and answer "unavailable" at once, so a dead partner costs a
//! customer no timeout and the partner gets room to recover; then one trial call decides
//! whether to close again.
//!
//! Only failures to get an answer count (timeouts, refused connections, 5xx, unreadable
//! or badly signed answers). A partner that answers "insufficient funds" or refuses a
//! request is up. Time comes from the caller's clock, so tests move it instead of
//! sleeping.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};

/// When the breaker opens and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Failures in a row that open it.
    pub failure_threshold: u32,
    /// How long it stays open before one trial call is let through.
    pub open_for: Duration,
}

impl Default for BreakerSettings {
    /// Five failures in a row; thirty seconds open.
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            open_for: Duration::from_secs(30),
        }
    }
}

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are answered "unavailable" without calling.
    Open,
    /// One trial call is going through; the others wait for its verdict.
    HalfOpen,
}

impl BreakerState {
    /// The spelling in `/ready` and `/metrics`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    failures: u32,
    opened_at: Option<DateTime<Utc>>,
    times_opened: u64,
}

/// A circuit breaker.
pub struct CircuitBreaker {
    settings: BreakerSettings,
    now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("settings", &self.settings)
            .field("state", &self.state())
            .finish()
    }
}

/// Whether a call may go out now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Yes.
    Go,
    /// No: open until this instant.
    Refused(DateTime<Utc>),
}

impl CircuitBreaker {
    /// A closed breaker whose time comes from `now`.
    pub fn new(
        settings: BreakerSettings,
        now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    ) -> Self {
        Self {
            settings,
            now,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                failures: 0,
                opened_at: None,
                times_opened: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn reopens_at(&self, opened_at: DateTime<Utc>) -> DateTime<Utc> {
        opened_at
            + chrono::Duration::from_std(self.settings.open_for)
                .unwrap_or_else(|_| chrono::Duration::seconds(30))
    }

    /// Asks to make a call. An open breaker whose time is up lets exactly one trial call
    /// through (half-open); while it runs, the others are refused.
    pub fn admit(&self) -> Admission {
        let now = (self.now)();
        let mut inner = self.lock();
        match inner.state {
            BreakerState::Closed => Admission::Go,
            BreakerState::HalfOpen => {
                Admission::Refused(inner.opened_at.map_or(now, |t| self.reopens_at(t)))
            }
            BreakerState::Open => {
                let until = inner.opened_at.map_or(now, |t| self.reopens_at(t));
                if now >= until {
                    inner.state = BreakerState::HalfOpen;
                    Admission::Go
                } else {
                    Admission::Refused(until)
                }
            }
        }
    }

    /// Records that a call got an answer: the breaker closes.
    pub fn succeeded(&self) {
        let mut inner = self.lock();
        if inner.state != BreakerState::Closed {
            tracing::info!("a partner answered again: its circuit breaker closes");
        }
        inner.state = BreakerState::Closed;
        inner.failures = 0;
        inner.opened_at = None;
    }

    /// Records that a call got no answer: enough in a row (or a failed trial) open it.
    pub fn failed(&self) {
        let now = (self.now)();
        let mut inner = self.lock();
        inner.failures = inner.failures.saturating_add(1);
        let open = match inner.state {
            BreakerState::HalfOpen => true,
            BreakerState::Closed => inner.failures >= self.settings.failure_threshold.max(1),
            BreakerState::Open => false,
        };
        if open {
            inner.state = BreakerState::Open;
            inner.opened_at = Some(now);
            inner.times_opened += 1;
            tracing::warn!(
                failures = inner.failures,
                open_seconds = self.settings.open_for.as_secs(),
                "a partner failed repeatedly: its circuit breaker opens"
            );
        }
    }

    /// The state now (an open breaker whose time is up reads as half-open: the next call
    /// is a trial).
    pub fn state(&self) -> BreakerState {
        let now = (self.now)();
        let inner = self.lock();
        match (inner.state, inner.opened_at) {
            (BreakerState::Open, Some(t)) if now >= self.reopens_at(t) => BreakerState::HalfOpen,
            (state, _) => state,
        }
    }

    /// Failures in a row so far.
    pub fn consecutive_failures(&self) -> u32 {
        self.lock().failures
    }

    /// How often it has opened.
    pub fn times_opened(&self) -> u64 {
        self.lock().times_opened
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};

    fn breaker() -> (CircuitBreaker, Arc<AtomicI64>) {
        let seconds = Arc::new(AtomicI64::new(1_800_000_000));
        let clock = seconds.clone();
        let b = CircuitBreaker::new(
            BreakerSettings {
                failure_threshold: 3,
                open_for: Duration::from_secs(10),
            },
            Arc::new(move || {
                DateTime::from_timestamp(clock.load(Ordering::SeqCst), 0).unwrap_or_default()
            }),
        );
        (b, seconds)
    }

    #[test]
    fn opens_after_the_threshold_and_closes_after_a_good_trial() {
        let (b, clock) = breaker();
        b.failed();
        b.failed();
        assert_eq!(b.admit(), Admission::Go);
        b.failed();
        assert_eq!(b.state(), BreakerState::Open);
        assert!(matches!(b.admit(), Admission::Refused(_)));
        clock.fetch_add(10, Ordering::SeqCst);
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert_eq!(b.admit(), Admission::Go, "one trial");
        assert!(matches!(b.admit(), Admission::Refused(_)), "only one trial");
        b.succeeded();
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.times_opened(), 1);
    }

    #[test]
    fn a_failed_trial_opens_it_again() {
        let (b, clock) = breaker();
        for _ in 0..3 {
            b.failed();
        }
        clock.fetch_add(11, Ordering::SeqCst);
        assert_eq!(b.admit(), Admission::Go);
        b.failed();
        assert_eq!(b.state(), BreakerState::Open);
        assert!(matches!(b.admit(), Admission::Refused(_)));
        assert_eq!(b.times_opened(), 2);
    }

    #[test]
    fn a_success_resets_the_count() {
        let (b, _) = breaker();
        b.failed();
        b.failed();
        b.succeeded();
        b.failed();
        b.failed();
        assert_eq!(b.state(), BreakerState::Closed);
    }
}
