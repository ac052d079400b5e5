//! Close of business reads only what is due (docs/repayment.md, "What close of business
//! costs"). Its installments are found by `collect_on`, and a close of business no longer
//! writes to them (the debit attempt it makes is the mark), so:
//!
//! - the `collect_on` index becomes `(collect_on, id)` (`ix_plan_entry_to_collect`) for the close of business's
//!   pages (it walks the day's installments in that order), and partial, like the
//!   `overdue_on` one: an installment paid or no longer to be collected leaves them, so
//!   they hold what is still owed, not every installment ever scheduled, and settling an
//!   installment adds nothing to them;
//! - the plans' statuses get an index of their own, `(id) INCLUDE (status)` (on SQLite,
//!   where an index has no `INCLUDE`, `(id, status)`): close of business asks of each
//!   installment's plan only whether it is active, and answered from this small index the
//!   question no longer reads one plan row per page from a table of every plan held;
//! - `ix_plan_entry_due_date` goes: `ix_plan_entry_due` (`due_date`, `status`) serves the
//!   same lookups, and every new version of an entry (each payment writes one) paid for
//!   both.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InstallmentPlan {
    Table,
    Id,
    Status,
}

#[derive(DeriveIden)]
enum PlanEntry {
    Table,
    Id,
    DueDate,
    CollectOn,
    OverdueOn,
}

const OLD_COLLECT: &str = "ix_plan_entry_collect_on";
const OLD_OVERDUE: &str = "ix_plan_entry_overdue_on";
const COLLECT: &str = "ix_plan_entry_to_collect";
const OVERDUE: &str = "ix_plan_entry_owed_overdue";
const DUE_DATE: &str = "ix_plan_entry_due_date";
const PLAN_STATUS: &str = "ix_installment_plan_status_by_id";

async fn drop(manager: &SchemaManager<'_>, name: &str) -> Result<(), DbErr> {
    manager
        .drop_index(Index::drop().name(name).table(PlanEntry::Table).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [OLD_COLLECT, OLD_OVERDUE, DUE_DATE] {
            drop(manager, name).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(COLLECT)
                    .table(PlanEntry::Table)
                    .col(PlanEntry::CollectOn)
                    .col(PlanEntry::Id)
                    .and_where(Expr::col(PlanEntry::CollectOn).is_not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(OVERDUE)
                    .table(PlanEntry::Table)
                    .col(PlanEntry::OverdueOn)
                    .and_where(Expr::col(PlanEntry::OverdueOn).is_not_null())
                    .to_owned(),
            )
            .await?;
        let mut plan_status = Index::create()
            .name(PLAN_STATUS)
            .table(InstallmentPlan::Table)
            .col(InstallmentPlan::Id)
            .to_owned();
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            plan_status.include(InstallmentPlan::Status);
        } else {
            plan_status.col(InstallmentPlan::Status);
        }
        manager.create_index(plan_status).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(PLAN_STATUS)
                    .table(InstallmentPlan::Table)
                    .to_owned(),
            )
            .await?;
        for name in [COLLECT, OVERDUE] {
            drop(manager, name).await?;
        }
        for (name, column) in [
            (OLD_COLLECT, PlanEntry::CollectOn),
            (OLD_OVERDUE, PlanEntry::OverdueOn),
            (DUE_DATE, PlanEntry::DueDate),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(PlanEntry::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
