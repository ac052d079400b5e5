//! HTTP routes and middleware.

pub mod agreements;
pub mod callbacks;
pub mod client_addr;
pub mod graphiql;
pub mod graphql;
pub mod ops;
pub mod request_id;
pub mod subscriptions;
