//! Plans being repaid (stage 5): the customer's own, one by id, and the staff list by
//! status and bucket. Thin: parse, authorize (the guard, then the domain's own check),
//! call the use case, shape.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object};
use domain::auth::Permission;
use domain::page::PageRequest;
use domain::repayment::PlanFilter;

use super::context::ContextExt;
use super::cursor;
use super::errors::GqlResult;
use super::guard::RoleGuard;
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
