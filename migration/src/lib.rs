//! Schema migrations for Fenqi. Each change is one file, applied in order and never edited
//! after it lands, so that every deployment (SQLite or PostgreSQL) reaches the same schema.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_accounts_sessions_audit;
mod m20261129_000002_customers_and_risk;
mod m20261129_000003_verification_and_policy_guards;
mod m20261130_000001_identity_conflicts;
mod m20261130_000002_applications;
mod m20261130_000003_internal_ledger;
mod m20261130_000004_platforms;
mod m20261130_000005_contact_log;
mod m20261130_000006_proposals;
mod m20261130_000007_agreements;
mod m20261130_000008_signing;
mod m20261130_000009_plan_opening;
mod m20261130_000010_agreement_archive;
mod m20261130_000011_repayment;
mod m20261130_000012_payment_requests;
mod m20261130_000013_notifications;
mod m20261130_000014_schedule_versions;
mod m20261201_000001_tickets;
mod m20261201_000002_articles;
mod m20261201_000003_follow_ups;
mod m20261201_000004_campaigns;
mod m20261202_000001_dense_collection;

/// The ordered list of every migration the platform knows.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_accounts_sessions_audit::Migration),
            Box::new(m20261129_000002_customers_and_risk::Migration),
            Box::new(m20261129_000003_verification_and_policy_guards::Migration),
            Box::new(m20261130_000001_identity_conflicts::Migration),
            Box::new(m20261130_000002_applications::Migration),
            Box::new(m20261130_000003_internal_ledger::Migration),
            Box::new(m20261130_000004_platforms::Migration),
            Box::new(m20261130_000005_contact_log::Migration),
            Box::new(m20261130_000006_proposals::Migration),
            Box::new(m20261130_000007_agreements::Migration),
            Box::new(m20261130_000008_signing::Migration),
            Box::new(m20261130_000009_plan_opening::Migration),
            Box::new(m20261130_000010_agreement_archive::Migration),
            Box::new(m20261130_000011_repayment::Migration),
            Box::new(m20261130_000012_payment_requests::Migration),
            Box::new(m20261130_000013_notifications::Migration),
            Box::new(m20261130_000014_schedule_versions::Migration),
            Box::new(m20261201_000001_tickets::Migration),
            Box::new(m20261201_000002_articles::Migration),
            Box::new(m20261201_000003_follow_ups::Migration),
            Box::new(m20261201_000004_campaigns::Migration),
            Box::new(m20261202_000001_dense_collection::Migration),
        ]
    }
}
