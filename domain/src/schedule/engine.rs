//! The schedule engine: from checked [`LoanTerms`] to every period's payment.
//!
//! **Rounding rule.** Amounts are whole fen throughout; a fraction of a fen arises at four
//! points only, and each is rounded half-up (四舍五入) to the fen exactly once:
//! 1. a period's interest = outstanding principal × annual rate / periods a year;
//! 2. the level payment of `EQUAL_INSTALLMENT` (the annuity formula);
//! 3. the principal part of `EQUAL_PRINCIPAL` and `FEE_BASED` = principal / periods;
//! 4. the fee of `FEE_BASED` = fee rate × original principal.
//!
//! Every other figure is a sum or difference of whole fen. The last period absorbs every
//! residue: its principal is whatever is still outstanding, so the principal parts always
//! add up exactly to the loan, and its payment is that plus its interest (and fee).
//!
//! Where rounding would otherwise make a principal part negative or larger than the
//! balance (only for loans of a few fen spread over many periods), it is clamped to
//! `0 ..= balance`, so no amount is ever negative and the balance never rises.

use chrono::NaiveDate;

use super::arith::{Ratio, div_half_up, level_payment};
use super::dates::DueDates;
use super::method::RepaymentMethod;
use super::terms::LoanTerms;
use crate::money::Money;

/// One period of a schedule. `payment = principal + interest + fee`; `remaining_principal`
/// is what is still owed once this payment is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleEntry {
    /// 1-based period number.
    pub period: u32,
    /// The day the payment falls due.
    pub due_date: NaiveDate,
    /// The whole amount due: principal + interest + fee.
    pub payment: Money,
    /// The part that repays principal.
    pub principal: Money,
    /// Interest on the principal outstanding during the period.
    pub interest: Money,
    /// The `FEE_BASED` fee (0 for every other method).
    pub fee: Money,
    /// Principal still owed after this payment; 0 after the last.
    pub remaining_principal: Money,
}

/// A loan's repayment plan: the terms it was computed from and one entry per period.
///
/// Built only by [`generate`] (and by the partial prepayment rules, which fold the
/// prepayment in), so it always satisfies the engine's invariants: consecutive periods from
/// 1, the principal parts plus any prepaid principal add up to the loan, the remaining
/// principal never rises and ends at 0, and no amount is negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    terms: LoanTerms,
    entries: Vec<ScheduleEntry>,
    /// Principal prepaid after a period (`(period, fen)`, period 0 = on the start date):
    /// part of the cash flows for the APR. Empty unless rescheduled.
    prepayments: Vec<(u32, i64)>,
}

impl Schedule {
    /// The terms the schedule was computed from.
    pub fn terms(&self) -> &LoanTerms {
        &self.terms
    }

    /// The periods, in order.
    pub fn entries(&self) -> &[ScheduleEntry] {
        &self.entries
    }

    /// The periods, owned (for a transport that converts them).
    pub fn into_entries(self) -> Vec<ScheduleEntry> {
        self.entries
    }

    /// The sum of every payment (principal, interest and fees).
    pub fn total_payment(&self) -> Money {
        self.entries.iter().map(|e| e.payment).sum()
    }

    /// The sum of every period's interest.
    pub fn total_interest(&self) -> Money {
        self.entries.iter().map(|e| e.interest).sum()
    }

    /// The sum of every period's fee.
    pub fn total_fees(&self) -> Money {
        self.entries.iter().map(|e| e.fee).sum()
    }

    /// Principal prepaid after a period, as `(period, amount)`; empty for a schedule as
    /// generated.
    pub fn prepayments(&self) -> impl ExactSizeIterator<Item = (u32, Money)> + '_ {
        self.prepayments
            .iter()
            .map(|&(p, fen)| (p, Money::from_fen(fen)))
    }

    pub(crate) fn prepaid_fen(&self) -> &[(u32, i64)] {
        &self.prepayments
    }

    pub(crate) fn from_parts(
        terms: LoanTerms,
        entries: Vec<ScheduleEntry>,
        prepayments: Vec<(u32, i64)>,
    ) -> Schedule {
        Schedule {
            terms,
            entries,
            prepayments,
        }
    }
}

/// Computes the repayment schedule of `terms`. Pure and cheap: one allocation (the entries,
/// with capacity for every period), integer arithmetic per period, and one `Decimal`
/// annuity computation for `EQUAL_INSTALLMENT`.
///
/// - `EQUAL_INSTALLMENT`: level payment `P·r·(1+r)^n / ((1+r)^n − 1)` rounded half-up
///   (`P / n` when `r = 0`); interest = balance × r rounded; principal = payment − interest.
/// - `EQUAL_PRINCIPAL`: principal = `P / n` rounded, interest = balance × r rounded.
/// - `INTEREST_FIRST`: interest = balance × r rounded each period; all the principal with
///   the last payment.
/// - `FEE_BASED`: principal = `P / n` rounded, fee = fee rate × original principal rounded,
///   no interest.
///
/// In every method the last period takes whatever principal is still outstanding.
pub fn generate(terms: &LoanTerms) -> Schedule {
    let n = terms.periods();
    let principal = terms.principal().to_fen();
    let rule = match terms.method() {
        RepaymentMethod::EqualInstallment => PrincipalRule::Level(level_payment(
            principal,
            terms.annual_rate(),
            terms.frequency().periods_per_year(),
            n,
        )),
        RepaymentMethod::EqualPrincipal | RepaymentMethod::FeeBased => {
            PrincipalRule::Fixed(div_half_up(principal, n))
        }
        RepaymentMethod::InterestFirst => PrincipalRule::AtEnd,
    };
    let fee = terms
        .period_fee_rate()
        .and_then(|rate| Ratio::of_rate(rate, 1).apply(principal))
        .unwrap_or(0);
    let mut entries = Vec::with_capacity(n as usize);
    amortize(
        terms,
        Run {
            balance: principal,
            rule,
            fee,
            first_period: 1,
            last_period: n,
            stop_when_repaid: false,
        },
        DueDates::from_period(terms.first_due_date(), terms.frequency(), 1),
        &mut entries,
    );
    Schedule::from_parts(*terms, entries, Vec::new())
}

/// How each period's principal part is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalRule {
    /// A level payment (fen): principal = payment − interest.
    Level(i64),
    /// The same principal (fen) each period.
    Fixed(i64),
    /// Nothing until the last period.
    AtEnd,
}

/// One stretch of amortization: from `first_period` to `last_period` starting with
/// `balance` outstanding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run {
    pub(crate) balance: i64,
    pub(crate) rule: PrincipalRule,
    /// The fee each period (fen).
    pub(crate) fee: i64,
    pub(crate) first_period: u32,
    /// The period that takes whatever principal is left.
    pub(crate) last_period: u32,
    /// Stop as soon as the balance is repaid (a shorter term after a prepayment) instead
    /// of running to `last_period`.
    pub(crate) stop_when_repaid: bool,
}

/// Appends the entries of `run` to `out`, taking due dates from `due_dates` in order.
pub(crate) fn amortize(
    terms: &LoanTerms,
    run: Run,
    mut due_dates: impl Iterator<Item = NaiveDate>,
    out: &mut Vec<ScheduleEntry>,
) {
    let period_rate = Ratio::of_rate(terms.annual_rate(), terms.frequency().periods_per_year());
    let mut balance = run.balance.max(0);
    let fee = run.fee.max(0);
    for period in run.first_period..=run.last_period {
        // Both fallbacks are unreachable for checked terms (see `Ratio::apply` and
        // `LoanTerms::new`); they keep the engine total instead of panicking.
        let interest = period_rate.apply(balance).unwrap_or(0);
        let due_date = due_dates.next().unwrap_or(NaiveDate::MAX);
        let principal = if period == run.last_period {
            balance
        } else {
            match run.rule {
                PrincipalRule::Level(payment) => payment.saturating_sub(interest).clamp(0, balance),
                PrincipalRule::Fixed(part) => part.clamp(0, balance),
                PrincipalRule::AtEnd => 0,
            }
        };
        balance -= principal;
        out.push(ScheduleEntry {
            period,
            due_date,
            payment: Money::from_fen(principal.saturating_add(interest).saturating_add(fee)),
            principal: Money::from_fen(principal),
            interest: Money::from_fen(interest),
            fee: Money::from_fen(fee),
            remaining_principal: Money::from_fen(balance),
        });
        if run.stop_when_repaid && balance == 0 {
            break;
        }
    }
}
