//! One version of what a platform discloses to customers (policy and fee standards), with
//! its SHA-256 so that a consent names exactly the text that was shown.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "platform_disclosure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub platform_code: String,
    pub version: i32,
    pub policy_text: String,
    pub fee_text: String,
    pub sha256: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
