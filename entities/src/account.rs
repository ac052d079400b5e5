//! A login: a customer or a staff member. Mobile numbers are held only encrypted
//! (`mobile_enc`) and as a keyed hash (`mobile_hash`) for exact lookup.

use sea_orm::entity::prelude::*;

/// Whether an account may log in; stored lower-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AccountStatus {
    /// It may.
    #[sea_orm(string_value = "active")]
    Active,
    /// It may not; its sessions were revoked when it was disabled.
    #[sea_orm(string_value = "disabled")]
    Disabled,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub role: String,
    pub display_name: String,
    #[sea_orm(unique)]
    pub email: Option<String>,
    #[sea_orm(unique)]
    pub mobile_hash: Option<String>,
    pub mobile_enc: Option<String>,
    pub password_hash: String,
    pub status: AccountStatus,
    pub created_by: Option<Uuid>,
    pub created_at: i64,
    pub updated_at: i64,
    pub must_change_password: bool,
}

impl ActiveModelBehavior for ActiveModel {}
