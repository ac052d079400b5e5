//! Stage 3's contact log (初步沟通): every contact an agent has with a customer about an
//! application, with the agreed next step, and a flag when it fell in quiet hours.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContactLog {
    Table,
    Id,
    ApplicationId,
    CustomerId,
    AgentId,
    Channel,
    Direction,
    Summary,
    NextStep,
    NextStepDue,
    NextStepDoneAt,
    OccurredAt,
    RecordedAt,
    QuietHours,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ContactLog::Table)
                    .col(pk_uuid(ContactLog::Id))
                    .col(uuid(ContactLog::ApplicationId))
                    .col(uuid(ContactLog::CustomerId))
                    .col(uuid(ContactLog::AgentId))
                    .col(string_len(ContactLog::Channel, 16))
                    .col(string_len(ContactLog::Direction, 16))
                    .col(text(ContactLog::Summary))
                    .col(text_null(ContactLog::NextStep))
                    .col(string_len_null(ContactLog::NextStepDue, 10))
                    .col(big_integer_null(ContactLog::NextStepDoneAt))
                    .col(big_integer(ContactLog::OccurredAt))
                    .col(big_integer(ContactLog::RecordedAt))
                    .col(text_null(ContactLog::QuietHours))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contact_log_application")
                    .table(ContactLog::Table)
                    .col(ContactLog::ApplicationId)
                    .col(ContactLog::OccurredAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contact_log_work_list")
                    .table(ContactLog::Table)
                    .col(ContactLog::AgentId)
                    .col(ContactLog::NextStepDue)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContactLog::Table).to_owned())
            .await
    }
}
