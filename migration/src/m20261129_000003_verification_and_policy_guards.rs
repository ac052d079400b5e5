//! Identity verification before credit inquiries (a customer could otherwise type someone
//! else's ID number and pull their report), initial passwords that must be changed, and a
//! database guarantee that at most one risk policy version is active.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customer {
    Table,
    IdentityVerifiedAt,
    IdentityVerifiedBy,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    MustChangePassword,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Customer::Table)
                    .add_column(big_integer_null(Customer::IdentityVerifiedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Customer::Table)
                    .add_column(uuid_null(Customer::IdentityVerifiedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Account::Table)
                    .add_column(boolean(Account::MustChangePassword).default(false))
                    .to_owned(),
            )
            .await?;
        // A partial unique index: both SQLite and PostgreSQL understand this statement.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_risk_policy_one_active ON risk_policy (status) WHERE status = 'active'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX uq_risk_policy_one_active")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Account::Table)
                    .drop_column(Account::MustChangePassword)
                    .to_owned(),
            )
            .await?;
        for column in [Customer::IdentityVerifiedBy, Customer::IdentityVerifiedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Customer::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
