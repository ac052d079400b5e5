//! The foundation: accounts and their sessions, login throttling, the hash-chained audit
//! trail and the job-run ledger that makes every job idempotent.
//!
//! Instants are stored as integer milliseconds since the Unix epoch (UTC) so that SQLite and
//! PostgreSQL compare them the same way; money (in later migrations) as integer fen.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
    Role,
    DisplayName,
    Email,
    MobileHash,
    MobileEnc,
    PasswordHash,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    AccountId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    ClientAddr,
    UserAgent,
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    KeyHash,
    Failures,
    LockedUntil,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditEntry {
    Table,
    Seq,
    OccurredAt,
    ActorId,
    ActorRole,
    Action,
    TargetType,
    TargetId,
    Before,
    After,
    Reason,
    RequestId,
    ClientAddr,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    Seq,
    Hash,
}

#[derive(DeriveIden)]
enum JobRun {
    Table,
    Id,
    Kind,
    RunKey,
    Status,
    StartedAt,
    FinishedAt,
    Detail,
}

/// The hash that the first audit entry links to.
const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Account::Table)
                    .col(pk_uuid(Account::Id))
                    .col(string_len(Account::Role, 32))
                    .col(string_len(Account::DisplayName, 100))
                    .col(string_len_null(Account::Email, 254).unique_key())
                    .col(string_len_null(Account::MobileHash, 64).unique_key())
                    .col(text_null(Account::MobileEnc))
                    .col(string_len(Account::PasswordHash, 255))
                    .col(string_len(Account::Status, 16))
                    .col(uuid_null(Account::CreatedBy))
                    .col(big_integer(Account::CreatedAt))
                    .col(big_integer(Account::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_role")
                    .table(Account::Table)
                    .col(Account::Role)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(pk_uuid(Session::Id))
                    .col(uuid(Session::AccountId))
                    .col(string_len_uniq(Session::TokenHash, 64))
                    .col(big_integer(Session::CreatedAt))
                    .col(big_integer(Session::ExpiresAt))
                    .col(big_integer_null(Session::RevokedAt))
                    .col(string_len_null(Session::ClientAddr, 64))
                    .col(string_len_null(Session::UserAgent, 255))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_session_account")
                            .from(Session::Table, Session::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_session_expires_at", Session::ExpiresAt),
            ("idx_session_account", Session::AccountId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Session::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(LoginThrottle::Table)
                    .col(string_len(LoginThrottle::KeyHash, 64).primary_key())
                    .col(integer(LoginThrottle::Failures))
                    .col(big_integer_null(LoginThrottle::LockedUntil))
                    .col(big_integer(LoginThrottle::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEntry::Table)
                    .col(big_integer(AuditEntry::Seq).primary_key())
                    .col(big_integer(AuditEntry::OccurredAt))
                    .col(uuid_null(AuditEntry::ActorId))
                    .col(string_len(AuditEntry::ActorRole, 32))
                    .col(string_len(AuditEntry::Action, 64))
                    .col(string_len(AuditEntry::TargetType, 64))
                    .col(string_len_null(AuditEntry::TargetId, 64))
                    .col(text_null(AuditEntry::Before))
                    .col(text_null(AuditEntry::After))
                    .col(text_null(AuditEntry::Reason))
                    .col(string_len_null(AuditEntry::RequestId, 64))
                    .col(string_len_null(AuditEntry::ClientAddr, 64))
                    .col(string_len(AuditEntry::PrevHash, 64))
                    .col(string_len(AuditEntry::Hash, 64))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_audit_actor", vec![AuditEntry::ActorId]),
            ("idx_audit_action", vec![AuditEntry::Action]),
            (
                "idx_audit_target",
                vec![AuditEntry::TargetType, AuditEntry::TargetId],
            ),
            ("idx_audit_occurred_at", vec![AuditEntry::OccurredAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEntry::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AuditHead::Table)
                    .col(integer(AuditHead::Id).primary_key())
                    .col(big_integer(AuditHead::Seq))
                    .col(string_len(AuditHead::Hash, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AuditHead::Table)
                    .columns([AuditHead::Id, AuditHead::Seq, AuditHead::Hash])
                    .values_panic([1.into(), 0i64.into(), GENESIS_HASH.into()])
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(JobRun::Table)
                    .col(pk_uuid(JobRun::Id))
                    .col(string_len(JobRun::Kind, 64))
                    .col(string_len(JobRun::RunKey, 128))
                    .col(string_len(JobRun::Status, 16))
                    .col(big_integer(JobRun::StartedAt))
                    .col(big_integer_null(JobRun::FinishedAt))
                    .col(text_null(JobRun::Detail))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_job_run_kind_key")
                    .table(JobRun::Table)
                    .col(JobRun::Kind)
                    .col(JobRun::RunKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            JobRun::Table.into_iden(),
            AuditHead::Table.into_iden(),
            AuditEntry::Table.into_iden(),
            LoginThrottle::Table.into_iden(),
            Session::Table.into_iden(),
            Account::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
