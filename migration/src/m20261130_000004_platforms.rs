//! Stage 2's platforms: the registry admins keep (with sealed credentials and versioned
//! disclosures), customers' consent to one disclosure version, the plans' link to their
//! platform, partners' callbacks kept by event id, the payments they report, and daily
//! reconciliation reports with their mismatches.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InstallmentPlatform {
    Table,
    Code,
    Kind,
    Name,
    BaseUrl,
    ClientId,
    CredentialsSealed,
    Products,
    Channels,
    PolicyText,
    DisclosureVersion,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PlatformDisclosure {
    Table,
    Id,
    PlatformCode,
    Version,
    PolicyText,
    FeeText,
    Sha256,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DisclosureConsent {
    Table,
    Id,
    ApplicationId,
    CustomerId,
    PlatformCode,
    Version,
    Sha256,
    AcceptedBy,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum InstallmentApplication {
    Table,
    PlatformCode,
    ProductCode,
    DisclosureVersion,
}

#[derive(DeriveIden)]
enum InstallmentPlan {
    Table,
    ApplicationId,
    PlatformCode,
    ExternalRef,
    StatusSequence,
}

#[derive(DeriveIden)]
enum PlatformEvent {
    Table,
    Id,
    PlatformCode,
    EventId,
    Kind,
    PlanRef,
    Sequence,
    PlanId,
    Outcome,
    Payload,
    ReceivedAt,
    ReviewedAt,
    ReviewedBy,
    ReviewNote,
}

#[derive(DeriveIden)]
enum PlatformPayment {
    Table,
    Id,
    PlatformCode,
    Reference,
    PlanId,
    PlanRef,
    IdempotencyKey,
    AmountFen,
    Status,
    Sequence,
    OccurredAt,
    RecordedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReconciliationReport {
    Table,
    Id,
    PlatformCode,
    StatementDate,
    TheirLines,
    OurLines,
    Matched,
    Mismatches,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReconciliationItem {
    Table,
    Id,
    ReportId,
    Kind,
    Reference,
    PlanRef,
    OursFen,
    TheirsFen,
    OurStatus,
    TheirStatus,
    ResolvedAt,
    ResolvedBy,
    Note,
}

async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(column).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InstallmentPlatform::Table)
                    .col(string_len(InstallmentPlatform::Code, 32).primary_key())
                    .col(string_len(InstallmentPlatform::Kind, 16))
                    .col(string_len(InstallmentPlatform::Name, 100))
                    .col(string_len_null(InstallmentPlatform::BaseUrl, 500))
                    .col(string_len_null(InstallmentPlatform::ClientId, 100))
                    .col(text_null(InstallmentPlatform::CredentialsSealed))
                    .col(text(InstallmentPlatform::Products))
                    .col(string_len(InstallmentPlatform::Channels, 64))
                    .col(text(InstallmentPlatform::PolicyText))
                    .col(integer(InstallmentPlatform::DisclosureVersion))
                    .col(boolean(InstallmentPlatform::Active))
                    .col(big_integer(InstallmentPlatform::CreatedAt))
                    .col(big_integer(InstallmentPlatform::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlatformDisclosure::Table)
                    .col(pk_uuid(PlatformDisclosure::Id))
                    .col(string_len(PlatformDisclosure::PlatformCode, 32))
                    .col(integer(PlatformDisclosure::Version))
                    .col(text(PlatformDisclosure::PolicyText))
                    .col(text(PlatformDisclosure::FeeText))
                    .col(string_len(PlatformDisclosure::Sha256, 64))
                    .col(big_integer(PlatformDisclosure::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_platform_disclosure_platform")
                            .from(PlatformDisclosure::Table, PlatformDisclosure::PlatformCode)
                            .to(InstallmentPlatform::Table, InstallmentPlatform::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_platform_disclosure_version")
                    .table(PlatformDisclosure::Table)
                    .col(PlatformDisclosure::PlatformCode)
                    .col(PlatformDisclosure::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DisclosureConsent::Table)
                    .col(pk_uuid(DisclosureConsent::Id))
                    .col(uuid(DisclosureConsent::ApplicationId))
                    .col(uuid(DisclosureConsent::CustomerId))
                    .col(string_len(DisclosureConsent::PlatformCode, 32))
                    .col(integer(DisclosureConsent::Version))
                    .col(string_len(DisclosureConsent::Sha256, 64))
                    .col(uuid(DisclosureConsent::AcceptedBy))
                    .col(big_integer(DisclosureConsent::AcceptedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_disclosure_consent_once")
                    .table(DisclosureConsent::Table)
                    .col(DisclosureConsent::ApplicationId)
                    .col(DisclosureConsent::PlatformCode)
                    .col(DisclosureConsent::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        add(
            manager,
            InstallmentApplication::Table,
            string_len_null(InstallmentApplication::PlatformCode, 32),
        )
        .await?;
        add(
            manager,
            InstallmentApplication::Table,
            string_len_null(InstallmentApplication::ProductCode, 64),
        )
        .await?;
        add(
            manager,
            InstallmentApplication::Table,
            integer_null(InstallmentApplication::DisclosureVersion),
        )
        .await?;
        add(
            manager,
            InstallmentPlan::Table,
            uuid_null(InstallmentPlan::ApplicationId),
        )
        .await?;
        add(
            manager,
            InstallmentPlan::Table,
            string_len_null(InstallmentPlan::PlatformCode, 32),
        )
        .await?;
        add(
            manager,
            InstallmentPlan::Table,
            string_len_null(InstallmentPlan::ExternalRef, 128),
        )
        .await?;
        add(
            manager,
            InstallmentPlan::Table,
            big_integer(InstallmentPlan::StatusSequence)
                .default(0)
                .to_owned(),
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_installment_plan_platform_ref")
                    .table(InstallmentPlan::Table)
                    .col(InstallmentPlan::PlatformCode)
                    .col(InstallmentPlan::ExternalRef)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlatformEvent::Table)
                    .col(pk_uuid(PlatformEvent::Id))
                    .col(string_len(PlatformEvent::PlatformCode, 32))
                    .col(string_len(PlatformEvent::EventId, 128))
                    .col(string_len(PlatformEvent::Kind, 32))
                    .col(string_len(PlatformEvent::PlanRef, 128))
                    .col(big_integer(PlatformEvent::Sequence))
                    .col(uuid_null(PlatformEvent::PlanId))
                    .col(string_len(PlatformEvent::Outcome, 16))
                    .col(text(PlatformEvent::Payload))
                    .col(big_integer(PlatformEvent::ReceivedAt))
                    .col(big_integer_null(PlatformEvent::ReviewedAt))
                    .col(uuid_null(PlatformEvent::ReviewedBy))
                    .col(text_null(PlatformEvent::ReviewNote))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_platform_event_id")
                    .table(PlatformEvent::Table)
                    .col(PlatformEvent::PlatformCode)
                    .col(PlatformEvent::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_platform_event_outcome")
                    .table(PlatformEvent::Table)
                    .col(PlatformEvent::Outcome)
                    .col(PlatformEvent::ReceivedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlatformPayment::Table)
                    .col(pk_uuid(PlatformPayment::Id))
                    .col(string_len(PlatformPayment::PlatformCode, 32))
                    .col(string_len(PlatformPayment::Reference, 128))
                    .col(uuid_null(PlatformPayment::PlanId))
                    .col(string_len(PlatformPayment::PlanRef, 128))
                    .col(string_len_null(PlatformPayment::IdempotencyKey, 128))
                    .col(big_integer(PlatformPayment::AmountFen))
                    .col(string_len(PlatformPayment::Status, 16))
                    .col(big_integer(PlatformPayment::Sequence))
                    .col(big_integer(PlatformPayment::OccurredAt))
                    .col(big_integer(PlatformPayment::RecordedAt))
                    .col(big_integer(PlatformPayment::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_platform_payment_reference")
                    .table(PlatformPayment::Table)
                    .col(PlatformPayment::PlatformCode)
                    .col(PlatformPayment::Reference)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_platform_payment_day")
                    .table(PlatformPayment::Table)
                    .col(PlatformPayment::PlatformCode)
                    .col(PlatformPayment::OccurredAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReconciliationReport::Table)
                    .col(pk_uuid(ReconciliationReport::Id))
                    .col(string_len(ReconciliationReport::PlatformCode, 32))
                    .col(string_len(ReconciliationReport::StatementDate, 10))
                    .col(integer(ReconciliationReport::TheirLines))
                    .col(integer(ReconciliationReport::OurLines))
                    .col(integer(ReconciliationReport::Matched))
                    .col(integer(ReconciliationReport::Mismatches))
                    .col(big_integer(ReconciliationReport::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_reconciliation_report_day")
                    .table(ReconciliationReport::Table)
                    .col(ReconciliationReport::PlatformCode)
                    .col(ReconciliationReport::StatementDate)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReconciliationItem::Table)
                    .col(pk_uuid(ReconciliationItem::Id))
                    .col(uuid(ReconciliationItem::ReportId))
                    .col(string_len(ReconciliationItem::Kind, 24))
                    .col(string_len(ReconciliationItem::Reference, 128))
                    .col(string_len(ReconciliationItem::PlanRef, 128))
                    .col(big_integer_null(ReconciliationItem::OursFen))
                    .col(big_integer_null(ReconciliationItem::TheirsFen))
                    .col(string_len_null(ReconciliationItem::OurStatus, 16))
                    .col(string_len_null(ReconciliationItem::TheirStatus, 16))
                    .col(big_integer_null(ReconciliationItem::ResolvedAt))
                    .col(uuid_null(ReconciliationItem::ResolvedBy))
                    .col(text_null(ReconciliationItem::Note))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reconciliation_item_report")
                            .from(ReconciliationItem::Table, ReconciliationItem::ReportId)
                            .to(ReconciliationReport::Table, ReconciliationReport::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_reconciliation_item_report")
                    .table(ReconciliationItem::Table)
                    .col(ReconciliationItem::ReportId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ReconciliationItem::Table.into_iden(),
            ReconciliationReport::Table.into_iden(),
            PlatformPayment::Table.into_iden(),
            PlatformEvent::Table.into_iden(),
            DisclosureConsent::Table.into_iden(),
            PlatformDisclosure::Table.into_iden(),
            InstallmentPlatform::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ux_installment_plan_platform_ref")
                    .table(InstallmentPlan::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            InstallmentPlan::StatusSequence.into_iden(),
            InstallmentPlan::ExternalRef.into_iden(),
            InstallmentPlan::PlatformCode.into_iden(),
            InstallmentPlan::ApplicationId.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(InstallmentPlan::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            InstallmentApplication::DisclosureVersion.into_iden(),
            InstallmentApplication::ProductCode.into_iden(),
            InstallmentApplication::PlatformCode.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(InstallmentApplication::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
