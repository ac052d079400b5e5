//! Identity verification (实名核验): staff confirm, from an identity document, that the
//! name and resident ID number on a profile belong to the person. Until then nothing is
//! asked of an external credit bureau under that ID number — otherwise anyone could type
//! a stranger's number into their own profile and read the stranger's credit record.

use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{AuditRecord, chain};
use crate::auth::Caller;
use crate::auth::Permission;
use crate::clock::to_millis;
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

use super::access::load_for;
use super::profile::CustomerView;

impl Domain {
    /// Records that a member of staff checked the customer's identity document against
    /// the name and ID number on file. `note` says how (e.g. "ID card seen in branch").
    /// Agents only; audited. Changing the name or the ID number later clears it.
    pub async fn verify_customer_identity(
        &self,
        customer_id: Uuid,
        note: &str,
        caller: &Caller,
    ) -> DomainResult<CustomerView> {
        caller.require(Permission::VerifyIdentity)?;
        let actor = caller.actor.ok_or_else(|| {
            DomainError::Forbidden("Identity is verified by a person, not the platform.".into())
        })?;
        let note = note.trim();
        if note.chars().count() < 5 || note.chars().count() > 500 {
            return Err(DomainError::validation(
                "note",
                "Say how the identity was checked (5 to 500 characters), e.g. 'ID card seen in branch'.",
            ));
        }
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let customer = load_for(&txn, caller, customer_id, Permission::VerifyIdentity).await?;
        if customer.id_number_enc.is_none() {
            return Err(DomainError::Conflict(
                "Record the customer's resident ID number before verifying their identity.".into(),
            ));
        }
        let mut active: entities::customer::ActiveModel = customer.into();
        active.identity_verified_at = Set(Some(to_millis(now)));
        active.identity_verified_by = Set(Some(actor.account_id));
        active.updated_at = Set(to_millis(now));
        let saved = active.update(&txn).await?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "customer.verify_identity",
                "customer",
                Some(saved.id.to_string()),
            )
            .after(json!({ "identityVerified": true }))
            .reason(note),
        )
        .await?;
        txn.commit().await?;
        self.customer_view(&saved)
    }
}
