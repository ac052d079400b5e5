//! Stage 5's notifications: the minimal outbox of stage 4 becomes the transactional outbox.
//! Each message is written in the same transaction as the fact it announces and sent after
//! commit by the worker, so a rolled-back fact announces nothing and a crash loses nothing.
//! A message now keeps its status, subject and language, when it may next be tried (after
//! a failure, or when the customer's contact window opens), who holds it while it is being
//! sent, the provider's reference, the last error and its times; a key makes reminders
//! once per installment and kind; the in-app copy (channel `app`) is the customer's inbox
//! and keeps when it was read.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PlanEntry {
    Table,
    DueDate,
}

#[derive(DeriveIden)]
enum OutboxMessage {
    Table,
    CustomerId,
    Channel,
    CreatedAt,
    Status,
    Subject,
    Language,
    PlanId,
    DedupeKey,
    RespectsWindow,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LeaseOwner,
    Provider,
    ProviderRef,
    LastError,
    SentAt,
    ReadAt,
}

/// Adds one column (SQLite alters one at a time).
async fn add(manager: &SchemaManager<'_>, column: ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(OutboxMessage::Table)
                .add_column(column)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Messages written before this migration were shown in the demo outbox only: they
        // count as sent.
        add(
            manager,
            string_len(OutboxMessage::Status, 16)
                .default("sent")
                .to_owned(),
        )
        .await?;
        add(
            manager,
            string_len(OutboxMessage::Subject, 200)
                .default("")
                .to_owned(),
        )
        .await?;
        add(
            manager,
            string_len(OutboxMessage::Language, 8)
                .default("zh-CN")
                .to_owned(),
        )
        .await?;
        add(manager, uuid_null(OutboxMessage::PlanId)).await?;
        add(manager, string_len_null(OutboxMessage::DedupeKey, 160)).await?;
        add(
            manager,
            boolean(OutboxMessage::RespectsWindow)
                .default(false)
                .to_owned(),
        )
        .await?;
        add(
            manager,
            integer(OutboxMessage::Attempts).default(0).to_owned(),
        )
        .await?;
        add(
            manager,
            big_integer(OutboxMessage::NextAttemptAt)
                .default(0)
                .to_owned(),
        )
        .await?;
        add(manager, big_integer_null(OutboxMessage::LeaseUntil)).await?;
        add(manager, string_len_null(OutboxMessage::LeaseOwner, 64)).await?;
        add(manager, string_len_null(OutboxMessage::Provider, 32)).await?;
        add(manager, string_len_null(OutboxMessage::ProviderRef, 300)).await?;
        add(manager, text_null(OutboxMessage::LastError)).await?;
        add(manager, big_integer_null(OutboxMessage::SentAt)).await?;
        add(manager, big_integer_null(OutboxMessage::ReadAt)).await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_outbox_message_dedupe")
                    .table(OutboxMessage::Table)
                    .col(OutboxMessage::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The sender's scan: pending messages whose time has come.
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_message_due")
                    .table(OutboxMessage::Table)
                    .col(OutboxMessage::Status)
                    .col(OutboxMessage::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // Reminders find installments by due date (3 and 1 days ahead, 1 and 7 days past),
        // at a cost that grows with those due, not with the plans held.
        manager
            .create_index(
                Index::create()
                    .name("ix_plan_entry_due_date")
                    .table(PlanEntry::Table)
                    .col(PlanEntry::DueDate)
                    .to_owned(),
            )
            .await?;
        // The inbox: one customer's messages on one channel, newest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_message_inbox")
                    .table(OutboxMessage::Table)
                    .col(OutboxMessage::CustomerId)
                    .col(OutboxMessage::Channel)
                    .col(OutboxMessage::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_plan_entry_due_date")
                    .table(PlanEntry::Table)
                    .to_owned(),
            )
            .await?;
        for index in [
            "ux_outbox_message_dedupe",
            "ix_outbox_message_due",
            "ix_outbox_message_inbox",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(index)
                        .table(OutboxMessage::Table)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
