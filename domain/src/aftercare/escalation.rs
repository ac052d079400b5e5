//! Escalation of tickets that miss their service level (the worker's `escalate_tickets`
//! job, every minute): each such ticket goes to the supervisors' queue once, with the
//! deadline it missed, and its customer is told a supervisor now follows it. Batched: one
//! read of the breaching tickets, one conditional update and one outbox write per batch,
//! so any number of workers may run it and a ticket is escalated exactly once.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use entities::ticket::{self, TicketStatus};

use super::ticket_rules::breach;
use crate::audit::{AuditRecord, chain};
use crate::auth::Caller;
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::DomainResult;
use crate::notices::Message;
use crate::notices::outbox::{self, Notice};
use crate::service::Domain;

/// Tickets escalated per batch.
const BATCH: u64 = 200;

impl Domain {
    /// Escalates every open ticket past a deadline that is not escalated yet; returns
    /// how many this run escalated.
    pub async fn escalate_tickets(&self) -> DomainResult<u64> {
        let mut total = 0;
        loop {
            let now = self.now();
            let at = to_millis(now);
            let missed = Condition::any()
                .add(
                    Condition::all()
                        .add(ticket::Column::FirstRespondedAt.is_null())
                        .add(ticket::Column::FirstResponseDue.lt(at)),
                )
                .add(ticket::Column::ResolutionDue.lt(at));
            let rows = ticket::Entity::find()
                .filter(ticket::Column::Status.is_in([
                    TicketStatus::Open,
                    TicketStatus::InProgress,
                    TicketStatus::WaitingCustomer,
                ]))
                .filter(ticket::Column::EscalatedAt.is_null())
                .filter(missed)
                .order_by_asc(ticket::Column::ResolutionDue)
                .limit(BATCH)
                .all(self.db())
                .await?;
            if rows.is_empty() {
                return Ok(total);
            }
            let full = rows.len() as u64 == BATCH;
            let txn = begin_write(self.db()).await?;
            let mut notices = Vec::new();
            for row in &rows {
                let Some(reason) = breach(
                    row.status,
                    row.first_responded_at.is_some(),
                    from_millis(row.first_response_due),
                    from_millis(row.resolution_due),
                    now,
                ) else {
                    continue;
                };
                // Only the run that sets it escalates (another worker may race).
                let moved = ticket::Entity::update_many()
                    .col_expr(ticket::Column::EscalatedAt, Expr::value(at))
                    .col_expr(ticket::Column::EscalationReason, Expr::value(reason))
                    .col_expr(ticket::Column::UpdatedAt, Expr::value(at))
                    .filter(ticket::Column::Id.eq(row.id))
                    .filter(ticket::Column::EscalatedAt.is_null())
                    .exec(&txn)
                    .await?
                    .rows_affected;
                if moved == 0 {
                    continue;
                }
                total += 1;
                notices.push(Notice {
                    customer_id: row.customer_id,
                    plan_id: None,
                    message: Message::TicketEscalated {
                        subject: row.subject.clone(),
                    },
                    once: Some(format!("ticket_escalated:{}:{}", row.id, row.reopened)),
                });
                chain::append(
                    &txn,
                    now,
                    &Caller::system("escalate_tickets"),
                    AuditRecord::new("ticket.escalate", "ticket", Some(row.id.to_string())).after(
                        json!({ "reason": reason, "priority": format!("{:?}", row.priority) }),
                    ),
                )
                .await?;
            }
            outbox::write(&txn, now, &notices).await?;
            txn.commit().await?;
            if !full {
                return Ok(total);
            }
        }
    }
}
