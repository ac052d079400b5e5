//! One message on a ticket, from the customer or from staff.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_message")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ticket_id: Uuid,
    /// The account that wrote it.
    pub author_id: Uuid,
    /// Written by the customer (else by staff).
    pub from_customer: bool,
    pub body: String,
    /// JSON list of `{ "name", "sha256", "size" }`: files are kept by their hash
    /// elsewhere; the ticket only names them.
    pub attachments: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
