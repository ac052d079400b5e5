//! Consent (PIPL arts. 13–14, 29): before sensitive personal information is processed the
//! customer agrees to a specific, versioned text. The record keeps the purpose, the version
//! and the SHA-256 of the exact text shown, so the bank can prove what was agreed to.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use entities::consent;

use crate::audit::AuditRecord;
use crate::auth::Caller;
use crate::auth::Permission;
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

use super::access::{audit_unless_self_service, is_self_service, load_for};

/// What a consent allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentPurpose {
    /// Processing sensitive personal information (ID number, bank accounts, financial
    /// status) to assess and serve an installment plan.
    SensitivePersonalInformation,
    /// Asking a credit bureau for the customer's credit record.
    CreditInquiry,
}

impl ConsentPurpose {
    /// Every purpose.
    pub const ALL: [ConsentPurpose; 2] = [Self::SensitivePersonalInformation, Self::CreditInquiry];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SensitivePersonalInformation => "sensitive_personal_information",
            Self::CreditInquiry => "credit_inquiry",
        }
    }

    fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == stored)
    }
}

/// One consent text in one language.
#[derive(Debug, Clone)]
pub struct ConsentText {
    /// What it allows.
    pub purpose: ConsentPurpose,
    /// Its version.
    pub version: &'static str,
    /// `zh-CN` or `en`.
    pub language: &'static str,
    /// The text shown to the customer.
    pub text: &'static str,
}

impl ConsentText {
    /// SHA-256 of the text, hex: what the client sends back to consent.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.text.as_bytes()))
    }
}

/// The current version of every consent text. A new version is a new entry; customers who
/// agreed to an older version are asked again.
pub const CURRENT_TEXTS: &[ConsentText] = &[
    ConsentText {
        purpose: ConsentPurpose::SensitivePersonalInformation,
        version: "2026-11",
        language: "zh-CN",
        text: "本人同意银行为评估、办理和管理分期还款计划之目的，收集、存储和使用本人的身份证件号码、银行账户信息及财务状况等敏感个人信息。上述信息将加密存储，仅在必要范围内由授权人员访问，并依法保存。本人可随时查询、复制本人信息，或在无未结清分期计划时申请删除。",
    },
    ConsentText {
        purpose: ConsentPurpose::SensitivePersonalInformation,
        version: "2026-11",
        language: "en",
        text: "I agree that the bank collects, stores and uses my sensitive personal information — my resident ID number, bank account details and financial status — to assess, arrange and manage installment plans. It is stored encrypted, accessed only by authorized staff as far as necessary, and kept as the law requires. I may view and copy my data at any time, and ask for it to be deleted when I have no open installment plan.",
    },
    ConsentText {
        purpose: ConsentPurpose::CreditInquiry,
        version: "2026-11",
        language: "zh-CN",
        text: "本人授权银行为审批分期申请之目的，向征信机构查询本人的信用报告，查询结果仅用于本次申请的风险评估。",
    },
    ConsentText {
        purpose: ConsentPurpose::CreditInquiry,
        version: "2026-11",
        language: "en",
        text: "I authorize the bank to obtain my credit report from a credit bureau to decide on my installment application; the report is used only to assess this application's risk.",
    },
];

/// A recorded consent.
#[derive(Debug, Clone)]
pub struct ConsentView {
    /// The record's id.
    pub id: Uuid,
    /// What it allows.
    pub purpose: ConsentPurpose,
    /// The text version agreed to.
    pub version: String,
    /// SHA-256 of the text agreed to.
    pub text_hash: String,
    /// How it was given: `app` (by the customer) or `staff` (recorded by an agent).
    pub channel: String,
    /// When.
    pub given_at: DateTime<Utc>,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl From<consent::Model> for ConsentView {
    fn from(m: consent::Model) -> Self {
        Self {
            id: m.id,
            purpose: ConsentPurpose::parse(&m.purpose)
                .unwrap_or(ConsentPurpose::SensitivePersonalInformation),
            version: m.version,
            text_hash: m.text_hash,
            channel: m.channel,
            given_at: from_millis(m.given_at),
            withdrawn_at: m.withdrawn_at.map(from_millis),
        }
    }
}

pub(crate) fn current_version(purpose: ConsentPurpose) -> &'static str {
    CURRENT_TEXTS
        .iter()
        .find(|t| t.purpose == purpose)
        .map_or("", |t| t.version)
}

/// Refuses unless the customer holds a current, unwithdrawn consent for `purpose`.
pub(crate) async fn require<C: ConnectionTrait>(
    db: &C,
    customer_id: Uuid,
    purpose: ConsentPurpose,
) -> DomainResult<()> {
    let version = current_version(purpose);
    let found = consent::Entity::find()
        .filter(consent::Column::CustomerId.eq(customer_id))
        .filter(consent::Column::Purpose.eq(purpose.as_str()))
        .filter(consent::Column::Version.eq(version))
        .filter(consent::Column::WithdrawnAt.is_null())
        .one(db)
        .await?;
    if found.is_some() {
        Ok(())
    } else {
        Err(DomainError::ConsentRequired {
            purpose: purpose.as_str().into(),
            message: format!(
                "The customer has not consented to '{}' (version {version}). Show the consent text and record the customer's consent first.",
                purpose.as_str()
            ),
        })
    }
}

impl Domain {
    /// The consent texts a client must show before asking for consent.
    pub fn consent_texts(&self) -> &'static [ConsentText] {
        CURRENT_TEXTS
    }

    /// Records consent to the current text of `purpose`. `text_hash` must be the hash of
    /// the text the customer was shown (any of its languages), so a client cannot record
    /// consent to a text it did not show. Staff recording consent given in a branch or on
    /// the phone are audited.
    pub async fn give_consent(
        &self,
        customer_id: Uuid,
        purpose: ConsentPurpose,
        text_hash: &str,
        caller: &Caller,
    ) -> DomainResult<ConsentView> {
        let text = CURRENT_TEXTS
            .iter()
            .find(|t| t.purpose == purpose && t.hash() == text_hash.trim().to_lowercase())
            .ok_or_else(|| {
                DomainError::validation(
                    "textHash",
                    "This is not the hash of the current consent text for this purpose; fetch consentTexts again and show the customer the current text.",
                )
            })?;
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let customer = load_for(&txn, caller, customer_id, Permission::WriteCustomer).await?;
        let existing = consent::Entity::find()
            .filter(consent::Column::CustomerId.eq(customer.id))
            .filter(consent::Column::Purpose.eq(purpose.as_str()))
            .filter(consent::Column::Version.eq(text.version))
            .filter(consent::Column::WithdrawnAt.is_null())
            .one(&txn)
            .await?;
        if let Some(existing) = existing {
            txn.rollback().await?;
            return Ok(existing.into());
        }
        let channel = if is_self_service(caller) {
            "app"
        } else {
            "staff"
        };
        let model = consent::ActiveModel {
            id: Set(Uuid::now_v7()),
            customer_id: Set(customer.id),
            purpose: Set(purpose.as_str().into()),
            version: Set(text.version.into()),
            text_hash: Set(text.hash()),
            channel: Set(channel.into()),
            given_by: Set(caller.actor.map(|a| a.account_id)),
            given_at: Set(to_millis(now)),
            withdrawn_at: Set(None),
        }
        .insert(&txn)
        .await?;
        audit_unless_self_service(
            &txn,
            now,
            caller,
            AuditRecord::new("consent.record", "customer", Some(customer.id.to_string())).after(
                json!({
                    "purpose": purpose.as_str(),
                    "version": text.version,
                    "textHash": model.text_hash,
                }),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(model.into())
    }

    /// Withdraws consent for `purpose`: further processing for it is refused from now on.
    pub async fn withdraw_consent(
        &self,
        customer_id: Uuid,
        purpose: ConsentPurpose,
        caller: &Caller,
    ) -> DomainResult<Vec<ConsentView>> {
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let customer = load_for(&txn, caller, customer_id, Permission::WriteCustomer).await?;
        consent::Entity::update_many()
            .col_expr(consent::Column::WithdrawnAt, to_millis(now).into())
            .filter(consent::Column::CustomerId.eq(customer.id))
            .filter(consent::Column::Purpose.eq(purpose.as_str()))
            .filter(consent::Column::WithdrawnAt.is_null())
            .exec(&txn)
            .await?;
        audit_unless_self_service(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "consent.withdraw",
                "customer",
                Some(customer.id.to_string()),
            )
            .after(json!({ "purpose": purpose.as_str() })),
        )
        .await?;
        txn.commit().await?;
        self.consents(customer_id, caller).await
    }

    /// Every consent the customer gave, newest first.
    pub async fn consents(
        &self,
        customer_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<Vec<ConsentView>> {
        let customer = load_for(self.db(), caller, customer_id, Permission::ReadCustomer).await?;
        Ok(consent::Entity::find()
            .filter(consent::Column::CustomerId.eq(customer.id))
            .order_by_desc(consent::Column::GivenAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(ConsentView::from)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_purpose_has_a_text_in_both_languages() {
        for purpose in ConsentPurpose::ALL {
            for language in ["zh-CN", "en"] {
                assert!(
                    CURRENT_TEXTS
                        .iter()
                        .any(|t| t.purpose == purpose && t.language == language),
                    "{purpose:?} {language}"
                );
            }
        }
        assert_eq!(CURRENT_TEXTS[0].hash().len(), 64);
    }
}
