//! Follow-ups (定期回访) and satisfaction. The rules (`follow_up_rules.rs`) make tasks on
//! the clock — the worker's daily `follow_ups` job, and each day the demo clock closes —
//! each once by its key, assigned fairly: to the customer's own agent (the last one who
//! logged a contact with them), else to the agent with the fewest open tasks. An agent
//! records the outcome; a problem found opens a ticket in the same transaction; a score
//! is kept as a satisfaction answer, as is a customer's own answer from the app.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use entities::debit_attempt::{self, DebitStatus};
use entities::{customer_preference, follow_up_task, installment_plan, survey_response};

use super::follow_up_rules::{Due, failed_debit_follow_up, plan_follow_ups};
use super::tickets::NewTicket;
use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission};
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::negotiation::contacts::{customer_quiet, quiet_reason};
use crate::page::{Page, PageRequest};
use crate::service::Domain;

/// A follow-up still to make.
pub const OPEN: &str = "OPEN";
/// A follow-up made.
pub const DONE: &str = "DONE";
/// Rules catch up this many days missed (a worker down over a weekend).
const CATCH_UP_DAYS: u64 = 7;
/// Plans read per batch.
const BATCH: u64 = 500;

/// How a follow-up went, as the agent records it.
#[derive(Debug, Clone)]
pub struct FollowUpOutcome {
    /// Whether the customer was reached.
    pub reached: bool,
    /// How (`PHONE`, `SMS`, `EMAIL`, `CHAT`, `IN_PERSON`).
    pub channel: String,
    /// The customer's satisfaction, 1–5, when they gave one.
    pub satisfaction: Option<i32>,
    /// What was said.
    pub notes: Option<String>,
    /// A problem found: it opens a ticket in the same step.
    pub problem: Option<NewTicket>,
}

/// Which follow-ups a list shows.
#[derive(Debug, Clone, Default)]
pub struct FollowUpFilter {
    /// Only the caller's own.
    pub mine: bool,
    /// `OPEN` or `DONE`.
    pub status: Option<String>,
    /// Due on or before this day.
    pub due_by: Option<NaiveDate>,
    /// Of this customer.
    pub customer_id: Option<Uuid>,
}

/// A customer's own satisfaction answer from the app.
#[derive(Debug, Clone)]
pub struct SurveyAnswer {
    /// 1–5.
    pub score: i32,
    /// In their words, at most 2,000 characters.
    pub comment: Option<String>,
    /// The plan it is about (theirs).
    pub plan_id: Option<Uuid>,
}

/// A new task, before assignment.
struct Candidate {
    customer_id: Uuid,
    plan_id: Option<Uuid>,
    due: Due,
}

fn satisfaction(score: i32) -> DomainResult<i32> {
    if (1..=5).contains(&score) {
        Ok(score)
    } else {
        Err(DomainError::validation(
            "satisfaction",
            "Give a score from 1 (very unhappy) to 5 (very happy).",
        ))
    }
}

fn words(field: &str, text: Option<String>, max: usize) -> DomainResult<Option<String>> {
    let text = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > max) {
        return Err(DomainError::validation(
            field,
            format!("Write at most {max} characters."),
        ));
    }
    Ok(text)
}

const CHANNELS: [&str; 5] = ["PHONE", "SMS", "EMAIL", "CHAT", "IN_PERSON"];

impl Domain {
    /// Makes the follow-ups the rules call for on `today` (the bank's business day) that
    /// do not exist yet, assigned fairly. Returns how many were made.
    pub async fn schedule_follow_ups(&self, today: NaiveDate) -> DomainResult<u64> {
        let tz = self.settings().timezone;
        let oldest = today
            .checked_sub_days(Days::new(CATCH_UP_DAYS))
            .unwrap_or(today);
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut after: Option<Uuid> = None;
        loop {
            let mut query = installment_plan::Entity::find()
                .filter(installment_plan::Column::Status.eq("active"))
                .order_by_asc(installment_plan::Column::Id)
                .limit(BATCH);
            if let Some(last) = after {
                query = query.filter(installment_plan::Column::Id.gt(last));
            }
            let plans = query.all(self.db()).await?;
            let Some(last) = plans.last() else { break };
            after = Some(last.id);
            for plan in &plans {
                let opened = from_millis(plan.opened_at).with_timezone(&tz).date_naive();
                for due in plan_follow_ups(plan.id, opened, today) {
                    if due.due_on >= oldest {
                        candidates.push(Candidate {
                            customer_id: plan.customer_id,
                            plan_id: Some(plan.id),
                            due,
                        });
                    }
                }
            }
            if (plans.len() as u64) < BATCH {
                break;
            }
        }
        // Second (or later) failed debits of the last days.
        let failed = debit_attempt::Entity::find()
            .filter(debit_attempt::Column::Attempt.gte(2))
            .filter(debit_attempt::Column::Status.eq(DebitStatus::Insufficient))
            .filter(debit_attempt::Column::BusinessDate.gte(oldest.to_string()))
            .filter(debit_attempt::Column::BusinessDate.lte(today.to_string()))
            .all(self.db())
            .await?;
        if !failed.is_empty() {
            let plan_ids: Vec<Uuid> = failed.iter().map(|a| a.plan_id).collect();
            let owners: HashMap<Uuid, Uuid> = installment_plan::Entity::find()
                .select_only()
                .column(installment_plan::Column::Id)
                .column(installment_plan::Column::CustomerId)
                .filter(installment_plan::Column::Id.is_in(plan_ids))
                .into_tuple::<(Uuid, Uuid)>()
                .all(self.db())
                .await?
                .into_iter()
                .collect();
            for attempt in failed {
                let day =
                    NaiveDate::parse_from_str(&attempt.business_date, "%Y-%m-%d").unwrap_or(today);
                if let Some(customer_id) = owners.get(&attempt.plan_id) {
                    candidates.push(Candidate {
                        customer_id: *customer_id,
                        plan_id: Some(attempt.plan_id),
                        due: failed_debit_follow_up(attempt.entry_id, day),
                    });
                }
            }
        }
        // Only what does not exist yet is assigned (fair counts) and written.
        let mut seen = HashSet::new();
        candidates.retain(|c| seen.insert(c.due.key.clone()));
        let mut fresh = Vec::new();
        for chunk in candidates.chunks(BATCH as usize) {
            let keys: Vec<String> = chunk.iter().map(|c| c.due.key.clone()).collect();
            let existing: HashSet<String> = follow_up_task::Entity::find()
                .select_only()
                .column(follow_up_task::Column::DedupeKey)
                .filter(follow_up_task::Column::DedupeKey.is_in(keys))
                .into_tuple::<String>()
                .all(self.db())
                .await?
                .into_iter()
                .collect();
            fresh.extend(chunk.iter().filter(|c| !existing.contains(&c.due.key)));
        }
        if fresh.is_empty() {
            return Ok(0);
        }
        let customers: Vec<Uuid> = fresh.iter().map(|c| c.customer_id).collect();
        let agents = self.assign(self.db(), &customers).await?;
        let at = to_millis(self.now());
        let rows: Vec<follow_up_task::ActiveModel> = fresh
            .iter()
            .map(|c| follow_up_task::ActiveModel {
                id: Set(Uuid::now_v7()),
                customer_id: Set(c.customer_id),
                plan_id: Set(c.plan_id),
                reason: Set(c.due.reason.as_str().to_owned()),
                dedupe_key: Set(c.due.key.clone()),
                assigned_to: Set(agents.get(&c.customer_id).copied()),
                status: Set(OPEN.to_owned()),
                due_on: Set(c.due.due_on.to_string()),
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
        let txn = begin_write(self.db()).await?;
        let mut made = 0;
        for chunk in rows.chunks(200) {
            made += follow_up_task::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::column(follow_up_task::Column::DedupeKey)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        if made > 0 {
            tracing::info!(made, "follow-ups scheduled");
        }
        Ok(made)
    }

    /// Follow-up tasks (staff), oldest first (the order they were made): the caller's
    /// own or everyone's, by status, due day and customer. The cursor is the id.
    pub async fn follow_up_tasks(
        &self,
        filter: FollowUpFilter,
        page: PageRequest<Uuid>,
        caller: &Caller,
    ) -> DomainResult<Page<follow_up_task::Model, Uuid>> {
        caller.require(Permission::ReadFollowUps)?;
        let mut query = follow_up_task::Entity::find()
            .order_by_asc(follow_up_task::Column::Id)
            .limit(page.first + 1);
        if filter.mine {
            let me = caller
                .actor
                .ok_or_else(|| DomainError::Forbidden("Sign in as an agent.".into()))?;
            query = query.filter(follow_up_task::Column::AssignedTo.eq(me.account_id));
        }
        if let Some(status) = filter.status {
            query = query.filter(follow_up_task::Column::Status.eq(status));
        }
        if let Some(day) = filter.due_by {
            query = query.filter(follow_up_task::Column::DueOn.lte(day.to_string()));
        }
        if let Some(customer) = filter.customer_id {
            query = query.filter(follow_up_task::Column::CustomerId.eq(customer));
        }
        if let Some(after) = page.after {
            query = query.filter(follow_up_task::Column::Id.gt(after));
        }
        let rows = query.all(self.db()).await?;
        Ok(Page::from_rows(
            rows.into_iter().map(|r| (r.id, r)).collect(),
            page.first,
        ))
    }

    /// Records how a follow-up went (agents): done, with the channel, whether the
    /// customer was reached, their satisfaction (kept as an answer too), notes, and a
    /// problem found, which opens a ticket in the same transaction. A contact inside
    /// quiet hours is flagged with the reason. Audited.
    pub async fn record_follow_up(
        &self,
        id: Uuid,
        outcome: FollowUpOutcome,
        caller: &Caller,
    ) -> DomainResult<follow_up_task::Model> {
        caller.require(Permission::RecordFollowUp)?;
        let agent = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Only an agent records follow-ups.".into()))?;
        let task = follow_up_task::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("No such follow-up.".into()))?;
        if task.status != OPEN {
            return Err(DomainError::Conflict(
                "This follow-up is recorded already.".into(),
            ));
        }
        let channel = outcome.channel.trim().to_uppercase();
        if !CHANNELS.contains(&channel.as_str()) {
            return Err(DomainError::validation(
                "channel",
                "Say how: PHONE, SMS, EMAIL, CHAT or IN_PERSON.",
            ));
        }
        let score = outcome.satisfaction.map(satisfaction).transpose()?;
        if score.is_some() && !outcome.reached {
            return Err(DomainError::validation(
                "satisfaction",
                "Only a customer who was reached can give a score.",
            ));
        }
        let notes = words("notes", outcome.notes, 2_000)?;
        let now = self.now();
        let at = to_millis(now);
        let local = now.with_timezone(&self.settings().timezone).time();
        let preference = customer_preference::Entity::find_by_id(task.customer_id)
            .one(self.db())
            .await?;
        let quiet = quiet_reason(local, customer_quiet(preference.as_ref()));
        let txn = begin_write(self.db()).await?;
        let problems = outcome
            .problem
            .as_ref()
            .map(|p| p.subject.trim().to_owned());
        let ticket_id = match outcome.problem {
            Some(problem) => Some(
                self.insert_ticket(
                    &txn,
                    task.customer_id,
                    agent.account_id,
                    true,
                    problem,
                    caller,
                )
                .await?,
            ),
            None => None,
        };
        let moved = follow_up_task::Entity::update_many()
            .col_expr(follow_up_task::Column::Status, Expr::value(DONE))
            .col_expr(follow_up_task::Column::DoneAt, Expr::value(at))
            .col_expr(
                follow_up_task::Column::Reached,
                Expr::value(outcome.reached),
            )
            .col_expr(
                follow_up_task::Column::Channel,
                Expr::value(channel.clone()),
            )
            .col_expr(follow_up_task::Column::Satisfaction, Expr::value(score))
            .col_expr(follow_up_task::Column::Notes, Expr::value(notes))
            .col_expr(follow_up_task::Column::Problems, Expr::value(problems))
            .col_expr(follow_up_task::Column::TicketId, Expr::value(ticket_id))
            .col_expr(
                follow_up_task::Column::QuietHours,
                Expr::value(quiet.clone()),
            )
            .col_expr(
                follow_up_task::Column::RecordedBy,
                Expr::value(agent.account_id),
            )
            .filter(follow_up_task::Column::Id.eq(id))
            .filter(follow_up_task::Column::Status.eq(OPEN))
            .exec(&txn)
            .await?
            .rows_affected;
        if moved == 0 {
            return Err(DomainError::Conflict(
                "This follow-up was recorded meanwhile.".into(),
            ));
        }
        if let Some(score) = score {
            answer(
                &txn,
                task.customer_id,
                Some(id),
                task.plan_id,
                score,
                None,
                "CALL",
                at,
            )
            .await?;
        }
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new("follow_up.record", "follow_up_task", Some(id.to_string())).after(
                json!({
                    "reached": outcome.reached, "channel": channel, "satisfaction": score,
                    "ticket": ticket_id.map(|t| t.to_string()), "quietHours": quiet,
                }),
            ),
        )
        .await?;
        txn.commit().await?;
        follow_up_task::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("a recorded follow-up vanished".into()))
    }

    /// A customer's own satisfaction answer from the app (about one of their plans, or
    /// the service as a whole).
    pub async fn submit_survey(&self, input: SurveyAnswer, caller: &Caller) -> DomainResult<()> {
        caller.require(Permission::SubmitSurvey)?;
        if caller.actor.is_none() {
            return Err(DomainError::Unauthenticated("Sign in to answer.".into()));
        }
        let me = self
            .own_customer(caller)
            .await?
            .ok_or_else(|| DomainError::Conflict("Complete your customer profile first.".into()))?;
        let score = satisfaction(input.score)?;
        let comment = words("comment", input.comment, 2_000)?;
        if let Some(plan) = input.plan_id {
            installment_plan::Entity::find_by_id(plan)
                .filter(installment_plan::Column::CustomerId.eq(me.id))
                .one(self.db())
                .await?
                .ok_or_else(|| DomainError::NotFound("No such plan.".into()))?;
        }
        answer(
            self.db(),
            me.id,
            None,
            input.plan_id,
            score,
            comment,
            "APP",
            to_millis(self.now()),
        )
        .await
    }
}

/// Keeps one satisfaction answer.
#[allow(clippy::too_many_arguments)]
async fn answer<C: ConnectionTrait>(
    db: &C,
    customer_id: Uuid,
    task_id: Option<Uuid>,
    plan_id: Option<Uuid>,
    score: i32,
    comment: Option<String>,
    source: &str,
    at: i64,
) -> DomainResult<()> {
    survey_response::Entity::insert(survey_response::ActiveModel {
        id: Set(Uuid::now_v7()),
        customer_id: Set(customer_id),
        task_id: Set(task_id),
        plan_id: Set(plan_id),
        score: Set(score),
        comment: Set(comment),
        source: Set(source.to_owned()),
        created_at: Set(at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
