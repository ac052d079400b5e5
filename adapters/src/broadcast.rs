//! The broadcast port: a short message that every API process of the fleet hears.
//!
//! Some facts must reach every process at once, not at its next database read: a logout, a
//! disabled account, a changed password end sessions that other processes may hold in a
//! short-lived cache. One process can tell itself ([`memory`]); a fleet behind a load
//! balancer needs a shared channel ([`redis`], Redis publish/subscribe, when Redis is
//! configured).
//!
//! A listener also hears when the channel is lost and when it is back
//! ([`BroadcastEvent::Lost`], [`BroadcastEvent::Connected`]): messages published while it
//! was away are gone, so whoever caches on the strength of these messages must stop
//! caching while the channel is down and start afresh when it is back.

pub mod memory;
pub mod redis;

use std::sync::Arc;

pub use memory::MemoryBroadcast;
pub use redis::RedisBroadcast;

/// Why a message could not be published.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the broadcast channel did not take the message: {0}")]
pub struct BroadcastError(pub String);

/// What a listener hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BroadcastEvent {
    /// The channel is up: from now on every message published is heard. Also sent after
    /// a reconnection.
    Connected,
    /// The channel is down: messages published from now on may not be heard until
    /// [`BroadcastEvent::Connected`] comes again.
    Lost,
    /// A message, as published (by this process or another).
    Message(String),
}

/// Called for every event, on the channel's own task: it must return quickly.
pub type Listener = Arc<dyn Fn(BroadcastEvent) + Send + Sync>;

/// Publishes to and listens on one channel shared by the fleet.
#[async_trait::async_trait]
pub trait Broadcast: Send + Sync + std::fmt::Debug {
    /// Sends `message` to every listener of the channel, this process's included.
    async fn publish(&self, message: &str) -> Result<(), BroadcastError>;

    /// Starts delivering events to `listener` (on a task of its own for a shared channel,
    /// which reconnects after a loss). The first event is [`BroadcastEvent::Connected`]
    /// once the channel is up.
    fn listen(&self, listener: Listener);

    /// `memory` or `redis`, for logs.
    fn backend(&self) -> &'static str;
}
