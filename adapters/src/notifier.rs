//! The **Notifier port**: how a message leaves the bank for a customer's phone or mailbox.
//!
//! The business decides *what* to say and *when* (the outbox, templates and contact
//! windows live in `domain::notices`); how the words travel is this port's concern. Each
//! way out is one implementation of [`Notifier`]:
//!
//! * `smtp.rs` — e-mail through a configured SMTP server (lettre, plain, STARTTLS or TLS);
//! * `sms_gateway.rs` — text messages through an HTTP gateway (the partner simulator
//!   serves one for tests and demos);
//! * `local.rs` — nowhere: the message stays in the outbox, where the embedded demo reads
//!   it. The default when no server is configured, so `cargo run` needs no mail server.
//!
//! Every envelope carries the outbox message's id as its reference; a gateway that honours
//! idempotency keys sends it once however often we retry. SMTP has no such key, so an
//! e-mail may arrive twice if a worker dies between the server's "250" and our record of it.

use std::fmt::{self, Debug};
use std::sync::Arc;

use async_trait::async_trait;

pub mod local;
pub mod sms_gateway;
pub mod smtp;

pub use local::LocalDelivery;
pub use sms_gateway::SmsGateway;
pub use smtp::SmtpNotifier;

/// One message to one address. The address is personal data: `Debug` masks it.
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The outbox message's id: the idempotency key and our half of the provider's record.
    pub reference: String,
    /// An e-mail address or a mobile number, by channel.
    pub to: String,
    /// The subject line (e-mail only; text messages carry the body alone).
    pub subject: String,
    /// The text.
    pub body: String,
}

impl Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("reference", &self.reference)
            .field("to", &mask(&self.to))
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Shows the first two and the last two characters of an address, so logs can tell two
/// addresses apart without holding either.
pub fn mask(address: &str) -> String {
    let chars: Vec<char> = address.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 4))
}

/// What the provider said when it took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The provider's reference (a gateway's message id, an SMTP server's queue id), kept
    /// with the message so a complaint can be traced at the provider.
    pub provider_ref: String,
}

/// Why a message was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// The provider refused this message for good (a malformed address, a number the
    /// gateway will not serve): sending it again would be refused again.
    #[error("refused: {0}")]
    Rejected(String),
    /// The provider could not be reached or asked us to come back later: worth a retry.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// A way out for messages. Shared across tasks (hence `Send + Sync`) and printed in the
/// platform's Debug output (hence `Debug`, which must not show credentials).
#[async_trait]
pub trait Notifier: Send + Sync + Debug {
    /// A short name for logs and for the message's record (`smtp`, `sms-gateway`, `local`).
    fn name(&self) -> &str;

    /// Hands one message to the provider. Returns once the provider has accepted it (not
    /// when the customer has read it).
    async fn send(&self, envelope: &Envelope) -> Result<Delivered, NotifyError>;
}

/// The way out for each channel, chosen by the launcher from configuration.
#[derive(Debug, Clone)]
pub struct Notifiers {
    /// E-mail.
    pub email: Arc<dyn Notifier>,
    /// Text messages.
    pub sms: Arc<dyn Notifier>,
}

impl Notifiers {
    /// Both channels kept in the outbox (the embedded default, and tests that read the
    /// outbox rather than a server).
    pub fn local() -> Self {
        Self {
            email: Arc::new(LocalDelivery),
            sms: Arc::new(LocalDelivery),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_in_debug_output() {
        let e = Envelope {
            reference: "m-1".into(),
            to: "13800001234".into(),
            subject: "s".into(),
            body: "code 123456".into(),
        };
        let shown = format!("{e:?}");
        assert!(shown.contains("13*******34"), "{shown}");
        assert!(!shown.contains("13800001234"), "{shown}");
        assert!(!shown.contains("123456"), "{shown}");
        assert_eq!(mask("abc"), "***");
    }
}
