//! What a platform discloses to a customer before they choose it: its policy text and fee
//! standards, versioned, each version fixed by its SHA-256. A customer's consent names one
//! version for one application; selecting the platform needs consent to its current
//! version, so a change of terms after consent needs consent again.

use std::collections::HashMap;

use adapters::platforms::{PlanMethod, Product};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use entities::{
    disclosure_consent, installment_application, installment_platform, platform_disclosure,
};

use crate::applications::ApplicationStatus;
use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission};
use crate::clock::{from_millis, to_millis};
use crate::db::{begin_write, is_unique_violation};
use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

/// One version of a platform's disclosure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureView {
    /// The platform.
    pub platform_code: String,
    /// Its version (1, 2, …).
    pub version: i32,
    /// The policy text.
    pub policy_text: String,
    /// The fee standards, written out from the products.
    pub fee_text: String,
    /// SHA-256 (hex) of exactly what was shown: policy, a separator line, fees.
    pub sha256: String,
    /// When this version was made.
    pub created_at: DateTime<Utc>,
}

impl From<&platform_disclosure::Model> for DisclosureView {
    fn from(m: &platform_disclosure::Model) -> Self {
        Self {
            platform_code: m.platform_code.clone(),
            version: m.version,
            policy_text: m.policy_text.clone(),
            fee_text: m.fee_text.clone(),
            sha256: m.sha256.clone(),
            created_at: from_millis(m.created_at),
        }
    }
}

/// A fraction as a percent with two decimals (`0.006` → `0.60 %`).
fn percent(rate: Decimal) -> String {
    format!("{:.2} %", (rate * Decimal::ONE_HUNDRED).round_dp(2))
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// The fee standards of `products`, in words, the same for the same products every time.
pub fn fee_text(products: &[Product]) -> String {
    let mut out = String::new();
    for p in products {
        let method = match p.method {
            PlanMethod::EqualInstallment => "equal installments (等额本息)",
            PlanMethod::EqualPrincipal => "equal principal (等额本金)",
            PlanMethod::InterestFirst => "interest first (先息后本)",
            PlanMethod::FeeBased => "a fee each period (手续费分期)",
        };
        let price = if p.method == PlanMethod::FeeBased {
            "fee per period"
        } else {
            "annual interest rate"
        };
        out.push_str(&format!(
            "{} ({}): {method}; {} to {} yuan; {} installments.\n",
            p.name,
            p.code,
            yuan(p.min_amount_fen),
            yuan(p.max_amount_fen),
            p.terms
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join("/"),
        ));
        for g in &p.pricing {
            out.push_str(&format!(
                "  grade {}: {price} {} (from {} to {}).\n",
                g.grade,
                percent(g.standard_rate),
                percent(g.min_rate),
                percent(g.max_rate)
            ));
        }
        if p.prepayment.allowed {
            out.push_str(&format!(
                "  early repayment: allowed after {} installments, fee {} of the principal repaid.\n",
                p.prepayment.min_periods_paid,
                percent(p.prepayment.fee_rate)
            ));
        } else {
            out.push_str("  early repayment: not allowed.\n");
        }
        out.push_str(&format!(
            "  late payment: {} a day on the overdue amount after {} days of grace.\n",
            percent(p.late_charge.daily_rate),
            p.late_charge.grace_days
        ));
    }
    out
}

/// The SHA-256 of a disclosure as shown.
pub fn digest(policy_text: &str, fee_text: &str) -> String {
    let mut h = Sha256::new();
    h.update(policy_text.as_bytes());
    h.update(b"\n---\n");
    h.update(fee_text.as_bytes());
    hex::encode(h.finalize())
}

/// Records a new version.
pub(super) async fn record_version<C: ConnectionTrait>(
    txn: &C,
    code: &str,
    version: i32,
    policy_text: &str,
    fee_text: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    platform_disclosure::ActiveModel {
        id: Set(Uuid::now_v7()),
        platform_code: Set(code.to_owned()),
        version: Set(version),
        policy_text: Set(policy_text.to_owned()),
        fee_text: Set(fee_text.to_owned()),
        sha256: Set(digest(policy_text, fee_text)),
        created_at: Set(to_millis(now)),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// One version of one platform's disclosure.
pub(super) async fn version_of<C: ConnectionTrait>(
    db: &C,
    code: &str,
    version: i32,
) -> DomainResult<Option<platform_disclosure::Model>> {
    Ok(platform_disclosure::Entity::find()
        .filter(platform_disclosure::Column::PlatformCode.eq(code))
        .filter(platform_disclosure::Column::Version.eq(version))
        .one(db)
        .await?)
}

/// The current disclosure of each of `platforms`, in one statement.
pub(super) async fn current_of<C: ConnectionTrait>(
    db: &C,
    platforms: &[installment_platform::Model],
) -> DomainResult<HashMap<String, DisclosureView>> {
    if platforms.is_empty() {
        return Ok(HashMap::new());
    }
    let codes: Vec<&str> = platforms.iter().map(|p| p.code.as_str()).collect();
    let wanted: HashMap<&str, i32> = platforms
        .iter()
        .map(|p| (p.code.as_str(), p.disclosure_version))
        .collect();
    Ok(platform_disclosure::Entity::find()
        .filter(platform_disclosure::Column::PlatformCode.is_in(codes))
        .all(db)
        .await?
        .iter()
        .filter(|d| wanted.get(d.platform_code.as_str()) == Some(&d.version))
        .map(|d| (d.platform_code.clone(), DisclosureView::from(d)))
        .collect())
}

impl Domain {
    /// Records the customer's consent, for one application, to one version of a
    /// platform's disclosure, named by its version and SHA-256 (so the client proves
    /// which text it showed). The customer themself, or an agent at their word; audited.
    /// Consenting twice to the same version changes nothing.
    pub async fn accept_disclosure(
        &self,
        application_id: Uuid,
        platform_code: &str,
        version: i32,
        sha256: &str,
        caller: &Caller,
    ) -> DomainResult<DisclosureView> {
        caller.require(Permission::SelectPlatform)?;
        let application = self.application(application_id, false, caller).await?;
        if !matches!(
            application.status,
            ApplicationStatus::Assessed | ApplicationStatus::PlatformSelected
        ) {
            return Err(DomainError::Conflict(format!(
                "This application is {}; a platform's disclosure is accepted while it is ASSESSED or PLATFORM_SELECTED.",
                crate::applications::lifecycle::name(application.status)
            )));
        }
        let shown = version_of(self.db(), platform_code, version)
            .await?
            .ok_or_else(|| {
                DomainError::NotFound(format!(
                    "Platform {platform_code} has no disclosure version {version}."
                ))
            })?;
        if !shown.sha256.eq_ignore_ascii_case(sha256.trim()) {
            return Err(DomainError::validation(
                "sha256",
                "This is not the SHA-256 of that disclosure version; show the customer the current text and send its digest.",
            ));
        }
        let actor = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Only a person can consent.".into()))?;
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let inserted = disclosure_consent::ActiveModel {
            id: Set(Uuid::now_v7()),
            application_id: Set(application_id),
            customer_id: Set(application.customer_id),
            platform_code: Set(platform_code.to_owned()),
            version: Set(version),
            sha256: Set(shown.sha256.clone()),
            accepted_by: Set(actor.account_id),
            accepted_at: Set(to_millis(now)),
        }
        .insert(&txn)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                txn.rollback().await?;
                return Ok(DisclosureView::from(&shown));
            }
            Err(e) => return Err(e.into()),
        }
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "disclosure.accept",
                "application",
                Some(application_id.to_string()),
            )
            .after(json!({
                "platform": platform_code, "version": version, "sha256": shown.sha256,
            })),
        )
        .await?;
        txn.commit().await?;
        Ok(DisclosureView::from(&shown))
    }

    /// Whether this application's customer consented to this disclosure version.
    pub(super) async fn has_consented<C: ConnectionTrait>(
        db: &C,
        application: &installment_application::Model,
        platform_code: &str,
        version: i32,
    ) -> DomainResult<bool> {
        Ok(disclosure_consent::Entity::find()
            .filter(disclosure_consent::Column::ApplicationId.eq(application.id))
            .filter(disclosure_consent::Column::PlatformCode.eq(platform_code))
            .filter(disclosure_consent::Column::Version.eq(version))
            .one(db)
            .await?
            .is_some())
    }
}
