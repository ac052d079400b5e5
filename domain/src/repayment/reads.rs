//! Reading plans: a customer's own, one by id (its customer or staff), and the staff list
//! filtered by status and bucket. Each plan is read with its entries and payments in a
//! fixed number of statements, whatever the number of plans on the page; the late charge
//! and progress are worked out for today without writing anything.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use entities::{installment_plan, plan_entry, plan_payment};

use super::engine::{Bucket, Parts, PayoffQuote, Progress, payoff_quote, progress};
use super::store;
use crate::auth::{Caller, Permission, Role};
use crate::clock::from_millis;
use crate::error::{DomainError, DomainResult};
use crate::page::{Page, PageRequest};
use crate::service::Domain;

/// One installment as the customer sees it today.
#[derive(Debug, Clone)]
pub struct EntryView {
    /// Its number.
    pub period: u32,
    /// When it falls due.
    pub due_date: NaiveDate,
    /// `DUE`, `OVERDUE` or `PAID`.
    pub status: String,
    /// What the schedule asks (interest, fee, principal; fen).
    pub scheduled: Parts,
    /// What has been paid, by part (fen).
    pub paid: Parts,
    /// Still owed today, with the late charge accrued to today (fen).
    pub owed: Parts,
    /// The principal left after it, per the schedule (fen).
    pub remaining_fen: i64,
}

/// One payment posted to a plan.
#[derive(Debug, Clone)]
pub struct PaymentView {
    /// Its id.
    pub id: Uuid,
    /// `AUTO_DEBIT` or `CUSTOMER`.
    pub kind: String,
    /// The installment it paid.
    pub period: Option<u32>,
    /// How much, and where it went (fen).
    pub amount_fen: i64,
    /// By part.
    pub allocation: Parts,
    /// The platform's reference.
    pub reference: Option<String>,
    /// The business day it was posted on.
    pub business_date: String,
    /// When.
    pub posted_at: DateTime<Utc>,
}

/// A plan with its schedule, payments and progress.
#[derive(Debug, Clone)]
pub struct PlanView {
    /// Its id.
    pub id: Uuid,
    /// Whose.
    pub customer_id: Uuid,
    /// The application it carries out.
    pub application_id: Option<Uuid>,
    /// The platform holding it.
    pub platform_code: Option<String>,
    /// `active`, `closed`…
    pub status: String,
    /// The delinquency bucket as of the last close of business.
    pub bucket: Bucket,
    /// The principal lent (fen).
    pub principal_fen: i64,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// Its installments, in order.
    pub entries: Vec<EntryView>,
    /// Its payments, oldest first.
    pub payments: Vec<PaymentView>,
    /// Where the customer stands today.
    pub progress: Progress,
    /// The schedule after each change (opening, prepayments, payoff), oldest first.
    pub versions: Vec<super::versions::ScheduleVersion>,
}

/// Which plans staff want.
#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    /// Only this status (`active`, `closed`…).
    pub status: Option<String>,
    /// Only this bucket.
    pub bucket: Option<Bucket>,
}

fn not_found() -> DomainError {
    DomainError::NotFound("No plan has this id.".into())
}

impl Domain {
    /// The caller's own plans, newest first.
    pub async fn my_plans(&self, caller: &Caller) -> DomainResult<Vec<PlanView>> {
        caller.require(Permission::ReadPlan)?;
        let Some(mine) = self.read_my_customer(caller).await? else {
            return Ok(Vec::new());
        };
        let rows = installment_plan::Entity::find()
            .filter(installment_plan::Column::CustomerId.eq(mine.view.id))
            .order_by_desc(installment_plan::Column::OpenedAt)
            .order_by_desc(installment_plan::Column::Id)
            .limit(100)
            .all(self.db())
            .await?;
        self.plan_views(rows).await
    }

    /// One plan: its customer's own, or any for staff.
    pub async fn plan(&self, id: Uuid, caller: &Caller) -> DomainResult<PlanView> {
        caller.require(Permission::ReadPlan)?;
        let row = self.plan_row(id, caller).await?;
        self.plan_views(vec![row])
            .await?
            .pop()
            .ok_or_else(not_found)
    }

    /// The stored plan `id` if the caller may see it (its customer, or staff); anyone
    /// else is told it does not exist.
    pub(super) async fn plan_row(
        &self,
        id: Uuid,
        caller: &Caller,
    ) -> DomainResult<installment_plan::Model> {
        let row = installment_plan::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(not_found)?;
        if caller.actor.is_some_and(|a| a.role == Role::Customer) {
            let mine = self.read_my_customer(caller).await?;
            if mine.is_none_or(|c| c.view.id != row.customer_id) {
                return Err(not_found());
            }
        }
        Ok(row)
    }

    /// What paying the plan off costs today (a quote valid for today only): its customer
    /// or staff. Refused with the reason (`CONFLICT`) when the product does not allow it
    /// yet or nothing is owed.
    pub async fn quote_payoff(&self, id: Uuid, caller: &Caller) -> DomainResult<PayoffQuote> {
        caller.require(Permission::ReadPlan)?;
        let plan = self.plan_row(id, caller).await?;
        if plan.status != store::ACTIVE_PLAN {
            return Err(DomainError::Conflict(format!(
                "This plan is {}; nothing is owed.",
                plan.status
            )));
        }
        let today = self.business_date();
        let rows = store::entries(self.db(), plan.id).await?;
        let installments = store::accrued(&rows, &plan, today)?;
        payoff_quote(&installments, &store::terms(&plan), today)
            .map_err(|e| DomainError::Conflict(e.to_string()))
    }

    /// Every plan (staff), newest first, by status and bucket; the cursor is the id.
    pub async fn plans(
        &self,
        filter: PlanFilter,
        page: PageRequest<Uuid>,
        caller: &Caller,
    ) -> DomainResult<Page<PlanView, Uuid>> {
        caller.require(Permission::ListPlans)?;
        let mut query = installment_plan::Entity::find()
            .order_by_desc(installment_plan::Column::Id)
            .limit(page.first + 1);
        if let Some(status) = filter.status {
            query = query.filter(installment_plan::Column::Status.eq(status));
        }
        if let Some(bucket) = filter.bucket {
            query = query.filter(installment_plan::Column::Bucket.eq(bucket.as_str()));
        }
        if let Some(after) = page.after {
            query = query.filter(installment_plan::Column::Id.lt(after));
        }
        let rows = query.all(self.db()).await?;
        let views = self.plan_views(rows).await?;
        Ok(Page::from_rows(
            views.into_iter().map(|v| (v.id, v)).collect(),
            page.first,
        ))
    }

    /// The views of `rows`: their entries and payments in one statement each.
    async fn plan_views(&self, rows: Vec<installment_plan::Model>) -> DomainResult<Vec<PlanView>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut entries: HashMap<Uuid, Vec<plan_entry::Model>> = HashMap::new();
        for e in plan_entry::Entity::find()
            .filter(plan_entry::Column::PlanId.is_in(ids.clone()))
            .order_by_asc(plan_entry::Column::PlanId)
            .order_by_asc(plan_entry::Column::Period)
            .all(self.db())
            .await?
        {
            entries.entry(e.plan_id).or_default().push(e);
        }
        let mut versions = super::versions::of_plans(self.db(), &ids).await?;
        let mut payments: HashMap<Uuid, Vec<plan_payment::Model>> = HashMap::new();
        for p in plan_payment::Entity::find()
            .filter(plan_payment::Column::PlanId.is_in(ids))
            .order_by_asc(plan_payment::Column::PostedAt)
            .order_by_asc(plan_payment::Column::Id)
            .all(self.db())
            .await?
        {
            payments.entry(p.plan_id).or_default().push(p);
        }
        let today = self.business_date();
        rows.into_iter()
            .map(|plan| {
                let terms = store::terms(&plan);
                let rows = entries.remove(&plan.id).unwrap_or_default();
                let installments = store::accrued(&rows, &plan, today)?;
                let periods: HashMap<Uuid, u32> = rows
                    .iter()
                    .map(|r| (r.id, u32::try_from(r.period).unwrap_or(0)))
                    .collect();
                let entry_views = rows
                    .iter()
                    .zip(&installments)
                    .map(|(row, i)| EntryView {
                        period: i.period,
                        due_date: i.due_date,
                        status: row.status.clone(),
                        scheduled: i.scheduled,
                        paid: i.paid,
                        owed: i.owed(),
                        remaining_fen: row.remaining_fen,
                    })
                    .collect();
                let payment_views = payments
                    .remove(&plan.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| PaymentView {
                        id: p.id,
                        kind: match p.kind {
                            plan_payment::PaymentKind::AutoDebit => "AUTO_DEBIT",
                            plan_payment::PaymentKind::Customer => "CUSTOMER",
                            plan_payment::PaymentKind::Prepayment => "PREPAYMENT",
                            plan_payment::PaymentKind::Payoff => "PAYOFF",
                        }
                        .to_owned(),
                        period: p.entry_id.and_then(|e| periods.get(&e).copied()),
                        amount_fen: p.amount_fen,
                        allocation: Parts {
                            penalty: p.penalty_fen,
                            interest: p.interest_fen,
                            fee: p.fee_fen,
                            principal: p.principal_fen,
                        },
                        reference: p.reference,
                        business_date: p.business_date,
                        posted_at: from_millis(p.posted_at),
                    })
                    .collect();
                Ok(PlanView {
                    id: plan.id,
                    customer_id: plan.customer_id,
                    application_id: plan.application_id,
                    platform_code: plan.platform_code.clone(),
                    progress: progress(&installments, &terms, today, plan.principal_fen),
                    versions: versions.remove(&plan.id).unwrap_or_default(),
                    status: plan.status,
                    bucket: Bucket::from_stored(&plan.bucket),
                    principal_fen: plan.principal_fen,
                    opened_at: from_millis(plan.opened_at),
                    entries: entry_views,
                    payments: payment_views,
                })
            })
            .collect()
    }
}
