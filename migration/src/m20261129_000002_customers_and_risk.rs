//! Stage 1 (needs analysis): customer profiles with encrypted identifiers, bank accounts,
//! consents, financial status, preferences, credit reports, versioned risk policies and
//! risk assessments; the minimal installment-plan record that deletion requests and the
//! bank's own credit history read (later migrations extend it); and the identity records
//! kept after a customer is anonymized, as anti-money-laundering law requires.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Customer {
    Table,
    Id,
    AccountId,
    FullName,
    BirthDate,
    Occupation,
    Employer,
    MonthlyIncomeFen,
    Address,
    Email,
    MobileEnc,
    MobileHash,
    IdNumberEnc,
    IdNumberHash,
    PreferredLanguage,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    AnonymizedAt,
}

#[derive(DeriveIden)]
enum CustomerBankAccount {
    Table,
    Id,
    CustomerId,
    BankName,
    CardEnc,
    CardHash,
    CardLast4,
    LuhnValid,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Consent {
    Table,
    Id,
    CustomerId,
    Purpose,
    Version,
    TextHash,
    Channel,
    GivenBy,
    GivenAt,
    WithdrawnAt,
}

#[derive(DeriveIden)]
enum FinancialStatus {
    Table,
    CustomerId,
    AssetsFen,
    LiabilitiesFen,
    MonthlyExpensesFen,
    MonthlyDebtPaymentsFen,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CustomerPreference {
    Table,
    CustomerId,
    Frequency,
    PreferredTermMonths,
    PaymentDay,
    MaxMonthlyBudgetFen,
    Channels,
    QuietHoursStart,
    QuietHoursEnd,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CreditReport {
    Table,
    Id,
    CustomerId,
    Source,
    Score,
    OpenAccounts,
    Delinquencies24m,
    RecentInquiries,
    ActiveDelinquency,
    ReportedAt,
    FetchedAt,
    RequestedBy,
}

#[derive(DeriveIden)]
enum RiskPolicy {
    Table,
    Id,
    Version,
    Status,
    Body,
    Note,
    DraftedBy,
    DraftedAt,
    DecidedBy,
    DecidedAt,
}

#[derive(DeriveIden)]
enum RiskAssessment {
    Table,
    Id,
    CustomerId,
    PolicyVersion,
    Score,
    Grade,
    DebtToIncome,
    DisposableIncomeFen,
    MaxInstallmentFen,
    MaxAmountFen,
    MaxTermMonths,
    RateMin,
    RateMax,
    Decision,
    Reasons,
    Inputs,
    CreditReportId,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InstallmentPlan {
    Table,
    Id,
    CustomerId,
    Status,
    PrincipalFen,
    DaysPastDue,
    LastDelinquentAt,
    OpenedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum RetainedIdentity {
    Table,
    Id,
    CustomerId,
    FullNameEnc,
    IdNumberEnc,
    IdNumberHash,
    RelationshipEndedAt,
    RetainUntil,
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(col);
    }
    if unique {
        stmt.unique();
    }
    manager.create_index(stmt.to_owned()).await
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Customer::Table)
                    .col(pk_uuid(Customer::Id))
                    .col(uuid_null(Customer::AccountId).unique_key())
                    .col(string_len(Customer::FullName, 100))
                    .col(date_null(Customer::BirthDate))
                    .col(string_len_null(Customer::Occupation, 100))
                    .col(string_len_null(Customer::Employer, 200))
                    .col(big_integer_null(Customer::MonthlyIncomeFen))
                    .col(text_null(Customer::Address))
                    .col(string_len_null(Customer::Email, 254))
                    .col(text_null(Customer::MobileEnc))
                    .col(string_len_null(Customer::MobileHash, 64).unique_key())
                    .col(text_null(Customer::IdNumberEnc))
                    .col(string_len_null(Customer::IdNumberHash, 64).unique_key())
                    .col(string_len(Customer::PreferredLanguage, 8))
                    .col(string_len(Customer::Status, 16))
                    .col(uuid_null(Customer::CreatedBy))
                    .col(big_integer(Customer::CreatedAt))
                    .col(big_integer(Customer::UpdatedAt))
                    .col(big_integer_null(Customer::AnonymizedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customer_account")
                            .from(Customer::Table, Customer::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_customer_full_name",
            Customer::Table,
            vec![Customer::FullName.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CustomerBankAccount::Table)
                    .col(pk_uuid(CustomerBankAccount::Id))
                    .col(uuid(CustomerBankAccount::CustomerId))
                    .col(string_len(CustomerBankAccount::BankName, 100))
                    .col(text(CustomerBankAccount::CardEnc))
                    .col(string_len(CustomerBankAccount::CardHash, 64))
                    .col(string_len(CustomerBankAccount::CardLast4, 4))
                    .col(boolean(CustomerBankAccount::LuhnValid))
                    .col(big_integer(CustomerBankAccount::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_bank_account_customer",
                        (CustomerBankAccount::Table, CustomerBankAccount::CustomerId),
                        (Customer::Table, Customer::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_bank_account_customer_card",
            CustomerBankAccount::Table,
            vec![
                CustomerBankAccount::CustomerId.into_iden(),
                CustomerBankAccount::CardHash.into_iden(),
            ],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Consent::Table)
                    .col(pk_uuid(Consent::Id))
                    .col(uuid(Consent::CustomerId))
                    .col(string_len(Consent::Purpose, 64))
                    .col(string_len(Consent::Version, 32))
                    .col(string_len(Consent::TextHash, 64))
                    .col(string_len(Consent::Channel, 16))
                    .col(uuid_null(Consent::GivenBy))
                    .col(big_integer(Consent::GivenAt))
                    .col(big_integer_null(Consent::WithdrawnAt))
                    .foreign_key(&mut fk(
                        "fk_consent_customer",
                        (Consent::Table, Consent::CustomerId),
                        (Customer::Table, Customer::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_consent_customer",
            Consent::Table,
            vec![
                Consent::CustomerId.into_iden(),
                Consent::Purpose.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(FinancialStatus::Table)
                    .col(uuid(FinancialStatus::CustomerId).primary_key())
                    .col(big_integer(FinancialStatus::AssetsFen))
                    .col(big_integer(FinancialStatus::LiabilitiesFen))
                    .col(big_integer(FinancialStatus::MonthlyExpensesFen))
                    .col(big_integer(FinancialStatus::MonthlyDebtPaymentsFen))
                    .col(uuid_null(FinancialStatus::UpdatedBy))
                    .col(big_integer(FinancialStatus::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_financial_status_customer",
                        (FinancialStatus::Table, FinancialStatus::CustomerId),
                        (Customer::Table, Customer::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CustomerPreference::Table)
                    .col(uuid(CustomerPreference::CustomerId).primary_key())
                    .col(string_len(CustomerPreference::Frequency, 16))
                    .col(integer(CustomerPreference::PreferredTermMonths))
                    .col(integer(CustomerPreference::PaymentDay))
                    .col(big_integer_null(CustomerPreference::MaxMonthlyBudgetFen))
                    .col(string_len(CustomerPreference::Channels, 64))
                    .col(string_len_null(CustomerPreference::QuietHoursStart, 5))
                    .col(string_len_null(CustomerPreference::QuietHoursEnd, 5))
                    .col(big_integer(CustomerPreference::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_preference_customer",
                        (CustomerPreference::Table, CustomerPreference::CustomerId),
                        (Customer::Table, Customer::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CreditReport::Table)
                    .col(pk_uuid(CreditReport::Id))
                    .col(uuid(CreditReport::CustomerId))
                    .col(string_len(CreditReport::Source, 64))
                    .col(integer_null(CreditReport::Score))
                    .col(integer(CreditReport::OpenAccounts))
                    .col(integer(CreditReport::Delinquencies24m))
                    .col(integer(CreditReport::RecentInquiries))
                    .col(boolean(CreditReport::ActiveDelinquency))
                    .col(big_integer(CreditReport::ReportedAt))
                    .col(big_integer(CreditReport::FetchedAt))
                    .col(uuid_null(CreditReport::RequestedBy))
                    .foreign_key(&mut fk(
                        "fk_credit_report_customer",
                        (CreditReport::Table, CreditReport::CustomerId),
                        (Customer::Table, Customer::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_credit_report_customer",
            CreditReport::Table,
            vec![
                CreditReport::CustomerId.into_iden(),
                CreditReport::FetchedAt.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RiskPolicy::Table)
                    .col(pk_uuid(RiskPolicy::Id))
                    .col(integer_uniq(RiskPolicy::Version))
                    .col(string_len(RiskPolicy::Status, 16))
                    .col(text(RiskPolicy::Body))
                    .col(text_null(RiskPolicy::Note))
                    .col(uuid_null(RiskPolicy::DraftedBy))
                    .col(big_integer(RiskPolicy::DraftedAt))
                    .col(uuid_null(RiskPolicy::DecidedBy))
                    .col(big_integer_null(RiskPolicy::DecidedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RiskAssessment::Table)
                    .col(pk_uuid(RiskAssessment::Id))
                    .col(uuid(RiskAssessment::CustomerId))
                    .col(integer(RiskAssessment::PolicyVersion))
                    .col(string_len(RiskAssessment::Score, 16))
                    .col(string_len(RiskAssessment::Grade, 1))
                    .col(string_len(RiskAssessment::DebtToIncome, 24))
                    .col(big_integer(RiskAssessment::DisposableIncomeFen))
                    .col(big_integer(RiskAssessment::MaxInstallmentFen))
                    .col(big_integer(RiskAssessment::MaxAmountFen))
                    .col(integer(RiskAssessment::MaxTermMonths))
                    .col(string_len(RiskAssessment::RateMin, 24))
                    .col(string_len(RiskAssessment::RateMax, 24))
                    .col(string_len(RiskAssessment::Decision, 16))
                    .col(text(RiskAssessment::Reasons))
                    .col(text(RiskAssessment::Inputs))
                    .col(uuid_null(RiskAssessment::CreditReportId))
                    .col(uuid_null(RiskAssessment::CreatedBy))
                    .col(big_integer(RiskAssessment::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_assessment_customer",
                        (RiskAssessment::Table, RiskAssessment::CustomerId),
                        (Customer::Table, Customer::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_assessment_customer",
            RiskAssessment::Table,
            vec![
                RiskAssessment::CustomerId.into_iden(),
                RiskAssessment::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(InstallmentPlan::Table)
                    .col(pk_uuid(InstallmentPlan::Id))
                    .col(uuid(InstallmentPlan::CustomerId))
                    .col(string_len(InstallmentPlan::Status, 16))
                    .col(big_integer(InstallmentPlan::PrincipalFen))
                    .col(integer(InstallmentPlan::DaysPastDue))
                    .col(big_integer_null(InstallmentPlan::LastDelinquentAt))
                    .col(big_integer(InstallmentPlan::OpenedAt))
                    .col(big_integer_null(InstallmentPlan::ClosedAt))
                    .foreign_key(&mut fk(
                        "fk_plan_customer",
                        (InstallmentPlan::Table, InstallmentPlan::CustomerId),
                        (Customer::Table, Customer::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_plan_customer",
            InstallmentPlan::Table,
            vec![
                InstallmentPlan::CustomerId.into_iden(),
                InstallmentPlan::Status.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RetainedIdentity::Table)
                    .col(pk_uuid(RetainedIdentity::Id))
                    .col(uuid(RetainedIdentity::CustomerId))
                    .col(text(RetainedIdentity::FullNameEnc))
                    .col(text_null(RetainedIdentity::IdNumberEnc))
                    .col(string_len_null(RetainedIdentity::IdNumberHash, 64))
                    .col(big_integer(RetainedIdentity::RelationshipEndedAt))
                    .col(big_integer(RetainedIdentity::RetainUntil))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_retained_identity_until",
            RetainedIdentity::Table,
            vec![RetainedIdentity::RetainUntil.into_iden()],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RetainedIdentity::Table.into_iden(),
            InstallmentPlan::Table.into_iden(),
            RiskAssessment::Table.into_iden(),
            RiskPolicy::Table.into_iden(),
            CreditReport::Table.into_iden(),
            CustomerPreference::Table.into_iden(),
            FinancialStatus::Table.into_iden(),
            Consent::Table.into_iden(),
            CustomerBankAccount::Table.into_iden(),
            Customer::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
