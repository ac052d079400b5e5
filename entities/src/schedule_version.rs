//! A plan's schedule as it stood after one change (docs/repayment.md, schedule versions).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedule_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    /// 1 at opening, then one more per change.
    pub version: i32,
    /// `opening`, `prepayment` or `payoff`.
    pub reason: String,
    /// For a prepayment: installments paid before it (the engine's `paid_periods`).
    pub paid_periods: Option<i32>,
    /// For a prepayment: the principal prepaid, in fen.
    pub prepaid_fen: Option<i64>,
    /// For a prepayment: `KEEP_TERM` or `KEEP_INSTALLMENT`.
    pub mode: Option<String>,
    /// The schedule's rows, as JSON.
    #[sea_orm(column_type = "Text")]
    pub rows: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
