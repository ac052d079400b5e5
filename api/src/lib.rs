//! The API: actix-web serving GraphQL (for customers and staff), GraphiQL, and the
//! operations endpoints. A transport only — it parses, authorizes, calls a domain use case
//! and shapes the answer; no SQL and no business rule live here.

pub mod graphql;
pub mod http;
pub mod limits;
pub mod server;
pub mod state;

pub use server::{ServerError, bind, ops_app, serve};
pub use state::{ApiLimits, ApiState};
