//! One numbered proposal in an application's negotiation (方案讨论).

use sea_orm::entity::prelude::*;

/// Whether a proposal needs, has or was refused a risk officer's approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Approval {
    /// Within every automatic limit.
    #[sea_orm(string_value = "NOT_NEEDED")]
    NotNeeded,
    /// Outside an automatic limit: waiting for a risk officer.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Approved by a risk officer who is not its author.
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    /// Refused by a risk officer.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    /// 1, 2, … per application.
    pub version: i32,
    pub author_id: Uuid,
    pub author_role: String,
    pub comment: String,
    pub product_code: String,
    pub amount_fen: i64,
    pub periods: i32,
    /// `monthly` or `quarterly`.
    pub frequency: String,
    pub payment_day: i32,
    /// The annual rate, or the fee per period of a fee-based product (decimal text).
    pub rate: String,
    /// The APR as disclosed (decimal text).
    pub apr: String,
    pub first_payment_fen: i64,
    pub largest_payment_fen: i64,
    pub total_interest_fen: i64,
    pub total_fees_fen: i64,
    /// The automatic limits broken, JSON `[{"code","message"}]`.
    pub breaks: String,
    pub approval: Approval,
    pub decided_by: Option<Uuid>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<i64>,
    pub customer_accepted_at: Option<i64>,
    pub bank_accepted_at: Option<i64>,
    pub bank_accepted_by: Option<Uuid>,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
