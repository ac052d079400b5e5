//! The repayment engine (pure): what an installment owes on a day, how a payment is
//! allocated, when a failed debit is retried, which delinquency bucket a plan is in, and
//! the customer's progress. Everything in whole fen; the only rounding is the late
//! charge's, done by the schedule engine ([`daily_late_charge`]).
//!
//! - **Late charge** (罚息): once an installment is unpaid past its due date plus the
//!   grace days, each further day costs `daily_rate` × the unpaid principal, interest and
//!   fee (never on the late charge itself). It is accrued in segments — from the last day
//!   accrued to today, on the amount unpaid over that segment — at every event (a debit,
//!   a payment, a read), so a partial payment lowers what accrues from then on.
//! - **Allocation**: a payment pays the installment's late charge first, then interest,
//!   then fee, then principal; across installments, the oldest first.
//! - **Retries**: the first debit is on the due date; after too little money it is tried
//!   again on the configured days after the due date (D+1, D+3 by default), then no more
//!   (the customer pays, or staff follow up).
//! - **Buckets**: days past due count from the due date of the oldest installment that
//!   is overdue (past its grace): M1 1–30, M2 31–60, M3 61–90, M3+ beyond.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::schedule::daily_late_charge;

/// The repayment terms a plan keeps from its product when it opens (JSON in
/// `installment_plan.terms`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanTerms {
    /// Days after the due date before it is overdue and the late charge runs.
    pub grace_days: u32,
    /// The late charge a day on the unpaid amount (`0.0005` = 0.05 % a day).
    #[serde(with = "rust_decimal::serde::str")]
    pub late_daily_rate: Decimal,
    /// The nominal annual rate (0 for fee-based plans): interest accrued at a payoff.
    #[serde(default, with = "rust_decimal::serde::str")]
    pub annual_rate: Decimal,
    /// Whether the plan may be repaid early, after how many paid installments, and the
    /// fee on the principal repaid early.
    #[serde(default = "allowed")]
    pub prepayment_allowed: bool,
    /// Installments that must be paid before repaying early.
    #[serde(default)]
    pub prepayment_min_periods_paid: u32,
    /// The fee on the principal repaid early (`0.01` = 1 %).
    #[serde(default, with = "rust_decimal::serde::str")]
    pub prepayment_fee_rate: Decimal,
    /// The day the plan started (interest runs from it until the first due date).
    #[serde(default)]
    pub start_date: Option<NaiveDate>,
    /// The loan as agreed, so the schedule engine can rebuild the plan's schedule and
    /// recompute it after a partial prepayment (plans opened before it was kept: none).
    #[serde(default)]
    pub loan: Option<LoanSpec>,
}

/// The agreed loan, as the schedule engine takes it ([`crate::schedule::LoanTermsInput`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoanSpec {
    /// The principal, in fen.
    pub principal_fen: i64,
    /// The nominal annual rate (0 for fee-based).
    #[serde(with = "rust_decimal::serde::str")]
    pub annual_rate: Decimal,
    /// The fee per period (fee-based only).
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub period_fee_rate: Option<Decimal>,
    /// The number of installments.
    pub periods: u32,
    /// Monthly or quarterly.
    pub frequency: crate::schedule::Frequency,
    /// How it is repaid.
    pub method: crate::schedule::RepaymentMethod,
    /// The day the money was paid out.
    pub start_date: NaiveDate,
    /// The day of the month installments fall due.
    pub payment_day: u32,
}

impl LoanSpec {
    /// The engine's input.
    pub fn input(&self) -> crate::schedule::LoanTermsInput {
        crate::schedule::LoanTermsInput {
            principal: crate::money::Money::from_fen(self.principal_fen).amount(),
            annual_rate: self.annual_rate,
            period_fee_rate: self.period_fee_rate,
            periods: i64::from(self.periods),
            frequency: self.frequency,
            method: self.method,
            start_date: self.start_date,
            payment_day: i64::from(self.payment_day),
        }
    }
}

fn allowed() -> bool {
    true
}

impl Default for PlanTerms {
    /// The house products' terms: 3 days' grace, 0.05 % a day.
    fn default() -> Self {
        Self {
            grace_days: 3,
            late_daily_rate: Decimal::new(5, 4),
            annual_rate: Decimal::ZERO,
            prepayment_allowed: true,
            prepayment_min_periods_paid: 0,
            prepayment_fee_rate: Decimal::ZERO,
            start_date: None,
            loan: None,
        }
    }
}

impl PlanTerms {
    /// The first day an installment due on `due` is overdue.
    pub fn overdue_on(&self, due: NaiveDate) -> NaiveDate {
        due + chrono::Days::new(u64::from(self.grace_days) + 1)
    }
}

/// Amounts by part, in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Parts {
    /// Late charge.
    pub penalty: i64,
    /// Interest.
    pub interest: i64,
    /// Fee.
    pub fee: i64,
    /// Principal.
    pub principal: i64,
}

impl Parts {
    /// The sum.
    pub fn total(&self) -> i64 {
        self.penalty + self.interest + self.fee + self.principal
    }

    fn add(&mut self, other: Parts) {
        self.penalty += other.penalty;
        self.interest += other.interest;
        self.fee += other.fee;
        self.principal += other.principal;
    }
}

/// One installment as repayment sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installment {
    /// Its number.
    pub period: u32,
    /// When it falls due.
    pub due_date: NaiveDate,
    /// What the schedule asks: interest, fee and principal (penalty is accrued).
    pub scheduled: Parts,
    /// What has been paid, by part.
    pub paid: Parts,
    /// Late charge accrued through `penalty_through`.
    pub penalty: i64,
    /// The last day accrued.
    pub penalty_through: Option<NaiveDate>,
}

impl Installment {
    /// Principal, interest and fee still unpaid: the base of the late charge.
    pub fn unpaid_base(&self) -> i64 {
        (self.scheduled.interest - self.paid.interest)
            + (self.scheduled.fee - self.paid.fee)
            + (self.scheduled.principal - self.paid.principal)
    }

    /// Accrues the late charge through `today`.
    pub fn accrue(&mut self, terms: &PlanTerms, today: NaiveDate) {
        let grace_end = self.due_date + chrono::Days::new(u64::from(terms.grace_days));
        let from = self.penalty_through.map_or(grace_end, |t| t.max(grace_end));
        if today <= from || self.unpaid_base() <= 0 {
            if today > from {
                self.penalty_through = Some(today);
            }
            return;
        }
        let days = u32::try_from((today - from).num_days()).unwrap_or(u32::MAX);
        // An amount or rate that cannot be charged was refused when the plan opened.
        let charge =
            daily_late_charge(self.unpaid_base(), terms.late_daily_rate, days).unwrap_or(0);
        self.penalty += charge;
        self.penalty_through = Some(today);
    }

    /// What it still owes, by part (with the late charge accrued so far).
    pub fn owed(&self) -> Parts {
        Parts {
            penalty: self.penalty - self.paid.penalty,
            interest: self.scheduled.interest - self.paid.interest,
            fee: self.scheduled.fee - self.paid.fee,
            principal: self.scheduled.principal - self.paid.principal,
        }
    }

    /// Whether nothing is owed.
    pub fn settled(&self) -> bool {
        self.owed().total() <= 0
    }

    /// Pays up to `amount` in the order late charge, interest, fee, principal; answers
    /// what went where (the rest of `amount` is `amount - allocated.total()`).
    pub fn pay(&mut self, amount: i64) -> Parts {
        let owed = self.owed();
        let mut left = amount.max(0);
        let mut take = |due: i64| {
            let part = left.min(due.max(0));
            left -= part;
            part
        };
        let allocated = Parts {
            penalty: take(owed.penalty),
            interest: take(owed.interest),
            fee: take(owed.fee),
            principal: take(owed.principal),
        };
        self.paid.add(allocated);
        allocated
    }
}

/// Allocates `amount` across `installments` (in period order), oldest first; answers each
/// one's share (same order) and what is left over.
pub fn allocate(installments: &mut [Installment], amount: i64) -> (Vec<Parts>, i64) {
    let mut left = amount.max(0);
    let mut shares = Vec::with_capacity(installments.len());
    for installment in installments.iter_mut() {
        let share = installment.pay(left);
        left -= share.total();
        shares.push(share);
    }
    (shares, left)
}

/// The day the next automatic debit is tried after `attempts_made` attempts for an
/// installment due on `due`: the due date first, then each of `retry_days` after it; none
/// once they are used up.
pub fn retry_day(due: NaiveDate, attempts_made: u32, retry_days: &[u32]) -> Option<NaiveDate> {
    match attempts_made {
        0 => Some(due),
        n => retry_days
            .get(usize::try_from(n - 1).ok()?)
            .map(|d| due + chrono::Days::new(u64::from(*d))),
    }
}

/// What paying the whole plan off costs on a day (a quote valid for that day only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayoffQuote {
    /// The day it holds for.
    pub valid_on: NaiveDate,
    /// Owed on installments due up to that day, with their late charges.
    pub due_now: i64,
    /// Principal of the installments not yet due.
    pub principal: i64,
    /// Days of interest on it since the last due date (or the start).
    pub accrued_days: u32,
    /// That interest: annual rate / 360 a day, rounded half-up once.
    pub accrued_interest: i64,
    /// The prepayment fee on that principal.
    pub fee: i64,
    /// Everything: what settles the plan that day.
    pub total: i64,
}

/// Why a plan cannot be paid off now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayoffRefusal {
    /// The product does not allow early repayment.
    #[error("This plan's product does not allow early repayment.")]
    NotAllowed,
    /// Too few installments paid yet.
    #[error("Early repayment is allowed after {required} paid installments; {paid} are paid.")]
    TooEarly {
        /// Installments required.
        required: u32,
        /// Installments paid.
        paid: u32,
    },
    /// Nothing is owed.
    #[error("Nothing is owed on this plan.")]
    NothingOwed,
}

/// The payoff of `installments` (accrued to `today`) on `today`: what is due now, the
/// principal of the rest, interest on it since the last due date (the banks' actual/360,
/// as the schedule engine's payoff), and the prepayment fee on it. Future interest and
/// fees are not charged.
pub fn payoff_quote(
    installments: &[Installment],
    terms: &PlanTerms,
    today: NaiveDate,
) -> Result<PayoffQuote, PayoffRefusal> {
    if !terms.prepayment_allowed {
        return Err(PayoffRefusal::NotAllowed);
    }
    let paid = u32::try_from(installments.iter().filter(|i| i.settled()).count()).unwrap_or(0);
    if paid < terms.prepayment_min_periods_paid {
        return Err(PayoffRefusal::TooEarly {
            required: terms.prepayment_min_periods_paid,
            paid,
        });
    }
    let due_now: i64 = installments
        .iter()
        .filter(|i| !i.settled() && i.due_date <= today)
        .map(|i| i.owed().total())
        .sum();
    let principal: i64 = installments
        .iter()
        .filter(|i| !i.settled() && i.due_date > today)
        .map(|i| i.owed().principal)
        .sum();
    if due_now + principal <= 0 {
        return Err(PayoffRefusal::NothingOwed);
    }
    let since = installments
        .iter()
        .map(|i| i.due_date)
        .filter(|d| *d <= today)
        .max()
        .or(terms.start_date)
        .unwrap_or(today);
    let accrued_days = u32::try_from((today - since).num_days().max(0)).unwrap_or(0);
    let accrued_interest =
        crate::schedule::accrued_interest(principal, terms.annual_rate, accrued_days);
    let fee = crate::schedule::prepayment_fee(principal, terms.prepayment_fee_rate);
    Ok(PayoffQuote {
        valid_on: today,
        due_now,
        principal,
        accrued_days,
        accrued_interest,
        fee,
        total: due_now + principal + accrued_interest + fee,
    })
}

/// How late a plan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Bucket {
    /// Nothing overdue.
    Current,
    /// 1–30 days past due.
    M1,
    /// 31–60 days.
    M2,
    /// 61–90 days.
    M3,
    /// More than 90 days.
    M3Plus,
}

impl Bucket {
    /// The bucket of `days` past due.
    pub fn of(days: i64) -> Bucket {
        match days {
            i64::MIN..=0 => Bucket::Current,
            1..=30 => Bucket::M1,
            31..=60 => Bucket::M2,
            61..=90 => Bucket::M3,
            _ => Bucket::M3Plus,
        }
    }

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Current => "CURRENT",
            Bucket::M1 => "M1",
            Bucket::M2 => "M2",
            Bucket::M3 => "M3",
            Bucket::M3Plus => "M3_PLUS",
        }
    }

    /// From storage (anything unknown is current).
    pub fn from_stored(text: &str) -> Bucket {
        match text {
            "M1" => Bucket::M1,
            "M2" => Bucket::M2,
            "M3" => Bucket::M3,
            "M3_PLUS" => Bucket::M3Plus,
            _ => Bucket::Current,
        }
    }
}

/// Where the customer stands, for the progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Installments settled.
    pub periods_paid: u32,
    /// Installments in all.
    pub periods_total: u32,
    /// Principal repaid, fen.
    pub principal_paid: i64,
    /// Principal still owed, fen.
    pub principal_remaining: i64,
    /// Share of the principal repaid, 0–100 with two decimals.
    pub percent_complete: Decimal,
    /// The next installment not yet due and unpaid.
    pub next_due_date: Option<NaiveDate>,
    /// What it will ask, fen.
    pub next_due_amount: i64,
    /// Owed on installments past their due date (with late charges), fen.
    pub overdue_amount: i64,
    /// Days since the oldest overdue installment fell due (0 while current).
    pub overdue_days: i64,
    /// The delinquency bucket.
    pub bucket: Bucket,
}

/// The progress of `installments` (accrued through `today`) on `today`.
pub fn progress(
    installments: &[Installment],
    terms: &PlanTerms,
    today: NaiveDate,
    loan_principal: i64,
) -> Progress {
    // Principal repaid early is no longer in any installment: the loan's principal less
    // what the installments still schedule.
    let scheduled: i64 = installments.iter().map(|i| i.scheduled.principal).sum();
    let principal_total = loan_principal.max(scheduled);
    let prepaid = principal_total - scheduled;
    let principal_paid: i64 = installments.iter().map(|i| i.paid.principal).sum::<i64>() + prepaid;
    let periods_paid = installments.iter().filter(|i| i.settled()).count();
    let next = installments
        .iter()
        .find(|i| !i.settled() && i.due_date >= today);
    let overdue_amount = installments
        .iter()
        .filter(|i| !i.settled() && i.due_date < today)
        .map(|i| i.owed().total())
        .sum();
    let overdue_days = installments
        .iter()
        .find(|i| !i.settled() && terms.overdue_on(i.due_date) <= today)
        .map_or(0, |i| (today - i.due_date).num_days());
    let percent_complete = if principal_total > 0 {
        (Decimal::from(principal_paid) * Decimal::ONE_HUNDRED / Decimal::from(principal_total))
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    } else {
        Decimal::ONE_HUNDRED
    };
    Progress {
        periods_paid: u32::try_from(periods_paid).unwrap_or(u32::MAX),
        periods_total: u32::try_from(installments.len()).unwrap_or(u32::MAX),
        principal_paid,
        principal_remaining: principal_total - principal_paid,
        percent_complete,
        next_due_date: next.map(|i| i.due_date),
        next_due_amount: next.map_or(0, |i| i.owed().total()),
        overdue_amount,
        overdue_days,
        bucket: Bucket::of(overdue_days),
    }
}

#[cfg(test)]
mod tests;
