//! Role guards: every private field names the roles it serves. An anonymous caller gets
//! `UNAUTHENTICATED`; a caller without one of the roles gets `FORBIDDEN`.

use async_graphql::{Context, Guard};
use domain::DomainError;
use domain::auth::Role;

use super::context::ContextExt;
use super::errors::gql;

/// Admits callers holding one of `roles`. An account that must still replace a password
/// someone else set is refused (`PASSWORD_CHANGE_REQUIRED`) except where the guard says
/// otherwise (`me`, `changePassword`, `logout`).
#[derive(Debug, Clone, Copy)]
pub struct RoleGuard {
    roles: &'static [Role],
    before_password_change: bool,
}

impl RoleGuard {
    /// A guard for `roles`.
    pub const fn new(roles: &'static [Role]) -> Self {
        Self {
            roles,
            before_password_change: false,
        }
    }

    /// Also open to an account that has not yet replaced its initial password.
    pub const fn even_before_password_change(self) -> Self {
        Self {
            before_password_change: true,
            ..self
        }
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
        if auth.must_change_password && !self.before_password_change {
            return Err(gql(DomainError::PasswordChangeRequired(
                "Replace the password you were given first (changePassword).".into(),
            )));
        }
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
