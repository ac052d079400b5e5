//! Accounts: customers register themselves; staff are made by an admin (or by the
//! launcher's `create-staff` on a new installation).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use entities::{account, session};

use crate::audit::{AuditRecord, chain};
use crate::auth::Permission;
use crate::clock::{from_millis, to_millis};
use crate::db::{begin_write, is_unique_violation};
use crate::error::{DomainError, DomainResult};
use crate::page::{Page, PageRequest};
use crate::pii::{EmailAddress, MobileNumber};
use crate::service::Domain;

use super::caller::Caller;
use super::password::Password;
use super::role::Role;
use super::token;

pub use entities::account::AccountStatus;
use sea_orm::ActiveEnum as _;

/// An account as others may see it: the mobile number is masked.
#[derive(Debug, Clone)]
pub struct AccountView {
    /// The account id.
    pub id: Uuid,
    /// Its role.
    pub role: Role,
    /// The name shown in the app and to staff.
    pub display_name: String,
    /// The login e-mail, if any.
    pub email: Option<String>,
    /// The mobile number, masked (`138****5678`).
    pub mobile_masked: Option<String>,
    /// Whether it may log in.
    pub status: AccountStatus,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// True until the holder replaces a password someone else set.
    pub must_change_password: bool,
}

/// What a customer gives to register.
#[derive(Clone)]
pub struct NewCustomer {
    /// How the app should address them.
    pub display_name: String,
    /// A mobile number (this or `email`, or both).
    pub mobile: Option<String>,
    /// An e-mail address.
    pub email: Option<String>,
    /// The password they chose.
    pub password: String,
}

/// What an admin gives to make a staff account.
#[derive(Clone)]
pub struct NewStaff {
    /// The staff member's name.
    pub display_name: String,
    /// Their work e-mail, which is also their login.
    pub email: String,
    /// Their role (not `customer`).
    pub role: Role,
    /// A password; when absent one is generated and returned once.
    pub password: Option<String>,
}

/// A new staff account, with its generated password when one was generated.
#[derive(Clone)]
pub struct StaffCreated {
    /// The account.
    pub account: AccountView,
    /// The generated password, shown once; `None` when the admin chose one.
    pub initial_password: Option<String>,
}

pub(crate) fn parse_display_name(input: &str, field: &str) -> DomainResult<String> {
    let name = input.trim();
    let len = name.chars().count();
    if len == 0 || len > 100 || name.chars().any(char::is_control) {
        return Err(DomainError::validation(
            field,
            "Enter a name of 1 to 100 characters.",
        ));
    }
    Ok(name.to_owned())
}

impl Domain {
    /// Shows an account, with its mobile number masked.
    pub fn account_view(&self, model: &account::Model) -> DomainResult<AccountView> {
        let mobile_masked = match &model.mobile_enc {
            Some(sealed) => {
                let clear = self.keys().open(MobileNumber::PURPOSE, sealed)?;
                Some(MobileNumber::parse(&clear, "mobile")?.masked())
            }
            None => None,
        };
        Ok(AccountView {
            id: model.id,
            role: model
                .role
                .parse()
                .map_err(|e: String| DomainError::Internal(e))?,
            display_name: model.display_name.clone(),
            email: model.email.clone(),
            mobile_masked,
            status: model.status,
            created_at: from_millis(model.created_at),
            must_change_password: model.must_change_password,
        })
    }

    /// Registers a customer and logs them in.
    pub async fn register_customer(
        &self,
        input: NewCustomer,
        caller: &Caller,
    ) -> DomainResult<SessionIssued> {
        self.throttle_client(caller).await?;
        let display_name = parse_display_name(&input.display_name, "displayName")?;
        let mobile = input
            .mobile
            .as_deref()
            .filter(|m| !m.trim().is_empty())
            .map(|m| MobileNumber::parse(m, "mobile"))
            .transpose()?;
        let email = input
            .email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(|e| EmailAddress::parse(e, "email"))
            .transpose()?;
        if mobile.is_none() && email.is_none() {
            return Err(DomainError::validation(
                "mobile",
                "Give a mobile number or an e-mail address to log in with.",
            ));
        }
        let password = Password::parse(&input.password, "password")?;
        let password_hash = self.hash_password(password).await?;

        let now = self.now();
        let txn = begin_write(self.db()).await?;
        if let Some(email) = &email {
            self.refuse_taken_email(&txn, email).await?;
        }
        let (mobile_hash, mobile_enc) = match &mobile {
            Some(m) => {
                let hash = self.keys().blind_index(MobileNumber::PURPOSE, m.expose());
                let taken = account::Entity::find()
                    .filter(account::Column::MobileHash.eq(hash.as_str()))
                    .one(&txn)
                    .await?;
                if taken.is_some() {
                    return Err(DomainError::Conflict(
                        "An account with this mobile number already exists; log in instead.".into(),
                    ));
                }
                (
                    Some(hash),
                    Some(self.keys().seal(MobileNumber::PURPOSE, m.expose())?),
                )
            }
            None => (None, None),
        };
        let model = account::ActiveModel {
            id: Set(Uuid::now_v7()),
            role: Set(Role::Customer.as_str().into()),
            display_name: Set(display_name),
            email: Set(email.map(|e| e.as_str().to_owned())),
            mobile_hash: Set(mobile_hash),
            mobile_enc: Set(mobile_enc),
            password_hash: Set(password_hash),
            status: Set(AccountStatus::Active),
            created_by: Set(None),
            created_at: Set(to_millis(now)),
            updated_at: Set(to_millis(now)),
            must_change_password: Set(false),
        }
        .insert(&txn)
        .await
        .map_err(conflict_on_duplicate)?;
        let issued = self.open_session(&txn, &model, caller).await?;
        txn.commit().await?;
        Ok(issued)
    }

    /// Makes a staff account. Only an admin (or the platform itself) may; audited.
    pub async fn create_staff(
        &self,
        input: NewStaff,
        caller: &Caller,
    ) -> DomainResult<StaffCreated> {
        caller.require(Permission::ManageStaff)?;
        let display_name = parse_display_name(&input.display_name, "displayName")?;
        let email = EmailAddress::parse(&input.email, "email")?;
        if !input.role.is_staff() {
            return Err(DomainError::validation(
                "role",
                "Staff accounts take a staff role: agent, risk_officer, admin or auditor.",
            ));
        }
        let (password, initial_password) = match input.password {
            Some(p) => (Password::parse(&p, "password")?, None),
            None => {
                let generated = token::initial_password()?;
                (Password::parse(&generated, "password")?, Some(generated))
            }
        };
        let password_hash = self.hash_password(password).await?;
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        self.refuse_taken_email(&txn, &email).await?;
        let model = account::ActiveModel {
            id: Set(Uuid::now_v7()),
            role: Set(input.role.as_str().into()),
            display_name: Set(display_name),
            email: Set(Some(email.as_str().to_owned())),
            mobile_hash: Set(None),
            mobile_enc: Set(None),
            password_hash: Set(password_hash),
            status: Set(AccountStatus::Active),
            created_by: Set(caller.actor.map(|a| a.account_id)),
            created_at: Set(to_millis(now)),
            updated_at: Set(to_millis(now)),
            // A password someone else chose or read must be replaced at first login.
            must_change_password: Set(caller.actor.is_some() || initial_password.is_some()),
        }
        .insert(&txn)
        .await
        .map_err(conflict_on_duplicate)?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new("staff.create", "account", Some(model.id.to_string())).after(json!({
                "role": model.role,
                "displayName": model.display_name,
                "email": email.masked(),
            })),
        )
        .await?;
        txn.commit().await?;
        Ok(StaffCreated {
            account: self.account_view(&model)?,
            initial_password,
        })
    }

    /// Enables or disables an account. Disabling revokes its sessions at once. Admins
    /// only; audited. An admin cannot disable their own account (someone must remain able
    /// to undo it).
    pub async fn set_account_status(
        &self,
        account_id: Uuid,
        status: AccountStatus,
        caller: &Caller,
    ) -> DomainResult<AccountView> {
        caller.require(Permission::ManageStaff)?;
        if caller.actor.is_some_and(|a| a.account_id == account_id)
            && status == AccountStatus::Disabled
        {
            return Err(DomainError::Conflict(
                "You cannot disable your own account; ask another admin.".into(),
            ));
        }
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let model = account::Entity::find_by_id(account_id)
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::NotFound("No account has this id.".into()))?;
        let before = model.status;
        let mut active: account::ActiveModel = model.into();
        active.status = Set(status);
        active.updated_at = Set(to_millis(now));
        let model = active.update(&txn).await?;
        if status == AccountStatus::Disabled {
            session::Entity::update_many()
                .col_expr(session::Column::RevokedAt, to_millis(now).into())
                .filter(session::Column::AccountId.eq(account_id))
                .filter(session::Column::RevokedAt.is_null())
                .exec(&txn)
                .await?;
        }
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "account.set_status",
                "account",
                Some(account_id.to_string()),
            )
            .before(json!({ "status": before.to_value() }))
            .after(json!({ "status": model.status.to_value() })),
        )
        .await?;
        txn.commit().await?;
        self.sessions_changed(account_id).await;
        self.account_view(&model)
    }

    /// Replaces the caller's password after checking the current one; every other session
    /// of the account ends. Staff password changes are audited.
    pub async fn change_password(
        &self,
        current: &str,
        new: &str,
        session_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<AccountView> {
        let actor = caller
            .actor
            .ok_or_else(|| DomainError::Unauthenticated("Log in first.".into()))?;
        let model = account::Entity::find_by_id(actor.account_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("No account has this id.".into()))?;
        if !self
            .verify_password(current, model.password_hash.clone())
            .await?
        {
            return Err(DomainError::validation(
                "currentPassword",
                "The current password is wrong.",
            ));
        }
        if current == new {
            return Err(DomainError::validation(
                "newPassword",
                "Choose a new password different from the current one.",
            ));
        }
        let hash = self
            .hash_password(Password::parse(new, "newPassword")?)
            .await?;
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let mut active: account::ActiveModel = model.into();
        active.password_hash = Set(hash);
        active.must_change_password = Set(false);
        active.updated_at = Set(to_millis(now));
        let model = active.update(&txn).await?;
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, to_millis(now).into())
            .filter(session::Column::AccountId.eq(actor.account_id))
            .filter(session::Column::Id.ne(session_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        if actor.role.is_staff() {
            chain::append(
                &txn,
                now,
                caller,
                AuditRecord::new(
                    "account.change_password",
                    "account",
                    Some(actor.account_id.to_string()),
                ),
            )
            .await?;
        }
        txn.commit().await?;
        self.sessions_changed(actor.account_id).await;
        self.account_view(&model)
    }

    /// One account by id.
    pub async fn account(&self, account_id: Uuid) -> DomainResult<AccountView> {
        let model = account::Entity::find_by_id(account_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("No account has this id.".into()))?;
        self.account_view(&model)
    }

    /// Staff accounts, oldest first (ids are time-ordered); the cursor is the id.
    pub async fn staff_accounts(
        &self,
        page: PageRequest<Uuid>,
        caller: &Caller,
    ) -> DomainResult<Page<AccountView, Uuid>> {
        caller.require(Permission::ListStaff)?;
        let mut query = account::Entity::find()
            .filter(account::Column::Role.ne(Role::Customer.as_str()))
            .order_by_asc(account::Column::Id)
            .limit(page.first + 1);
        if let Some(after) = page.after {
            query = query.filter(account::Column::Id.gt(after));
        }
        let rows = query.all(self.db()).await?;
        let items = rows
            .iter()
            .map(|m| Ok((m.id, self.account_view(m)?)))
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.first))
    }

    /// True when no account exists yet (a new installation).
    pub async fn has_no_accounts(&self) -> DomainResult<bool> {
        Ok(account::Entity::find()
            .limit(1)
            .one(self.db())
            .await?
            .is_none())
    }

    async fn refuse_taken_email<C: ConnectionTrait>(
        &self,
        txn: &C,
        email: &EmailAddress,
    ) -> DomainResult<()> {
        let taken = account::Entity::find()
            .filter(account::Column::Email.eq(email.as_str()))
            .one(txn)
            .await?;
        if taken.is_some() {
            return Err(DomainError::Conflict(
                "An account with this e-mail address already exists.".into(),
            ));
        }
        Ok(())
    }
}

fn conflict_on_duplicate(err: sea_orm::DbErr) -> DomainError {
    if is_unique_violation(&err) {
        DomainError::Conflict("An account with these details already exists.".into())
    } else {
        err.into()
    }
}

impl std::fmt::Debug for NewCustomer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCustomer")
            .field("display_name", &self.display_name)
            .field(
                "mobile",
                &self
                    .mobile
                    .as_deref()
                    .map(|m| crate::pii::mask::keep_ends(m, 3, 4)),
            )
            .field(
                "email",
                &self
                    .email
                    .as_deref()
                    .map(|e| crate::pii::mask::keep_ends(e, 1, 0)),
            )
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for NewStaff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewStaff")
            .field("display_name", &self.display_name)
            .field("email", &crate::pii::mask::keep_ends(&self.email, 1, 0))
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for StaffCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffCreated")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// A new session: the token is shown to the client once and never stored in clear.
#[derive(Debug, Clone)]
pub struct SessionIssued {
    /// The bearer token for the `Authorization` header.
    pub token: String,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
    /// The account logged in.
    pub account: AccountView,
}
