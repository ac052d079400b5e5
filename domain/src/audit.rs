//! The audit trail: every state-changing staff action and every staff read of unmasked
//! personal data, append-only and chained by SHA-256 so that an edit anywhere is found.

pub mod chain;
pub mod record;
pub mod trail;

pub use chain::{ChainReport, GENESIS_HASH};
pub use record::AuditRecord;
pub use trail::{AuditEntryView, AuditFilter};

use crate::auth::Caller;
use crate::auth::Permission;
use crate::error::DomainResult;
use crate::page::{Page, PageRequest};
use crate::service::Domain;

impl Domain {
    /// One page of the audit trail, newest first. Auditors and admins only.
    pub async fn audit_trail(
        &self,
        filter: &AuditFilter,
        page: PageRequest<i64>,
        caller: &Caller,
    ) -> DomainResult<Page<AuditEntryView, i64>> {
        caller.require(Permission::ReadAudit)?;
        trail::list(self.db(), filter, page).await
    }

    /// Checks the whole chain. Auditors and admins only.
    pub async fn verify_audit_chain(&self, caller: &Caller) -> DomainResult<ChainReport> {
        caller.require(Permission::ReadAudit)?;
        chain::verify(self.db()).await
    }
}
