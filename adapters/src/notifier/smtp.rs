//! E-mail through an SMTP server (lettre). The URL says how to reach it:
//! `smtp://host:25` (plain, for a relay on the bank's own network or a test server),
//! `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://user:pass@host:465`.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{Delivered, Envelope, Notifier, NotifyError};

/// How long one conversation with the server may take before it counts as unavailable.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Sends e-mail through one SMTP server, reusing its connections.
pub struct SmtpNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The server without credentials, for Debug and logs.
    server: String,
}

impl std::fmt::Debug for SmtpNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpNotifier")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// A server URL or sender address that cannot be used: the launcher stops with it.
#[derive(Debug, thiserror::Error)]
pub enum SmtpConfigError {
    /// The URL is not an SMTP URL lettre understands.
    #[error(
        "not a usable SMTP URL ({0}); use smtp://host:port, smtp://user:pass@host:587?tls=required or smtps://user:pass@host:465"
    )]
    Url(String),
    /// The sender is not a mailbox.
    #[error("not a usable sender address ({0}); use e.g. \"Fenqi <no-reply@bank.example>\"")]
    From(String),
}

impl SmtpNotifier {
    /// Checks `url` and `from` without connecting or starting anything (for reading
    /// settings before the runtime runs).
    pub fn check(url: &str, from: &str) -> Result<(), SmtpConfigError> {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| SmtpConfigError::Url(e.to_string()))?;
        from.parse::<Mailbox>()
            .map_err(|e| SmtpConfigError::From(e.to_string()))?;
        Ok(())
    }

    /// A notifier for the server at `url`, sending as `from`. Connects lazily: a server
    /// that is down at start is retried message by message. Must be called inside a tokio
    /// runtime (the connection pool runs on it).
    pub fn new(url: &str, from: &str) -> Result<Self, SmtpConfigError> {
        Self::check(url, from)?;
        let from: Mailbox = from
            .parse()
            .map_err(|e: lettre::address::AddressError| SmtpConfigError::From(e.to_string()))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| SmtpConfigError::Url(e.to_string()))?
            .timeout(Some(TIMEOUT))
            .build();
        let server = match url.split_once('@') {
            Some((scheme_and_user, host)) => {
                let scheme = scheme_and_user.split("://").next().unwrap_or("smtp");
                format!("{scheme}://{host}")
            }
            None => url.to_owned(),
        };
        Ok(Self {
            transport,
            from,
            server,
        })
    }
}

#[async_trait]
impl Notifier for SmtpNotifier {
    fn name(&self) -> &str {
        "smtp"
    }

    async fn send(&self, envelope: &Envelope) -> Result<Delivered, NotifyError> {
        let to: Mailbox = envelope
            .to
            .parse()
            .map_err(|e| NotifyError::Rejected(format!("not an e-mail address: {e}")))?;
        let message_id = format!("<{}@fenqi>", envelope.reference);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(envelope.subject.clone())
            .message_id(Some(message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(envelope.body.clone())
            .map_err(|e| NotifyError::Rejected(format!("could not build the message: {e}")))?;
        match self.transport.send(message).await {
            Ok(response) => {
                let said: Vec<&str> = response.message().collect();
                Ok(Delivered {
                    provider_ref: format!("{message_id} {}", said.join(" ")).trim().to_owned(),
                })
            }
            Err(e) if e.is_permanent() => Err(NotifyError::Rejected(e.to_string())),
            Err(e) => Err(NotifyError::Unavailable(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_refused_with_what_to_write() {
        let e = SmtpNotifier::check("http://mail", "a@b.c").expect_err("scheme");
        assert!(e.to_string().contains("smtp://host:port"), "{e}");
        let e = SmtpNotifier::check("smtp://127.0.0.1:25", "not an address").expect_err("from");
        assert!(e.to_string().contains("sender"), "{e}");
        SmtpNotifier::check("smtps://u:p@mail.example:465", "Fenqi <a@b.c>").expect("valid");
    }

    #[tokio::test]
    async fn credentials_never_show() {
        let n = SmtpNotifier::new(
            "smtp://user:secret@mail.example:587?tls=required",
            "Fenqi <no-reply@bank.example>",
        )
        .expect("valid");
        let shown = format!("{n:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("mail.example:587"), "{shown}");
    }
}
