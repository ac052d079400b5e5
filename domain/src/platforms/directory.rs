//! The adapters behind the registry: one [`InstallmentPlatform`] per registered platform,
//! built on first use from its row (the internal ledger with the bank's products, or a
//! partner over signed HTTP with its opened credentials) and kept, so each partner has one
//! connection pool and one circuit breaker per process. A registry change forgets the
//! platform's adapter; the next use builds it anew.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use adapters::platforms::{
    HttpPlatform, HttpPlatformConfig, InstallmentPlatform, InternalPlatform, PlatformHealth,
};
use adapters::signed_http::PartnerEndpoint;
use sea_orm::EntityTrait;

use entities::installment_platform::{self, PlatformKind};

use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

use super::registry::{CREDENTIALS_PURPOSE, parse_products};

/// An adapter and the registry row version (`updated_at`) it was built from.
type Built = (i64, Arc<dyn InstallmentPlatform>);

/// The adapters built so far, by platform code.
#[derive(Debug, Default)]
pub struct PlatformDirectory {
    built: RwLock<HashMap<String, Built>>,
}

impl PlatformDirectory {
    /// Drops the adapter of `code` (its registry row changed).
    pub fn forget(&self, code: &str) {
        self.built
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(code);
    }

    fn get(&self, code: &str, version: i64) -> Option<Arc<dyn InstallmentPlatform>> {
        self.built
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(code)
            .filter(|(v, _)| *v == version)
            .map(|(_, p)| p.clone())
    }

    fn keep(&self, code: &str, version: i64, platform: Arc<dyn InstallmentPlatform>) {
        self.built
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(code.to_owned(), (version, platform));
    }

    /// How every platform called so far is doing.
    pub fn health(&self) -> Vec<PlatformHealth> {
        let mut out: Vec<PlatformHealth> = self
            .built
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(|(_, p)| p.health())
            .collect();
        out.sort_by(|a, b| a.code.cmp(&b.code));
        out
    }

    /// The breaker state of `code`, if it has been called.
    pub fn breaker_of(&self, code: &str) -> Option<&'static str> {
        self.built
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(code)
            .map(|(_, p)| p.health().breaker.as_str())
    }
}

impl Domain {
    /// The adapter of a registered platform (row already read).
    pub(crate) fn platform_of(
        &self,
        row: &installment_platform::Model,
    ) -> DomainResult<Arc<dyn InstallmentPlatform>> {
        let directory = self.platform_directory();
        if let Some(p) = directory.get(&row.code, row.updated_at) {
            return Ok(p);
        }
        let clock = self.clock().clone();
        let now = Arc::new(move || clock.now());
        let platform: Arc<dyn InstallmentPlatform> = match row.kind {
            PlatformKind::Internal => Arc::new(
                InternalPlatform::new(self.db().clone(), now).with_products(parse_products(row)?),
            ),
            PlatformKind::External => {
                let secret = row
                    .credentials_sealed
                    .as_deref()
                    .map(|s| self.keys().open(CREDENTIALS_PURPOSE, s))
                    .transpose()?
                    .ok_or_else(|| {
                        DomainError::Unavailable(format!(
                            "Platform {} has no credentials on file; an admin must add them.",
                            row.code
                        ))
                    })?;
                let mut endpoint = PartnerEndpoint::new(
                    row.code.clone(),
                    row.base_url.clone().unwrap_or_default(),
                    row.client_id.clone().unwrap_or_default(),
                    secret,
                );
                endpoint.timeout = self.settings().partner_timeout;
                let mut config = HttpPlatformConfig::new(row.code.clone(), endpoint);
                config.breaker = self.settings().partner_breaker;
                Arc::new(HttpPlatform::new(config, now).map_err(|e| {
                    DomainError::Unavailable(format!(
                        "Platform {} cannot be reached as registered: {e}",
                        row.code
                    ))
                })?)
            }
        };
        directory.keep(&row.code, row.updated_at, platform.clone());
        Ok(platform)
    }

    /// The adapter of the platform with `code`.
    pub async fn platform(&self, code: &str) -> DomainResult<Arc<dyn InstallmentPlatform>> {
        let row = installment_platform::Entity::find_by_id(code.to_owned())
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("No platform is called {code}.")))?;
        self.platform_of(&row)
    }

    /// How every platform called so far is doing (for `/ready` and `/metrics`).
    pub fn platform_health(&self) -> Vec<PlatformHealth> {
        self.platform_directory().health()
    }
}
