//! Tickets (stage 6, 难题解决): `openTicket`, `replyToTicket`, `changeTicketStatus`,
//! `tickets`, `ticket`. Thin: parse, authorize (the guard, then the domain's own check of
//! ownership), call the use case, shape.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::aftercare::tickets::{
    Attachment, NewTicket, TicketFilter, TicketMessageView, TicketView,
};
use domain::auth::Permission;
use domain::clock::from_millis;
use domain::page::PageRequest;
use entities::ticket::{TicketCategory, TicketPriority, TicketStatus};

use super::context::ContextExt;
use super::cursor;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::types::parse_id;

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "TicketStatus", remote = "TicketStatus")]
pub enum TicketStatusGql {
    /// New, nobody on it yet.
    Open,
    /// Staff are working on it.
    InProgress,
    /// Staff asked the customer something.
    WaitingCustomer,
    /// Solved; can be reopened within 7 days.
    Resolved,
    /// Done for good.
    Closed,
}

/// How urgent a ticket is; sets its service-level targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "TicketPriority", remote = "TicketPriority")]
pub enum TicketPriorityGql {
    /// First answer within 48 hours, solved within 7 days.
    Low,
    /// First answer within 24 hours, solved within 72 hours.
    Normal,
    /// First answer within 4 hours, solved within 24 hours.
    High,
    /// First answer within 1 hour, solved within 8 hours.
    Urgent,
}

/// What a ticket is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "TicketCategory", remote = "TicketCategory")]
pub enum TicketCategoryGql {
    /// A debit, a payment, a receipt.
    Repayment,
    /// The plan's terms, schedule or agreement.
    Plan,
    /// Signing in, the app, personal data.
    Account,
    /// Cannot pay as planned.
    Hardship,
    /// A complaint about the service.
    Complaint,
    /// Anything else.
    Other,
}

/// A file named on a message by its SHA-256 (the file itself is kept elsewhere).
#[derive(InputObject)]
pub struct AttachmentInput {
    /// The file's name, without a folder.
    pub name: String,
    /// Its SHA-256 in 64 hex digits.
    pub sha256: String,
    /// Its size in bytes (at most 20 MiB).
    pub size: i64,
}

/// A file named on a message.
#[derive(SimpleObject)]
#[graphql(name = "TicketAttachment")]
pub struct AttachmentGql {
    /// The file's name.
    pub name: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Its size in bytes.
    pub size: i64,
}

fn attachments(input: Option<Vec<AttachmentInput>>) -> async_graphql::Result<Vec<Attachment>> {
    input
        .unwrap_or_default()
        .iter()
        .map(|a| Attachment::parse(&a.name, &a.sha256, a.size).gql())
        .collect()
}

/// A new ticket.
#[derive(InputObject)]
pub struct OpenTicketInput {
    /// Whose problem it is (staff only; a customer's ticket is their own).
    pub customer_id: Option<ID>,
    /// What it is about.
    pub category: TicketCategoryGql,
    /// How urgent (`NORMAL` when left out).
    pub priority: Option<TicketPriorityGql>,
    /// A short title, 2–200 characters.
    pub subject: String,
    /// The first message, 1–5,000 characters.
    pub body: String,
    /// Files named by hash (at most 10).
    pub attachments: Option<Vec<AttachmentInput>>,
}

/// Staff list filters.
#[derive(InputObject, Default)]
pub struct TicketFilterInput {
    /// Only in this status.
    pub status: Option<TicketStatusGql>,
    /// Only escalated tickets (the supervisors' queue), or only the others.
    pub escalated: Option<bool>,
    /// Only this customer's (staff).
    pub customer_id: Option<ID>,
}

/// One message on a ticket.
#[derive(SimpleObject)]
pub struct TicketMessage {
    /// Its id.
    pub id: ID,
    /// Written by the customer; otherwise by the bank's staff.
    pub from_customer: bool,
    /// The text.
    pub body: String,
    /// The files it names.
    pub attachments: Vec<AttachmentGql>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<TicketMessageView> for TicketMessage {
    fn from(m: TicketMessageView) -> Self {
        Self {
            id: ID(m.id.to_string()),
            from_customer: m.from_customer,
            body: m.body,
            attachments: m
                .attachments
                .into_iter()
                .map(|a| AttachmentGql {
                    name: a.name,
                    sha256: a.sha256,
                    size: a.size,
                })
                .collect(),
            created_at: m.created_at,
        }
    }
}

/// A customer's problem and where it stands against its service levels.
#[derive(SimpleObject)]
pub struct Ticket {
    /// Its id.
    pub id: ID,
    /// Whose problem it is.
    pub customer_id: ID,
    /// What it is about.
    pub category: TicketCategoryGql,
    /// How urgent.
    pub priority: TicketPriorityGql,
    /// Its title.
    pub subject: String,
    /// Where it stands.
    pub status: TicketStatusGql,
    /// Staff answer by then.
    pub first_response_due: DateTime<Utc>,
    /// Resolved by then.
    pub resolution_due: DateTime<Utc>,
    /// When staff first answered.
    pub first_responded_at: Option<DateTime<Utc>>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// When it went to the supervisors' queue for a missed deadline.
    pub escalated_at: Option<DateTime<Utc>>,
    /// The deadline it missed, when escalated.
    pub escalation_reason: Option<String>,
    /// The deadline it has missed now, if any (`null` while within its service level).
    pub breach: Option<String>,
    /// Times it was reopened.
    pub reopened: i32,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// Its messages, oldest first (filled when one ticket is read; empty in lists).
    pub messages: Vec<TicketMessage>,
}

impl From<TicketView> for Ticket {
    fn from(v: TicketView) -> Self {
        let r = v.row;
        Self {
            id: ID(r.id.to_string()),
            customer_id: ID(r.customer_id.to_string()),
            category: r.category.into(),
            priority: r.priority.into(),
            subject: r.subject,
            status: r.status.into(),
            first_response_due: from_millis(r.first_response_due),
            resolution_due: from_millis(r.resolution_due),
            first_responded_at: r.first_responded_at.map(from_millis),
            resolved_at: r.resolved_at.map(from_millis),
            closed_at: r.closed_at.map(from_millis),
            escalated_at: r.escalated_at.map(from_millis),
            escalation_reason: r.escalation_reason,
            breach: v.breach.map(str::to_owned),
            reopened: r.reopened,
            created_at: from_millis(r.created_at),
            messages: v.messages.into_iter().map(Into::into).collect(),
        }
    }
}

/// Ticket queries.
#[derive(Default)]
pub struct TicketQuery;

#[Object]
impl TicketQuery {
    /// Tickets, newest first: a customer's own; for staff every ticket, by status,
    /// customer and escalation (`escalated: true` is the supervisors' queue).
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadTickets)",
        complexity = "super::cursor::page_cost(first, child_complexity)"
    )]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tickets matching every given filter.")] filter: Option<
            TicketFilterInput,
        >,
        #[graphql(desc = "How many (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Ticket>> {
        let caller = ctx.caller().await?;
        let page = PageRequest::new(first, cursor::decode(after.as_deref())?).gql()?;
        let filter = filter.unwrap_or_default();
        let filter = TicketFilter {
            status: filter.status.map(Into::into),
            escalated: filter.escalated,
            customer_id: filter
                .customer_id
                .as_ref()
                .map(|id| parse_id(id, "customerId"))
                .transpose()?,
        };
        let result = ctx.domain()?.tickets(filter, page, &caller).await.gql()?;
        Ok(cursor::connection(
            result,
            page.after.is_some(),
            Ticket::from,
        ))
    }

    /// One ticket with its messages: its customer's, or staff's.
    #[graphql(guard = "RoleGuard::new(Permission::ReadTickets)")]
    async fn ticket(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Ticket> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .ticket(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }
}

/// Ticket mutations.
#[derive(Default)]
pub struct TicketMutation;

#[Object]
impl TicketMutation {
    /// Opens a ticket with its first message; its service-level deadlines follow from
    /// its priority. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::OpenTicket)")]
    async fn open_ticket(
        &self,
        ctx: &Context<'_>,
        input: OpenTicketInput,
    ) -> async_graphql::Result<Ticket> {
        let caller = ctx.caller().await?;
        let customer_id = input
            .customer_id
            .as_ref()
            .map(|id| parse_id(id, "customerId"))
            .transpose()?;
        let ticket = NewTicket {
            customer_id,
            category: input.category.into(),
            priority: input.priority.map(Into::into),
            subject: input.subject,
            body: input.body,
            attachments: attachments(input.attachments)?,
        };
        ctx.domain()?
            .open_ticket(ticket, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Adds a message to a ticket (the customer is told of a staff answer). A customer's
    /// answer to a question puts the ticket back in progress.
    #[graphql(guard = "RoleGuard::new(Permission::ReplyToTicket)")]
    async fn reply_to_ticket(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
        body: String,
        attachments: Option<Vec<AttachmentInput>>,
    ) -> async_graphql::Result<Ticket> {
        let caller = ctx.caller().await?;
        let id = parse_id(&ticket_id, "ticketId")?;
        let files = self::attachments(attachments)?;
        ctx.domain()?
            .reply_to_ticket(id, &body, &files, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Moves a ticket: staff along its life (`IN_PROGRESS`, `WAITING_CUSTOMER`,
    /// `RESOLVED`, `CLOSED`); a customer closes their resolved ticket, and either reopens
    /// one (`IN_PROGRESS`) within 7 days of its resolution. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::ReplyToTicket)")]
    async fn change_ticket_status(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
        status: TicketStatusGql,
    ) -> async_graphql::Result<Ticket> {
        let caller = ctx.caller().await?;
        let id = parse_id(&ticket_id, "ticketId")?;
        ctx.domain()?
            .change_ticket_status(id, status.into(), &caller)
            .await
            .gql()
            .map(Into::into)
    }
}
