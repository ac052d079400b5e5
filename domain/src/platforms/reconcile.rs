//! Daily reconciliation (对账): each external platform's statement of one day is matched,
//! movement by movement (the platform's reference), against the payments we recorded from
//! its answers and callbacks. Every disagreement becomes an item staff see and resolve
//! with a note: a movement only they have, one only we have, a different amount, a
//! different outcome.
//!
//! One report per platform and day (unique), so several workers and retries reconcile a
//! day once. The scheduled run covers yesterday and the days before it that have no report
//! yet (`DomainSettings::reconcile_catch_up_days`), so a day missed while a partner or the
//! worker was down is done the next time.

use std::collections::HashMap;

use adapters::platforms::StatementLine;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use entities::installment_platform::{self, PlatformKind};
use entities::platform_payment::{self, PaymentStatus};
use entities::reconciliation_item::{self, MismatchKind};
use entities::reconciliation_report;

use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission};
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::jobs::ledger::{self, RunOutcome};
use crate::service::Domain;

/// The ledger kind of the scheduled run.
pub const RECONCILE_PLATFORMS: &str = "reconcile_platforms";

/// One disagreement.
#[derive(Debug, Clone)]
pub struct MismatchView {
    /// Its id.
    pub id: Uuid,
    /// How the sides disagree.
    pub kind: MismatchKind,
    /// The platform's reference of the movement.
    pub reference: String,
    /// The plan.
    pub plan_ref: String,
    /// Our amount, if we have it.
    pub ours_fen: Option<i64>,
    /// Theirs, if they have it.
    pub theirs_fen: Option<i64>,
    /// Our outcome, if we have it.
    pub our_status: Option<String>,
    /// Theirs.
    pub their_status: Option<String>,
    /// When staff resolved it.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Their note.
    pub note: Option<String>,
}

impl From<&reconciliation_item::Model> for MismatchView {
    fn from(m: &reconciliation_item::Model) -> Self {
        Self {
            id: m.id,
            kind: m.kind,
            reference: m.reference.clone(),
            plan_ref: m.plan_ref.clone(),
            ours_fen: m.ours_fen,
            theirs_fen: m.theirs_fen,
            our_status: m.our_status.clone(),
            their_status: m.their_status.clone(),
            resolved_at: m.resolved_at.map(from_millis),
            note: m.note.clone(),
        }
    }
}

/// One platform's day.
#[derive(Debug, Clone)]
pub struct ReconciliationReportView {
    /// Its id.
    pub id: Uuid,
    /// The platform.
    pub platform_code: String,
    /// The day.
    pub statement_date: NaiveDate,
    /// Movements in their statement.
    pub their_lines: i32,
    /// Movements in our records.
    pub our_lines: i32,
    /// Movements both agree on.
    pub matched: i32,
    /// Disagreements found.
    pub mismatches: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The disagreements.
    pub items: Vec<MismatchView>,
}

fn report_view(
    m: &reconciliation_report::Model,
    items: Vec<MismatchView>,
) -> DomainResult<ReconciliationReportView> {
    Ok(ReconciliationReportView {
        id: m.id,
        platform_code: m.platform_code.clone(),
        statement_date: NaiveDate::parse_from_str(&m.statement_date, "%Y-%m-%d")
            .map_err(|e| DomainError::Internal(format!("report date {}: {e}", m.statement_date)))?,
        their_lines: m.their_lines,
        our_lines: m.our_lines,
        matched: m.matched,
        mismatches: m.mismatches,
        created_at: from_millis(m.created_at),
        items,
    })
}

fn status_word(s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::Succeeded => "SUCCEEDED",
        PaymentStatus::Failed => "FAILED",
    }
}

/// Matches their lines with our payments: the mismatches and how many matched.
fn compare(
    theirs: &[StatementLine],
    ours: &[platform_payment::Model],
) -> (Vec<reconciliation_item::Model>, i32) {
    let ours_by_ref: HashMap<&str, &platform_payment::Model> =
        ours.iter().map(|p| (p.reference.as_str(), p)).collect();
    let theirs_by_ref: HashMap<&str, &StatementLine> =
        theirs.iter().map(|l| (l.reference.as_str(), l)).collect();
    let mut items = Vec::new();
    let mut matched = 0;
    let item = |kind, reference: &str, plan_ref: &str| reconciliation_item::Model {
        id: Uuid::now_v7(),
        report_id: Uuid::nil(),
        kind,
        reference: reference.to_owned(),
        plan_ref: plan_ref.to_owned(),
        ours_fen: None,
        theirs_fen: None,
        our_status: None,
        their_status: None,
        resolved_at: None,
        resolved_by: None,
        note: None,
    };
    for line in theirs {
        let their_status = line.status.as_str().to_owned();
        match ours_by_ref.get(line.reference.as_str()) {
            None => items.push(reconciliation_item::Model {
                theirs_fen: Some(line.amount_fen),
                their_status: Some(their_status),
                ..item(MismatchKind::MissingOurs, &line.reference, &line.plan_ref)
            }),
            Some(ours) => {
                let our_status = status_word(ours.status);
                let kind = if ours.amount_fen != line.amount_fen {
                    Some(MismatchKind::AmountDiffers)
                } else if our_status != line.status.as_str() {
                    Some(MismatchKind::StatusDiffers)
                } else {
                    None
                };
                match kind {
                    Some(kind) => items.push(reconciliation_item::Model {
                        ours_fen: Some(ours.amount_fen),
                        theirs_fen: Some(line.amount_fen),
                        our_status: Some(our_status.to_owned()),
                        their_status: Some(their_status),
                        ..item(kind, &line.reference, &line.plan_ref)
                    }),
                    None => matched += 1,
                }
            }
        }
    }
    for ours in ours {
        if !theirs_by_ref.contains_key(ours.reference.as_str()) {
            items.push(reconciliation_item::Model {
                ours_fen: Some(ours.amount_fen),
                our_status: Some(status_word(ours.status).to_owned()),
                ..item(MismatchKind::MissingTheirs, &ours.reference, &ours.plan_ref)
            });
        }
    }
    (items, matched)
}

impl Domain {
    /// The instants at which the bank's local `date` begins and ends.
    fn local_day(&self, date: NaiveDate) -> DomainResult<(DateTime<Utc>, DateTime<Utc>)> {
        let tz = self.settings().timezone;
        let start = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| tz.from_local_datetime(&t).earliest())
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| DomainError::Internal(format!("no midnight on {d}")))
        };
        let next = date
            .succ_opt()
            .ok_or_else(|| DomainError::validation("date", "That day has no next day."))?;
        Ok((start(date)?, start(next)?))
    }

    /// Reconciles one external platform's `date`, once: a day reconciled before answers
    /// its report. Admins may run it by hand (a day the schedule missed, a re-sent
    /// statement after the report's items were resolved is a new day's matter).
    pub async fn reconcile_platform(
        &self,
        platform_code: &str,
        date: NaiveDate,
        caller: &Caller,
    ) -> DomainResult<ReconciliationReportView> {
        caller.require(Permission::ResolveReconciliation)?;
        self.reconcile_day(platform_code, date).await
    }

    async fn existing_report(
        &self,
        platform_code: &str,
        date: NaiveDate,
    ) -> DomainResult<Option<ReconciliationReportView>> {
        let Some(report) = reconciliation_report::Entity::find()
            .filter(reconciliation_report::Column::PlatformCode.eq(platform_code))
            .filter(reconciliation_report::Column::StatementDate.eq(date.to_string()))
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        let items = reconciliation_item::Entity::find()
            .filter(reconciliation_item::Column::ReportId.eq(report.id))
            .order_by_asc(reconciliation_item::Column::Id)
            .all(self.db())
            .await?;
        Ok(Some(report_view(
            &report,
            items.iter().map(MismatchView::from).collect(),
        )?))
    }

    async fn reconcile_day(
        &self,
        platform_code: &str,
        date: NaiveDate,
    ) -> DomainResult<ReconciliationReportView> {
        if let Some(done) = self.existing_report(platform_code, date).await? {
            return Ok(done);
        }
        let row = installment_platform::Entity::find_by_id(platform_code.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(|| {
                DomainError::NotFound(format!("No platform is called {platform_code}."))
            })?;
        if row.kind != PlatformKind::External {
            return Err(DomainError::validation(
                "platformCode",
                "The bank's own ledger is our book; only partners' statements are reconciled.",
            ));
        }
        let statement =
            self.platform_of(&row)?.statement(date).await.map_err(|e| {
                DomainError::Unavailable(format!("{platform_code}'s statement: {e}"))
            })?;
        let (from, until) = self.local_day(date)?;
        let ours = platform_payment::Entity::find()
            .filter(platform_payment::Column::PlatformCode.eq(platform_code))
            .filter(platform_payment::Column::OccurredAt.gte(to_millis(from)))
            .filter(platform_payment::Column::OccurredAt.lt(to_millis(until)))
            .all(self.db())
            .await?;
        let (mut items, matched) = compare(&statement.lines, &ours);
        let now = self.now();
        let report = reconciliation_report::Model {
            id: Uuid::now_v7(),
            platform_code: platform_code.to_owned(),
            statement_date: date.to_string(),
            their_lines: i32::try_from(statement.lines.len()).unwrap_or(i32::MAX),
            our_lines: i32::try_from(ours.len()).unwrap_or(i32::MAX),
            matched,
            mismatches: i32::try_from(items.len()).unwrap_or(i32::MAX),
            created_at: to_millis(now),
        };
        for item in &mut items {
            item.report_id = report.id;
        }
        let txn = begin_write(self.db()).await?;
        let kept = reconciliation_report::Entity::insert(reconciliation_report::ActiveModel::from(
            report.clone(),
        ))
        .on_conflict(
            OnConflict::columns([
                reconciliation_report::Column::PlatformCode,
                reconciliation_report::Column::StatementDate,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if kept == 0 {
            txn.rollback().await?;
            return self
                .existing_report(platform_code, date)
                .await?
                .ok_or_else(|| DomainError::Internal("a report vanished".into()));
        }
        for chunk in items.chunks(500) {
            reconciliation_item::Entity::insert_many(
                chunk
                    .iter()
                    .cloned()
                    .map(reconciliation_item::ActiveModel::from),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        txn.commit().await?;
        if !items.is_empty() {
            tracing::warn!(
                platform = platform_code,
                %date,
                mismatches = items.len(),
                "reconciliation found mismatches for staff to resolve"
            );
        }
        report_view(&report, items.iter().map(MismatchView::from).collect())
    }

    /// The scheduled run, once per `run_key`: every active external platform's
    /// yesterday and missed days before it. A platform that cannot be reached is logged
    /// and done on a later run.
    pub async fn reconcile_platforms(&self, run_key: &str) -> DomainResult<RunOutcome> {
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        if !ledger::claim(&txn, RECONCILE_PLATFORMS, run_key, now).await? {
            txn.rollback().await?;
            return Ok(RunOutcome::AlreadyDone);
        }
        txn.commit().await?;
        let today = now.with_timezone(&self.settings().timezone).date_naive();
        let platforms = installment_platform::Entity::find()
            .filter(installment_platform::Column::Kind.eq(PlatformKind::External))
            .filter(installment_platform::Column::Active.eq(true))
            .all(self.db())
            .await?;
        let (mut done, mut failed) = (0, 0);
        for p in &platforms {
            for back in 1..=(1 + self.settings().reconcile_catch_up_days) {
                let Some(date) = today.checked_sub_days(chrono::Days::new(u64::from(back))) else {
                    continue;
                };
                match self.reconcile_day(&p.code, date).await {
                    Ok(_) => done += 1,
                    Err(e) => {
                        failed += 1;
                        tracing::warn!(platform = %p.code, %date, error = %e, "a day could not be reconciled; a later run tries again");
                    }
                }
            }
        }
        Ok(RunOutcome::Done(format!(
            "{done} platform days reconciled, {failed} left for a later run"
        )))
    }

    /// Reports, newest day first, optionally of one platform, with their items.
    pub async fn reconciliation_reports(
        &self,
        platform_code: Option<&str>,
        limit: u64,
        caller: &Caller,
    ) -> DomainResult<Vec<ReconciliationReportView>> {
        caller.require(Permission::ReadReconciliation)?;
        let mut query = reconciliation_report::Entity::find()
            .order_by_desc(reconciliation_report::Column::StatementDate)
            .order_by_asc(reconciliation_report::Column::PlatformCode)
            .limit(limit.clamp(1, 100));
        if let Some(code) = platform_code {
            query = query.filter(reconciliation_report::Column::PlatformCode.eq(code));
        }
        let reports = query.all(self.db()).await?;
        let ids: Vec<Uuid> = reports.iter().map(|r| r.id).collect();
        let mut items: HashMap<Uuid, Vec<MismatchView>> = HashMap::new();
        if !ids.is_empty() {
            for item in reconciliation_item::Entity::find()
                .filter(reconciliation_item::Column::ReportId.is_in(ids))
                .order_by_asc(reconciliation_item::Column::Id)
                .all(self.db())
                .await?
            {
                items
                    .entry(item.report_id)
                    .or_default()
                    .push(MismatchView::from(&item));
            }
        }
        reports
            .iter()
            .map(|r| report_view(r, items.remove(&r.id).unwrap_or_default()))
            .collect()
    }

    /// Resolves one mismatch with what was done about it. Audited.
    pub async fn resolve_reconciliation_item(
        &self,
        id: Uuid,
        note: &str,
        caller: &Caller,
    ) -> DomainResult<MismatchView> {
        caller.require(Permission::ResolveReconciliation)?;
        let note = super::staff_note::checked(note)?;
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let updated = reconciliation_item::Entity::update_many()
            .col_expr(
                reconciliation_item::Column::ResolvedAt,
                Expr::value(to_millis(now)),
            )
            .col_expr(
                reconciliation_item::Column::ResolvedBy,
                Expr::value(caller.actor.map(|a| a.account_id)),
            )
            .col_expr(
                reconciliation_item::Column::Note,
                Expr::value(note.to_owned()),
            )
            .filter(reconciliation_item::Column::Id.eq(id))
            .filter(reconciliation_item::Column::ResolvedAt.is_null())
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            let exists = reconciliation_item::Entity::find_by_id(id)
                .count(&txn)
                .await?
                > 0;
            return Err(super::staff_note::not_closed(
                exists,
                "This mismatch was resolved already.",
                "No mismatch has this id.",
            ));
        }
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "reconciliation.resolve",
                "reconciliation_item",
                Some(id.to_string()),
            )
            .after(json!({ "note": note })),
        )
        .await?;
        let model = reconciliation_item::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::NotFound("No mismatch has this id.".into()))?;
        txn.commit().await?;
        Ok(MismatchView::from(&model))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapters::platforms::MovementStatus;

    fn line(reference: &str, fen: i64, status: MovementStatus) -> StatementLine {
        StatementLine {
            reference: reference.into(),
            plan_ref: "P-1".into(),
            amount_fen: fen,
            status,
            occurred_at: Utc::now(),
        }
    }

    fn ours(reference: &str, fen: i64, status: PaymentStatus) -> platform_payment::Model {
        platform_payment::Model {
            id: Uuid::now_v7(),
            platform_code: "p".into(),
            reference: reference.into(),
            plan_id: None,
            plan_ref: "P-1".into(),
            idempotency_key: None,
            amount_fen: fen,
            status,
            sequence: 1,
            occurred_at: 0,
            recorded_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn finds_each_kind_of_mismatch() {
        let theirs = [
            line("same", 100, MovementStatus::Succeeded),
            line("only-theirs", 200, MovementStatus::Succeeded),
            line("amount", 300, MovementStatus::Succeeded),
            line("status", 400, MovementStatus::Failed),
        ];
        let ours = [
            ours("same", 100, PaymentStatus::Succeeded),
            ours("only-ours", 500, PaymentStatus::Succeeded),
            ours("amount", 301, PaymentStatus::Succeeded),
            ours("status", 400, PaymentStatus::Succeeded),
        ];
        let (items, matched) = compare(&theirs, &ours);
        assert_eq!(matched, 1);
        let kinds: Vec<(MismatchKind, &str)> = items
            .iter()
            .map(|i| (i.kind, i.reference.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (MismatchKind::MissingOurs, "only-theirs"),
                (MismatchKind::AmountDiffers, "amount"),
                (MismatchKind::StatusDiffers, "status"),
                (MismatchKind::MissingTheirs, "only-ours"),
            ]
        );
    }
}
