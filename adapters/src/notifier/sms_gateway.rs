//! Text messages through an HTTP gateway: `POST <url>` with
//! `{"to", "text", "reference"}` and the reference again as `Idempotency-Key`, so a
//! retried request is one text. The gateway answers 2xx with `{"id"}`; 4xx (but 429)
//! refuses the message for good; 429, 5xx and transport errors are worth a retry.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Delivered, Envelope, Notifier, NotifyError};
use crate::secret::Secret;

/// How long the gateway may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What we send.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SmsRequest {
    /// The mobile number.
    pub to: String,
    /// The text.
    pub text: String,
    /// Our message id (also the idempotency key).
    pub reference: String,
}

/// What the gateway answers when it takes a message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SmsAccepted {
    /// The gateway's message id.
    pub id: String,
}

/// A gateway at one URL.
pub struct SmsGateway {
    client: reqwest::Client,
    url: Secret,
    /// The URL without its query (which may hold a key), for Debug.
    shown: String,
}

impl std::fmt::Debug for SmsGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsGateway")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

impl SmsGateway {
    /// A gateway at `url` (`http(s)://…`; a key may ride in the query string).
    pub fn new(url: &str) -> Result<Self, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("use an http:// or https:// URL".into());
        }
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| format!("could not build the HTTP client: {e}"))?;
        let mut shown = parsed.clone();
        shown.set_query(None);
        let _ = shown.set_password(None);
        Ok(Self {
            client,
            url: Secret::new(url.to_owned()),
            shown: shown.to_string(),
        })
    }
}

#[async_trait]
impl Notifier for SmsGateway {
    fn name(&self) -> &str {
        "sms-gateway"
    }

    async fn send(&self, envelope: &Envelope) -> Result<Delivered, NotifyError> {
        let request = SmsRequest {
            to: envelope.to.clone(),
            text: envelope.body.clone(),
            reference: envelope.reference.clone(),
        };
        let answer = self
            .client
            .post(self.url.expose())
            .header("Idempotency-Key", &envelope.reference)
            .json(&request)
            .send()
            .await
            .map_err(|e| {
                NotifyError::Unavailable(format!("the SMS gateway did not answer: {e}"))
            })?;
        let status = answer.status();
        if status.is_success() {
            let accepted: SmsAccepted = answer.json().await.map_err(|e| {
                NotifyError::Unavailable(format!("the SMS gateway's answer was unreadable: {e}"))
            })?;
            return Ok(Delivered {
                provider_ref: accepted.id,
            });
        }
        let body = answer.text().await.unwrap_or_default();
        let said = format!("the SMS gateway answered {status}: {}", body.trim());
        if status.is_client_error() && status.as_u16() != 429 {
            Err(NotifyError::Rejected(said))
        } else {
            Err(NotifyError::Unavailable(said))
        }
    }
}
