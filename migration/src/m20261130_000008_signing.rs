//! Stage 4's signing: one-time codes (stored hashed), signatures (electronic or on
//! paper, and the bank's countersignature), and the minimal outbox that carries codes
//! until the notification issue replaces it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SigningCode {
    Table,
    Id,
    AgreementId,
    CodeHash,
    Attempts,
    ExpiresAt,
    VoidedAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AgreementSignature {
    Table,
    Id,
    AgreementId,
    Side,
    Method,
    SignerId,
    SignedAt,
    ClientAddr,
    UserAgent,
    DocumentSha256,
    ConsentWording,
    ScanSha256,
    Witness,
}

#[derive(DeriveIden)]
enum OutboxMessage {
    Table,
    Id,
    CustomerId,
    Channel,
    Kind,
    Body,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SigningCode::Table)
                    .col(pk_uuid(SigningCode::Id))
                    .col(uuid(SigningCode::AgreementId))
                    .col(string_len(SigningCode::CodeHash, 128))
                    .col(integer(SigningCode::Attempts))
                    .col(big_integer(SigningCode::ExpiresAt))
                    .col(big_integer_null(SigningCode::VoidedAt))
                    .col(big_integer_null(SigningCode::UsedAt))
                    .col(big_integer(SigningCode::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_signing_code_agreement")
                    .table(SigningCode::Table)
                    .col(SigningCode::AgreementId)
                    .col(SigningCode::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AgreementSignature::Table)
                    .col(pk_uuid(AgreementSignature::Id))
                    .col(uuid(AgreementSignature::AgreementId))
                    .col(string_len(AgreementSignature::Side, 16))
                    .col(string_len(AgreementSignature::Method, 16))
                    .col(uuid(AgreementSignature::SignerId))
                    .col(big_integer(AgreementSignature::SignedAt))
                    .col(string_len_null(AgreementSignature::ClientAddr, 64))
                    .col(text_null(AgreementSignature::UserAgent))
                    .col(string_len(AgreementSignature::DocumentSha256, 64))
                    .col(text(AgreementSignature::ConsentWording))
                    .col(string_len_null(AgreementSignature::ScanSha256, 64))
                    .col(string_len_null(AgreementSignature::Witness, 100))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_agreement_signature_side")
                    .table(AgreementSignature::Table)
                    .col(AgreementSignature::AgreementId)
                    .col(AgreementSignature::Side)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OutboxMessage::Table)
                    .col(pk_uuid(OutboxMessage::Id))
                    .col(uuid(OutboxMessage::CustomerId))
                    .col(string_len(OutboxMessage::Channel, 16))
                    .col(string_len(OutboxMessage::Kind, 32))
                    .col(text(OutboxMessage::Body))
                    .col(big_integer(OutboxMessage::CreatedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OutboxMessage::Table.into_iden(),
            AgreementSignature::Table.into_iden(),
            SigningCode::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
