//! Revealing a masked identifier: only staff whose work needs it, only with a stated
//! reason, and always in the audit trail.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use entities::customer_bank_account;

use crate::audit::{AuditRecord, chain};
use crate::auth::Caller;
use crate::auth::Permission;
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::pii::{BankCardNumber, IdNumber, MobileNumber};
use crate::service::Domain;

use super::access::load_for;

/// What to reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevealField {
    /// The resident ID number.
    IdNumber,
    /// The mobile number.
    Mobile,
    /// One bank card, by its record id.
    BankCard(Uuid),
}

impl RevealField {
    fn name(self) -> &'static str {
        match self {
            Self::IdNumber => "idNumber",
            Self::Mobile => "mobile",
            Self::BankCard(_) => "bankCard",
        }
    }
}

impl Domain {
    /// The clear value of a masked identifier, for staff with a reason (at least ten
    /// characters, e.g. "customer asked to confirm the card on the phone"). Audited.
    pub async fn reveal(
        &self,
        customer_id: Uuid,
        field: RevealField,
        reason: &str,
        caller: &Caller,
    ) -> DomainResult<String> {
        caller.require(Permission::RevealPersonalData)?;
        if caller.actor.is_none() {
            return Err(DomainError::Forbidden(
                "Only a member of staff can reveal personal data.".into(),
            ));
        }
        let reason = reason.trim();
        if reason.chars().count() < 10 || reason.chars().count() > 500 {
            return Err(DomainError::validation(
                "reason",
                "State why you need the clear value (10 to 500 characters); it is recorded in the audit trail.",
            ));
        }
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let customer = load_for(&txn, caller, customer_id, Permission::RevealPersonalData).await?;
        let missing =
            || DomainError::NotFound(format!("The customer has no {} on record.", field.name()));
        let clear = match field {
            RevealField::IdNumber => {
                let sealed = customer.id_number_enc.as_deref().ok_or_else(missing)?;
                self.keys().open(IdNumber::PURPOSE, sealed)?
            }
            RevealField::Mobile => {
                let sealed = customer.mobile_enc.as_deref().ok_or_else(missing)?;
                self.keys().open(MobileNumber::PURPOSE, sealed)?
            }
            RevealField::BankCard(account_id) => {
                let card = customer_bank_account::Entity::find_by_id(account_id)
                    .filter(customer_bank_account::Column::CustomerId.eq(customer.id))
                    .one(&txn)
                    .await?
                    .ok_or_else(missing)?;
                self.keys().open(BankCardNumber::PURPOSE, &card.card_enc)?
            }
        };
        let mut after = json!({ "field": field.name() });
        if let RevealField::BankCard(id) = field {
            after["bankAccountId"] = json!(id);
        }
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new("customer.reveal", "customer", Some(customer.id.to_string()))
                .after(after)
                .reason(reason),
        )
        .await?;
        txn.commit().await?;
        Ok(clear)
    }
}
