//! Role guards: every private field names the roles it serves. An anonymous caller gets
//! `UNAUTHENTICATED`; a caller without one of the roles gets `FORBIDDEN`.

use async_graphql::{Context, Guard};
use domain::DomainError;
use domain::auth::Permission;

use super::context::ContextExt;
use super::errors::gql;

/// Admits callers whose role holds a permission of the one table
/// ([`domain::auth::Permission`], which the domain's own checks read too). An account that must still replace a password
/// someone else set is refused (`PASSWORD_CHANGE_REQUIRED`) except where the guard says
/// otherwise (`me`, `changePassword`, `logout`).
#[derive(Debug, Clone, Copy)]
pub struct RoleGuard {
    permission: Permission,
    before_password_change: bool,
}

impl RoleGuard {
    /// A guard for `permission`.
    pub const fn new(permission: Permission) -> Self {
        Self {
            permission,
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

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let auth = ctx.session().await?;
        if auth.must_change_password && !self.before_password_change {
            return Err(gql(DomainError::PasswordChangeRequired(
                "Replace the password you were given first (changePassword).".into(),
            )));
        }
        if self.permission.allows(auth.actor.role) {
            Ok(())
        } else {
            Err(gql(DomainError::Forbidden(format!(
                "Your role ({}) may not use this field.",
                auth.actor.role
            ))))
        }
    }
}
