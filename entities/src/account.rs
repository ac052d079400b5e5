//! A login: a customer or a staff member. Mobile numbers are held only encrypted
//! (`mobile_enc`) and as a keyed hash (`mobile_hash`) for exact lookup.

use sea_orm::entity::prelude::*;

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
    pub status: String,
    pub created_by: Option<Uuid>,
    pub created_at: i64,
    pub updated_at: i64,
    pub must_change_password: bool,
}

impl ActiveModelBehavior for ActiveModel {}
