//! One leg of a double entry: the postings of an entry sum to zero.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_posting")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub entry_id: Uuid,
    pub account_id: Uuid,
    /// Positive: into the account; negative: out of it.
    pub amount_fen: i64,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
