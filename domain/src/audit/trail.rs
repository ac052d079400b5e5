//! Reading the audit trail: newest first, filtered, a page at a time.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::Value;
use uuid::Uuid;

use entities::audit_entry;

use crate::clock::{from_millis, to_millis};
use crate::error::DomainResult;
use crate::page::{Page, PageRequest};

/// Which entries to list. Every field narrows the list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this actor's entries.
    pub actor_id: Option<Uuid>,
    /// Only this action (e.g. `staff.create`).
    pub action: Option<String>,
    /// Only entries about this kind of target.
    pub target_type: Option<String>,
    /// Only entries about this target.
    pub target_id: Option<String>,
    /// Only entries at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only entries before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// An audit entry as auditors read it.
#[derive(Debug, Clone)]
pub struct AuditEntryView {
    /// Position in the chain (1 is the oldest).
    pub seq: i64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who did it (`None` for the platform itself).
    pub actor_id: Option<Uuid>,
    /// The actor's role at the time, or `system`.
    pub actor_role: String,
    /// What was done.
    pub action: String,
    /// The kind of thing it was done to.
    pub target_type: String,
    /// Its id.
    pub target_id: Option<String>,
    /// The masked state before.
    pub before: Option<Value>,
    /// The masked state after.
    pub after: Option<Value>,
    /// The reason given.
    pub reason: Option<String>,
    /// The request that did it.
    pub request_id: Option<String>,
    /// The client's address.
    pub client_addr: Option<String>,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

impl From<audit_entry::Model> for AuditEntryView {
    fn from(m: audit_entry::Model) -> Self {
        let parse = |s: Option<String>| {
            s.map(|text| serde_json::from_str(&text).unwrap_or(Value::String(text)))
        };
        Self {
            seq: m.seq,
            occurred_at: from_millis(m.occurred_at),
            actor_id: m.actor_id,
            actor_role: m.actor_role,
            action: m.action,
            target_type: m.target_type,
            target_id: m.target_id,
            before: parse(m.before),
            after: parse(m.after),
            reason: m.reason,
            request_id: m.request_id,
            client_addr: m.client_addr,
            prev_hash: m.prev_hash,
            hash: m.hash,
        }
    }
}

/// One page of the trail, newest first; the cursor is the sequence number.
pub async fn list(
    db: &DatabaseConnection,
    filter: &AuditFilter,
    page: PageRequest<i64>,
) -> DomainResult<Page<AuditEntryView, i64>> {
    let mut cond = Condition::all();
    if let Some(actor) = filter.actor_id {
        cond = cond.add(audit_entry::Column::ActorId.eq(actor));
    }
    if let Some(action) = &filter.action {
        cond = cond.add(audit_entry::Column::Action.eq(action.as_str()));
    }
    if let Some(target_type) = &filter.target_type {
        cond = cond.add(audit_entry::Column::TargetType.eq(target_type.as_str()));
    }
    if let Some(target_id) = &filter.target_id {
        cond = cond.add(audit_entry::Column::TargetId.eq(target_id.as_str()));
    }
    if let Some(from) = filter.from {
        cond = cond.add(audit_entry::Column::OccurredAt.gte(to_millis(from)));
    }
    if let Some(to) = filter.to {
        cond = cond.add(audit_entry::Column::OccurredAt.lt(to_millis(to)));
    }
    if let Some(after) = page.after {
        cond = cond.add(audit_entry::Column::Seq.lt(after));
    }
    let rows = audit_entry::Entity::find()
        .filter(cond)
        .order_by_desc(audit_entry::Column::Seq)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(
        rows.into_iter()
            .map(|m| (m.seq, AuditEntryView::from(m)))
            .collect(),
        page.first,
    ))
}
