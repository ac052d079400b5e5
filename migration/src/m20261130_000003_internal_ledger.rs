//! The bank's own installment platform keeps its money here: accounts (a customer's
//! repayment deposit account, the bank's own accounts) and double-entry postings, each
//! entry keyed by an idempotency key so the same request never moves money twice.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LedgerAccount {
    Table,
    Id,
    Code,
    CustomerId,
    Kind,
    BalanceFen,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LedgerEntry {
    Table,
    Id,
    IdempotencyKey,
    Kind,
    Outcome,
    AmountFen,
    AccountId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LedgerPosting {
    Table,
    Id,
    EntryId,
    AccountId,
    AmountFen,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LedgerAccount::Table)
                    .col(pk_uuid(LedgerAccount::Id))
                    .col(string_len(LedgerAccount::Code, 64).unique_key())
                    .col(uuid_null(LedgerAccount::CustomerId))
                    .col(string_len(LedgerAccount::Kind, 24))
                    .col(big_integer(LedgerAccount::BalanceFen))
                    .col(big_integer(LedgerAccount::CreatedAt))
                    .col(big_integer(LedgerAccount::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerEntry::Table)
                    .col(pk_uuid(LedgerEntry::Id))
                    .col(string_len(LedgerEntry::IdempotencyKey, 128).unique_key())
                    .col(string_len(LedgerEntry::Kind, 16))
                    .col(string_len(LedgerEntry::Outcome, 24))
                    .col(big_integer(LedgerEntry::AmountFen))
                    .col(uuid(LedgerEntry::AccountId))
                    .col(big_integer(LedgerEntry::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_entry_account")
                            .from(LedgerEntry::Table, LedgerEntry::AccountId)
                            .to(LedgerAccount::Table, LedgerAccount::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerPosting::Table)
                    .col(pk_uuid(LedgerPosting::Id))
                    .col(uuid(LedgerPosting::EntryId))
                    .col(uuid(LedgerPosting::AccountId))
                    .col(big_integer(LedgerPosting::AmountFen))
                    .col(big_integer(LedgerPosting::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_posting_entry")
                            .from(LedgerPosting::Table, LedgerPosting::EntryId)
                            .to(LedgerEntry::Table, LedgerEntry::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_posting_account")
                            .from(LedgerPosting::Table, LedgerPosting::AccountId)
                            .to(LedgerAccount::Table, LedgerAccount::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ledger_posting_account")
                    .table(LedgerPosting::Table)
                    .col(LedgerPosting::AccountId)
                    .col(LedgerPosting::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LedgerPosting::Table.into_iden(),
            LedgerEntry::Table.into_iden(),
            LedgerAccount::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
