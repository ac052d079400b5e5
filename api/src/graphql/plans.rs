//! Plans being repaid (stage 5): the customer's own, one by id, and the staff list by
//! status and bucket. Thin: parse, authorize (the guard, then the domain's own check),
//! call the use case, shape.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::auth::Permission;
use domain::money::Money;
use domain::page::PageRequest;
use domain::repayment::{PayRequest, PlanFilter};

use super::context::ContextExt;
use super::cursor;
use super::errors::{GqlResult, invalid};
use super::guard::RoleGuard;
use super::scalars::Decimal;
use super::types::money::money;
use super::types::parse_id;
use super::types::plan::{BucketGql, Plan};

/// Staff list filters.
#[derive(InputObject, Default)]
pub struct PlanFilterInput {
    /// Only in this status (`active`, `closed`…).
    pub status: Option<String>,
    /// Only in this delinquency bucket.
    pub bucket: Option<BucketGql>,
}

/// Plan queries.
#[derive(Default)]
pub struct PlanQuery;

#[Object]
impl PlanQuery {
    /// The caller's own plans, newest first, with schedule, payments and progress.
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadPlan)",
        complexity = "20 * child_complexity"
    )]
    async fn my_plans(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Plan>> {
        let caller = ctx.caller().await?;
        let plans = ctx.domain()?.my_plans(&caller).await.gql()?;
        Ok(plans.into_iter().map(Plan::from).collect())
    }

    /// One plan: the customer's own, or any for staff.
    #[graphql(guard = "RoleGuard::new(Permission::ReadPlan)")]
    async fn plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan.")] id: ID,
    ) -> async_graphql::Result<Plan> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        Ok(ctx.domain()?.plan(id, &caller).await.gql()?.into())
    }

    /// What paying the plan off costs today: what is due now, the principal of the rest,
    /// interest on it since the last due date, and the prepayment fee. Valid for today only.
    #[graphql(guard = "RoleGuard::new(Permission::ReadPlan)")]
    async fn quote_payoff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan.")] plan_id: ID,
    ) -> async_graphql::Result<PayoffQuoteGql> {
        let caller = ctx.caller().await?;
        let id = parse_id(&plan_id, "planId")?;
        let quote = ctx.domain()?.quote_payoff(id, &caller).await.gql()?;
        Ok(PayoffQuoteGql {
            valid_on: quote.valid_on,
            due_now: money(Money::from_fen(quote.due_now)),
            principal: money(Money::from_fen(quote.principal)),
            accrued_days: quote.accrued_days,
            accrued_interest: money(Money::from_fen(quote.accrued_interest)),
            prepayment_fee: money(Money::from_fen(quote.fee)),
            total: money(Money::from_fen(quote.total)),
        })
    }

    /// Every plan, newest first, for staff; by status and bucket.
    #[graphql(
        guard = "RoleGuard::new(Permission::ListPlans)",
        complexity = "super::cursor::page_cost(first, child_complexity)"
    )]
    async fn plans(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only plans matching every given filter.")] filter: Option<
            PlanFilterInput,
        >,
        #[graphql(desc = "How many (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Plan>> {
        let caller = ctx.caller().await?;
        let page = PageRequest::new(first, cursor::decode(after.as_deref())?).gql()?;
        let filter = filter.unwrap_or_default();
        let filter = PlanFilter {
            status: filter.status,
            bucket: filter.bucket.map(Into::into),
        };
        let result = ctx.domain()?.plans(filter, page, &caller).await.gql()?;
        Ok(cursor::connection(result, page.after.is_some(), Plan::from))
    }
}

/// What paying a plan off costs on one day.
#[derive(SimpleObject)]
#[graphql(name = "PayoffQuote")]
pub struct PayoffQuoteGql {
    /// The day it holds for (the bank's business day).
    pub valid_on: chrono::NaiveDate,
    /// Owed on installments due up to that day, with late charges.
    pub due_now: Decimal,
    /// Principal of the installments not yet due.
    pub principal: Decimal,
    /// Days of interest since the last due date (or the start).
    pub accrued_days: u32,
    /// That interest, at the annual rate / 360 a day.
    pub accrued_interest: Decimal,
    /// The prepayment fee on the principal.
    pub prepayment_fee: Decimal,
    /// Everything: what settles the plan that day.
    pub total: Decimal,
}

/// What the customer pays now.
#[derive(InputObject)]
pub struct PayInstallmentInput {
    /// The plan.
    pub plan_id: ID,
    /// How much, in yuan; leave it out to pay everything due today (or the next
    /// installment when nothing is due). At most what is due plus the next installment.
    pub amount: Option<Decimal>,
    /// Your key for this payment (8–128 letters, digits, `-_:.`; a UUID is ideal): retry
    /// with the same key after a lost answer and the first answer comes back, with no
    /// money moved twice.
    pub idempotency_key: String,
}

/// What a payment did.
#[derive(SimpleObject)]
pub struct PaymentResult {
    /// How much was paid.
    pub amount: Decimal,
    /// The installments it paid (numbers).
    pub periods: Vec<u32>,
    /// The platform's reference.
    pub reference: String,
    /// True when this is the first answer replayed for a retried key.
    pub replayed: bool,
    /// The plan after it.
    pub plan: Plan,
}

/// Plan mutations.
#[derive(Default)]
pub struct PlanMutation;

#[Object]
impl PlanMutation {
    /// Pays now from the repayment account: what is due and overdue, oldest first (late
    /// charge, interest, fee, principal), or a given amount.
    #[graphql(guard = "RoleGuard::new(Permission::PayPlan)")]
    async fn pay_installment(
        &self,
        ctx: &Context<'_>,
        input: PayInstallmentInput,
    ) -> async_graphql::Result<PaymentResult> {
        let caller = ctx.caller().await?;
        let plan_id = parse_id(&input.plan_id, "input.planId")?;
        let amount = input
            .amount
            .map(|a| Money::try_from_yuan(a.0))
            .transpose()
            .map_err(|e| invalid("input.amount", &e.to_string()))?;
        let domain = ctx.domain()?;
        let receipt = domain
            .pay_installment(
                PayRequest {
                    plan_id,
                    amount,
                    idempotency_key: input.idempotency_key,
                },
                &caller,
            )
            .await
            .gql()?;
        let plan = domain.plan(plan_id, &caller).await.gql()?;
        Ok(PaymentResult {
            amount: money(Money::from_fen(receipt.amount_fen)),
            periods: receipt.periods.iter().map(|(p, _)| *p).collect(),
            reference: receipt.reference,
            replayed: receipt.replayed,
            plan: plan.into(),
        })
    }
}

/// What moving the demo's clock did.
#[derive(SimpleObject)]
pub struct ClockAdvanceResult {
    /// Where the clock was.
    pub from: Option<DateTime<Utc>>,
    /// Where it is now.
    pub to: Option<DateTime<Utc>>,
    /// Business days closed on the way (each with its debits run).
    pub days_closed: u32,
    /// Debits collected and posted.
    pub collected: u32,
    /// Debits that found too little money.
    pub insufficient: u32,
    /// Debits pending, refused or skipped.
    pub other: u32,
}

/// The demo's clock.
#[derive(Default)]
pub struct ClockMutation;

#[Object]
impl ClockMutation {
    /// Moves the clock forward to `to`, closing each business day on the way and running
    /// its debits, so a year of repayments runs in seconds. Demo mode only
    /// (`FENQI_DEMO_CLOCK=on`, the embedded default); refused anywhere else.
    #[graphql(guard = "RoleGuard::new(Permission::AdvanceClock)")]
    async fn advance_clock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new time (later than now).")] to: DateTime<Utc>,
    ) -> async_graphql::Result<ClockAdvanceResult> {
        let caller = ctx.caller().await?;
        let done = ctx.domain()?.advance_clock(to, &caller).await.gql()?;
        Ok(ClockAdvanceResult {
            from: done.from,
            to: done.to,
            days_closed: done.days_closed,
            collected: done.collected,
            insufficient: done.insufficient,
            other: done.other,
        })
    }
}
