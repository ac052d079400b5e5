//! Role guards: every private field names the roles it serves. An anonymous caller gets
//! `UNAUTHENTICATED`; a caller without one of the roles gets `FORBIDDEN`.

use async_graphql::{Context, Guard};
use domain::DomainError;
use domain::auth::Role;

use super::context::ContextExt;
use super::errors::gql;

/// Admits callers holding one of `roles`.
#[derive(Debug, Clone, Copy)]
pub struct RoleGuard {
    roles: &'static [Role],
}

impl RoleGuard {
    /// A guard for `roles`.
    pub const fn new(roles: &'static [Role]) -> Self {
        Self { roles }
    }
}

/// Any logged-in account.
pub const ANY_ACCOUNT: &[Role] = &Role::ALL;
/// Staff who may read and manage staff accounts.
pub const ADMINS: &[Role] = &[Role::Admin];
/// Who may read the audit trail.
pub const AUDIT_READERS: &[Role] = &[Role::Auditor, Role::Admin];
/// Who may list staff accounts.
pub const STAFF_READERS: &[Role] = &[Role::Admin, Role::Auditor];

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let auth = ctx.session().await?;
        if self.roles.contains(&auth.actor.role) {
            Ok(())
        } else {
            Err(gql(DomainError::Forbidden(format!(
                "Your role ({}) may not use this field.",
                auth.actor.role
            ))))
        }
    }
}
