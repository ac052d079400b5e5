//! Close of business (日终批处理): on each business day, what turned overdue is marked and
//! the delinquency of its plans updated, and every installment to be collected today gets
//! one debit attempt, whose job the worker queues. Safe to run any number of times, after
//! a crash half way, after the queue lost everything, or two at once:
//!
//! - an installment is to be collected while its `collect_on` day has come and its next
//!   attempt (number `attempts + 1`) does not exist yet. The attempt is the mark: a close
//!   of business writes nothing to the installment, so a second run finds the attempt and
//!   makes nothing, and two runs at once insert the same `(entry, attempt)` of which the
//!   unique index keeps one (the other is skipped, not an error). An attempt that ends
//!   with another day to collect on (a retry) moves `collect_on` and counts itself in
//!   `attempts` in the same statement, so the next attempt can be made then;
//! - attempts still `QUEUED` whose job was handed to the queue more than the requeue
//!   time ago (a lost queue, a push that never happened) are handed over again by
//!   [`Domain::stale_debits`]; their jobs are idempotent, so an extra delivery moves no
//!   money.
//!
//! Its cost grows with the installments due and overdue, never with the plans held: every
//! query starts from an index on `collect_on`, `overdue_on` or `delinquent_since` (the
//! first two partial: only what is still owed), in batches, with no statement per
//! installment. Writing nothing to the installments is what keeps it so: an `UPDATE` of a
//! row scattered among millions writes a new version of it into every index of the table,
//! each at a random page (and, after a checkpoint, a full image of each page into the
//! write-ahead log), so its cost grew with the plans held (docs/performance.md).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use entities::debit_attempt::{self, DebitStatus};
use entities::{installment_plan, plan_entry};

use super::engine::{Bucket, PlanTerms};
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
        let mut after = None;
        while let Some(batch) = self.make_attempts(date, &mut after).await? {
            if batch.is_empty() {
                continue;
            }
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

    /// Makes the attempts of the next batch of installments to collect on `date`, after
    /// `after` (the last `(collect_on, id)` of the batch before, moved on here); `None`
    /// when none is left. An installment whose plan is no longer active, or that owes
    /// nothing, gets no attempt and is no longer to be collected (the only write to
    /// installments here, once each).
    async fn make_attempts(
        &self,
        date: NaiveDate,
        after: &mut Option<(String, Uuid)>,
    ) -> DomainResult<Option<Vec<Uuid>>> {
        let today = store::text(date);
        let now = store::millis(self.now());
        let txn = begin_write(self.db()).await?;
        let mut due = plan_entry::Entity::find()
            .filter(plan_entry::Column::CollectOn.lte(today.as_str()))
            .filter(Expr::exists(next_attempt_made()).not());
        if let Some((collect_on, id)) = after.as_ref() {
            due = due.filter(
                Expr::tuple([
                    Expr::col(plan_entry::Column::CollectOn),
                    Expr::col(plan_entry::Column::Id),
                ])
                .gt(Expr::tuple([
                    Expr::value(collect_on.clone()),
                    Expr::value(*id),
                ])),
            );
        }
        let rows: Vec<ToCollect> = due
            .select_only()
            .columns(ToCollect::COLUMNS)
            .order_by_asc(plan_entry::Column::CollectOn)
            .order_by_asc(plan_entry::Column::Id)
            .limit(BATCH)
            .into_model()
            .all(&txn)
            .await?;
        let Some(last) = rows.last() else {
            txn.rollback().await?;
            return Ok(None);
        };
        *after = last.collect_on.clone().map(|c| (c, last.id));
        let (active, accrued) = self.plans_to_collect(&txn, &rows, date).await?;
        let mut attempts = Vec::with_capacity(rows.len());
        let mut not_to_collect = Vec::new();
        for row in &rows {
            let owed = if !active.contains(&row.plan_id) || row.status == PAID {
                0
            } else {
                accrued
                    .get(&row.id)
                    .copied()
                    .unwrap_or_else(|| row.owed_as_stored())
            };
            if owed <= 0 {
                not_to_collect.push(row.id);
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
        store::stop_collecting(&txn, not_to_collect).await?;
        // Another close of business running at the same time may have made some of them
        // since they were read: the unique `(entry_id, attempt)` keeps its attempt, and
        // only those made here come back to be queued.
        let mut made = Vec::with_capacity(attempts.len());
        for chunk in attempts.chunks(500) {
            made.extend(
                debit_attempt::Entity::insert_many(chunk.to_vec())
                    .on_conflict(
                        OnConflict::columns([
                            debit_attempt::Column::EntryId,
                            debit_attempt::Column::Attempt,
                        ])
                        .do_nothing()
                        .to_owned(),
                    )
                    .exec_with_returning_keys(&txn)
                    .await?,
            );
        }
        txn.commit().await?;
        Ok(Some(made))
    }

    /// Of the plans of `rows`, those still active; and what each installment of `rows`
    /// past its grace owes with its late charge accrued to `date` (its whole row and its
    /// plan's terms read for it). An installment within its grace owes what its row says
    /// ([`ToCollect::owed_as_stored`]): neither its row nor its terms are read. The
    /// statuses come from the `(id) INCLUDE (status)` index alone (migration
    /// `m20261202_000001`), not from the plans' rows, which among many plans sit one per
    /// page.
    async fn plans_to_collect(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        rows: &[ToCollect],
        date: NaiveDate,
    ) -> DomainResult<(HashSet<Uuid>, HashMap<Uuid, i64>)> {
        let today = store::text(date);
        let mut plan_ids: Vec<Uuid> = rows.iter().map(|r| r.plan_id).collect();
        plan_ids.sort_unstable();
        plan_ids.dedup();
        let active: HashSet<Uuid> = installment_plan::Entity::find()
            .select_only()
            .column(installment_plan::Column::Id)
            .column(installment_plan::Column::Status)
            .filter(installment_plan::Column::Id.is_in(plan_ids))
            .into_tuple::<(Uuid, String)>()
            .all(txn)
            .await?
            .into_iter()
            .filter(|(_, status)| status == ACTIVE_PLAN)
            .map(|(id, _)| id)
            .collect();
        let past_grace: Vec<Uuid> = rows
            .iter()
            .filter(|r| active.contains(&r.plan_id) && r.status != PAID)
            .filter(|r| {
                r.overdue_on
                    .as_deref()
                    .is_none_or(|on| on <= today.as_str())
            })
            .map(|r| r.id)
            .collect();
        if past_grace.is_empty() {
            return Ok((active, HashMap::new()));
        }
        let entries = plan_entry::Entity::find()
            .filter(plan_entry::Column::Id.is_in(past_grace))
            .all(txn)
            .await?;
        let mut plans: Vec<Uuid> = entries.iter().map(|e| e.plan_id).collect();
        plans.sort_unstable();
        plans.dedup();
        let terms: HashMap<Uuid, PlanTerms> = installment_plan::Entity::find()
            .select_only()
            .column(installment_plan::Column::Id)
            .column(installment_plan::Column::Terms)
            .filter(installment_plan::Column::Id.is_in(plans))
            .into_tuple::<(Uuid, Option<String>)>()
            .all(txn)
            .await?
            .into_iter()
            .map(|(id, stored)| (id, store::terms_from(stored.as_deref())))
            .collect();
        let mut accrued = HashMap::with_capacity(entries.len());
        for entry in &entries {
            let mut installment = store::installment(entry)?;
            if let Some(terms) = terms.get(&entry.plan_id) {
                installment.accrue(terms, date);
            }
            accrued.insert(entry.id, installment.owed().total());
        }
        Ok((active, accrued))
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

/// `EXISTS` this subquery: the installment's next attempt (number `attempts + 1`) has been
/// made, so it is not to be made again (see the module documentation).
fn next_attempt_made() -> SelectStatement {
    Query::select()
        .expr(Expr::value(1))
        .from(debit_attempt::Entity)
        .and_where(
            Expr::col((debit_attempt::Entity, debit_attempt::Column::EntryId))
                .equals((plan_entry::Entity, plan_entry::Column::Id)),
        )
        .and_where(
            Expr::col((debit_attempt::Entity, debit_attempt::Column::Attempt)).eq(Expr::col((
                plan_entry::Entity,
                plan_entry::Column::Attempts,
            ))
            .add(1)),
        )
        .to_owned()
}

/// What close of business reads of an installment to collect: the columns that the
/// `ix_plan_entry_to_collect` index carries (migration `m20261202_000001`), so that on
/// PostgreSQL the read is an index-only scan over the day's installments, which sit
/// together in that index, instead of one table page per installment among every
/// installment of every plan held.
#[derive(Debug, FromQueryResult)]
struct ToCollect {
    id: Uuid,
    plan_id: Uuid,
    collect_on: Option<String>,
    attempts: i32,
    status: String,
    overdue_on: Option<String>,
    principal_fen: i64,
    interest_fen: i64,
    fee_fen: i64,
    penalty_fen: i64,
    paid_principal_fen: i64,
    paid_interest_fen: i64,
    paid_fee_fen: i64,
    paid_penalty_fen: i64,
}

impl ToCollect {
    /// The columns read (the index's, in its order after the key).
    const COLUMNS: [plan_entry::Column; 14] = [
        plan_entry::Column::Id,
        plan_entry::Column::PlanId,
        plan_entry::Column::CollectOn,
        plan_entry::Column::Attempts,
        plan_entry::Column::Status,
        plan_entry::Column::OverdueOn,
        plan_entry::Column::PrincipalFen,
        plan_entry::Column::InterestFen,
        plan_entry::Column::FeeFen,
        plan_entry::Column::PenaltyFen,
        plan_entry::Column::PaidPrincipalFen,
        plan_entry::Column::PaidInterestFen,
        plan_entry::Column::PaidFeeFen,
        plan_entry::Column::PaidPenaltyFen,
    ];

    /// What it owes as its row stands: the schedule engine's
    /// [`Installment::owed`](super::engine::Installment::owed) with no late charge
    /// accrued, which is what it owes within its grace (the late charge runs only after).
    fn owed_as_stored(&self) -> i64 {
        (self.principal_fen - self.paid_principal_fen)
            + (self.interest_fen - self.paid_interest_fen)
            + (self.fee_fen - self.paid_fee_fen)
            + (self.penalty_fen - self.paid_penalty_fen)
    }
}
