//! A one-time signing code, stored only as a keyed hash.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_code")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agreement_id: Uuid,
    /// A keyed hash of the agreement and the code; the code itself is never stored here.
    pub code_hash: String,
    /// Wrong codes tried so far (5 void it).
    pub attempts: i32,
    pub expires_at: i64,
    pub voided_at: Option<i64>,
    pub used_at: Option<i64>,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
