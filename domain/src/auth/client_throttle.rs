//! A per-client-address limit on the public account mutations (`register`, `login`).
//! Login lockouts protect one login name; this protects the bank from one address trying
//! many names (credential stuffing) or registering in bulk, each attempt costing an
//! Argon2 hash. Counted in memory per API process, in fixed one-minute windows of the
//! domain clock, so tests can move time.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::error::{DomainError, DomainResult};

/// How many addresses are tracked before stale windows are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// The limiter.
#[derive(Debug)]
pub struct ClientThrottle {
    per_minute: u32,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl ClientThrottle {
    /// Allows `per_minute` attempts per address per minute (0 disables the limit).
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt from `addr` at `now`; refuses once the minute's quota is used.
    /// Requests without a known address are not limited here.
    pub fn check(&self, addr: Option<&str>, now: DateTime<Utc>) -> DomainResult<()> {
        let Some(addr) = addr else {
            return Ok(());
        };
        if self.per_minute == 0 {
            return Ok(());
        }
        let minute = now.timestamp().div_euclid(60);
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, (window, _)| *window == minute);
        }
        let entry = windows.entry(addr.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1 >= self.per_minute {
            let retry = 60 - now.timestamp().rem_euclid(60);
            return Err(DomainError::RateLimited {
                message: format!(
                    "Too many attempts from your network; try again in {retry} second(s)."
                ),
                retry_after_secs: retry,
            });
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn limits_each_address_per_minute() {
        let t = ClientThrottle::new(2);
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 5).unwrap();
        assert!(t.check(Some("1.2.3.4"), now).is_ok());
        assert!(t.check(Some("1.2.3.4"), now).is_ok());
        assert!(matches!(
            t.check(Some("1.2.3.4"), now),
            Err(DomainError::RateLimited {
                retry_after_secs: 55,
                ..
            })
        ));
        assert!(t.check(Some("5.6.7.8"), now).is_ok());
        assert!(t.check(None, now).is_ok());
        assert!(
            t.check(Some("1.2.3.4"), now + chrono::Duration::seconds(55))
                .is_ok()
        );
        assert!(ClientThrottle::new(0).check(Some("x"), now).is_ok());
    }
}
