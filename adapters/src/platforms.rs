//! The installment platform port: the bank's own ledger and third-party platforms behind
//! one trait, so that every later stage (negotiation, repayment, reconciliation) works the
//! same way whoever holds the plan.
//!
//! Outcomes a platform answers are values, not errors: a debit that finds too little money
//! is an ordinary day at a bank ([`CollectOutcome::InsufficientFunds`]). Only a platform
//! that could not answer is an error ([`PlatformError`], retryable when unavailable).
//!
//! * `messages.rs` — the port's own message types (products, quotes, plans, collects,
//!   statements);
//! * `callback.rs` — what a platform sends us, verified and decoded;
//! * [`internal`] — the bank's own ledger in our database (deposit accounts and
//!   double-entry postings);
//! * [`http`] — third-party platforms over signed HTTP, behind a circuit breaker
//!   ([`breaker`]).

pub mod breaker;
pub mod callback;
pub mod http;
pub mod internal;
pub mod messages;

use chrono::{DateTime, NaiveDate, Utc};

pub use breaker::{BreakerSettings, BreakerState, CircuitBreaker};
pub use callback::{CallbackError, CallbackEvent, CallbackHeaders, EventKind, PaymentReport};
pub use http::{HttpPlatform, HttpPlatformConfig};
pub use internal::{BankCredits, GroupCollect, GroupCollected, InternalPlatform};
pub use messages::{
    CollectOutcome, CollectRequest, GradePricing, LateChargeTerms, MovementStatus, OpenPlanRequest,
    PlanFrequency, PlanMethod, PlanState, PlanStatus, PrepayRequest, PrepaymentTerms, PricingTerms,
    Product, QuoteRequest, Statement, StatementLine,
};

/// The platform code of the bank's own ledger.
pub const INTERNAL_CODE: &str = "internal";

/// A platform that could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// No answer now; the same request (same key) may be sent again later. An open
    /// circuit breaker answers this without calling.
    #[error("the platform is unavailable: {0}")]
    Unavailable(String),
    /// The request itself is wrong (a bug or bad data), whatever the platform's state.
    #[error("the request is invalid: {0}")]
    Invalid(String),
    /// The platform refused the request for a reason a person must look at.
    #[error("the platform refused: {0}")]
    Rejected(String),
    /// The platform does not do this (the internal ledger has no partner statement).
    #[error("the platform does not support {0}")]
    Unsupported(&'static str),
}

impl PlatformError {
    /// Whether sending the same request again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// How a platform is doing, for `/ready` details and `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformHealth {
    /// The platform's code.
    pub code: String,
    /// The circuit breaker's state (always closed for the internal ledger).
    pub breaker: BreakerState,
    /// Failures in a row so far.
    pub consecutive_failures: u32,
    /// How often the breaker has opened since start.
    pub times_opened: u64,
}

/// An installment platform. Every method that moves money carries an idempotency key: the
/// same key answers the first outcome again without moving money.
#[async_trait::async_trait]
pub trait InstallmentPlatform: Send + Sync + std::fmt::Debug {
    /// The platform's code in the registry (`internal`, `partner-a`…).
    fn code(&self) -> &str;

    /// The products it offers now.
    async fn products(&self) -> Result<Vec<Product>, PlatformError>;

    /// The price of one plan for one grade.
    async fn quote(&self, request: &QuoteRequest) -> Result<PricingTerms, PlatformError>;

    /// Opens a plan, at most once per key; answers its status (with its reference).
    async fn open_plan(&self, request: &OpenPlanRequest) -> Result<PlanStatus, PlatformError>;

    /// Debits one installment, at most once per key.
    async fn collect(&self, request: &CollectRequest) -> Result<CollectOutcome, PlatformError>;

    /// Where a plan stands.
    async fn plan_status(&self, plan_ref: &str) -> Result<PlanStatus, PlatformError>;

    /// Ends a plan before it runs its course.
    async fn cancel(&self, plan_ref: &str, reason: &str) -> Result<PlanStatus, PlatformError>;

    /// Repays principal early, at most once per key.
    async fn prepay(&self, request: &PrepayRequest) -> Result<CollectOutcome, PlatformError>;

    /// The platform's account of one day, for reconciliation.
    async fn statement(&self, date: NaiveDate) -> Result<Statement, PlatformError>;

    /// Verifies and decodes a callback the platform sent us, at `now` (the replay window).
    fn parse_callback(
        &self,
        headers: CallbackHeaders<'_>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<CallbackEvent, CallbackError>;

    /// How it is doing.
    fn health(&self) -> PlatformHealth {
        PlatformHealth {
            code: self.code().to_owned(),
            breaker: BreakerState::Closed,
            consecutive_failures: 0,
            times_opened: 0,
        }
    }
}
