//! No delivery at all: the message stays in the outbox. The embedded demo runs without a
//! mail server or SMS gateway, and its admin reads the outbox instead (`demoOutbox`).

use async_trait::async_trait;

use super::{Delivered, Envelope, Notifier, NotifyError};

/// Keeps messages in the outbox and says so in the provider reference (`local:<id>`).
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalDelivery;

#[async_trait]
impl Notifier for LocalDelivery {
    fn name(&self) -> &str {
        "local"
    }

    async fn send(&self, envelope: &Envelope) -> Result<Delivered, NotifyError> {
        Ok(Delivered {
            provider_ref: format!("local:{}", envelope.reference),
        })
    }
}
