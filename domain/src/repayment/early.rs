//! Early repayment (提前还款), under the agreement's terms (the plan keeps its product's
//! prepayment rules from opening):
//!
//! - **`prepay`**: principal repaid now, the rest of the schedule recomputed by the
//!   schedule engine (`schedule::partial_prepayment`), keeping the term (lower payments)
//!   or the installment (fewer periods). The customer pays the principal, the product's fee
//!   on it, and its interest since the last due date at rate/360. Nothing may be due now,
//!   and the next installment must not be partly paid. The engine rebuilds the current
//!   schedule from the agreed loan and the prepayments kept with the versions, and the
//!   rebuilt schedule must match the plan's rows before anything changes.
//! - **`payOff`**: everything by today's quote (`quotePayoff`): what is due now, the
//!   rest's principal, its interest since the last due date and the fee. The remaining
//!   installments are rewritten to what is paid for them, and the plan closes.
//!
//! Both run through the one payment flow of `pay.rs` (idempotency key, amount fixed once,
//! collect, post once), and each change keeps a new schedule version.

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use uuid::Uuid;

use entities::plan_payment::{self, PaymentKind};
use entities::{installment_plan, payment_request, plan_entry};

use super::PaymentReceipt;
use super::engine::{Parts, payoff_quote};
use super::pay::Operation;
use super::store::{self, ACTIVE_PLAN};
use super::versions::{self, VersionRow};
use crate::auth::{Caller, Permission};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::rate::Rate;
use crate::schedule::{
    LoanTerms, RecomputeMode, Schedule, accrued_interest, generate, partial_prepayment,
};
use crate::service::Domain;

/// What a partial prepayment costs today and the schedule that follows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrepaymentQuote {
    /// The plan.
    pub plan_id: Uuid,
    /// The day it holds for.
    pub valid_on: NaiveDate,
    /// The principal repaid, fen.
    pub principal_fen: i64,
    /// Days of interest on it since the last due date (or the start).
    pub accrued_days: u32,
    /// That interest (rate / 360 a day), fen.
    pub accrued_interest_fen: i64,
    /// The product's prepayment fee on it, fen.
    pub fee_fen: i64,
    /// What is paid now, fen.
    pub total_fen: i64,
    /// Principal still owed after it, fen.
    pub outstanding_after_fen: i64,
    /// How the rest is recomputed.
    pub mode: RecomputeMode,
    /// The recomputed installments.
    pub rows: Vec<VersionRow>,
}

/// A prepayment worked out against the current schedule.
pub(super) struct PrepaymentPlan {
    pub quote: PrepaymentQuote,
    paid_periods: u32,
}

/// What the customer asks for a partial prepayment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepayRequest {
    /// The plan.
    pub plan_id: Uuid,
    /// The principal to repay now.
    pub amount: Money,
    /// Keep the term or the installment.
    pub mode: RecomputeMode,
    /// The client's key for this payment.
    pub idempotency_key: String,
}

type Refusal = (&'static str, String);

fn capitalized(text: String) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => text,
    }
}

impl Domain {
    /// Works out a partial prepayment of `principal` on `plan` today, or why not.
    pub(super) async fn prepayment_plan(
        &self,
        plan: &installment_plan::Model,
        principal: Money,
        mode: RecomputeMode,
        today: NaiveDate,
    ) -> DomainResult<Result<PrepaymentPlan, Refusal>> {
        if plan.status != ACTIVE_PLAN {
            return Ok(Err((
                "planId",
                format!("This plan is {}; nothing is owed.", plan.status),
            )));
        }
        let terms = store::terms(plan);
        let Some(loan) = terms.loan else {
            return Ok(Err((
                "planId",
                "This plan was opened before partial prepayments were offered; it can be paid off in full (payOff).".into(),
            )));
        };
        if !terms.prepayment_allowed {
            return Ok(Err((
                "planId",
                "This plan's product does not allow early repayment.".into(),
            )));
        }
        let rows = store::entries(self.db(), plan.id).await?;
        let installments = store::accrued(&rows, plan, today)?;
        let due_now: i64 = installments
            .iter()
            .filter(|i| !i.settled() && i.due_date <= today)
            .map(|i| i.owed().total())
            .sum();
        if due_now > 0 {
            return Ok(Err((
                "planId",
                format!(
                    "Pay the {} yuan due now first (payInstallment), then prepay.",
                    Money::from_fen(due_now)
                ),
            )));
        }
        let settled = installments.iter().filter(|i| i.settled()).count() as u32;
        if settled < terms.prepayment_min_periods_paid {
            return Ok(Err((
                "planId",
                format!(
                    "Early repayment is allowed after {} paid installments; {settled} are paid.",
                    terms.prepayment_min_periods_paid
                ),
            )));
        }
        let Some(next) = installments.iter().find(|i| !i.settled()) else {
            return Ok(Err(("planId", "Nothing is left to prepay.".into())));
        };
        if next.paid != Parts::default() {
            return Ok(Err((
                "planId",
                format!(
                    "Installment {} is partly paid; pay the rest of it first, or pay the plan off.",
                    next.period
                ),
            )));
        }
        let paid_periods = installments.iter().filter(|i| i.due_date <= today).count() as u32;
        let fee_rate = Rate::new(terms.prepayment_fee_rate)
            .map_err(|e| DomainError::Internal(format!("a prepayment fee rate: {e}")))?;
        let schedule = self.current_schedule(plan.id, &loan, fee_rate).await?;
        // The engine's schedule must be the plan's before it is changed.
        for row in &rows {
            let same = schedule.entries().iter().any(|e| {
                i64::from(e.period) == i64::from(row.period)
                    && e.payment.to_fen() == row.payment_fen
                    && e.principal.to_fen() == row.principal_fen
            });
            if !same {
                return Err(DomainError::Conflict(format!(
                    "This plan's schedule (installment {}) no longer matches its agreed terms; it can be paid off in full, or ask the bank.",
                    row.period
                )));
            }
        }
        let pp = match partial_prepayment(&schedule, paid_periods, principal, mode, fee_rate) {
            Ok(pp) => pp,
            Err(e) => return Ok(Err((e.field(), capitalized(e.to_string())))),
        };
        let since = installments
            .iter()
            .map(|i| i.due_date)
            .filter(|d| *d <= today)
            .max()
            .unwrap_or(loan.start_date);
        let days = u32::try_from((today - since).num_days().max(0)).unwrap_or(0);
        let interest = accrued_interest(principal.to_fen(), loan.annual_rate, days);
        let fee = pp.prepayment_fee.to_fen();
        let rows = pp
            .new_entries()
            .iter()
            .map(|e| VersionRow {
                period: i32::try_from(e.period).unwrap_or(i32::MAX),
                due_date: e.due_date,
                payment_fen: e.payment.to_fen(),
                principal_fen: e.principal.to_fen(),
                interest_fen: e.interest.to_fen(),
                fee_fen: e.fee.to_fen(),
                remaining_fen: e.remaining_principal.to_fen(),
            })
            .collect();
        Ok(Ok(PrepaymentPlan {
            paid_periods,
            quote: PrepaymentQuote {
                plan_id: plan.id,
                valid_on: today,
                principal_fen: principal.to_fen(),
                accrued_days: days,
                accrued_interest_fen: interest,
                fee_fen: fee,
                total_fen: principal.to_fen() + interest + fee,
                outstanding_after_fen: pp.outstanding_principal.to_fen(),
                mode,
                rows,
            },
        }))
    }

    /// The plan's schedule now: the agreed loan's, with each prepayment made since.
    async fn current_schedule(
        &self,
        plan_id: Uuid,
        loan: &super::engine::LoanSpec,
        fee_rate: Rate,
    ) -> DomainResult<Schedule> {
        let terms = LoanTerms::new(loan.input(), &self.loan_limits()?)
            .map_err(|e| DomainError::Internal(format!("the agreed loan: {}", e.message)))?;
        let mut schedule = generate(&terms);
        for p in versions::prepayments(self.db(), plan_id).await? {
            schedule = partial_prepayment(
                &schedule,
                p.paid_periods,
                Money::from_fen(p.amount_fen),
                p.mode,
                fee_rate,
            )
            .map_err(|e| DomainError::Internal(format!("a kept prepayment: {e}")))?
            .schedule;
        }
        Ok(schedule)
    }

    /// What prepaying `principal` today costs and the schedule after it (the customer's
    /// own plan, or any for staff).
    pub async fn quote_prepayment(
        &self,
        plan_id: Uuid,
        principal: Money,
        mode: RecomputeMode,
        caller: &Caller,
    ) -> DomainResult<PrepaymentQuote> {
        caller.require(Permission::ReadPlan)?;
        let plan = self.plan_row(plan_id, caller).await?;
        match self
            .prepayment_plan(&plan, principal, mode, self.business_date())
            .await?
        {
            Ok(p) => Ok(p.quote),
            Err(("amount", message)) => Err(DomainError::validation("amount", message)),
            Err((_, message)) => Err(DomainError::Conflict(message)),
        }
    }

    /// Repays principal early (see the module documentation).
    pub async fn prepay(
        &self,
        request: PrepayRequest,
        caller: &Caller,
    ) -> DomainResult<PaymentReceipt> {
        self.run_payment(
            request.plan_id,
            &request.idempotency_key,
            Operation::Prepay(request.amount, request.mode),
            caller,
        )
        .await
    }

    /// Pays the plan off by today's quote (see the module documentation).
    pub async fn pay_off(
        &self,
        plan_id: Uuid,
        idempotency_key: &str,
        caller: &Caller,
    ) -> DomainResult<PaymentReceipt> {
        self.run_payment(plan_id, idempotency_key, Operation::PayOff, caller)
            .await
    }

    /// Posts a collected prepayment: the rest of the schedule recomputed, the payment
    /// recorded, a new version kept, the request finished; once.
    pub(super) async fn post_prepayment(
        &self,
        kept: &payment_request::Model,
        plan: &installment_plan::Model,
        principal: Money,
        mode: RecomputeMode,
        amount: i64,
        reference: &str,
    ) -> DomainResult<PaymentReceipt> {
        let now = self.now();
        let today = self.business_date();
        let worked = self
            .prepayment_plan(plan, principal, mode, today)
            .await?
            .map_err(|(_, m)| {
                DomainError::Internal(format!("a collected prepayment no longer applies: {m}"))
            })?;
        if worked.quote.total_fen != amount {
            return Err(DomainError::Internal(format!(
                "a prepayment collected {amount} fen but now costs {}",
                worked.quote.total_fen
            )));
        }
        let receipt = PaymentReceipt {
            plan_id: plan.id,
            amount_fen: amount,
            periods: Vec::new(),
            reference: reference.to_owned(),
            replayed: false,
        };
        let txn = begin_write(self.db()).await?;
        if !self.finish_request(&txn, kept, &receipt).await? {
            txn.rollback().await?;
            return self.replayed(kept.id).await;
        }
        let last = worked.quote.rows.last().map_or(0, |r| r.period);
        for row in &worked.quote.rows {
            plan_entry::Entity::update_many()
                .col_expr(plan_entry::Column::PaymentFen, Expr::value(row.payment_fen))
                .col_expr(
                    plan_entry::Column::PrincipalFen,
                    Expr::value(row.principal_fen),
                )
                .col_expr(
                    plan_entry::Column::InterestFen,
                    Expr::value(row.interest_fen),
                )
                .col_expr(plan_entry::Column::FeeFen, Expr::value(row.fee_fen))
                .col_expr(
                    plan_entry::Column::RemainingFen,
                    Expr::value(row.remaining_fen),
                )
                .filter(plan_entry::Column::PlanId.eq(plan.id))
                .filter(plan_entry::Column::Period.eq(row.period))
                .exec(&txn)
                .await?;
        }
        // Keeping the installment ends the plan earlier: the periods after are gone.
        plan_entry::Entity::delete_many()
            .filter(plan_entry::Column::PlanId.eq(plan.id))
            .filter(plan_entry::Column::Period.gt(last))
            .exec(&txn)
            .await?;
        let share = Parts {
            penalty: 0,
            interest: worked.quote.accrued_interest_fen,
            fee: worked.quote.fee_fen,
            principal: worked.quote.principal_fen,
        };
        plan_payment::Entity::insert(
            store::Posting {
                plan_id: plan.id,
                entry_id: None,
                kind: PaymentKind::Prepayment,
                source_key: format!("prepay:{}", kept.id),
                share,
                reference,
            }
            .row(today, store::millis(now)),
        )
        .exec_without_returning(&txn)
        .await?;
        versions::keep(
            &txn,
            plan.id,
            versions::PREPAYMENT,
            Some((worked.paid_periods, worked.quote.principal_fen, mode)),
            now,
        )
        .await?;
        let tally = store::refresh_plan(&txn, plan.id, today, store::millis(now)).await?;
        store::announce_payment(
            &txn,
            now,
            plan,
            amount,
            &format!("prepay:{}", kept.id),
            tally,
        )
        .await?;
        txn.commit().await?;
        self.plan_changed(plan.id).await;
        Ok(receipt)
    }

    /// Posts a collected payoff: the remaining installments rewritten to what is paid for
    /// them (their principal; the first also the interest since the last due date and the
    /// fee), every installment paid, the plan closed, a new version kept; once.
    pub(super) async fn post_payoff(
        &self,
        kept: &payment_request::Model,
        plan: &installment_plan::Model,
        amount: i64,
        reference: &str,
    ) -> DomainResult<PaymentReceipt> {
        let now = self.now();
        let today = self.business_date();
        let txn = begin_write(self.db()).await?;
        let rows = store::entries(&txn, plan.id).await?;
        let installments = store::accrued(&rows, plan, today)?;
        let quote = payoff_quote(&installments, &store::terms(plan), today).map_err(|e| {
            DomainError::Internal(format!("a collected payoff no longer applies: {e}"))
        })?;
        if quote.total != amount {
            txn.rollback().await?;
            return Err(DomainError::Internal(format!(
                "a payoff collected {amount} fen but now costs {}",
                quote.total
            )));
        }
        let mut first = true;
        for (row, i) in rows.iter().zip(&installments) {
            if i.settled() || i.due_date <= today {
                continue;
            }
            let (interest, fee) = if first {
                (quote.accrued_interest, quote.fee)
            } else {
                (0, 0)
            };
            first = false;
            let interest = row.paid_interest_fen + interest;
            let fee = row.paid_fee_fen + fee;
            plan_entry::Entity::update_many()
                .col_expr(plan_entry::Column::InterestFen, Expr::value(interest))
                .col_expr(plan_entry::Column::FeeFen, Expr::value(fee))
                .col_expr(
                    plan_entry::Column::PaymentFen,
                    Expr::value(row.principal_fen + interest + fee),
                )
                .filter(plan_entry::Column::Id.eq(row.id))
                .exec(&txn)
                .await?;
        }
        let rows = store::entries(&txn, plan.id).await?;
        let mut installments = store::accrued(&rows, plan, today)?;
        let mut payments = Vec::new();
        let mut periods = Vec::new();
        let mut total = 0;
        for (row, i) in rows.iter().zip(installments.iter_mut()) {
            if i.settled() {
                continue;
            }
            let share = i.pay(i.owed().total());
            total += share.total();
            periods.push((i.period, share.total()));
            payments.push(
                store::Posting {
                    plan_id: plan.id,
                    entry_id: Some(row.id),
                    kind: PaymentKind::Payoff,
                    source_key: format!("payoff:{}:{}", kept.id, i.period),
                    share,
                    reference,
                }
                .row(today, store::millis(now)),
            );
            store::save_installment(&txn, row, i, today).await?;
        }
        if total != amount {
            txn.rollback().await?;
            return Err(DomainError::Internal(format!(
                "a payoff of {amount} fen allocated {total}"
            )));
        }
        let receipt = PaymentReceipt {
            plan_id: plan.id,
            amount_fen: amount,
            periods,
            reference: reference.to_owned(),
            replayed: false,
        };
        if !self.finish_request(&txn, kept, &receipt).await? {
            txn.rollback().await?;
            return self.replayed(kept.id).await;
        }
        plan_payment::Entity::insert_many(payments)
            .exec_without_returning(&txn)
            .await?;
        versions::keep(&txn, plan.id, versions::PAYOFF, None, now).await?;
        let tally = store::refresh_plan(&txn, plan.id, today, store::millis(now)).await?;
        store::announce_payment(
            &txn,
            now,
            plan,
            amount,
            &format!("payoff:{}", kept.id),
            tally,
        )
        .await?;
        txn.commit().await?;
        self.plan_changed(plan.id).await;
        Ok(receipt)
    }
}
