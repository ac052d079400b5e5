//! What an assessment concludes, and why.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::rate::Rate;

use super::policy::Grade;

/// The result of [`super::assess`]: a score, a grade, affordability figures, limits, a
/// decision and every reason behind them, in words a customer or an agent understands.
///
/// The limits describe the customer's capacity under the policy; whether anything may be
/// offered is the [`Decision`]. A declined customer still gets the figures, because they
/// explain the decline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskOutcome {
    /// 0–100 with one decimal: the sum of the factors' points (each rounded to 0.1 first,
    /// so that the points shown in the reasons add up to exactly this).
    pub score: Decimal,
    /// The grade band the score falls in.
    pub grade: Grade,
    /// Existing monthly debt payments over monthly income, four decimals (`0.3800`).
    /// With no income it is `0.0000` when there are no debt payments and `10.0000` (the
    /// cap, "ten times the income or more") when there are.
    pub debt_to_income: Decimal,
    /// Monthly income less expenses and existing debt payments; negative when they exceed
    /// the income.
    pub disposable_income: Money,
    /// The largest new monthly installment the customer can carry, never below 0.
    pub max_installment: Money,
    /// The largest principal the policy allows for this customer.
    pub max_amount: Money,
    /// The longest term the policy allows for this grade.
    pub max_term_months: u32,
    /// The grade's annual rate range `(min, max)`.
    pub rate_range: (Rate, Rate),
    /// Approve, refer to a risk officer, or decline.
    pub decision: Decision,
    /// Every factor, figure and rule that fired, in a stable order: scoring factors,
    /// grade, affordability, the requested loan, decline rules, refer rules, decision.
    pub reasons: Vec<Reason>,
}

/// What the assessment recommends. Ordered by severity (`Approve < Refer < Decline`), so
/// that the outcome of several rules is simply the most severe one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    /// Within the policy: options may be offered within the limits.
    Approve,
    /// A risk officer decides (maker-checker on the credit decision).
    Refer,
    /// Outside the policy: nothing is offered.
    Decline,
}

impl Decision {
    /// The stable spelling: `APPROVE`, `REFER`, `DECLINE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "APPROVE",
            Self::Refer => "REFER",
            Self::Decline => "DECLINE",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a reason bears on the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Helps: a scoring factor at 60 % of its points or more, a good grade, a request
    /// within the limits.
    Positive,
    /// Hurts: a factor below 40 % of its points, a weak grade, a rule that would refer
    /// but was overtaken by a decline.
    Negative,
    /// Informs: a middling factor, the affordability figures, the summary.
    Neutral,
    /// Decided the outcome: a decline rule that fired, or a refer rule when the decision
    /// is to refer.
    Decisive,
}

/// One reason behind an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reason {
    /// A stable code clients and reports switch on (`CREDIT_SCORE`, `DTI_HIGH`,
    /// `ACTIVE_DELINQUENCY`…); see `docs/risk.md` for the list.
    pub code: &'static str,
    /// How it bears on the outcome.
    pub effect: Effect,
    /// The points this factor adds to the score (scoring factors only), one decimal.
    pub points: Option<Decimal>,
    /// The reason in plain words, with the actual figures.
    pub message: String,
}

impl Reason {
    pub(crate) fn new(code: &'static str, effect: Effect, message: String) -> Self {
        Self {
            code,
            effect,
            points: None,
            message,
        }
    }
}
