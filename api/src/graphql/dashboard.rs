//! The staff dashboard (stage 6): `dashboard(from, to)`. Thin: authorize, call the use
//! case, shape (money in yuan, rates as exact decimals).

use async_graphql::{Context, Object, SimpleObject};
use domain::aftercare::dashboard::{BucketShare, Dashboard};
use domain::auth::Permission;
use domain::money::Money;

use super::context::ContextExt;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::scalars::{Date, Decimal};
use super::types::money::money;

/// Active plans in one delinquency bucket.
#[derive(SimpleObject)]
#[graphql(name = "DashboardBucket")]
pub struct BucketGql {
    /// `CURRENT`, `M1` (1–30 days), `M2`, `M3`, `M3_PLUS` (over 90 days).
    pub bucket: String,
    /// Active plans in it.
    pub plans: i64,
    /// Their share of active plans (0–1, 4 decimals).
    pub share: Decimal,
}

impl From<BucketShare> for BucketGql {
    fn from(b: BucketShare) -> Self {
        Self {
            bucket: b.bucket,
            plans: b.plans,
            share: Decimal(b.share),
        }
    }
}

/// The book and after-care over a date range, each figure computed by the database.
#[derive(SimpleObject)]
#[graphql(name = "Dashboard")]
pub struct DashboardGql {
    /// The first day covered.
    pub from: Date,
    /// The last day covered.
    pub to: Date,
    /// Plans being repaid now.
    pub active_plans: i64,
    /// Principal still owed on them (yuan).
    pub outstanding_principal: Decimal,
    /// Active plans by delinquency bucket (empty buckets left out, `CURRENT` always).
    pub buckets: Vec<BucketGql>,
    /// Share of active plans with anything overdue (0–1).
    pub overdue_rate: Decimal,
    /// What fell due in the range (yuan).
    pub due: Decimal,
    /// What of that has been collected (yuan).
    pub collected: Decimal,
    /// Collected over due (0–1; 0 when nothing fell due).
    pub collection_rate: Decimal,
    /// Follow-ups due in the range.
    pub follow_ups_due: i64,
    /// Of those, made.
    pub follow_ups_done: i64,
    /// Satisfaction answers given in the range.
    pub satisfaction_answers: i64,
    /// Their average, 1–5 (2 decimals), when any.
    pub average_satisfaction: Option<Decimal>,
    /// Tickets opened in the range.
    pub tickets_opened: i64,
    /// Of those, never escalated for a missed service level.
    pub tickets_within_service_level: i64,
    /// Within over opened (0–1; 1 when none were opened).
    pub service_level_compliance: Decimal,
    /// Bulk campaigns running or paused now (whatever the range).
    pub campaigns_running: i64,
}

impl From<Dashboard> for DashboardGql {
    fn from(d: Dashboard) -> Self {
        Self {
            from: Date(d.from),
            to: Date(d.to),
            active_plans: d.active_plans,
            outstanding_principal: money(Money::from_fen(d.outstanding_principal_fen)),
            buckets: d.buckets.into_iter().map(Into::into).collect(),
            overdue_rate: Decimal(d.overdue_rate),
            due: money(Money::from_fen(d.due_fen)),
            collected: money(Money::from_fen(d.collected_fen)),
            collection_rate: Decimal(d.collection_rate),
            follow_ups_due: d.follow_ups_due,
            follow_ups_done: d.follow_ups_done,
            satisfaction_answers: d.satisfaction_answers,
            average_satisfaction: d.average_satisfaction.map(Decimal),
            tickets_opened: d.tickets_opened,
            tickets_within_service_level: d.tickets_within_service_level,
            service_level_compliance: Decimal(d.service_level_compliance),
            campaigns_running: i64::try_from(d.campaigns_running).unwrap_or(i64::MAX),
        }
    }
}

/// Dashboard queries.
#[derive(Default)]
pub struct DashboardQuery;

#[Object]
impl DashboardQuery {
    /// The staff dashboard from `from` to `to` (the bank's local days, both included;
    /// by default this month up to today; at most 366 days).
    #[graphql(guard = "RoleGuard::new(Permission::ReadDashboard)")]
    async fn dashboard(
        &self,
        ctx: &Context<'_>,
        from: Option<Date>,
        to: Option<Date>,
    ) -> async_graphql::Result<DashboardGql> {
        let caller = ctx.caller().await?;
        ctx.domain()?
            .dashboard(from.map(|d| d.0), to.map(|d| d.0), &caller)
            .await
            .gql()
            .map(Into::into)
    }
}
