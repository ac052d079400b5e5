//! What the law makes the bank keep after a customer is anonymized: the identity record,
//! encrypted, until ten years after the relationship ended (Anti-Money-Laundering Law).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "retained_identity")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub full_name_enc: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub id_number_enc: Option<String>,
    pub id_number_hash: Option<String>,
    pub relationship_ended_at: i64,
    pub retain_until: i64,
}

impl ActiveModelBehavior for ActiveModel {}
