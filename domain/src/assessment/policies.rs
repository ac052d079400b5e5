//! Risk policy versions. A risk officer drafts a version; it becomes active only when a
//! second risk officer or an admin approves it (maker-checker); the version it replaces is
//! retired. A version's rules never change after it is drafted: a new policy is a new
//! version.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use entities::risk_policy;

use crate::audit::{AuditRecord, chain};
use crate::auth::Caller;
use crate::auth::Permission;
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::page::{Page, PageRequest};
use crate::risk::RiskPolicy;
use crate::service::Domain;

pub use entities::risk_policy::PolicyStatus;
use sea_orm::ActiveEnum as _;

/// A policy version.
#[derive(Debug, Clone)]
pub struct PolicyView {
    /// The version number (1, 2, …).
    pub version: i32,
    /// Where it stands.
    pub status: PolicyStatus,
    /// The rules, as JSON.
    pub body: Value,
    /// The drafter's note (or the rejection reason).
    pub note: Option<String>,
    /// Who drafted it (`None`: the platform's default).
    pub drafted_by: Option<Uuid>,
    /// When.
    pub drafted_at: DateTime<Utc>,
    /// Who approved or rejected it.
    pub decided_by: Option<Uuid>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
}

impl PolicyView {
    /// The status as stored and shown: `draft`, `active`, `retired` or `rejected`.
    pub fn status_name(&self) -> String {
        self.status.to_value()
    }
}

impl From<&risk_policy::Model> for PolicyView {
    fn from(m: &risk_policy::Model) -> Self {
        Self {
            version: m.version,
            status: m.status,
            body: serde_json::from_str(&m.body).unwrap_or(Value::Null),
            note: m.note.clone(),
            drafted_by: m.drafted_by,
            drafted_at: from_millis(m.drafted_at),
            decided_by: m.decided_by,
            decided_at: m.decided_at.map(from_millis),
        }
    }
}

/// Reads a policy body: JSON in the shape of [`RiskPolicy`], then its own validation.
fn parse_policy(body: &Value) -> DomainResult<RiskPolicy> {
    let policy: RiskPolicy = serde_json::from_value(body.clone()).map_err(|e| {
        DomainError::validation(
            "policy",
            format!("The policy does not have the expected shape: {e}."),
        )
    })?;
    policy.validate()?;
    Ok(policy)
}

pub(crate) async fn active<C: ConnectionTrait>(db: &C) -> DomainResult<(i32, RiskPolicy)> {
    let model = risk_policy::Entity::find()
        .filter(risk_policy::Column::Status.eq(PolicyStatus::Active))
        .one(db)
        .await?
        .ok_or_else(|| {
            DomainError::Internal("no risk policy is active; run `fenqi migrate`".into())
        })?;
    let body: Value = serde_json::from_str(&model.body).map_err(|e| {
        DomainError::Internal(format!("risk policy {} is unreadable: {e}", model.version))
    })?;
    let policy: RiskPolicy = serde_json::from_value(body).map_err(|e| {
        DomainError::Internal(format!("risk policy {} is unreadable: {e}", model.version))
    })?;
    Ok((model.version, policy))
}

async fn by_version<C: ConnectionTrait>(db: &C, version: i32) -> DomainResult<risk_policy::Model> {
    risk_policy::Entity::find()
        .filter(risk_policy::Column::Version.eq(version))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("There is no risk policy version {version}.")))
}

/// A unique violation caused by a concurrent decision is a conflict, not a failure.
fn concurrent(err: sea_orm::DbErr, message: &str) -> DomainError {
    if crate::db::is_unique_violation(&err) {
        DomainError::Conflict(message.into())
    } else {
        err.into()
    }
}

impl Domain {
    /// On a new installation, makes the built-in default policy version 1 and active.
    /// Does nothing when any version exists.
    pub async fn ensure_default_risk_policy(&self) -> DomainResult<()> {
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        if risk_policy::Entity::find()
            .limit(1)
            .one(&txn)
            .await?
            .is_some()
        {
            txn.rollback().await?;
            return Ok(());
        }
        let body = serde_json::to_string(&RiskPolicy::default_policy())
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        risk_policy::ActiveModel {
            id: Set(Uuid::now_v7()),
            version: Set(1),
            status: Set(PolicyStatus::Active),
            body: Set(body),
            note: Set(Some("The built-in default policy.".into())),
            drafted_by: Set(None),
            drafted_at: Set(to_millis(now)),
            decided_by: Set(None),
            decided_at: Set(Some(to_millis(now))),
        }
        .insert(&txn)
        .await?;
        chain::append(
            &txn,
            now,
            &Caller::system("bootstrap"),
            AuditRecord::new("risk_policy.bootstrap", "risk_policy", Some("1".into())),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Drafts a new version from `body`. Risk officers only; audited.
    pub async fn draft_risk_policy(
        &self,
        body: Value,
        note: Option<String>,
        caller: &Caller,
    ) -> DomainResult<PolicyView> {
        caller.require(Permission::DraftRiskPolicy)?;
        parse_policy(&body)?;
        let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
            return Err(DomainError::validation(
                "note",
                "Keep the note under 2000 characters.",
            ));
        }
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let latest = risk_policy::Entity::find()
            .order_by_desc(risk_policy::Column::Version)
            .one(&txn)
            .await?
            .map_or(0, |m| m.version);
        let saved = risk_policy::ActiveModel {
            id: Set(Uuid::now_v7()),
            version: Set(latest + 1),
            status: Set(PolicyStatus::Draft),
            body: Set(body.to_string()),
            note: Set(note),
            drafted_by: Set(caller.actor.map(|a| a.account_id)),
            drafted_at: Set(to_millis(now)),
            decided_by: Set(None),
            decided_at: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            concurrent(
                e,
                "Another draft was saved at the same moment and took this version number; save again.",
            )
        })?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "risk_policy.draft",
                "risk_policy",
                Some(saved.version.to_string()),
            )
            .after(json!({ "version": saved.version, "status": saved.status.to_value() })),
        )
        .await?;
        txn.commit().await?;
        Ok(PolicyView::from(&saved))
    }

    /// Approves a draft: it becomes active and the active version is retired. The drafter
    /// may not approve their own draft. Audited.
    pub async fn approve_risk_policy(
        &self,
        version: i32,
        caller: &Caller,
    ) -> DomainResult<PolicyView> {
        self.decide(version, caller, None).await
    }

    /// Rejects a draft with a reason. Audited.
    pub async fn reject_risk_policy(
        &self,
        version: i32,
        reason: &str,
        caller: &Caller,
    ) -> DomainResult<PolicyView> {
        let reason = reason.trim();
        if reason.chars().count() < 5 {
            return Err(DomainError::validation(
                "reason",
                "Say why the draft is rejected.",
            ));
        }
        self.decide(version, caller, Some(reason)).await
    }

    async fn decide(
        &self,
        version: i32,
        caller: &Caller,
        rejection: Option<&str>,
    ) -> DomainResult<PolicyView> {
        caller.require(Permission::DecideRiskPolicy)?;
        let Some(actor) = caller.actor else {
            return Err(DomainError::Forbidden(
                "A policy is decided by a person, not the platform.".into(),
            ));
        };
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        // Lock the draft: two officers deciding it at once take turns.
        let draft = risk_policy::Entity::find()
            .filter(risk_policy::Column::Version.eq(version))
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or_else(|| {
                DomainError::NotFound(format!("There is no risk policy version {version}."))
            })?;
        if draft.status != PolicyStatus::Draft {
            return Err(DomainError::Conflict(format!(
                "Version {version} is {}, not a draft; only drafts can be approved or rejected.",
                draft.status.to_value()
            )));
        }
        if rejection.is_none() && draft.drafted_by == Some(actor.account_id) {
            return Err(DomainError::Forbidden(format!(
                "Maker-checker: you drafted version {version}, so another risk officer or an admin must approve it."
            )));
        }
        if rejection.is_none() {
            // Re-check the rules: the code that reads them may have become stricter.
            parse_policy(&serde_json::from_str(&draft.body).unwrap_or(Value::Null))?;
            risk_policy::Entity::update_many()
                .col_expr(
                    risk_policy::Column::Status,
                    sea_orm::sea_query::Expr::value(PolicyStatus::Retired),
                )
                .filter(risk_policy::Column::Status.eq(PolicyStatus::Active))
                .exec(&txn)
                .await?;
        }
        let status = if rejection.is_some() {
            PolicyStatus::Rejected
        } else {
            PolicyStatus::Active
        };
        let mut decision = risk_policy::Entity::update_many()
            .col_expr(
                risk_policy::Column::Status,
                sea_orm::sea_query::Expr::value(status),
            )
            .col_expr(
                risk_policy::Column::DecidedBy,
                Some(actor.account_id).into(),
            )
            .col_expr(risk_policy::Column::DecidedAt, Some(to_millis(now)).into())
            .filter(risk_policy::Column::Id.eq(draft.id))
            .filter(risk_policy::Column::Status.eq(PolicyStatus::Draft));
        if let Some(reason) = rejection {
            decision = decision.col_expr(risk_policy::Column::Note, Some(reason.to_owned()).into());
        }
        // The database allows one active version: a concurrent approval of another draft
        // fails here instead of leaving two in force.
        let changed = decision
            .exec(&txn)
            .await
            .map_err(|e| {
                concurrent(
                    e,
                    "Another version was approved at the same moment; reload the policies and decide again.",
                )
            })?
            .rows_affected;
        if changed != 1 {
            return Err(DomainError::Conflict(format!(
                "Version {version} was decided by someone else at the same moment."
            )));
        }
        let saved = by_version(&txn, version).await?;
        let action = if rejection.is_some() {
            "risk_policy.reject"
        } else {
            "risk_policy.approve"
        };
        let mut record = AuditRecord::new(action, "risk_policy", Some(version.to_string()))
            .before(json!({ "status": "draft" }))
            .after(json!({ "status": saved.status.to_value() }));
        if let Some(reason) = rejection {
            record = record.reason(reason);
        }
        chain::append(&txn, now, caller, record).await?;
        txn.commit().await?;
        Ok(PolicyView::from(&saved))
    }

    /// Every version, newest first; the cursor is the version.
    pub async fn risk_policies(
        &self,
        page: PageRequest<i64>,
        caller: &Caller,
    ) -> DomainResult<Page<PolicyView, i64>> {
        caller.require(Permission::ReadRiskPolicy)?;
        let mut query = risk_policy::Entity::find()
            .order_by_desc(risk_policy::Column::Version)
            .limit(page.first + 1);
        if let Some(after) = page.after {
            query = query.filter(risk_policy::Column::Version.lt(after));
        }
        let rows = query.all(self.db()).await?;
        Ok(Page::from_rows(
            rows.iter()
                .map(|m| (i64::from(m.version), PolicyView::from(m)))
                .collect(),
            page.first,
        ))
    }

    /// The version in force.
    pub async fn active_risk_policy(&self, caller: &Caller) -> DomainResult<PolicyView> {
        caller.require(Permission::ReadRiskPolicy)?;
        let model = risk_policy::Entity::find()
            .filter(risk_policy::Column::Status.eq(PolicyStatus::Active))
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("No risk policy is active.".into()))?;
        Ok(PolicyView::from(&model))
    }
}
