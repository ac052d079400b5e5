//! A customer's satisfaction answer (1–5), from a follow-up call or the app.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_response")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub task_id: Option<Uuid>,
    pub plan_id: Option<Uuid>,
    pub score: i32,
    pub comment: Option<String>,
    /// `CALL` (an agent's follow-up) or `APP` (the customer's own).
    pub source: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
