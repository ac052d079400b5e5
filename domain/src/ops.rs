//! Operations support shared by both transports: the metrics registry behind `/metrics`
//! and the probes behind `/ready`. Kept here, beside the business, only because the API
//! and the worker both need them and may depend on nothing else in common.

pub mod metrics;
pub mod probe;

pub use metrics::Metrics;
pub use probe::{HealthProbe, ProbeError};
