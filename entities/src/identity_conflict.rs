//! A customer's attempt to take an ID or mobile number that another customer holds, kept
//! for staff review instead of being told to the customer.

use sea_orm::entity::prelude::*;

/// Where a conflict is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ConflictStatus {
    /// Waiting for staff.
    #[sea_orm(string_value = "open")]
    Open,
    /// Looked at and closed with a note.
    #[sea_orm(string_value = "resolved")]
    Resolved,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "identity_conflict")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    /// `mobile` or `idNumber`.
    pub field: String,
    pub holder_customer_id: Option<Uuid>,
    pub attempted_masked: String,
    pub attempted_hash: String,
    pub status: ConflictStatus,
    pub created_at: i64,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub resolution: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
