//! A customer's current financial status, in fen.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "financial_status")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: Uuid,
    pub assets_fen: i64,
    pub liabilities_fen: i64,
    pub monthly_expenses_fen: i64,
    pub monthly_debt_payments_fen: i64,
    pub updated_by: Option<Uuid>,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
