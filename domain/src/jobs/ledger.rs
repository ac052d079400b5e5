//! The job-run ledger: a run claims `(kind, key)` inside the transaction that does its
//! work. If the work rolls back, so does the claim, and a retry may run; once committed, a
//! second delivery finds the claim and does nothing.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use entities::job_run;

use crate::clock::to_millis;
use crate::error::DomainResult;

/// What a job run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// It did its work; the detail says what.
    Done(String),
    /// This key had already run; nothing was done.
    AlreadyDone,
}

/// Claims `(kind, key)`; false when it is already claimed (the run must do nothing).
pub async fn claim<C: ConnectionTrait>(
    txn: &C,
    kind: &str,
    key: &str,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let inserted = job_run::Entity::insert(job_run::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.to_owned()),
        run_key: Set(key.to_owned()),
        status: Set("running".into()),
        started_at: Set(to_millis(now)),
        finished_at: Set(None),
        detail: Set(None),
    })
    .on_conflict(
        OnConflict::columns([job_run::Column::Kind, job_run::Column::RunKey])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(inserted == 1)
}

/// Marks a claimed run done with a short description of what it did.
pub async fn finish<C: ConnectionTrait>(
    txn: &C,
    kind: &str,
    key: &str,
    now: DateTime<Utc>,
    detail: &str,
) -> DomainResult<()> {
    job_run::Entity::update_many()
        .col_expr(job_run::Column::Status, "done".into())
        .col_expr(job_run::Column::FinishedAt, to_millis(now).into())
        .col_expr(job_run::Column::Detail, detail.into())
        .filter(job_run::Column::Kind.eq(kind))
        .filter(job_run::Column::RunKey.eq(key))
        .exec(txn)
        .await?;
    Ok(())
}
