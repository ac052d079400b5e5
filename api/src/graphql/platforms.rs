//! Platforms: the registry (`installmentPlatforms`, `upsertPlatform`), choosing one for an
//! application (`recommendPlatforms`, `acceptDisclosure`, `selectPlatform`) and keeping
//! partners honest (`reconciliationReports`, `reconcilePlatform`,
//! `resolveReconciliationItem`, `platformEvents`, `reviewPlatformEvent`). Thin: parse,
//! authorize (the guard, then the domain's own check), call the use case, shape.

use async_graphql::{Context, ID, InputObject, Object};
use domain::auth::Permission;
use domain::platforms::PlatformInput;

use super::context::ContextExt;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::scalars::Date;
use super::types::application::Application;
use super::types::customer::ChannelGql;
use super::types::parse_id;
use super::types::platform::{
    Disclosure, EventOutcomeGql, InstallmentPlatform, PlatformEvent, PlatformKindGql,
    PlatformRecommendations, Product, ReconciliationItem, ReconciliationReport,
};

/// A platform as an admin registers or changes it.
#[derive(InputObject)]
pub struct PlatformInputGql {
    /// `internal`, or a partner's code (2–32 lower-case letters, digits, dashes).
    pub code: String,
    /// Internal or external.
    pub kind: PlatformKindGql,
    /// Its name as customers see it.
    pub name: String,
    /// A partner's base URL.
    pub base_url: Option<String>,
    /// Our client id at the partner.
    pub client_id: Option<String>,
    /// The shared HMAC secret (at least 16 characters); leave it out to keep the one on
    /// file. Sealed at rest, never returned.
    pub secret: Option<String>,
    /// The products offered.
    pub products: Vec<Product>,
    /// The channels it serves customers through.
    pub channels: Vec<ChannelGql>,
    /// The policy text customers are shown (a change makes a new disclosure version).
    pub policy_text: String,
    /// Whether it is offered.
    pub active: bool,
}

/// Platform queries.
#[derive(Default)]
pub struct PlatformQuery;

#[Object]
impl PlatformQuery {
    /// The platforms: active ones for customers, all with addresses and breaker state for
    /// staff.
    #[graphql(guard = "RoleGuard::new(Permission::ReadPlatforms)")]
    async fn installment_platforms(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<InstallmentPlatform>> {
        let caller = ctx.caller().await?;
        Ok(ctx
            .domain()?
            .installment_platforms(&caller)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The platforms ranked for one application, each with its quote (APR by the bank's
    /// schedule engine), reasons and disclosure.
    #[graphql(guard = "RoleGuard::new(Permission::SelectPlatform)")]
    async fn recommend_platforms(
        &self,
        ctx: &Context<'_>,
        application_id: ID,
    ) -> async_graphql::Result<PlatformRecommendations> {
        let caller = ctx.caller().await?;
        let id = parse_id(&application_id, "applicationId")?;
        ctx.domain()?
            .recommend_platforms(id, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Reconciliation reports, newest day first.
    #[graphql(guard = "RoleGuard::new(Permission::ReadReconciliation)")]
    async fn reconciliation_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this platform's.")] platform_code: Option<String>,
        #[graphql(desc = "How many (1–100, default 30).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<ReconciliationReport>> {
        let caller = ctx.caller().await?;
        let limit = u64::try_from(first.unwrap_or(30)).unwrap_or(1);
        Ok(ctx
            .domain()?
            .reconciliation_reports(platform_code.as_deref(), limit, &caller)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Partners' callbacks as kept, newest first (by default the unreviewed ones naming
    /// a plan we do not know).
    #[graphql(guard = "RoleGuard::new(Permission::ReadReconciliation)")]
    async fn platform_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only with this outcome (default UNMATCHED).")] outcome: Option<
            EventOutcomeGql,
        >,
        #[graphql(desc = "Only those not reviewed yet (default true).")] unreviewed_only: Option<
            bool,
        >,
        #[graphql(desc = "How many (1–200, default 50).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<PlatformEvent>> {
        let caller = ctx.caller().await?;
        let outcome = outcome.unwrap_or(EventOutcomeGql::Unmatched);
        let limit = u64::try_from(first.unwrap_or(50)).unwrap_or(1);
        Ok(ctx
            .domain()?
            .platform_events(
                Some(outcome.into()),
                unreviewed_only.unwrap_or(true),
                limit,
                &caller,
            )
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Platform mutations.
#[derive(Default)]
pub struct PlatformMutation;

#[Object]
impl PlatformMutation {
    /// Registers or changes a platform. Admins; audited. Credentials are sealed and never
    /// returned.
    #[graphql(guard = "RoleGuard::new(Permission::ManagePlatforms)")]
    async fn upsert_platform(
        &self,
        ctx: &Context<'_>,
        input: PlatformInputGql,
    ) -> async_graphql::Result<InstallmentPlatform> {
        let caller = ctx.caller().await?;
        let products = input
            .products
            .into_iter()
            .map(Product::into_port)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| domain::DomainError::validation("products", m))
            .gql()?;
        let input = PlatformInput {
            code: input.code,
            kind: input.kind.into(),
            name: input.name,
            base_url: input.base_url,
            client_id: input.client_id,
            secret: input.secret,
            products,
            channels: input.channels.into_iter().map(Into::into).collect(),
            policy_text: input.policy_text,
            active: input.active,
        };
        ctx.domain()?
            .upsert_platform(input, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Records the customer's consent, for one application, to one version of a
    /// platform's disclosure (named by its version and SHA-256).
    #[graphql(guard = "RoleGuard::new(Permission::SelectPlatform)")]
    async fn accept_disclosure(
        &self,
        ctx: &Context<'_>,
        application_id: ID,
        platform_code: String,
        version: i32,
        sha256: String,
    ) -> async_graphql::Result<Disclosure> {
        let caller = ctx.caller().await?;
        let id = parse_id(&application_id, "applicationId")?;
        ctx.domain()?
            .accept_disclosure(id, &platform_code, version, &sha256, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Selects a platform's product for an application; needs consent to the platform's
    /// current disclosure (`CONSENT_REQUIRED` otherwise).
    #[graphql(guard = "RoleGuard::new(Permission::SelectPlatform)")]
    async fn select_platform(
        &self,
        ctx: &Context<'_>,
        application_id: ID,
        platform_code: String,
        product_code: String,
    ) -> async_graphql::Result<Application> {
        let caller = ctx.caller().await?;
        let id = parse_id(&application_id, "applicationId")?;
        ctx.domain()?
            .select_platform(id, &platform_code, &product_code, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Reconciles one partner's day now (once: a day done before answers its report).
    #[graphql(guard = "RoleGuard::new(Permission::ResolveReconciliation)")]
    async fn reconcile_platform(
        &self,
        ctx: &Context<'_>,
        platform_code: String,
        date: Date,
    ) -> async_graphql::Result<ReconciliationReport> {
        let caller = ctx.caller().await?;
        ctx.domain()?
            .reconcile_platform(&platform_code, date.0, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Resolves one mismatch with what was done about it. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::ResolveReconciliation)")]
    async fn resolve_reconciliation_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: String,
    ) -> async_graphql::Result<ReconciliationItem> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .resolve_reconciliation_item(id, &note, &caller)
            .await
            .gql()
            .map(Into::into)
    }

    /// Marks a kept partner event reviewed, with what was done. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::ResolveReconciliation)")]
    async fn review_platform_event(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: String,
    ) -> async_graphql::Result<PlatformEvent> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .review_platform_event(id, &note, &caller)
            .await
            .gql()
            .map(Into::into)
    }
}
