//! Stage 6's follow-ups (定期回访) and satisfaction: tasks made by the rules on the clock,
//! assigned to an agent and recorded with their outcome; and every satisfaction answer,
//! from a call or from the app.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FollowUpTask {
    Table,
    Id,
    CustomerId,
    PlanId,
    Reason,
    DedupeKey,
    AssignedTo,
    Status,
    DueOn,
    CreatedAt,
    DoneAt,
    Reached,
    Channel,
    Satisfaction,
    Notes,
    Problems,
    TicketId,
    QuietHours,
    RecordedBy,
}

#[derive(DeriveIden)]
enum SurveyResponse {
    Table,
    Id,
    CustomerId,
    TaskId,
    PlanId,
    Score,
    Comment,
    Source,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FollowUpTask::Table)
                    .col(pk_uuid(FollowUpTask::Id))
                    .col(uuid(FollowUpTask::CustomerId))
                    .col(uuid_null(FollowUpTask::PlanId))
                    .col(string_len(FollowUpTask::Reason, 24))
                    .col(string_len_uniq(FollowUpTask::DedupeKey, 120))
                    .col(uuid_null(FollowUpTask::AssignedTo))
                    .col(string_len(FollowUpTask::Status, 16))
                    .col(string_len(FollowUpTask::DueOn, 10))
                    .col(big_integer(FollowUpTask::CreatedAt))
                    .col(big_integer_null(FollowUpTask::DoneAt))
                    .col(boolean_null(FollowUpTask::Reached))
                    .col(string_len_null(FollowUpTask::Channel, 16))
                    .col(integer_null(FollowUpTask::Satisfaction))
                    .col(text_null(FollowUpTask::Notes))
                    .col(text_null(FollowUpTask::Problems))
                    .col(uuid_null(FollowUpTask::TicketId))
                    .col(text_null(FollowUpTask::QuietHours))
                    .col(uuid_null(FollowUpTask::RecordedBy))
                    .to_owned(),
            )
            .await?;
        // An agent's work list, and the fairness count of open tasks per agent.
        manager
            .create_index(
                Index::create()
                    .name("ix_follow_up_task_agent")
                    .table(FollowUpTask::Table)
                    .col(FollowUpTask::AssignedTo)
                    .col(FollowUpTask::Status)
                    .col(FollowUpTask::DueOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_follow_up_task_customer")
                    .table(FollowUpTask::Table)
                    .col(FollowUpTask::CustomerId)
                    .col(FollowUpTask::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyResponse::Table)
                    .col(pk_uuid(SurveyResponse::Id))
                    .col(uuid(SurveyResponse::CustomerId))
                    .col(uuid_null(SurveyResponse::TaskId))
                    .col(uuid_null(SurveyResponse::PlanId))
                    .col(integer(SurveyResponse::Score))
                    .col(text_null(SurveyResponse::Comment))
                    .col(string_len(SurveyResponse::Source, 16))
                    .col(big_integer(SurveyResponse::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_survey_response_customer")
                    .table(SurveyResponse::Table)
                    .col(SurveyResponse::CustomerId)
                    .col(SurveyResponse::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SurveyResponse::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(FollowUpTask::Table).to_owned())
            .await
    }
}
