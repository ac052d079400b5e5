//! Bulk campaigns, the worker's side. The dispatch (every few seconds) hands each
//! unfinished batch of a running campaign to the queue, again when its job waited too
//! long (a lost queue, a killed worker). A batch job processes its members a chunk at a
//! time, each chunk one transaction that first locks the batch's row — so two deliveries
//! of one batch, or a cancel, take turns — then reads the campaign's status (a pause
//! stops the batch before its next chunk), then acts for the chunk's waiting members and
//! moves each from `QUEUED` by a conditional update. The actions carry keys of their own
//! (a follow-up's, a message's), so a member is acted on exactly once whatever retries,
//! duplicates or restarts happen.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use entities::{
    campaign, campaign_batch, campaign_member, consent, customer, customer_preference,
    follow_up_task,
};

use super::campaign_rules::{
    CampaignAction, CampaignStatus, Disposition, MemberFacts, QuietHoursPolicy, disposition, member,
};
use super::campaigns::CampaignContent;
use crate::audit::{AuditRecord, chain};
use crate::auth::Caller;
use crate::clock::to_millis;
use crate::customers::consent::{ConsentPurpose, current_version};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::negotiation::contacts::customer_quiet;
use crate::notices::Message;
use crate::notices::outbox::{self, Addressee, Notice};
use crate::notices::window::{ContactWindow, QuietHours};
use crate::service::Domain;

/// Members acted on per transaction: a pause is seen before the next chunk (a chunk
/// takes well under a second), and fewer, larger chunks cost fewer round trips (the
/// batch's lock, the status, the commit) per member.
const CHUNK: u64 = 250;

/// What one batch job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchRun {
    /// It processed this many members and the batch is finished.
    Finished(u64),
    /// The campaign is not running (paused or cancelled); it stopped after this many.
    Stopped {
        /// Members processed before it stopped.
        processed: u64,
        /// The campaign's status.
        status: String,
    },
    /// The batch was finished already (a duplicate delivery).
    AlreadyDone,
}

impl Domain {
    /// Completes running campaigns with no unfinished batch left, then claims the
    /// batches to queue: never queued, or queued longer ago than the requeue time (their
    /// job was lost). Answers `(campaign, batch)` pairs, at most `limit`.
    pub async fn campaign_batches_to_queue(&self, limit: u64) -> DomainResult<Vec<(Uuid, i32)>> {
        self.complete_finished_campaigns(None).await?;
        let now = self.now();
        let stale = to_millis(now - self.settings().campaign_requeue_after);
        let running = campaign::Entity::find()
            .select_only()
            .column(campaign::Column::Id)
            .filter(campaign::Column::Status.eq(CampaignStatus::Running.as_str()))
            .into_tuple::<Uuid>()
            .all(self.db())
            .await?;
        if running.is_empty() {
            return Ok(Vec::new());
        }
        let due = Condition::any()
            .add(campaign_batch::Column::QueuedAt.is_null())
            .add(campaign_batch::Column::QueuedAt.lte(stale));
        let batches: Vec<(Uuid, i32)> = campaign_batch::Entity::find()
            .select_only()
            .column(campaign_batch::Column::CampaignId)
            .column(campaign_batch::Column::Batch)
            .filter(campaign_batch::Column::CampaignId.is_in(running))
            .filter(campaign_batch::Column::DoneAt.is_null())
            .filter(due.clone())
            .order_by_asc(campaign_batch::Column::CampaignId)
            .order_by_asc(campaign_batch::Column::Batch)
            .limit(limit)
            .into_tuple()
            .all(self.db())
            .await?;
        // Marked queued per campaign; two dispatchers racing may both queue a batch,
        // which the batch's lock makes harmless.
        let mut by_campaign: HashMap<Uuid, Vec<i32>> = HashMap::new();
        for (c, b) in &batches {
            by_campaign.entry(*c).or_default().push(*b);
        }
        let at = to_millis(now);
        for (campaign_id, numbers) in by_campaign {
            campaign_batch::Entity::update_many()
                .col_expr(campaign_batch::Column::QueuedAt, Expr::value(at))
                .filter(campaign_batch::Column::CampaignId.eq(campaign_id))
                .filter(campaign_batch::Column::Batch.is_in(numbers))
                .filter(campaign_batch::Column::DoneAt.is_null())
                .filter(due.clone())
                .exec(self.db())
                .await?;
        }
        Ok(batches)
    }

    /// Processes one batch of a campaign (the worker's `campaign_batch` job).
    pub async fn run_campaign_batch(
        &self,
        campaign_id: Uuid,
        batch: i32,
    ) -> DomainResult<BatchRun> {
        let mut processed = 0;
        let mut first = true;
        loop {
            let now = self.now();
            let at = to_millis(now);
            let txn = begin_write(self.db()).await?;
            // The batch's row is this chunk's lock; a finished batch does nothing.
            let mut lock = campaign_batch::Entity::update_many()
                .filter(campaign_batch::Column::CampaignId.eq(campaign_id))
                .filter(campaign_batch::Column::Batch.eq(batch))
                .filter(campaign_batch::Column::DoneAt.is_null());
            lock = if first {
                lock.col_expr(
                    campaign_batch::Column::Deliveries,
                    Expr::col(campaign_batch::Column::Deliveries).add(1),
                )
            } else {
                lock.col_expr(
                    campaign_batch::Column::Deliveries,
                    Expr::col(campaign_batch::Column::Deliveries),
                )
            };
            first = false;
            if lock.exec(&txn).await?.rows_affected == 0 {
                txn.commit().await?;
                return Ok(if processed == 0 {
                    BatchRun::AlreadyDone
                } else {
                    BatchRun::Finished(processed)
                });
            }
            let Some(row) = campaign::Entity::find_by_id(campaign_id).one(&txn).await? else {
                return Err(DomainError::NotFound("No such campaign.".into()));
            };
            if row.status != CampaignStatus::Running.as_str() {
                txn.rollback().await?;
                return Ok(BatchRun::Stopped {
                    processed,
                    status: row.status,
                });
            }
            let waiting: Vec<Uuid> = campaign_member::Entity::find()
                .select_only()
                .column(campaign_member::Column::CustomerId)
                .filter(campaign_member::Column::CampaignId.eq(campaign_id))
                .filter(campaign_member::Column::Batch.eq(batch))
                .filter(campaign_member::Column::Status.eq(member::QUEUED))
                .order_by_asc(campaign_member::Column::CustomerId)
                .limit(CHUNK)
                .into_tuple()
                .all(&txn)
                .await?;
            if waiting.is_empty() {
                campaign_batch::Entity::update_many()
                    .col_expr(campaign_batch::Column::DoneAt, Expr::value(at))
                    .filter(campaign_batch::Column::CampaignId.eq(campaign_id))
                    .filter(campaign_batch::Column::Batch.eq(batch))
                    .exec(&txn)
                    .await?;
                txn.commit().await?;
                self.complete_finished_campaigns(Some(campaign_id)).await?;
                return Ok(BatchRun::Finished(processed));
            }
            let outcomes = self.act_for(&txn, &row, &waiting, now).await?;
            for ((status, why), ids) in outcomes {
                campaign_member::Entity::update_many()
                    .col_expr(campaign_member::Column::Status, Expr::value(status))
                    .col_expr(campaign_member::Column::Reason, Expr::value(why))
                    .col_expr(campaign_member::Column::ProcessedAt, Expr::value(at))
                    // The batch too: the planner then walks the batch's few hundred
                    // rows, not every member still queued (a second a chunk at 100,000).
                    .filter(campaign_member::Column::CampaignId.eq(campaign_id))
                    .filter(campaign_member::Column::Batch.eq(batch))
                    .filter(campaign_member::Column::CustomerId.is_in(ids))
                    .filter(campaign_member::Column::Status.eq(member::QUEUED))
                    .exec(&txn)
                    .await?;
            }
            txn.commit().await?;
            processed += waiting.len() as u64;
            self.campaign_changed(campaign_id).await;
        }
    }

    /// Decides and acts for `members` of `row` inside `txn`; answers the members by the
    /// status and reason to record.
    async fn act_for<C: ConnectionTrait>(
        &self,
        txn: &C,
        row: &campaign::Model,
        members: &[Uuid],
        now: DateTime<Utc>,
    ) -> DomainResult<HashMap<(&'static str, Option<&'static str>), Vec<Uuid>>> {
        let action = CampaignAction::parse(&row.action)
            .ok_or_else(|| DomainError::Internal(format!("campaign action {}", row.action)))?;
        let policy = QuietHoursPolicy::parse(&row.quiet_hours);
        let people: HashMap<Uuid, (customer::Model, Option<customer_preference::Model>)> =
            customer::Entity::find()
                .find_also_related(customer_preference::Entity)
                .filter(customer::Column::Id.is_in(members.to_vec()))
                .all(txn)
                .await?
                .into_iter()
                .map(|(c, p)| (c.id, (c, p)))
                .collect();
        let purpose = ConsentPurpose::SensitivePersonalInformation;
        let consenting: HashSet<Uuid> = consent::Entity::find()
            .select_only()
            .column(consent::Column::CustomerId)
            .filter(consent::Column::CustomerId.is_in(members.to_vec()))
            .filter(consent::Column::Purpose.eq(purpose.as_str()))
            .filter(consent::Column::Version.eq(current_version(purpose)))
            .filter(consent::Column::WithdrawnAt.is_null())
            .into_tuple::<Uuid>()
            .all(txn)
            .await?
            .into_iter()
            .collect();
        let agents = if action == CampaignAction::FollowUp {
            self.assign(txn, members).await?
        } else {
            HashMap::new()
        };
        let settings = self.settings();
        let mut outcomes: HashMap<(&'static str, Option<&'static str>), Vec<Uuid>> = HashMap::new();
        let mut acted = Vec::new();
        for id in members {
            let person = people.get(id);
            let window = ContactWindow {
                timezone: settings.timezone,
                guideline: settings.contact_quiet_hours,
                customer: customer_quiet(person.and_then(|(_, p)| p.as_ref()))
                    .map(|(start, end)| QuietHours { start, end }),
            };
            let facts = MemberFacts {
                exists: person.is_some(),
                consent: consenting.contains(id)
                    && person.is_some_and(|(c, _)| c.anonymized_at.is_none()),
                quiet: !window.is_open(now),
                agent: agents.contains_key(id),
            };
            let key = match disposition(action, policy, facts) {
                Disposition::Act => {
                    acted.push(*id);
                    (member::DONE, None)
                }
                Disposition::Skip(why) => (member::SKIPPED, Some(why)),
                Disposition::Fail(why) => (member::FAILED, Some(why)),
            };
            outcomes.entry(key).or_default().push(*id);
        }
        let at = to_millis(now);
        match action {
            CampaignAction::FollowUp => {
                let today = now.with_timezone(&settings.timezone).date_naive();
                let rows: Vec<follow_up_task::ActiveModel> = acted
                    .iter()
                    .map(|c| follow_up_task::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        customer_id: Set(*c),
                        plan_id: Set(None),
                        reason: Set("CAMPAIGN".into()),
                        dedupe_key: Set(format!("campaign:{}:{c}", row.id)),
                        assigned_to: Set(agents.get(c).copied()),
                        status: Set(super::follow_ups::OPEN.into()),
                        due_on: Set(today.to_string()),
                        created_at: Set(at),
                        done_at: Set(None),
                        reached: Set(None),
                        channel: Set(None),
                        satisfaction: Set(None),
                        notes: Set(None),
                        problems: Set(None),
                        ticket_id: Set(None),
                        quiet_hours: Set(None),
                        recorded_by: Set(None),
                    })
                    .collect();
                for chunk in rows.chunks(200) {
                    follow_up_task::Entity::insert_many(chunk.to_vec())
                        .on_conflict(
                            OnConflict::column(follow_up_task::Column::DedupeKey)
                                .do_nothing()
                                .to_owned(),
                        )
                        .exec_without_returning(txn)
                        .await?;
                }
            }
            CampaignAction::Message | CampaignAction::Survey => {
                let content: Option<CampaignContent> = row
                    .content
                    .as_deref()
                    .and_then(|c| serde_json::from_str(c).ok());
                let message = match (action, content) {
                    (_, Some(c)) => Message::Campaign { zh: c.zh, en: c.en },
                    (CampaignAction::Survey, None) => Message::SurveyInvite,
                    _ => {
                        return Err(DomainError::Internal(
                            "a message campaign without its text".into(),
                        ));
                    }
                };
                let notices: Vec<Notice> = acted
                    .iter()
                    .map(|c| Notice {
                        customer_id: *c,
                        plan_id: None,
                        message: message.clone(),
                        once: Some(format!("campaign:{}:{c}", row.id)),
                    })
                    .collect();
                // The chunk's customers were read above: the outbox need not read them.
                let addressees: HashMap<Uuid, Addressee> = people
                    .iter()
                    .map(|(id, (c, p))| (*id, Addressee::of(c, p.as_ref())))
                    .collect();
                outbox::write_to(txn, now, &notices, &addressees).await?;
            }
        }
        Ok(outcomes)
    }

    /// Completes `campaign_id` (or every running campaign) when no batch of it is left
    /// unfinished: each once (a conditional update), audited, announced.
    async fn complete_finished_campaigns(&self, campaign_id: Option<Uuid>) -> DomainResult<()> {
        let mut query = campaign::Entity::find()
            .select_only()
            .column(campaign::Column::Id)
            .filter(campaign::Column::Status.eq(CampaignStatus::Running.as_str()));
        if let Some(id) = campaign_id {
            query = query.filter(campaign::Column::Id.eq(id));
        }
        let running: Vec<Uuid> = query.into_tuple().all(self.db()).await?;
        if running.is_empty() {
            return Ok(());
        }
        let open: HashSet<Uuid> = campaign_batch::Entity::find()
            .select_only()
            .column(campaign_batch::Column::CampaignId)
            .distinct()
            .filter(campaign_batch::Column::CampaignId.is_in(running.clone()))
            .filter(campaign_batch::Column::DoneAt.is_null())
            .into_tuple::<Uuid>()
            .all(self.db())
            .await?
            .into_iter()
            .collect();
        for id in running.into_iter().filter(|id| !open.contains(id)) {
            let progress = self.campaign_view(id).await?.progress;
            let now = self.now();
            let at = to_millis(now);
            let txn = begin_write(self.db()).await?;
            let moved = campaign::Entity::update_many()
                .col_expr(
                    campaign::Column::Status,
                    Expr::value(CampaignStatus::Completed.as_str()),
                )
                .col_expr(campaign::Column::FinishedAt, Expr::value(at))
                .col_expr(campaign::Column::UpdatedAt, Expr::value(at))
                .filter(campaign::Column::Id.eq(id))
                .filter(campaign::Column::Status.eq(CampaignStatus::Running.as_str()))
                .exec(&txn)
                .await?
                .rows_affected;
            if moved == 0 {
                continue;
            }
            chain::append(
                &txn,
                now,
                &Caller::system("campaign_batch"),
                AuditRecord::new("campaign.complete", "campaign", Some(id.to_string())).after(
                    json!({
                        "status": "COMPLETED", "done": progress.done,
                        "failed": progress.failed, "skipped": progress.skipped,
                    }),
                ),
            )
            .await?;
            txn.commit().await?;
            tracing::info!(campaign = %id, "campaign completed");
            self.campaign_changed(id).await;
        }
        Ok(())
    }
}
