//! A loan quote: the schedule, its totals and its APR, in one call — what the
//! `loanCalculator` query and the option generator show a customer.

use rust_decimal::{Decimal, RoundingStrategy};

use super::apr::annual_rates;
use super::engine::{Schedule, generate};
use super::terms::{Limits, LoanTerms, TermsError};
use crate::money::Money;

/// Everything a customer is shown about a loan before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanQuote {
    /// The repayment plan (`schedule.entries()` are the periods).
    pub schedule: Schedule,
    /// Principal + interest + fees over the whole loan.
    pub total_payment: Money,
    /// All interest.
    pub total_interest: Money,
    /// All fees.
    pub total_fees: Money,
    /// The APR as disclosed: the IRR-method APR rounded half-up to 0.01 % (a fraction with
    /// [`DISCLOSED_RATE_DP`] decimal places, `0.1200` = 12.00 %). This is the figure every
    /// customer and every document is shown, and the one compared with the legal cap, so
    /// no loan ever shows an APR above the cap.
    pub apr: Decimal,
    /// The APR by the IRR method to 8 decimal places, for checks and worked examples; never
    /// shown to a customer.
    pub apr_exact: Decimal,
    /// `(1 + periodic IRR)^(periods a year) − 1`, disclosed like the APR (to 0.01 %).
    pub effective_annual_rate: Decimal,
    /// The effective annual rate to 8 decimal places.
    pub effective_annual_rate_exact: Decimal,
}

/// Decimal places of a disclosed rate as a fraction: a bank shows a percent with two
/// decimals (24.00 %), which is a fraction with four.
pub const DISCLOSED_RATE_DP: u32 = 4;

/// A rate as disclosed: rounded half-up to [`DISCLOSED_RATE_DP`] places.
pub fn disclosed_rate(rate: Decimal) -> Decimal {
    rate.round_dp_with_strategy(DISCLOSED_RATE_DP, RoundingStrategy::MidpointAwayFromZero)
}

/// Computes the schedule of `terms`, its totals and APR, and refuses the loan if its APR
/// is above `limits.legal_apr_cap` — the cap is on the APR, which for a fee-based loan is
/// about twice its simple fee rate × periods a year. The refusal names `periodFeeRate` for
/// `FEE_BASED` and `annualRate` otherwise.
///
/// The APR is compared as disclosed, rounded half-up to 0.01 % (4 decimal places of the
/// fraction): a loan at exactly the nominal cap whose IRR is a hair above it only because
/// its interest is rounded to the fen is still "24.00 %" and is accepted.
pub fn quote(terms: &LoanTerms, limits: &Limits) -> Result<LoanQuote, TermsError> {
    let schedule = generate(terms);
    let rates = annual_rates(&schedule);
    let disclosed = disclosed_rate(rates.apr);
    let cap = limits.rate_cap();
    if disclosed > cap.value() {
        let (field, what) = if terms.method().has_fee() {
            ("periodFeeRate", "lower the fee rate")
        } else {
            ("annualRate", "lower the annual rate")
        };
        return Err(TermsError::new(
            field,
            format!(
                "the APR of this loan would be {} %, above the legal cap of {} %: {what}",
                disclosed
                    .checked_mul(Decimal::ONE_HUNDRED)
                    .map_or(Decimal::MAX, |p| p.normalize()),
                cap.percent()
            ),
        ));
    }
    let mut total_payment = Money::ZERO;
    let mut total_interest = Money::ZERO;
    let mut total_fees = Money::ZERO;
    for e in schedule.entries() {
        total_payment += e.payment;
        total_interest += e.interest;
        total_fees += e.fee;
    }
    Ok(LoanQuote {
        schedule,
        total_payment,
        total_interest,
        total_fees,
        apr: disclosed,
        apr_exact: rates.apr,
        effective_annual_rate: disclosed_rate(rates.effective_annual_rate),
        effective_annual_rate_exact: rates.effective_annual_rate,
    })
}
