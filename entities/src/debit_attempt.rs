//! One automatic debit of one installment: the attempt's number makes its idempotency key
//! (`debit:<entry>:<attempt>`), so a job delivered twice or retried after a crash asks the
//! platform with the same key and posts at most once.

use sea_orm::entity::prelude::*;

/// Where an attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DebitStatus {
    /// Waiting for its job.
    #[sea_orm(string_value = "QUEUED")]
    Queued,
    /// Collected and posted.
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    /// The account held too little; retried on the next retry day.
    #[sea_orm(string_value = "INSUFFICIENT")]
    Insufficient,
    /// Accepted by the platform; its result comes by callback.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Refused for a reason a person must look at (account closed, rejected).
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// Not tried: the installment was settled or changed before its job ran.
    #[sea_orm(string_value = "SKIPPED")]
    Skipped,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "debit_attempt")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub entry_id: Uuid,
    pub plan_id: Uuid,
    pub attempt: i32,
    /// The business day it was made for, `YYYY-MM-DD`.
    pub business_date: String,
    pub amount_fen: i64,
    pub status: DebitStatus,
    pub reference: Option<String>,
    pub reason: Option<String>,
    /// When its job was last handed to the queue (epoch ms).
    pub enqueued_at: Option<i64>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
