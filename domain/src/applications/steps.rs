//! Moving an application along its state machine: the one way any stage changes an
//! application's status. The step is checked against the current state, applied only if
//! nobody moved the application meanwhile (the update names the state it read), recorded
//! with who, when, from, to and why, and audited — all in the caller's transaction.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use entities::{application_transition, installment_application};

use crate::audit::{AuditRecord, chain};
use crate::auth::Caller;
use crate::clock::to_millis;
use crate::error::{DomainError, DomainResult};

use super::lifecycle::{self, ApplicationStatus, Step};

/// The audit action of each step.
fn action(step: Step) -> &'static str {
    match step {
        Step::Assess => "application.assess",
        Step::Decline => "application.decline",
        Step::SelectPlatform => "application.select_platform",
        Step::Negotiate => "application.negotiate",
        Step::Agree => "application.agree",
        Step::Sign => "application.sign",
        Step::Activate => "application.activate",
        Step::Close => "application.close",
        Step::Cancel => "application.cancel",
        Step::Expire => "application.expire",
    }
}

/// Records one transition (also the opening one, with `from = None`).
pub(super) async fn record<C: ConnectionTrait>(
    txn: &C,
    application_id: Uuid,
    from: Option<ApplicationStatus>,
    to: ApplicationStatus,
    caller: &Caller,
    reason: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    application_transition::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(application_id),
        from_status: Set(from),
        to_status: Set(to),
        actor_account_id: Set(caller.actor.map(|a| a.account_id)),
        actor_role: Set(caller.role_name().to_owned()),
        reason: Set(reason.to_owned()),
        at: Set(to_millis(now)),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Takes `step` on `application` (as read in this transaction): the new state, or
/// `CONFLICT` naming the current one. `apply` sets any other column the step changes.
pub(crate) async fn take<C: ConnectionTrait>(
    txn: &C,
    application: &installment_application::Model,
    step: Step,
    caller: &Caller,
    reason: &str,
    now: DateTime<Utc>,
    apply: impl FnOnce(
        sea_orm::UpdateMany<installment_application::Entity>,
    ) -> sea_orm::UpdateMany<installment_application::Entity>,
) -> DomainResult<ApplicationStatus> {
    let from = application.status;
    let to = lifecycle::after(from, step)
        .map_err(|refused| DomainError::Conflict(format!("{refused}.")))?;
    let update = installment_application::Entity::update_many()
        .col_expr(installment_application::Column::Status, Expr::value(to))
        .col_expr(
            installment_application::Column::UpdatedAt,
            Expr::value(to_millis(now)),
        )
        .filter(installment_application::Column::Id.eq(application.id))
        .filter(installment_application::Column::Status.eq(from))
        // Also the last change read: two steps that keep the status (a fresher assessment)
        // must not both pass, nor an expiry pass a change made a moment before.
        .filter(installment_application::Column::UpdatedAt.eq(application.updated_at));
    if apply(update).exec(txn).await?.rows_affected == 0 {
        return Err(DomainError::Conflict(
            "This application changed meanwhile; read it again and retry.".into(),
        ));
    }
    record(txn, application.id, Some(from), to, caller, reason, now).await?;
    chain::append(
        txn,
        now,
        caller,
        AuditRecord::new(
            action(step),
            "application",
            Some(application.id.to_string()),
        )
        .before(json!({ "status": lifecycle::name(from) }))
        .after(json!({ "status": lifecycle::name(to), "reason": reason })),
    )
    .await?;
    Ok(to)
}
