//! GraphQL shapes of domain results, shared across areas.

pub mod account;
pub mod application;
pub mod contact;
pub mod customer;
pub mod customer_profile;
pub mod ids;
pub mod money;
pub mod negotiation;
pub mod plan;
pub mod platform;
pub mod proposal;

pub use account::{Account, AccountStatusGql, AuthPayload, RoleGql};
pub use ids::parse_id;
