//! Negotiation rounds (方案讨论) and final confirmation (最终确定).
//!
//! Each proposal is a numbered version of an application's terms with its author (the
//! customer or staff) and a comment, repriced and checked at once ([`super::terms`]):
//! terms the platform does not offer, or above the legal APR cap, are refused naming each
//! reason; terms outside the risk policy's automatic limits are kept but need a risk
//! officer's approval with a reason, and the approver is never the proposer
//! (maker-checker). Both sides then accept one specific version: the customer, and the
//! bank (an agent); accepting a version that is no longer the latest is a `CONFLICT`.
//! When both have accepted the latest version, the application is `AGREED`. The first
//! proposal moves a `PLATFORM_SELECTED` application to `NEGOTIATING`. Every step is
//! audited; the whole history is readable by the customer and staff.

use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use uuid::Uuid;

use entities::installment_application;
use entities::proposal::{self, Approval};

use crate::applications::{ApplicationStatus, Step, lifecycle, steps};
use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission, Role};
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::schedule::Frequency;
use crate::service::Domain;

use super::terms::{self, ProposedTerms};

/// Terms as a customer or staff member proposes them.
#[derive(Debug, Clone)]
pub struct ProposalInput {
    /// The application.
    pub application_id: Uuid,
    /// The amount, yuan.
    pub amount: Decimal,
    /// Installments.
    pub periods: u32,
    /// How often.
    pub frequency: Frequency,
    /// The day of the month payments fall due (1–28).
    pub payment_day: u32,
    /// The rate (staff only): the annual rate, or the fee per period of a fee-based
    /// product; the product's standard rate for the grade when not given.
    pub rate: Option<Decimal>,
    /// Why, in the author's words.
    pub comment: String,
}

/// One proposal as both sides read it.
#[derive(Debug, Clone)]
pub struct ProposalView {
    /// Its id.
    pub id: Uuid,
    /// The application.
    pub application_id: Uuid,
    /// 1, 2, … per application.
    pub version: i32,
    /// The author's role.
    pub author_role: String,
    /// The author's comment.
    pub comment: String,
    /// The product.
    pub product_code: String,
    /// The amount.
    pub amount: Money,
    /// Installments.
    pub periods: u32,
    /// How often.
    pub frequency: Frequency,
    /// The payment day.
    pub payment_day: u32,
    /// The rate.
    pub rate: Decimal,
    /// The APR as disclosed.
    pub apr: Decimal,
    /// The first payment.
    pub first_payment: Money,
    /// The largest payment.
    pub largest_payment: Money,
    /// Interest over the plan.
    pub total_interest: Money,
    /// Fees over the plan.
    pub total_fees: Money,
    /// The automatic limits it breaks: (code, message).
    pub breaks: Vec<(String, String)>,
    /// Its approval.
    pub approval: Approval,
    /// The risk officer's reason.
    pub decision_reason: Option<String>,
    /// When the customer accepted it.
    pub customer_accepted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the bank accepted it.
    pub bank_accepted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it was made.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl TryFrom<&proposal::Model> for ProposalView {
    type Error = DomainError;

    fn try_from(m: &proposal::Model) -> DomainResult<Self> {
        let dec = |s: &str| {
            s.parse::<Decimal>()
                .map_err(|e| DomainError::Internal(format!("proposal decimal {s}: {e}")))
        };
        let breaks: Vec<serde_json::Value> = serde_json::from_str(&m.breaks)
            .map_err(|e| DomainError::Internal(format!("proposal breaks: {e}")))?;
        Ok(Self {
            id: m.id,
            application_id: m.application_id,
            version: m.version,
            author_role: m.author_role.clone(),
            comment: m.comment.clone(),
            product_code: m.product_code.clone(),
            amount: Money::from_fen(m.amount_fen),
            periods: u32::try_from(m.periods).unwrap_or(0),
            frequency: Frequency::from_stored(&m.frequency).map_err(DomainError::Internal)?,
            payment_day: u32::try_from(m.payment_day).unwrap_or(0),
            rate: dec(&m.rate)?,
            apr: dec(&m.apr)?,
            first_payment: Money::from_fen(m.first_payment_fen),
            largest_payment: Money::from_fen(m.largest_payment_fen),
            total_interest: Money::from_fen(m.total_interest_fen),
            total_fees: Money::from_fen(m.total_fees_fen),
            breaks: breaks
                .iter()
                .map(|b| {
                    (
                        b["code"].as_str().unwrap_or_default().to_owned(),
                        b["message"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            approval: m.approval,
            decision_reason: m.decision_reason.clone(),
            customer_accepted_at: m.customer_accepted_at.map(from_millis),
            bank_accepted_at: m.bank_accepted_at.map(from_millis),
            created_at: from_millis(m.created_at),
        })
    }
}

fn not_found() -> DomainError {
    DomainError::NotFound("No proposal has this id.".into())
}

impl Domain {
    /// Proposes terms for an application: the customer for their own, or staff. Refused
    /// when the platform does not offer them or their APR is above the cap (each reason
    /// named); kept, pending a risk officer, when outside an automatic limit.
    pub async fn propose_terms(
        &self,
        input: ProposalInput,
        caller: &Caller,
    ) -> DomainResult<ProposalView> {
        caller.require(Permission::Negotiate)?;
        let actor = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Only a person proposes terms.".into()))?;
        if actor.role == Role::Customer && input.rate.is_some() {
            return Err(DomainError::validation(
                "rate",
                "The rate is the bank's to propose; leave it out to use the product's price.",
            ));
        }
        let comment = input.comment.trim().to_owned();
        if comment.chars().count() > 1000 {
            return Err(DomainError::validation(
                "comment",
                "Keep the comment within 1,000 characters.",
            ));
        }
        let amount = Money::try_from_yuan(input.amount)
            .ok()
            .filter(|m| m.is_positive())
            .ok_or_else(|| {
                DomainError::validation(
                    "amount",
                    "Give an amount above 0 in yuan with at most 2 decimals.",
                )
            })?;
        if !(1..=28).contains(&input.payment_day) {
            return Err(DomainError::validation(
                "paymentDay",
                "Give a payment day from 1 to 28.",
            ));
        }
        let (app, need, aff, products) = self.plan_inputs(input.application_id, caller).await?;
        let product_code = app.product_code.clone().ok_or_else(|| {
            DomainError::Conflict("This application has no product selected.".into())
        })?;
        let product = products
            .iter()
            .find(|p| p.code == product_code)
            .ok_or_else(|| DomainError::Internal("the selected product is gone".into()))?;
        let proposed = ProposedTerms {
            amount,
            periods: input.periods,
            frequency: input.frequency,
            payment_day: input.payment_day,
            rate: input.rate,
        };
        let limits = self.loan_limits()?;
        let checked = terms::check(
            &proposed,
            product,
            &need.grade,
            need.start_date,
            &aff,
            &limits,
        )
        .map_err(|refused| DomainError::validation("terms", refused.0.join(" ")))?;
        let breaks: Vec<serde_json::Value> = checked
            .needs_approval
            .iter()
            .map(|l| json!({ "code": l.code(), "message": l.describe() }))
            .collect();
        let approval = if breaks.is_empty() {
            Approval::NotNeeded
        } else {
            Approval::Pending
        };
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let model = installment_application::Entity::find_by_id(app.id)
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::NotFound("No application has this id.".into()))?;
        let version = proposal::Entity::find()
            .filter(proposal::Column::ApplicationId.eq(app.id))
            .order_by_desc(proposal::Column::Version)
            .one(&txn)
            .await?
            .map_or(1, |p| p.version + 1);
        if model.status == ApplicationStatus::PlatformSelected {
            steps::take(
                &txn,
                &model,
                Step::Negotiate,
                caller,
                "the first proposal",
                now,
                |u| u,
            )
            .await?;
        } else if model.status != ApplicationStatus::Negotiating {
            return Err(DomainError::Conflict(format!(
                "This application is {}; terms are proposed while negotiating.",
                lifecycle::name(model.status)
            )));
        }
        let saved = proposal::ActiveModel {
            id: Set(Uuid::now_v7()),
            application_id: Set(app.id),
            version: Set(version),
            author_id: Set(actor.account_id),
            author_role: Set(actor.role.as_str().to_owned()),
            comment: Set(comment),
            product_code: Set(product_code),
            amount_fen: Set(amount.to_fen()),
            periods: Set(i32::try_from(input.periods).unwrap_or(i32::MAX)),
            frequency: Set(input.frequency.stored().to_owned()),
            payment_day: Set(i32::try_from(input.payment_day).unwrap_or(1)),
            rate: Set(checked.rate.normalize().to_string()),
            apr: Set(checked.quote.apr.to_string()),
            first_payment_fen: Set(checked.first_payment.to_fen()),
            largest_payment_fen: Set(checked.largest_payment.to_fen()),
            total_interest_fen: Set(checked.quote.total_interest.to_fen()),
            total_fees_fen: Set(checked.quote.total_fees.to_fen()),
            breaks: Set(serde_json::Value::Array(breaks).to_string()),
            approval: Set(approval),
            decided_by: Set(None),
            decision_reason: Set(None),
            decided_at: Set(None),
            customer_accepted_at: Set(None),
            bank_accepted_at: Set(None),
            bank_accepted_by: Set(None),
            created_at: Set(to_millis(now)),
        }
        .insert(&txn)
        .await?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new("proposal.propose", "application", Some(app.id.to_string())).after(
                json!({
                    "version": version, "amount": amount.to_string(), "periods": input.periods,
                    "rate": saved.rate, "apr": saved.apr, "approval": format!("{approval:?}"),
                }),
            ),
        )
        .await?;
        txn.commit().await?;
        ProposalView::try_from(&saved)
    }

    /// A proposal the caller may see (its application's customer, or staff).
    async fn proposal_for(&self, id: Uuid, caller: &Caller) -> DomainResult<proposal::Model> {
        let p = proposal::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(not_found)?;
        self.application(p.application_id, false, caller)
            .await
            .map_err(|e| match e {
                DomainError::NotFound(_) => not_found(),
                other => other,
            })?;
        Ok(p)
    }

    /// A risk officer approves or rejects a proposal outside the automatic limits, with
    /// a reason; never their own proposal. Audited.
    pub async fn decide_proposal(
        &self,
        id: Uuid,
        approve: bool,
        reason: &str,
        caller: &Caller,
    ) -> DomainResult<ProposalView> {
        caller.require(Permission::DecideProposal)?;
        let actor = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Only a risk officer decides.".into()))?;
        let reason = reason.trim();
        if !(5..=1000).contains(&reason.chars().count()) {
            return Err(DomainError::validation(
                "reason",
                "Give the reason in 5 to 1,000 characters.",
            ));
        }
        let p = self.proposal_for(id, caller).await?;
        if p.author_id == actor.account_id {
            return Err(DomainError::Forbidden(
                "A proposal is approved by a risk officer other than its author.".into(),
            ));
        }
        let now = self.now();
        let decision = if approve {
            Approval::Approved
        } else {
            Approval::Rejected
        };
        let txn = begin_write(self.db()).await?;
        let updated = proposal::Entity::update_many()
            .col_expr(proposal::Column::Approval, Expr::value(decision))
            .col_expr(proposal::Column::DecidedBy, Expr::value(actor.account_id))
            .col_expr(
                proposal::Column::DecisionReason,
                Expr::value(reason.to_owned()),
            )
            .col_expr(proposal::Column::DecidedAt, Expr::value(to_millis(now)))
            .filter(proposal::Column::Id.eq(id))
            .filter(proposal::Column::Approval.eq(Approval::Pending))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            return Err(DomainError::Conflict(format!(
                "This proposal is {:?}; only a pending one is decided.",
                p.approval
            )));
        }
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                if approve {
                    "proposal.approve"
                } else {
                    "proposal.reject"
                },
                "application",
                Some(p.application_id.to_string()),
            )
            .after(json!({ "version": p.version, "reason": reason })),
        )
        .await?;
        let saved = proposal::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(not_found)?;
        txn.commit().await?;
        ProposalView::try_from(&saved)
    }

    /// The customer, or the bank (an agent), accepts one specific version. Only the
    /// latest version may be accepted (`CONFLICT` otherwise), and only one within the
    /// limits or approved. When both sides have accepted it, the application is
    /// `AGREED`. Audited.
    pub async fn accept_proposal(&self, id: Uuid, caller: &Caller) -> DomainResult<ProposalView> {
        caller.require(Permission::AcceptProposal)?;
        let actor = caller
            .actor
            .ok_or_else(|| DomainError::Forbidden("Only a person accepts.".into()))?;
        let p = self.proposal_for(id, caller).await?;
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let latest = proposal::Entity::find()
            .filter(proposal::Column::ApplicationId.eq(p.application_id))
            .order_by_desc(proposal::Column::Version)
            .one(&txn)
            .await?
            .ok_or_else(not_found)?;
        if latest.id != p.id {
            return Err(DomainError::Conflict(format!(
                "Version {} is no longer the latest: version {} is; read the proposals again.",
                p.version, latest.version
            )));
        }
        if matches!(latest.approval, Approval::Pending | Approval::Rejected) {
            return Err(DomainError::Conflict(format!(
                "Version {} is outside the automatic limits and {}; it cannot be accepted.",
                p.version,
                if latest.approval == Approval::Pending {
                    "waits for a risk officer"
                } else {
                    "was rejected by a risk officer"
                }
            )));
        }
        let customer = actor.role == Role::Customer;
        let mut update = proposal::Entity::update_many().filter(proposal::Column::Id.eq(id));
        update = if customer {
            update
                .col_expr(
                    proposal::Column::CustomerAcceptedAt,
                    Expr::value(to_millis(now)),
                )
                .filter(proposal::Column::CustomerAcceptedAt.is_null())
        } else {
            update
                .col_expr(
                    proposal::Column::BankAcceptedAt,
                    Expr::value(to_millis(now)),
                )
                .col_expr(
                    proposal::Column::BankAcceptedBy,
                    Expr::value(actor.account_id),
                )
                .filter(proposal::Column::BankAcceptedAt.is_null())
        };
        update.exec(&txn).await?;
        let saved = proposal::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(not_found)?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "proposal.accept",
                "application",
                Some(p.application_id.to_string()),
            )
            .after(
                json!({ "version": p.version, "side": if customer { "customer" } else { "bank" } }),
            ),
        )
        .await?;
        if saved.customer_accepted_at.is_some() && saved.bank_accepted_at.is_some() {
            let model = installment_application::Entity::find_by_id(p.application_id)
                .one(&txn)
                .await?
                .ok_or_else(|| DomainError::NotFound("No application has this id.".into()))?;
            let reason = format!("both sides accepted version {}", p.version);
            steps::take(&txn, &model, Step::Agree, caller, &reason, now, |u| u).await?;
        }
        txn.commit().await?;
        ProposalView::try_from(&saved)
    }

    /// Every proposal of an application, oldest first: its customer, or staff.
    pub async fn proposals(
        &self,
        application_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<Vec<ProposalView>> {
        caller.require(Permission::ReadProposals)?;
        self.application(application_id, false, caller).await?;
        proposal::Entity::find()
            .filter(proposal::Column::ApplicationId.eq(application_id))
            .order_by_asc(proposal::Column::Version)
            .all(self.db())
            .await?
            .iter()
            .map(ProposalView::try_from)
            .collect()
    }
}
