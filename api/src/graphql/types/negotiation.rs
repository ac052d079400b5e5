//! Personalized plans as clients see them: each option with its payments, cost, APR and
//! full schedule; the limits that block a plan and what would unblock it.

use async_graphql::{ID, SimpleObject};
use domain::negotiation::options::{Limit, PlanOption};
use domain::negotiation::{ApplicationOptions, WhatIfAnswer};

use crate::graphql::calculator::LoanQuote;
use crate::graphql::scalars::Decimal;

use super::customer::FrequencyGql;
use super::money::money;

/// A limit a plan breaks.
#[derive(SimpleObject)]
pub struct BrokenLimit {
    /// `AMOUNT`, `TERM`, `RATE`, `APR_CAP` or `AFFORDABILITY`.
    pub code: String,
    /// The limit in words, with its figures.
    pub message: String,
}

impl From<&Limit> for BrokenLimit {
    fn from(l: &Limit) -> Self {
        Self {
            code: l.code().to_owned(),
            message: l.describe(),
        }
    }
}

/// One plan that passes every limit.
#[derive(SimpleObject)]
pub struct PlanOptionGql {
    /// The product.
    pub product_code: String,
    /// Its name.
    pub product_name: String,
    /// How often.
    pub frequency: FrequencyGql,
    /// Installments.
    pub periods: u32,
    /// The nominal annual rate (0 for fee-based plans).
    pub annual_rate: Decimal,
    /// The fee per period, fee-based plans only.
    pub period_fee_rate: Option<Decimal>,
    /// The first payment, yuan.
    pub first_payment: Decimal,
    /// The largest payment, yuan.
    pub largest_payment: Decimal,
    /// The largest payment as a monthly equivalent (a quarterly one counts a third).
    pub monthly_equivalent: Decimal,
    /// Interest over the whole plan.
    pub total_interest: Decimal,
    /// Fees over the whole plan.
    pub total_fees: Decimal,
    /// The APR, disclosed to 0.01 % ("0.0950").
    pub apr: Decimal,
    /// Whether this is the one recommended.
    pub recommended: bool,
    /// Why it is shown (or recommended), in words.
    pub reason: String,
    /// The full schedule and totals.
    pub schedule: LoanQuote,
}

impl From<PlanOption> for PlanOptionGql {
    fn from(o: PlanOption) -> Self {
        Self {
            product_code: o.product_code,
            product_name: o.product_name,
            frequency: o.frequency.into(),
            periods: o.periods,
            annual_rate: Decimal(o.annual_rate),
            period_fee_rate: o.period_fee_rate.map(Decimal),
            first_payment: money(o.first_payment),
            largest_payment: money(o.largest_payment),
            monthly_equivalent: money(o.monthly_equivalent),
            total_interest: money(o.quote.total_interest),
            total_fees: money(o.quote.total_fees),
            apr: Decimal(o.quote.apr),
            recommended: o.recommended,
            reason: o.reason,
            schedule: LoanQuote::from(o.quote),
        }
    }
}

/// The plans that fit one application.
#[derive(SimpleObject)]
pub struct ApplicationOptionsGql {
    /// The application.
    pub application_id: ID,
    /// The platform whose products were priced.
    pub platform_code: String,
    /// The customer's risk grade.
    pub grade: String,
    /// The affordable installment a month every option is held to.
    pub max_installment: Decimal,
    /// 3 to 6 plans (fewer only when fewer pass); empty when none passes.
    pub options: Vec<PlanOptionGql>,
    /// When none passes: the limits blocking the plan asked for.
    pub blocked_by: Vec<BrokenLimit>,
    /// When none passes: what would unblock it, in words.
    pub unblock: Vec<String>,
}

impl From<ApplicationOptions> for ApplicationOptionsGql {
    fn from(a: ApplicationOptions) -> Self {
        Self {
            application_id: ID(a.application_id.to_string()),
            platform_code: a.platform_code,
            grade: a.grade,
            max_installment: money(a.max_installment),
            blocked_by: a.options.blocked_by.iter().map(BrokenLimit::from).collect(),
            unblock: a.options.unblock,
            options: a.options.options.into_iter().map(Into::into).collect(),
        }
    }
}

/// The answer to a "what if".
#[derive(SimpleObject)]
pub struct WhatIfGql {
    /// The plan that answers it, if one does.
    pub plan: Option<PlanOptionGql>,
    /// The limits the asked-for term breaks.
    pub breaks: Vec<BrokenLimit>,
    /// The answer in words.
    pub explanation: String,
}

impl From<WhatIfAnswer> for WhatIfGql {
    fn from(w: WhatIfAnswer) -> Self {
        Self {
            breaks: w.breaks.iter().map(BrokenLimit::from).collect(),
            plan: w.plan.map(Into::into),
            explanation: w.explanation,
        }
    }
}
