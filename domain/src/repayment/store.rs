//! Between the stored rows and the engine: an entry row as an [`Installment`], a plan's
//! terms, and writing back what a payment changed.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LockType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use entities::many_rows::per_row;
use entities::plan_payment::{self, PaymentKind};
use entities::{installment_plan, plan_entry};

use super::engine::{Bucket, Installment, Parts, PlanTerms};
use crate::clock::to_millis;
use crate::error::{DomainError, DomainResult};
use crate::notices::Message;
use crate::notices::outbox::{self, Notice};

/// An entry's status while something is owed and not yet overdue.
pub(super) const DUE: &str = "DUE";
/// Owed past its grace days.
pub(super) const OVERDUE: &str = "OVERDUE";
/// Settled.
pub(super) const PAID: &str = "PAID";
/// A plan being repaid.
pub(super) const ACTIVE_PLAN: &str = "active";
/// A plan repaid in full.
pub(super) const CLOSED_PLAN: &str = "closed";

/// A stored `YYYY-MM-DD`.
pub(super) fn date(text: &str) -> DomainResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| DomainError::Internal(format!("a stored date '{text}': {e}")))
}

/// A date as stored.
pub(super) fn text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The repayment terms of a plan (the house defaults for a plan opened before they were
/// kept).
pub(super) fn terms(plan: &installment_plan::Model) -> PlanTerms {
    terms_from(plan.terms.as_deref())
}

/// [`terms`] from the stored JSON alone (for reads that take only that column).
pub(super) fn terms_from(stored: Option<&str>) -> PlanTerms {
    stored
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// The engine's view of an entry row.
pub(super) fn installment(row: &plan_entry::Model) -> DomainResult<Installment> {
    Ok(Installment {
        period: u32::try_from(row.period).unwrap_or(0),
        due_date: date(&row.due_date)?,
        scheduled: Parts {
            penalty: 0,
            interest: row.interest_fen,
            fee: row.fee_fen,
            principal: row.principal_fen,
        },
        paid: Parts {
            penalty: row.paid_penalty_fen,
            interest: row.paid_interest_fen,
            fee: row.paid_fee_fen,
            principal: row.paid_principal_fen,
        },
        penalty: row.penalty_fen,
        penalty_through: row.penalty_through.as_deref().map(date).transpose()?,
    })
}

/// The engine's view of a plan's entries, with the late charge accrued to `today`.
pub(super) fn accrued(
    rows: &[plan_entry::Model],
    plan: &installment_plan::Model,
    today: NaiveDate,
) -> DomainResult<Vec<Installment>> {
    let terms = terms(plan);
    rows.iter()
        .map(|row| {
            let mut installment = installment(row)?;
            installment.accrue(&terms, today);
            Ok(installment)
        })
        .collect()
}

/// A payment of `share` to one installment, kept under `source_key` (what brought it).
pub(super) struct Posting<'a> {
    /// The plan.
    pub plan_id: Uuid,
    /// The installment (none for principal repaid early).
    pub entry_id: Option<Uuid>,
    /// What brought the money.
    pub kind: PaymentKind,
    /// The key that makes it post once.
    pub source_key: String,
    /// Where it went.
    pub share: Parts,
    /// The platform's reference.
    pub reference: &'a str,
}

impl Posting<'_> {
    /// The row, posted on `today` at `now`.
    pub(super) fn row(self, today: NaiveDate, now: i64) -> plan_payment::ActiveModel {
        plan_payment::ActiveModel {
            id: Set(Uuid::now_v7()),
            plan_id: Set(self.plan_id),
            entry_id: Set(self.entry_id),
            kind: Set(self.kind),
            source_key: Set(self.source_key),
            amount_fen: Set(self.share.total()),
            penalty_fen: Set(self.share.penalty),
            interest_fen: Set(self.share.interest),
            fee_fen: Set(self.share.fee),
            principal_fen: Set(self.share.principal),
            reference: Set(Some(self.reference.to_owned())),
            business_date: Set(text(today)),
            posted_at: Set(now),
        }
    }
}

/// A plan's entries in period order.
pub(super) async fn entries<C: ConnectionTrait>(
    db: &C,
    plan_id: Uuid,
) -> DomainResult<Vec<plan_entry::Model>> {
    Ok(plan_entry::Entity::find()
        .filter(plan_entry::Column::PlanId.eq(plan_id))
        .order_by_asc(plan_entry::Column::Period)
        .all(db)
        .await?)
}

/// A plan's entries in period order, locked until the end of `db`'s transaction (on
/// PostgreSQL; SQLite's write transaction holds the whole database): a payment posted
/// beside a debit of the same installment writes back amounts reckoned on these rows.
pub(super) async fn entries_locked<C: ConnectionTrait>(
    db: &C,
    plan_id: Uuid,
) -> DomainResult<Vec<plan_entry::Model>> {
    Ok(plan_entry::Entity::find()
        .filter(plan_entry::Column::PlanId.eq(plan_id))
        .order_by_asc(plan_entry::Column::Period)
        .lock(LockType::NoKeyUpdate)
        .all(db)
        .await?)
}

/// Writes back an entry after a payment on `today`: what is paid and accrued, and, once
/// settled, its status and the end of its debits and overdue clock.
pub(super) async fn save_installment<C: ConnectionTrait>(
    db: &C,
    row: &plan_entry::Model,
    after: &Installment,
    today: NaiveDate,
) -> DomainResult<()> {
    let mut update = plan_entry::Entity::update_many()
        .col_expr(
            plan_entry::Column::PaidPenaltyFen,
            Expr::value(after.paid.penalty),
        )
        .col_expr(
            plan_entry::Column::PaidInterestFen,
            Expr::value(after.paid.interest),
        )
        .col_expr(plan_entry::Column::PaidFeeFen, Expr::value(after.paid.fee))
        .col_expr(
            plan_entry::Column::PaidPrincipalFen,
            Expr::value(after.paid.principal),
        )
        .col_expr(plan_entry::Column::PenaltyFen, Expr::value(after.penalty))
        .col_expr(
            plan_entry::Column::PenaltyThrough,
            Expr::value(after.penalty_through.map(text)),
        )
        .filter(plan_entry::Column::Id.eq(row.id));
    if after.settled() {
        update = settle(update, today);
    }
    update.exec(db).await?;
    Ok(())
}

/// What an entry settled on `today` becomes: `PAID`, and the end of its debits and
/// overdue clock. One list for both ways of writing it (one entry, or many in a `CASE`).
fn settled_values(today: NaiveDate) -> [(plan_entry::Column, sea_orm::Value); 4] {
    let none = Option::<String>::None;
    [
        (plan_entry::Column::Status, PAID.into()),
        (plan_entry::Column::SettledOn, Some(text(today)).into()),
        (plan_entry::Column::CollectOn, none.clone().into()),
        (plan_entry::Column::OverdueOn, none.into()),
    ]
}

/// An entry settled on `today` ([`settled_values`]).
fn settle(
    mut update: sea_orm::UpdateMany<plan_entry::Entity>,
    today: NaiveDate,
) -> sea_orm::UpdateMany<plan_entry::Entity> {
    for (column, value) in settled_values(today) {
        update = update.col_expr(column, Expr::value(value));
    }
    update
}

/// Ends the collection of `entries`: close of business makes them no attempt again (it
/// finds them no longer in its index of what is to be collected). For an installment
/// whose plan is no longer active.
pub(super) async fn stop_collecting<C: ConnectionTrait>(
    db: &C,
    entries: Vec<Uuid>,
) -> DomainResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    plan_entry::Entity::update_many()
        .col_expr(
            plan_entry::Column::CollectOn,
            Expr::value(Option::<String>::None),
        )
        .filter(plan_entry::Column::Id.is_in(entries))
        .exec(db)
        .await?;
    Ok(())
}

/// [`save_installment`] for many entries in **one** statement: what is paid and accrued,
/// and for those now settled their status and the end of their debits and overdue clock.
/// One statement, not two, because every `UPDATE` of a row writes a new version of it and
/// an entry in each of the table's indexes: a second statement for the settled doubled
/// that work for every installment a debit settles.
pub(super) async fn save_installments<C: ConnectionTrait>(
    db: &C,
    saved: &[(&plan_entry::Model, &Installment)],
    today: NaiveDate,
) -> DomainResult<()> {
    if saved.is_empty() {
        return Ok(());
    }
    let each = |column: plan_entry::Column, value: fn(&Installment) -> sea_orm::Value| {
        per_row(
            plan_entry::Column::Id,
            column,
            saved.iter().map(move |(row, after)| (row.id, value(after))),
        )
    };
    let mut update = plan_entry::Entity::update_many()
        .col_expr(
            plan_entry::Column::PaidPenaltyFen,
            each(plan_entry::Column::PaidPenaltyFen, |a| {
                a.paid.penalty.into()
            }),
        )
        .col_expr(
            plan_entry::Column::PaidInterestFen,
            each(plan_entry::Column::PaidInterestFen, |a| {
                a.paid.interest.into()
            }),
        )
        .col_expr(
            plan_entry::Column::PaidFeeFen,
            each(plan_entry::Column::PaidFeeFen, |a| a.paid.fee.into()),
        )
        .col_expr(
            plan_entry::Column::PaidPrincipalFen,
            each(plan_entry::Column::PaidPrincipalFen, |a| {
                a.paid.principal.into()
            }),
        )
        .col_expr(
            plan_entry::Column::PenaltyFen,
            each(plan_entry::Column::PenaltyFen, |a| a.penalty.into()),
        )
        .col_expr(
            plan_entry::Column::PenaltyThrough,
            each(plan_entry::Column::PenaltyThrough, |a| {
                a.penalty_through.map(text).into()
            }),
        );
    let settled: Vec<Uuid> = saved
        .iter()
        .filter(|(_, after)| after.settled())
        .map(|(row, _)| row.id)
        .collect();
    if !settled.is_empty() {
        // The settled rows' new values; every other row keeps its own (`ELSE column`).
        for (column, value) in settled_values(today) {
            let each = per_row(
                plan_entry::Column::Id,
                column,
                settled.iter().map(|id| (*id, value.clone())),
            );
            update = update.col_expr(column, each);
        }
    }
    update
        .filter(plan_entry::Column::Id.is_in(saved.iter().map(|(row, _)| row.id)))
        .exec(db)
        .await?;
    Ok(())
}

/// Installments paid of all, after a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Tally {
    pub paid: i64,
    pub total: i64,
}

/// A plan's delinquency as its entries show it on `today`: since when it is overdue (its
/// oldest overdue installment's due date), its days past due, and how many are paid.
struct Delinquency {
    since: Option<String>,
    days: i64,
    tally: Tally,
}

impl Delinquency {
    /// From each entry's status and due date (nothing else of an entry counts here).
    fn of<'a>(
        rows: impl IntoIterator<Item = (&'a str, &'a str)>,
        today: NaiveDate,
    ) -> DomainResult<Self> {
        let mut since: Option<&str> = None;
        let mut tally = Tally { paid: 0, total: 0 };
        for (status, due_date) in rows {
            tally.total += 1;
            if status == PAID {
                tally.paid += 1;
            } else if status == OVERDUE && since.is_none_or(|s| due_date < s) {
                since = Some(due_date);
            }
        }
        let days = match since {
            Some(since) => (today - date(since)?).num_days(),
            None => 0,
        };
        Ok(Self {
            since: since.map(str::to_owned),
            days,
            tally,
        })
    }

    fn all_paid(&self) -> bool {
        self.tally.paid == self.tally.total
    }

    fn days_stored(&self) -> i32 {
        i32::try_from(self.days).unwrap_or(i32::MAX)
    }
}

/// Sets a plan's delinquency from its entries on `today` (after a payment changed them):
/// since when it is overdue, its days past due and bucket; and closes it once every
/// entry is paid. Returns how many are paid.
pub(super) async fn refresh_plan<C: ConnectionTrait>(
    db: &C,
    plan_id: Uuid,
    today: NaiveDate,
    now_millis: i64,
) -> DomainResult<Tally> {
    let rows = entries(db, plan_id).await?;
    let d = Delinquency::of(
        rows.iter()
            .map(|r| (r.status.as_str(), r.due_date.as_str())),
        today,
    )?;
    let mut update = installment_plan::Entity::update_many()
        .col_expr(
            installment_plan::Column::DelinquentSince,
            Expr::value(d.since.clone()),
        )
        .col_expr(
            installment_plan::Column::DaysPastDue,
            Expr::value(d.days_stored()),
        )
        .col_expr(
            installment_plan::Column::Bucket,
            Expr::value(Bucket::of(d.days).as_str()),
        )
        .filter(installment_plan::Column::Id.eq(plan_id));
    if d.all_paid() {
        update = update
            .col_expr(installment_plan::Column::Status, Expr::value(CLOSED_PLAN))
            .col_expr(installment_plan::Column::ClosedAt, Expr::value(now_millis))
            .filter(installment_plan::Column::Status.eq(ACTIVE_PLAN));
    }
    update.exec(db).await?;
    Ok(d.tally)
}

/// [`refresh_plan`] for many plans in at most three statements (their entries' statuses
/// and due dates, their delinquency, and the closing of those now paid in full): a group
/// of debits posts to dozens of plans at once. A plan whose delinquency did not change
/// (most of them: an installment paid on its due date leaves a plan current) is not
/// written: the `UPDATE` names it but its `WHERE` leaves it out, so no new row version
/// and no index entries are written for it. Returns how many are paid, by plan.
pub(super) async fn refresh_plans<C: ConnectionTrait>(
    db: &C,
    plan_ids: &[Uuid],
    today: NaiveDate,
    now_millis: i64,
) -> DomainResult<HashMap<Uuid, Tally>> {
    if plan_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String, String)> = plan_entry::Entity::find()
        .select_only()
        .column(plan_entry::Column::PlanId)
        .column(plan_entry::Column::Status)
        .column(plan_entry::Column::DueDate)
        .filter(plan_entry::Column::PlanId.is_in(plan_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut by_plan: HashMap<Uuid, Vec<(&str, &str)>> = HashMap::new();
    for (plan, status, due) in &rows {
        by_plan
            .entry(*plan)
            .or_default()
            .push((status.as_str(), due.as_str()));
    }
    let mut found = Vec::with_capacity(by_plan.len());
    for (plan_id, rows) in by_plan {
        found.push((plan_id, Delinquency::of(rows, today)?));
    }
    let ids: Vec<Uuid> = found.iter().map(|(id, _)| *id).collect();
    let since = per_row(
        installment_plan::Column::Id,
        installment_plan::Column::DelinquentSince,
        found.iter().map(|(id, d)| (*id, d.since.clone())),
    );
    let days = per_row(
        installment_plan::Column::Id,
        installment_plan::Column::DaysPastDue,
        found.iter().map(|(id, d)| (*id, d.days_stored())),
    );
    let bucket = per_row(
        installment_plan::Column::Id,
        installment_plan::Column::Bucket,
        found
            .iter()
            .map(|(id, d)| (*id, Bucket::of(d.days).as_str())),
    );
    // Only the plans whose delinquency changes (`''` stands for "not delinquent" on both
    // sides, so the comparison is the same on SQLite and PostgreSQL).
    let changed = Condition::any()
        .add(
            Expr::expr(Func::coalesce([
                Expr::col(installment_plan::Column::DelinquentSince),
                Expr::val(""),
            ]))
            .ne(Func::coalesce([since.clone(), Expr::val("")])),
        )
        .add(Expr::col(installment_plan::Column::DaysPastDue).ne(days.clone()))
        .add(Expr::col(installment_plan::Column::Bucket).ne(bucket.clone()));
    installment_plan::Entity::update_many()
        .col_expr(installment_plan::Column::DelinquentSince, since)
        .col_expr(installment_plan::Column::DaysPastDue, days)
        .col_expr(installment_plan::Column::Bucket, bucket)
        .filter(installment_plan::Column::Id.is_in(ids))
        .filter(changed)
        .exec(db)
        .await?;
    let paid: Vec<Uuid> = found
        .iter()
        .filter(|(_, d)| d.all_paid())
        .map(|(id, _)| *id)
        .collect();
    if !paid.is_empty() {
        installment_plan::Entity::update_many()
            .col_expr(installment_plan::Column::Status, Expr::value(CLOSED_PLAN))
            .col_expr(installment_plan::Column::ClosedAt, Expr::value(now_millis))
            .filter(installment_plan::Column::Id.is_in(paid))
            .filter(installment_plan::Column::Status.eq(ACTIVE_PLAN))
            .exec(db)
            .await?;
    }
    Ok(found.into_iter().map(|(id, d)| (id, d.tally)).collect())
}

/// Writes the receipt of a payment posted to `plan` under `key`, in the posting's
/// transaction: a posting rolled back announces nothing, and a posting is announced once.
pub(super) async fn announce_payment<C: ConnectionTrait>(
    db: &C,
    now: chrono::DateTime<chrono::Utc>,
    plan: &installment_plan::Model,
    amount_fen: i64,
    key: &str,
    tally: Tally,
) -> DomainResult<()> {
    outbox::write(db, now, &[receipt(plan, amount_fen, key, tally)]).await?;
    Ok(())
}

/// The receipt of a payment posted to `plan` under `key` (announced once per key).
pub(super) fn receipt(
    plan: &installment_plan::Model,
    amount_fen: i64,
    key: &str,
    tally: Tally,
) -> Notice {
    Notice {
        customer_id: plan.customer_id,
        plan_id: Some(plan.id),
        message: Message::PaymentReceived {
            amount_fen,
            periods_paid: tally.paid,
            periods_total: tally.total,
        },
        once: Some(format!("paid:{key}")),
    }
}

/// `now` as stored.
pub(super) fn millis(now: chrono::DateTime<chrono::Utc>) -> i64 {
    to_millis(now)
}
