//! The installment platform port: the bank's own ledger and third-party platforms behind
//! one trait, so that repayment (stage 5) collects the same way whoever holds the plan.
//!
//! Outcomes a platform answers are values, not errors: a debit that finds too little money
//! is an ordinary day at a bank ([`CollectOutcome::InsufficientFunds`]). Only a platform
//! that could not answer is an error ([`PlatformError`], retryable when unavailable).
//!
//! * [`internal`] — the bank's own ledger in our database (deposit accounts and
//!   double-entry postings).
//!
//! This is the first slice of the port: collecting. Products, quotes, opening plans,
//! status, cancel, prepay, statements and callbacks join it with the partner platforms.

pub mod internal;

use uuid::Uuid;

pub use internal::InternalPlatform;

/// A debit of one installment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectRequest {
    /// The same key never moves money twice (the repayment entry and the attempt).
    pub idempotency_key: String,
    /// Whose deposit account is debited.
    pub customer_id: Uuid,
    /// How much, in fen (more than zero).
    pub amount_fen: i64,
}

/// What a collect came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollectOutcome {
    /// The money moved; `reference` is the platform's own id for it.
    Succeeded {
        /// The platform's reference.
        reference: String,
    },
    /// Too little money in the account; nothing moved.
    InsufficientFunds,
    /// The account cannot be debited any more.
    AccountClosed,
    /// Accepted, the result comes later (by callback or status query).
    Pending {
        /// The platform's reference to ask about.
        reference: String,
    },
    /// Refused for a reason a person must look at.
    Rejected {
        /// Why.
        reason: String,
    },
}

/// A platform that could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// No answer now; the same request (same key) may be sent again later.
    #[error("the platform is unavailable: {0}")]
    Unavailable(String),
    /// The request itself is wrong (a bug or bad data), whatever the platform's state.
    #[error("the request is invalid: {0}")]
    Invalid(String),
}

impl PlatformError {
    /// Whether sending the same request again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// An installment platform.
#[async_trait::async_trait]
pub trait InstallmentPlatform: Send + Sync + std::fmt::Debug {
    /// The platform's code in the registry (`internal`, `partner-a`…).
    fn code(&self) -> &str;

    /// Debits one installment, at most once per idempotency key: the same key answers
    /// the first outcome again without moving money.
    async fn collect(&self, request: &CollectRequest) -> Result<CollectOutcome, PlatformError>;
}
