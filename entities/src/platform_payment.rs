//! A money movement a platform reported (by callback or in answer to a collect), keyed by
//! the platform's reference: what reconciliation matches the partner's statement against.

use sea_orm::entity::prelude::*;

/// Whether the money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PaymentStatus {
    /// It moved.
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    /// It did not.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "platform_payment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub platform_code: String,
    pub reference: String,
    pub plan_id: Option<Uuid>,
    pub plan_ref: String,
    pub idempotency_key: Option<String>,
    pub amount_fen: i64,
    pub status: PaymentStatus,
    /// The plan's change counter at the last event applied to this payment.
    pub sequence: i64,
    pub occurred_at: i64,
    pub recorded_at: i64,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
