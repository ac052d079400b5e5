//! A customer's consent, for one application, to one version of a platform's disclosure.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "disclosure_consent")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub customer_id: Uuid,
    pub platform_code: String,
    pub version: i32,
    pub sha256: String,
    /// The account that recorded it (the customer, or an agent at the customer's word).
    pub accepted_by: Uuid,
    pub accepted_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
