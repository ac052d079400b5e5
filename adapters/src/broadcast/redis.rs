//! Broadcasting through Redis publish/subscribe, to every API process of a fleet.
//!
//! Each listener holds one subscribed connection on its own task. Redis keeps no message
//! for a subscriber that is away, so the task pings the connection every few seconds and,
//! when the connection fails or stops answering, tells the listener [`BroadcastEvent::Lost`]
//! before it reconnects (every second, then less often, up to every 10 s), and
//! [`BroadcastEvent::Connected`] once subscribed again.

use std::time::Duration;

use futures::StreamExt;
use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;

use super::{Broadcast, BroadcastError, BroadcastEvent, Listener};

/// How long a connect, a subscribe, a publish or a ping may take before the channel is
/// taken as down.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// How often an idle subscribed connection is checked. With its answer time this stays
/// under the default session-cache lifetime (5 s), so a silently dead subscription is
/// noticed before a kept session could outlive an unheard logout by that much.
const PING_EVERY: Duration = Duration::from_secs(2);

/// How long a ping may take.
const PING_WITHIN: Duration = Duration::from_secs(1);

/// The longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// The Redis channel.
pub struct RedisBroadcast {
    client: redis::Client,
    channel: String,
    conn: OnceCell<ConnectionManager>,
}

impl std::fmt::Debug for RedisBroadcast {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never printed.
        f.debug_struct("RedisBroadcast")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl RedisBroadcast {
    /// The channel `{prefix}:{topic}` on the Redis at `url`. Connects on first use.
    pub fn new(url: &str, prefix: &str, topic: &str) -> Result<Self, BroadcastError> {
        let client = redis::Client::open(url).map_err(|e| BroadcastError(e.to_string()))?;
        Ok(Self {
            client,
            channel: format!("{prefix}:{topic}"),
            conn: OnceCell::new(),
        })
    }

    /// Subscribes and delivers until the connection fails; answers why it ended.
    async fn deliver(
        client: &redis::Client,
        channel: &str,
        listener: &Listener,
    ) -> Result<(), String> {
        let mut pubsub = tokio::time::timeout(ANSWER_WITHIN, client.get_async_pubsub())
            .await
            .map_err(|_| "no answer to connect".to_owned())?
            .map_err(|e| e.to_string())?;
        tokio::time::timeout(ANSWER_WITHIN, pubsub.subscribe(channel))
            .await
            .map_err(|_| "no answer to subscribe".to_owned())?
            .map_err(|e| e.to_string())?;
        let (mut sink, mut messages) = pubsub.split();
        listener(BroadcastEvent::Connected);
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        loop {
            tokio::select! {
                message = messages.next() => match message {
                    Some(message) => match message.get_payload::<String>() {
                        Ok(text) => listener(BroadcastEvent::Message(text)),
                        Err(e) => tracing::warn!(error = %e, "a broadcast message that is not text was ignored"),
                    },
                    None => return Err("the connection closed".into()),
                },
                _ = ping.tick() => {
                    tokio::time::timeout(PING_WITHIN, sink.ping::<redis::Value>())
                        .await
                        .map_err(|_| "no answer to ping".to_owned())?
                        .map_err(|e| e.to_string())?;
                }
            }
        }
    }
}

#[async_trait::async_trait]
impl Broadcast for RedisBroadcast {
    async fn publish(&self, message: &str) -> Result<(), BroadcastError> {
        let conn = self
            .conn
            .get_or_try_init(|| async {
                tokio::time::timeout(ANSWER_WITHIN, ConnectionManager::new(self.client.clone()))
                    .await
                    .map_err(|_| BroadcastError("no answer within 2 s".into()))?
                    .map_err(|e| BroadcastError(e.to_string()))
            })
            .await?;
        let mut conn = conn.clone();
        let _receivers: i64 = tokio::time::timeout(
            ANSWER_WITHIN,
            redis::cmd("PUBLISH")
                .arg(&self.channel)
                .arg(message)
                .query_async(&mut conn),
        )
        .await
        .map_err(|_| BroadcastError("no answer within 2 s".into()))?
        .map_err(|e| BroadcastError(e.to_string()))?;
        Ok(())
    }

    fn listen(&self, listener: Listener) {
        let client = self.client.clone();
        let channel = self.channel.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_secs(1);
            loop {
                let started = tokio::time::Instant::now();
                let why = Self::deliver(&client, &channel, &listener)
                    .await
                    .err()
                    .unwrap_or_default();
                listener(BroadcastEvent::Lost);
                if started.elapsed() > MAX_BACKOFF {
                    backoff = Duration::from_secs(1);
                }
                tracing::warn!(channel = %channel, error = %why, retry_in_s = backoff.as_secs(), "broadcast channel lost; reconnecting");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        });
    }

    fn backend(&self) -> &'static str {
        "redis"
    }
}
