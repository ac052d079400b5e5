//! Early repayment (stage 5): `quotePrepayment`, `prepay` and `payOff`. Thin: parse,
//! authorize (the guard, then the domain's own check), call the use case, shape.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::auth::Permission;
use domain::money::Money;
use domain::repayment::{PaymentReceipt, PrepayRequest, PrepaymentQuote};

use super::context::ContextExt;
use super::errors::{GqlResult, invalid};
use super::guard::RoleGuard;
use super::plans::PaymentResult;
use super::scalars::Decimal;
use super::types::money::money;
use super::types::parse_id;
use super::types::plan::{RecomputeModeGql, VersionRowGql};

fn yuan(fen: i64) -> Decimal {
    money(Money::from_fen(fen))
}

/// What repaying principal early costs today, and the schedule after it.
#[derive(SimpleObject)]
#[graphql(name = "PrepaymentQuote")]
pub struct PrepaymentQuoteGql {
    /// The day it holds for (the bank's business day).
    pub valid_on: chrono::NaiveDate,
    /// The principal repaid.
    pub principal: Decimal,
    /// Days of interest on it since the last due date (or the start).
    pub accrued_days: u32,
    /// That interest, at the annual rate / 360 a day.
    pub accrued_interest: Decimal,
    /// The product's prepayment fee on it.
    pub prepayment_fee: Decimal,
    /// What is paid now.
    pub total: Decimal,
    /// Principal still owed after it.
    pub outstanding_after: Decimal,
    /// How the rest is recomputed.
    pub mode: RecomputeModeGql,
    /// The recomputed installments.
    pub schedule: Vec<VersionRowGql>,
}

impl From<PrepaymentQuote> for PrepaymentQuoteGql {
    fn from(q: PrepaymentQuote) -> Self {
        Self {
            valid_on: q.valid_on,
            principal: yuan(q.principal_fen),
            accrued_days: q.accrued_days,
            accrued_interest: yuan(q.accrued_interest_fen),
            prepayment_fee: yuan(q.fee_fen),
            total: yuan(q.total_fen),
            outstanding_after: yuan(q.outstanding_after_fen),
            mode: q.mode.into(),
            schedule: q.rows.into_iter().map(Into::into).collect(),
        }
    }
}

fn principal(amount: Decimal, field: &str) -> async_graphql::Result<Money> {
    Money::try_from_yuan(amount.0).map_err(|e| invalid(field, &e.to_string()))
}

/// Early-repayment queries.
#[derive(Default)]
pub struct EarlyRepaymentQuery;

#[Object]
impl EarlyRepaymentQuery {
    /// What repaying `amount` of principal early costs today (the principal, its interest
    /// since the last due date, the prepayment fee) and the schedule after it. Valid for
    /// today only.
    #[graphql(guard = "RoleGuard::new(Permission::ReadPlan)")]
    async fn quote_prepayment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan.")] plan_id: ID,
        #[graphql(desc = "The principal to repay, in yuan.")] amount: Decimal,
        #[graphql(desc = "Keep the term (smaller installments) or the installment (fewer).")]
        mode: RecomputeModeGql,
    ) -> async_graphql::Result<PrepaymentQuoteGql> {
        let caller = ctx.caller().await?;
        let id = parse_id(&plan_id, "planId")?;
        let amount = principal(amount, "amount")?;
        Ok(ctx
            .domain()?
            .quote_prepayment(id, amount, mode.into(), &caller)
            .await
            .gql()?
            .into())
    }
}

/// A partial prepayment.
#[derive(InputObject)]
pub struct PrepayInput {
    /// The plan.
    pub plan_id: ID,
    /// The principal to repay, in yuan (what is paid adds its interest and fee; see
    /// `quotePrepayment`).
    pub amount: Decimal,
    /// Keep the term or the installment.
    pub mode: RecomputeModeGql,
    /// Your key for this payment (as for `payInstallment`).
    pub idempotency_key: String,
}

/// A payoff.
#[derive(InputObject)]
pub struct PayOffInput {
    /// The plan.
    pub plan_id: ID,
    /// Your key for this payment (as for `payInstallment`).
    pub idempotency_key: String,
}

/// Early-repayment mutations.
#[derive(Default)]
pub struct EarlyRepaymentMutation;

async fn result(
    ctx: &Context<'_>,
    receipt: PaymentReceipt,
    caller: &domain::auth::Caller,
) -> async_graphql::Result<PaymentResult> {
    let plan = ctx.domain()?.plan(receipt.plan_id, caller).await.gql()?;
    Ok(PaymentResult {
        amount: yuan(receipt.amount_fen),
        periods: receipt.periods.iter().map(|(p, _)| *p).collect(),
        reference: receipt.reference,
        replayed: receipt.replayed,
        plan: plan.into(),
    })
}

#[Object]
impl EarlyRepaymentMutation {
    /// Repays principal early from the repayment account and recomputes the rest of the
    /// schedule (a new schedule version). Nothing may be due now.
    #[graphql(guard = "RoleGuard::new(Permission::PayPlan)")]
    async fn prepay(
        &self,
        ctx: &Context<'_>,
        input: PrepayInput,
    ) -> async_graphql::Result<PaymentResult> {
        let caller = ctx.caller().await?;
        let request = PrepayRequest {
            plan_id: parse_id(&input.plan_id, "input.planId")?,
            amount: principal(input.amount, "input.amount")?,
            mode: input.mode.into(),
            idempotency_key: input.idempotency_key,
        };
        let receipt = ctx.domain()?.prepay(request, &caller).await.gql()?;
        result(ctx, receipt, &caller).await
    }

    /// Pays the whole plan off by today's quote (`quotePayoff`); the plan closes.
    #[graphql(guard = "RoleGuard::new(Permission::PayPlan)")]
    async fn pay_off(
        &self,
        ctx: &Context<'_>,
        input: PayOffInput,
    ) -> async_graphql::Result<PaymentResult> {
        let caller = ctx.caller().await?;
        let plan_id = parse_id(&input.plan_id, "input.planId")?;
        let receipt = ctx
            .domain()?
            .pay_off(plan_id, &input.idempotency_key, &caller)
            .await
            .gql()?;
        result(ctx, receipt, &caller).await
    }
}
