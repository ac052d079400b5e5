//! An issued agreement: the document, the facts it states and its SHA-256.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agreement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub application_id: Uuid,
    /// The proposal both sides accepted.
    pub proposal_id: Uuid,
    pub customer_id: Uuid,
    /// The template's version.
    pub template: String,
    /// `zh-CN` or `en`.
    pub language: String,
    /// The facts the document states, JSON (`domain::agreements::render::Facts`).
    pub facts: String,
    /// The document.
    pub html: String,
    /// SHA-256 (hex) of the document, fixed at issue.
    pub sha256: String,
    pub issued_by: Uuid,
    pub issued_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
