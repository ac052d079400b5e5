//! How to reach one partner (a bureau, a platform), and the checks that catch a wrong
//! setting at start-up rather than at the first customer's request.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;

use crate::secret::Secret;

/// Settings for one partner endpoint. `Debug` never shows the secret.
#[derive(Debug, Clone)]
pub struct PartnerEndpoint {
    /// The partner's base URL (`https://partner.example/api`); paths are joined under it.
    /// `http://` is accepted for tests and local demos (and warned about unless loopback).
    pub base_url: String,
    /// Our client id at the partner, sent as `X-Fenqi-Client`.
    pub client_id: String,
    /// The shared HMAC secret signing our requests and the partner's answers.
    pub secret: Secret,
    /// The whole-request budget (connect, send, wait, read) of one attempt.
    pub timeout: Duration,
    /// A short name for logs and metrics.
    pub name: String,
}

/// Why a partner cannot be set up from its settings.
#[derive(Debug, thiserror::Error)]
pub enum EndpointConfigError {
    /// The base URL is unusable.
    #[error("base URL {0}")]
    BaseUrl(String),
    /// The client id cannot be sent.
    #[error("client id {0}")]
    ClientId(String),
    /// There is no secret to sign with.
    #[error("the secret is empty")]
    EmptySecret,
    /// The name is blank.
    #[error("the name is empty")]
    Name,
    /// A zero timeout would fail every call.
    #[error("the timeout must be more than zero")]
    Timeout,
    /// The HTTP client could not be built (e.g. no TLS backend).
    #[error("the HTTP client cannot be built: {0}")]
    Client(String),
}

impl PartnerEndpoint {
    /// The default whole-request timeout: long enough for a real partner, short enough
    /// for a person waiting on a screen.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

    /// Settings with the default timeout.
    pub fn new(
        name: impl Into<String>,
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            client_id: client_id.into(),
            secret: secret.into(),
            timeout: Self::DEFAULT_TIMEOUT,
            name: name.into(),
        }
    }

    /// The base URL, checked: http(s), a host, no query, fragment or credentials. Ends
    /// without a slash, so paths join as `{base}{path}`.
    pub fn base(&self) -> Result<String, EndpointConfigError> {
        // The URL is repeated in the error only without what could be a password.
        let shown = match Url::parse(self.base_url.trim()) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            _ => self.base_url.clone(),
        };
        let refuse = |reason: &str| EndpointConfigError::BaseUrl(format!("'{shown}' {reason}"));
        let base =
            Url::parse(self.base_url.trim()).map_err(|e| refuse(&format!("is not a URL ({e})")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(refuse("must be an http:// or https:// URL"));
        }
        if base.host_str().is_none_or(str::is_empty) {
            return Err(refuse("has no host"));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(refuse("must not have a query or fragment"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(refuse("must not carry credentials"));
        }
        Ok(base.as_str().trim_end_matches('/').to_owned())
    }

    /// Checks everything but the URL; returns the client id as a header value.
    pub fn validate(&self) -> Result<HeaderValue, EndpointConfigError> {
        if self.name.trim().is_empty() {
            return Err(EndpointConfigError::Name);
        }
        if self.secret.is_empty() {
            return Err(EndpointConfigError::EmptySecret);
        }
        if self.timeout.is_zero() {
            return Err(EndpointConfigError::Timeout);
        }
        if self.client_id.trim().is_empty() {
            return Err(EndpointConfigError::ClientId("is empty".into()));
        }
        HeaderValue::from_str(&self.client_id).map_err(|_| {
            EndpointConfigError::ClientId("must be visible ASCII, usable in an HTTP header".into())
        })
    }

    /// Whether requests would leave the machine unencrypted: plain `http://` to a host
    /// other than loopback.
    pub fn is_cleartext_remote(url: &Url) -> bool {
        let host = url.host_str().unwrap_or_default();
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        url.scheme() == "http" && !loopback
    }
}
