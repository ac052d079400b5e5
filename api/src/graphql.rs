//! The GraphQL schema: one root per area of the business, merged, with the limits and error
//! conventions every area shares.

pub mod agreements;
pub mod applications;
pub mod articles;
pub mod audit;
pub mod auth;
pub mod calculator;
pub mod campaigns;
pub mod codes;
pub mod contacts;
pub mod context;
pub mod cursor;
pub mod customers;
pub mod dashboard;
pub mod early_repayment;
pub mod errors;
pub mod follow_ups;
pub mod guard;
pub mod identity_conflicts;
pub mod messages;
pub mod negotiation;
pub mod order;
pub mod plans;
pub mod platforms;
pub mod proposals;
pub mod risk;
pub mod scalars;
pub mod shape;
pub mod signing;
pub mod staff;
pub mod subscriptions;
pub mod tickets;
pub mod types;

use std::sync::Arc;

use async_graphql::{MergedObject, Schema};
use domain::Domain;

use crate::limits::ApiLimits;

/// Every query field.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    auth::AuthQuery,
    staff::StaffQuery,
    audit::AuditQuery,
    customers::CustomerQuery,
    identity_conflicts::IdentityConflictQuery,
    risk::RiskQuery,
    calculator::CalculatorQuery,
    applications::ApplicationQuery,
    platforms::PlatformQuery,
    negotiation::NegotiationQuery,
    contacts::ContactQuery,
    proposals::ProposalQuery,
    agreements::AgreementQuery,
    signing::SigningQuery,
    plans::PlanQuery,
    messages::MessageQuery,
    early_repayment::EarlyRepaymentQuery,
    tickets::TicketQuery,
    articles::ArticleQuery,
    follow_ups::FollowUpQuery,
    dashboard::DashboardQuery,
    campaigns::CampaignQuery,
);

/// Every mutation field.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    auth::AuthMutation,
    staff::StaffMutation,
    customers::CustomerMutation,
    identity_conflicts::IdentityConflictMutation,
    risk::RiskMutation,
    applications::ApplicationMutation,
    platforms::PlatformMutation,
    contacts::ContactMutation,
    proposals::ProposalMutation,
    agreements::AgreementMutation,
    signing::SigningMutation,
    plans::PlanMutation,
    plans::ClockMutation,
    messages::MessageMutation,
    early_repayment::EarlyRepaymentMutation,
    tickets::TicketMutation,
    articles::ArticleMutation,
    follow_ups::FollowUpMutation,
    campaigns::CampaignMutation,
);

/// The schema type.
pub type FenqiSchema = Schema<QueryRoot, MutationRoot, subscriptions::SubscriptionRoot>;

/// Builds the schema. `domain` is `None` only when printing the SDL.
pub fn build_schema(domain: Option<Arc<Domain>>, limits: ApiLimits) -> FenqiSchema {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        subscriptions::SubscriptionRoot,
    )
    // Depth, aliases and root fields are measured by `shape` (introspection apart).
    .limit_complexity(limits.max_complexity)
    .limit_recursive_depth(32)
    .limit_directives(8)
    .extension(codes::ErrorCodes::new(limits))
    .extension(shape::RequestShape::new(limits))
    .extension(order::RequestOrder);
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    if let Some(domain) = domain {
        builder = builder.data(domain);
    }
    builder.finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None, ApiLimits::default()).sdl()
}
