//! One installment of an open plan: what falls due when (repayment, stage 5, settles it).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub period: i32,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    pub payment_fen: i64,
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub fee_fen: i64,
    pub remaining_fen: i64,
    /// `DUE` until repayment settles it.
    pub status: String,
}

impl ActiveModelBehavior for ActiveModel {}
