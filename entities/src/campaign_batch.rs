//! One batch of a campaign's members: the unit one job processes.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_batch")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub batch: i32,
    /// When its job was last queued (none: to queue).
    pub queued_at: Option<i64>,
    /// How many times a job worked on it (retries and duplicates included).
    pub deliveries: i32,
    /// When its last member was processed (or the campaign cancelled).
    pub done_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
