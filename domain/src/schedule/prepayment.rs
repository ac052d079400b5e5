//! Prepayment (提前还款): paying the whole loan off early, or part of it.
//!
//! **Paying off** after `k` periods have been paid, on a date from the last due date (the
//! start date if nothing has been paid) up to but not including the next due date, costs:
//! - the principal still outstanding,
//! - interest on it for the days since the last due date (or start date), at the daily
//!   rate annual rate / 360 (the banks' actual/360 convention), rounded half-up to the fen
//!   — nothing for `FEE_BASED`, which charges no interest,
//! - and the product's prepayment fee: its rate × the outstanding principal, rounded
//!   half-up to the fen. Future fees of a `FEE_BASED` loan are not charged; a product that
//!   wants them charges them through this rate.
//!
//! On the next due date itself that period's payment falls due and must be paid first.
//!
//! **A partial prepayment** is taken on the due date of period `k`, right after that
//! period's payment (on the start date when `k = 0`), so no interest accrues in between and
//! the next period's interest is on the reduced balance. It must be more than 0 and less
//! than the outstanding principal (paying it all is a payoff). The prepayment fee is the
//! same rate on the prepaid amount. The remaining periods are then recomputed:
//!
//! | method | `KeepTerm` (same end date, lower payments) | `KeepInstallment` (same payments, earlier end) |
//! |---|---|---|
//! | `EQUAL_INSTALLMENT` | a new level payment over the remaining periods | the same level payment until the balance is repaid; the last payment is smaller |
//! | `EQUAL_PRINCIPAL` | principal part = new balance / remaining periods | the same principal part until repaid; the last is smaller |
//! | `INTEREST_FIRST` | interest on the new balance, principal at the end | refused: its installment is interest only, so keeping it would leave the prepayment without effect |
//! | `FEE_BASED` | refused | refused |
//!
//! `FEE_BASED` loans can only be paid off in full: their fee is a rate on the original
//! principal for the whole term, so a partial prepayment would reduce nothing the customer
//! pays per period (card installments are paid off in full for the same reason).
//!
//! The recomputed periods keep their original numbers and due dates; every rounding rule of
//! the engine applies, and the last of them absorbs every residue.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::arith::{Ratio, div_half_up, level_payment};
use super::engine::{PrincipalRule, Run, Schedule, ScheduleEntry, amortize};
use super::method::RepaymentMethod;
use crate::error::DomainError;
use crate::money::Money;
use crate::rate::Rate;

/// Days in the year of the daily interest rate (actual/360).
pub const DAYS_PER_YEAR: u32 = 360;

/// What stays the same when the remaining periods are recomputed after a partial
/// prepayment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecomputeMode {
    /// 缩短月供: the same number of periods, lower payments.
    KeepTerm,
    /// 缩短期限: the same payment (or principal part), fewer periods.
    KeepInstallment,
}

/// Why a prepayment was refused. [`PrepaymentError::field`] names the input at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepaymentError {
    /// Every period has been paid (or more periods were claimed than the loan has).
    #[error(
        "the loan has {periods} periods, so after {paid_periods} paid there is nothing left to prepay"
    )]
    NothingOutstanding {
        /// Periods said to be paid.
        paid_periods: u32,
        /// Periods in the plan.
        periods: u32,
    },
    /// The payoff date is before the period it would fall in has begun.
    #[error(
        "a payoff after these payments can be made from {from} on; choose that date or a later one"
    )]
    BeforePeriodStart {
        /// The last due date paid, or the start date.
        from: NaiveDate,
    },
    /// The next period is due on or before the payoff date.
    #[error(
        "period {period} falls due on {due_date}: pay it first, then pay off the rest before the following due date"
    )]
    NextPeriodDue {
        /// The period that is due.
        period: u32,
        /// Its due date.
        due_date: NaiveDate,
    },
    /// Zero or a negative amount.
    #[error("the amount to prepay must be more than 0.00 yuan")]
    AmountNotPositive,
    /// All the outstanding principal or more: that is a payoff.
    #[error(
        "the amount to prepay must be less than the outstanding principal of {outstanding} yuan; to repay it all, pay the loan off"
    )]
    AmountNotBelowOutstanding {
        /// The principal outstanding.
        outstanding: Money,
    },
    /// A prepayment fee above 100 % of the prepaid principal.
    #[error("the prepayment fee rate must be at most 1 (100 % of the prepaid principal)")]
    FeeRateTooHigh,
    /// This method cannot be partially prepaid this way (see the module documentation).
    #[error("{}", unsupported_message(*method, *mode))]
    Unsupported {
        /// The loan's method.
        method: RepaymentMethod,
        /// The mode asked for.
        mode: RecomputeMode,
    },
}

impl PrepaymentError {
    /// The input field at fault, in the API's camelCase spelling.
    pub fn field(&self) -> &'static str {
        match self {
            PrepaymentError::NothingOutstanding { .. } => "paidPeriods",
            PrepaymentError::BeforePeriodStart { .. } | PrepaymentError::NextPeriodDue { .. } => {
                "payoffDate"
            }
            PrepaymentError::AmountNotPositive
            | PrepaymentError::AmountNotBelowOutstanding { .. } => "amount",
            PrepaymentError::FeeRateTooHigh => "prepaymentFeeRate",
            PrepaymentError::Unsupported { .. } => "mode",
        }
    }
}

impl From<PrepaymentError> for DomainError {
    fn from(e: PrepaymentError) -> DomainError {
        DomainError::validation(e.field(), e.to_string())
    }
}

/// Interest on `principal_fen` for `days` days at `annual_rate` / 360 (actual/360, as
/// [`payoff`]), one exact product rounded half-up to the fen; 0 for a negative input.
pub fn accrued_interest(principal_fen: i64, annual_rate: Decimal, days: u32) -> i64 {
    if annual_rate.is_sign_negative() {
        return 0;
    }
    Ratio::new(annual_rate, DAYS_PER_YEAR)
        .times(u64::from(days))
        .and_then(|r| r.apply(principal_fen))
        .unwrap_or(0)
}

/// The prepayment fee on `principal_fen` at `fee_rate`, rounded half-up to the fen once;
/// 0 for a negative input.
pub fn prepayment_fee(principal_fen: i64, fee_rate: Decimal) -> i64 {
    if fee_rate.is_sign_negative() {
        return 0;
    }
    Ratio::new(fee_rate, 1).apply(principal_fen).unwrap_or(0)
}

/// What it costs to pay the whole loan off on a given date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payoff {
    /// Periods already paid.
    pub paid_periods: u32,
    /// The day of the payoff.
    pub payoff_date: NaiveDate,
    /// The principal still owed.
    pub outstanding_principal: Money,
    /// Days of interest since the last due date (or the start date).
    pub accrued_days: u32,
    /// Interest for those days at annual rate / 360, rounded half-up to the fen.
    pub accrued_interest: Money,
    /// The prepayment fee on the outstanding principal.
    pub prepayment_fee: Money,
    /// Everything due: principal + accrued interest + fee.
    pub total: Money,
}

/// The amount that pays `schedule` off on `payoff_date` once its first `paid_periods`
/// periods have been paid (see the module documentation for the rule).
pub fn payoff(
    schedule: &Schedule,
    paid_periods: u32,
    payoff_date: NaiveDate,
    prepayment_fee_rate: Rate,
) -> Result<Payoff, PrepaymentError> {
    let (next, from) = next_period(schedule, paid_periods)?;
    if payoff_date < from {
        return Err(PrepaymentError::BeforePeriodStart { from });
    }
    if payoff_date >= next.due_date {
        return Err(PrepaymentError::NextPeriodDue {
            period: next.period,
            due_date: next.due_date,
        });
    }
    let fee_ratio = fee_ratio(prepayment_fee_rate)?;
    let outstanding = outstanding_before(next);
    // Less than two periods plus a month: at most a few hundred days.
    let days = u32::try_from((payoff_date - from).num_days()).unwrap_or(u32::MAX);
    // Unreachable fallbacks: outstanding ≤ 10^14 fen, rate numerators ≤ 10^11 (see
    // `Ratio::apply`), days < 2^32.
    let accrued = Ratio::of_rate(schedule.terms().annual_rate(), DAYS_PER_YEAR)
        .times(u64::from(days))
        .and_then(|daily| daily.apply(outstanding))
        .unwrap_or(0);
    let fee = fee_ratio.apply(outstanding).unwrap_or(0);
    let outstanding = Money::from_fen(outstanding);
    let accrued_interest = Money::from_fen(accrued);
    let prepayment_fee = Money::from_fen(fee);
    Ok(Payoff {
        paid_periods,
        payoff_date,
        outstanding_principal: outstanding,
        accrued_days: days,
        accrued_interest,
        prepayment_fee,
        total: outstanding + accrued_interest + prepayment_fee,
    })
}

/// A partial prepayment and the plan that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialPrepayment {
    /// Periods paid before the prepayment.
    pub paid_periods: u32,
    /// The principal prepaid.
    pub amount: Money,
    /// The prepayment fee on it.
    pub prepayment_fee: Money,
    /// Principal still owed after the prepayment.
    pub outstanding_principal: Money,
    /// The whole plan: periods 1..=`paid_periods` as they were, then the recomputed ones.
    /// It records the prepayment, so a later payoff, prepayment or APR computation on it
    /// is correct.
    pub schedule: Schedule,
}

impl PartialPrepayment {
    /// The recomputed periods, from `paid_periods + 1` on.
    pub fn new_entries(&self) -> &[ScheduleEntry] {
        let start = (self.paid_periods as usize).min(self.schedule.entries().len());
        &self.schedule.entries()[start..]
    }

    /// What the customer pays now: the prepaid principal plus the fee.
    pub fn due_now(&self) -> Money {
        self.amount + self.prepayment_fee
    }
}

/// Prepays `amount` of principal on the due date of period `paid_periods` (see the module
/// documentation) and recomputes the rest of the plan according to `mode`.
pub fn partial_prepayment(
    schedule: &Schedule,
    paid_periods: u32,
    amount: Money,
    mode: RecomputeMode,
    prepayment_fee_rate: Rate,
) -> Result<PartialPrepayment, PrepaymentError> {
    let terms = *schedule.terms();
    let method = terms.method();
    if matches!(
        (method, mode),
        (RepaymentMethod::FeeBased, _)
            | (
                RepaymentMethod::InterestFirst,
                RecomputeMode::KeepInstallment
            )
    ) {
        return Err(PrepaymentError::Unsupported { method, mode });
    }
    let (next, _) = next_period(schedule, paid_periods)?;
    let outstanding = outstanding_before(next);
    if !amount.is_positive() {
        return Err(PrepaymentError::AmountNotPositive);
    }
    if amount.to_fen() >= outstanding {
        return Err(PrepaymentError::AmountNotBelowOutstanding {
            outstanding: Money::from_fen(outstanding),
        });
    }
    let fee = fee_ratio(prepayment_fee_rate)?
        .apply(amount.to_fen())
        .unwrap_or(0);
    let balance = outstanding - amount.to_fen();
    let entries = schedule.entries();
    let k = paid_periods as usize;
    let last_period = entries.last().map_or(next.period, |e| e.period);
    let remaining = last_period.saturating_sub(paid_periods).max(1);
    let ppy = terms.frequency().periods_per_year();
    let (rule, stop_when_repaid) = match (method, mode) {
        (RepaymentMethod::EqualInstallment, RecomputeMode::KeepTerm) => (
            PrincipalRule::Level(level_payment(balance, terms.annual_rate(), ppy, remaining)),
            false,
        ),
        (RepaymentMethod::EqualInstallment, RecomputeMode::KeepInstallment) => (
            PrincipalRule::Level(next.payment.to_fen() - next.fee.to_fen()),
            true,
        ),
        (RepaymentMethod::EqualPrincipal, RecomputeMode::KeepTerm) => {
            (PrincipalRule::Fixed(div_half_up(balance, remaining)), false)
        }
        (RepaymentMethod::EqualPrincipal, RecomputeMode::KeepInstallment) => {
            (PrincipalRule::Fixed(next.principal.to_fen()), true)
        }
        _ => (PrincipalRule::AtEnd, false),
    };
    let mut new_entries = Vec::with_capacity(entries.len());
    new_entries.extend_from_slice(&entries[..k]);
    amortize(
        &terms,
        Run {
            balance,
            rule,
            fee: 0,
            first_period: paid_periods + 1,
            last_period,
            stop_when_repaid,
        },
        entries[k..].iter().map(|e| e.due_date),
        &mut new_entries,
    );
    let mut prepayments: Vec<(u32, i64)> = schedule.prepaid_fen().to_vec();
    prepayments.push((paid_periods, amount.to_fen()));
    Ok(PartialPrepayment {
        paid_periods,
        amount,
        prepayment_fee: Money::from_fen(fee),
        outstanding_principal: Money::from_fen(balance),
        schedule: Schedule::from_parts(terms, new_entries, prepayments),
    })
}

/// The first unpaid entry and the date its period began (the previous due date, or the
/// start date).
fn next_period(
    schedule: &Schedule,
    paid_periods: u32,
) -> Result<(&ScheduleEntry, NaiveDate), PrepaymentError> {
    let entries = schedule.entries();
    let k = paid_periods as usize;
    let next = entries.get(k).ok_or(PrepaymentError::NothingOutstanding {
        paid_periods,
        periods: u32::try_from(entries.len()).unwrap_or(u32::MAX),
    })?;
    let from = match k.checked_sub(1).and_then(|i| entries.get(i)) {
        Some(previous) => previous.due_date,
        None => schedule.terms().start_date(),
    };
    Ok((next, from))
}

/// Principal outstanding at the start of `entry`'s period, in fen.
fn outstanding_before(entry: &ScheduleEntry) -> i64 {
    entry.remaining_principal.to_fen() + entry.principal.to_fen()
}

fn fee_ratio(rate: Rate) -> Result<Ratio, PrepaymentError> {
    if rate.value() > rust_decimal::Decimal::ONE {
        return Err(PrepaymentError::FeeRateTooHigh);
    }
    Ok(Ratio::of_rate(rate, 1))
}

fn unsupported_message(method: RepaymentMethod, mode: RecomputeMode) -> &'static str {
    match (method, mode) {
        (RepaymentMethod::InterestFirst, _) => {
            "an INTEREST_FIRST loan's installment is interest only, so it cannot be kept after a partial prepayment: choose KEEP_TERM to lower the interest"
        }
        (RepaymentMethod::FeeBased, _) => {
            "a FEE_BASED installment cannot be partially prepaid, because its fee is on the original principal: pay it off in full instead"
        }
        _ => "this loan cannot be partially prepaid this way",
    }
}
