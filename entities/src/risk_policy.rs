//! One version of the risk policy (JSON). Versions are never changed once decided: a new
//! policy is a new version, active only after a second officer approves it.

use sea_orm::entity::prelude::*;

/// Where a policy version stands; stored lower-case (the partial unique index that allows
/// one active version names `'active'`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PolicyStatus {
    /// Awaiting approval.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// The one in force.
    #[sea_orm(string_value = "active")]
    Active,
    /// Was in force; replaced.
    #[sea_orm(string_value = "retired")]
    Retired,
    /// Not approved.
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_policy")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub version: i32,
    pub status: PolicyStatus,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub drafted_by: Option<Uuid>,
    pub drafted_at: i64,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
