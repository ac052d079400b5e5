//! Logging in: one generic refusal for an unknown login and a wrong password, a lock after
//! repeated failures (keyed by the login name, known or not, so locks reveal nothing), and
//! an opaque bearer token on success.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use entities::{account, login_throttle, session};

use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::pii::{EmailAddress, MobileNumber};
use crate::service::Domain;

use super::accounts::{AccountStatus, SessionIssued};
use super::caller::Caller;
use super::password;
use super::token;

const WRONG_LOGIN: &str = "The login or the password is wrong.";

/// A login name as typed, normalized so that one person has one spelling.
enum LoginName {
    Email(EmailAddress),
    Mobile(MobileNumber),
    Unrecognized(String),
}

impl LoginName {
    fn parse(input: &str) -> Self {
        if input.contains('@') {
            match EmailAddress::parse(input, "login") {
                Ok(e) => Self::Email(e),
                Err(_) => Self::Unrecognized(input.trim().to_lowercase()),
            }
        } else {
            match MobileNumber::parse(input, "login") {
                Ok(m) => Self::Mobile(m),
                Err(_) => Self::Unrecognized(input.trim().to_lowercase()),
            }
        }
    }

    fn normalized(&self) -> &str {
        match self {
            Self::Email(e) => e.as_str(),
            Self::Mobile(m) => m.expose(),
            Self::Unrecognized(s) => s,
        }
    }
}

/// Tells the operator that a login name was locked: a burst of these is a password-guessing
/// attack. The login is named only by the start of its keyed hash (the `key_hash` of its
/// `login_throttle` row), never as typed, and no password is logged.
fn log_lockout(key: &str, until: DateTime<Utc>) {
    let fingerprint: String = key.chars().take(16).collect();
    tracing::warn!(
        login_fingerprint = %fingerprint,
        locked_until = %until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "login locked after repeated failed attempts"
    );
}

impl Domain {
    /// Logs in with a mobile number or e-mail address and a password.
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        caller: &Caller,
    ) -> DomainResult<SessionIssued> {
        self.throttle_client(caller).await?;
        if login.trim().is_empty() {
            return Err(DomainError::validation(
                "login",
                "Enter your mobile number or e-mail address.",
            ));
        }
        if password.is_empty() || password.len() > 4 * password::MAX_LEN {
            return Err(DomainError::Unauthenticated(WRONG_LOGIN.into()));
        }
        let name = LoginName::parse(login);
        let throttle_key = self.keys().blind_index("login", name.normalized());
        let now = self.now();
        // Count the attempt before checking the password, atomically: parallel guesses
        // cannot get more password checks than the limit allows.
        let attempt = self.reserve_attempt(&throttle_key, now).await?;

        let found = match &name {
            LoginName::Email(e) => {
                account::Entity::find()
                    .filter(account::Column::Email.eq(e.as_str()))
                    .one(self.db())
                    .await?
            }
            LoginName::Mobile(m) => {
                let hash = self.keys().blind_index(MobileNumber::PURPOSE, m.expose());
                account::Entity::find()
                    .filter(account::Column::MobileHash.eq(hash))
                    .one(self.db())
                    .await?
            }
            LoginName::Unrecognized(_) => None,
        };
        let stored = match &found {
            Some(a) => a.password_hash.clone(),
            None => self.decoy_hash().await?.to_owned(),
        };
        let verified = self.verify_password(password, stored).await?;
        let account = match (found, verified) {
            (Some(account), true) => account,
            _ if attempt >= self.settings().login_max_failures => {
                let until = self.lock_login(&throttle_key, now).await?;
                return Err(self.locked(until, now));
            }
            _ => return Err(DomainError::Unauthenticated(WRONG_LOGIN.into())),
        };
        if account.status != AccountStatus::Active {
            return Err(DomainError::Unauthenticated(
                "This account is disabled; please contact the bank.".into(),
            ));
        }

        let txn = begin_write(self.db()).await?;
        login_throttle::Entity::delete_by_id(throttle_key)
            .exec(&txn)
            .await?;
        let issued = self.open_session(&txn, &account, caller).await?;
        txn.commit().await?;
        Ok(issued)
    }

    /// Creates a session for `account` inside `txn`.
    pub(crate) async fn open_session<C: ConnectionTrait>(
        &self,
        txn: &C,
        account: &account::Model,
        caller: &Caller,
    ) -> DomainResult<SessionIssued> {
        let now = self.now();
        let token = token::generate()?;
        let expires_at = now + self.settings().session_ttl;
        session::ActiveModel {
            id: Set(Uuid::now_v7()),
            account_id: Set(account.id),
            token_hash: Set(token::digest(&token)),
            created_at: Set(to_millis(now)),
            expires_at: Set(to_millis(expires_at)),
            revoked_at: Set(None),
            client_addr: Set(caller.meta.client_addr.clone()),
            user_agent: Set(caller
                .meta
                .user_agent
                .as_deref()
                .map(|ua| ua.chars().take(255).collect())),
        }
        .insert(txn)
        .await?;
        Ok(SessionIssued {
            token,
            expires_at,
            account: self.account_view(account)?,
        })
    }

    /// Counts one attempt for the login name and returns its number in the current
    /// window. Refuses while the name is locked, and locks it (refusing) when the attempt
    /// goes beyond the limit. One write transaction, so concurrent attempts are counted
    /// one after another.
    async fn reserve_attempt(&self, key: &str, now: DateTime<Utc>) -> DomainResult<u32> {
        let now_ms = to_millis(now);
        let txn = begin_write(self.db()).await?;
        login_throttle::Entity::insert(login_throttle::ActiveModel {
            key_hash: Set(key.to_owned()),
            failures: Set(1),
            locked_until: Set(None),
            updated_at: Set(now_ms),
        })
        .on_conflict(
            OnConflict::column(login_throttle::Column::KeyHash)
                .value(
                    login_throttle::Column::Failures,
                    Expr::col((login_throttle::Entity, login_throttle::Column::Failures)).add(1),
                )
                .value(login_throttle::Column::UpdatedAt, now_ms)
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        let row = login_throttle::Entity::find_by_id(key.to_owned())
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::Internal("login throttle row vanished".into()))?;
        match row.locked_until {
            Some(until) if until > now_ms => {
                txn.rollback().await?;
                return Err(self.locked(from_millis(until), now));
            }
            Some(_) => {
                // The lock has ended: this attempt is the first of a new window.
                let mut active: login_throttle::ActiveModel = row.into();
                active.failures = Set(1);
                active.locked_until = Set(None);
                active.update(&txn).await?;
                txn.commit().await?;
                return Ok(1);
            }
            None => {}
        }
        let attempt = u32::try_from(row.failures).unwrap_or(u32::MAX);
        if attempt > self.settings().login_max_failures {
            let until = now + self.settings().login_lockout;
            let mut active: login_throttle::ActiveModel = row.into();
            active.failures = Set(0);
            active.locked_until = Set(Some(to_millis(until)));
            active.update(&txn).await?;
            txn.commit().await?;
            log_lockout(key, until);
            return Err(self.locked(until, now));
        }
        txn.commit().await?;
        Ok(attempt)
    }

    /// Locks the login name for the lockout period; returns when it ends.
    async fn lock_login(&self, key: &str, now: DateTime<Utc>) -> DomainResult<DateTime<Utc>> {
        let until = now + self.settings().login_lockout;
        login_throttle::Entity::update_many()
            .col_expr(login_throttle::Column::Failures, 0.into())
            .col_expr(login_throttle::Column::LockedUntil, to_millis(until).into())
            .filter(login_throttle::Column::KeyHash.eq(key))
            .exec(self.db())
            .await?;
        log_lockout(key, until);
        Ok(until)
    }

    fn locked(&self, until: DateTime<Utc>, now: DateTime<Utc>) -> DomainError {
        let secs = Ord::max((until - now).num_seconds(), 1);
        let minutes = (secs + 59) / 60;
        DomainError::RateLimited {
            message: format!(
                "Too many failed attempts: this login is locked. Try again in {minutes} minute(s)."
            ),
            retry_after_secs: secs,
        }
    }
}
