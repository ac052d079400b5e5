//! Bulk follow-up campaigns (stage 6, 批量回访): `previewSegment`, `createCampaign`,
//! `approveCampaign`, `launchCampaign`, `pauseCampaign`, `resumeCampaign`,
//! `cancelCampaign`, `campaign(id)`, `campaigns`; `campaignProgress` is in
//! `subscriptions.rs`. Thin: parse, authorize, call the use case, shape.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::aftercare::campaign_rules::{CampaignAction, CampaignStatus, QuietHoursPolicy};
use domain::aftercare::campaigns::{
    CampaignContent, CampaignFilter, CampaignProgress, CampaignView, NewCampaign,
};
use domain::aftercare::segment::{Segment, SegmentFilter, SegmentPreview};
use domain::auth::Permission;
use domain::clock::from_millis;
use domain::notices::CampaignText;
use domain::page::PageRequest;
use domain::repayment::engine::Bucket;

use super::context::ContextExt;
use super::cursor;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::scalars::Decimal;
use super::types::parse_id;
use super::types::plan::BucketGql;

/// What a campaign does for each member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "CampaignAction", remote = "CampaignAction")]
pub enum CampaignActionGql {
    /// A follow-up task for an agent (the customer's own, else the least loaded).
    FollowUp,
    /// A message through the customer's channels and the in-app inbox.
    Message,
    /// An invitation to the in-app satisfaction survey.
    Survey,
}

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "CampaignStatus", remote = "CampaignStatus")]
pub enum CampaignStatusGql {
    /// Made; may be launched.
    Ready,
    /// Above the approval size: a second staff member must approve it.
    PendingApproval,
    /// Approved; may be launched.
    Approved,
    /// Its members are being processed.
    Running,
    /// Paused: no new member is processed.
    Paused,
    /// Every member processed.
    Completed,
    /// Cancelled: members not processed were skipped.
    Cancelled,
}

/// How quiet hours (22:00–08:00 and the customer's own) treat a campaign's contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "CampaignQuietHours", remote = "QuietHoursPolicy")]
pub enum QuietHoursGql {
    /// The message waits in the outbox for the contact window (the default).
    Wait,
    /// A member in quiet hours when their batch runs is skipped (`QUIET_HOURS`).
    Skip,
}

/// Plan statuses a segment may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SegmentPlanStatus {
    /// Being repaid.
    Active,
    /// Paid off.
    Closed,
}

/// Which customers a campaign reaches: every filter given must hold (a list: any of its
/// values). Plan filters hold when one of the customer's plans matches them all.
#[derive(InputObject, Default)]
pub struct SegmentInput {
    /// Plans on these platforms (codes).
    pub platform_codes: Option<Vec<String>>,
    /// Plans in these statuses.
    pub plan_statuses: Option<Vec<SegmentPlanStatus>>,
    /// Plans in these delinquency buckets.
    pub buckets: Option<Vec<BucketGql>>,
    /// Customers whose latest risk grade is one of these (`A`–`E`).
    pub risk_grades: Option<Vec<String>>,
    /// Customers whose latest satisfaction answer is at most this (1–5).
    pub satisfaction_at_most: Option<i32>,
    /// Customers with no follow-up made in this many days (1–3,650).
    pub no_follow_up_days: Option<i32>,
    /// Plans activated on or after this day (the bank's local day).
    pub activated_from: Option<NaiveDate>,
    /// Plans activated on or before this day.
    pub activated_to: Option<NaiveDate>,
}

impl From<SegmentInput> for SegmentFilter {
    fn from(s: SegmentInput) -> Self {
        Self {
            platform_codes: s.platform_codes.unwrap_or_default(),
            plan_statuses: s
                .plan_statuses
                .unwrap_or_default()
                .into_iter()
                .map(|p| match p {
                    SegmentPlanStatus::Active => "active".to_owned(),
                    SegmentPlanStatus::Closed => "closed".to_owned(),
                })
                .collect(),
            buckets: s
                .buckets
                .unwrap_or_default()
                .into_iter()
                .map(Bucket::from)
                .collect(),
            risk_grades: s.risk_grades.unwrap_or_default(),
            satisfaction_at_most: s.satisfaction_at_most,
            no_follow_up_days: s.no_follow_up_days,
            activated_from: s.activated_from,
            activated_to: s.activated_to,
        }
    }
}

/// A segment's filters as a campaign keeps them.
#[derive(SimpleObject)]
#[graphql(name = "Segment")]
pub struct SegmentGql {
    /// Platform codes (any when empty).
    pub platform_codes: Vec<String>,
    /// Plan statuses (`active`, `closed`; any when empty).
    pub plan_statuses: Vec<String>,
    /// Buckets (`CURRENT`, `M1`, `M2`, `M3`, `M3_PLUS`; any when empty).
    pub buckets: Vec<String>,
    /// Risk grades (any when empty).
    pub risk_grades: Vec<String>,
    /// Latest satisfaction at most.
    pub satisfaction_at_most: Option<i32>,
    /// No follow-up made in this many days.
    pub no_follow_up_days: Option<i32>,
    /// Activated on or after.
    pub activated_from: Option<NaiveDate>,
    /// Activated on or before.
    pub activated_to: Option<NaiveDate>,
}

impl From<Segment> for SegmentGql {
    fn from(s: Segment) -> Self {
        Self {
            platform_codes: s.platform_codes,
            plan_statuses: s.plan_statuses,
            buckets: s.buckets,
            risk_grades: s.risk_grades,
            satisfaction_at_most: s.satisfaction_at_most,
            no_follow_up_days: s.no_follow_up_days,
            activated_from: s.activated_from,
            activated_to: s.activated_to,
        }
    }
}

/// One customer of a preview.
#[derive(SimpleObject)]
pub struct SegmentMember {
    /// The customer.
    pub customer_id: ID,
    /// Their name.
    pub full_name: String,
}

/// What a segment holds now.
#[derive(SimpleObject)]
#[graphql(name = "SegmentPreview")]
pub struct SegmentPreviewGql {
    /// How many customers.
    pub size: i64,
    /// The first few (by id).
    pub sample: Vec<SegmentMember>,
    /// Whether a campaign this size needs a second staff member's approval.
    pub needs_approval: bool,
}

/// A subject and a text.
#[derive(InputObject, SimpleObject)]
#[graphql(name = "CampaignText", input_name = "CampaignTextInput")]
pub struct CampaignTextGql {
    /// The subject line (inbox and e-mail; 1–120 characters).
    pub subject: String,
    /// The text (1–1,000 characters; texts are prefixed with 【Fenqi】).
    pub body: String,
}

/// A campaign's texts per language.
#[derive(InputObject, SimpleObject)]
#[graphql(name = "CampaignContent", input_name = "CampaignContentInput")]
pub struct CampaignContentGql {
    /// Chinese (required).
    pub zh: CampaignTextGql,
    /// English (customers who read English get Chinese without it).
    pub en: Option<CampaignTextGql>,
}

fn text_in(t: CampaignTextGql) -> CampaignText {
    CampaignText {
        subject: t.subject,
        body: t.body,
    }
}

fn text_out(t: CampaignText) -> CampaignTextGql {
    CampaignTextGql {
        subject: t.subject,
        body: t.body,
    }
}

/// A new campaign.
#[derive(InputObject)]
pub struct CampaignInput {
    /// A name staff recognize it by (2–120 characters).
    pub name: String,
    /// What is done for each member.
    pub action: CampaignActionGql,
    /// Who it reaches.
    pub segment: SegmentInput,
    /// The texts: required for `MESSAGE`; optional for `SURVEY` (a standard invitation
    /// otherwise); none for `FOLLOW_UP`.
    pub content: Option<CampaignContentGql>,
    /// How quiet hours treat its contacts (`WAIT` when left out).
    pub quiet_hours: Option<QuietHoursGql>,
}

/// Members failed or skipped for one reason.
#[derive(SimpleObject)]
pub struct CampaignReasonCount {
    /// `FAILED` or `SKIPPED`.
    pub status: String,
    /// `QUIET_HOURS`, `NO_CONSENT`, `NO_AGENT`, `NOT_FOUND` or `CANCELLED`.
    pub reason: String,
    /// How many members.
    pub members: i64,
}

/// How far a campaign has come.
#[derive(SimpleObject)]
#[graphql(name = "CampaignProgress")]
pub struct CampaignProgressGql {
    /// Members snapshotted at launch (0 before).
    pub total: i64,
    /// Not processed yet.
    pub queued: i64,
    /// Acted on.
    pub done: i64,
    /// Could not be acted on.
    pub failed: i64,
    /// Left out (quiet hours, consent, cancellation).
    pub skipped: i64,
    /// Processed over total (0–1, 4 decimals; 1 for an empty campaign).
    pub completion: Decimal,
    /// Why members failed or were skipped.
    pub reasons: Vec<CampaignReasonCount>,
}

impl From<CampaignProgress> for CampaignProgressGql {
    fn from(p: CampaignProgress) -> Self {
        let processed = p.done + p.failed + p.skipped;
        let completion = if p.total <= 0 {
            rust_decimal::Decimal::ONE
        } else {
            (rust_decimal::Decimal::from(processed) / rust_decimal::Decimal::from(p.total))
                .round_dp(4)
        };
        Self {
            total: p.total,
            queued: p.queued,
            done: p.done,
            failed: p.failed,
            skipped: p.skipped,
            completion: Decimal(completion),
            reasons: p
                .reasons
                .into_iter()
                .map(|(status, reason, members)| CampaignReasonCount {
                    status,
                    reason,
                    members,
                })
                .collect(),
        }
    }
}

/// A bulk follow-up campaign.
#[derive(SimpleObject)]
pub struct Campaign {
    /// Its id.
    pub id: ID,
    /// Its name.
    pub name: String,
    /// What it does for each member.
    pub action: CampaignActionGql,
    /// Where it stands.
    pub status: CampaignStatusGql,
    /// Who it reaches.
    pub segment: SegmentGql,
    /// Its texts, if any.
    pub content: Option<CampaignContentGql>,
    /// How quiet hours treat its contacts.
    pub quiet_hours: QuietHoursGql,
    /// The segment's size when it was made.
    pub estimated_size: i64,
    /// Whether its size needed a second staff member's approval.
    pub needs_approval: bool,
    /// Its members, counted by status.
    pub progress: CampaignProgressGql,
    /// Who made it.
    pub created_by: ID,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Who approved it.
    pub approved_by: Option<ID>,
    /// When.
    pub approved_at: Option<DateTime<Utc>>,
    /// Who launched it.
    pub launched_by: Option<ID>,
    /// When.
    pub launched_at: Option<DateTime<Utc>>,
    /// When it was paused (while paused).
    pub paused_at: Option<DateTime<Utc>>,
    /// When it completed or was cancelled.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<CampaignView> for Campaign {
    fn from(v: CampaignView) -> Self {
        let id = |u: uuid::Uuid| ID(u.to_string());
        let segment = v.segment().unwrap_or_default();
        let content = v.content().map(|c: CampaignContent| CampaignContentGql {
            zh: text_out(c.zh),
            en: c.en.map(text_out),
        });
        let status = v.status();
        let c = v.campaign;
        Self {
            id: id(c.id),
            name: c.name,
            action: CampaignAction::parse(&c.action)
                .unwrap_or(CampaignAction::Message)
                .into(),
            status: status.into(),
            segment: segment.into(),
            content,
            quiet_hours: QuietHoursPolicy::parse(&c.quiet_hours).into(),
            estimated_size: c.estimated_size,
            needs_approval: c.approved_by.is_some() || status == CampaignStatus::PendingApproval,
            progress: v.progress.into(),
            created_by: id(c.created_by),
            created_at: from_millis(c.created_at),
            approved_by: c.approved_by.map(id),
            approved_at: c.approved_at.map(from_millis),
            launched_by: c.launched_by.map(id),
            launched_at: c.launched_at.map(from_millis),
            paused_at: c.paused_at.map(from_millis),
            finished_at: c.finished_at.map(from_millis),
        }
    }
}

/// Campaign queries.
#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    /// How many customers a segment holds now, with a sample (staff). Counted by the
    /// database, whatever the size.
    #[graphql(guard = "RoleGuard::new(Permission::ReadCampaigns)")]
    async fn preview_segment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The filters.")] segment: SegmentInput,
    ) -> async_graphql::Result<SegmentPreviewGql> {
        let caller = ctx.caller().await?;
        let domain = ctx.domain()?;
        let SegmentPreview { size, sample } = domain
            .preview_segment(segment.into(), &caller)
            .await
            .gql()?;
        Ok(SegmentPreviewGql {
            size: i64::try_from(size).unwrap_or(i64::MAX),
            needs_approval: size > domain.settings().campaign_approval_size,
            sample: sample
                .into_iter()
                .map(|c| SegmentMember {
                    customer_id: ID(c.id.to_string()),
                    full_name: c.full_name,
                })
                .collect(),
        })
    }

    /// One campaign with its progress (staff).
    #[graphql(guard = "RoleGuard::new(Permission::ReadCampaigns)")]
    async fn campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] id: ID,
    ) -> async_graphql::Result<Campaign> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .campaign(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Campaigns, newest first, with their progress (staff).
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadCampaigns)",
        complexity = "super::cursor::page_cost(first, child_complexity)"
    )]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only in this status.")] status: Option<CampaignStatusGql>,
        #[graphql(desc = "How many (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Campaign>> {
        let caller = ctx.caller().await?;
        let page = PageRequest::new(first, cursor::decode(after.as_deref())?).gql()?;
        let result = ctx
            .domain()?
            .campaigns(
                CampaignFilter {
                    status: status.map(Into::into),
                },
                page,
                &caller,
            )
            .await
            .gql()?;
        Ok(cursor::connection(
            result,
            page.after.is_some(),
            Campaign::from,
        ))
    }
}

/// Campaign mutations.
#[derive(Default)]
pub struct CampaignMutation;

#[Object]
impl CampaignMutation {
    /// Makes a campaign over a segment (staff): `READY`, or `PENDING_APPROVAL` when the
    /// segment is above the approval size. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::RunCampaigns)")]
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] input: CampaignInput,
    ) -> async_graphql::Result<Campaign> {
        let caller = ctx.caller().await?;
        let new = NewCampaign {
            name: input.name,
            action: input.action.into(),
            segment: input.segment.into(),
            content: input.content.map(|c| CampaignContent {
                zh: text_in(c.zh),
                en: c.en.map(text_in),
            }),
            quiet_hours: input.quiet_hours.map_or(QuietHoursPolicy::Wait, Into::into),
        };
        ctx.domain()?
            .create_campaign(new, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Approves a campaign above the approval size: a second staff member, never its
    /// maker. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::ApproveCampaigns)")]
    async fn approve_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] id: ID,
    ) -> async_graphql::Result<Campaign> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .approve_campaign(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Launches a campaign: its segment is snapshotted into members and the worker
    /// processes them in batches within seconds. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::RunCampaigns)")]
    async fn launch_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] id: ID,
    ) -> async_graphql::Result<Campaign> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .launch_campaign(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Pauses a running campaign: no new member is processed after the chunk at work.
    /// Audited.
    #[graphql(guard = "RoleGuard::new(Permission::RunCampaigns)")]
    async fn pause_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] id: ID,
    ) -> async_graphql::Result<Campaign> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .pause_campaign(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Resumes a paused campaign. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::RunCampaigns)")]
    async fn resume_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] id: ID,
    ) -> async_graphql::Result<Campaign> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .resume_campaign(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Cancels a campaign for good: members not processed yet are skipped. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::RunCampaigns)")]
    async fn cancel_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] id: ID,
    ) -> async_graphql::Result<Campaign> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .cancel_campaign(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }
}
