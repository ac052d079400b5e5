//! Tickets (难题解决): a customer's problem, opened by the customer or by an agent for
//! them, with messages both ways and files named by their hash. Each ticket carries the
//! service-level deadlines of its priority from the moment it opens; the escalation job
//! (`escalation.rs`) sends a ticket that misses one to the supervisors' queue. A customer
//! sees and touches only their own tickets: anyone else's is "not found".

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use entities::customer;
use entities::ticket::{self, TicketPriority, TicketStatus};
use entities::ticket_message;

pub use super::ticket_input::{
    Attachment, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, MAX_BODY_CHARS, NewTicket,
};
use super::ticket_input::{attachments_of, body_of};
use super::ticket_rules::{ServiceLevel, Side, breach, refusal};
use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission};
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::notices::Message;
use crate::notices::outbox::{self, Notice};
use crate::page::{Page, PageRequest};
use crate::service::Domain;

/// Messages shown with a ticket.
const MAX_MESSAGES: u64 = 500;

/// One message on a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketMessageView {
    /// Its id.
    pub id: Uuid,
    /// Written by the customer (else by staff).
    pub from_customer: bool,
    /// The text.
    pub body: String,
    /// The files it names.
    pub attachments: Vec<Attachment>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A ticket and where it stands against its service levels.
#[derive(Debug, Clone)]
pub struct TicketView {
    /// The stored row.
    pub row: ticket::Model,
    /// The deadline it has missed now, if any.
    pub breach: Option<&'static str>,
    /// Its messages, oldest first (only when one ticket is read).
    pub messages: Vec<TicketMessageView>,
}

/// Which tickets a list shows.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// In this status.
    pub status: Option<TicketStatus>,
    /// Only escalated ones (the supervisors' queue), or only the others.
    pub escalated: Option<bool>,
    /// Of this customer (staff).
    pub customer_id: Option<Uuid>,
}

fn not_found() -> DomainError {
    DomainError::NotFound("No such ticket.".into())
}

impl Domain {
    /// The caller's side and, for a customer, their customer id.
    async fn ticket_side(&self, caller: &Caller) -> DomainResult<(Side, Option<Uuid>)> {
        let Some(actor) = caller.actor else {
            return Ok((Side::Staff, None));
        };
        if actor.role.is_staff() {
            return Ok((Side::Staff, None));
        }
        let own = self.own_customer(caller).await?.map(|c| c.id);
        Ok((Side::Customer, own))
    }

    /// A ticket the caller may see (a customer: their own), else "not found".
    async fn visible_ticket(
        &self,
        id: Uuid,
        caller: &Caller,
    ) -> DomainResult<(ticket::Model, Side)> {
        let (side, own) = self.ticket_side(caller).await?;
        let row = ticket::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(not_found)?;
        if side == Side::Customer && own != Some(row.customer_id) {
            return Err(not_found());
        }
        Ok((row, side))
    }

    fn ticket_view(&self, row: ticket::Model, messages: Vec<TicketMessageView>) -> TicketView {
        let breach = breach(
            row.status,
            row.first_responded_at.is_some(),
            from_millis(row.first_response_due),
            from_millis(row.resolution_due),
            self.now(),
        );
        TicketView {
            row,
            breach,
            messages,
        }
    }

    /// Opens a ticket with its first message; its deadlines follow from its priority.
    /// Opened by staff for a customer, it counts as answered (staff wrote first). Audited.
    pub async fn open_ticket(&self, input: NewTicket, caller: &Caller) -> DomainResult<TicketView> {
        caller.require(Permission::OpenTicket)?;
        let author = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Sign in to open a ticket.".into()))?;
        let (side, own) = self.ticket_side(caller).await?;
        let customer_id = match side {
            Side::Customer => own.ok_or_else(|| {
                DomainError::Conflict(
                    "Complete your customer profile first; a ticket belongs to a customer.".into(),
                )
            })?,
            Side::Staff => {
                let id = input.customer_id.ok_or_else(|| {
                    DomainError::validation("customerId", "Say whose problem it is.")
                })?;
                customer::Entity::find_by_id(id)
                    .one(self.db())
                    .await?
                    .ok_or_else(|| DomainError::NotFound("No such customer.".into()))?
                    .id
            }
        };
        let by_staff = side == Side::Staff;
        let txn = begin_write(self.db()).await?;
        let id = self
            .insert_ticket(
                &txn,
                customer_id,
                author.account_id,
                by_staff,
                input,
                caller,
            )
            .await?;
        txn.commit().await?;
        self.ticket(id, caller).await
    }

    /// Writes a checked ticket and its first message in `txn`, audited: by staff it
    /// counts as answered. The one way a ticket comes to be (`openTicket`, and a
    /// follow-up that found a problem).
    pub(crate) async fn insert_ticket<C: sea_orm::ConnectionTrait>(
        &self,
        txn: &C,
        customer_id: Uuid,
        author: Uuid,
        by_staff: bool,
        input: NewTicket,
        caller: &Caller,
    ) -> DomainResult<Uuid> {
        let subject = input.subject.trim().to_owned();
        if !(2..=200).contains(&subject.chars().count()) {
            return Err(DomainError::validation(
                "subject",
                "Give the ticket a subject of 2 to 200 characters.",
            ));
        }
        let body = body_of(&input.body)?;
        let attachments = attachments_of(&input.attachments)?;
        let priority = input.priority.unwrap_or(TicketPriority::Normal);
        let level = ServiceLevel::of(priority);
        let now = self.now();
        let at = to_millis(now);
        let id = Uuid::now_v7();
        let row = ticket::ActiveModel {
            id: Set(id),
            customer_id: Set(customer_id),
            opened_by: Set(author),
            category: Set(input.category),
            priority: Set(priority),
            subject: Set(subject),
            status: Set(if by_staff {
                TicketStatus::InProgress
            } else {
                TicketStatus::Open
            }),
            first_response_due: Set(to_millis(now + level.first_response)),
            resolution_due: Set(to_millis(now + level.resolution)),
            first_responded_at: Set(by_staff.then_some(at)),
            resolved_at: Set(None),
            closed_at: Set(None),
            escalated_at: Set(None),
            escalation_reason: Set(None),
            reopened: Set(0),
            created_at: Set(at),
            updated_at: Set(at),
        }
        .insert(txn)
        .await?;
        ticket_message::ActiveModel {
            id: Set(Uuid::now_v7()),
            ticket_id: Set(id),
            author_id: Set(author),
            from_customer: Set(!by_staff),
            body: Set(body),
            attachments: Set(attachments),
            created_at: Set(at),
        }
        .insert(txn)
        .await?;
        chain::append(
            txn,
            now,
            caller,
            AuditRecord::new("ticket.open", "ticket", Some(id.to_string())).after(json!({
                "customer": customer_id.to_string(),
                "category": format!("{:?}", row.category),
                "priority": format!("{:?}", row.priority),
            })),
        )
        .await?;
        Ok(id)
    }

    /// Adds a message to a ticket. A customer's answer to a question puts the ticket back
    /// in progress; staff's first answer meets the first-response target, and the
    /// customer is told of every staff answer through their channels.
    pub async fn reply_to_ticket(
        &self,
        id: Uuid,
        body: &str,
        attachments: &[Attachment],
        caller: &Caller,
    ) -> DomainResult<TicketView> {
        caller.require(Permission::ReplyToTicket)?;
        let author = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Sign in to answer a ticket.".into()))?;
        let (row, side) = self.visible_ticket(id, caller).await?;
        let body = body_of(body)?;
        let files = attachments_of(attachments)?;
        if matches!(row.status, TicketStatus::Resolved | TicketStatus::Closed) {
            return Err(DomainError::Conflict(
                "This ticket is resolved: reopen it (within 7 days) or open a new one.".into(),
            ));
        }
        let now = self.now();
        let at = to_millis(now);
        let next = match (side, row.status) {
            (Side::Customer, TicketStatus::WaitingCustomer) => TicketStatus::InProgress,
            (Side::Staff, TicketStatus::Open) => TicketStatus::InProgress,
            (_, status) => status,
        };
        let txn = begin_write(self.db()).await?;
        let mut update = ticket::Entity::update_many()
            .col_expr(ticket::Column::Status, Expr::value(next))
            .col_expr(ticket::Column::UpdatedAt, Expr::value(at))
            .filter(ticket::Column::Id.eq(id))
            .filter(ticket::Column::Status.eq(row.status));
        if side == Side::Staff && row.first_responded_at.is_none() {
            update = update.col_expr(ticket::Column::FirstRespondedAt, Expr::value(at));
        }
        if update.exec(&txn).await?.rows_affected == 0 {
            return Err(DomainError::Conflict(
                "The ticket changed meanwhile; read it again and answer.".into(),
            ));
        }
        ticket_message::ActiveModel {
            id: Set(Uuid::now_v7()),
            ticket_id: Set(id),
            author_id: Set(author.account_id),
            from_customer: Set(side == Side::Customer),
            body: Set(body),
            attachments: Set(files),
            created_at: Set(at),
        }
        .insert(&txn)
        .await?;
        if side == Side::Staff {
            outbox::write(
                &txn,
                now,
                &[Notice {
                    customer_id: row.customer_id,
                    plan_id: None,
                    message: Message::TicketReply {
                        subject: row.subject.clone(),
                    },
                    once: None,
                }],
            )
            .await?;
            chain::append(
                &txn,
                now,
                caller,
                AuditRecord::new("ticket.reply", "ticket", Some(id.to_string()))
                    .after(json!({ "status": format!("{next:?}") })),
            )
            .await?;
        }
        txn.commit().await?;
        self.ticket(id, caller).await
    }

    /// Moves a ticket to `to` as the rules allow the caller's side (staff move it along;
    /// a customer closes or reopens their own). Reopening starts the resolution clock
    /// again. Audited.
    pub async fn change_ticket_status(
        &self,
        id: Uuid,
        to: TicketStatus,
        caller: &Caller,
    ) -> DomainResult<TicketView> {
        caller.require(Permission::ReplyToTicket)?;
        let (row, side) = self.visible_ticket(id, caller).await?;
        let now = self.now();
        if let Some(reason) = refusal(row.status, to, side, row.resolved_at.map(from_millis), now) {
            return Err(DomainError::Conflict(reason));
        }
        let at = to_millis(now);
        let mut update = ticket::Entity::update_many()
            .col_expr(ticket::Column::Status, Expr::value(to))
            .col_expr(ticket::Column::UpdatedAt, Expr::value(at))
            .filter(ticket::Column::Id.eq(id))
            .filter(ticket::Column::Status.eq(row.status));
        let reopening = matches!(row.status, TicketStatus::Resolved | TicketStatus::Closed);
        match to {
            TicketStatus::Resolved => {
                update = update.col_expr(ticket::Column::ResolvedAt, Expr::value(at));
            }
            TicketStatus::Closed => {
                update = update.col_expr(ticket::Column::ClosedAt, Expr::value(at));
            }
            _ if reopening => {
                let level = ServiceLevel::of(row.priority);
                update = update
                    .col_expr(ticket::Column::Reopened, Expr::value(row.reopened + 1))
                    .col_expr(
                        ticket::Column::ResolutionDue,
                        Expr::value(to_millis(now + level.resolution)),
                    )
                    .col_expr(ticket::Column::ClosedAt, Expr::value(Option::<i64>::None))
                    .col_expr(
                        ticket::Column::EscalatedAt,
                        Expr::value(Option::<i64>::None),
                    )
                    .col_expr(
                        ticket::Column::EscalationReason,
                        Expr::value(Option::<String>::None),
                    );
            }
            _ => {}
        }
        if side == Side::Staff && row.first_responded_at.is_none() {
            update = update.col_expr(ticket::Column::FirstRespondedAt, Expr::value(at));
        }
        let txn = begin_write(self.db()).await?;
        if update.exec(&txn).await?.rows_affected == 0 {
            return Err(DomainError::Conflict(
                "The ticket changed meanwhile; read it again.".into(),
            ));
        }
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new("ticket.status", "ticket", Some(id.to_string()))
                .before(json!({ "status": format!("{:?}", row.status) }))
                .after(json!({ "status": format!("{to:?}") })),
        )
        .await?;
        txn.commit().await?;
        self.ticket(id, caller).await
    }

    /// One ticket with its messages: its customer, or staff.
    pub async fn ticket(&self, id: Uuid, caller: &Caller) -> DomainResult<TicketView> {
        caller.require(Permission::ReadTickets)?;
        let (row, _) = self.visible_ticket(id, caller).await?;
        let messages = ticket_message::Entity::find()
            .filter(ticket_message::Column::TicketId.eq(id))
            .order_by_asc(ticket_message::Column::CreatedAt)
            .order_by_asc(ticket_message::Column::Id)
            .limit(MAX_MESSAGES)
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| TicketMessageView {
                id: m.id,
                from_customer: m.from_customer,
                attachments: serde_json::from_str(&m.attachments).unwrap_or_default(),
                body: m.body,
                created_at: from_millis(m.created_at),
            })
            .collect();
        Ok(self.ticket_view(row, messages))
    }

    /// Tickets newest first: a customer's own, or (staff) every ticket by status, by
    /// customer, and escalated or not (the supervisors' queue). The cursor is the id.
    pub async fn tickets(
        &self,
        filter: TicketFilter,
        page: PageRequest<Uuid>,
        caller: &Caller,
    ) -> DomainResult<Page<TicketView, Uuid>> {
        caller.require(Permission::ReadTickets)?;
        let (side, own) = self.ticket_side(caller).await?;
        let mut query = ticket::Entity::find()
            .order_by_desc(ticket::Column::Id)
            .limit(page.first + 1);
        match side {
            Side::Customer => match own {
                Some(own) => query = query.filter(ticket::Column::CustomerId.eq(own)),
                None => return Ok(Page::from_rows(Vec::new(), page.first)),
            },
            Side::Staff => {
                if let Some(customer) = filter.customer_id {
                    query = query.filter(ticket::Column::CustomerId.eq(customer));
                }
            }
        }
        if let Some(status) = filter.status {
            query = query.filter(ticket::Column::Status.eq(status));
        }
        match filter.escalated {
            Some(true) => query = query.filter(ticket::Column::EscalatedAt.is_not_null()),
            Some(false) => query = query.filter(ticket::Column::EscalatedAt.is_null()),
            None => {}
        }
        if let Some(after) = page.after {
            query = query.filter(ticket::Column::Id.lt(after));
        }
        let rows = query.all(self.db()).await?;
        Ok(Page::from_rows(
            rows.into_iter()
                .map(|r| (r.id, self.ticket_view(r, Vec::new())))
                .collect(),
            page.first,
        ))
    }
}
