//! GraphQL shapes of domain results, shared across areas.

pub mod account;
pub mod ids;

pub use account::{Account, AccountStatusGql, AuthPayload, RoleGql};
pub use ids::parse_id;
