//! Readiness probes: each dependency (database, queue) says whether it answers.

use std::time::Duration;

/// Why a dependency is not ready.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ProbeError(pub String);

/// A dependency that `/ready` checks.
#[async_trait::async_trait]
pub trait HealthProbe: Send + Sync + std::fmt::Debug {
    /// A short name for the answer (`database`, `queue`).
    fn name(&self) -> &'static str;
    /// Succeeds when the dependency answers.
    async fn check(&self) -> Result<(), ProbeError>;
    /// Whether the failure's detail may be shown to whoever asks `/ready`. Dependency
    /// errors name hosts and drivers and go to the log only; a dead job loop's name is what
    /// an operator needs to see.
    fn detail_is_public(&self) -> bool {
        false
    }
}

/// How long a probe may take before it counts as failed.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The database probe.
#[derive(Debug, Clone)]
pub struct DatabaseProbe(pub sea_orm::DatabaseConnection);

#[async_trait::async_trait]
impl HealthProbe for DatabaseProbe {
    fn name(&self) -> &'static str {
        "database"
    }

    async fn check(&self) -> Result<(), ProbeError> {
        crate::db::ping(&self.0)
            .await
            .map_err(|e| ProbeError(format!("database not reachable: {e}")))
    }
}
