//! An external credit bureau over signed HTTP.
//!
//! Every request is signed ([`crate::signing`]) and every answer must be signed back with
//! the same secret and echo our request id: the bureau is outside the bank, so neither
//! direction is trusted on its word. Failures are classified for the caller (retry later,
//! or alert) and never mention the ID number.
//!
//! * `config.rs` — settings and their start-up checks;
//! * `wire.rs` — the bureau's JSON format and the transformers to and from domain types;
//! * `response.rs` — status, size, signature and content checks on the answer.

use std::fmt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Client, Url, redirect};
use uuid::Uuid;

use crate::credit_bureau::{BureauError, CreditBureau, CreditQuery, CreditReport};
use crate::signing::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};

mod config;
mod response;
pub mod wire;

pub use config::{BureauConfigError, HttpBureauConfig};

use response::Expected;
use wire::{CLIENT_HEADER, CreditReportRequest};

/// The longest we wait for a TCP (and TLS) connection, whatever the total budget: a
/// bureau that cannot accept a connection within this is down, and failing fast lets the
/// caller say so while the customer is still looking.
const CONNECT_TIMEOUT_CAP: Duration = Duration::from_secs(2);

/// A client of one external bureau. Cheap to share: clone the `Arc` it lives in, the
/// connection pool is inside.
pub struct HttpCreditBureau {
    client: Client,
    endpoint: Url,
    client_id: HeaderValue,
    secret: String,
    timeout: Duration,
    name: String,
    source: String,
}

impl HttpCreditBureau {
    /// Checks the settings and builds the HTTP client (connect timeout `min(timeout, 2 s)`,
    /// total timeout `timeout`, no redirects: a signed request is for the bureau only).
    /// Refused with a message naming the problem, so start-up can report it.
    pub fn new(config: HttpBureauConfig) -> Result<Self, BureauConfigError> {
        let endpoint = config.endpoint()?;
        let client_id = config.validate()?;
        if HttpBureauConfig::is_cleartext_remote(&endpoint) {
            tracing::warn!(
                bureau = %config.name,
                endpoint = %endpoint,
                "the credit bureau is reached over plain http: ID numbers will cross the network unencrypted"
            );
        }
        let client = Client::builder()
            .connect_timeout(config.timeout.min(CONNECT_TIMEOUT_CAP))
            .timeout(config.timeout)
            .redirect(redirect::Policy::none())
            .user_agent(concat!("fenqi-adapters/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BureauConfigError::Client(e.to_string()))?;
        let name = config.name.trim().to_owned();
        Ok(Self {
            client,
            endpoint,
            client_id,
            secret: config.secret,
            timeout: config.timeout,
            source: CreditReport::external_source(&name),
            name,
        })
    }

    /// Sends one signed inquiry and checks the answer.
    async fn inquire(&self, query: &CreditQuery) -> Result<CreditReport, BureauError> {
        let request_id = Uuid::now_v7().to_string();
        let body = serde_json::to_vec(&CreditReportRequest::from_query(query, request_id.clone()))
            .map_err(|e| BureauError::Rejected(format!("the request could not be encoded: {e}")))?;
        let timestamp = Utc::now().timestamp();
        let signature = signing::sign(self.secret.as_bytes(), timestamp, &body);
        let response = self
            .client
            .post(self.endpoint.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(CLIENT_HEADER, self.client_id.clone())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| response::transport(&e))?;
        let expected = Expected {
            secret: self.secret.as_bytes(),
            request_id: &request_id,
            id_number: &query.id_number,
            source: &self.source,
        };
        response::read(response, &expected).await
    }
}

#[async_trait]
impl CreditBureau for HttpCreditBureau {
    fn name(&self) -> &str {
        &self.name
    }

    #[tracing::instrument(name = "credit_bureau.fetch", skip_all, fields(bureau = %self.name))]
    async fn fetch(&self, query: &CreditQuery) -> Result<CreditReport, BureauError> {
        let started = Instant::now();
        let result = self.inquire(query).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(report) => tracing::debug!(
                elapsed_ms,
                scored = report.score.is_some(),
                "credit report received"
            ),
            Err(err) => {
                tracing::warn!(elapsed_ms, retryable = err.is_retryable(), error = %err, "credit report not received")
            }
        }
        result
    }
}

impl fmt::Debug for HttpCreditBureau {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpCreditBureau")
            .field("name", &self.name)
            .field("endpoint", &self.endpoint.as_str())
            .field("client_id", &self.client_id)
            .field("secret", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base_url: &str) -> HttpBureauConfig {
        HttpBureauConfig::new(base_url, "fenqi", "a-secret-of-sixteen+")
    }

    #[test]
    fn the_endpoint_is_joined_under_the_base_url() {
        for (base, endpoint) in [
            (
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080/v1/credit-reports",
            ),
            (
                "https://bureau.example/api/",
                "https://bureau.example/api/v1/credit-reports",
            ),
            (
                "https://bureau.example/api",
                "https://bureau.example/api/v1/credit-reports",
            ),
        ] {
            let bureau = HttpCreditBureau::new(config(base)).unwrap();
            assert_eq!(bureau.endpoint.as_str(), endpoint);
            assert_eq!(bureau.name(), "bureau");
            assert_eq!(bureau.source, "external:bureau");
        }
    }

    #[test]
    fn wrong_settings_are_refused_with_a_reason() {
        for base in [
            "",
            "bureau.example",
            "ftp://bureau.example",
            "https://bureau.example/?x=1",
            "https://u:p@bureau.example",
        ] {
            assert!(
                matches!(
                    HttpCreditBureau::new(config(base)),
                    Err(BureauConfigError::BaseUrl(_))
                ),
                "{base:?}"
            );
        }
        let mut c = config("https://bureau.example");
        c.secret.clear();
        assert!(matches!(
            HttpCreditBureau::new(c),
            Err(BureauConfigError::EmptySecret)
        ));
        let mut c = config("https://bureau.example");
        c.timeout = Duration::ZERO;
        assert!(matches!(
            HttpCreditBureau::new(c),
            Err(BureauConfigError::Timeout)
        ));
        let mut c = config("https://bureau.example");
        c.client_id = "fen\nqi".into();
        assert!(matches!(
            HttpCreditBureau::new(c),
            Err(BureauConfigError::ClientId(_))
        ));
        let mut c = config("https://bureau.example");
        c.name = " ".into();
        assert!(matches!(
            HttpCreditBureau::new(c),
            Err(BureauConfigError::Name)
        ));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let c = config("https://bureau.example");
        assert!(!format!("{c:?}").contains("a-secret-of-sixteen+"));
        let bureau = HttpCreditBureau::new(c).unwrap();
        let shown = format!("{bureau:?}");
        assert!(
            !shown.contains("a-secret-of-sixteen+") && shown.contains("<redacted>"),
            "{shown}"
        );
    }

    #[test]
    fn only_remote_plain_http_is_cleartext() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(HttpBureauConfig::is_cleartext_remote(&url(
            "http://bureau.example/v1"
        )));
        assert!(!HttpBureauConfig::is_cleartext_remote(&url(
            "https://bureau.example/v1"
        )));
        assert!(!HttpBureauConfig::is_cleartext_remote(&url(
            "http://127.0.0.1:9/v1"
        )));
        assert!(!HttpBureauConfig::is_cleartext_remote(&url(
            "http://[::1]:9/v1"
        )));
        assert!(!HttpBureauConfig::is_cleartext_remote(&url(
            "http://localhost:9/v1"
        )));
    }
}
