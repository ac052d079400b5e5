//! The staff review queue of identity conflicts (a customer typed a number another
//! customer holds; see `domain::customers::identity_conflicts` for why customers are not
//! told).

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::auth::Permission;
use domain::customers::IdentityConflictView;
use domain::page::PageRequest;
use entities::identity_conflict::ConflictStatus;

use super::context::ContextExt;
use super::cursor;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::types::parse_id;

/// Where a conflict is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "IdentityConflictStatus")]
pub enum ConflictStatusGql {
    /// Waiting for staff.
    Open,
    /// Closed with a note.
    Resolved,
}

impl From<ConflictStatus> for ConflictStatusGql {
    fn from(s: ConflictStatus) -> Self {
        match s {
            ConflictStatus::Open => Self::Open,
            ConflictStatus::Resolved => Self::Resolved,
        }
    }
}

impl From<ConflictStatusGql> for ConflictStatus {
    fn from(s: ConflictStatusGql) -> Self {
        match s {
            ConflictStatusGql::Open => Self::Open,
            ConflictStatusGql::Resolved => Self::Resolved,
        }
    }
}

/// A customer's attempt to take an ID or mobile number another customer holds.
#[derive(SimpleObject)]
pub struct IdentityConflict {
    /// The conflict id.
    pub id: ID,
    /// The customer who typed the number.
    pub customer_id: ID,
    /// `mobile` or `idNumber`.
    pub field: String,
    /// The customer who holds the number.
    pub holder_customer_id: Option<ID>,
    /// The number typed, masked.
    pub attempted: String,
    /// Open or resolved.
    pub status: ConflictStatusGql,
    /// When it was typed.
    pub created_at: DateTime<Utc>,
    /// Who closed it.
    pub resolved_by: Option<ID>,
    /// When it was closed.
    pub resolved_at: Option<DateTime<Utc>>,
    /// What was done.
    pub resolution: Option<String>,
}

impl From<IdentityConflictView> for IdentityConflict {
    fn from(v: IdentityConflictView) -> Self {
        Self {
            id: ID(v.id.to_string()),
            customer_id: ID(v.customer_id.to_string()),
            field: v.field,
            holder_customer_id: v.holder_customer_id.map(|i| ID(i.to_string())),
            attempted: v.attempted_masked,
            status: v.status.into(),
            created_at: v.created_at,
            resolved_by: v.resolved_by.map(|i| ID(i.to_string())),
            resolved_at: v.resolved_at,
            resolution: v.resolution,
        }
    }
}

/// Review queue queries.
#[derive(Default)]
pub struct IdentityConflictQuery;

#[Object]
impl IdentityConflictQuery {
    /// Identity conflicts waiting for (or closed by) staff, oldest first.
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadIdentityConflicts)",
        complexity = "super::cursor::page_cost(first, child_complexity)"
    )]
    async fn identity_conflicts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only conflicts in this state.")] status: Option<ConflictStatusGql>,
        #[graphql(desc = "How many (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, IdentityConflict>> {
        let caller = ctx.caller().await?;
        let after = cursor::decode(after.as_deref())?;
        let page = PageRequest::new(first, after).gql()?;
        let result = ctx
            .domain()?
            .identity_conflicts(status.map(Into::into), page, &caller)
            .await
            .gql()?;
        Ok(cursor::connection(
            result,
            page.after.is_some(),
            IdentityConflict::from,
        ))
    }
}

/// Review queue mutations.
#[derive(Default)]
pub struct IdentityConflictMutation;

#[Object]
impl IdentityConflictMutation {
    /// Closes an identity conflict with a note of what was done. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::ResolveIdentityConflict)")]
    async fn resolve_identity_conflict(
        &self,
        ctx: &Context<'_>,
        id: ID,
        resolution: String,
    ) -> async_graphql::Result<IdentityConflict> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .resolve_identity_conflict(id, &resolution, &caller)
            .await
            .gql()
            .map(IdentityConflict::from)
    }
}
