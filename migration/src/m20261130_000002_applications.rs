//! Installment applications (分期申请) and the record of every step of their one state
//! machine: who moved it, when, from what to what, and why.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customer {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum InstallmentApplication {
    Table,
    Id,
    CustomerId,
    OpenedBy,
    AmountFen,
    Purpose,
    Periods,
    Frequency,
    MonthlyBudgetFen,
    PaymentDay,
    Status,
    AssessmentId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApplicationTransition {
    Table,
    Id,
    ApplicationId,
    FromStatus,
    ToStatus,
    ActorAccountId,
    ActorRole,
    Reason,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InstallmentApplication::Table)
                    .col(pk_uuid(InstallmentApplication::Id))
                    .col(uuid(InstallmentApplication::CustomerId))
                    .col(uuid_null(InstallmentApplication::OpenedBy))
                    .col(big_integer(InstallmentApplication::AmountFen))
                    .col(string_len(InstallmentApplication::Purpose, 200))
                    .col(integer(InstallmentApplication::Periods))
                    .col(string_len(InstallmentApplication::Frequency, 16))
                    .col(big_integer_null(InstallmentApplication::MonthlyBudgetFen))
                    .col(integer(InstallmentApplication::PaymentDay))
                    .col(string_len(InstallmentApplication::Status, 24))
                    .col(uuid_null(InstallmentApplication::AssessmentId))
                    .col(big_integer(InstallmentApplication::CreatedAt))
                    .col(big_integer(InstallmentApplication::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_application_customer")
                            .from(
                                InstallmentApplication::Table,
                                InstallmentApplication::CustomerId,
                            )
                            .to(Customer::Table, Customer::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // A customer's applications, newest first; staff lists by status; the expiry job
        // finds idle open applications by status and last change.
        for (name, cols) in [
            (
                "ix_application_customer",
                vec![
                    InstallmentApplication::CustomerId,
                    InstallmentApplication::Id,
                ],
            ),
            (
                "ix_application_status",
                vec![
                    InstallmentApplication::Status,
                    InstallmentApplication::UpdatedAt,
                ],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(InstallmentApplication::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ApplicationTransition::Table)
                    .col(pk_uuid(ApplicationTransition::Id))
                    .col(uuid(ApplicationTransition::ApplicationId))
                    .col(string_len_null(ApplicationTransition::FromStatus, 24))
                    .col(string_len(ApplicationTransition::ToStatus, 24))
                    .col(uuid_null(ApplicationTransition::ActorAccountId))
                    .col(string_len(ApplicationTransition::ActorRole, 24))
                    .col(text(ApplicationTransition::Reason))
                    .col(big_integer(ApplicationTransition::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_transition_application")
                            .from(
                                ApplicationTransition::Table,
                                ApplicationTransition::ApplicationId,
                            )
                            .to(InstallmentApplication::Table, InstallmentApplication::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_transition_application")
                    .table(ApplicationTransition::Table)
                    .col(ApplicationTransition::ApplicationId)
                    .col(ApplicationTransition::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApplicationTransition::Table).to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(InstallmentApplication::Table)
                    .to_owned(),
            )
            .await
    }
}
