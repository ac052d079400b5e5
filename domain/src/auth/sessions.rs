//! Recognizing a bearer token, ending a session, and purging finished sessions.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use entities::{account, session};

use crate::clock::{from_millis, to_millis};
use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

use super::accounts::AccountStatus;
use super::caller::{Actor, Authenticated};
use super::token;

impl Domain {
    /// Recognizes a bearer token. An unknown, revoked or expired token, or one of a disabled
    /// account, is refused with a message that says what to do.
    pub async fn authenticate(&self, bearer: &str) -> DomainResult<Authenticated> {
        let invalid =
            || DomainError::Unauthenticated("This token is not valid; log in again.".into());
        if !bearer.starts_with(token::PREFIX) || bearer.len() > 64 {
            return Err(invalid());
        }
        let digest = token::digest(bearer);
        let now = self.now();
        let cache = self.session_cache();
        if let Some(kept) = cache.get(&digest, now) {
            return Ok(kept);
        }
        let ticket = cache.ticket();
        let (session, account) = session::Entity::find()
            .filter(session::Column::TokenHash.eq(digest.as_str()))
            .find_also_related(account::Entity)
            .one(self.db())
            .await?
            .ok_or_else(invalid)?;
        let account = account.ok_or_else(invalid)?;
        if session.revoked_at.is_some() {
            return Err(DomainError::Unauthenticated(
                "This session has ended; log in again.".into(),
            ));
        }
        if session.expires_at <= to_millis(now) {
            return Err(DomainError::Unauthenticated(
                "This session has expired; log in again.".into(),
            ));
        }
        if account.status != AccountStatus::Active {
            return Err(DomainError::Unauthenticated(
                "This account is disabled; please contact the bank.".into(),
            ));
        }
        let recognized = Authenticated {
            actor: Actor {
                account_id: account.id,
                role: account.role.parse().map_err(DomainError::Internal)?,
            },
            session_id: session.id,
            expires_at: from_millis(session.expires_at),
            must_change_password: account.must_change_password,
        };
        cache.keep(digest, recognized, ticket, now);
        Ok(recognized)
    }

    /// Ends a session: its token stops working at once, on every API process.
    pub async fn logout(&self, session: &Authenticated) -> DomainResult<()> {
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, to_millis(self.now()).into())
            .filter(session::Column::Id.eq(session.session_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(self.db())
            .await?;
        self.sessions_changed(session.actor.account_id).await;
        Ok(())
    }

    /// Deletes sessions that can no longer be used: expired, or revoked. Idempotent.
    pub(crate) async fn delete_finished_sessions<C: sea_orm::ConnectionTrait>(
        &self,
        txn: &C,
        now: DateTime<Utc>,
    ) -> DomainResult<u64> {
        let result = session::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(session::Column::ExpiresAt.lte(to_millis(now)))
                    .add(session::Column::RevokedAt.is_not_null()),
            )
            .exec(txn)
            .await?;
        Ok(result.rows_affected)
    }
}
