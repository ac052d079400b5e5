//! What every request handler shares.

use std::sync::Arc;

use domain::Domain;
use domain::ops::{HealthProbe, Metrics};

use crate::graphql::{FenqiSchema, build_schema};
pub use crate::limits::ApiLimits;

/// The shared state of the HTTP server.
#[derive(Clone)]
pub struct ApiState {
    /// The business.
    pub domain: Arc<Domain>,
    /// The metrics registry.
    pub metrics: Arc<Metrics>,
    /// The dependencies `/ready` checks.
    pub probes: Vec<Arc<dyn HealthProbe>>,
    /// Request limits.
    pub limits: ApiLimits,
    /// The GraphQL schema.
    pub schema: FenqiSchema,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Whether each GraphQL answer tells how many SQL statements it cost
    /// (`X-Sql-Statements`): for tests and benchmarks, off in production.
    pub statement_header: bool,
}

impl ApiState {
    /// Assembles the state and builds the schema.
    pub fn new(
        domain: Arc<Domain>,
        metrics: Arc<Metrics>,
        probes: Vec<Arc<dyn HealthProbe>>,
        limits: ApiLimits,
    ) -> Self {
        let schema = build_schema(Some(domain.clone()), limits);
        Self {
            domain,
            metrics,
            probes,
            limits,
            schema,
            trusted_proxies: Vec::new(),
            statement_header: false,
        }
    }

    /// Adds `X-Sql-Statements` to every GraphQL answer.
    pub fn with_statement_header(mut self, on: bool) -> Self {
        self.statement_header = on;
        self
    }

    /// Believes `X-Forwarded-For` from these proxies (the load balancers in front).
    pub fn with_trusted_proxies(mut self, proxies: Vec<std::net::IpAddr>) -> Self {
        self.trusted_proxies = proxies;
        self
    }
}
