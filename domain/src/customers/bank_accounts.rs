//! The bank cards a customer repays from. Numbers are sealed, indexed by a keyed hash and
//! shown as `**** **** **** 1234`. A failed Luhn check is a warning, not a refusal: some
//! real UnionPay cards fail it.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;
use uuid::Uuid;

use entities::customer_bank_account;

use crate::audit::AuditRecord;
use crate::auth::Caller;
use crate::auth::Permission;
use crate::clock::{from_millis, to_millis};
use crate::db::{begin_write, is_unique_violation};
use crate::error::{DomainError, DomainResult};
use crate::pii::BankCardNumber;
use crate::service::Domain;

use super::access::{audit_unless_self_service, load_for};
use super::consent::{self, ConsentPurpose};

/// A card to add.
#[derive(Clone)]
pub struct NewBankAccount {
    /// The issuing bank's name.
    pub bank_name: String,
    /// The card number as typed.
    pub card_number: String,
}

/// A card as it may be shown.
#[derive(Debug, Clone)]
pub struct BankAccountView {
    /// The record's id.
    pub id: Uuid,
    /// The issuing bank.
    pub bank_name: String,
    /// `**** **** **** 1234`.
    pub card_masked: String,
    /// Whether the number passes the Luhn check.
    pub luhn_valid: bool,
    /// What to check about the card, when anything; the customer and staff both see it.
    pub warning: Option<String>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// A stored card as it may be shown.
pub(crate) fn view(m: &customer_bank_account::Model) -> BankAccountView {
    BankAccountView {
        id: m.id,
        bank_name: m.bank_name.clone(),
        card_masked: format!("**** **** **** {}", m.card_last4),
        luhn_valid: m.luhn_valid,
        warning: (!m.luhn_valid).then(|| BankCardNumber::LUHN_WARNING.to_owned()),
        created_at: from_millis(m.created_at),
    }
}

impl Domain {
    /// Adds a card (sensitive: needs consent). Staff additions are audited.
    pub async fn add_bank_account(
        &self,
        customer_id: Uuid,
        input: NewBankAccount,
        caller: &Caller,
    ) -> DomainResult<BankAccountView> {
        let bank_name = input.bank_name.trim().to_owned();
        if bank_name.is_empty() || bank_name.chars().count() > 100 {
            return Err(DomainError::validation(
                "bankName",
                "Enter the bank's name (at most 100 characters).",
            ));
        }
        let (card, check) = BankCardNumber::parse(&input.card_number, "cardNumber")?;
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let customer = load_for(&txn, caller, customer_id, Permission::WriteCustomer).await?;
        consent::require(
            &txn,
            customer.id,
            ConsentPurpose::SensitivePersonalInformation,
        )
        .await?;
        let saved = customer_bank_account::ActiveModel {
            id: Set(Uuid::now_v7()),
            customer_id: Set(customer.id),
            bank_name: Set(bank_name),
            card_enc: Set(self.keys().seal(BankCardNumber::PURPOSE, card.expose())?),
            card_hash: Set(self
                .keys()
                .blind_index(BankCardNumber::PURPOSE, card.expose())),
            card_last4: Set(card.last4().to_owned()),
            luhn_valid: Set(check.luhn_valid),
            created_at: Set(to_millis(now)),
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                DomainError::Conflict("This card is already on the customer's record.".into())
            } else {
                e.into()
            }
        })?;
        audit_unless_self_service(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "customer.bank_account.add",
                "customer",
                Some(customer.id.to_string()),
            )
            .after(json!({
                "bankAccountId": saved.id,
                "card": card.masked(),
                "luhnValid": check.luhn_valid,
            })),
        )
        .await?;
        txn.commit().await?;
        Ok(view(&saved))
    }
}

impl std::fmt::Debug for NewBankAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewBankAccount")
            .field("bank_name", &self.bank_name)
            .field(
                "card_number",
                &crate::pii::mask::keep_ends(&self.card_number, 0, 4),
            )
            .finish()
    }
}
