//! The ledger that makes jobs idempotent: one row per (kind, run key). A job that finds
//! its key already done does nothing, whatever retries or duplicate deliveries happen.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_run")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub run_key: String,
    pub status: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub detail: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
