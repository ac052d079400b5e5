//! One customer of a campaign's segment, as snapshotted at launch, and what was done.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_member")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: Uuid,
    pub batch: i32,
    /// `QUEUED`, `DONE`, `FAILED` or `SKIPPED`.
    pub status: String,
    /// Why it failed or was skipped (`QUIET_HOURS`, `NO_CONSENT`, `NO_AGENT`,
    /// `CANCELLED`…).
    pub reason: Option<String>,
    pub processed_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
