//! Schedule versions: a plan's schedule as it stood after each change (its opening, each
//! partial prepayment, its payoff), kept whole so the old one stays readable; and the
//! prepayment each change made, so the schedule engine can rebuild the current schedule
//! from the agreed loan.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ScheduleVersion {
    Table,
    Id,
    PlanId,
    Version,
    Reason,
    PaidPeriods,
    PrepaidFen,
    Mode,
    Rows,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScheduleVersion::Table)
                    .col(pk_uuid(ScheduleVersion::Id))
                    .col(uuid(ScheduleVersion::PlanId))
                    .col(integer(ScheduleVersion::Version))
                    .col(string_len(ScheduleVersion::Reason, 32))
                    .col(integer_null(ScheduleVersion::PaidPeriods))
                    .col(big_integer_null(ScheduleVersion::PrepaidFen))
                    .col(string_len_null(ScheduleVersion::Mode, 32))
                    .col(text(ScheduleVersion::Rows))
                    .col(big_integer(ScheduleVersion::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_schedule_version_plan_version")
                    .table(ScheduleVersion::Table)
                    .col(ScheduleVersion::PlanId)
                    .col(ScheduleVersion::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ScheduleVersion::Table).to_owned())
            .await
    }
}
