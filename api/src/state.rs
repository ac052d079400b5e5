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
    /// The highest complexity score a query may have (each field counts 1, lists count
    /// their page size).
    pub max_complexity: usize,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for ApiLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 2_000,
            max_body_bytes: 256 * 1024,
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
        }
    }

    /// Believes `X-Forwarded-For` from these proxies (the load balancers in front).
    pub fn with_trusted_proxies(mut self, proxies: Vec<std::net::IpAddr>) -> Self {
        self.trusted_proxies = proxies;
        self
    }
}
