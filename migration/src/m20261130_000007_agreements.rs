//! Stage 4's agreements: the document issued from the agreed proposal, with the facts it
//! states and its SHA-256 fixed at issue.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agreement {
    Table,
    Id,
    ApplicationId,
    ProposalId,
    CustomerId,
    Template,
    Language,
    Facts,
    Html,
    Sha256,
    IssuedBy,
    IssuedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Agreement::Table)
                    .col(pk_uuid(Agreement::Id))
                    .col(uuid(Agreement::ApplicationId).unique_key())
                    .col(uuid(Agreement::ProposalId))
                    .col(uuid(Agreement::CustomerId))
                    .col(string_len(Agreement::Template, 48))
                    .col(string_len(Agreement::Language, 8))
                    .col(text(Agreement::Facts))
                    .col(text(Agreement::Html))
                    .col(string_len(Agreement::Sha256, 64))
                    .col(uuid(Agreement::IssuedBy))
                    .col(big_integer(Agreement::IssuedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Agreement::Table).to_owned())
            .await
    }
}
