//! One topic on the fleet channel (Redis publish/subscribe with a Redis queue, this
//! process alone on the embedded default): "this thing changed, look again". A topic is a
//! prefix (`plan:`, `campaign:`) and the id of what changed; each process forwards what it
//! hears under its prefix to its own subscribers, whichever process (API or worker)
//! published. The message only says "look again": one lost while the channel was down
//! costs a late update, never a wrong one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use adapters::broadcast::{Broadcast, BroadcastEvent};
use tokio::sync::broadcast;
use uuid::Uuid;

/// The topic of plans (`planUpdated`).
pub const PLANS: &str = "plan:";
/// The topic of campaigns (`campaignProgress`).
pub const CAMPAIGNS: &str = "campaign:";

/// This process's side of one topic.
#[derive(Debug)]
pub struct Topic {
    prefix: &'static str,
    local: broadcast::Sender<Uuid>,
    listening: AtomicBool,
}

impl Topic {
    /// A topic under `prefix` (`plan:`).
    pub fn new(prefix: &'static str) -> Self {
        Self {
            prefix,
            local: broadcast::channel(1_024).0,
            listening: AtomicBool::new(false),
        }
    }

    /// A receiver of the ids published under the prefix from now on; the first call
    /// starts forwarding the channel's messages to this process's receivers.
    pub fn subscribe(&self, channel: &dyn Broadcast) -> broadcast::Receiver<Uuid> {
        if !self.listening.swap(true, Ordering::SeqCst) {
            let local = self.local.clone();
            let prefix = self.prefix;
            channel.listen(Arc::new(move |event| {
                if let BroadcastEvent::Message(text) = event
                    && let Some(id) = text
                        .strip_prefix(prefix)
                        .and_then(|id| Uuid::parse_str(id).ok())
                {
                    // No subscriber is not an error.
                    let _ = local.send(id);
                }
            }));
        }
        self.local.subscribe()
    }

    /// Tells every process that `id` changed (call after the change committed); a
    /// channel that does not take it is logged, not an error.
    pub async fn publish(&self, channel: &dyn Broadcast, id: Uuid) {
        if let Err(e) = channel.publish(&format!("{}{id}", self.prefix)).await {
            tracing::warn!(topic = self.prefix, %id, error = %e, "an update was not broadcast; subscribers see it at the next change");
        }
    }
}
