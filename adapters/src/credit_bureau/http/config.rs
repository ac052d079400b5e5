//! How to reach an external bureau, and the checks that catch a wrong setting at start-up
//! rather than at the first customer's application.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;

use super::wire::CREDIT_REPORTS_PATH;

/// Settings for one external bureau. Debug never shows the secret.
#[derive(Clone)]
pub struct HttpBureauConfig {
    /// The bureau's base URL (`https://bureau.example/api`); the endpoint is
    /// `{base_url}/v1/credit-reports`. `http://` is accepted for tests and local demos.
    pub base_url: String,
    /// Our client id at the bureau, sent as `X-Fenqi-Client`.
    pub client_id: String,
    /// The shared HMAC secret signing requests and the bureau's answers.
    pub secret: String,
    /// The whole-request budget (connect, send, wait, read); a bureau slower than this
    /// is treated as unavailable so that a customer is never kept waiting on it.
    pub timeout: Duration,
    /// A short name for logs and report sources (`external:<name>`).
    pub name: String,
}

impl HttpBureauConfig {
    /// The default whole-request timeout: long enough for a real bureau, short enough for
    /// a person waiting on a screen.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

    /// Settings with the default timeout and the name `bureau`.
    pub fn new(
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            client_id: client_id.into(),
            secret: secret.into(),
            timeout: Self::DEFAULT_TIMEOUT,
            name: "bureau".into(),
        }
    }

    /// The endpoint URL, or why the base URL cannot be used.
    pub(super) fn endpoint(&self) -> Result<Url, BureauConfigError> {
        let refuse =
            |reason: &str| BureauConfigError::BaseUrl(format!("'{}' {reason}", self.base_url));
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
        let joined = format!(
            "{}{CREDIT_REPORTS_PATH}",
            base.as_str().trim_end_matches('/')
        );
        Url::parse(&joined)
            .map_err(|e| refuse(&format!("cannot be joined with the endpoint path ({e})")))
    }

    /// Checks everything but the URL; returns the client id as a header value.
    pub(super) fn validate(&self) -> Result<HeaderValue, BureauConfigError> {
        if self.name.trim().is_empty() {
            return Err(BureauConfigError::Name);
        }
        if self.secret.is_empty() {
            return Err(BureauConfigError::EmptySecret);
        }
        if self.timeout.is_zero() {
            return Err(BureauConfigError::Timeout);
        }
        if self.client_id.trim().is_empty() {
            return Err(BureauConfigError::ClientId("is empty".into()));
        }
        HeaderValue::from_str(&self.client_id).map_err(|_| {
            BureauConfigError::ClientId("must be visible ASCII, usable in an HTTP header".into())
        })
    }

    /// Whether requests would leave the machine unencrypted: plain `http://` to a host
    /// other than loopback.
    pub(super) fn is_cleartext_remote(endpoint: &Url) -> bool {
        let host = endpoint.host_str().unwrap_or_default();
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        endpoint.scheme() == "http" && !loopback
    }
}

impl fmt::Debug for HttpBureauConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpBureauConfig")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("secret", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("name", &self.name)
            .finish()
    }
}

/// Why an external bureau cannot be set up from its settings.
#[derive(Debug, thiserror::Error)]
pub enum BureauConfigError {
    /// The base URL is unusable.
    #[error("credit bureau base URL {0}")]
    BaseUrl(String),
    /// The client id cannot be sent.
    #[error("credit bureau client id {0}")]
    ClientId(String),
    /// There is no secret to sign with.
    #[error("credit bureau secret is empty")]
    EmptySecret,
    /// The name is blank.
    #[error("credit bureau name is empty")]
    Name,
    /// A zero timeout would fail every call.
    #[error("credit bureau timeout must be more than zero")]
    Timeout,
    /// The HTTP client could not be built (e.g. no TLS backend).
    #[error("credit bureau HTTP client cannot be built: {0}")]
    Client(String),
}
