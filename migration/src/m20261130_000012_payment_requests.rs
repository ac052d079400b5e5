//! The customer's payment requests, kept under their idempotency key with a digest of the
//! request and the answer given: a retry after a lost answer replays it and moves no money,
//! from any API process; the same key with another request is refused.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PaymentRequest {
    Table,
    Id,
    AccountId,
    IdempotencyKey,
    RequestSha256,
    Status,
    Answer,
    CreatedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PaymentRequest::Table)
                    .col(pk_uuid(PaymentRequest::Id))
                    .col(uuid(PaymentRequest::AccountId))
                    .col(string_len(PaymentRequest::IdempotencyKey, 128))
                    .col(string_len(PaymentRequest::RequestSha256, 64))
                    .col(string_len(PaymentRequest::Status, 16))
                    .col(text_null(PaymentRequest::Answer))
                    .col(big_integer(PaymentRequest::CreatedAt))
                    .col(big_integer_null(PaymentRequest::FinishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_payment_request_key")
                    .table(PaymentRequest::Table)
                    .col(PaymentRequest::AccountId)
                    .col(PaymentRequest::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PaymentRequest::Table).to_owned())
            .await
    }
}
