//! A customer's recorded consent to one version of one consent text (identified by the
//! SHA-256 of the text they were shown).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub purpose: String,
    pub version: String,
    pub text_hash: String,
    pub channel: String,
    pub given_by: Option<Uuid>,
    pub given_at: i64,
    pub withdrawn_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
