//! Bulk follow-up campaigns (批量回访), the staff side: make one over a segment, approve it
//! (a second staff member, above the approval size), launch it (the segment snapshotted
//! into members with one `INSERT … SELECT`, split into batches the worker processes),
//! pause, resume, cancel; read one or a page with its progress (one `GROUP BY`). Every
//! change is audited and announced on the fleet channel for `campaignProgress`.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use entities::{campaign, campaign_batch, campaign_member};

use super::campaign_rules::{
    CampaignAction, CampaignStatus, Move, QuietHoursPolicy, member, needs_approval, next, reason,
};
use super::segment::{Segment, SegmentFilter};
use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission};
use crate::clock::to_millis;
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::notices::CampaignText;
use crate::page::{Page, PageRequest};
use crate::service::Domain;

/// The texts of a campaign's message (or survey invitation), per language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignContent {
    /// Chinese, always.
    pub zh: CampaignText,
    /// English, optional: English readers get the Chinese text without it.
    pub en: Option<CampaignText>,
}

/// A campaign as staff describe it.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    /// A name staff recognize it by (2–120 characters).
    pub name: String,
    /// What is done for each member.
    pub action: CampaignAction,
    /// Who it reaches.
    pub segment: SegmentFilter,
    /// The message's texts (required for a message; a survey has a default invitation).
    pub content: Option<CampaignContent>,
    /// How quiet hours treat its contacts.
    pub quiet_hours: QuietHoursPolicy,
}

/// How far a campaign has come: one count per member status, and why members failed or
/// were skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignProgress {
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
    /// `(status, reason, members)` for failed and skipped members.
    pub reasons: Vec<(String, String, i64)>,
}

/// A campaign and its progress.
#[derive(Debug, Clone)]
pub struct CampaignView {
    /// As stored.
    pub campaign: campaign::Model,
    /// Its members by status.
    pub progress: CampaignProgress,
}

impl CampaignView {
    /// Its status.
    pub fn status(&self) -> CampaignStatus {
        CampaignStatus::parse(&self.campaign.status).unwrap_or(CampaignStatus::Cancelled)
    }

    /// The segment it was made over.
    pub fn segment(&self) -> DomainResult<Segment> {
        Segment::from_json(&self.campaign.segment)
    }

    /// Its texts, if it has any.
    pub fn content(&self) -> Option<CampaignContent> {
        self.campaign
            .content
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
    }
}

fn text(field: &str, value: &str, max: usize) -> DomainResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(DomainError::validation(
            field,
            format!("Write 1 to {max} characters."),
        ));
    }
    Ok(value.to_owned())
}

fn checked_text(field: &str, t: &CampaignText) -> DomainResult<CampaignText> {
    Ok(CampaignText {
        subject: text(&format!("{field}.subject"), &t.subject, 120)?,
        body: text(&format!("{field}.body"), &t.body, 1_000)?,
    })
}

/// Checks the texts: a message needs them; a follow-up takes none.
fn checked_content(
    action: CampaignAction,
    content: Option<CampaignContent>,
) -> DomainResult<Option<CampaignContent>> {
    match (action, content) {
        (CampaignAction::Message, None) => Err(DomainError::validation(
            "content",
            "A message campaign needs its text (Chinese, and English if you wish).",
        )),
        (CampaignAction::FollowUp, Some(_)) => Err(DomainError::validation(
            "content",
            "A follow-up campaign makes tasks for agents: it sends no text.",
        )),
        (_, None) => Ok(None),
        (_, Some(c)) => Ok(Some(CampaignContent {
            zh: checked_text("content.zh", &c.zh)?,
            en: c
                .en
                .as_ref()
                .map(|e| checked_text("content.en", e))
                .transpose()?,
        })),
    }
}

/// Which campaigns a list shows.
#[derive(Debug, Clone, Default)]
pub struct CampaignFilter {
    /// Only in this status.
    pub status: Option<CampaignStatus>,
}

impl Domain {
    /// Makes a campaign (staff): checks the segment and texts, counts the segment, and
    /// starts it `READY`, or `PENDING_APPROVAL` above the approval size. Audited.
    pub async fn create_campaign(
        &self,
        input: NewCampaign,
        caller: &Caller,
    ) -> DomainResult<CampaignView> {
        caller.require(Permission::RunCampaigns)?;
        let maker = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Only staff make campaigns.".into()))?;
        let name = input.name.trim().to_owned();
        if !(2..=120).contains(&name.chars().count()) {
            return Err(DomainError::validation(
                "name",
                "Name the campaign in 2 to 120 characters.",
            ));
        }
        let segment = Segment::parse(input.segment)?;
        let content = checked_content(input.action, input.content)?;
        let size = i64::try_from(self.segment_preview(&segment).await?.size).unwrap_or(i64::MAX);
        let status = CampaignStatus::initial(size, self.settings().campaign_approval_size);
        let now = self.now();
        let at = to_millis(now);
        let id = Uuid::now_v7();
        let txn = begin_write(self.db()).await?;
        campaign::Entity::insert(campaign::ActiveModel {
            id: Set(id),
            name: Set(name.clone()),
            action: Set(input.action.as_str().into()),
            segment: Set(segment.to_json()),
            content: Set(content
                .as_ref()
                .map(|c| serde_json::to_string(c).unwrap_or_default())),
            quiet_hours: Set(input.quiet_hours.as_str().into()),
            status: Set(status.as_str().into()),
            estimated_size: Set(size),
            total: Set(None),
            created_by: Set(maker.account_id),
            created_at: Set(at),
            approved_by: Set(None),
            approved_at: Set(None),
            launched_by: Set(None),
            launched_at: Set(None),
            paused_at: Set(None),
            finished_at: Set(None),
            updated_at: Set(at),
        })
        .exec_without_returning(&txn)
        .await?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new("campaign.create", "campaign", Some(id.to_string())).after(json!({
                "name": name, "action": input.action.as_str(), "segment": segment,
                "estimatedSize": size, "status": status.as_str(),
                "quietHours": input.quiet_hours.as_str(),
            })),
        )
        .await?;
        txn.commit().await?;
        self.campaign_view(id).await
    }

    /// Approves a campaign above the approval size (maker-checker): by a second staff
    /// member, never its maker. Audited.
    pub async fn approve_campaign(&self, id: Uuid, caller: &Caller) -> DomainResult<CampaignView> {
        caller.require(Permission::ApproveCampaigns)?;
        let checker = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Only staff approve campaigns.".into()))?;
        let row = self.campaign_row(id).await?;
        if row.created_by == checker.account_id {
            return Err(DomainError::Forbidden(
                "You made this campaign: a second staff member must approve it.".into(),
            ));
        }
        let at = to_millis(self.now());
        self.move_campaign(
            &row,
            Move::Approve,
            caller,
            vec![
                (
                    campaign::Column::ApprovedBy,
                    Expr::value(checker.account_id),
                ),
                (campaign::Column::ApprovedAt, Expr::value(at)),
            ],
        )
        .await
    }

    /// Launches a campaign: snapshots its segment into members (one `INSERT … SELECT`,
    /// numbered into batches) and marks it `RUNNING`; the worker's dispatch queues one
    /// job per batch within seconds. A segment that grew past the approval size since it
    /// was made needs an approval first. Audited.
    pub async fn launch_campaign(&self, id: Uuid, caller: &Caller) -> DomainResult<CampaignView> {
        caller.require(Permission::RunCampaigns)?;
        let launcher = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Only staff launch campaigns.".into()))?;
        let row = self.campaign_row(id).await?;
        let from = CampaignStatus::parse(&row.status)
            .ok_or_else(|| DomainError::Internal(format!("campaign status {}", row.status)))?;
        next(from, Move::Launch).map_err(DomainError::Conflict)?;
        let segment = Segment::from_json(&row.segment)?;
        let size = i64::from(self.settings().campaign_batch_size);
        let now = self.now();
        let at = to_millis(now);

        let txn = begin_write(self.db()).await?;
        let moved = campaign::Entity::update_many()
            .col_expr(
                campaign::Column::Status,
                Expr::value(CampaignStatus::Running.as_str()),
            )
            .col_expr(
                campaign::Column::LaunchedBy,
                Expr::value(launcher.account_id),
            )
            .col_expr(campaign::Column::LaunchedAt, Expr::value(at))
            .col_expr(campaign::Column::UpdatedAt, Expr::value(at))
            .filter(campaign::Column::Id.eq(id))
            .filter(campaign::Column::Status.eq(row.status.clone()))
            .exec(&txn)
            .await?
            .rows_affected;
        if moved == 0 {
            return Err(DomainError::Conflict(
                "The campaign changed meanwhile; reload it.".into(),
            ));
        }
        let select = self.segment_select(
            &segment,
            vec![
                Expr::val(id),
                Expr::cust(format!(
                    "(ROW_NUMBER() OVER (ORDER BY \"customer\".\"id\") - 1) / {size}"
                )),
                Expr::val(member::QUEUED),
            ],
        )?;
        let insert = Query::insert()
            .into_table(campaign_member::Entity)
            .columns([
                campaign_member::Column::CampaignId,
                campaign_member::Column::Batch,
                campaign_member::Column::Status,
                campaign_member::Column::CustomerId,
            ])
            .select_from(select)
            .map_err(|e| DomainError::Internal(format!("campaign snapshot: {e}")))?
            .to_owned();
        let total = i64::try_from(txn.execute(&insert).await?.rows_affected()).unwrap_or(0);
        if needs_approval(total, self.settings().campaign_approval_size)
            && row.approved_by.is_none()
        {
            txn.rollback().await?;
            return Err(DomainError::Conflict(format!(
                "The segment now holds {total} customers, above the approval size of {}: a second staff member must approve the campaign first.",
                self.settings().campaign_approval_size
            )));
        }
        let batches = (total + size - 1) / size;
        let rows: Vec<campaign_batch::ActiveModel> = (0..batches)
            .map(|b| campaign_batch::ActiveModel {
                campaign_id: Set(id),
                batch: Set(i32::try_from(b).unwrap_or(i32::MAX)),
                queued_at: Set(None),
                deliveries: Set(0),
                done_at: Set(None),
            })
            .collect();
        for chunk in rows.chunks(500) {
            campaign_batch::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        let mut finish = campaign::Entity::update_many()
            .col_expr(campaign::Column::Total, Expr::value(total))
            .filter(campaign::Column::Id.eq(id));
        if total == 0 {
            finish = finish
                .col_expr(
                    campaign::Column::Status,
                    Expr::value(CampaignStatus::Completed.as_str()),
                )
                .col_expr(campaign::Column::FinishedAt, Expr::value(at));
        }
        finish.exec(&txn).await?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new("campaign.launch", "campaign", Some(id.to_string()))
                .before(json!({ "status": row.status }))
                .after(json!({ "status": "RUNNING", "members": total, "batches": batches })),
        )
        .await?;
        txn.commit().await?;
        tracing::info!(campaign = %id, members = total, batches, "campaign launched");
        self.campaign_changed(id).await;
        self.campaign_view(id).await
    }

    /// Pauses a running campaign: batches stop before their next few members, within
    /// seconds. Audited.
    pub async fn pause_campaign(&self, id: Uuid, caller: &Caller) -> DomainResult<CampaignView> {
        caller.require(Permission::RunCampaigns)?;
        let row = self.campaign_row(id).await?;
        let at = to_millis(self.now());
        self.move_campaign(
            &row,
            Move::Pause,
            caller,
            vec![(campaign::Column::PausedAt, Expr::value(at))],
        )
        .await
    }

    /// Resumes a paused campaign: its unfinished batches are queued again at the next
    /// dispatch. Audited.
    pub async fn resume_campaign(&self, id: Uuid, caller: &Caller) -> DomainResult<CampaignView> {
        caller.require(Permission::RunCampaigns)?;
        let row = self.campaign_row(id).await?;
        self.move_campaign(
            &row,
            Move::Resume,
            caller,
            vec![(campaign::Column::PausedAt, Expr::value(Option::<i64>::None))],
        )
        .await
    }

    /// Cancels a campaign for good: members not processed yet are skipped (`CANCELLED`).
    /// Audited.
    pub async fn cancel_campaign(&self, id: Uuid, caller: &Caller) -> DomainResult<CampaignView> {
        caller.require(Permission::RunCampaigns)?;
        let row = self.campaign_row(id).await?;
        let at = to_millis(self.now());
        self.move_campaign(
            &row,
            Move::Cancel,
            caller,
            vec![(campaign::Column::FinishedAt, Expr::value(at))],
        )
        .await
    }

    /// Applies `mv` to `row` with a conditional update (a concurrent change wins, this
    /// one answers `CONFLICT`), plus what the move does to batches and members; audited;
    /// announced.
    async fn move_campaign(
        &self,
        row: &campaign::Model,
        mv: Move,
        caller: &Caller,
        extra: Vec<(campaign::Column, Expr)>,
    ) -> DomainResult<CampaignView> {
        let from = CampaignStatus::parse(&row.status)
            .ok_or_else(|| DomainError::Internal(format!("campaign status {}", row.status)))?;
        let to = next(from, mv).map_err(DomainError::Conflict)?;
        let now = self.now();
        let at = to_millis(now);
        let txn = begin_write(self.db()).await?;
        let mut update = campaign::Entity::update_many()
            .col_expr(campaign::Column::Status, Expr::value(to.as_str()))
            .col_expr(campaign::Column::UpdatedAt, Expr::value(at))
            .filter(campaign::Column::Id.eq(row.id))
            .filter(campaign::Column::Status.eq(row.status.clone()));
        for (column, value) in extra {
            update = update.col_expr(column, value);
        }
        if update.exec(&txn).await?.rows_affected == 0 {
            return Err(DomainError::Conflict(
                "The campaign changed meanwhile; reload it.".into(),
            ));
        }
        match mv {
            // Unfinished batches go back to the dispatch at once.
            Move::Resume => {
                campaign_batch::Entity::update_many()
                    .col_expr(
                        campaign_batch::Column::QueuedAt,
                        Expr::value(Option::<i64>::None),
                    )
                    .filter(campaign_batch::Column::CampaignId.eq(row.id))
                    .filter(campaign_batch::Column::DoneAt.is_null())
                    .exec(&txn)
                    .await?;
            }
            // Batches first: a batch at work holds its row, so this waits for it and
            // the members it processed stay processed; the rest are skipped.
            Move::Cancel => {
                campaign_batch::Entity::update_many()
                    .col_expr(campaign_batch::Column::DoneAt, Expr::value(at))
                    .filter(campaign_batch::Column::CampaignId.eq(row.id))
                    .filter(campaign_batch::Column::DoneAt.is_null())
                    .exec(&txn)
                    .await?;
                campaign_member::Entity::update_many()
                    .col_expr(
                        campaign_member::Column::Status,
                        Expr::value(member::SKIPPED),
                    )
                    .col_expr(
                        campaign_member::Column::Reason,
                        Expr::value(reason::CANCELLED),
                    )
                    .col_expr(campaign_member::Column::ProcessedAt, Expr::value(at))
                    .filter(campaign_member::Column::CampaignId.eq(row.id))
                    .filter(campaign_member::Column::Status.eq(member::QUEUED))
                    .exec(&txn)
                    .await?;
            }
            Move::Approve | Move::Launch | Move::Pause => {}
        }
        let action = match mv {
            Move::Approve => "campaign.approve",
            Move::Launch => "campaign.launch",
            Move::Pause => "campaign.pause",
            Move::Resume => "campaign.resume",
            Move::Cancel => "campaign.cancel",
        };
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(action, "campaign", Some(row.id.to_string()))
                .before(json!({ "status": row.status }))
                .after(json!({ "status": to.as_str() })),
        )
        .await?;
        txn.commit().await?;
        self.campaign_changed(row.id).await;
        self.campaign_view(row.id).await
    }

    /// One campaign with its progress (staff).
    pub async fn campaign(&self, id: Uuid, caller: &Caller) -> DomainResult<CampaignView> {
        caller.require(Permission::ReadCampaigns)?;
        self.campaign_view(id).await
    }

    /// Campaigns, newest first, with their progress (staff): two statements a page.
    pub async fn campaigns(
        &self,
        filter: CampaignFilter,
        page: PageRequest<Uuid>,
        caller: &Caller,
    ) -> DomainResult<Page<CampaignView, Uuid>> {
        caller.require(Permission::ReadCampaigns)?;
        let mut query = campaign::Entity::find()
            .order_by_desc(campaign::Column::Id)
            .limit(page.first + 1);
        if let Some(status) = filter.status {
            query = query.filter(campaign::Column::Status.eq(status.as_str()));
        }
        if let Some(after) = page.after {
            query = query.filter(campaign::Column::Id.lt(after));
        }
        let rows = query.all(self.db()).await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut progress = self.progress_of(&ids).await?;
        Ok(Page::from_rows(
            rows.into_iter()
                .map(|r| {
                    let p = progress.remove(&r.id).unwrap_or_default();
                    (
                        r.id,
                        CampaignView {
                            progress: with_total(p, r.total),
                            campaign: r,
                        },
                    )
                })
                .collect(),
            page.first,
        ))
    }

    /// How many campaigns are running or paused now (for the dashboard).
    pub(super) async fn campaigns_running(&self) -> DomainResult<u64> {
        Ok(campaign::Entity::find()
            .filter(campaign::Column::Status.is_in([
                CampaignStatus::Running.as_str(),
                CampaignStatus::Paused.as_str(),
            ]))
            .count(self.db())
            .await?)
    }

    pub(super) async fn campaign_row(&self, id: Uuid) -> DomainResult<campaign::Model> {
        campaign::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("No such campaign.".into()))
    }

    /// The campaign and its progress, without a permission check (callers check).
    pub(super) async fn campaign_view(&self, id: Uuid) -> DomainResult<CampaignView> {
        let row = self.campaign_row(id).await?;
        let progress = self
            .progress_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        Ok(CampaignView {
            progress: with_total(progress, row.total),
            campaign: row,
        })
    }

    /// The members of each of `ids` counted by status and reason: one `GROUP BY`.
    async fn progress_of(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, CampaignProgress>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let counts: Vec<(Uuid, String, Option<String>, i64)> = campaign_member::Entity::find()
            .select_only()
            .column(campaign_member::Column::CampaignId)
            .column(campaign_member::Column::Status)
            .column(campaign_member::Column::Reason)
            .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "members")
            .filter(campaign_member::Column::CampaignId.is_in(ids.to_vec()))
            .group_by(campaign_member::Column::CampaignId)
            .group_by(campaign_member::Column::Status)
            .group_by(campaign_member::Column::Reason)
            .into_tuple()
            .all(self.db())
            .await?;
        let mut out: HashMap<Uuid, CampaignProgress> = HashMap::new();
        for (id, status, why, n) in counts {
            let p = out.entry(id).or_default();
            match status.as_str() {
                member::QUEUED => p.queued += n,
                member::DONE => p.done += n,
                member::FAILED => p.failed += n,
                _ => p.skipped += n,
            }
            if let Some(why) = why {
                p.reasons.push((status, why, n));
            }
        }
        for p in out.values_mut() {
            p.reasons.sort();
        }
        Ok(out)
    }
}

fn with_total(mut p: CampaignProgress, total: Option<i64>) -> CampaignProgress {
    p.total = total.unwrap_or(p.queued + p.done + p.failed + p.skipped);
    p
}
