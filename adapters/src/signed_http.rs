//! The one way Fenqi calls a partner over HTTP (a credit bureau, an installment platform):
//! the pipeline every port's HTTP implementation shares, so that signing, timeouts, retries,
//! answer checks and error sorting are written, tested and fixed once.
//!
//! A call: the JSON body is signed ([`crate::signing`], the house's HMAC scheme) with our
//! client id in `X-Fenqi-Client`; it is sent with a connect timeout of at most 2 s and the
//! partner's whole-request budget, never following a redirect (a signed request is for
//! the partner only); the answer's status is sorted (429 and 5xx: unavailable, retryable;
//! other 4xx: rejected; anything else not 2xx: malformed), its body read up to a cap, and
//! its signature checked with the same secret. Only a call marked [`Repeat::Idempotent`]
//! is tried again, after an unavailable answer, with backoff and jitter
//! ([`RetryPolicy`]). What the verified bytes mean is the port's business.
//!
//! * `config.rs` — a partner's settings ([`PartnerEndpoint`]) and their start-up checks;
//! * `answer.rs` — status, size and signature checks, error descriptions;
//! * `retry.rs` — when and how long to wait before trying again;
//! * `wire.rs` — the client header and error body every partner shares.

mod answer;
pub mod config;
pub mod retry;
pub mod wire;

use std::fmt;
use std::time::Duration;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Client, Url, redirect};
use serde::Serialize;

use crate::secret::Secret;
use crate::signing::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};

pub use config::{EndpointConfigError, PartnerEndpoint};
pub use retry::{Repeat, RetryPolicy};
pub use wire::{CLIENT_HEADER, ErrorBody, ErrorResponse};

/// The longest we wait for a TCP (and TLS) connection, whatever the total budget: a
/// partner that cannot accept a connection within this is down, and failing fast lets the
/// caller say so while the customer is still looking.
const CONNECT_TIMEOUT_CAP: Duration = Duration::from_secs(2);

/// The largest answer read by default: partner answers are a few kilobytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// How a partner call failed, sorted by what the caller should do about it. Messages
/// never contain what the call was asked to scrub.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No useful answer now (timeout, refused connection, 5xx, 429): later may succeed.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The partner refused the request (a 4xx other than 429): the same request will not
    /// succeed; configuration or data needs attention.
    #[error("refused: {0}")]
    Rejected(String),
    /// An answer that cannot be trusted or used (badly signed, too large, an unexpected
    /// status).
    #[error("malformed answer: {0}")]
    Malformed(String),
}

impl CallError {
    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// A client of one partner. Cheap to share behind an `Arc`: the connection pool is inside.
pub struct SignedHttpClient {
    client: Client,
    base: String,
    client_id: HeaderValue,
    secret: Secret,
    name: String,
    timeout: Duration,
    retry: RetryPolicy,
    max_body_bytes: usize,
    /// The clock requests are signed and answers checked with: the wall clock, or the
    /// business clock (which tests move) when the partner shares it.
    now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
}

impl SignedHttpClient {
    /// Checks the settings and builds the HTTP client. Refused with a message naming the
    /// problem, so start-up can report it; plain `http://` to a remote host is warned
    /// about.
    pub fn new(endpoint: PartnerEndpoint, retry: RetryPolicy) -> Result<Self, EndpointConfigError> {
        let base = endpoint.base()?;
        let client_id = endpoint.validate()?;
        if let Ok(url) = Url::parse(&base)
            && PartnerEndpoint::is_cleartext_remote(&url)
        {
            tracing::warn!(
                partner = %endpoint.name,
                base_url = %base,
                "a partner is reached over plain http: what is sent crosses the network unencrypted"
            );
        }
        let client = Client::builder()
            .connect_timeout(endpoint.timeout.min(CONNECT_TIMEOUT_CAP))
            .timeout(endpoint.timeout)
            .redirect(redirect::Policy::none())
            .user_agent(concat!("fenqi-adapters/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| EndpointConfigError::Client(e.to_string()))?;
        Ok(Self {
            client,
            base,
            client_id,
            secret: endpoint.secret,
            name: endpoint.name.trim().to_owned(),
            timeout: endpoint.timeout,
            retry,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            now: Arc::new(Utc::now),
        })
    }

    /// The same client signing and checking with `now` instead of the wall clock.
    pub fn with_clock(mut self, now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>) -> Self {
        self.now = now;
        self
    }

    /// The partner's name, for logs.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL of `path` (which starts with `/`) at this partner.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Posts `body` as signed JSON to `path` and answers with the verified body of a 2xx
    /// answer. `scrub` lists values (an ID number) never to repeat in an error message.
    pub async fn post_json<T: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &T,
        repeat: Repeat,
        scrub: &[&str],
    ) -> Result<Vec<u8>, CallError> {
        let body = serde_json::to_vec(body)
            .map_err(|e| CallError::Rejected(format!("the request could not be encoded: {e}")))?;
        let url = self.url(path);
        let attempts = match repeat {
            Repeat::Idempotent => self.retry.attempts.max(1),
            Repeat::Once => 1,
        };
        let mut attempt = 1;
        loop {
            let result = self.send_once(&url, &body, scrub).await;
            match result {
                Err(e) if e.is_retryable() && attempt < attempts => {
                    attempt += 1;
                    let wait = self.retry.delay(attempt, retry::jitter());
                    tracing::debug!(partner = %self.name, attempt, wait_ms = wait.as_millis() as u64, error = %e, "retrying a partner call");
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    async fn send_once(
        &self,
        url: &str,
        body: &[u8],
        scrub: &[&str],
    ) -> Result<Vec<u8>, CallError> {
        let now = (self.now)();
        let timestamp = now.timestamp();
        let signature = signing::sign(self.secret.expose().as_bytes(), timestamp, body);
        let response = self
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(CLIENT_HEADER, self.client_id.clone())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| answer::transport(&e))?;
        answer::read(
            response,
            self.secret.expose().as_bytes(),
            self.max_body_bytes,
            now,
            scrub,
        )
        .await
    }
}

impl fmt::Debug for SignedHttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedHttpClient")
            .field("name", &self.name)
            .field("base", &self.base)
            .field("client_id", &self.client_id)
            .field("secret", &self.secret)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}
