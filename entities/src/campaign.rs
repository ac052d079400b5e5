//! A bulk follow-up campaign (批量回访): a segment of customers, an action for each, the
//! maker-checker approval above the configured size, and where it stands.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// `FOLLOW_UP`, `MESSAGE` or `SURVEY`.
    pub action: String,
    /// The segment's filters, as JSON.
    pub segment: String,
    /// The message's texts per language, as JSON (messages and surveys).
    pub content: Option<String>,
    /// `WAIT` (a message waits for the contact window) or `SKIP` (skipped in quiet hours).
    pub quiet_hours: String,
    /// `READY`, `PENDING_APPROVAL`, `APPROVED`, `RUNNING`, `PAUSED`, `COMPLETED`,
    /// `CANCELLED`.
    pub status: String,
    /// The segment's size when the campaign was made.
    pub estimated_size: i64,
    /// Members snapshotted at launch.
    pub total: Option<i64>,
    pub created_by: Uuid,
    pub created_at: i64,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<i64>,
    pub launched_by: Option<Uuid>,
    pub launched_at: Option<i64>,
    pub paused_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
