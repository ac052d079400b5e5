//! Customer education (客户教育): staff draft articles in Markdown (zh-CN and en, tagged)
//! and publish them; customers read the published ones, get those that fit their
//! situation first (`recommend.rs`), and their reads are kept. The HTML shown is rendered
//! and cleaned when the article is saved (`article_text.rs`), so every read serves the
//! same safe copy.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use entities::article::{self, ArticleStatus};
use entities::{article_read, customer, financial_status, installment_plan};

use super::article_text::{MAX_BODY_CHARS, language, safe_html, slug, tags};
use super::recommend::{NEW_PLAN_DAYS, Situation, topics};
use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission};
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::notices::Language;
use crate::service::Domain;

/// Articles in one list at most.
pub const MAX_ARTICLES: u64 = 100;
/// Recommendations at most.
pub const MAX_RECOMMENDED: u64 = 20;

/// An article as staff write it: a new one, or a new text of `id`.
#[derive(Debug, Clone)]
pub struct ArticleDraft {
    /// The article to change; a new one when absent.
    pub id: Option<Uuid>,
    /// Its topic (`how-auto-debit-works`), shared by its translations.
    pub slug: String,
    /// `zh-CN` or `en`.
    pub language: String,
    /// 2–200 characters.
    pub title: String,
    /// One or two sentences for lists, at most 500 characters.
    pub summary: String,
    /// Markdown.
    pub body: String,
    /// 1–10 tags; recommendations go by them (`hardship`, `auto-debit`, `budgeting`,
    /// `basics`).
    pub tags: Vec<String>,
}

/// An article, and for a customer whether they read it and why it is recommended.
#[derive(Debug, Clone)]
pub struct ArticleView {
    /// The stored row.
    pub row: article::Model,
    /// When the calling customer first read it.
    pub read_at: Option<DateTime<Utc>>,
    /// Why it is recommended, in the customer's language (recommendations only).
    pub reason: Option<&'static str>,
}

/// Which articles a list shows.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// With this tag.
    pub tag: Option<String>,
    /// In this language.
    pub language: Option<String>,
    /// Drafts too (staff only).
    pub include_drafts: bool,
}

fn between(field: &str, text: &str, min: usize, max: usize) -> DomainResult<String> {
    let t = text.trim();
    if !(min..=max).contains(&t.chars().count()) {
        return Err(DomainError::validation(
            field,
            format!("Write {min} to {max} characters."),
        ));
    }
    Ok(t.to_owned())
}

impl Domain {
    /// Saves an article's text as a draft (new) or over its current text (an existing
    /// one keeps its status: a published article is corrected in place). Audited.
    pub async fn draft_article(
        &self,
        input: ArticleDraft,
        caller: &Caller,
    ) -> DomainResult<ArticleView> {
        caller.require(Permission::WriteArticles)?;
        let slug = slug(&input.slug)?;
        let language = language(&input.language)?;
        let title = between("title", &input.title, 2, 200)?;
        let summary = between("summary", &input.summary, 1, 500)?;
        let body = between("body", &input.body, 1, MAX_BODY_CHARS)?;
        let tags = tags(&input.tags)?;
        let html = safe_html(&body);
        let now = self.now();
        let at = to_millis(now);
        let author = caller.actor.map(|a| a.account_id);
        let clash = article::Entity::find()
            .filter(article::Column::Slug.eq(slug.as_str()))
            .filter(article::Column::Language.eq(language))
            .one(self.db())
            .await?;
        if let Some(other) = &clash
            && Some(other.id) != input.id
        {
            return Err(DomainError::Conflict(format!(
                "'{slug}' already has a {language} article; change that one, or choose another slug."
            )));
        }
        let txn = begin_write(self.db()).await?;
        let saved = match input.id {
            Some(id) => {
                let row = article::Entity::find_by_id(id)
                    .one(&txn)
                    .await?
                    .ok_or_else(|| DomainError::NotFound("No such article.".into()))?;
                let mut active: article::ActiveModel = row.into();
                active.slug = Set(slug);
                active.language = Set(language.to_owned());
                active.title = Set(title);
                active.summary = Set(summary);
                active.body_markdown = Set(body);
                active.body_html = Set(html);
                active.tags = Set(tags);
                active.author_id = Set(author);
                active.updated_at = Set(at);
                active.update(&txn).await?
            }
            None => {
                article::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    slug: Set(slug),
                    language: Set(language.to_owned()),
                    title: Set(title),
                    summary: Set(summary),
                    body_markdown: Set(body),
                    body_html: Set(html),
                    tags: Set(tags),
                    status: Set(ArticleStatus::Draft),
                    author_id: Set(author),
                    published_at: Set(None),
                    created_at: Set(at),
                    updated_at: Set(at),
                }
                .insert(&txn)
                .await?
            }
        };
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new("article.draft", "article", Some(saved.id.to_string())).after(
                json!({ "slug": saved.slug, "language": saved.language, "tags": saved.tags }),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(ArticleView {
            row: saved,
            read_at: None,
            reason: None,
        })
    }

    /// Publishes an article: customers see it from now on. Audited.
    pub async fn publish_article(&self, id: Uuid, caller: &Caller) -> DomainResult<ArticleView> {
        caller.require(Permission::WriteArticles)?;
        let row = article::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("No such article.".into()))?;
        if row.status == ArticleStatus::Published {
            return Ok(ArticleView {
                row,
                read_at: None,
                reason: None,
            });
        }
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let mut active: article::ActiveModel = row.into();
        active.status = Set(ArticleStatus::Published);
        active.published_at = Set(Some(to_millis(now)));
        active.updated_at = Set(to_millis(now));
        let saved = active.update(&txn).await?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new("article.publish", "article", Some(id.to_string()))
                .after(json!({ "slug": saved.slug, "language": saved.language })),
        )
        .await?;
        txn.commit().await?;
        Ok(ArticleView {
            row: saved,
            read_at: None,
            reason: None,
        })
    }

    /// When `customer` read each of `ids`.
    async fn reads(
        &self,
        customer: Option<Uuid>,
        ids: Vec<Uuid>,
    ) -> DomainResult<std::collections::HashMap<Uuid, DateTime<Utc>>> {
        let Some(customer) = customer.filter(|_| !ids.is_empty()) else {
            return Ok(Default::default());
        };
        Ok(article_read::Entity::find()
            .filter(article_read::Column::CustomerId.eq(customer))
            .filter(article_read::Column::ArticleId.is_in(ids))
            .all(self.db())
            .await?
            .into_iter()
            .map(|r| (r.article_id, from_millis(r.read_at)))
            .collect())
    }

    /// Articles, newest first: published ones for everyone, drafts too for staff who ask.
    pub async fn articles(
        &self,
        filter: ArticleFilter,
        caller: &Caller,
    ) -> DomainResult<Vec<ArticleView>> {
        caller.require(Permission::ReadArticles)?;
        let staff = caller.actor.is_none_or(|a| a.role.is_staff());
        let mut query = article::Entity::find()
            .order_by_desc(article::Column::UpdatedAt)
            .order_by_desc(article::Column::Id)
            .limit(MAX_ARTICLES);
        if !(staff && filter.include_drafts) {
            query = query.filter(article::Column::Status.eq(ArticleStatus::Published));
        }
        if let Some(lang) = &filter.language {
            query = query.filter(article::Column::Language.eq(language(lang)?));
        }
        if let Some(tag) = &filter.tag {
            query = query.filter(article::Column::Tags.contains(tag.trim().to_lowercase()));
        }
        let rows: Vec<article::Model> = query
            .all(self.db())
            .await?
            .into_iter()
            .filter(|r| has_tag(r, filter.tag.as_deref()))
            .collect();
        let me = self.own_customer(caller).await?.map(|c| c.id);
        let read = self.reads(me, rows.iter().map(|r| r.id).collect()).await?;
        Ok(rows
            .into_iter()
            .map(|row| ArticleView {
                read_at: read.get(&row.id).copied(),
                row,
                reason: None,
            })
            .collect())
    }

    /// What the calling customer knows about their own situation, as the recommendations
    /// read it: active plans' arrears and age, and debts over income.
    async fn situation(&self, who: &customer::Model) -> DomainResult<Situation> {
        let plans = installment_plan::Entity::find()
            .filter(installment_plan::Column::CustomerId.eq(who.id))
            .filter(installment_plan::Column::Status.eq("active"))
            .all(self.db())
            .await?;
        let since = to_millis(self.now() - Duration::days(NEW_PLAN_DAYS));
        let debts = financial_status::Entity::find_by_id(who.id)
            .one(self.db())
            .await?
            .map(|f| f.monthly_debt_payments_fen);
        let debt_to_income = match (debts, who.monthly_income_fen) {
            (Some(d), Some(i)) if i > 0 => {
                Some(rust_decimal::Decimal::from(d) / rust_decimal::Decimal::from(i))
            }
            _ => None,
        };
        Ok(Situation {
            overdue: plans.iter().any(|p| p.days_past_due > 0),
            new_plan: plans.iter().any(|p| p.opened_at >= since),
            debt_to_income,
        })
    }

    /// Up to `first` published articles for the calling customer, in their language,
    /// the most pressing topic first and unread before read, each with its reason.
    pub async fn recommended_articles(
        &self,
        first: u64,
        caller: &Caller,
    ) -> DomainResult<Vec<ArticleView>> {
        caller.require(Permission::OwnArticleReads)?;
        let Some(who) = self.own_customer(caller).await? else {
            return Ok(Vec::new());
        };
        let lang = Language::of(&who.preferred_language).as_str();
        let situation = self.situation(&who).await?;
        let mut picked: Vec<(article::Model, &'static str)> = Vec::new();
        for topic in topics(situation) {
            let rows = article::Entity::find()
                .filter(article::Column::Status.eq(ArticleStatus::Published))
                .filter(article::Column::Language.eq(lang))
                .filter(article::Column::Tags.contains(topic.tag))
                .order_by_desc(article::Column::PublishedAt)
                .limit(MAX_ARTICLES)
                .all(self.db())
                .await?;
            for row in rows {
                if has_tag(&row, Some(topic.tag)) && !picked.iter().any(|(p, _)| p.id == row.id) {
                    picked.push((row, topic.reason_in(lang)));
                }
            }
        }
        let read = self
            .reads(Some(who.id), picked.iter().map(|(r, _)| r.id).collect())
            .await?;
        let mut views: Vec<ArticleView> = picked
            .into_iter()
            .map(|(row, reason)| ArticleView {
                read_at: read.get(&row.id).copied(),
                row,
                reason: Some(reason),
            })
            .collect();
        // Stable: within the topic order, unread first.
        views.sort_by_key(|v| v.read_at.is_some());
        views.truncate(first.clamp(1, MAX_RECOMMENDED) as usize);
        Ok(views)
    }

    /// Records that the calling customer read a published article (the first read
    /// counts; reading again changes nothing).
    pub async fn mark_article_read(&self, id: Uuid, caller: &Caller) -> DomainResult<ArticleView> {
        caller.require(Permission::OwnArticleReads)?;
        let who = self
            .own_customer(caller)
            .await?
            .ok_or_else(|| DomainError::Conflict("Complete your customer profile first.".into()))?;
        let row = article::Entity::find_by_id(id)
            .filter(article::Column::Status.eq(ArticleStatus::Published))
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("No such article.".into()))?;
        article_read::Entity::insert(article_read::ActiveModel {
            customer_id: Set(who.id),
            article_id: Set(id),
            read_at: Set(to_millis(self.now())),
        })
        .on_conflict(
            OnConflict::columns([
                article_read::Column::CustomerId,
                article_read::Column::ArticleId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        let read = self.reads(Some(who.id), vec![id]).await?;
        Ok(ArticleView {
            read_at: read.get(&id).copied(),
            row,
            reason: None,
        })
    }
}

/// Whether `row` carries `tag` exactly (the `LIKE` narrows, this decides).
fn has_tag(row: &article::Model, tag: Option<&str>) -> bool {
    tag.is_none_or(|t| {
        let t = t.trim().to_lowercase();
        row.tags.split(',').any(|x| x == t)
    })
}
