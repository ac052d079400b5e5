//! The staff dashboard: the state of the book and of after-care over a date range, each
//! figure an aggregate computed by the database (counts and sums, never rows pulled into
//! memory), seven statements whatever the size of the book.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use entities::{follow_up_task, installment_plan, plan_entry, survey_response, ticket};

use crate::auth::{Caller, Permission};
use crate::clock::to_millis;
use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

/// The longest range a dashboard covers.
pub const MAX_RANGE_DAYS: i64 = 366;

/// Active plans in one delinquency bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketShare {
    /// `CURRENT`, `M1`, `M2`, `M3`, `M3_PLUS` (as stored).
    pub bucket: String,
    /// Active plans in it.
    pub plans: i64,
    /// Their share of all active plans (4 decimals).
    pub share: Decimal,
}

/// The dashboard's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    /// The first day covered (the bank's local days).
    pub from: NaiveDate,
    /// The last day covered.
    pub to: NaiveDate,
    /// Plans being repaid now.
    pub active_plans: i64,
    /// Principal still owed on them (fen).
    pub outstanding_principal_fen: i64,
    /// Active plans by bucket.
    pub buckets: Vec<BucketShare>,
    /// Share of active plans with anything overdue (4 decimals).
    pub overdue_rate: Decimal,
    /// What fell due in the range (fen).
    pub due_fen: i64,
    /// What of that has been collected (fen).
    pub collected_fen: i64,
    /// Collected over due (4 decimals; 0 when nothing fell due).
    pub collection_rate: Decimal,
    /// Follow-ups due in the range.
    pub follow_ups_due: i64,
    /// Of those, made.
    pub follow_ups_done: i64,
    /// Satisfaction answers given in the range.
    pub satisfaction_answers: i64,
    /// Their average score (2 decimals), when any.
    pub average_satisfaction: Option<Decimal>,
    /// Tickets opened in the range.
    pub tickets_opened: i64,
    /// Of those, never escalated for a missed service level.
    pub tickets_within_service_level: i64,
    /// Within over opened (4 decimals; 1 when none were opened).
    pub service_level_compliance: Decimal,
    /// Campaigns running or paused now (not bound to the range).
    pub campaigns_running: u64,
}

fn ratio(part: i64, whole: i64, empty: Decimal) -> Decimal {
    if whole <= 0 {
        return empty;
    }
    (Decimal::from(part) / Decimal::from(whole)).round_dp(4)
}

/// `CAST(COALESCE(SUM(x), 0) AS BIGINT)`: a sum both backends return as a 64-bit integer.
fn sum(x: &str) -> Expr {
    Expr::cust(format!("CAST(COALESCE(SUM({x}), 0) AS BIGINT)"))
}

fn count_all() -> Expr {
    Expr::cust("CAST(COUNT(*) AS BIGINT)")
}

impl Domain {
    /// The dashboard from `from` to `to` (the bank's local days, both included; by
    /// default this month up to today). Staff.
    pub async fn dashboard(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        caller: &Caller,
    ) -> DomainResult<Dashboard> {
        caller.require(Permission::ReadDashboard)?;
        let tz = self.settings().timezone;
        let today = self.now().with_timezone(&tz).date_naive();
        let to = to.unwrap_or(today);
        let from = from.unwrap_or_else(|| to.with_day(1).unwrap_or(to));
        if from > to {
            return Err(DomainError::validation(
                "from",
                "Start the range before it ends.",
            ));
        }
        if (to - from).num_days() >= MAX_RANGE_DAYS {
            return Err(DomainError::validation(
                "to",
                format!("Ask for at most {MAX_RANGE_DAYS} days at a time."),
            ));
        }
        let instant = |day: NaiveDate| {
            day.and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(tz).earliest())
                .map(|t| to_millis(t.with_timezone(&chrono::Utc)))
                .ok_or_else(|| DomainError::Internal(format!("no midnight on {day}")))
        };
        let start = instant(from)?;
        let end = instant(to + chrono::Days::new(1))?;
        let (from_text, to_text) = (from.to_string(), to.to_string());
        let db = self.db();

        let by_bucket: Vec<(String, i64)> = installment_plan::Entity::find()
            .select_only()
            .column(installment_plan::Column::Bucket)
            .column_as(count_all(), "plans")
            .filter(installment_plan::Column::Status.eq("active"))
            .group_by(installment_plan::Column::Bucket)
            .into_tuple()
            .all(db)
            .await?;
        let active_plans: i64 = by_bucket.iter().map(|(_, n)| n).sum();
        let overdue: i64 = by_bucket
            .iter()
            .filter(|(b, _)| b != "CURRENT")
            .map(|(_, n)| n)
            .sum();
        let mut buckets: Vec<BucketShare> = ["CURRENT", "M1", "M2", "M3", "M3_PLUS"]
            .into_iter()
            .map(|b| {
                let plans = by_bucket
                    .iter()
                    .find(|(x, _)| x == b)
                    .map_or(0, |(_, n)| *n);
                BucketShare {
                    bucket: b.to_owned(),
                    plans,
                    share: ratio(plans, active_plans, Decimal::ZERO),
                }
            })
            .collect();
        buckets.retain(|b| b.plans > 0 || b.bucket == "CURRENT");

        let active_ids = Query::select()
            .column(installment_plan::Column::Id)
            .from(installment_plan::Entity)
            .and_where(installment_plan::Column::Status.eq("active"))
            .to_owned();
        let outstanding: Option<i64> = plan_entry::Entity::find()
            .select_only()
            .column_as(sum("principal_fen - paid_principal_fen"), "owed")
            .filter(plan_entry::Column::PlanId.in_subquery(active_ids))
            .into_tuple()
            .one(db)
            .await?;

        let collection: Option<(i64, i64)> = plan_entry::Entity::find()
            .select_only()
            .column_as(sum("payment_fen"), "due")
            .column_as(
                sum("paid_principal_fen + paid_interest_fen + paid_fee_fen"),
                "collected",
            )
            .filter(plan_entry::Column::DueDate.gte(from_text.clone()))
            .filter(plan_entry::Column::DueDate.lte(to_text.clone()))
            .into_tuple()
            .one(db)
            .await?;
        let (due_fen, collected_fen) = collection.unwrap_or((0, 0));

        let follow_ups: Option<(i64, i64)> = follow_up_task::Entity::find()
            .select_only()
            .column_as(count_all(), "due")
            .column_as(sum("CASE WHEN status = 'DONE' THEN 1 ELSE 0 END"), "done")
            .filter(follow_up_task::Column::DueOn.gte(from_text))
            .filter(follow_up_task::Column::DueOn.lte(to_text))
            .into_tuple()
            .one(db)
            .await?;
        let (follow_ups_due, follow_ups_done) = follow_ups.unwrap_or((0, 0));

        let answers: Option<(i64, i64)> = survey_response::Entity::find()
            .select_only()
            .column_as(count_all(), "answers")
            .column_as(sum("score"), "total")
            .filter(survey_response::Column::CreatedAt.gte(start))
            .filter(survey_response::Column::CreatedAt.lt(end))
            .into_tuple()
            .one(db)
            .await?;
        let (satisfaction_answers, score_total) = answers.unwrap_or((0, 0));

        let tickets: Option<(i64, i64)> = ticket::Entity::find()
            .select_only()
            .column_as(count_all(), "opened")
            .column_as(
                sum("CASE WHEN escalated_at IS NULL THEN 1 ELSE 0 END"),
                "within",
            )
            .filter(ticket::Column::CreatedAt.gte(start))
            .filter(ticket::Column::CreatedAt.lt(end))
            .into_tuple()
            .one(db)
            .await?;
        let (tickets_opened, within) = tickets.unwrap_or((0, 0));
        let campaigns_running = self.campaigns_running().await?;

        Ok(Dashboard {
            from,
            to,
            active_plans,
            outstanding_principal_fen: outstanding.unwrap_or(0),
            buckets,
            overdue_rate: ratio(overdue, active_plans, Decimal::ZERO),
            due_fen,
            collected_fen,
            collection_rate: ratio(collected_fen, due_fen, Decimal::ZERO),
            follow_ups_due,
            follow_ups_done,
            satisfaction_answers,
            average_satisfaction: (satisfaction_answers > 0).then(|| {
                (Decimal::from(score_total) / Decimal::from(satisfaction_answers)).round_dp(2)
            }),
            tickets_opened,
            tickets_within_service_level: within,
            service_level_compliance: ratio(within, tickets_opened, Decimal::ONE),
            campaigns_running,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_exact_to_four_places_and_safe_on_nothing() {
        assert_eq!(ratio(1, 3, Decimal::ZERO).to_string(), "0.3333");
        assert_eq!(ratio(2, 3, Decimal::ZERO).to_string(), "0.6667");
        assert_eq!(ratio(0, 0, Decimal::ONE), Decimal::ONE);
        assert_eq!(ratio(5, 0, Decimal::ZERO), Decimal::ZERO);
    }
}
