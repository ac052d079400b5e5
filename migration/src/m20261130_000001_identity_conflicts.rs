//! The staff review queue of identity conflicts: a customer typed an ID or mobile number
//! that another customer holds. The customer's answer does not tell them so (that would let
//! anyone test whose numbers are registered); the conflict is kept here for staff instead.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customer {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum IdentityConflict {
    Table,
    Id,
    CustomerId,
    Field,
    HolderCustomerId,
    AttemptedMasked,
    AttemptedHash,
    Status,
    CreatedAt,
    ResolvedBy,
    ResolvedAt,
    Resolution,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdentityConflict::Table)
                    .col(pk_uuid(IdentityConflict::Id))
                    .col(uuid(IdentityConflict::CustomerId))
                    .col(string_len(IdentityConflict::Field, 16))
                    .col(uuid_null(IdentityConflict::HolderCustomerId))
                    .col(string_len(IdentityConflict::AttemptedMasked, 32))
                    .col(string_len(IdentityConflict::AttemptedHash, 64))
                    .col(string_len(IdentityConflict::Status, 16))
                    .col(big_integer(IdentityConflict::CreatedAt))
                    .col(uuid_null(IdentityConflict::ResolvedBy))
                    .col(big_integer_null(IdentityConflict::ResolvedAt))
                    .col(text_null(IdentityConflict::Resolution))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_identity_conflict_customer")
                            .from(IdentityConflict::Table, IdentityConflict::CustomerId)
                            .to(Customer::Table, Customer::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_identity_conflict_status")
                    .table(IdentityConflict::Table)
                    .col(IdentityConflict::Status)
                    .col(IdentityConflict::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdentityConflict::Table).to_owned())
            .await
    }
}
