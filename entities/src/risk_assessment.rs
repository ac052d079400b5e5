//! A risk assessment as it was made: the result, every reason, the inputs it saw and the
//! policy version that produced it. Decimals that are not money are stored as text.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_assessment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub policy_version: i32,
    pub score: String,
    pub grade: String,
    pub debt_to_income: String,
    pub disposable_income_fen: i64,
    pub max_installment_fen: i64,
    pub max_amount_fen: i64,
    pub max_term_months: i32,
    pub rate_min: String,
    pub rate_max: String,
    pub decision: String,
    #[sea_orm(column_type = "Text")]
    pub reasons: String,
    #[sea_orm(column_type = "Text")]
    pub inputs: String,
    pub credit_report_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
