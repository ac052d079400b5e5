//! The customer's in-app inbox: every message about their plans (the `app` copy), newest
//! first, and marking them read. Only their own: the account's customer is the filter.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use entities::outbox_message;

use crate::auth::{Caller, Permission};
use crate::clock::{from_millis, to_millis};
use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

/// At most this many messages per read.
pub const MAX_MESSAGES: u64 = 100;

/// A message in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxMessage {
    /// Its id.
    pub id: Uuid,
    /// `schedule`, `due_soon`, `debit_failed`, `overdue`, `payment_received`,
    /// `ticket_reply`, `ticket_escalated`…
    pub kind: String,
    /// The subject line.
    pub subject: String,
    /// The text.
    pub body: String,
    /// The plan it is about.
    pub plan_id: Option<Uuid>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When the customer read it.
    pub read_at: Option<DateTime<Utc>>,
}

/// A page of the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbox {
    /// The messages, newest first.
    pub messages: Vec<InboxMessage>,
    /// How many are unread in all.
    pub unread: u64,
}

impl Domain {
    /// The caller's account's customer, if any.
    async fn inbox_owner(&self, caller: &Caller) -> DomainResult<Option<Uuid>> {
        if caller.actor.is_none() {
            return Err(DomainError::Unauthenticated(
                "Sign in to read your messages.".into(),
            ));
        }
        Ok(self.own_customer(caller).await?.map(|c| c.id))
    }

    /// The caller's newest `first` messages (at most [`MAX_MESSAGES`]), only unread ones
    /// when asked, with the count unread.
    pub async fn my_messages(
        &self,
        caller: &Caller,
        first: u64,
        unread_only: bool,
    ) -> DomainResult<Inbox> {
        caller.require(Permission::ReadMessages)?;
        let Some(customer_id) = self.inbox_owner(caller).await? else {
            return Ok(Inbox {
                messages: Vec::new(),
                unread: 0,
            });
        };
        let mine = outbox_message::Entity::find()
            .filter(outbox_message::Column::CustomerId.eq(customer_id))
            .filter(outbox_message::Column::Channel.eq("app"));
        let unread = mine
            .clone()
            .filter(outbox_message::Column::ReadAt.is_null())
            .count(self.db())
            .await?;
        let mut query = mine;
        if unread_only {
            query = query.filter(outbox_message::Column::ReadAt.is_null());
        }
        let messages = query
            .order_by_desc(outbox_message::Column::CreatedAt)
            .order_by_desc(outbox_message::Column::Id)
            .limit(first.clamp(1, MAX_MESSAGES))
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| InboxMessage {
                id: m.id,
                kind: m.kind,
                subject: m.subject,
                body: m.body,
                plan_id: m.plan_id,
                created_at: from_millis(m.created_at),
                read_at: m.read_at.map(from_millis),
            })
            .collect();
        Ok(Inbox { messages, unread })
    }

    /// Marks the caller's messages `ids` read (others' ids are ignored, as are ids already
    /// read), or all of them when `ids` is empty. Returns how many are still unread.
    pub async fn mark_messages_read(&self, caller: &Caller, ids: &[Uuid]) -> DomainResult<u64> {
        caller.require(Permission::ReadMessages)?;
        if ids.len() > MAX_MESSAGES as usize {
            return Err(DomainError::validation(
                "ids",
                format!(
                    "Mark at most {MAX_MESSAGES} messages at a time, or pass none to mark all."
                ),
            ));
        }
        let Some(customer_id) = self.inbox_owner(caller).await? else {
            return Ok(0);
        };
        let mut update = outbox_message::Entity::update_many()
            .col_expr(
                outbox_message::Column::ReadAt,
                Expr::value(to_millis(self.now())),
            )
            .filter(outbox_message::Column::CustomerId.eq(customer_id))
            .filter(outbox_message::Column::Channel.eq("app"))
            .filter(outbox_message::Column::ReadAt.is_null());
        if !ids.is_empty() {
            update = update.filter(outbox_message::Column::Id.is_in(ids.to_vec()));
        }
        update.exec(self.db()).await?;
        Ok(outbox_message::Entity::find()
            .filter(outbox_message::Column::CustomerId.eq(customer_id))
            .filter(outbox_message::Column::Channel.eq("app"))
            .filter(outbox_message::Column::ReadAt.is_null())
            .count(self.db())
            .await?)
    }
}
