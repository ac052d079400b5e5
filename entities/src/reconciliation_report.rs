//! One day's reconciliation of one partner's statement against our payments.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reconciliation_report")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub platform_code: String,
    /// `YYYY-MM-DD`, the bank's local day.
    pub statement_date: String,
    pub their_lines: i32,
    pub our_lines: i32,
    pub matched: i32,
    pub mismatches: i32,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
