//! [`Domain`]: the business with everything it needs to act — the database, the clock, the
//! keys that protect personal data and the settings. Transports hold one and call its use
//! cases, which live next to their rules in the other modules.

use std::sync::Arc;

use adapters::broadcast::Broadcast;
use adapters::credit_bureau::CreditBureau;
use adapters::notifier::Notifiers;
use adapters::rate_limit::RateCounter;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::auth::client_throttle::{Quota, Throttle};
use crate::auth::password::Hashing;
use crate::auth::session_cache::SessionCache;
use crate::clock::Clock;
use crate::error::DomainResult;
use crate::pii::KeyRing;
use crate::settings::DomainSettings;

/// Everything outside the business that the domain acts through, chosen by the launcher
/// from configuration. One struct rather than positional arguments: each stage adds its
/// ports here (platforms, notifier…) without touching every call site.
#[derive(Debug, Clone)]
pub struct Ports {
    /// The database: the source of truth.
    pub db: DatabaseConnection,
    /// Where "now" comes from (a clock tests can move).
    pub clock: Arc<dyn Clock>,
    /// The keys that protect personal data.
    pub keys: Arc<KeyRing>,
    /// The credit bureau.
    pub bureau: Arc<dyn CreditBureau>,
    /// Where rate limits are counted: this process's memory, or Redis for a fleet.
    pub rate_counter: Arc<dyn RateCounter>,
    /// How every API process hears of ended sessions: this process only, or Redis.
    pub broadcast: Arc<dyn Broadcast>,
    /// How every API process hears that a plan changed (for `planUpdated`): this process
    /// only, or Redis.
    pub plan_channel: Arc<dyn Broadcast>,
    /// How messages leave the bank, per channel (the outbox itself when no server is set).
    pub notifiers: Notifiers,
}

/// The business, ready to serve use cases. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Domain {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    keys: Arc<KeyRing>,
    settings: DomainSettings,
    bureau: Arc<dyn CreditBureau>,
    throttle: Throttle,
    broadcast: Arc<dyn Broadcast>,
    /// Sessions recognized in the last few seconds; off until [`Domain::keep_sessions`].
    session_cache: Arc<SessionCache>,
    /// Bounds concurrent Argon2 work (19 MiB and tens of milliseconds each), so a burst
    /// of logins queues instead of exhausting memory and every core, and reuses each
    /// slot's 19 MiB so the allocator never accumulates them.
    hashing: Hashing,
    /// A hash of a random password, verified against when a login name is unknown so that
    /// unknown and known names take the same time to refuse.
    decoy_hash: OnceCell<String>,
    /// The platform adapters built from the registry so far.
    platforms: crate::platforms::PlatformDirectory,
    /// The fleet's plan channel, and this process's subscribers to it.
    plan_channel: Arc<dyn Broadcast>,
    plan_updates: crate::fleet_topic::Topic,
    campaign_updates: crate::fleet_topic::Topic,
    notifiers: Notifiers,
}

impl Domain {
    /// Assembles the domain.
    pub fn new(ports: Ports, settings: DomainSettings) -> Self {
        let Ports {
            db,
            clock,
            keys,
            bureau,
            rate_counter,
            broadcast,
            plan_channel,
            notifiers,
        } = ports;
        Self {
            db,
            clock,
            keys,
            session_cache: Arc::new(SessionCache::new(settings.session_cache_ttl)),
            settings,
            bureau,
            throttle: Throttle::new(rate_counter),
            broadcast,
            hashing: Hashing::new(
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(2)
                    .max(2),
            ),
            decoy_hash: OnceCell::new(),
            platforms: crate::platforms::PlatformDirectory::default(),
            plan_channel,
            plan_updates: crate::fleet_topic::Topic::new(crate::fleet_topic::PLANS),
            campaign_updates: crate::fleet_topic::Topic::new(crate::fleet_topic::CAMPAIGNS),
            notifiers,
        }
    }

    /// Starts keeping recognized sessions for a few seconds (if the settings allow it):
    /// only a process that serves the API calls it, since only it authenticates, and
    /// only it should hold a subscription to the broadcast channel.
    pub fn keep_sessions(&self) {
        if !self.session_cache.claim_subscription() {
            return;
        }
        let cache = self.session_cache.clone();
        self.broadcast
            .listen(Arc::new(move |event| cache.hear(event)));
    }

    /// The session cache (for tests and metrics).
    pub fn session_cache(&self) -> &SessionCache {
        &self.session_cache
    }

    /// Tells every API process, this one first, that `account_id`'s sessions changed
    /// (ended, or their account did): each forgets what it kept of them. Called after the
    /// change committed. If the channel does not take the message, it is sent again in
    /// the background until the cache lifetime has passed since the commit (after that no
    /// process can still hold the session); so another process may accept an ended
    /// session for at most that lifetime, never longer.
    pub(crate) async fn sessions_changed(&self, account_id: Uuid) {
        self.session_cache.forget_account(account_id);
        let message = SessionCache::message(account_id);
        let Err(e) = self.broadcast.publish(&message).await else {
            return;
        };
        tracing::error!(error = %e, account = %account_id, "could not tell the other API processes that a session ended; retrying");
        let broadcast = self.broadcast.clone();
        let lifetime = self.settings.session_cache_ttl.to_std().unwrap_or_default();
        tokio::spawn(async move {
            let until = tokio::time::Instant::now() + lifetime;
            while tokio::time::Instant::now() < until {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                if broadcast.publish(&message).await.is_ok() {
                    return;
                }
            }
            tracing::error!(account = %account_id, "gave up telling the other API processes; what they kept has expired by now");
        });
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

    /// The platform adapters built from the registry.
    pub fn platform_directory(&self) -> &crate::platforms::PlatformDirectory {
        &self.platforms
    }

    /// The notifiers, per channel.
    pub fn notifiers(&self) -> &Notifiers {
        &self.notifiers
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

    /// The fleet's plan channel.
    pub(crate) fn plan_channel(&self) -> &Arc<dyn Broadcast> {
        &self.plan_channel
    }

    /// This process's subscribers to plan updates.
    pub(crate) fn updates(&self) -> &crate::fleet_topic::Topic {
        &self.plan_updates
    }

    /// This process's subscribers to campaign progress.
    pub(crate) fn campaign_topic(&self) -> &crate::fleet_topic::Topic {
        &self.campaign_updates
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
