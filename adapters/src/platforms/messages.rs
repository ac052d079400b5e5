//! The platform port's own message types: what the business asks a platform and what it
//! answers, independent of any partner's JSON. Each HTTP partner's wire format lives in its
//! own module and is transformed to and from these.
//!
//! Amounts are whole fen (`i64`); rates are exact decimal fractions (`0.12` is 12 % a
//! year), never floats. Grades are the risk policy's letters `A`–`E`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How a plan is repaid, as platforms name it (the schedule engine's methods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PlanMethod {
    /// 等额本息: the same payment every period.
    EqualInstallment,
    /// 等额本金: the same principal every period, interest on the balance.
    EqualPrincipal,
    /// 先息后本: interest each period, the principal with the last.
    InterestFirst,
    /// 手续费分期: no interest, a fixed fee each period on the original principal.
    FeeBased,
}

/// How often a plan's installments fall due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PlanFrequency {
    /// Every month.
    Monthly,
    /// Every three months.
    Quarterly,
}

/// The price a product asks of one risk grade. `rate` is the nominal annual interest rate
/// for interest methods and the fee per period (a fraction of the original principal) for
/// [`PlanMethod::FeeBased`]; negotiation (stage 3) may move it within `min..=max`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GradePricing {
    /// The grade, `A`–`E`. A grade without pricing is not eligible for the product.
    pub grade: String,
    /// The lowest rate the platform accepts for this grade.
    #[serde(with = "rust_decimal::serde::str")]
    pub min_rate: Decimal,
    /// The highest.
    #[serde(with = "rust_decimal::serde::str")]
    pub max_rate: Decimal,
    /// The list price, quoted unless negotiated.
    #[serde(with = "rust_decimal::serde::str")]
    pub standard_rate: Decimal,
}

/// What repaying early costs and when it is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrepaymentTerms {
    /// Whether early repayment is allowed at all.
    pub allowed: bool,
    /// The fee as a fraction of the principal repaid early (`0.01` = 1 %).
    #[serde(with = "rust_decimal::serde::str")]
    pub fee_rate: Decimal,
    /// Installments that must be paid before early repayment is allowed.
    pub min_periods_paid: u32,
}

/// What paying late costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LateChargeTerms {
    /// Days after the due date before anything is charged.
    pub grace_days: u32,
    /// Penalty interest per day on the overdue amount (`0.0005` = 0.05 % a day).
    #[serde(with = "rust_decimal::serde::str")]
    pub daily_rate: Decimal,
}

/// One installment product a platform offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    /// The platform's code for it.
    pub code: String,
    /// Its name as shown to customers.
    pub name: String,
    /// How it is repaid.
    pub method: PlanMethod,
    /// How often payments may fall due.
    pub frequencies: Vec<PlanFrequency>,
    /// The numbers of installments offered.
    pub terms: Vec<u32>,
    /// The smallest amount, in fen.
    pub min_amount_fen: i64,
    /// The largest amount, in fen.
    pub max_amount_fen: i64,
    /// The price per eligible grade.
    pub pricing: Vec<GradePricing>,
    /// Early repayment.
    pub prepayment: PrepaymentTerms,
    /// Late payment.
    pub late_charge: LateChargeTerms,
}

impl Product {
    /// The pricing of `grade`, if the grade is eligible.
    pub fn pricing_for(&self, grade: &str) -> Option<&GradePricing> {
        self.pricing.iter().find(|p| p.grade == grade)
    }

    /// Why this product cannot serve `request`, in words, or `None` when it can: the
    /// frequency, the term, the amount and the grade must all fit.
    pub fn refusal(&self, request: &QuoteRequest) -> Option<String> {
        if !self.frequencies.contains(&request.frequency) {
            return Some(
                format!("{} is not offered {:?}", self.name, request.frequency).to_lowercase(),
            );
        }
        if !self.terms.contains(&request.periods) {
            return Some(format!(
                "{} does not offer {} installments",
                self.name, request.periods
            ));
        }
        if request.amount_fen < self.min_amount_fen || request.amount_fen > self.max_amount_fen {
            return Some(format!(
                "{} lends {}.{:02} to {}.{:02} yuan",
                self.name,
                self.min_amount_fen / 100,
                self.min_amount_fen % 100,
                self.max_amount_fen / 100,
                self.max_amount_fen % 100
            ));
        }
        if self.pricing_for(&request.grade).is_none() {
            return Some(format!(
                "{} is not offered to grade {}",
                self.name, request.grade
            ));
        }
        None
    }

    /// The list price of `request`, or why there is none (see [`Product::refusal`]).
    pub fn price(&self, request: &QuoteRequest) -> Result<PricingTerms, String> {
        if let Some(reason) = self.refusal(request) {
            return Err(reason);
        }
        let pricing = self
            .pricing_for(&request.grade)
            .ok_or_else(|| format!("{} is not offered to grade {}", self.name, request.grade))?;
        let fee_based = self.method == PlanMethod::FeeBased;
        Ok(PricingTerms {
            product_code: self.code.clone(),
            method: self.method,
            annual_rate: if fee_based {
                Decimal::ZERO
            } else {
                pricing.standard_rate
            },
            period_fee_rate: fee_based.then_some(pricing.standard_rate),
        })
    }
}

/// A request for the price of one plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteRequest {
    /// Which product.
    pub product_code: String,
    /// The customer's risk grade.
    pub grade: String,
    /// The amount, in fen.
    pub amount_fen: i64,
    /// Installments.
    pub periods: u32,
    /// How often.
    pub frequency: PlanFrequency,
}

/// The price a platform quotes. The business turns it into a schedule and an APR with its
/// own schedule engine, so every platform's quote is disclosed the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PricingTerms {
    /// The product quoted.
    pub product_code: String,
    /// How it is repaid.
    pub method: PlanMethod,
    /// The nominal annual rate (0 for fee-based plans).
    #[serde(with = "rust_decimal::serde::str")]
    pub annual_rate: Decimal,
    /// The fee per period, fee-based plans only.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub period_fee_rate: Option<Decimal>,
}

/// A plan to open on the platform, once the agreement is signed (stage 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenPlanRequest {
    /// The same key never opens two plans (the application id serves).
    pub idempotency_key: String,
    /// The application the plan carries out.
    pub application_id: Uuid,
    /// The customer (the internal ledger's account holder).
    pub customer_id: Uuid,
    /// The product.
    pub product_code: String,
    /// The amount, in fen.
    pub amount_fen: i64,
    /// Installments.
    pub periods: u32,
    /// How often.
    pub frequency: PlanFrequency,
    /// The price agreed.
    pub pricing: PricingTerms,
    /// The day of the month payments fall due.
    pub payment_day: u32,
    /// The day the money is paid out.
    pub start_date: NaiveDate,
}

/// Where a plan stands at the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PlanState {
    /// Accepted, not yet running.
    Pending,
    /// Running: installments are being collected.
    Active,
    /// Every installment paid.
    Closed,
    /// Ended before it ran its course.
    Cancelled,
    /// Written off by the platform.
    Defaulted,
}

impl PlanState {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Active => "ACTIVE",
            Self::Closed => "CLOSED",
            Self::Cancelled => "CANCELLED",
            Self::Defaulted => "DEFAULTED",
        }
    }
}

/// A plan as the platform reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanStatus {
    /// The platform's reference of the plan.
    pub plan_ref: String,
    /// Where it stands.
    pub state: PlanState,
    /// The platform's change counter for this plan: a higher number is a later state.
    pub sequence: i64,
}

/// A debit of one installment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectRequest {
    /// The same key never moves money twice (the repayment entry and the attempt).
    pub idempotency_key: String,
    /// Whose money (the internal ledger debits this customer's deposit account).
    pub customer_id: Uuid,
    /// The platform's reference of the plan (external platforms debit by plan).
    pub plan_ref: String,
    /// How much, in fen (more than zero).
    pub amount_fen: i64,
}

/// An early repayment of principal, at most once per key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepayRequest {
    /// The same key never moves money twice.
    pub idempotency_key: String,
    /// Whose money.
    pub customer_id: Uuid,
    /// The plan.
    pub plan_ref: String,
    /// How much, in fen (more than zero).
    pub amount_fen: i64,
}

/// What a collect or prepayment came to.
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

/// Whether a money movement in a statement went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MovementStatus {
    /// The money moved.
    Succeeded,
    /// It did not.
    Failed,
}

impl MovementStatus {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
        }
    }
}

/// One money movement in a platform's daily statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementLine {
    /// The platform's reference of the movement (what its collect or callback named).
    pub reference: String,
    /// The plan.
    pub plan_ref: String,
    /// The amount, in fen.
    pub amount_fen: i64,
    /// Whether it went through.
    pub status: MovementStatus,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

/// A platform's account of one day (in the bank's local calendar), for reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    /// The day.
    pub date: NaiveDate,
    /// Every movement of the day.
    pub lines: Vec<StatementLine>,
}
