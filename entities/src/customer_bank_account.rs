//! A bank card or account a customer repays from; the number is held only encrypted, with
//! a keyed hash and its last four digits.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_bank_account")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub bank_name: String,
    #[sea_orm(column_type = "Text")]
    pub card_enc: String,
    pub card_hash: String,
    pub card_last4: String,
    pub luhn_valid: bool,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
