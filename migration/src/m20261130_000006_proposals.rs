//! Stage 3's negotiation rounds (方案讨论): numbered proposals per application, each with
//! its author, comment, priced terms, the limits it breaks, its approval and acceptances.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Proposal {
    Table,
    Id,
    ApplicationId,
    Version,
    AuthorId,
    AuthorRole,
    Comment,
    ProductCode,
    AmountFen,
    Periods,
    Frequency,
    PaymentDay,
    Rate,
    Apr,
    FirstPaymentFen,
    LargestPaymentFen,
    TotalInterestFen,
    TotalFeesFen,
    Breaks,
    Approval,
    DecidedBy,
    DecisionReason,
    DecidedAt,
    CustomerAcceptedAt,
    BankAcceptedAt,
    BankAcceptedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Proposal::Table)
                    .col(pk_uuid(Proposal::Id))
                    .col(uuid(Proposal::ApplicationId))
                    .col(integer(Proposal::Version))
                    .col(uuid(Proposal::AuthorId))
                    .col(string_len(Proposal::AuthorRole, 16))
                    .col(text(Proposal::Comment))
                    .col(string_len(Proposal::ProductCode, 64))
                    .col(big_integer(Proposal::AmountFen))
                    .col(integer(Proposal::Periods))
                    .col(string_len(Proposal::Frequency, 16))
                    .col(integer(Proposal::PaymentDay))
                    .col(string_len(Proposal::Rate, 24))
                    .col(string_len(Proposal::Apr, 16))
                    .col(big_integer(Proposal::FirstPaymentFen))
                    .col(big_integer(Proposal::LargestPaymentFen))
                    .col(big_integer(Proposal::TotalInterestFen))
                    .col(big_integer(Proposal::TotalFeesFen))
                    .col(text(Proposal::Breaks))
                    .col(string_len(Proposal::Approval, 16))
                    .col(uuid_null(Proposal::DecidedBy))
                    .col(text_null(Proposal::DecisionReason))
                    .col(big_integer_null(Proposal::DecidedAt))
                    .col(big_integer_null(Proposal::CustomerAcceptedAt))
                    .col(big_integer_null(Proposal::BankAcceptedAt))
                    .col(uuid_null(Proposal::BankAcceptedBy))
                    .col(big_integer(Proposal::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_proposal_version")
                    .table(Proposal::Table)
                    .col(Proposal::ApplicationId)
                    .col(Proposal::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Proposal::Table).to_owned())
            .await
    }
}
