//! Time as a dependency. Every rule that depends on "now" (session expiry, lockouts, due
//! dates, overdue status) asks a [`Clock`], so tests can move time instead of sleeping.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// The source of the current instant.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant in UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Moves the clock to `to` if this clock can be moved (a test's or a demo's); false for
    /// the real one.
    fn move_to(&self, _to: DateTime<Utc>) -> bool {
        false
    }
}

/// The real wall clock, used in every deployment.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told to move, for tests and demos.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }

    /// Sets the clock to an instant.
    pub fn set(&self, to: DateTime<Utc>) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now = to;
    }
}

impl ManualClock {
    /// The clock's instant in epoch milliseconds, as stored.
    pub fn now_millis(&self) -> i64 {
        to_millis(self.now())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn move_to(&self, to: DateTime<Utc>) -> bool {
        self.set(to);
        true
    }
}

/// The demo's clock: the real time plus an offset that `advanceClock` moves forward, so a
/// demo can live through a year of repayments in seconds. Only in demo mode
/// (`FENQI_DEMO_CLOCK`), and per process: the embedded demo is one process.
#[derive(Debug, Default)]
pub struct DemoClock {
    /// Nanoseconds ahead of the real time (exact, so a move lands on its instant).
    offset_ns: std::sync::atomic::AtomicI64,
}

impl Clock for DemoClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::nanoseconds(self.offset_ns.load(std::sync::atomic::Ordering::SeqCst))
    }

    fn move_to(&self, to: DateTime<Utc>) -> bool {
        // Beyond ±292 years a nanosecond count overflows; no demo goes there.
        let offset = (to - Utc::now()).num_nanoseconds().unwrap_or(i64::MAX);
        self.offset_ns
            .fetch_max(offset, std::sync::atomic::Ordering::SeqCst);
        true
    }
}

/// Milliseconds since the Unix epoch: how instants are stored, identically on SQLite and
/// PostgreSQL.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// The instant stored as `millis`; out-of-range values (never written by Fenqi) clamp to
/// the epoch rather than panic.
pub fn from_millis(millis: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_clock_only_moves_forward_and_the_real_one_not_at_all() {
        let demo = DemoClock::default();
        let later = Utc::now() + Duration::days(40);
        assert!(demo.move_to(later));
        assert!(demo.now() >= later);
        assert!(demo.move_to(later - Duration::days(10)));
        assert!(demo.now() >= later, "never back");
        assert!(!SystemClock.move_to(later));
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = from_millis(1_800_000_000_000);
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::minutes(15));
        assert_eq!(clock.now(), start + Duration::minutes(15));
        assert_eq!(from_millis(to_millis(clock.now())), clock.now());
    }
}
