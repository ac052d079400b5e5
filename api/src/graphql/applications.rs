//! Installment applications: opening, reading, listing, cancelling. Thin: parse,
//! authorize (the guard, then the domain's own check), call the use case, shape.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object};
use domain::applications::{ApplicationFilter, ApplicationView, NewApplication};
use domain::auth::Caller;
use domain::auth::Permission;
use domain::page::PageRequest;

use super::context::ContextExt;
use super::cursor;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::scalars::Decimal;
use super::types::application::{Application, ApplicationStatusGql};
use super::types::customer::FrequencyGql;
use super::types::parse_id;

/// A customer's need.
#[derive(InputObject)]
pub struct OpenApplicationInput {
    /// Whose: required from staff; a customer opens for themself and leaves it out.
    pub customer_id: Option<ID>,
    /// The amount wanted, in yuan (at most 2 decimals).
    pub amount: Decimal,
    /// What it is for, 2–200 characters.
    pub purpose: String,
    /// Installments wanted (1–360).
    pub periods: u32,
    /// How often.
    pub frequency: FrequencyGql,
    /// The most the customer wants to pay a month.
    pub monthly_budget: Option<Decimal>,
    /// The day of the month payments should fall due (1–28).
    pub payment_day: u32,
}

/// Staff list filters.
#[derive(InputObject, Default)]
pub struct ApplicationFilterInput {
    /// Only in this state.
    pub status: Option<ApplicationStatusGql>,
    /// Only this customer's.
    pub customer_id: Option<ID>,
}

/// Whether the page's nodes ask for their history.
fn history_asked(ctx: &Context<'_>, connection: bool) -> bool {
    let look = ctx.look_ahead();
    if connection {
        look.field("edges").field("node").field("history").exists()
    } else {
        look.field("history").exists()
    }
}

/// The answer of a mutation: the application as changed, with its history read again
/// when the selection asks for it.
async fn with_history(
    ctx: &Context<'_>,
    changed: ApplicationView,
    caller: &Caller,
) -> async_graphql::Result<Application> {
    if !history_asked(ctx, false) {
        return Ok(Application::from(changed));
    }
    ctx.domain()?
        .application(changed.id, true, caller)
        .await
        .gql()
        .map(Application::from)
}

/// Application queries.
#[derive(Default)]
pub struct ApplicationQuery;

#[Object]
impl ApplicationQuery {
    /// One application: the customer's own, or any for staff.
    #[graphql(guard = "RoleGuard::new(Permission::ReadApplication)")]
    async fn application(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Application> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .application(id, history_asked(ctx, false), &caller)
            .await
            .gql()
            .map(Application::from)
    }

    /// The caller's own applications, newest first.
    #[graphql(
        guard = "RoleGuard::new(Permission::OwnCustomerData)",
        complexity = "super::cursor::page_cost(first, child_complexity)"
    )]
    async fn my_applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Application>> {
        let caller = ctx.caller().await?;
        let page = PageRequest::new(first, cursor::decode(after.as_deref())?).gql()?;
        let result = ctx
            .domain()?
            .my_applications(page, history_asked(ctx, true), &caller)
            .await
            .gql()?;
        Ok(cursor::connection(
            result,
            page.after.is_some(),
            Application::from,
        ))
    }

    /// Every application, newest first, for staff.
    #[graphql(
        guard = "RoleGuard::new(Permission::ListApplications)",
        complexity = "super::cursor::page_cost(first, child_complexity)"
    )]
    async fn applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only applications matching every given filter.")] filter: Option<
            ApplicationFilterInput,
        >,
        #[graphql(desc = "How many (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Application>> {
        let caller = ctx.caller().await?;
        let page = PageRequest::new(first, cursor::decode(after.as_deref())?).gql()?;
        let filter = filter.unwrap_or_default();
        let filter = ApplicationFilter {
            status: filter.status.map(Into::into),
            customer_id: filter
                .customer_id
                .map(|id| parse_id(&id, "filter.customerId"))
                .transpose()?,
        };
        let result = ctx
            .domain()?
            .applications(filter, page, history_asked(ctx, true), &caller)
            .await
            .gql()?;
        Ok(cursor::connection(
            result,
            page.after.is_some(),
            Application::from,
        ))
    }
}

/// Application mutations.
#[derive(Default)]
pub struct ApplicationMutation;

#[Object]
impl ApplicationMutation {
    /// Opens an application and links the customer's risk assessment (the latest if
    /// recent enough, else a new one); without one it stays a DRAFT and its history says
    /// what is missing. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::OpenApplication)")]
    async fn open_application(
        &self,
        ctx: &Context<'_>,
        input: OpenApplicationInput,
    ) -> async_graphql::Result<Application> {
        let caller = ctx.caller().await?;
        let customer_id = input
            .customer_id
            .map(|id| parse_id(&id, "input.customerId"))
            .transpose()?;
        let domain = ctx.domain()?;
        let opened = domain
            .open_application(
                NewApplication {
                    customer_id,
                    amount: input.amount.0,
                    purpose: input.purpose,
                    periods: input.periods,
                    frequency: input.frequency.into(),
                    monthly_budget: input.monthly_budget.map(|b| b.0),
                    payment_day: input.payment_day,
                },
                &caller,
            )
            .await
            .gql()?;
        with_history(ctx, opened, &caller).await
    }

    /// Withdraws an application before its plan opens, with a reason. Any other state
    /// answers CONFLICT naming the state it is in. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::CancelApplication)")]
    async fn cancel_application(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> async_graphql::Result<Application> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        let domain = ctx.domain()?;
        let cancelled = domain
            .cancel_application(id, &reason, &caller)
            .await
            .gql()?;
        with_history(ctx, cancelled, &caller).await
    }
}
