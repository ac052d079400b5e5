//! Negotiation rounds: `proposeTerms`, `approveProposal`, `rejectProposal`,
//! `acceptProposal`, `proposals`. Thin: parse, authorize (the guard, then the domain's own
//! check), call the use case, shape.

use async_graphql::{Context, ID, InputObject, Object};
use domain::auth::Permission;
use domain::negotiation::proposals::ProposalInput;

use super::context::ContextExt;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::scalars::Decimal;
use super::types::customer::FrequencyGql;
use super::types::parse_id;
use super::types::proposal::Proposal;

/// Terms proposed for an application.
#[derive(InputObject)]
pub struct ProposeTermsInput {
    /// The application.
    pub application_id: ID,
    /// The amount, yuan.
    pub amount: Decimal,
    /// Installments.
    pub periods: u32,
    /// How often.
    pub frequency: FrequencyGql,
    /// The day of the month payments fall due (1–28).
    pub payment_day: u32,
    /// Staff only: the annual rate, or the fee per period of a fee-based product (the
    /// product's price for the grade when left out).
    pub rate: Option<Decimal>,
    /// Why, in the author's words.
    pub comment: String,
}

/// Proposal queries.
#[derive(Default)]
pub struct ProposalQuery;

#[Object]
impl ProposalQuery {
    /// Every proposal of an application, oldest first: its customer, or staff.
    #[graphql(guard = "RoleGuard::new(Permission::ReadProposals)")]
    async fn proposals(
        &self,
        ctx: &Context<'_>,
        application_id: ID,
    ) -> async_graphql::Result<Vec<Proposal>> {
        let caller = ctx.caller().await?;
        let id = parse_id(&application_id, "applicationId")?;
        Ok(ctx
            .domain()?
            .proposals(id, &caller)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Proposal mutations.
#[derive(Default)]
pub struct ProposalMutation;

#[Object]
impl ProposalMutation {
    /// Proposes terms: repriced and checked at once. Refused (`VALIDATION`, naming each
    /// reason) when the platform does not offer them; kept pending a risk officer when
    /// outside the automatic limits (`breaks` names them).
    #[graphql(guard = "RoleGuard::new(Permission::Negotiate)")]
    async fn propose_terms(
        &self,
        ctx: &Context<'_>,
        input: ProposeTermsInput,
    ) -> async_graphql::Result<Proposal> {
        let caller = ctx.caller().await?;
        let application_id = parse_id(&input.application_id, "applicationId")?;
        ctx.domain()?
            .propose_terms(
                ProposalInput {
                    application_id,
                    amount: input.amount.0,
                    periods: input.periods,
                    frequency: input.frequency.into(),
                    payment_day: input.payment_day,
                    rate: input.rate.map(|r| r.0),
                    comment: input.comment,
                },
                &caller,
            )
            .await
            .gql()
            .map(Into::into)
    }

    /// Approves a proposal outside the automatic limits (risk officers; never one's own).
    #[graphql(guard = "RoleGuard::new(Permission::DecideProposal)")]
    async fn approve_proposal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> async_graphql::Result<Proposal> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .decide_proposal(id, true, &reason, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Rejects a proposal outside the automatic limits (risk officers; never one's own).
    #[graphql(guard = "RoleGuard::new(Permission::DecideProposal)")]
    async fn reject_proposal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> async_graphql::Result<Proposal> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .decide_proposal(id, false, &reason, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Accepts one specific version (the customer, or the bank by an agent); only the
    /// latest (`CONFLICT` otherwise). Both sides' acceptance makes the application `AGREED`.
    #[graphql(guard = "RoleGuard::new(Permission::AcceptProposal)")]
    async fn accept_proposal(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Proposal> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .accept_proposal(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }
}
