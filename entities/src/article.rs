//! An education article (客户教育): Markdown as written, safe HTML as shown.

use sea_orm::entity::prelude::*;

/// Whether customers can see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ArticleStatus {
    /// Being written: staff only.
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    /// Shown to customers.
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "article")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The topic, shared by its translations (`how-auto-debit-works`).
    pub slug: String,
    /// `zh-CN` or `en`.
    pub language: String,
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    /// Rendered from the Markdown and cleaned: no script, no event handler survives.
    pub body_html: String,
    /// Comma-separated, lowercase (`auto-debit,repayment`).
    pub tags: String,
    pub status: ArticleStatus,
    /// The staff account that last wrote it (none for the platform's own).
    pub author_id: Option<Uuid>,
    pub published_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
