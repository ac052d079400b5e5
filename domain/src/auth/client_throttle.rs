//! Rate limits on what anyone can do without being known, and on changes that could be
//! used to probe other people's data.
//!
//! * `register` and `login` per client address: login lockouts protect one login name;
//!   this protects the bank from one address trying many names (credential stuffing) or
//!   registering in bulk, each attempt costing an Argon2 hash.
//! * public fields (the loan calculator) per client address: they cost CPU and need no
//!   account.
//! * identity changes (ID and mobile number) per account and day: a taken number answers
//!   like a free one, and the limit keeps a customer from trying many.
//!
//! Counted in fixed windows of the domain clock (so tests can move time), through the
//! [`RateCounter`] port: in memory for one process, in Redis for a fleet of API processes.

use std::sync::Arc;

use adapters::rate_limit::RateCounter;
use chrono::{DateTime, Utc};

use crate::error::{DomainError, DomainResult};

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    /// `register` and `login`, per client address and minute.
    Auth,
    /// Public GraphQL fields, per client address and minute.
    Public,
    /// Changes of a customer's ID or mobile number, per account and day.
    IdentityChange,
}

impl Quota {
    fn key(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Public => "public",
            Self::IdentityChange => "identity",
        }
    }

    fn window_secs(self) -> i64 {
        match self {
            Self::Auth | Self::Public => 60,
            Self::IdentityChange => 86_400,
        }
    }

    fn message(self, retry: i64) -> String {
        match self {
            Self::Auth => {
                format!("Too many attempts from your network; try again in {retry} second(s).")
            }
            Self::Public => {
                format!("Too many requests from your network; try again in {retry} second(s).")
            }
            Self::IdentityChange => format!(
                "Too many changes of your ID or mobile number today; try again in {} hour(s), or ask the bank for help.",
                (retry + 3599) / 3600
            ),
        }
    }
}

/// The limiter.
#[derive(Debug, Clone)]
pub struct Throttle {
    counter: Arc<dyn RateCounter>,
}

impl Throttle {
    /// A limiter counting through `counter`.
    pub fn new(counter: Arc<dyn RateCounter>) -> Self {
        Self { counter }
    }

    /// Counts one event of `quota` by `subject` at `now`; refuses once the window's
    /// `limit` is used (0 turns the limit off). Events without a known subject are not
    /// limited here.
    pub async fn check(
        &self,
        quota: Quota,
        limit: u32,
        subject: Option<&str>,
        now: DateTime<Utc>,
    ) -> DomainResult<()> {
        let Some(subject) = subject else {
            return Ok(());
        };
        if limit == 0 {
            return Ok(());
        }
        let window_secs = quota.window_secs();
        let window = now.timestamp().div_euclid(window_secs);
        let key = format!("{}:{subject}", quota.key());
        let count = self
            .counter
            .hit(&key, window, window_secs.unsigned_abs())
            .await
            .map_err(|e| DomainError::Unavailable(e.to_string()))?;
        if count > u64::from(limit) {
            let retry = window_secs - now.timestamp().rem_euclid(window_secs);
            return Err(DomainError::RateLimited {
                message: quota.message(retry),
                retry_after_secs: retry,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapters::rate_limit::MemoryRateCounter;
    use chrono::TimeZone;

    #[tokio::test]
    async fn limits_each_subject_per_window() {
        let t = Throttle::new(Arc::new(MemoryRateCounter::new()));
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 5).unwrap();
        let a = Some("1.2.3.4");
        assert!(t.check(Quota::Auth, 2, a, now).await.is_ok());
        assert!(t.check(Quota::Auth, 2, a, now).await.is_ok());
        assert!(matches!(
            t.check(Quota::Auth, 2, a, now).await,
            Err(DomainError::RateLimited {
                retry_after_secs: 55,
                ..
            })
        ));
        assert!(
            t.check(Quota::Public, 2, a, now).await.is_ok(),
            "quotas are counted apart"
        );
        assert!(t.check(Quota::Auth, 2, Some("5.6.7.8"), now).await.is_ok());
        assert!(t.check(Quota::Auth, 2, None, now).await.is_ok());
        assert!(
            t.check(Quota::Auth, 2, a, now + chrono::Duration::seconds(55))
                .await
                .is_ok()
        );
        assert!(t.check(Quota::Auth, 0, a, now).await.is_ok());
    }

    #[tokio::test]
    async fn identity_changes_are_counted_per_day() {
        let t = Throttle::new(Arc::new(MemoryRateCounter::new()));
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).unwrap();
        for _ in 0..3 {
            assert!(
                t.check(Quota::IdentityChange, 3, Some("acc"), now)
                    .await
                    .is_ok()
            );
        }
        let later = now + chrono::Duration::hours(5);
        let refused = t.check(Quota::IdentityChange, 3, Some("acc"), later).await;
        assert!(
            matches!(refused, Err(DomainError::RateLimited { retry_after_secs, .. }) if retry_after_secs == 9 * 3600),
            "{refused:?}"
        );
        let tomorrow = now + chrono::Duration::hours(15);
        assert!(
            t.check(Quota::IdentityChange, 3, Some("acc"), tomorrow)
                .await
                .is_ok()
        );
    }
}
