//! Issuing the agreement (协议) once both sides have agreed: the document rendered from
//! the accepted proposal in the customer's language, its SHA-256 fixed at issue; reading
//! it (the customer's own, or staff); and `verify_agreement`, which recomputes the digest
//! and renders the stored facts again, answering intact or tampered and naming what
//! differs.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use adapters::platforms::{PlanMethod, Product};
use entities::{agreement, installment_platform, platform_disclosure, proposal};

use crate::applications::{ApplicationStatus, lifecycle};
use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission};
use crate::clock::{from_millis, to_millis};
use crate::db::{begin_write, is_unique_violation};
use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::platforms::registry::parse_products;
use crate::platforms::repayment_method;
use crate::schedule::{Frequency, LoanTerms, LoanTermsInput, quote};
use crate::service::Domain;

use super::capital::capital;
use super::render::{Facts, Row, TEMPLATE_VERSION, render};

/// An issued agreement.
#[derive(Debug, Clone)]
pub struct AgreementView {
    /// Its id (also its number).
    pub id: Uuid,
    /// The application.
    pub application_id: Uuid,
    /// The customer.
    pub customer_id: Uuid,
    /// The template's version.
    pub template: String,
    /// `zh-CN` or `en`.
    pub language: String,
    /// SHA-256 (hex) of the document, fixed at issue.
    pub sha256: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// The document (HTML).
    pub html: String,
}

impl From<&agreement::Model> for AgreementView {
    fn from(m: &agreement::Model) -> Self {
        Self {
            id: m.id,
            application_id: m.application_id,
            customer_id: m.customer_id,
            template: m.template.clone(),
            language: m.language.clone(),
            sha256: m.sha256.clone(),
            issued_at: from_millis(m.issued_at),
            html: m.html.clone(),
        }
    }
}

/// The answer of `verify_agreement`.
#[derive(Debug, Clone)]
pub struct Verification {
    /// True when nothing differs.
    pub intact: bool,
    /// What differs, in words.
    pub differences: Vec<String>,
}

fn digest(html: &str) -> String {
    hex::encode(Sha256::digest(html.as_bytes()))
}

fn pct(rate: Decimal) -> String {
    format!("{:.2} %", (rate * Decimal::ONE_HUNDRED).round_dp(2))
}

fn method_name(m: PlanMethod, zh: bool) -> &'static str {
    match (m, zh) {
        (PlanMethod::EqualInstallment, true) => "等额本息",
        (PlanMethod::EqualPrincipal, true) => "等额本金",
        (PlanMethod::InterestFirst, true) => "先息后本",
        (PlanMethod::FeeBased, true) => "分期手续费",
        (PlanMethod::EqualInstallment, false) => "equal installments",
        (PlanMethod::EqualPrincipal, false) => "equal principal",
        (PlanMethod::InterestFirst, false) => "interest first",
        (PlanMethod::FeeBased, false) => "a fee each period",
    }
}

fn terms_text(product: &Product, zh: bool) -> (String, String) {
    let late = &product.late_charge;
    let pre = &product.prepayment;
    if zh {
        (
            format!(
                "逾期宽限 {} 日后，按逾期金额每日 {} 计收罚息。",
                late.grace_days,
                pct(late.daily_rate)
            ),
            if pre.allowed {
                format!(
                    "已还 {} 期后可提前还款，手续费为提前偿还本金的 {}。",
                    pre.min_periods_paid,
                    pct(pre.fee_rate)
                )
            } else {
                "不允许提前还款。".to_owned()
            },
        )
    } else {
        (
            format!(
                "After {} days of grace, penalty interest of {} a day on the overdue amount.",
                late.grace_days,
                pct(late.daily_rate)
            ),
            if pre.allowed {
                format!(
                    "Allowed after {} installments; the fee is {} of the principal repaid early.",
                    pre.min_periods_paid,
                    pct(pre.fee_rate)
                )
            } else {
                "Not allowed.".to_owned()
            },
        )
    }
}

impl Domain {
    /// Issues the agreement of an `AGREED` application from the version both sides
    /// accepted (agents); once: issuing again answers the agreement issued. Audited.
    pub async fn issue_agreement(
        &self,
        application_id: Uuid,
        language: Option<&str>,
        caller: &Caller,
    ) -> DomainResult<AgreementView> {
        caller.require(Permission::IssueAgreement)?;
        let actor = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Only an agent issues agreements.".into()))?;
        let app = self.application(application_id, false, caller).await?;
        if let Some(done) = agreement::Entity::find()
            .filter(agreement::Column::ApplicationId.eq(application_id))
            .one(self.db())
            .await?
        {
            return Ok(AgreementView::from(&done));
        }
        if app.status != ApplicationStatus::Agreed {
            return Err(DomainError::Conflict(format!(
                "This application is {}; an agreement is issued once both sides agreed.",
                lifecycle::name(app.status)
            )));
        }
        let accepted = proposal::Entity::find()
            .filter(proposal::Column::ApplicationId.eq(application_id))
            .filter(proposal::Column::CustomerAcceptedAt.is_not_null())
            .filter(proposal::Column::BankAcceptedAt.is_not_null())
            .order_by_desc(proposal::Column::Version)
            .one(self.db())
            .await?
            .ok_or_else(|| {
                DomainError::Internal("an agreed application without an accepted proposal".into())
            })?;
        let customer = self.read_customer(app.customer_id, caller).await?.view;
        let language = match language.unwrap_or(&customer.preferred_language) {
            "en" => "en",
            _ => "zh-CN",
        };
        let zh = language == "zh-CN";
        let platform_code = app.platform_code.clone().unwrap_or_default();
        let platform = installment_platform::Entity::find_by_id(platform_code.clone())
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("the selected platform is missing".into()))?;
        let product = parse_products(&platform)?
            .into_iter()
            .find(|p| p.code == accepted.product_code)
            .ok_or_else(|| DomainError::Internal("the agreed product is gone".into()))?;
        let disclosure = platform_disclosure::Entity::find()
            .filter(platform_disclosure::Column::PlatformCode.eq(platform_code.as_str()))
            .filter(platform_disclosure::Column::Version.eq(app.disclosure_version.unwrap_or(0)))
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("the accepted disclosure is missing".into()))?;
        let rate: Decimal = accepted
            .rate
            .parse()
            .map_err(|e| DomainError::Internal(format!("proposal rate: {e}")))?;
        let frequency =
            Frequency::from_stored(&accepted.frequency).map_err(DomainError::Internal)?;
        let fee_based = product.method == PlanMethod::FeeBased;
        let now = self.now();
        let local = now.with_timezone(&self.settings().timezone);
        let limits = self.loan_limits()?;
        let priced = LoanTerms::new(
            LoanTermsInput {
                principal: Money::from_fen(accepted.amount_fen).amount(),
                annual_rate: if fee_based { Decimal::ZERO } else { rate },
                period_fee_rate: fee_based.then_some(rate),
                periods: i64::from(accepted.periods),
                frequency,
                method: repayment_method(product.method),
                start_date: local.date_naive(),
                payment_day: i64::from(accepted.payment_day),
            },
            &limits,
        )
        .and_then(|t| quote(&t, &limits))
        .map_err(|e| {
            DomainError::Conflict(format!("The agreed terms no longer price: {}", e.message))
        })?;
        let id = Uuid::now_v7();
        let (late, prepay) = terms_text(&product, zh);
        let periods_text = if zh {
            format!(
                "{} 期（{}）",
                accepted.periods,
                if frequency == Frequency::Monthly {
                    "按月"
                } else {
                    "按季"
                }
            )
        } else {
            format!(
                "{} installments, {}",
                accepted.periods,
                frequency.as_str().to_lowercase()
            )
        };
        let facts = Facts {
            language: language.to_owned(),
            number: id.to_string(),
            issued_on: local.date_naive().to_string(),
            customer_name: customer.full_name.clone(),
            id_number_masked: customer.id_number_masked.clone().unwrap_or_default(),
            lender: platform.name.clone(),
            product: product.name.clone(),
            amount: format!(
                "{} {}",
                Money::from_fen(accepted.amount_fen),
                if zh { "元" } else { "yuan" }
            ),
            amount_capital: capital(Money::from_fen(accepted.amount_fen)),
            method: method_name(product.method, zh).to_owned(),
            term: periods_text,
            rate: if fee_based {
                format!(
                    "{} {}",
                    pct(rate),
                    if zh {
                        "每期手续费"
                    } else {
                        "fee per period"
                    }
                )
            } else {
                format!("{} {}", pct(rate), if zh { "年利率" } else { "a year" })
            },
            apr: pct(priced.apr),
            total_interest: priced.total_interest.to_string(),
            total_fees: priced.total_fees.to_string(),
            payment_day: u32::try_from(accepted.payment_day).unwrap_or(1),
            late_charge: late,
            prepayment: prepay,
            disclosure: [
                disclosure.policy_text.clone(),
                disclosure.fee_text.clone(),
                disclosure.sha256.clone(),
            ],
            rows: priced
                .schedule
                .entries()
                .iter()
                .map(|e| Row {
                    period: e.period,
                    due_date: e.due_date.to_string(),
                    amounts: [
                        e.payment.to_string(),
                        e.principal.to_string(),
                        e.interest.to_string(),
                        e.fee.to_string(),
                        e.remaining_principal.to_string(),
                    ],
                })
                .collect(),
        };
        let html = render(&facts);
        let sha = digest(&html);
        let facts_json =
            serde_json::to_string(&facts).map_err(|e| DomainError::Internal(e.to_string()))?;
        let txn = begin_write(self.db()).await?;
        let saved = agreement::ActiveModel {
            id: Set(id),
            application_id: Set(application_id),
            proposal_id: Set(accepted.id),
            customer_id: Set(app.customer_id),
            template: Set(TEMPLATE_VERSION.to_owned()),
            language: Set(language.to_owned()),
            facts: Set(facts_json),
            html: Set(html),
            sha256: Set(sha.clone()),
            issued_by: Set(actor.account_id),
            issued_at: Set(to_millis(now)),
        }
        .insert(&txn)
        .await;
        let saved = match saved {
            Ok(saved) => saved,
            Err(e) if is_unique_violation(&e) => {
                txn.rollback().await?;
                let done = agreement::Entity::find()
                    .filter(agreement::Column::ApplicationId.eq(application_id))
                    .one(self.db())
                    .await?
                    .ok_or_else(|| DomainError::Internal("an agreement vanished".into()))?;
                return Ok(AgreementView::from(&done));
            }
            Err(e) => return Err(e.into()),
        };
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "agreement.issue",
                "application",
                Some(application_id.to_string()),
            )
            .after(json!({
                "agreement": id.to_string(), "version": accepted.version, "sha256": sha,
                "template": TEMPLATE_VERSION, "language": language,
            })),
        )
        .await?;
        txn.commit().await?;
        Ok(AgreementView::from(&saved))
    }

    /// One agreement: its customer's own, or any for staff.
    pub async fn agreement(&self, id: Uuid, caller: &Caller) -> DomainResult<AgreementView> {
        Ok(AgreementView::from(
            &self.agreement_record(id, caller).await?,
        ))
    }

    /// The stored agreement, if the caller may read it (its customer, or staff).
    pub(super) async fn agreement_record(
        &self,
        id: Uuid,
        caller: &Caller,
    ) -> DomainResult<agreement::Model> {
        caller.require(Permission::ReadAgreement)?;
        let found = agreement::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("No agreement has this id.".into()))?;
        self.application(found.application_id, false, caller)
            .await
            .map_err(|e| match e {
                DomainError::NotFound(_) => {
                    DomainError::NotFound("No agreement has this id.".into())
                }
                other => other,
            })?;
        Ok(found)
    }

    /// Recomputes the document's digest and renders its stored facts again: intact, or
    /// tampered naming what differs.
    pub async fn verify_agreement(&self, id: Uuid, caller: &Caller) -> DomainResult<Verification> {
        let stored = self.agreement_record(id, caller).await?;
        let differences = differences(&stored);
        Ok(Verification {
            intact: differences.is_empty(),
            differences,
        })
    }
}

/// What no longer holds of a stored agreement: its document against the SHA-256 fixed at
/// issue, and its stored facts against its document. Empty when it is intact.
pub(super) fn differences(stored: &agreement::Model) -> Vec<String> {
    let mut differences = Vec::new();
    if digest(&stored.html) != stored.sha256 {
        differences.push(
            "The document's text does not match the SHA-256 fixed when it was issued.".to_owned(),
        );
    }
    // The facts render again to the same bytes under the template they were issued
    // with; an agreement of an older template is checked by its digest alone.
    if stored.template == TEMPLATE_VERSION {
        match serde_json::from_str::<Facts>(&stored.facts) {
            Ok(facts) if render(&facts) != stored.html => differences.push(
                "The stored terms no longer give this document: the terms or the document were changed.".to_owned(),
            ),
            Ok(_) => {}
            Err(_) => differences.push("The stored terms cannot be read.".to_owned()),
        }
    }
    differences
}
