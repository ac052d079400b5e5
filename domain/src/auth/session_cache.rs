//! A few seconds' memory of recognized sessions, so that a busy client's requests do not
//! each read its session from the database.
//!
//! Safe only because every change that ends or alters a session reaches every API process
//! at once: logout, a disabled account, a changed password and a data deletion publish the
//! account's id on the broadcast channel after their commit ([`Domain::sessions_changed`]),
//! and each process forgets that account's sessions when it hears it. So that nothing
//! stale slips in between:
//!
//! * **An epoch.** Every invalidation bumps it; a session read from the database is kept
//!   only if no invalidation came while it was being read (the reader could have read the
//!   row just before the commit).
//! * **Off while deaf.** Until the channel is up, and whenever it is lost (pinged every
//!   2 s), nothing is cached and what was cached is dropped; a publish the channel did not
//!   take is retried for the cache lifetime. So a missed message can keep an ended session
//!   alive on another process for at most that lifetime.
//! * **Short and bounded.** An entry lives a few seconds (`FENQI_SESSION_CACHE_SECONDS`,
//!   5 by default) and never past the session's own end; at most [`MAX_ENTRIES`] are kept.
//!
//! Lockout is not among the invalidations: it stops new logins under a login name after
//! failed attempts and, by design, leaves the account's open sessions alone (or anyone who
//! knows a customer's mobile could log them out by guessing), in the database as here.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use adapters::broadcast::BroadcastEvent;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::caller::Authenticated;

/// The most sessions kept at once. At about 200 bytes each, 100,000 take some 20 MB; a
/// process serving more distinct clients within a few seconds is busy enough to afford
/// their database reads.
pub const MAX_ENTRIES: usize = 100_000;

/// The prefix of an invalidation message: `account:<uuid>`.
const ACCOUNT: &str = "account:";

#[derive(Debug, Clone, Copy)]
struct Entry {
    session: Authenticated,
    kept_until: DateTime<Utc>,
}

/// The cache, keyed by the token's digest (never the token itself).
#[derive(Debug)]
pub struct SessionCache {
    ttl: Duration,
    subscribed: AtomicBool,
    listening: AtomicBool,
    epoch: AtomicU64,
    entries: Mutex<HashMap<String, Entry>>,
}

/// What a reader notes before it reads a session from the database, to hand back with it.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl SessionCache {
    /// A cache keeping sessions `ttl` long; off (and forgetting) until its channel says
    /// [`BroadcastEvent::Connected`]. A zero `ttl` keeps nothing.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            subscribed: AtomicBool::new(false),
            listening: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // Nothing panics while holding the lock; if something did, the map is still whole.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// True the first time only: whoever gets it subscribes the cache to its channel.
    pub(crate) fn claim_subscription(&self) -> bool {
        self.ttl > Duration::zero() && !self.subscribed.swap(true, Ordering::AcqRel)
    }

    /// True while sessions are being kept.
    pub fn is_on(&self) -> bool {
        self.ttl > Duration::zero() && self.listening.load(Ordering::Acquire)
    }

    /// The session of the token with this digest, if kept and still good at `now`.
    pub fn get(&self, digest: &str, now: DateTime<Utc>) -> Option<Authenticated> {
        if !self.is_on() {
            return None;
        }
        let entry = *self.entries().get(digest)?;
        (now < entry.kept_until).then_some(entry.session)
    }

    /// Taken before reading a session from the database.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.epoch.load(Ordering::Acquire))
    }

    /// Keeps a session read from the database with `ticket`, unless an invalidation came
    /// since (it may have been read before that change committed).
    pub fn keep(&self, digest: String, session: Authenticated, ticket: Ticket, now: DateTime<Utc>) {
        if !self.is_on() {
            return;
        }
        let kept_until = (now + self.ttl).min(session.expires_at);
        let mut entries = self.entries();
        if self.epoch.load(Ordering::Acquire) != ticket.0 || !self.is_on() {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.kept_until > now);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            digest,
            Entry {
                session,
                kept_until,
            },
        );
    }

    /// Forgets every session of `account_id`.
    pub fn forget_account(&self, account_id: Uuid) {
        let mut entries = self.entries();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.retain(|_, e| e.session.actor.account_id != account_id);
    }

    fn forget_all(&self) {
        let mut entries = self.entries();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    /// The message that tells every process to forget `account_id`'s sessions.
    pub fn message(account_id: Uuid) -> String {
        format!("{ACCOUNT}{account_id}")
    }

    /// Acts on what the broadcast channel says.
    pub fn hear(&self, event: BroadcastEvent) {
        match event {
            BroadcastEvent::Connected => {
                self.forget_all();
                self.listening.store(true, Ordering::Release);
            }
            BroadcastEvent::Lost => {
                self.listening.store(false, Ordering::Release);
                self.forget_all();
            }
            BroadcastEvent::Message(text) => {
                match text.strip_prefix(ACCOUNT).map(Uuid::parse_str) {
                    Some(Ok(account_id)) => self.forget_account(account_id),
                    // A message this version does not know: forgetting everything is
                    // always safe.
                    _ => self.forget_all(),
                }
            }
        }
    }

    /// How many sessions are kept now (for tests and metrics).
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Actor, Role};

    fn session(account_id: Uuid, expires_at: DateTime<Utc>) -> Authenticated {
        Authenticated {
            actor: Actor {
                account_id,
                role: Role::Customer,
            },
            session_id: Uuid::now_v7(),
            expires_at,
            must_change_password: false,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn listening(ttl_secs: i64) -> SessionCache {
        let cache = SessionCache::new(Duration::seconds(ttl_secs));
        cache.hear(BroadcastEvent::Connected);
        cache
    }

    #[test]
    fn keeps_nothing_until_the_channel_is_up() {
        let cache = SessionCache::new(Duration::seconds(5));
        let s = session(Uuid::now_v7(), now() + Duration::hours(1));
        cache.keep("d".into(), s, cache.ticket(), now());
        assert!(cache.get("d", now()).is_none());
        cache.hear(BroadcastEvent::Connected);
        cache.keep("d".into(), s, cache.ticket(), now());
        assert!(cache.get("d", now()).is_some());
    }

    #[test]
    fn an_entry_lives_the_ttl_and_never_past_the_session() {
        let cache = listening(5);
        let s = session(Uuid::now_v7(), now() + Duration::hours(1));
        cache.keep("d".into(), s, cache.ticket(), now());
        assert!(cache.get("d", now() + Duration::seconds(4)).is_some());
        assert!(cache.get("d", now() + Duration::seconds(5)).is_none());

        let ending = session(Uuid::now_v7(), now() + Duration::seconds(2));
        cache.keep("e".into(), ending, cache.ticket(), now());
        assert!(cache.get("e", now() + Duration::seconds(1)).is_some());
        assert!(cache.get("e", now() + Duration::seconds(2)).is_none());
    }

    #[test]
    fn a_message_forgets_that_account_only() {
        let cache = listening(5);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let later = now() + Duration::hours(1);
        cache.keep("a1".into(), session(a, later), cache.ticket(), now());
        cache.keep("a2".into(), session(a, later), cache.ticket(), now());
        cache.keep("b1".into(), session(b, later), cache.ticket(), now());
        cache.hear(BroadcastEvent::Message(SessionCache::message(a)));
        assert!(cache.get("a1", now()).is_none());
        assert!(cache.get("a2", now()).is_none());
        assert!(cache.get("b1", now()).is_some());
    }

    #[test]
    fn a_read_that_raced_an_invalidation_is_not_kept() {
        let cache = listening(5);
        let a = Uuid::now_v7();
        let ticket = cache.ticket();
        // The logout commits and is heard while the reader still holds the old row.
        cache.hear(BroadcastEvent::Message(SessionCache::message(a)));
        cache.keep(
            "a1".into(),
            session(a, now() + Duration::hours(1)),
            ticket,
            now(),
        );
        assert!(cache.get("a1", now()).is_none());
    }

    #[test]
    fn losing_the_channel_forgets_everything_and_stops_keeping() {
        let cache = listening(5);
        let s = session(Uuid::now_v7(), now() + Duration::hours(1));
        cache.keep("d".into(), s, cache.ticket(), now());
        cache.hear(BroadcastEvent::Lost);
        assert!(cache.is_empty());
        cache.keep("d".into(), s, cache.ticket(), now());
        assert!(cache.get("d", now()).is_none());
    }

    #[test]
    fn an_unknown_message_forgets_everything() {
        let cache = listening(5);
        let s = session(Uuid::now_v7(), now() + Duration::hours(1));
        cache.keep("d".into(), s, cache.ticket(), now());
        cache.hear(BroadcastEvent::Message("something new".into()));
        assert!(cache.get("d", now()).is_none());
    }

    #[test]
    fn a_zero_ttl_keeps_nothing() {
        let cache = listening(0);
        let s = session(Uuid::now_v7(), now() + Duration::hours(1));
        cache.keep("d".into(), s, cache.ticket(), now());
        assert!(cache.get("d", now()).is_none());
    }
}
