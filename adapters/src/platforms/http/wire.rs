//! The partner platform protocol on the wire: every call is a signed JSON `POST` (the
//! house's HMAC scheme, [`crate::signing`]) with `X-Fenqi-Client`, every answer is signed
//! with the same secret. docs/platforms.md describes it for partners.
//!
//! | path | request | answer |
//! |---|---|---|
//! | `/v1/products` | `{}` | `{"products": [Product]}` |
//! | `/v1/quotes` | `QuoteRequest` | `PricingTerms` |
//! | `/v1/plans` | `OpenPlanRequest` | `PlanStatus` |
//! | `/v1/plans/status` | `{"planRef"}` | `PlanStatus` |
//! | `/v1/plans/cancel` | `{"planRef", "reason"}` | `PlanStatus` |
//! | `/v1/collects` | `MoneyRequest` | `MoneyAnswer` |
//! | `/v1/prepayments` | `MoneyRequest` | `MoneyAnswer` |
//! | `/v1/statements` | `{"date"}` | `Statement` |
//!
//! A repeated `idempotencyKey` (plans, collects, prepayments) must answer the first
//! answer again and move nothing.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::platforms::messages::{CollectOutcome, Product};

/// The product catalogue.
pub const PRODUCTS_PATH: &str = "/v1/products";
/// Prices.
pub const QUOTES_PATH: &str = "/v1/quotes";
/// Opening plans.
pub const PLANS_PATH: &str = "/v1/plans";
/// A plan's status.
pub const PLAN_STATUS_PATH: &str = "/v1/plans/status";
/// Ending a plan.
pub const PLAN_CANCEL_PATH: &str = "/v1/plans/cancel";
/// Debits of installments.
pub const COLLECTS_PATH: &str = "/v1/collects";
/// Early repayments.
pub const PREPAYMENTS_PATH: &str = "/v1/prepayments";
/// Daily statements.
pub const STATEMENTS_PATH: &str = "/v1/statements";

/// An empty request (the catalogue).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Empty {}

/// The catalogue's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductsResponse {
    /// Every product offered.
    pub products: Vec<Product>,
}

/// Names one plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanRefRequest {
    /// The platform's reference.
    pub plan_ref: String,
}

/// Ends one plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelRequest {
    /// The platform's reference.
    pub plan_ref: String,
    /// Why, in words.
    pub reason: String,
}

/// A collect or a prepayment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyRequest {
    /// The same key never moves money twice.
    pub idempotency_key: String,
    /// The plan.
    pub plan_ref: String,
    /// How much, in fen.
    pub amount_fen: i64,
}

/// What a money movement came to, on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WireOutcome {
    /// Moved.
    Succeeded,
    /// Too little money.
    InsufficientFunds,
    /// The account is closed.
    AccountClosed,
    /// Decided later.
    Pending,
    /// Refused.
    Rejected,
}

/// The answer to a collect or prepayment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyAnswer {
    /// What it came to.
    pub outcome: WireOutcome,
    /// The platform's reference (for succeeded and pending).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Why (for rejected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl MoneyAnswer {
    /// The port's outcome; an answer missing what its outcome needs is malformed.
    pub fn into_outcome(self) -> Result<CollectOutcome, String> {
        Ok(match self.outcome {
            WireOutcome::Succeeded => CollectOutcome::Succeeded {
                reference: self
                    .reference
                    .ok_or("a succeeded answer without a reference")?,
            },
            WireOutcome::Pending => CollectOutcome::Pending {
                reference: self
                    .reference
                    .ok_or("a pending answer without a reference")?,
            },
            WireOutcome::InsufficientFunds => CollectOutcome::InsufficientFunds,
            WireOutcome::AccountClosed => CollectOutcome::AccountClosed,
            WireOutcome::Rejected => CollectOutcome::Rejected {
                reason: self.reason.unwrap_or_else(|| "no reason given".into()),
            },
        })
    }

    /// The wire answer of an outcome (the simulator's side).
    pub fn from_outcome(outcome: &CollectOutcome) -> Self {
        match outcome {
            CollectOutcome::Succeeded { reference } => Self {
                outcome: WireOutcome::Succeeded,
                reference: Some(reference.clone()),
                reason: None,
            },
            CollectOutcome::Pending { reference } => Self {
                outcome: WireOutcome::Pending,
                reference: Some(reference.clone()),
                reason: None,
            },
            CollectOutcome::InsufficientFunds => Self {
                outcome: WireOutcome::InsufficientFunds,
                reference: None,
                reason: None,
            },
            CollectOutcome::AccountClosed => Self {
                outcome: WireOutcome::AccountClosed,
                reference: None,
                reason: None,
            },
            CollectOutcome::Rejected { reason } => Self {
                outcome: WireOutcome::Rejected,
                reference: None,
                reason: Some(reason.clone()),
            },
        }
    }
}

/// Asks for one day's statement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementRequest {
    /// The day.
    pub date: NaiveDate,
}
