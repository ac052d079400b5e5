//! Failed-login counters, keyed by a keyed hash of the login name so that unknown and
//! known logins are throttled alike (no account enumeration through lockouts).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttle")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_hash: String,
    pub failures: i32,
    pub locked_until: Option<i64>,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
