//! A snapshot of a customer's credit record, kept and reused while fresh.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_report")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub source: String,
    pub score: Option<i32>,
    pub open_accounts: i32,
    pub delinquencies24m: i32,
    pub recent_inquiries: i32,
    pub active_delinquency: bool,
    pub reported_at: i64,
    pub fetched_at: i64,
    pub requested_by: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}
