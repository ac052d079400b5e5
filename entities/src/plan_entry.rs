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
    /// `DUE`; `OVERDUE` once unpaid past its grace; `PAID` once settled.
    pub status: String,
    /// Principal paid so far.
    pub paid_principal_fen: i64,
    /// Interest paid so far.
    pub paid_interest_fen: i64,
    /// Fee paid so far.
    pub paid_fee_fen: i64,
    /// Late charge paid so far.
    pub paid_penalty_fen: i64,
    /// Late charge accrued through `penalty_through`.
    pub penalty_fen: i64,
    /// The last day the late charge was accrued for, `YYYY-MM-DD`.
    pub penalty_through: Option<String>,
    /// The next day an automatic debit is tried (none once settled or out of retries).
    pub collect_on: Option<String>,
    /// The day it turns overdue if still unpaid (none once settled).
    pub overdue_on: Option<String>,
    /// Automatic debit attempts made.
    pub attempts: i32,
    /// The day it was settled.
    pub settled_on: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
