//! Personalized plans: `applicationOptions` and `whatIf`. Thin: parse, authorize (the
//! guard, then the domain's own check), call the use case, shape. Nothing is stored.

use async_graphql::{Context, ID, Object};
use domain::auth::Permission;
use domain::money::Money;
use domain::negotiation::WhatIfQuestion;

use super::context::ContextExt;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::scalars::Decimal;
use super::types::negotiation::{ApplicationOptionsGql, WhatIfGql};
use super::types::parse_id;

/// An option's schedule costs its selection once per period; six options of up to 36
/// periods are priced as that.
fn options_cost(child: usize) -> usize {
    child.saturating_mul(6).saturating_add(1)
}

/// Plan queries.
#[derive(Default)]
pub struct NegotiationQuery;

#[Object]
impl NegotiationQuery {
    /// The 3–6 plans that fit an application on its selected platform (each passing
    /// every limit, one recommended with the reason), or what blocks it and what would
    /// unblock it.
    #[graphql(
        guard = "RoleGuard::new(Permission::PlanOptions)",
        complexity = "options_cost(child_complexity)"
    )]
    async fn application_options(
        &self,
        ctx: &Context<'_>,
        application_id: ID,
    ) -> async_graphql::Result<ApplicationOptionsGql> {
        let caller = ctx.caller().await?;
        let id = parse_id(&application_id, "applicationId")?;
        ctx.domain()?
            .application_options(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// "What if": give `budget` (yuan a month) for the shortest term that fits it, or
    /// `periods` for that term's payments. Exactly one of the two.
    #[graphql(guard = "RoleGuard::new(Permission::PlanOptions)")]
    async fn what_if(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application, with a platform selected.")] application_id: ID,
        #[graphql(desc = "The most to pay a month, yuan.")] budget: Option<Decimal>,
        #[graphql(desc = "A number of installments.")] periods: Option<u32>,
    ) -> async_graphql::Result<WhatIfGql> {
        let caller = ctx.caller().await?;
        let id = parse_id(&application_id, "applicationId")?;
        let question = match (budget, periods) {
            (Some(b), None) => WhatIfQuestion::Budget(
                Money::try_from_yuan(b.0)
                    .map_err(|_| {
                        domain::DomainError::validation(
                            "budget",
                            "Give the budget in yuan with at most 2 decimals.",
                        )
                    })
                    .gql()?,
            ),
            (None, Some(p)) => WhatIfQuestion::Periods(p),
            _ => {
                return Err(domain::DomainError::validation(
                    "budget",
                    "Ask with either a budget or a number of installments, not both.",
                ))
                .gql();
            }
        };
        ctx.domain()?
            .what_if(id, question, &caller)
            .await
            .gql()
            .map(Into::into)
    }
}
