//! What every request handler shares.

use std::sync::Arc;

use domain::Domain;
use domain::ops::{HealthProbe, Metrics};

use crate::graphql::{FenqiSchema, build_schema};

/// Limits that protect the API from abusive requests.
#[derive(Debug, Clone, Copy)]
pub struct ApiLimits {
    /// The deepest selection nesting a query may have.
    pub max_depth: usize,
    /// The highest complexity score a query may have: each field counts 1, a list counts
    /// its selection once per item it may return (a page its page size, a schedule its
    /// periods).
    pub max_complexity: usize,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The most aliased fields a request may have: aliases let one request ask for the
    /// same expensive field hundreds of times.
    pub max_aliases: usize,
    /// The most fields a request may ask at its root (after fragments are expanded).
    pub max_root_fields: usize,
    /// Whether the schema can be introspected (client tooling); production may turn it off.
    pub introspection: bool,
}

impl Default for ApiLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 5_000,
            max_body_bytes: 256 * 1024,
            max_aliases: 30,
            max_root_fields: 20,
            introspection: true,
        }
    }
}

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
