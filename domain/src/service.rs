//! [`Domain`]: the business with everything it needs to act — the database, the clock, the
//! keys that protect personal data and the settings. Transports hold one and call its use
//! cases, which live next to their rules in the other modules.

use std::sync::Arc;

use adapters::credit_bureau::CreditBureau;
use adapters::rate_limit::{MemoryRateCounter, RateCounter};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::OnceCell;

use crate::auth::client_throttle::{Quota, Throttle};
use crate::auth::password::Hashing;
use crate::clock::Clock;
use crate::error::DomainResult;
use crate::pii::KeyRing;
use crate::settings::DomainSettings;

/// The business, ready to serve use cases. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Domain {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    keys: Arc<KeyRing>,
    settings: DomainSettings,
    bureau: Arc<dyn CreditBureau>,
    throttle: Throttle,
    /// Bounds concurrent Argon2 work (19 MiB and tens of milliseconds each), so a burst
    /// of logins queues instead of exhausting memory and every core, and reuses each
    /// slot's 19 MiB so the allocator never accumulates them.
    hashing: Hashing,
    /// A hash of a random password, verified against when a login name is unknown so that
    /// unknown and known names take the same time to refuse.
    decoy_hash: OnceCell<String>,
}

impl Domain {
    /// Assembles the domain.
    pub fn new(
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        keys: Arc<KeyRing>,
        settings: DomainSettings,
        bureau: Arc<dyn CreditBureau>,
    ) -> Self {
        Self {
            db,
            clock,
            keys,
            settings,
            bureau,
            throttle: Throttle::new(Arc::new(MemoryRateCounter::new())),
            hashing: Hashing::new(
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(2)
                    .max(2),
            ),
            decoy_hash: OnceCell::new(),
        }
    }

    /// Counts rate limits through `counter` instead of this process's memory: a fleet of
    /// API processes shares one count (Redis), so the limits do not grow with the fleet.
    pub fn with_rate_counter(mut self, counter: Arc<dyn RateCounter>) -> Self {
        self.throttle = Throttle::new(counter);
        self
    }

    /// Counts one public account attempt (`register`, `login`) from the caller's address.
    pub(crate) async fn throttle_client(&self, caller: &crate::auth::Caller) -> DomainResult<()> {
        self.throttle
            .check(
                Quota::Auth,
                self.settings.auth_attempts_per_minute,
                caller.meta.client_addr.as_deref(),
                self.now(),
            )
            .await
    }

    /// Counts one use of a public field from the caller's address.
    pub(crate) async fn throttle_public(&self, caller: &crate::auth::Caller) -> DomainResult<()> {
        self.throttle
            .check(
                Quota::Public,
                self.settings.public_requests_per_minute,
                caller.meta.client_addr.as_deref(),
                self.now(),
            )
            .await
    }

    /// Counts one change of a customer's ID or mobile number by the account `account`.
    pub(crate) async fn throttle_identity_change(&self, account: &str) -> DomainResult<()> {
        self.throttle
            .check(
                Quota::IdentityChange,
                self.settings.identity_changes_per_day,
                Some(account),
                self.now(),
            )
            .await
    }

    /// The credit bureau port.
    pub fn bureau(&self) -> &dyn CreditBureau {
        self.bureau.as_ref()
    }

    /// The database connection (for the use cases and readiness probes).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The current instant, from the configured clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The clock itself.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The keys that protect personal data.
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// The business settings.
    pub fn settings(&self) -> &DomainSettings {
        &self.settings
    }

    /// Hashes a password, waiting for a hashing slot.
    pub(crate) async fn hash_password(
        &self,
        password: crate::auth::Password,
    ) -> DomainResult<String> {
        self.hashing.hash(password).await
    }

    /// Checks a password against a stored hash, waiting for a hashing slot.
    pub(crate) async fn verify_password(
        &self,
        password: &str,
        stored: String,
    ) -> DomainResult<bool> {
        self.hashing.verify(password, &stored).await
    }

    pub(crate) async fn decoy_hash(&self) -> DomainResult<&str> {
        self.decoy_hash
            .get_or_try_init(|| async {
                let decoy = crate::auth::token::initial_password()?;
                self.hash_password(crate::auth::Password::parse(
                    &format!("decoy-{decoy}"),
                    "password",
                )?)
                .await
            })
            .await
            .map(String::as_str)
    }
}
