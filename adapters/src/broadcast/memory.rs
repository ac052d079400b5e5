//! Broadcasting within this process only: for one API process (the embedded default), and
//! for tests of what listens.

use std::sync::Mutex;

use super::{Broadcast, BroadcastError, BroadcastEvent, Listener};

/// Delivers each message to this process's listeners, at once, in the publisher's task.
#[derive(Default)]
pub struct MemoryBroadcast {
    listeners: Mutex<Vec<Listener>>,
}

impl std::fmt::Debug for MemoryBroadcast {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBroadcast").finish_non_exhaustive()
    }
}

impl MemoryBroadcast {
    /// A channel with no listener yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn listeners(&self) -> Vec<Listener> {
        // A listener that panicked cannot leave the list half-written: it is only cloned.
        match self.listeners.lock() {
            Ok(list) => list.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

#[async_trait::async_trait]
impl Broadcast for MemoryBroadcast {
    async fn publish(&self, message: &str) -> Result<(), BroadcastError> {
        for listener in self.listeners() {
            listener(BroadcastEvent::Message(message.to_owned()));
        }
        Ok(())
    }

    fn listen(&self, listener: Listener) {
        listener(BroadcastEvent::Connected);
        match self.listeners.lock() {
            Ok(mut list) => list.push(listener),
            Err(poisoned) => poisoned.into_inner().push(listener),
        }
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn every_listener_hears_connected_then_each_message() {
        let channel = MemoryBroadcast::new();
        let heard = Arc::new(Mutex::new(Vec::new()));
        for _ in 0..2 {
            let heard = heard.clone();
            channel.listen(Arc::new(move |event| heard.lock().unwrap().push(event)));
        }
        channel.publish("a").await.unwrap();
        let heard = heard.lock().unwrap().clone();
        assert_eq!(
            heard,
            vec![
                BroadcastEvent::Connected,
                BroadcastEvent::Connected,
                BroadcastEvent::Message("a".into()),
                BroadcastEvent::Message("a".into()),
            ]
        );
    }
}
