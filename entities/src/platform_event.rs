//! A callback a partner sent, kept by its event id: the guard against duplicates and
//! replays, and the record staff review when an event names a plan we do not know.

use sea_orm::entity::prelude::*;

/// What became of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum EventOutcome {
    /// It changed our records.
    #[sea_orm(string_value = "APPLIED")]
    Applied,
    /// A later event of the same plan (or payment) had already been applied.
    #[sea_orm(string_value = "STALE")]
    Stale,
    /// It names a plan we do not know: kept for staff review.
    #[sea_orm(string_value = "UNMATCHED")]
    Unmatched,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "platform_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub platform_code: String,
    pub event_id: String,
    pub kind: String,
    pub plan_ref: String,
    pub sequence: i64,
    pub plan_id: Option<Uuid>,
    pub outcome: EventOutcome,
    /// The body as received.
    pub payload: String,
    pub received_at: i64,
    pub reviewed_at: Option<i64>,
    pub reviewed_by: Option<Uuid>,
    pub review_note: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
