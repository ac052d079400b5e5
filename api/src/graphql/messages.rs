//! The customer's in-app inbox (stage 5's notifications): `myMessages` and
//! `markMessagesRead`. Thin: authorize, call the use case, shape.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::auth::Permission;
use domain::notices::{Inbox, InboxMessage};

use super::context::ContextExt;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::types::parse_id;

/// A message in the customer's inbox: the same words their text or e-mail carried.
#[derive(SimpleObject)]
pub struct Message {
    /// Its id.
    pub id: ID,
    /// `schedule`, `due_soon`, `debit_failed`, `overdue`, `payment_received`,
    /// `ticket_reply`, `ticket_escalated`.
    pub kind: String,
    /// The subject line.
    pub subject: String,
    /// The text.
    pub body: String,
    /// The plan it is about.
    pub plan_id: Option<ID>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When the customer read it; `null` while unread.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<InboxMessage> for Message {
    fn from(m: InboxMessage) -> Self {
        Self {
            id: ID(m.id.to_string()),
            kind: m.kind,
            subject: m.subject,
            body: m.body,
            plan_id: m.plan_id.map(|p| ID(p.to_string())),
            created_at: m.created_at,
            read_at: m.read_at,
        }
    }
}

/// A page of the inbox.
#[derive(SimpleObject)]
pub struct Messages {
    /// Newest first.
    pub messages: Vec<Message>,
    /// How many are unread in all (for the badge).
    pub unread: u64,
}

impl From<Inbox> for Messages {
    fn from(i: Inbox) -> Self {
        Self {
            messages: i.messages.into_iter().map(Message::from).collect(),
            unread: i.unread,
        }
    }
}

/// Inbox queries.
#[derive(Default)]
pub struct MessageQuery;

#[Object]
impl MessageQuery {
    /// The caller's newest messages (at most 100), only the unread ones if asked.
    #[graphql(guard = "RoleGuard::new(Permission::ReadMessages)")]
    async fn my_messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1 to 100; 20 when not given).")] first: Option<u64>,
        #[graphql(desc = "Only unread messages (all when not given).")] unread_only: Option<bool>,
    ) -> async_graphql::Result<Messages> {
        let caller = ctx.caller().await?;
        Ok(ctx
            .domain()?
            .my_messages(&caller, first.unwrap_or(20), unread_only.unwrap_or(false))
            .await
            .gql()?
            .into())
    }
}

/// Inbox mutations.
#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Marks the caller's messages read: those named, or all when `ids` is empty. Answers
    /// how many are still unread.
    #[graphql(guard = "RoleGuard::new(Permission::ReadMessages)")]
    async fn mark_messages_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The messages; none (or not given) for all.")] ids: Option<Vec<ID>>,
    ) -> async_graphql::Result<u64> {
        let caller = ctx.caller().await?;
        let ids = ids
            .unwrap_or_default()
            .iter()
            .map(|id| parse_id(id, "ids"))
            .collect::<Result<Vec<_>, _>>()?;
        ctx.domain()?.mark_messages_read(&caller, &ids).await.gql()
    }
}
