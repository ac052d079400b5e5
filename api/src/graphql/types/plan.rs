//! The installment plan as clients see it: its schedule with what each installment has
//! been paid and still owes today, its payments, and the progress bar.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::money::Money;
use domain::repayment::engine::{Bucket, Parts, Progress};
use domain::repayment::versions::{ScheduleVersion, VersionRow};
use domain::repayment::{EntryView, PaymentView, PlanView};
use domain::schedule::RecomputeMode;

use crate::graphql::scalars::Decimal;

use super::money::money;

fn yuan(fen: i64) -> Decimal {
    money(Money::from_fen(fen))
}

/// How late a plan is (days past due of its oldest overdue installment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "DelinquencyBucket", remote = "Bucket")]
pub enum BucketGql {
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

/// Amounts by part, in yuan.
#[derive(SimpleObject)]
pub struct AmountParts {
    /// Late charge.
    pub late_charge: Decimal,
    /// Interest.
    pub interest: Decimal,
    /// Fee.
    pub fee: Decimal,
    /// Principal.
    pub principal: Decimal,
    /// The sum.
    pub total: Decimal,
}

impl From<Parts> for AmountParts {
    fn from(p: Parts) -> Self {
        Self {
            late_charge: yuan(p.penalty),
            interest: yuan(p.interest),
            fee: yuan(p.fee),
            principal: yuan(p.principal),
            total: yuan(p.total()),
        }
    }
}

/// One installment.
#[derive(SimpleObject)]
pub struct PlanInstallment {
    /// Its number.
    pub period: u32,
    /// When it falls due.
    pub due_date: NaiveDate,
    /// `DUE`, `OVERDUE` (unpaid past its grace days) or `PAID`.
    pub status: String,
    /// What the schedule asks.
    pub scheduled: AmountParts,
    /// What has been paid.
    pub paid: AmountParts,
    /// Still owed today, with the late charge accrued to today.
    pub owed: AmountParts,
    /// Principal left after it, per the schedule.
    pub remaining_principal: Decimal,
}

impl From<EntryView> for PlanInstallment {
    fn from(e: EntryView) -> Self {
        Self {
            period: e.period,
            due_date: e.due_date,
            status: e.status,
            scheduled: e.scheduled.into(),
            paid: e.paid.into(),
            owed: e.owed.into(),
            remaining_principal: yuan(e.remaining_fen),
        }
    }
}

/// A payment posted to a plan and where it went.
#[derive(SimpleObject)]
pub struct PlanPayment {
    /// Its id.
    pub id: ID,
    /// `AUTO_DEBIT` or `CUSTOMER`.
    pub kind: String,
    /// The installment it paid.
    pub period: Option<u32>,
    /// How much.
    pub amount: Decimal,
    /// Where it went: late charge, then interest, fee, principal.
    pub allocation: AmountParts,
    /// The platform's reference.
    pub reference: Option<String>,
    /// The business day it was posted on.
    pub business_date: String,
    /// When.
    pub posted_at: DateTime<Utc>,
}

impl From<PaymentView> for PlanPayment {
    fn from(p: PaymentView) -> Self {
        Self {
            id: ID(p.id.to_string()),
            kind: p.kind,
            period: p.period,
            amount: yuan(p.amount_fen),
            allocation: p.allocation.into(),
            reference: p.reference,
            business_date: p.business_date,
            posted_at: p.posted_at,
        }
    }
}

/// Where the customer stands, for the progress bar (进度跟踪).
#[derive(SimpleObject)]
pub struct PlanProgress {
    /// Installments settled.
    pub periods_paid: u32,
    /// Installments in all.
    pub periods_total: u32,
    /// Principal repaid.
    pub principal_paid: Decimal,
    /// Principal still owed.
    pub principal_remaining: Decimal,
    /// Share of the principal repaid, 0–100.
    pub percent_complete: Decimal,
    /// The next installment not yet due.
    pub next_due_date: Option<NaiveDate>,
    /// What it will ask.
    pub next_due_amount: Decimal,
    /// Owed on installments past their due date, with late charges.
    pub overdue_amount: Decimal,
    /// Days since the oldest overdue installment fell due.
    pub overdue_days: i64,
    /// The delinquency bucket.
    pub bucket: BucketGql,
}

impl From<Progress> for PlanProgress {
    fn from(p: Progress) -> Self {
        Self {
            periods_paid: p.periods_paid,
            periods_total: p.periods_total,
            principal_paid: yuan(p.principal_paid),
            principal_remaining: yuan(p.principal_remaining),
            percent_complete: Decimal(p.percent_complete),
            next_due_date: p.next_due_date,
            next_due_amount: yuan(p.next_due_amount),
            overdue_amount: yuan(p.overdue_amount),
            overdue_days: p.overdue_days,
            bucket: p.bucket.into(),
        }
    }
}

/// An installment plan being repaid.
#[derive(SimpleObject)]
pub struct Plan {
    /// Its id.
    pub id: ID,
    /// Whose.
    pub customer_id: ID,
    /// The application it carries out.
    pub application_id: Option<ID>,
    /// The platform holding it.
    pub platform_code: Option<String>,
    /// `active`, `closed`…
    pub status: String,
    /// The delinquency bucket as of the last close of business.
    pub bucket: BucketGql,
    /// The principal lent.
    pub principal: Decimal,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// Its installments, in order.
    pub schedule: Vec<PlanInstallment>,
    /// Its payments, oldest first.
    pub payments: Vec<PlanPayment>,
    /// Where the customer stands today.
    pub progress: PlanProgress,
    /// The schedule after each change (opening, prepayments, payoff), oldest first; the
    /// last is the one in force.
    pub versions: Vec<ScheduleVersionGql>,
}

/// How the rest of a plan is recomputed after a partial prepayment.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "RecomputeMode")]
pub enum RecomputeModeGql {
    /// 缩短月供: the same number of installments, each smaller.
    KeepTerm,
    /// 缩短期限: the same installment, fewer of them.
    KeepInstallment,
}

impl From<RecomputeModeGql> for RecomputeMode {
    fn from(m: RecomputeModeGql) -> Self {
        match m {
            RecomputeModeGql::KeepTerm => RecomputeMode::KeepTerm,
            RecomputeModeGql::KeepInstallment => RecomputeMode::KeepInstallment,
        }
    }
}

impl From<RecomputeMode> for RecomputeModeGql {
    fn from(m: RecomputeMode) -> Self {
        match m {
            RecomputeMode::KeepTerm => RecomputeModeGql::KeepTerm,
            RecomputeMode::KeepInstallment => RecomputeModeGql::KeepInstallment,
        }
    }
}

/// One row of a kept schedule.
#[derive(SimpleObject)]
#[graphql(name = "ScheduleVersionRow")]
pub struct VersionRowGql {
    /// The installment's number.
    pub period: i32,
    /// Its due date.
    pub due_date: NaiveDate,
    /// What it asks.
    pub payment: Decimal,
    /// Of which principal.
    pub principal: Decimal,
    /// Of which interest.
    pub interest: Decimal,
    /// Of which fee.
    pub fee: Decimal,
    /// Principal left after it.
    pub remaining_principal: Decimal,
}

impl From<VersionRow> for VersionRowGql {
    fn from(r: VersionRow) -> Self {
        Self {
            period: r.period,
            due_date: r.due_date,
            payment: yuan(r.payment_fen),
            principal: yuan(r.principal_fen),
            interest: yuan(r.interest_fen),
            fee: yuan(r.fee_fen),
            remaining_principal: yuan(r.remaining_fen),
        }
    }
}

/// A plan's schedule as it stood after one change.
#[derive(SimpleObject)]
#[graphql(name = "ScheduleVersion")]
pub struct ScheduleVersionGql {
    /// 1 at opening, then one more per change.
    pub version: i32,
    /// `opening`, `prepayment` or `payoff`.
    pub reason: String,
    /// The principal repaid early (a prepayment).
    pub prepaid: Option<Decimal>,
    /// How the rest was recomputed (a prepayment).
    pub mode: Option<RecomputeModeGql>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The schedule.
    pub rows: Vec<VersionRowGql>,
}

impl From<ScheduleVersion> for ScheduleVersionGql {
    fn from(v: ScheduleVersion) -> Self {
        Self {
            version: v.version,
            reason: v.reason,
            prepaid: v.prepaid_fen.map(yuan),
            mode: v.mode.map(Into::into),
            created_at: v.created_at,
            rows: v.rows.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<PlanView> for Plan {
    fn from(p: PlanView) -> Self {
        Self {
            id: ID(p.id.to_string()),
            customer_id: ID(p.customer_id.to_string()),
            application_id: p.application_id.map(|a| ID(a.to_string())),
            platform_code: p.platform_code,
            status: p.status,
            bucket: p.bucket.into(),
            principal: yuan(p.principal_fen),
            opened_at: p.opened_at,
            schedule: p.entries.into_iter().map(Into::into).collect(),
            payments: p.payments.into_iter().map(Into::into).collect(),
            progress: p.progress.into(),
            versions: p.versions.into_iter().map(Into::into).collect(),
        }
    }
}
