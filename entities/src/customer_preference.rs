//! How a customer wants to repay and be contacted.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_preference")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: Uuid,
    pub frequency: String,
    pub preferred_term_months: i32,
    pub payment_day: i32,
    pub max_monthly_budget_fen: Option<i64>,
    pub channels: String,
    pub quiet_hours_start: Option<String>,
    pub quiet_hours_end: Option<String>,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
