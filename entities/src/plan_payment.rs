//! A payment posted to a plan and how it was allocated (late charge, interest, fee,
//! principal), kept under the key of what brought it (a debit attempt, a customer's
//! request), so nothing posts twice.

use sea_orm::entity::prelude::*;

/// What brought the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PaymentKind {
    /// The close-of-business automatic debit.
    #[sea_orm(string_value = "AUTO_DEBIT")]
    AutoDebit,
    /// The customer paid an installment.
    #[sea_orm(string_value = "CUSTOMER")]
    Customer,
    /// The customer repaid principal early (the rest of the schedule recomputed).
    #[sea_orm(string_value = "PREPAYMENT")]
    Prepayment,
    /// The customer paid the whole plan off.
    #[sea_orm(string_value = "PAYOFF")]
    Payoff,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_payment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub entry_id: Option<Uuid>,
    pub kind: PaymentKind,
    #[sea_orm(unique)]
    pub source_key: String,
    pub amount_fen: i64,
    pub penalty_fen: i64,
    pub interest_fen: i64,
    pub fee_fen: i64,
    pub principal_fen: i64,
    pub reference: Option<String>,
    pub business_date: String,
    pub posted_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
