//! Negotiation proposals as both sides read them.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use domain::negotiation::proposals::ProposalView;
use entities::proposal::Approval;

use crate::graphql::scalars::Decimal;

use super::customer::FrequencyGql;
use super::money::money;
use super::negotiation::BrokenLimit;

/// Whether a proposal needs, has or was refused a risk officer's approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "ProposalApproval", remote = "Approval")]
pub enum ApprovalGql {
    /// Within every automatic limit.
    NotNeeded,
    /// Outside an automatic limit: waiting for a risk officer.
    Pending,
    /// Approved by a risk officer who is not its author.
    Approved,
    /// Refused by a risk officer.
    Rejected,
}

/// One numbered proposal.
#[derive(SimpleObject)]
pub struct Proposal {
    /// Its id.
    pub id: ID,
    /// The application.
    pub application_id: ID,
    /// 1, 2, … per application.
    pub version: i32,
    /// The author's role (`customer`, `agent`, `risk_officer`).
    pub author_role: String,
    /// The author's comment.
    pub comment: String,
    /// The product.
    pub product_code: String,
    /// The amount, yuan.
    pub amount: Decimal,
    /// Installments.
    pub periods: u32,
    /// How often.
    pub frequency: FrequencyGql,
    /// The payment day.
    pub payment_day: u32,
    /// The annual rate, or the fee per period of a fee-based product.
    pub rate: Decimal,
    /// The APR, disclosed to 0.01 %.
    pub apr: Decimal,
    /// The first payment.
    pub first_payment: Decimal,
    /// The largest payment.
    pub largest_payment: Decimal,
    /// Interest over the plan.
    pub total_interest: Decimal,
    /// Fees over the plan.
    pub total_fees: Decimal,
    /// The automatic limits it breaks (each needs a risk officer's approval).
    pub breaks: Vec<BrokenLimit>,
    /// Its approval.
    pub approval: ApprovalGql,
    /// The risk officer's reason.
    pub decision_reason: Option<String>,
    /// When the customer accepted it.
    pub customer_accepted_at: Option<DateTime<Utc>>,
    /// When the bank accepted it.
    pub bank_accepted_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl From<ProposalView> for Proposal {
    fn from(p: ProposalView) -> Self {
        Self {
            id: ID(p.id.to_string()),
            application_id: ID(p.application_id.to_string()),
            version: p.version,
            author_role: p.author_role,
            comment: p.comment,
            product_code: p.product_code,
            amount: money(p.amount),
            periods: p.periods,
            frequency: p.frequency.into(),
            payment_day: p.payment_day,
            rate: Decimal(p.rate),
            apr: Decimal(p.apr),
            first_payment: money(p.first_payment),
            largest_payment: money(p.largest_payment),
            total_interest: money(p.total_interest),
            total_fees: money(p.total_fees),
            breaks: p
                .breaks
                .into_iter()
                .map(|(code, message)| BrokenLimit { code, message })
                .collect(),
            approval: p.approval.into(),
            decision_reason: p.decision_reason,
            customer_accepted_at: p.customer_accepted_at,
            bank_accepted_at: p.bank_accepted_at,
            created_at: p.created_at,
        }
    }
}
