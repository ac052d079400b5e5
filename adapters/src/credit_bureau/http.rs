//! An external credit bureau over signed HTTP.
//!
//! The bureau is a partner like any other: requests and answers go through the house's
//! signed-HTTP pipeline ([`crate::signed_http`]: signing, timeouts, answer signature,
//! error sorting). What is the bureau's own is here: the endpoint, the JSON format
//! (`wire.rs`), that the answer must echo our request id, and that no error ever repeats
//! the ID number. An inquiry is sent once, never retried: a bureau may count each one
//! against the person's record.

use std::fmt;
use std::time::Instant;

use async_trait::async_trait;
use chrono::Utc;
use uuid::Uuid;

use crate::credit_bureau::{BureauError, CreditBureau, CreditQuery, CreditReport};
use crate::signed_http::{
    CallError, EndpointConfigError, PartnerEndpoint, Repeat, RetryPolicy, SignedHttpClient,
};

pub mod wire;

use wire::{CREDIT_REPORTS_PATH, CreditReportRequest, CreditReportResponse};

/// Settings for one external bureau: a partner endpoint. Debug never shows the secret.
pub type HttpBureauConfig = PartnerEndpoint;

/// Why an external bureau cannot be set up from its settings.
pub type BureauConfigError = EndpointConfigError;

/// A client of one external bureau. Cheap to share: clone the `Arc` it lives in, the
/// connection pool is inside.
pub struct HttpCreditBureau {
    http: SignedHttpClient,
    source: String,
}

impl HttpCreditBureau {
    /// Checks the settings and builds the client. Refused with a message naming the
    /// problem, so start-up can report it.
    pub fn new(config: HttpBureauConfig) -> Result<Self, BureauConfigError> {
        let http = SignedHttpClient::new(config, RetryPolicy::NONE)?;
        Ok(Self {
            source: CreditReport::external_source(http.name()),
            http,
        })
    }

    /// Sends one signed inquiry and checks the answer.
    async fn inquire(&self, query: &CreditQuery) -> Result<CreditReport, BureauError> {
        let request_id = Uuid::now_v7().to_string();
        let request = CreditReportRequest::from_query(query, request_id.clone());
        let body = self
            .http
            .post_json(
                CREDIT_REPORTS_PATH,
                &request,
                Repeat::Once,
                &[query.id_number.as_str()],
            )
            .await
            .map_err(|e| match e {
                CallError::Unavailable(m) => BureauError::Unavailable(m),
                CallError::Rejected(m) => BureauError::Rejected(m),
                CallError::Malformed(m) => BureauError::Malformed(m),
            })?;
        let answer: CreditReportResponse = serde_json::from_slice(&body).map_err(|e| {
            BureauError::Malformed(format!("the answer is not a credit report: {e}"))
        })?;
        if answer.request_id != request_id {
            return Err(BureauError::Malformed(
                "the answer is for another request".into(),
            ));
        }
        answer.into_report(self.source.clone(), Utc::now())
    }
}

#[async_trait]
impl CreditBureau for HttpCreditBureau {
    fn name(&self) -> &str {
        self.http.name()
    }

    #[tracing::instrument(name = "credit_bureau.fetch", skip_all, fields(bureau = %self.http.name()))]
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
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::Url;

    use super::*;

    fn config(base_url: &str) -> HttpBureauConfig {
        HttpBureauConfig::new("bureau", base_url, "fenqi", "a-secret-of-sixteen+")
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
            assert_eq!(bureau.http.url(CREDIT_REPORTS_PATH), endpoint);
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
        let refused = HttpCreditBureau::new(config("https://user:hunter2-secret@bureau.example"))
            .expect_err("credentials in the URL");
        assert!(!refused.to_string().contains("hunter2-secret"), "{refused}");
        let mut c = config("https://bureau.example");
        c.secret = "".into();
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
        assert!(PartnerEndpoint::is_cleartext_remote(&url(
            "http://bureau.example/v1"
        )));
        assert!(!PartnerEndpoint::is_cleartext_remote(&url(
            "https://bureau.example/v1"
        )));
        assert!(!PartnerEndpoint::is_cleartext_remote(&url(
            "http://127.0.0.1:9/v1"
        )));
        assert!(!PartnerEndpoint::is_cleartext_remote(&url(
            "http://[::1]:9/v1"
        )));
        assert!(!PartnerEndpoint::is_cleartext_remote(&url(
            "http://localhost:9/v1"
        )));
    }
}
