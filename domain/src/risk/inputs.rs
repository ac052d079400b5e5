//! What an assessment looks at.

use serde::{Deserialize, Serialize};

use crate::money::Money;

/// Everything the rules need to know about a customer, gathered by the use case from the
/// profile, the financial status, the preferences and a credit report.
///
/// All amounts are monthly where the name says so. Negative amounts (which validated
/// records never hold) are read as zero, so that a stray sign cannot make anyone look
/// richer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskInputs {
    /// Age in whole years on the day of the assessment.
    pub age: u32,
    /// Monthly income (after tax).
    pub monthly_income: Money,
    /// Monthly living expenses (rent, food, transport…), excluding debt payments.
    pub monthly_expenses: Money,
    /// What the customer already pays each month on existing loans and cards.
    pub existing_monthly_debt_payments: Money,
    /// Total assets (savings, property, vehicles…).
    pub assets: Money,
    /// Total outstanding liabilities.
    pub liabilities: Money,
    /// The occupation, when recorded; its presence counts towards income stability.
    pub occupation: Option<String>,
    /// The credit bureau's facts; `None` when no report could be had.
    pub credit: Option<CreditFacts>,
    /// The loan the customer asks about, if any; checked against the limits.
    pub requested: Option<RequestedLoan>,
    /// The largest installment the customer says they are willing to pay each month.
    pub monthly_budget: Option<Money>,
}

/// The facts of a credit report that the rules use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditFacts {
    /// The bureau's score, 300–900, when it has one (a thin file has none).
    pub score: Option<u16>,
    /// Credit accounts currently open.
    pub open_accounts: u32,
    /// Delinquencies (payments 30+ days late) in the last 24 months.
    pub delinquencies_24m: u32,
    /// Hard inquiries by lenders in the recent window the bureau reports.
    pub recent_inquiries: u32,
    /// Whether an account is delinquent right now.
    pub active_delinquency: bool,
}

/// A loan the customer asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestedLoan {
    /// The principal.
    pub amount: Money,
    /// The term in months.
    pub term_months: u32,
}
