//! A third-party installment platform over signed HTTP ([`wire`]): every call goes through
//! the shared pipeline ([`crate::signed_http`]: signing, connect and total timeouts,
//! retries with backoff and jitter for calls that are safe to repeat, answer checks) and
//! through this platform's [`CircuitBreaker`].
//!
//! Every call here is safe to repeat: reads by nature, cancel because cancelling twice
//! ends the same plan, and opening, collecting and prepaying because they carry an
//! idempotency key the partner must honour. So a collect whose answer was lost to a
//! timeout is sent again with the same key, and the partner answers the first outcome
//! without moving money again.
//!
//! Errors are sorted for the business: no answer (timeouts, 5xx, 429, a badly signed or
//! unreadable answer, an open breaker) is [`PlatformError::Unavailable`]; a 4xx refusal is
//! [`PlatformError::Rejected`].

pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::signed_http::{
    CallError, EndpointConfigError, PartnerEndpoint, Repeat, RetryPolicy, SignedHttpClient,
};
use crate::signing::{self, DEFAULT_REPLAY_WINDOW};

use super::breaker::{Admission, BreakerSettings, CircuitBreaker};
use super::callback::{CallbackError, CallbackEvent, CallbackHeaders};
use super::messages::{
    CollectOutcome, CollectRequest, OpenPlanRequest, PlanStatus, PrepayRequest, PricingTerms,
    Product, QuoteRequest, Statement,
};
use super::{InstallmentPlatform, PlatformError, PlatformHealth};

/// How to reach one partner platform.
#[derive(Debug, Clone)]
pub struct HttpPlatformConfig {
    /// Its code in the registry.
    pub code: String,
    /// Its address, our client id and the shared secret (which also signs its callbacks).
    pub endpoint: PartnerEndpoint,
    /// Retries of calls that are safe to repeat.
    pub retry: RetryPolicy,
    /// When to stop calling it for a while.
    pub breaker: BreakerSettings,
    /// How far a callback's timestamp may be from our clock.
    pub callback_window: Duration,
}

impl HttpPlatformConfig {
    /// The defaults around `endpoint`.
    pub fn new(code: impl Into<String>, endpoint: PartnerEndpoint) -> Self {
        Self {
            code: code.into(),
            endpoint,
            retry: RetryPolicy::default(),
            breaker: BreakerSettings::default(),
            callback_window: DEFAULT_REPLAY_WINDOW,
        }
    }
}

/// A partner platform.
#[derive(Debug)]
pub struct HttpPlatform {
    code: String,
    client: SignedHttpClient,
    secret: crate::secret::Secret,
    breaker: CircuitBreaker,
    callback_window: Duration,
}

impl HttpPlatform {
    /// Checks the settings and builds the client; `now` is the business clock (the
    /// breaker's time and the callbacks' replay window).
    pub fn new(
        config: HttpPlatformConfig,
        now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    ) -> Result<Self, EndpointConfigError> {
        let secret = config.endpoint.secret.clone();
        Ok(Self {
            code: config.code,
            client: SignedHttpClient::new(config.endpoint, config.retry)?.with_clock(now.clone()),
            secret,
            breaker: CircuitBreaker::new(config.breaker, now),
            callback_window: config.callback_window,
        })
    }

    /// The breaker, for tests and health reports.
    pub fn breaker(&self) -> &CircuitBreaker {
        &self.breaker
    }

    /// One call through the breaker and the pipeline, decoded.
    async fn call<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        path: &str,
        body: &Req,
    ) -> Result<Resp, PlatformError> {
        if let Admission::Refused(until) = self.breaker.admit() {
            return Err(PlatformError::Unavailable(format!(
                "{} failed repeatedly; calls resume after {}",
                self.code,
                until.format("%H:%M:%S UTC")
            )));
        }
        let answer = self
            .client
            .post_json(path, body, Repeat::Idempotent, &[])
            .await;
        let bytes = match answer {
            Ok(bytes) => bytes,
            Err(CallError::Rejected(reason)) => {
                self.breaker.succeeded();
                return Err(PlatformError::Rejected(reason));
            }
            Err(e) => {
                self.breaker.failed();
                return Err(PlatformError::Unavailable(format!("{}: {e}", self.code)));
            }
        };
        match serde_json::from_slice(&bytes) {
            Ok(decoded) => {
                self.breaker.succeeded();
                Ok(decoded)
            }
            Err(e) => {
                self.breaker.failed();
                Err(PlatformError::Unavailable(format!(
                    "{} answered {path} with JSON we cannot read: {e}",
                    self.code
                )))
            }
        }
    }

    async fn money(
        &self,
        path: &str,
        key: &str,
        plan_ref: &str,
        amount_fen: i64,
    ) -> Result<CollectOutcome, PlatformError> {
        if amount_fen <= 0 {
            return Err(PlatformError::Invalid(format!(
                "the amount must be more than zero fen, not {amount_fen}"
            )));
        }
        let answer: wire::MoneyAnswer = self
            .call(
                path,
                &wire::MoneyRequest {
                    idempotency_key: key.to_owned(),
                    plan_ref: plan_ref.to_owned(),
                    amount_fen,
                },
            )
            .await?;
        answer
            .into_outcome()
            .map_err(|e| PlatformError::Unavailable(format!("{}: {e}", self.code)))
    }
}

#[async_trait]
impl InstallmentPlatform for HttpPlatform {
    fn code(&self) -> &str {
        &self.code
    }

    async fn products(&self) -> Result<Vec<Product>, PlatformError> {
        let answer: wire::ProductsResponse =
            self.call(wire::PRODUCTS_PATH, &wire::Empty {}).await?;
        Ok(answer.products)
    }

    async fn quote(&self, request: &QuoteRequest) -> Result<PricingTerms, PlatformError> {
        self.call(wire::QUOTES_PATH, request).await
    }

    async fn open_plan(&self, request: &OpenPlanRequest) -> Result<PlanStatus, PlatformError> {
        self.call(wire::PLANS_PATH, request).await
    }

    async fn collect(&self, request: &CollectRequest) -> Result<CollectOutcome, PlatformError> {
        self.money(
            wire::COLLECTS_PATH,
            &request.idempotency_key,
            &request.plan_ref,
            request.amount_fen,
        )
        .await
    }

    async fn plan_status(&self, plan_ref: &str) -> Result<PlanStatus, PlatformError> {
        self.call(
            wire::PLAN_STATUS_PATH,
            &wire::PlanRefRequest {
                plan_ref: plan_ref.to_owned(),
            },
        )
        .await
    }

    async fn cancel(&self, plan_ref: &str, reason: &str) -> Result<PlanStatus, PlatformError> {
        self.call(
            wire::PLAN_CANCEL_PATH,
            &wire::CancelRequest {
                plan_ref: plan_ref.to_owned(),
                reason: reason.to_owned(),
            },
        )
        .await
    }

    async fn prepay(&self, request: &PrepayRequest) -> Result<CollectOutcome, PlatformError> {
        self.money(
            wire::PREPAYMENTS_PATH,
            &request.idempotency_key,
            &request.plan_ref,
            request.amount_fen,
        )
        .await
    }

    async fn statement(&self, date: NaiveDate) -> Result<Statement, PlatformError> {
        self.call(wire::STATEMENTS_PATH, &wire::StatementRequest { date })
            .await
    }

    fn parse_callback(
        &self,
        headers: CallbackHeaders<'_>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<CallbackEvent, CallbackError> {
        signing::verify(
            self.secret.expose().as_bytes(),
            headers.timestamp,
            headers.signature,
            body,
            now,
            self.callback_window,
        )?;
        let event: CallbackEvent = serde_json::from_slice(body).map_err(|e| {
            CallbackError::Malformed(format!("the body is not a callback event: {e}"))
        })?;
        event.check().map_err(CallbackError::Malformed)?;
        Ok(event)
    }

    fn health(&self) -> PlatformHealth {
        PlatformHealth {
            code: self.code.clone(),
            breaker: self.breaker.state(),
            consecutive_failures: self.breaker.consecutive_failures(),
            times_opened: self.breaker.times_opened(),
        }
    }
}
