//! Customer education (stage 6, 客户教育): `articles`, `draftArticle`, `publishArticle`,
//! `recommendedArticles`, `markArticleRead`. Thin: parse, authorize, call the use case,
//! shape.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::aftercare::articles::{ArticleDraft, ArticleFilter, ArticleView};
use domain::auth::Permission;
use domain::clock::from_millis;
use entities::article::ArticleStatus;

use super::context::ContextExt;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::types::parse_id;

/// Whether customers can see an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "ArticleStatus", remote = "ArticleStatus")]
pub enum ArticleStatusGql {
    /// Being written: staff only.
    Draft,
    /// Shown to customers.
    Published,
}

/// An article as staff write it.
#[derive(InputObject)]
pub struct ArticleInput {
    /// The article to change; a new draft when left out.
    pub id: Option<ID>,
    /// Its topic, shared by its translations: lowercase letters, digits, hyphens.
    pub slug: String,
    /// `zh-CN` or `en`.
    pub language: String,
    /// 2–200 characters.
    pub title: String,
    /// One or two sentences for lists (at most 500 characters).
    pub summary: String,
    /// Markdown (at most 50,000 characters); shown as cleaned HTML: scripts, styles,
    /// event handlers and `javascript:` links are removed.
    pub body: String,
    /// 1–10 tags. Recommendations use `hardship` (an overdue installment), `auto-debit`
    /// (a new plan), `budgeting` (a high debt-to-income ratio) and `basics` (everyone).
    pub tags: Vec<String>,
}

/// An education article.
#[derive(SimpleObject)]
pub struct Article {
    /// Its id.
    pub id: ID,
    /// Its topic, shared by its translations.
    pub slug: String,
    /// `zh-CN` or `en`.
    pub language: String,
    /// The title.
    pub title: String,
    /// For lists.
    pub summary: String,
    /// The text as written (Markdown).
    pub body_markdown: String,
    /// The text to show: HTML, cleaned.
    pub body_html: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// Draft or published.
    pub status: ArticleStatusGql,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// When you (a customer) first read it.
    pub read_at: Option<DateTime<Utc>>,
    /// Why it is recommended to you (`recommendedArticles` only).
    pub reason: Option<String>,
}

impl From<ArticleView> for Article {
    fn from(v: ArticleView) -> Self {
        let r = v.row;
        Self {
            id: ID(r.id.to_string()),
            slug: r.slug,
            language: r.language,
            title: r.title,
            summary: r.summary,
            body_markdown: r.body_markdown,
            body_html: r.body_html,
            tags: r.tags.split(',').map(str::to_owned).collect(),
            status: r.status.into(),
            published_at: r.published_at.map(from_millis),
            updated_at: from_millis(r.updated_at),
            read_at: v.read_at,
            reason: v.reason.map(str::to_owned),
        }
    }
}

/// Article queries.
#[derive(Default)]
pub struct ArticleQuery;

#[Object]
impl ArticleQuery {
    /// Published articles, newest first (at most 100), by tag and language; staff may
    /// ask for drafts too.
    #[graphql(guard = "RoleGuard::new(Permission::ReadArticles)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only articles with this tag (whole tags).")] tag: Option<String>,
        #[graphql(desc = "Only in this language: `zh-CN` or `en`.")] language: Option<String>,
        #[graphql(desc = "Drafts too (staff).")] include_drafts: Option<bool>,
    ) -> async_graphql::Result<Vec<Article>> {
        let caller = ctx.caller().await?;
        let filter = ArticleFilter {
            tag,
            language,
            include_drafts: include_drafts.unwrap_or(false),
        };
        Ok(ctx
            .domain()?
            .articles(filter, &caller)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Articles that fit your situation, in your language: what to do when you cannot
    /// pay (an overdue installment), how automatic debit works (a new plan), budgeting
    /// (debts high against income), then the basics; unread first, each with its reason.
    #[graphql(guard = "RoleGuard::new(Permission::OwnArticleReads)")]
    async fn recommended_articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1–20, default 5).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<Article>> {
        let caller = ctx.caller().await?;
        let first = u64::try_from(first.unwrap_or(5)).unwrap_or(1);
        Ok(ctx
            .domain()?
            .recommended_articles(first, &caller)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Article mutations.
#[derive(Default)]
pub struct ArticleMutation;

#[Object]
impl ArticleMutation {
    /// Saves an article: a new draft, or a new text of an existing one (a published one
    /// is corrected in place). Audited.
    #[graphql(guard = "RoleGuard::new(Permission::WriteArticles)")]
    async fn draft_article(
        &self,
        ctx: &Context<'_>,
        input: ArticleInput,
    ) -> async_graphql::Result<Article> {
        let caller = ctx.caller().await?;
        let id = input.id.as_ref().map(|id| parse_id(id, "id")).transpose()?;
        let draft = ArticleDraft {
            id,
            slug: input.slug,
            language: input.language,
            title: input.title,
            summary: input.summary,
            body: input.body,
            tags: input.tags,
        };
        ctx.domain()?
            .draft_article(draft, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Publishes an article: customers see it from now on. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::WriteArticles)")]
    async fn publish_article(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Article> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .publish_article(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Records that you read an article (the first read counts).
    #[graphql(guard = "RoleGuard::new(Permission::OwnArticleReads)")]
    async fn mark_article_read(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Article> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .mark_article_read(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }
}
