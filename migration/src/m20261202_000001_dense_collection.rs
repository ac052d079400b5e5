//! Close of business reads only what is due (docs/repayment.md, the repayment day; the
//! figures in docs/performance.md, "COB"). Its installments are found by `collect_on`, and
//! a close of business no longer writes to them (the debit attempt it makes is the mark),
//! so:
//!
//! - the `collect_on` index becomes `(collect_on, id)` (`ix_plan_entry_to_collect`) for
//!   the close of business's pages (it walks the day's installments in that order), and
//!   partial, like the `overdue_on` one: an installment paid or no longer to be collected
//!   leaves them, so they hold what is still owed, not every installment ever scheduled,
//!   and settling an installment adds nothing to them. On PostgreSQL it also carries
//!   (`INCLUDE`) what close of business reads of an installment (its plan, attempts,
//!   status, overdue day and amounts), so the day's installments are read from the index
//!   alone, where they sit together, not from one table page each among every
//!   installment held. That makes it about as large as the rows it covers (363 MB for
//!   2.4 million unpaid installments, the table 469 MB): the price of a close of business
//!   whose cost does not grow with the plans held (docs/performance.md);
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
    PlanId,
    DueDate,
    Status,
    CollectOn,
    OverdueOn,
    Attempts,
    PrincipalFen,
    InterestFen,
    FeeFen,
    PenaltyFen,
    PaidPrincipalFen,
    PaidInterestFen,
    PaidFeeFen,
    PaidPenaltyFen,
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
        let postgres =
            manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres;
        let mut to_collect = Index::create()
            .name(COLLECT)
            .table(PlanEntry::Table)
            .col(PlanEntry::CollectOn)
            .col(PlanEntry::Id)
            .and_where(Expr::col(PlanEntry::CollectOn).is_not_null())
            .to_owned();
        if postgres {
            // What close of business reads of each installment (`ToCollect` in
            // domain/src/repayment/cob.rs), so it reads the index alone.
            for column in [
                PlanEntry::PlanId,
                PlanEntry::Attempts,
                PlanEntry::Status,
                PlanEntry::OverdueOn,
                PlanEntry::PrincipalFen,
                PlanEntry::InterestFen,
                PlanEntry::FeeFen,
                PlanEntry::PenaltyFen,
                PlanEntry::PaidPrincipalFen,
                PlanEntry::PaidInterestFen,
                PlanEntry::PaidFeeFen,
                PlanEntry::PaidPenaltyFen,
            ] {
                to_collect.include(column);
            }
        }
        manager.create_index(to_collect).await?;
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
