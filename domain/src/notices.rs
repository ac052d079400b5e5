//! Notifications (docs/notifications.md): what the bank tells a customer, in their
//! language, through their channels, never in their quiet hours, and never about something
//! that did not happen.
//!
//! * `templates.rs` — what each message says, zh-CN and en;
//! * `window.rs` — when a customer may be contacted (pure; the guideline's 22:00–08:00,
//!   their own quiet hours, the daily bound on calls);
//! * `outbox.rs` — writing messages in the transaction of the fact they announce;
//! * `delivery.rs` — sending them after commit through the Notifier port, with leases,
//!   retries and backoff;
//! * `inbox.rs` — the in-app inbox (`myMessages`, `markMessagesRead`).

pub mod delivery;
pub mod inbox;
pub(crate) mod outbox;
pub mod templates;
pub mod window;

pub use delivery::DeliveryRun;
pub use inbox::{Inbox, InboxMessage};
pub use templates::{CampaignText, Language, Message, ScheduleRow};
