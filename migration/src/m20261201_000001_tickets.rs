//! Stage 6's tickets (难题解决): a customer's problem, opened by them or by an agent, with
//! messages both ways, its service-level deadlines and its escalation.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Ticket {
    Table,
    Id,
    CustomerId,
    OpenedBy,
    Category,
    Priority,
    Subject,
    Status,
    FirstResponseDue,
    ResolutionDue,
    FirstRespondedAt,
    ResolvedAt,
    ClosedAt,
    EscalatedAt,
    EscalationReason,
    Reopened,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TicketMessage {
    Table,
    Id,
    TicketId,
    AuthorId,
    FromCustomer,
    Body,
    Attachments,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Ticket::Table)
                    .col(pk_uuid(Ticket::Id))
                    .col(uuid(Ticket::CustomerId))
                    .col(uuid(Ticket::OpenedBy))
                    .col(string_len(Ticket::Category, 24))
                    .col(string_len(Ticket::Priority, 16))
                    .col(string_len(Ticket::Subject, 200))
                    .col(string_len(Ticket::Status, 24))
                    .col(big_integer(Ticket::FirstResponseDue))
                    .col(big_integer(Ticket::ResolutionDue))
                    .col(big_integer_null(Ticket::FirstRespondedAt))
                    .col(big_integer_null(Ticket::ResolvedAt))
                    .col(big_integer_null(Ticket::ClosedAt))
                    .col(big_integer_null(Ticket::EscalatedAt))
                    .col(text_null(Ticket::EscalationReason))
                    .col(integer(Ticket::Reopened).default(0))
                    .col(big_integer(Ticket::CreatedAt))
                    .col(big_integer(Ticket::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // A customer's tickets, newest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_ticket_customer")
                    .table(Ticket::Table)
                    .col(Ticket::CustomerId)
                    .col(Ticket::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // The escalation job's scan: open tickets by their resolution deadline, and the
        // staff queue by status.
        manager
            .create_index(
                Index::create()
                    .name("ix_ticket_status_due")
                    .table(Ticket::Table)
                    .col(Ticket::Status)
                    .col(Ticket::ResolutionDue)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TicketMessage::Table)
                    .col(pk_uuid(TicketMessage::Id))
                    .col(uuid(TicketMessage::TicketId))
                    .col(uuid(TicketMessage::AuthorId))
                    .col(boolean(TicketMessage::FromCustomer))
                    .col(text(TicketMessage::Body))
                    .col(text(TicketMessage::Attachments))
                    .col(big_integer(TicketMessage::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketMessage::Table, TicketMessage::TicketId)
                            .to(Ticket::Table, Ticket::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ticket_message_ticket")
                    .table(TicketMessage::Table)
                    .col(TicketMessage::TicketId)
                    .col(TicketMessage::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TicketMessage::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Ticket::Table).to_owned())
            .await
    }
}
