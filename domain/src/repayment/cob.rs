//! Close of business (日终批处理): on each business day, what turned overdue is marked and
//! the delinquency of its plans updated, and every installment to be collected today gets
//! one debit attempt, whose job the worker queues. Safe to run any number of times, after
//! a crash half way or after the queue lost everything:
//!
//! - an installment is picked by its `collect_on` day, and the transaction that makes its
//!   attempt clears that day, so a second run finds nothing left to make;
//! - attempts still `QUEUED` whose job was handed to the queue more than the requeue
//!   time ago (a lost queue, a push that never happened) are handed over again by
//!   [`Domain::stale_debits`]; their jobs are idempotent, so an extra delivery moves no
//!   money.
//!
//! Its cost grows with the installments due and overdue, never with the plans held: every
//! query starts from an index on `collect_on`, `overdue_on` or `delinquent_since`, in
//! batches, with no statement per installment.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use entities::debit_attempt::{self, DebitStatus};
use entities::{installment_plan, plan_entry};

use super::engine::Bucket;
use super::store::{self, ACTIVE_PLAN, DUE, OVERDUE, PAID};
use crate::db::begin_write;
use crate::error::DomainResult;
use crate::service::Domain;

/// Installments handled per transaction.
const BATCH: u64 = 1_000;

/// What one close of business did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloseOfBusiness {
    /// The business day it closed.
    pub business_date: Option<NaiveDate>,
    /// Installments that turned overdue.
    pub newly_overdue: u64,
    /// Plans whose days past due were brought up to date.
    pub delinquent_plans: u64,
    /// Installments reminded (before their due date, or overdue).
    pub reminded: u64,
    /// The debit attempts made, whose jobs must be queued.
    pub attempts: Vec<Uuid>,
}

impl Domain {
    /// Today in the bank's time zone: the business day.
    pub fn business_date(&self) -> NaiveDate {
        self.now()
            .with_timezone(&self.settings().timezone)
            .date_naive()
    }

    /// Closes the business day `date` (see the module documentation).
    pub async fn close_of_business(&self, date: NaiveDate) -> DomainResult<CloseOfBusiness> {
        self.close_of_business_each(date, |_| async { Ok(()) })
            .await
    }

    /// [`Self::close_of_business`], handing each batch of attempts to `made` as soon as
    /// it is committed: the worker queues their debits while the next batch is made, so
    /// that a day with 100,000 installments due starts debiting within a second, not once
    /// every attempt exists. An error from `made` ends the run (the attempts made stay
    /// `QUEUED`, and the sweep queues them).
    pub async fn close_of_business_each<F, Fut>(
        &self,
        date: NaiveDate,
        mut made: F,
    ) -> DomainResult<CloseOfBusiness>
    where
        F: FnMut(Vec<Uuid>) -> Fut,
        Fut: std::future::Future<Output = DomainResult<()>>,
    {
        let mut done = CloseOfBusiness {
            business_date: Some(date),
            newly_overdue: self.mark_overdue(date).await?,
            ..CloseOfBusiness::default()
        };
        done.delinquent_plans = self.age_delinquent_plans(date).await?;
        done.reminded = self.write_reminders(date).await?;
        while let Some(batch) = self.make_attempts(date).await? {
            done.attempts.extend(batch.iter().copied());
            made(batch).await?;
        }
        tracing::info!(
            business_date = %date,
            newly_overdue = done.newly_overdue,
            delinquent_plans = done.delinquent_plans,
            reminded = done.reminded,
            attempts = done.attempts.len(),
            "close of business"
        );
        Ok(done)
    }

    /// Marks unpaid installments past their grace `OVERDUE` and dates their plans'
    /// delinquency from the oldest.
    async fn mark_overdue(&self, date: NaiveDate) -> DomainResult<u64> {
        let today = store::text(date);
        let mut marked = 0;
        loop {
            let txn = begin_write(self.db()).await?;
            let batch: Vec<(Uuid, Uuid, String)> = plan_entry::Entity::find()
                .select_only()
                .column(plan_entry::Column::Id)
                .column(plan_entry::Column::PlanId)
                .column(plan_entry::Column::DueDate)
                .filter(plan_entry::Column::OverdueOn.lte(today.as_str()))
                .filter(plan_entry::Column::Status.eq(DUE))
                .limit(BATCH)
                .into_tuple()
                .all(&txn)
                .await?;
            if batch.is_empty() {
                txn.rollback().await?;
                return Ok(marked);
            }
            plan_entry::Entity::update_many()
                .col_expr(plan_entry::Column::Status, Expr::value(OVERDUE))
                .filter(plan_entry::Column::Id.is_in(batch.iter().map(|(id, _, _)| *id)))
                .exec(&txn)
                .await?;
            // Each plan is delinquent since its oldest overdue due date: one statement per
            // distinct date (installments fall due on a few payment days), not per plan.
            let mut oldest: HashMap<Uuid, String> = HashMap::new();
            for (_, plan, due) in &batch {
                let slot = oldest.entry(*plan).or_insert_with(|| due.clone());
                if due < slot {
                    *slot = due.clone();
                }
            }
            let mut by_date: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
            for (plan, due) in oldest {
                by_date.entry(due).or_default().push(plan);
            }
            for (since, plans) in by_date {
                installment_plan::Entity::update_many()
                    .col_expr(
                        installment_plan::Column::DelinquentSince,
                        Expr::value(since.clone()),
                    )
                    .filter(installment_plan::Column::Id.is_in(plans))
                    .filter(
                        installment_plan::Column::DelinquentSince
                            .is_null()
                            .or(installment_plan::Column::DelinquentSince.gt(since.as_str())),
                    )
                    .exec(&txn)
                    .await?;
            }
            txn.commit().await?;
            marked += batch.len() as u64;
        }
    }

    /// Brings every delinquent plan's days past due and bucket up to `date`: one
    /// statement per distinct delinquency date.
    async fn age_delinquent_plans(&self, date: NaiveDate) -> DomainResult<u64> {
        let since: Vec<Option<String>> = installment_plan::Entity::find()
            .select_only()
            .column(installment_plan::Column::DelinquentSince)
            .filter(installment_plan::Column::DelinquentSince.is_not_null())
            .distinct()
            .into_tuple()
            .all(self.db())
            .await?;
        let now = store::millis(self.now());
        let mut aged = 0;
        let txn = begin_write(self.db()).await?;
        for since in since.into_iter().flatten() {
            let days = (date - store::date(&since)?).num_days();
            aged += installment_plan::Entity::update_many()
                .col_expr(
                    installment_plan::Column::DaysPastDue,
                    Expr::value(i32::try_from(days).unwrap_or(i32::MAX)),
                )
                .col_expr(
                    installment_plan::Column::Bucket,
                    Expr::value(Bucket::of(days).as_str()),
                )
                .col_expr(installment_plan::Column::LastDelinquentAt, Expr::value(now))
                .filter(installment_plan::Column::DelinquentSince.eq(since.as_str()))
                .exec(&txn)
                .await?
                .rows_affected;
        }
        txn.commit().await?;
        Ok(aged)
    }

    /// Makes the attempts of one batch of installments to collect on `date`; `None` when
    /// none is left.
    async fn make_attempts(&self, date: NaiveDate) -> DomainResult<Option<Vec<Uuid>>> {
        let today = store::text(date);
        let now = store::millis(self.now());
        let txn = begin_write(self.db()).await?;
        let rows = plan_entry::Entity::find()
            .filter(plan_entry::Column::CollectOn.lte(today.as_str()))
            .order_by_asc(plan_entry::Column::CollectOn)
            .limit(BATCH)
            .all(&txn)
            .await?;
        if rows.is_empty() {
            txn.rollback().await?;
            return Ok(None);
        }
        let plan_ids: Vec<Uuid> = rows.iter().map(|r| r.plan_id).collect();
        let plans: HashMap<Uuid, installment_plan::Model> = installment_plan::Entity::find()
            .filter(installment_plan::Column::Id.is_in(plan_ids))
            .all(&txn)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut attempts = Vec::with_capacity(rows.len());
        for row in &rows {
            let Some(plan) = plans.get(&row.plan_id) else {
                continue;
            };
            if plan.status != ACTIVE_PLAN || row.status == PAID {
                continue;
            }
            let mut installment = store::installment(row)?;
            installment.accrue(&store::terms(plan), date);
            let owed = installment.owed().total();
            if owed <= 0 {
                continue;
            }
            attempts.push(debit_attempt::ActiveModel {
                id: Set(Uuid::now_v7()),
                entry_id: Set(row.id),
                plan_id: Set(row.plan_id),
                attempt: Set(row.attempts + 1),
                business_date: Set(today.clone()),
                amount_fen: Set(owed),
                status: Set(DebitStatus::Queued),
                reference: Set(None),
                reason: Set(None),
                enqueued_at: Set(Some(now)),
                created_at: Set(now),
                finished_at: Set(None),
            });
        }
        plan_entry::Entity::update_many()
            .col_expr(
                plan_entry::Column::CollectOn,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                plan_entry::Column::Attempts,
                Expr::col(plan_entry::Column::Attempts).add(1),
            )
            .filter(plan_entry::Column::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(&txn)
            .await?;
        let ids: Vec<Uuid> = attempts
            .iter()
            .filter_map(|a| match &a.id {
                sea_orm::ActiveValue::Set(id) => Some(*id),
                _ => None,
            })
            .collect();
        for chunk in attempts.chunks(500) {
            debit_attempt::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(Some(ids))
    }

    /// Attempts still waiting whose job was handed to the queue longer ago than the
    /// requeue time: their jobs are handed over again (and their time renewed), at most
    /// `limit` at a time.
    pub async fn stale_debits(&self, limit: u64) -> DomainResult<Vec<Uuid>> {
        let now = self.now();
        let before = store::millis(now - self.settings().debit_requeue_after);
        let txn = begin_write(self.db()).await?;
        let ids: Vec<Uuid> = debit_attempt::Entity::find()
            .select_only()
            .column(debit_attempt::Column::Id)
            .filter(debit_attempt::Column::Status.eq(DebitStatus::Queued))
            .filter(debit_attempt::Column::EnqueuedAt.lt(before))
            .limit(limit)
            .into_tuple()
            .all(&txn)
            .await?;
        if !ids.is_empty() {
            debit_attempt::Entity::update_many()
                .col_expr(
                    debit_attempt::Column::EnqueuedAt,
                    Expr::value(store::millis(now)),
                )
                .filter(debit_attempt::Column::Id.is_in(ids.clone()))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(ids)
    }
}
