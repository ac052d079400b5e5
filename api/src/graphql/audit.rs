//! The audit trail, for auditors and admins.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::audit::{AuditEntryView, AuditFilter};
use domain::page::PageRequest;

use super::context::ContextExt;
use super::cursor;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::types::parse_id;
use domain::auth::Permission;

/// Narrows the trail; every given field must match.
#[derive(InputObject, Default)]
pub struct AuditFilterInput {
    /// Only this actor's entries.
    pub actor_id: Option<ID>,
    /// Only this action, e.g. `staff.create`.
    pub action: Option<String>,
    /// Only entries about this kind of target, e.g. `account`.
    pub target_type: Option<String>,
    /// Only entries about this target.
    pub target_id: Option<String>,
    /// Only entries at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only entries before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// One audit entry.
pub struct AuditEntry(AuditEntryView);

#[Object]
impl AuditEntry {
    /// Position in the chain; 1 is the oldest.
    async fn seq(&self) -> i64 {
        self.0.seq
    }
    /// When it happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// Who did it; empty for the platform itself.
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(|id| ID(id.to_string()))
    }
    /// The actor's role at the time, or `system`.
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    /// What was done, e.g. `staff.create`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of thing it was done to.
    async fn target_type(&self) -> &str {
        &self.0.target_type
    }
    /// Its id.
    async fn target_id(&self) -> Option<&str> {
        self.0.target_id.as_deref()
    }
    /// The state before, with personal data masked.
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    /// The state after, with personal data masked.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    /// The reason the actor gave.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The request that did it.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The client's address.
    async fn client_addr(&self) -> Option<&str> {
        self.0.client_addr.as_deref()
    }
    /// The previous entry's hash.
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
    /// SHA-256 of the previous hash and this entry's content.
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}

/// The result of checking the whole chain.
#[derive(SimpleObject)]
pub struct AuditChainReport {
    /// True when every entry verified.
    pub intact: bool,
    /// How many entries verified before the first problem (or in all).
    pub checked_entries: i64,
    /// The first entry that does not verify.
    pub first_broken_seq: Option<i64>,
    /// What is wrong, in words.
    pub problem: Option<String>,
}

/// Audit queries.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail, newest first.
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadAudit)",
        complexity = "super::cursor::page_cost(first, child_complexity)"
    )]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
        #[graphql(desc = "Entries matching every field given.")] filter: Option<AuditFilterInput>,
    ) -> async_graphql::Result<Connection<String, AuditEntry>> {
        let caller = ctx.caller().await?;
        let filter = filter.unwrap_or_default();
        let domain_filter = AuditFilter {
            actor_id: filter
                .actor_id
                .as_ref()
                .map(|id| parse_id(id, "filter.actorId"))
                .transpose()?,
            action: filter.action,
            target_type: filter.target_type,
            target_id: filter.target_id,
            from: filter.from,
            to: filter.to,
        };
        let after = cursor::decode(after.as_deref())?;
        let page = PageRequest::new(first, after).gql()?;
        let result = ctx
            .domain()?
            .audit_trail(&domain_filter, page, &caller)
            .await
            .gql()?;
        Ok(cursor::connection(result, page.after.is_some(), AuditEntry))
    }

    /// Recomputes every entry's hash and names the first entry that does not verify.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAudit)")]
    async fn verify_audit_chain(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<AuditChainReport> {
        let caller = ctx.caller().await?;
        let report = ctx.domain()?.verify_audit_chain(&caller).await.gql()?;
        Ok(AuditChainReport {
            intact: report.is_intact(),
            checked_entries: report.checked,
            first_broken_seq: report.first_broken_seq,
            problem: report.problem,
        })
    }
}
