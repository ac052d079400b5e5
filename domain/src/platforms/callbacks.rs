//! Partners' callbacks (`POST /callbacks/{platform_code}`): verified with the platform's
//! shared secret and replay window, applied exactly once, kept.
//!
//! Each event is applied in one transaction: the plan it names is looked up; a
//! `plan.status_changed` moves the plan only if its `sequence` is later than the last one
//! applied, a payment event records or updates the payment under the platform's reference
//! only if later than what was recorded; the event itself is stored under its event id,
//! which is unique per platform. A repeat of an event id (a retry, a duplicate, a replay
//! inside the time window) finds it stored and changes nothing; an event that arrives
//! after a later one of the same plan is kept as `STALE`; an event for a plan we do not
//! know is kept as `UNMATCHED` for staff review, never dropped. The transport answers 2xx
//! only after this commits.

use adapters::platforms::{
    CallbackError, CallbackEvent, CallbackHeaders, EventKind, PaymentReport,
};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use entities::installment_plan;
use entities::installment_platform;
use entities::platform_event::{self, EventOutcome};
use entities::platform_payment::{self, PaymentStatus};

use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission};
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

/// What became of a callback we accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackReceipt {
    /// Applied now.
    Applied,
    /// Kept; a later event had already been applied.
    Stale,
    /// Kept for staff review: no such plan.
    Unmatched,
    /// Seen before under this event id: nothing changed.
    Duplicate,
}

impl CallbackReceipt {
    /// The word the partner reads in our answer.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Stale => "stale",
            Self::Unmatched => "unmatched",
            Self::Duplicate => "duplicate",
        }
    }
}

/// Why a callback was refused; each maps to its own HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum CallbackRefusal {
    /// No such platform (404).
    #[error("no platform is called {0}")]
    UnknownPlatform(String),
    /// The signature or time window is wrong (401, and a security log line).
    #[error("{0}")]
    Signature(String),
    /// Not a callback we can read (400).
    #[error("{0}")]
    Malformed(String),
    /// We could not apply it now; the partner should send it again (503).
    #[error(transparent)]
    Failed(#[from] DomainError),
}

/// A kept event, for staff review.
#[derive(Debug, Clone)]
pub struct EventView {
    /// Its id.
    pub id: Uuid,
    /// The platform that sent it.
    pub platform_code: String,
    /// The partner's event id.
    pub event_id: String,
    /// What happened (`payment.succeeded`…).
    pub kind: String,
    /// The plan it names.
    pub plan_ref: String,
    /// What became of it.
    pub outcome: EventOutcome,
    /// The body as received.
    pub payload: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// When staff reviewed it, with their note.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The note.
    pub review_note: Option<String>,
}

impl From<&platform_event::Model> for EventView {
    fn from(m: &platform_event::Model) -> Self {
        Self {
            id: m.id,
            platform_code: m.platform_code.clone(),
            event_id: m.event_id.clone(),
            kind: m.kind.clone(),
            plan_ref: m.plan_ref.clone(),
            outcome: m.outcome,
            payload: m.payload.clone(),
            received_at: from_millis(m.received_at),
            reviewed_at: m.reviewed_at.map(from_millis),
            review_note: m.review_note.clone(),
        }
    }
}

/// Records a payment under the platform's reference, or moves it on if this event is
/// later than the one recorded: one upsert on the unique `(platform, reference)` key.
/// True when something changed.
async fn record_payment<C: ConnectionTrait>(
    txn: &C,
    platform_code: &str,
    plan_id: Uuid,
    event: &CallbackEvent,
    payment: &PaymentReport,
    now: i64,
) -> DomainResult<bool> {
    let status = if event.kind == EventKind::PaymentSucceeded {
        PaymentStatus::Succeeded
    } else {
        PaymentStatus::Failed
    };
    let changed = platform_payment::Entity::insert(platform_payment::ActiveModel {
        id: Set(Uuid::now_v7()),
        platform_code: Set(platform_code.to_owned()),
        reference: Set(payment.reference.clone()),
        plan_id: Set(Some(plan_id)),
        plan_ref: Set(event.plan_ref.clone()),
        idempotency_key: Set(payment.idempotency_key.clone()),
        amount_fen: Set(payment.amount_fen),
        status: Set(status),
        sequence: Set(event.sequence),
        occurred_at: Set(to_millis(event.occurred_at)),
        recorded_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            platform_payment::Column::PlatformCode,
            platform_payment::Column::Reference,
        ])
        .update_columns([
            platform_payment::Column::Status,
            platform_payment::Column::AmountFen,
            platform_payment::Column::Sequence,
            platform_payment::Column::OccurredAt,
            platform_payment::Column::UpdatedAt,
        ])
        .action_and_where(
            Expr::col((platform_payment::Entity, platform_payment::Column::Sequence))
                .lt(Expr::cust("excluded.sequence")),
        )
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(changed == 1)
}

/// Moves a plan to the event's state if the event is later than the last one applied.
async fn move_plan<C: ConnectionTrait>(
    txn: &C,
    plan_id: Uuid,
    event: &CallbackEvent,
) -> DomainResult<bool> {
    let state = event
        .state
        .map(|s| s.as_str().to_ascii_lowercase())
        .unwrap_or_default();
    let mut update = installment_plan::Entity::update_many()
        .col_expr(installment_plan::Column::Status, Expr::value(state.clone()))
        .col_expr(
            installment_plan::Column::StatusSequence,
            Expr::value(event.sequence),
        )
        .filter(installment_plan::Column::Id.eq(plan_id))
        .filter(installment_plan::Column::StatusSequence.lt(event.sequence));
    if matches!(state.as_str(), "closed" | "cancelled" | "defaulted") {
        update = update.col_expr(
            installment_plan::Column::ClosedAt,
            Expr::value(to_millis(event.occurred_at)),
        );
    }
    Ok(update.exec(txn).await?.rows_affected == 1)
}

impl Domain {
    /// Verifies, decodes and applies one callback from `platform_code`.
    pub async fn receive_callback(
        &self,
        platform_code: &str,
        headers: CallbackHeaders<'_>,
        body: &[u8],
    ) -> Result<CallbackReceipt, CallbackRefusal> {
        let row = installment_platform::Entity::find_by_id(platform_code.to_owned())
            .one(self.db())
            .await
            .map_err(DomainError::from)?
            .ok_or_else(|| CallbackRefusal::UnknownPlatform(platform_code.to_owned()))?;
        let platform = self.platform_of(&row)?;
        let now = self.now();
        let event = platform
            .parse_callback(headers, body, now)
            .map_err(|e| match e {
                CallbackError::Signature(s) => CallbackRefusal::Signature(s.to_string()),
                CallbackError::Malformed(m) => CallbackRefusal::Malformed(m),
                CallbackError::Unsupported => CallbackRefusal::UnknownPlatform(format!(
                    "{platform_code} (it sends no callbacks)"
                )),
            })?;
        let payload = String::from_utf8_lossy(body).into_owned();
        Ok(self
            .apply_event(platform_code, &event, payload, now)
            .await?)
    }

    async fn apply_event(
        &self,
        platform_code: &str,
        event: &CallbackEvent,
        payload: String,
        now: DateTime<Utc>,
    ) -> DomainResult<CallbackReceipt> {
        let at = to_millis(now);
        // The unique event id settles races between duplicates (the event is kept first,
        // so a duplicate stops there, touching nothing else), and the conditional writes
        // settle races between events of one plan.
        let txn = begin_write(self.db()).await?;
        let plan = installment_plan::Entity::find()
            .filter(installment_plan::Column::PlatformCode.eq(platform_code))
            .filter(installment_plan::Column::ExternalRef.eq(event.plan_ref.as_str()))
            .one(&txn)
            .await?;
        let tentative = if plan.is_some() {
            EventOutcome::Applied
        } else {
            EventOutcome::Unmatched
        };
        let event_row = Uuid::now_v7();
        let kept = platform_event::Entity::insert(platform_event::ActiveModel {
            id: Set(event_row),
            platform_code: Set(platform_code.to_owned()),
            event_id: Set(event.event_id.clone()),
            kind: Set(event.kind.as_str().to_owned()),
            plan_ref: Set(event.plan_ref.clone()),
            sequence: Set(event.sequence),
            plan_id: Set(plan.as_ref().map(|p| p.id)),
            outcome: Set(tentative),
            payload: Set(payload),
            received_at: Set(at),
            reviewed_at: Set(None),
            reviewed_by: Set(None),
            review_note: Set(None),
        })
        .on_conflict(
            OnConflict::columns([
                platform_event::Column::PlatformCode,
                platform_event::Column::EventId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if kept == 0 {
            // Seen before (or being applied by a concurrent copy, which owns it). A debit
            // it reports is settled again in case the first delivery stopped before that.
            txn.rollback().await?;
            if plan.is_some() {
                self.settle_reported_debit(event).await?;
            }
            return Ok(CallbackReceipt::Duplicate);
        }
        let applied = match (&plan, event.kind) {
            (None, _) => false,
            (Some(plan), EventKind::PlanStatusChanged) => move_plan(&txn, plan.id, event).await?,
            (Some(plan), EventKind::PaymentSucceeded | EventKind::PaymentFailed) => {
                let payment = event.payment.as_ref().ok_or_else(|| {
                    DomainError::Internal("a checked payment event without a payment".into())
                })?;
                record_payment(&txn, platform_code, plan.id, event, payment, at).await?
            }
        };
        let outcome = match (&plan, applied) {
            (None, _) => EventOutcome::Unmatched,
            (Some(_), true) => EventOutcome::Applied,
            (Some(_), false) => {
                platform_event::Entity::update_many()
                    .col_expr(
                        platform_event::Column::Outcome,
                        Expr::value(EventOutcome::Stale),
                    )
                    .filter(platform_event::Column::Id.eq(event_row))
                    .exec(&txn)
                    .await?;
                EventOutcome::Stale
            }
        };
        txn.commit().await?;
        if plan.is_some() {
            self.settle_reported_debit(event).await?;
        }
        if outcome == EventOutcome::Unmatched {
            tracing::warn!(
                platform = platform_code,
                event_id = %event.event_id,
                plan_ref = %event.plan_ref,
                "a partner's callback names a plan we do not know; kept for staff review"
            );
        }
        Ok(match outcome {
            EventOutcome::Applied => CallbackReceipt::Applied,
            EventOutcome::Stale => CallbackReceipt::Stale,
            EventOutcome::Unmatched => CallbackReceipt::Unmatched,
        })
    }

    /// A payment event about one of our debits (its key is the attempt's) settles that
    /// debit through the repayment's own posting path.
    async fn settle_reported_debit(&self, event: &CallbackEvent) -> DomainResult<()> {
        let Some(payment) = event.payment.as_ref() else {
            return Ok(());
        };
        let Some(key) = payment.idempotency_key.as_deref() else {
            return Ok(());
        };
        let succeeded = event.kind == EventKind::PaymentSucceeded;
        if !succeeded && event.kind != EventKind::PaymentFailed {
            return Ok(());
        }
        self.settle_debit_by_callback(key, succeeded, &payment.reference)
            .await
    }

    /// Kept partner events, newest first: by default those naming a plan we do not know
    /// and not yet reviewed. Staff who read reconciliation.
    pub async fn platform_events(
        &self,
        outcome: Option<EventOutcome>,
        unreviewed_only: bool,
        limit: u64,
        caller: &Caller,
    ) -> DomainResult<Vec<EventView>> {
        caller.require(Permission::ReadReconciliation)?;
        let mut query = platform_event::Entity::find()
            .order_by_desc(platform_event::Column::ReceivedAt)
            .limit(limit.clamp(1, 200));
        if let Some(outcome) = outcome {
            query = query.filter(platform_event::Column::Outcome.eq(outcome));
        }
        if unreviewed_only {
            query = query.filter(platform_event::Column::ReviewedAt.is_null());
        }
        Ok(query
            .all(self.db())
            .await?
            .iter()
            .map(EventView::from)
            .collect())
    }

    /// Marks a kept event reviewed, with what staff did about it. Audited.
    pub async fn review_platform_event(
        &self,
        id: Uuid,
        note: &str,
        caller: &Caller,
    ) -> DomainResult<EventView> {
        caller.require(Permission::ResolveReconciliation)?;
        let note = super::staff_note::checked(note)?;
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let updated = platform_event::Entity::update_many()
            .col_expr(
                platform_event::Column::ReviewedAt,
                Expr::value(to_millis(now)),
            )
            .col_expr(
                platform_event::Column::ReviewedBy,
                Expr::value(caller.actor.map(|a| a.account_id)),
            )
            .col_expr(
                platform_event::Column::ReviewNote,
                Expr::value(note.to_owned()),
            )
            .filter(platform_event::Column::Id.eq(id))
            .filter(platform_event::Column::ReviewedAt.is_null())
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            let exists = platform_event::Entity::find_by_id(id).count(&txn).await? > 0;
            return Err(super::staff_note::not_closed(
                exists,
                "This event was reviewed already.",
                "No kept event has this id.",
            ));
        }
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "platform_event.review",
                "platform_event",
                Some(id.to_string()),
            )
            .after(serde_json::json!({ "note": note })),
        )
        .await?;
        let model = platform_event::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::NotFound("No kept event has this id.".into()))?;
        txn.commit().await?;
        Ok(EventView::from(&model))
    }
}
