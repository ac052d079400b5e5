//! Opening the plan after signing: the plan's schedule entries (the `installment_plan`
//! table grows, it is not replaced), one plan per application, and the reason an opening
//! failed (the application stays `SIGNED` until a retry opens it).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PlanEntry {
    Table,
    Id,
    PlanId,
    Period,
    DueDate,
    PaymentFen,
    PrincipalFen,
    InterestFen,
    FeeFen,
    RemainingFen,
    Status,
}

#[derive(DeriveIden)]
enum InstallmentPlan {
    Table,
    ApplicationId,
}

#[derive(DeriveIden)]
enum InstallmentApplication {
    Table,
    OpeningError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlanEntry::Table)
                    .col(pk_uuid(PlanEntry::Id))
                    .col(uuid(PlanEntry::PlanId))
                    .col(integer(PlanEntry::Period))
                    .col(string_len(PlanEntry::DueDate, 10))
                    .col(big_integer(PlanEntry::PaymentFen))
                    .col(big_integer(PlanEntry::PrincipalFen))
                    .col(big_integer(PlanEntry::InterestFen))
                    .col(big_integer(PlanEntry::FeeFen))
                    .col(big_integer(PlanEntry::RemainingFen))
                    .col(string_len(PlanEntry::Status, 16))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_plan_entry_period")
                    .table(PlanEntry::Table)
                    .col(PlanEntry::PlanId)
                    .col(PlanEntry::Period)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_plan_entry_due")
                    .table(PlanEntry::Table)
                    .col(PlanEntry::DueDate)
                    .col(PlanEntry::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_installment_plan_application")
                    .table(InstallmentPlan::Table)
                    .col(InstallmentPlan::ApplicationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(InstallmentApplication::Table)
                    .add_column(text_null(InstallmentApplication::OpeningError))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(InstallmentApplication::Table)
                    .drop_column(InstallmentApplication::OpeningError)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_installment_plan_application")
                    .table(InstallmentPlan::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PlanEntry::Table).to_owned())
            .await
    }
}
