//! Subscriptions, over the graphql-ws protocol at `GET /graphql` (WebSocket): the token
//! goes in the `connection_init` payload (`{"authorization": "Bearer <token>"}`), the
//! guard and the domain's own check apply as for queries.

use async_graphql::{Context, ID, Subscription};
use domain::auth::Permission;
use futures::{Stream, StreamExt};

use super::campaigns::Campaign;
use super::context::ContextExt;
use super::errors::gql;
use super::guard::RoleGuard;
use super::types::parse_id;
use super::types::plan::PlanProgress;

/// Every subscription field.
#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// The plan's progress each time a payment posts to it (an automatic debit, the
    /// customer's payment), from whichever process posted it. For its customer and staff.
    #[graphql(guard = "RoleGuard::new(Permission::ReadPlan)")]
    async fn plan_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan.")] plan_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<PlanProgress>> + use<>>
    {
        let caller = ctx.caller().await?;
        let plan_id = parse_id(&plan_id, "planId")?;
        let updates = ctx
            .domain()?
            .clone()
            .plan_updates(plan_id, caller)
            .await
            .map_err(gql)?;
        Ok(updates.map(|view| view.map(|v| PlanProgress::from(v.progress)).map_err(gql)))
    }

    /// A campaign as it is now, then after each chunk of members processed, a pause, a
    /// resume or a cancel, until it completes or is cancelled (staff). At most a few
    /// updates a second, from whichever worker processed them.
    #[graphql(guard = "RoleGuard::new(Permission::ReadCampaigns)")]
    async fn campaign_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] campaign_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Campaign>> + use<>> {
        let caller = ctx.caller().await?;
        let campaign_id = parse_id(&campaign_id, "campaignId")?;
        let updates = ctx
            .domain()?
            .clone()
            .campaign_updates(campaign_id, caller)
            .await
            .map_err(gql)?;
        Ok(updates.map(|view| view.map(Campaign::from).map_err(gql)))
    }
}
