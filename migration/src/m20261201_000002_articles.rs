//! Stage 6's customer education (客户教育): articles in Markdown, drafted and published by
//! staff, kept with their safe HTML, and which customer read which.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Article {
    Table,
    Id,
    Slug,
    Language,
    Title,
    Summary,
    BodyMarkdown,
    BodyHtml,
    Tags,
    Status,
    AuthorId,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ArticleRead {
    Table,
    CustomerId,
    ArticleId,
    ReadAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Article::Table)
                    .col(pk_uuid(Article::Id))
                    .col(string_len(Article::Slug, 80))
                    .col(string_len(Article::Language, 8))
                    .col(string_len(Article::Title, 200))
                    .col(string_len(Article::Summary, 500))
                    .col(text(Article::BodyMarkdown))
                    .col(text(Article::BodyHtml))
                    .col(string_len(Article::Tags, 400))
                    .col(string_len(Article::Status, 16))
                    .col(uuid_null(Article::AuthorId))
                    .col(big_integer_null(Article::PublishedAt))
                    .col(big_integer(Article::CreatedAt))
                    .col(big_integer(Article::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // One article per topic and language.
        manager
            .create_index(
                Index::create()
                    .name("ux_article_slug_language")
                    .table(Article::Table)
                    .col(Article::Slug)
                    .col(Article::Language)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ArticleRead::Table)
                    .col(uuid(ArticleRead::CustomerId))
                    .col(uuid(ArticleRead::ArticleId))
                    .col(big_integer(ArticleRead::ReadAt))
                    .primary_key(
                        Index::create()
                            .col(ArticleRead::CustomerId)
                            .col(ArticleRead::ArticleId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ArticleRead::Table, ArticleRead::ArticleId)
                            .to(Article::Table, Article::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ArticleRead::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Article::Table).to_owned())
            .await
    }
}
