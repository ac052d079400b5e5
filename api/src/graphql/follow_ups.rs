//! Follow-ups and satisfaction (stage 6, 定期回访): `followUpTasks`, `recordFollowUp`,
//! `submitSurvey`. Thin: parse, authorize, call the use case, shape.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::aftercare::follow_ups::{FollowUpFilter, FollowUpOutcome, SurveyAnswer};
use domain::aftercare::tickets::NewTicket;
use domain::auth::Permission;
use domain::clock::from_millis;
use domain::page::PageRequest;
use entities::follow_up_task;

use super::context::ContextExt;
use super::cursor;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::tickets::{TicketCategoryGql, TicketPriorityGql};
use super::types::parse_id;

/// A follow-up an agent owes a customer, and what came of it.
#[derive(SimpleObject)]
pub struct FollowUpTask {
    /// Its id.
    pub id: ID,
    /// The customer.
    pub customer_id: ID,
    /// The plan it is about.
    pub plan_id: Option<ID>,
    /// `ACTIVATION` (7 days after), `PERIODIC` (every 90 days), `FAILED_DEBIT` (a second
    /// failed debit).
    pub reason: String,
    /// The agent it is assigned to.
    pub assigned_to: Option<ID>,
    /// `OPEN` or `DONE`.
    pub status: String,
    /// The day it is due (the bank's local day).
    pub due_on: NaiveDate,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was recorded.
    pub done_at: Option<DateTime<Utc>>,
    /// Whether the customer was reached.
    pub reached: Option<bool>,
    /// How.
    pub channel: Option<String>,
    /// The customer's satisfaction, 1–5.
    pub satisfaction: Option<i32>,
    /// What was said.
    pub notes: Option<String>,
    /// The problem found, if any.
    pub problems: Option<String>,
    /// The ticket the problem opened.
    pub ticket_id: Option<ID>,
    /// Why the contact fell in quiet hours, when it did.
    pub quiet_hours: Option<String>,
}

impl From<follow_up_task::Model> for FollowUpTask {
    fn from(m: follow_up_task::Model) -> Self {
        let id = |u: uuid::Uuid| ID(u.to_string());
        Self {
            id: id(m.id),
            customer_id: id(m.customer_id),
            plan_id: m.plan_id.map(id),
            reason: m.reason,
            assigned_to: m.assigned_to.map(id),
            status: m.status,
            due_on: NaiveDate::parse_from_str(&m.due_on, "%Y-%m-%d").unwrap_or_default(),
            created_at: from_millis(m.created_at),
            done_at: m.done_at.map(from_millis),
            reached: m.reached,
            channel: m.channel,
            satisfaction: m.satisfaction,
            notes: m.notes,
            problems: m.problems,
            ticket_id: m.ticket_id.map(id),
            quiet_hours: m.quiet_hours,
        }
    }
}

/// Which follow-ups to list.
#[derive(InputObject, Default)]
pub struct FollowUpFilterInput {
    /// Only mine (the calling agent's).
    pub mine: Option<bool>,
    /// `OPEN` or `DONE`.
    pub status: Option<String>,
    /// Due on or before this day.
    pub due_by: Option<NaiveDate>,
    /// Of this customer.
    pub customer_id: Option<ID>,
}

/// A problem found during a follow-up: opens a ticket in the same step.
#[derive(InputObject)]
pub struct FollowUpProblemInput {
    /// What it is about.
    pub category: TicketCategoryGql,
    /// How urgent (`NORMAL` when left out).
    pub priority: Option<TicketPriorityGql>,
    /// A short title.
    pub subject: String,
    /// What the customer said.
    pub description: String,
}

/// How a follow-up went.
#[derive(InputObject)]
pub struct FollowUpOutcomeInput {
    /// Whether the customer was reached.
    pub reached: bool,
    /// `PHONE`, `SMS`, `EMAIL`, `CHAT` or `IN_PERSON`.
    pub channel: String,
    /// Their satisfaction, 1–5 (only when reached).
    pub satisfaction: Option<i32>,
    /// What was said (at most 2,000 characters).
    pub notes: Option<String>,
    /// A problem found.
    pub problem: Option<FollowUpProblemInput>,
}

/// A customer's satisfaction answer.
#[derive(InputObject)]
pub struct SurveyInput {
    /// 1 (very unhappy) to 5 (very happy).
    pub score: i32,
    /// In your words (at most 2,000 characters).
    pub comment: Option<String>,
    /// The plan it is about, if one.
    pub plan_id: Option<ID>,
}

/// Follow-up queries.
#[derive(Default)]
pub struct FollowUpQuery;

#[Object]
impl FollowUpQuery {
    /// Follow-up tasks (staff): the calling agent's own with `mine`, by status, due day
    /// and customer.
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadFollowUps)",
        complexity = "super::cursor::page_cost(first, child_complexity)"
    )]
    async fn follow_up_tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks matching every given filter.")] filter: Option<
            FollowUpFilterInput,
        >,
        #[graphql(desc = "How many (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, FollowUpTask>> {
        let caller = ctx.caller().await?;
        let page = PageRequest::new(first, cursor::decode(after.as_deref())?).gql()?;
        let f = filter.unwrap_or_default();
        let filter = FollowUpFilter {
            mine: f.mine.unwrap_or(false),
            status: f.status,
            due_by: f.due_by,
            customer_id: f
                .customer_id
                .as_ref()
                .map(|id| parse_id(id, "customerId"))
                .transpose()?,
        };
        let result = ctx
            .domain()?
            .follow_up_tasks(filter, page, &caller)
            .await
            .gql()?;
        Ok(cursor::connection(
            result,
            page.after.is_some(),
            FollowUpTask::from,
        ))
    }
}

/// Follow-up mutations.
#[derive(Default)]
pub struct FollowUpMutation;

#[Object]
impl FollowUpMutation {
    /// Records how a follow-up went (agents); a problem found opens a ticket in the same
    /// step; a contact in quiet hours is flagged. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::RecordFollowUp)")]
    async fn record_follow_up(
        &self,
        ctx: &Context<'_>,
        task_id: ID,
        input: FollowUpOutcomeInput,
    ) -> async_graphql::Result<FollowUpTask> {
        let caller = ctx.caller().await?;
        let id = parse_id(&task_id, "taskId")?;
        let outcome = FollowUpOutcome {
            reached: input.reached,
            channel: input.channel,
            satisfaction: input.satisfaction,
            notes: input.notes,
            problem: input.problem.map(|p| NewTicket {
                customer_id: None,
                category: p.category.into(),
                priority: p.priority.map(Into::into),
                subject: p.subject,
                body: p.description,
                attachments: Vec::new(),
            }),
        };
        ctx.domain()?
            .record_follow_up(id, outcome, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Your satisfaction with the bank (or one of your plans), 1–5.
    #[graphql(guard = "RoleGuard::new(Permission::SubmitSurvey)")]
    async fn submit_survey(
        &self,
        ctx: &Context<'_>,
        input: SurveyInput,
    ) -> async_graphql::Result<bool> {
        let caller = ctx.caller().await?;
        let plan_id = input
            .plan_id
            .as_ref()
            .map(|id| parse_id(id, "planId"))
            .transpose()?;
        ctx.domain()?
            .submit_survey(
                SurveyAnswer {
                    score: input.score,
                    comment: input.comment,
                    plan_id,
                },
                &caller,
            )
            .await
            .gql()?;
        Ok(true)
    }
}
