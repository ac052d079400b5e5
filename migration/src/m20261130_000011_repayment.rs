//! Stage 5's repayment: what each installment has been paid (by part: late charge,
//! interest, fee, principal), when it is next debited and when it turns overdue; each
//! automatic debit attempt, kept under its key (entry and attempt) so that no retry,
//! duplicate delivery or crash debits twice; each payment posted to a plan with its
//! allocation; and the plan's delinquency (since when, which bucket) and its repayment
//! terms. `plan_entry` and `installment_plan` grow; nothing is replaced.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PlanEntry {
    Table,
    PaidPrincipalFen,
    PaidInterestFen,
    PaidFeeFen,
    PaidPenaltyFen,
    PenaltyFen,
    PenaltyThrough,
    CollectOn,
    OverdueOn,
    Attempts,
    SettledOn,
}

#[derive(DeriveIden)]
enum InstallmentPlan {
    Table,
    DelinquentSince,
    Bucket,
    Terms,
}

#[derive(DeriveIden)]
enum DebitAttempt {
    Table,
    Id,
    EntryId,
    PlanId,
    Attempt,
    BusinessDate,
    AmountFen,
    Status,
    Reference,
    Reason,
    EnqueuedAt,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum PlanPayment {
    Table,
    Id,
    PlanId,
    EntryId,
    Kind,
    SourceKey,
    AmountFen,
    PenaltyFen,
    InterestFen,
    FeeFen,
    PrincipalFen,
    Reference,
    BusinessDate,
    PostedAt,
}

/// Adds one column (SQLite alters one at a time).
async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(column).to_owned())
        .await
}

async fn drop_col(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            PlanEntry::PaidPrincipalFen,
            PlanEntry::PaidInterestFen,
            PlanEntry::PaidFeeFen,
            PlanEntry::PaidPenaltyFen,
            PlanEntry::PenaltyFen,
        ] {
            add(
                manager,
                PlanEntry::Table,
                big_integer(column).default(0).to_owned(),
            )
            .await?;
        }
        for column in [
            PlanEntry::PenaltyThrough,
            PlanEntry::CollectOn,
            PlanEntry::OverdueOn,
            PlanEntry::SettledOn,
        ] {
            add(manager, PlanEntry::Table, string_len_null(column, 10)).await?;
        }
        add(
            manager,
            PlanEntry::Table,
            integer(PlanEntry::Attempts).default(0).to_owned(),
        )
        .await?;
        // Entries already open are debited from their due date and turn overdue after
        // the default grace of three days (plans opened from now on carry their own).
        let overdue_on = match manager.get_database_backend() {
            sea_orm_migration::sea_orm::DatabaseBackend::Postgres => {
                "to_char(due_date::date + 4, 'YYYY-MM-DD')"
            }
            _ => "date(due_date, '+4 days')",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE plan_entry SET collect_on = due_date, overdue_on = {overdue_on} WHERE status = 'DUE'"
            ))
            .await?;
        for (index, column) in [
            ("ix_plan_entry_collect_on", PlanEntry::CollectOn),
            ("ix_plan_entry_overdue_on", PlanEntry::OverdueOn),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(index)
                        .table(PlanEntry::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        add(
            manager,
            InstallmentPlan::Table,
            string_len_null(InstallmentPlan::DelinquentSince, 10),
        )
        .await?;
        add(
            manager,
            InstallmentPlan::Table,
            string_len(InstallmentPlan::Bucket, 8)
                .default("CURRENT")
                .to_owned(),
        )
        .await?;
        add(
            manager,
            InstallmentPlan::Table,
            text_null(InstallmentPlan::Terms),
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_installment_plan_delinquent_since")
                    .table(InstallmentPlan::Table)
                    .col(InstallmentPlan::DelinquentSince)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_installment_plan_bucket")
                    .table(InstallmentPlan::Table)
                    .col(InstallmentPlan::Bucket)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DebitAttempt::Table)
                    .col(pk_uuid(DebitAttempt::Id))
                    .col(uuid(DebitAttempt::EntryId))
                    .col(uuid(DebitAttempt::PlanId))
                    .col(integer(DebitAttempt::Attempt))
                    .col(string_len(DebitAttempt::BusinessDate, 10))
                    .col(big_integer(DebitAttempt::AmountFen))
                    .col(string_len(DebitAttempt::Status, 16))
                    .col(string_len_null(DebitAttempt::Reference, 128))
                    .col(text_null(DebitAttempt::Reason))
                    .col(big_integer_null(DebitAttempt::EnqueuedAt))
                    .col(big_integer(DebitAttempt::CreatedAt))
                    .col(big_integer_null(DebitAttempt::FinishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_debit_attempt_entry_attempt")
                    .table(DebitAttempt::Table)
                    .col(DebitAttempt::EntryId)
                    .col(DebitAttempt::Attempt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_debit_attempt_status")
                    .table(DebitAttempt::Table)
                    .col(DebitAttempt::Status)
                    .col(DebitAttempt::EnqueuedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PlanPayment::Table)
                    .col(pk_uuid(PlanPayment::Id))
                    .col(uuid(PlanPayment::PlanId))
                    .col(uuid_null(PlanPayment::EntryId))
                    .col(string_len(PlanPayment::Kind, 16))
                    .col(string_len(PlanPayment::SourceKey, 200))
                    .col(big_integer(PlanPayment::AmountFen))
                    .col(big_integer(PlanPayment::PenaltyFen))
                    .col(big_integer(PlanPayment::InterestFen))
                    .col(big_integer(PlanPayment::FeeFen))
                    .col(big_integer(PlanPayment::PrincipalFen))
                    .col(string_len_null(PlanPayment::Reference, 128))
                    .col(string_len(PlanPayment::BusinessDate, 10))
                    .col(big_integer(PlanPayment::PostedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_plan_payment_source_key")
                    .table(PlanPayment::Table)
                    .col(PlanPayment::SourceKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_plan_payment_plan")
                    .table(PlanPayment::Table)
                    .col(PlanPayment::PlanId)
                    .col(PlanPayment::PostedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PlanPayment::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(DebitAttempt::Table).to_owned())
            .await?;
        for index in [
            "ix_installment_plan_delinquent_since",
            "ix_installment_plan_bucket",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(index)
                        .table(InstallmentPlan::Table)
                        .to_owned(),
                )
                .await?;
        }
        drop_col(manager, InstallmentPlan::Table, InstallmentPlan::Terms).await?;
        drop_col(manager, InstallmentPlan::Table, InstallmentPlan::Bucket).await?;
        drop_col(
            manager,
            InstallmentPlan::Table,
            InstallmentPlan::DelinquentSince,
        )
        .await?;
        for index in ["ix_plan_entry_collect_on", "ix_plan_entry_overdue_on"] {
            manager
                .drop_index(Index::drop().name(index).table(PlanEntry::Table).to_owned())
                .await?;
        }
        for column in [
            PlanEntry::Attempts,
            PlanEntry::SettledOn,
            PlanEntry::OverdueOn,
            PlanEntry::CollectOn,
            PlanEntry::PenaltyThrough,
            PlanEntry::PenaltyFen,
            PlanEntry::PaidPenaltyFen,
            PlanEntry::PaidFeeFen,
            PlanEntry::PaidInterestFen,
            PlanEntry::PaidPrincipalFen,
        ] {
            drop_col(manager, PlanEntry::Table, column).await?;
        }
        Ok(())
    }
}
