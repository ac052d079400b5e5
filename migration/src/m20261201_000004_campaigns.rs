//! Stage 6's bulk follow-up campaigns (批量回访): the campaign (its segment, action, texts,
//! maker-checker approval and status), its batches (the unit the queue delivers: one job
//! per batch, queued again when its job was lost) and its members (the segment as it was
//! at launch, each processed exactly once).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Campaign {
    Table,
    Id,
    Name,
    Action,
    Segment,
    Content,
    QuietHours,
    Status,
    EstimatedSize,
    Total,
    CreatedBy,
    CreatedAt,
    ApprovedBy,
    ApprovedAt,
    LaunchedBy,
    LaunchedAt,
    PausedAt,
    FinishedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CampaignBatch {
    Table,
    CampaignId,
    Batch,
    QueuedAt,
    Deliveries,
    DoneAt,
}

#[derive(DeriveIden)]
enum CampaignMember {
    Table,
    CampaignId,
    CustomerId,
    Batch,
    Status,
    Reason,
    ProcessedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Campaign::Table)
                    .col(pk_uuid(Campaign::Id))
                    .col(string_len(Campaign::Name, 120))
                    .col(string_len(Campaign::Action, 16))
                    .col(text(Campaign::Segment))
                    .col(text_null(Campaign::Content))
                    .col(string_len(Campaign::QuietHours, 8))
                    .col(string_len(Campaign::Status, 20))
                    .col(big_integer(Campaign::EstimatedSize))
                    .col(big_integer_null(Campaign::Total))
                    .col(uuid(Campaign::CreatedBy))
                    .col(big_integer(Campaign::CreatedAt))
                    .col(uuid_null(Campaign::ApprovedBy))
                    .col(big_integer_null(Campaign::ApprovedAt))
                    .col(uuid_null(Campaign::LaunchedBy))
                    .col(big_integer_null(Campaign::LaunchedAt))
                    .col(big_integer_null(Campaign::PausedAt))
                    .col(big_integer_null(Campaign::FinishedAt))
                    .col(big_integer(Campaign::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_campaign_status")
                    .table(Campaign::Table)
                    .col(Campaign::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CampaignBatch::Table)
                    .col(uuid(CampaignBatch::CampaignId))
                    .col(integer(CampaignBatch::Batch))
                    .col(big_integer_null(CampaignBatch::QueuedAt))
                    .col(integer(CampaignBatch::Deliveries).default(0))
                    .col(big_integer_null(CampaignBatch::DoneAt))
                    .primary_key(
                        Index::create()
                            .col(CampaignBatch::CampaignId)
                            .col(CampaignBatch::Batch),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CampaignMember::Table)
                    .col(uuid(CampaignMember::CampaignId))
                    .col(uuid(CampaignMember::CustomerId))
                    .col(integer(CampaignMember::Batch))
                    .col(string_len(CampaignMember::Status, 12))
                    .col(string_len_null(CampaignMember::Reason, 24))
                    .col(big_integer_null(CampaignMember::ProcessedAt))
                    .primary_key(
                        Index::create()
                            .col(CampaignMember::CampaignId)
                            .col(CampaignMember::CustomerId),
                    )
                    .to_owned(),
            )
            .await?;
        // A batch's waiting members; the progress count by status.
        manager
            .create_index(
                Index::create()
                    .name("ix_campaign_member_batch")
                    .table(CampaignMember::Table)
                    .col(CampaignMember::CampaignId)
                    .col(CampaignMember::Batch)
                    .col(CampaignMember::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_campaign_member_status")
                    .table(CampaignMember::Table)
                    .col(CampaignMember::CampaignId)
                    .col(CampaignMember::Status)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CampaignMember::Table.into_iden(),
            CampaignBatch::Table.into_iden(),
            Campaign::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
