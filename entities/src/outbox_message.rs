//! A message to a customer in the transactional outbox (docs/notifications.md): written in
//! the transaction of the fact it announces, sent after commit by the worker. The copy on
//! channel `app` is the customer's in-app inbox.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_message")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    /// `sms`, `email` or `app`.
    pub channel: String,
    /// `signing_code`, `schedule`, `due_soon`, `debit_failed`, `overdue`, `payment_received`…
    pub kind: String,
    pub body: String,
    pub created_at: i64,
    /// `pending`, `sending`… see [`OutboxStatus`].
    pub status: String,
    pub subject: String,
    pub language: String,
    pub plan_id: Option<Uuid>,
    /// Makes a message once per fact (e.g. `due_soon:3:<entry>:sms`).
    #[sea_orm(unique)]
    pub dedupe_key: Option<String>,
    /// Whether it waits for the customer's contact window (reminders do; a code the
    /// customer just asked for does not).
    pub respects_window: bool,
    pub attempts: i32,
    /// Not before this instant (epoch ms): after a failure, or until the window opens.
    pub next_attempt_at: i64,
    /// A sender holds it until then.
    pub lease_until: Option<i64>,
    /// Which sender's claim it is (a fresh id per claim).
    pub lease_owner: Option<String>,
    /// Which notifier took it (`smtp`, `sms-gateway`, `local`, `inbox`).
    pub provider: Option<String>,
    pub provider_ref: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
    pub read_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    /// Waiting to be sent (now, after a failure, or when the window opens).
    Pending,
    /// Taken by the provider (or, in the inbox, there to read).
    Sent,
    /// Refused for good, or retried until the limit.
    Failed,
}

impl OutboxStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
}
