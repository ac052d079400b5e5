//! A campaign's segment (分群): which customers a campaign reaches, by the filters staff
//! choose (platform, plan status, delinquency bucket, risk grade, satisfaction at or
//! below a score, no follow-up for N days, activation dates). Parsed once into
//! [`Segment`], which the database evaluates as one condition on `customer`: the preview
//! counts it, the launch copies it into the campaign's members with one
//! `INSERT … SELECT`. Nothing about the segment is read into memory.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use entities::{customer, follow_up_task, installment_plan, risk_assessment, survey_response};

use crate::auth::{Caller, Permission};
use crate::clock::to_millis;
use crate::error::{DomainError, DomainResult};
use crate::repayment::engine::Bucket;
use crate::service::Domain;

/// Customers shown in a preview.
pub const SAMPLE_SIZE: u64 = 10;

/// The filters as staff send them; [`Segment::parse`] checks them.
#[derive(Debug, Clone, Default)]
pub struct SegmentFilter {
    /// Plans on these platforms (codes).
    pub platform_codes: Vec<String>,
    /// Plans in these statuses (`active`, `closed`).
    pub plan_statuses: Vec<String>,
    /// Plans in these delinquency buckets.
    pub buckets: Vec<Bucket>,
    /// Customers whose latest risk grade is one of these (`A`–`E`).
    pub risk_grades: Vec<String>,
    /// Customers whose latest satisfaction answer is at most this (1–5).
    pub satisfaction_at_most: Option<i32>,
    /// Customers with no follow-up made in this many days.
    pub no_follow_up_days: Option<i32>,
    /// Plans activated on or after this day (the bank's local day).
    pub activated_from: Option<NaiveDate>,
    /// Plans activated on or before this day.
    pub activated_to: Option<NaiveDate>,
}

/// A checked segment, as stored with its campaign (JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    /// Platform codes (any when empty).
    pub platform_codes: Vec<String>,
    /// Plan statuses, as stored (any when empty).
    pub plan_statuses: Vec<String>,
    /// Buckets, as stored (any when empty).
    pub buckets: Vec<String>,
    /// Risk grades (any when empty).
    pub risk_grades: Vec<String>,
    /// Latest satisfaction at most.
    pub satisfaction_at_most: Option<i32>,
    /// Days without a follow-up made.
    pub no_follow_up_days: Option<i32>,
    /// Activated from (local day).
    pub activated_from: Option<NaiveDate>,
    /// Activated to (local day).
    pub activated_to: Option<NaiveDate>,
}

const PLAN_STATUSES: [&str; 2] = ["active", "closed"];
const GRADES: [&str; 5] = ["A", "B", "C", "D", "E"];

fn upper_set(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = values
        .into_iter()
        .map(|v| v.trim().to_uppercase())
        .filter(|v| !v.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Segment {
    /// Checks `filter`: known statuses and grades, a score of 1–5, 1–3,650 days, a
    /// range that starts before it ends.
    pub fn parse(filter: SegmentFilter) -> DomainResult<Self> {
        let platform_codes: Vec<String> = {
            let mut c: Vec<String> = filter
                .platform_codes
                .into_iter()
                .map(|c| c.trim().to_lowercase())
                .filter(|c| !c.is_empty())
                .collect();
            c.sort();
            c.dedup();
            c
        };
        if platform_codes.iter().any(|c| c.chars().count() > 64) {
            return Err(DomainError::validation(
                "platformCodes",
                "A platform code is at most 64 characters.",
            ));
        }
        let mut plan_statuses: Vec<String> = filter
            .plan_statuses
            .into_iter()
            .map(|s| s.trim().to_lowercase())
            .collect();
        plan_statuses.sort();
        plan_statuses.dedup();
        if let Some(bad) = plan_statuses
            .iter()
            .find(|s| !PLAN_STATUSES.contains(&s.as_str()))
        {
            return Err(DomainError::validation(
                "planStatuses",
                format!("'{bad}' is not a plan status: use ACTIVE or CLOSED."),
            ));
        }
        let mut buckets: Vec<String> = filter
            .buckets
            .into_iter()
            .map(|b| b.as_str().to_owned())
            .collect();
        buckets.sort();
        buckets.dedup();
        let risk_grades = upper_set(filter.risk_grades);
        if let Some(bad) = risk_grades.iter().find(|g| !GRADES.contains(&g.as_str())) {
            return Err(DomainError::validation(
                "riskGrades",
                format!("'{bad}' is not a risk grade: use A, B, C, D or E."),
            ));
        }
        if let Some(score) = filter.satisfaction_at_most
            && !(1..=5).contains(&score)
        {
            return Err(DomainError::validation(
                "satisfactionAtMost",
                "Give a score from 1 to 5.",
            ));
        }
        if let Some(days) = filter.no_follow_up_days
            && !(1..=3_650).contains(&days)
        {
            return Err(DomainError::validation(
                "noFollowUpDays",
                "Give 1 to 3,650 days.",
            ));
        }
        if let (Some(from), Some(to)) = (filter.activated_from, filter.activated_to)
            && from > to
        {
            return Err(DomainError::validation(
                "activatedFrom",
                "Start the activation range before it ends.",
            ));
        }
        Ok(Self {
            platform_codes,
            plan_statuses,
            buckets,
            risk_grades,
            satisfaction_at_most: filter.satisfaction_at_most,
            no_follow_up_days: filter.no_follow_up_days,
            activated_from: filter.activated_from,
            activated_to: filter.activated_to,
        })
    }

    /// The stored form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// From the stored form.
    pub fn from_json(text: &str) -> DomainResult<Self> {
        serde_json::from_str(text)
            .map_err(|e| DomainError::Internal(format!("a stored segment does not read: {e}")))
    }

    /// The segment as one condition on `customer`, for `now` in the bank's zone `tz`:
    /// holding at least one plan that matches the plan filters, and matching the
    /// customer filters (latest grade, latest satisfaction, last follow-up).
    pub fn condition(&self, tz: Tz, now: DateTime<Utc>) -> DomainResult<Condition> {
        let plan = |c: installment_plan::Column| Expr::col((installment_plan::Entity, c));
        let mut plans = Query::select();
        plans
            .expr(Expr::val(1))
            .from(installment_plan::Entity)
            .and_where(
                plan(installment_plan::Column::CustomerId)
                    .equals((customer::Entity, customer::Column::Id)),
            );
        if !self.platform_codes.is_empty() {
            plans.and_where(
                plan(installment_plan::Column::PlatformCode).is_in(self.platform_codes.clone()),
            );
        }
        if !self.plan_statuses.is_empty() {
            plans.and_where(
                plan(installment_plan::Column::Status).is_in(self.plan_statuses.clone()),
            );
        }
        if !self.buckets.is_empty() {
            plans.and_where(plan(installment_plan::Column::Bucket).is_in(self.buckets.clone()));
        }
        if let Some(from) = self.activated_from {
            plans.and_where(plan(installment_plan::Column::OpenedAt).gte(midnight(from, tz)?));
        }
        if let Some(to) = self.activated_to {
            let next = to
                .succ_opt()
                .ok_or_else(|| DomainError::validation("activatedTo", "Give a real day."))?;
            plans.and_where(plan(installment_plan::Column::OpenedAt).lt(midnight(next, tz)?));
        }
        let mut condition = Condition::all().add(Expr::exists(plans));

        if !self.risk_grades.is_empty() {
            let latest = latest_of(
                risk_assessment::Entity,
                risk_assessment::Column::Grade,
                risk_assessment::Column::CustomerId,
                risk_assessment::Column::CreatedAt,
            );
            condition = condition.add(subquery(latest).is_in(self.risk_grades.clone()));
        }
        if let Some(score) = self.satisfaction_at_most {
            let latest = latest_of(
                survey_response::Entity,
                survey_response::Column::Score,
                survey_response::Column::CustomerId,
                survey_response::Column::CreatedAt,
            );
            condition = condition.add(subquery(latest).lte(score));
        }
        if let Some(days) = self.no_follow_up_days {
            let since = to_millis(now - chrono::Duration::days(i64::from(days)));
            let task = |c: follow_up_task::Column| Expr::col((follow_up_task::Entity, c));
            let recent = Query::select()
                .expr(Expr::val(1))
                .from(follow_up_task::Entity)
                .and_where(
                    task(follow_up_task::Column::CustomerId)
                        .equals((customer::Entity, customer::Column::Id)),
                )
                .and_where(task(follow_up_task::Column::Status).eq(super::follow_ups::DONE))
                .and_where(task(follow_up_task::Column::DoneAt).gte(since))
                .to_owned();
            condition = condition.add(Expr::not_exists(recent));
        }
        Ok(condition)
    }
}

/// The bank's local midnight starting `day`, in epoch milliseconds.
fn midnight(day: NaiveDate, tz: Tz) -> DomainResult<i64> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(tz).earliest())
        .map(|t| to_millis(t.with_timezone(&Utc)))
        .ok_or_else(|| DomainError::Internal(format!("no midnight on {day}")))
}

/// `SELECT value FROM table WHERE owner = customer.id ORDER BY at DESC LIMIT 1`: the
/// customer's latest value.
fn latest_of<E: EntityTrait>(
    table: E,
    value: E::Column,
    owner: E::Column,
    at: E::Column,
) -> SelectStatement {
    Query::select()
        .column((table, value))
        .from(table)
        .and_where(Expr::col((table, owner)).equals((customer::Entity, customer::Column::Id)))
        .order_by((table, at), Order::Desc)
        .limit(1)
        .to_owned()
}

fn subquery(select: SelectStatement) -> Expr {
    Expr::SubQuery(None, Box::new(select.into()))
}

/// What a segment holds now.
#[derive(Debug, Clone)]
pub struct SegmentPreview {
    /// How many customers.
    pub size: u64,
    /// The first few, by id.
    pub sample: Vec<customer::Model>,
}

impl Domain {
    /// The size of the segment `filter` describes and a sample of its customers (staff).
    /// Two statements, whatever the size.
    pub async fn preview_segment(
        &self,
        filter: SegmentFilter,
        caller: &Caller,
    ) -> DomainResult<SegmentPreview> {
        caller.require(Permission::ReadCampaigns)?;
        let segment = Segment::parse(filter)?;
        self.segment_preview(&segment).await
    }

    /// The size and sample of a parsed segment.
    pub(super) async fn segment_preview(&self, segment: &Segment) -> DomainResult<SegmentPreview> {
        let condition = segment.condition(self.settings().timezone, self.now())?;
        let size = customer::Entity::find()
            .filter(condition.clone())
            .count(self.db())
            .await?;
        let sample = customer::Entity::find()
            .filter(condition)
            .order_by_asc(customer::Column::Id)
            .limit(SAMPLE_SIZE)
            .all(self.db())
            .await?;
        Ok(SegmentPreview { size, sample })
    }

    /// The ids of the segment's customers as a statement (for `INSERT … SELECT`): the
    /// customer's id and the extra expressions `extra` put first.
    pub(super) fn segment_select(
        &self,
        segment: &Segment,
        extra: Vec<Expr>,
    ) -> DomainResult<SelectStatement> {
        let condition = segment.condition(self.settings().timezone, self.now())?;
        let mut select = Query::select();
        for e in extra {
            select.expr(e);
        }
        select
            .column((customer::Entity, customer::Column::Id))
            .from(customer::Entity)
            .cond_where(condition);
        Ok(select)
    }
}
