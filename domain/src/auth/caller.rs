//! Who is asking, and from where: the facts every use case needs to authorize and to audit.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{DomainError, DomainResult};

use super::permissions::Permission;
use super::role::Role;

/// An authenticated account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The account.
    pub account_id: Uuid,
    /// Its role.
    pub role: Role,
}

/// Where a request came from, recorded in the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// The request id (also in logs and the response header).
    pub request_id: Option<String>,
    /// The client's address.
    pub client_addr: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
}

/// The caller of a use case: an account, or the platform itself (the launcher's
/// `create-staff`, the worker's jobs), always with the request's facts.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account, or `None` for the platform itself.
    pub actor: Option<Actor>,
    /// Where the request came from.
    pub meta: RequestMeta,
}

impl Caller {
    /// The platform acting on its own (command line, scheduled jobs).
    pub fn system(request_id: impl Into<String>) -> Self {
        Self {
            actor: None,
            meta: RequestMeta {
                request_id: Some(request_id.into()),
                ..RequestMeta::default()
            },
        }
    }

    /// An account acting through a request.
    pub fn account(actor: Actor, meta: RequestMeta) -> Self {
        Self {
            actor: Some(actor),
            meta,
        }
    }

    /// The role recorded in the audit trail: the account's, or `system`.
    pub fn role_name(&self) -> &'static str {
        self.actor.map_or("system", |a| a.role.as_str())
    }

    /// Refuses unless the caller is the platform itself or an account whose role holds
    /// `permission` (by the one table, [`Permission::roles`]).
    pub fn require(&self, permission: Permission) -> DomainResult<()> {
        match self.actor {
            None => Ok(()),
            Some(actor) if permission.allows(actor.role) => Ok(()),
            Some(_) => Err(DomainError::Forbidden(format!(
                "This needs one of these roles: {}.",
                permission
                    .roles()
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}

/// A recognized session.
#[derive(Debug, Clone, Copy)]
pub struct Authenticated {
    /// Who it belongs to.
    pub actor: Actor,
    /// The session, for logout.
    pub session_id: Uuid,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
    /// True until the account replaces a password someone else set; until then only
    /// `me`, `changePassword` and `logout` are open to it.
    pub must_change_password: bool,
}
