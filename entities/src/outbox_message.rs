//! A message waiting to be delivered to a customer (the minimal outbox of stage 4; the
//! notification issue's outbox replaces it).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_message")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    /// `sms`, `email` or `app`.
    pub channel: String,
    /// `signing_code`, …
    pub kind: String,
    pub body: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
