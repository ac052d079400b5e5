//! The contact log as clients see it.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use domain::negotiation::contacts::{ContactLogView, ContactView};
use entities::contact_log::{ContactChannel, ContactDirection};

use crate::graphql::scalars::Date;

use super::customer::ChannelGql;

/// How a contact happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "ContactMedium", remote = "ContactChannel")]
pub enum ContactMediumGql {
    /// A phone call.
    Phone,
    /// A text message.
    Sms,
    /// An e-mail.
    Email,
    /// A chat in the app or on the web.
    Chat,
    /// At a branch or a visit.
    InPerson,
}

/// Who reached whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "ContactDirection", remote = "ContactDirection")]
pub enum ContactDirectionGql {
    /// The customer reached the bank.
    Inbound,
    /// The bank reached the customer.
    Outbound,
}

/// One contact with a customer about an application.
#[derive(SimpleObject)]
pub struct Contact {
    /// Its id.
    pub id: ID,
    /// The application.
    pub application_id: ID,
    /// The customer.
    pub customer_id: ID,
    /// The agent's account.
    pub agent_id: ID,
    /// How.
    pub medium: ContactMediumGql,
    /// Who reached whom.
    pub direction: ContactDirectionGql,
    /// What was said.
    pub summary: String,
    /// The next step agreed.
    pub next_step: Option<String>,
    /// When it is due (the bank's local day).
    pub next_step_due: Option<Date>,
    /// When it was done (the next contact on the application).
    pub next_step_done_at: Option<DateTime<Utc>>,
    /// When the contact happened.
    pub occurred_at: DateTime<Utc>,
    /// Why it is flagged, when it fell inside quiet hours or 22:00–08:00.
    pub quiet_hours: Option<String>,
}

impl From<ContactView> for Contact {
    fn from(c: ContactView) -> Self {
        Self {
            id: ID(c.id.to_string()),
            application_id: ID(c.application_id.to_string()),
            customer_id: ID(c.customer_id.to_string()),
            agent_id: ID(c.agent_id.to_string()),
            medium: c.channel.into(),
            direction: c.direction.into(),
            summary: c.summary,
            next_step: c.next_step,
            next_step_due: c.next_step_due.map(Date),
            next_step_done_at: c.next_step_done_at,
            occurred_at: c.occurred_at,
            quiet_hours: c.quiet_hours,
        }
    }
}

/// An application's contacts, with the customer's preferences beside them.
#[derive(SimpleObject)]
pub struct ContactLog {
    /// The application.
    pub application_id: ID,
    /// The channels the customer chose, first choice first.
    pub preferred_channels: Vec<ChannelGql>,
    /// The customer's quiet hours start ("21:30"), if set.
    pub quiet_hours_start: Option<String>,
    /// …and end ("08:00").
    pub quiet_hours_end: Option<String>,
    /// Every contact, newest first.
    pub entries: Vec<Contact>,
}

impl From<ContactLogView> for ContactLog {
    fn from(l: ContactLogView) -> Self {
        Self {
            application_id: ID(l.application_id.to_string()),
            preferred_channels: l.channels.into_iter().map(Into::into).collect(),
            quiet_hours_start: l.quiet_hours.map(|(s, _)| s.format("%H:%M").to_string()),
            quiet_hours_end: l.quiet_hours.map(|(_, e)| e.format("%H:%M").to_string()),
            entries: l.entries.into_iter().map(Into::into).collect(),
        }
    }
}
