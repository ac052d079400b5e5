//! Schedule versions: each change of a plan's schedule (its opening, a partial
//! prepayment, its payoff) keeps the whole schedule as it stood after the change, so the
//! old one stays readable (`plan.versions`); a prepayment's version also keeps what it
//! prepaid, so the schedule engine can rebuild the current schedule from the agreed loan.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use entities::schedule_version;

use super::store;
use crate::clock::{from_millis, to_millis};
use crate::error::{DomainError, DomainResult};
use crate::schedule::RecomputeMode;

/// Why a version was made.
pub const OPENING: &str = "opening";
/// A partial prepayment.
pub const PREPAYMENT: &str = "prepayment";
/// The payoff.
pub const PAYOFF: &str = "payoff";

/// One row of a kept schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionRow {
    /// The period.
    pub period: i32,
    /// Its due date.
    pub due_date: NaiveDate,
    /// What it asks in all, and by part, in fen.
    pub payment_fen: i64,
    /// Principal.
    pub principal_fen: i64,
    /// Interest.
    pub interest_fen: i64,
    /// Fee.
    pub fee_fen: i64,
    /// Principal left after it.
    pub remaining_fen: i64,
}

/// A kept schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleVersion {
    /// 1 at opening, then one more per change.
    pub version: i32,
    /// `opening`, `prepayment` or `payoff`.
    pub reason: String,
    /// The principal prepaid, in fen (a prepayment).
    pub prepaid_fen: Option<i64>,
    /// How the rest was recomputed (a prepayment).
    pub mode: Option<RecomputeMode>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The schedule.
    pub rows: Vec<VersionRow>,
}

/// A prepayment a version records, for rebuilding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Prepaid {
    pub paid_periods: u32,
    pub amount_fen: i64,
    pub mode: RecomputeMode,
}

fn mode_text(mode: RecomputeMode) -> &'static str {
    match mode {
        RecomputeMode::KeepTerm => "KEEP_TERM",
        RecomputeMode::KeepInstallment => "KEEP_INSTALLMENT",
    }
}

fn mode_of(text: &str) -> Option<RecomputeMode> {
    match text {
        "KEEP_TERM" => Some(RecomputeMode::KeepTerm),
        "KEEP_INSTALLMENT" => Some(RecomputeMode::KeepInstallment),
        _ => None,
    }
}

/// Keeps the plan's schedule as it stands now in `db` (a transaction) as its next version.
pub(crate) async fn keep<C: ConnectionTrait>(
    db: &C,
    plan_id: Uuid,
    reason: &str,
    prepaid: Option<(u32, i64, RecomputeMode)>,
    now: DateTime<Utc>,
) -> DomainResult<i32> {
    let last = schedule_version::Entity::find()
        .filter(schedule_version::Column::PlanId.eq(plan_id))
        .order_by_desc(schedule_version::Column::Version)
        .one(db)
        .await?
        .map_or(0, |v| v.version);
    let mut rows = Vec::new();
    for r in store::entries(db, plan_id).await? {
        rows.push(VersionRow {
            period: r.period,
            due_date: store::date(&r.due_date)?,
            payment_fen: r.payment_fen,
            principal_fen: r.principal_fen,
            interest_fen: r.interest_fen,
            fee_fen: r.fee_fen,
            remaining_fen: r.remaining_fen,
        });
    }
    let rows = serde_json::to_string(&rows).map_err(|e| DomainError::Internal(e.to_string()))?;
    schedule_version::Entity::insert(schedule_version::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan_id),
        version: Set(last + 1),
        reason: Set(reason.to_owned()),
        paid_periods: Set(prepaid.map(|p| i32::try_from(p.0).unwrap_or(i32::MAX))),
        prepaid_fen: Set(prepaid.map(|p| p.1)),
        mode: Set(prepaid.map(|p| mode_text(p.2).to_owned())),
        rows: Set(rows),
        created_at: Set(to_millis(now)),
    })
    .exec_without_returning(db)
    .await?;
    Ok(last + 1)
}

/// The prepayments made on `plan_id`, oldest first.
pub(super) async fn prepayments<C: ConnectionTrait>(
    db: &C,
    plan_id: Uuid,
) -> DomainResult<Vec<Prepaid>> {
    Ok(schedule_version::Entity::find()
        .filter(schedule_version::Column::PlanId.eq(plan_id))
        .filter(schedule_version::Column::Reason.eq(PREPAYMENT))
        .order_by_asc(schedule_version::Column::Version)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|v| {
            Some(Prepaid {
                paid_periods: u32::try_from(v.paid_periods?).ok()?,
                amount_fen: v.prepaid_fen?,
                mode: mode_of(v.mode.as_deref()?)?,
            })
        })
        .collect())
}

/// Every version of each plan in `plan_ids`, oldest first: one statement.
pub(super) async fn of_plans<C: ConnectionTrait>(
    db: &C,
    plan_ids: &[Uuid],
) -> DomainResult<HashMap<Uuid, Vec<ScheduleVersion>>> {
    let mut out: HashMap<Uuid, Vec<ScheduleVersion>> = HashMap::new();
    for v in schedule_version::Entity::find()
        .filter(schedule_version::Column::PlanId.is_in(plan_ids.to_vec()))
        .order_by_asc(schedule_version::Column::PlanId)
        .order_by_asc(schedule_version::Column::Version)
        .all(db)
        .await?
    {
        let rows: Vec<VersionRow> = serde_json::from_str(&v.rows)
            .map_err(|e| DomainError::Internal(format!("a kept schedule: {e}")))?;
        out.entry(v.plan_id).or_default().push(ScheduleVersion {
            version: v.version,
            reason: v.reason,
            prepaid_fen: v.prepaid_fen,
            mode: v.mode.as_deref().and_then(mode_of),
            created_at: from_millis(v.created_at),
            rows,
        });
    }
    Ok(out)
}
