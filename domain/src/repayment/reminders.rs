//! Reminders, written at close of business (docs/repayment.md): before each due date
//! (`FENQI_REMINDER_DAYS`, 3 and 1 days by default) and on the days an installment has
//! been overdue (`FENQI_OVERDUE_REMINDER_DAYS`, 1 and 7: its first overdue day, after the
//! grace days, and a week later), each once per installment and kind whatever how often
//! close of business runs. They are written at 06:00 and wait in the outbox for
//! the customer's contact window (08:00 at the earliest).
//!
//! Each day's query starts from the index on `due_date` (or `overdue_on`), in batches:
//! the cost follows the installments due on those days, not the plans held.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use entities::{installment_plan, plan_entry};

use super::store::{self, ACTIVE_PLAN, DUE, OVERDUE};
use crate::db::begin_write;
use crate::error::DomainResult;
use crate::notices::Message;
use crate::notices::outbox::{self, Notice};
use crate::service::Domain;

/// Installments per transaction.
const BATCH: u64 = 1_000;

/// Which reminder a day's query makes.
#[derive(Debug, Clone, Copy)]
enum Reminder {
    /// `days` before the due date.
    DueSoon(u32),
    /// `days` after it, unpaid.
    Overdue(u32),
}

impl Domain {
    /// Writes the reminders of business day `date`; returns how many installments were
    /// reminded (a rerun finds them reminded already and writes nothing new).
    pub(super) async fn write_reminders(&self, date: NaiveDate) -> DomainResult<u64> {
        let mut kinds: Vec<Reminder> = self
            .settings()
            .reminder_days_before
            .iter()
            .map(|d| Reminder::DueSoon(*d))
            .collect();
        kinds.extend(
            self.settings()
                .overdue_reminder_days
                .iter()
                .map(|d| Reminder::Overdue(*d)),
        );
        let mut reminded = 0;
        for kind in kinds {
            let (column, day, status) = match kind {
                Reminder::DueSoon(d) => {
                    (plan_entry::Column::DueDate, date + Days::new(d.into()), DUE)
                }
                // Day 1 is the first overdue day.
                Reminder::Overdue(d) => (
                    plan_entry::Column::OverdueOn,
                    date - Days::new(u64::from(d.saturating_sub(1))),
                    OVERDUE,
                ),
            };
            let mut after: Option<Uuid> = None;
            loop {
                let mut query = plan_entry::Entity::find()
                    .filter(column.eq(store::text(day)))
                    .filter(plan_entry::Column::Status.eq(status))
                    .order_by_asc(plan_entry::Column::Id)
                    .limit(BATCH);
                if let Some(last) = after {
                    query = query.filter(plan_entry::Column::Id.gt(last));
                }
                let rows = query.all(self.db()).await?;
                let Some(last) = rows.last() else {
                    break;
                };
                after = Some(last.id);
                reminded += self.remind_batch(&rows, kind, date).await?;
                if (rows.len() as u64) < BATCH {
                    break;
                }
            }
        }
        Ok(reminded)
    }

    async fn remind_batch(
        &self,
        rows: &[plan_entry::Model],
        kind: Reminder,
        date: NaiveDate,
    ) -> DomainResult<u64> {
        let plans: HashMap<Uuid, installment_plan::Model> = installment_plan::Entity::find()
            .filter(installment_plan::Column::Id.is_in(rows.iter().map(|r| r.plan_id)))
            .filter(installment_plan::Column::Status.eq(ACTIVE_PLAN))
            .all(self.db())
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut notices = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(plan) = plans.get(&row.plan_id) else {
                continue;
            };
            let mut installment = store::installment(row)?;
            installment.accrue(&store::terms(plan), date);
            let owed = installment.owed().total();
            if owed <= 0 {
                continue;
            }
            let (message, once) = match kind {
                Reminder::DueSoon(days) => (
                    Message::DueSoon {
                        days: days.into(),
                        period: row.period,
                        due_date: installment.due_date,
                        amount_fen: owed,
                    },
                    format!("due_soon:{days}:{}", row.id),
                ),
                Reminder::Overdue(days) => (
                    Message::Overdue {
                        days: (date - installment.due_date).num_days(),
                        period: row.period,
                        owed_fen: owed,
                    },
                    format!("overdue:{days}:{}", row.id),
                ),
            };
            notices.push(Notice {
                customer_id: plan.customer_id,
                plan_id: Some(plan.id),
                message,
                once: Some(once),
            });
        }
        let txn = begin_write(self.db()).await?;
        outbox::write(&txn, self.now(), &notices).await?;
        txn.commit().await?;
        Ok(notices.len() as u64)
    }
}
