//! Identity conflicts: a customer typed an ID or mobile number that another customer
//! holds.
//!
//! Answering `CONFLICT` would tell anyone with an account whether a stranger's numbers are
//! registered here (60 tries in 0.2 s were seen). So a customer's own change answers
//! exactly as if the number were free, the number on file stays as it was, and the
//! conflict goes to this staff review queue (audited): a real customer who mistyped, or
//! whose number was recycled by the carrier, is called back; someone probing is seen.
//! Changes of these numbers are also limited per account and day.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use entities::customer;
use entities::identity_conflict::{self, ConflictStatus};

use crate::audit::{AuditRecord, chain};
use crate::auth::Caller;
use crate::auth::Permission;
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::page::{Page, PageRequest};
use crate::service::Domain;

/// Which identifier collided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityField {
    /// The mobile number.
    Mobile,
    /// The resident ID number.
    IdNumber,
}

impl IdentityField {
    /// The name used in answers and in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mobile => "mobile",
            Self::IdNumber => "idNumber",
        }
    }
}

/// A conflict as staff see it: the attempted number masked, never in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityConflictView {
    /// The conflict id.
    pub id: Uuid,
    /// The customer who typed the number.
    pub customer_id: Uuid,
    /// `mobile` or `idNumber`.
    pub field: String,
    /// The customer who holds the number (if they still do).
    pub holder_customer_id: Option<Uuid>,
    /// The number typed, masked.
    pub attempted_masked: String,
    /// Open or resolved.
    pub status: ConflictStatus,
    /// When it was typed.
    pub created_at: DateTime<Utc>,
    /// Who closed it.
    pub resolved_by: Option<Uuid>,
    /// When it was closed.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The note it was closed with.
    pub resolution: Option<String>,
}

impl From<identity_conflict::Model> for IdentityConflictView {
    fn from(m: identity_conflict::Model) -> Self {
        Self {
            id: m.id,
            customer_id: m.customer_id,
            field: m.field,
            holder_customer_id: m.holder_customer_id,
            attempted_masked: m.attempted_masked,
            status: m.status,
            created_at: from_millis(m.created_at),
            resolved_by: m.resolved_by,
            resolved_at: m.resolved_at.map(from_millis),
            resolution: m.resolution,
        }
    }
}

/// The customer other than `customer_id` who holds the number with blind index `hash`.
pub(crate) async fn holder<C: ConnectionTrait>(
    txn: &C,
    field: IdentityField,
    hash: &str,
    customer_id: Uuid,
) -> DomainResult<Option<Uuid>> {
    let column = match field {
        IdentityField::Mobile => customer::Column::MobileHash,
        IdentityField::IdNumber => customer::Column::IdNumberHash,
    };
    let found = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .filter(column.eq(hash))
        .filter(customer::Column::Id.ne(customer_id))
        .into_tuple::<Uuid>()
        .one(txn)
        .await?;
    Ok(found)
}

/// Records a conflict for review, and in the audit trail, inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    caller: &Caller,
    customer_id: Uuid,
    field: IdentityField,
    holder_customer_id: Uuid,
    attempted_masked: String,
    attempted_hash: String,
) -> DomainResult<()> {
    let id = Uuid::now_v7();
    identity_conflict::ActiveModel {
        id: Set(id),
        customer_id: Set(customer_id),
        field: Set(field.as_str().to_owned()),
        holder_customer_id: Set(Some(holder_customer_id)),
        attempted_masked: Set(attempted_masked.clone()),
        attempted_hash: Set(attempted_hash),
        status: Set(ConflictStatus::Open),
        created_at: Set(to_millis(now)),
        resolved_by: Set(None),
        resolved_at: Set(None),
        resolution: Set(None),
    }
    .insert(txn)
    .await?;
    tracing::warn!(
        customer = %customer_id,
        field = field.as_str(),
        "a customer typed an identifier another customer holds; queued for staff review"
    );
    chain::append(
        txn,
        now,
        caller,
        AuditRecord::new(
            "customer.identity_conflict",
            "identity_conflict",
            Some(id.to_string()),
        )
        .after(json!({
            "customerId": customer_id,
            "field": field.as_str(),
            "holderCustomerId": holder_customer_id,
            "attempted": attempted_masked,
        })),
    )
    .await?;
    Ok(())
}

impl Domain {
    /// The review queue, oldest first, optionally only one status. Staff only.
    pub async fn identity_conflicts(
        &self,
        status: Option<ConflictStatus>,
        page: PageRequest<Uuid>,
        caller: &Caller,
    ) -> DomainResult<Page<IdentityConflictView, Uuid>> {
        caller.require(Permission::ReadIdentityConflicts)?;
        let mut query = identity_conflict::Entity::find()
            .order_by_asc(identity_conflict::Column::Id)
            .limit(page.first + 1);
        if let Some(status) = status {
            query = query.filter(identity_conflict::Column::Status.eq(status));
        }
        if let Some(after) = page.after {
            query = query.filter(identity_conflict::Column::Id.gt(after));
        }
        let rows = query.all(self.db()).await?;
        let items = rows
            .into_iter()
            .map(|m| (m.id, IdentityConflictView::from(m)))
            .collect();
        Ok(Page::from_rows(items, page.first))
    }

    /// Closes a conflict with a note of what was done. Audited.
    pub async fn resolve_identity_conflict(
        &self,
        id: Uuid,
        resolution: &str,
        caller: &Caller,
    ) -> DomainResult<IdentityConflictView> {
        caller.require(Permission::ResolveIdentityConflict)?;
        let note = resolution.trim();
        if note.is_empty() || note.chars().count() > 1000 {
            return Err(DomainError::validation(
                "resolution",
                "Say in 1 to 1000 characters what was done (for example: called the customer, number corrected).",
            ));
        }
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let current = identity_conflict::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::NotFound("No such identity conflict.".into()))?;
        if current.status == ConflictStatus::Resolved {
            return Err(DomainError::Conflict(
                "This conflict is already resolved.".into(),
            ));
        }
        let mut model: identity_conflict::ActiveModel = current.into();
        model.status = Set(ConflictStatus::Resolved);
        model.resolved_by = Set(caller.actor.map(|a| a.account_id));
        model.resolved_at = Set(Some(to_millis(now)));
        model.resolution = Set(Some(note.to_owned()));
        let saved = model.update(&txn).await?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "customer.identity_conflict.resolve",
                "identity_conflict",
                Some(id.to_string()),
            )
            .after(json!({ "resolution": note })),
        )
        .await?;
        txn.commit().await?;
        Ok(saved.into())
    }
}
