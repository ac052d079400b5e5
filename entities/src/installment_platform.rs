//! A platform in the registry admins keep: the bank's own ledger or a partner reached over
//! signed HTTP. Credentials are sealed like personal data and never leave the domain.

use sea_orm::entity::prelude::*;

/// Whose books a platform's plans live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PlatformKind {
    /// The bank's own ledger.
    #[sea_orm(string_value = "INTERNAL")]
    Internal,
    /// A third party over HTTP.
    #[sea_orm(string_value = "EXTERNAL")]
    External,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "installment_platform")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub kind: PlatformKind,
    pub name: String,
    pub base_url: Option<String>,
    pub client_id: Option<String>,
    /// The shared HMAC secret, sealed (`domain::pii::KeyRing`).
    pub credentials_sealed: Option<String>,
    /// The product catalogue, JSON (`adapters::platforms::Product`).
    pub products: String,
    /// The channels it serves customers through (`sms,email,app`).
    pub channels: String,
    /// The policy text customers are shown.
    pub policy_text: String,
    /// The current disclosure version (see `platform_disclosure`).
    pub disclosure_version: i32,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
