//! Accounts and login results.

use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::auth::{AccountStatus, AccountView, Role, SessionIssued};

/// A role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "Role")]
pub enum RoleGql {
    /// A borrower.
    Customer,
    /// Front-line staff.
    Agent,
    /// Risk policies and approvals.
    RiskOfficer,
    /// Staff accounts, platforms and products.
    Admin,
    /// Read-only, including the audit trail.
    Auditor,
}

impl From<Role> for RoleGql {
    fn from(r: Role) -> Self {
        match r {
            Role::Customer => Self::Customer,
            Role::Agent => Self::Agent,
            Role::RiskOfficer => Self::RiskOfficer,
            Role::Admin => Self::Admin,
            Role::Auditor => Self::Auditor,
        }
    }
}

impl From<RoleGql> for Role {
    fn from(r: RoleGql) -> Self {
        match r {
            RoleGql::Customer => Self::Customer,
            RoleGql::Agent => Self::Agent,
            RoleGql::RiskOfficer => Self::RiskOfficer,
            RoleGql::Admin => Self::Admin,
            RoleGql::Auditor => Self::Auditor,
        }
    }
}

/// Whether an account may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "AccountStatus")]
pub enum AccountStatusGql {
    /// It may.
    Active,
    /// It may not.
    Disabled,
}

impl From<AccountStatus> for AccountStatusGql {
    fn from(s: AccountStatus) -> Self {
        match s {
            AccountStatus::Active => Self::Active,
            AccountStatus::Disabled => Self::Disabled,
        }
    }
}

impl From<AccountStatusGql> for AccountStatus {
    fn from(s: AccountStatusGql) -> Self {
        match s {
            AccountStatusGql::Active => Self::Active,
            AccountStatusGql::Disabled => Self::Disabled,
        }
    }
}

/// A customer's or staff member's account. The mobile number is always masked.
pub struct Account(pub AccountView);

#[Object]
impl Account {
    /// The account id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its role.
    async fn role(&self) -> RoleGql {
        self.0.role.into()
    }
    /// The name shown in the app and to staff.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// The login e-mail address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// The mobile number, masked (`138****5678`).
    async fn mobile(&self) -> Option<&str> {
        self.0.mobile_masked.as_deref()
    }
    /// Whether it may log in.
    async fn status(&self) -> AccountStatusGql {
        self.0.status.into()
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// True until the holder replaces a password someone else set (`changePassword`);
    /// until then only `me`, `changePassword` and `logout` answer.
    async fn must_change_password(&self) -> bool {
        self.0.must_change_password
    }
}

/// A successful login or registration.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// The bearer token: send it as `Authorization: Bearer <token>`. Shown only now.
    pub token: String,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
    /// The account.
    pub account: Account,
}

impl From<SessionIssued> for AuthPayload {
    fn from(s: SessionIssued) -> Self {
        Self {
            token: s.token,
            expires_at: s.expires_at,
            account: Account(s.account),
        }
    }
}
