//! The installment application as clients see it.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use domain::applications::{ApplicationStatus, ApplicationView, TransitionView};

use crate::graphql::scalars::Decimal;

use super::customer::FrequencyGql;
use super::money::money;

/// Where an application stands in its one state machine (see docs/applications.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "ApplicationStatus", remote = "ApplicationStatus")]
pub enum ApplicationStatusGql {
    /// Opened; no usable risk assessment linked yet.
    Draft,
    /// A risk assessment that allows it is linked.
    Assessed,
    /// A platform was chosen after consent to its disclosure.
    PlatformSelected,
    /// Proposals are being exchanged.
    Negotiating,
    /// Both sides accepted one proposal version.
    Agreed,
    /// The agreement is signed.
    Signed,
    /// The plan is open and being repaid.
    Active,
    /// Repaid or otherwise finished.
    Closed,
    /// Refused by the risk decision or in negotiation.
    Declined,
    /// Withdrawn before the plan opened.
    Cancelled,
    /// Idle too long.
    Expired,
}

/// One step of an application's life: who moved it, when, from what to what, and why.
#[derive(SimpleObject)]
pub struct ApplicationTransition {
    /// The state before (none for the opening).
    pub from: Option<ApplicationStatusGql>,
    /// The state after.
    pub to: ApplicationStatusGql,
    /// The role that moved it, or `system` for a scheduled job.
    pub actor_role: String,
    /// Why, in words.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<TransitionView> for ApplicationTransition {
    fn from(t: TransitionView) -> Self {
        Self {
            from: t.from.map(Into::into),
            to: t.to.into(),
            actor_role: t.actor_role,
            reason: t.reason,
            at: t.at,
        }
    }
}

/// An installment application (分期申请): a customer's need, carried through every stage.
#[derive(SimpleObject)]
pub struct Application {
    /// The application id.
    pub id: ID,
    /// Whose it is.
    pub customer_id: ID,
    /// The amount wanted, in yuan.
    pub amount: Decimal,
    /// What it is for.
    pub purpose: String,
    /// Installments wanted.
    pub periods: u32,
    /// How often.
    pub frequency: FrequencyGql,
    /// The most the customer wants to pay a month.
    pub monthly_budget: Option<Decimal>,
    /// The day of the month payments fall due.
    pub payment_day: u32,
    /// Where it stands.
    pub status: ApplicationStatusGql,
    /// The risk assessment it rests on, once linked.
    pub assessment_id: Option<ID>,
    /// The platform selected, once selected.
    pub platform_code: Option<String>,
    /// Its product.
    pub product_code: Option<String>,
    /// The disclosure version the customer accepted for it.
    pub disclosure_version: Option<i32>,
    /// Why its signed plan has not opened on the platform yet (a job retries).
    pub opening_error: Option<String>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// Its last change.
    pub updated_at: DateTime<Utc>,
    /// Every step so far, oldest first (read for a whole page in one statement).
    pub history: Vec<ApplicationTransition>,
}

impl From<ApplicationView> for Application {
    fn from(v: ApplicationView) -> Self {
        Self {
            id: ID(v.id.to_string()),
            customer_id: ID(v.customer_id.to_string()),
            amount: money(v.amount),
            purpose: v.purpose,
            periods: v.periods,
            frequency: v.frequency.into(),
            monthly_budget: v.monthly_budget.map(money),
            payment_day: v.payment_day,
            status: v.status.into(),
            assessment_id: v.assessment_id.map(|i| ID(i.to_string())),
            platform_code: v.platform_code,
            product_code: v.product_code,
            disclosure_version: v.disclosure_version,
            opening_error: v.opening_error,
            created_at: v.created_at,
            updated_at: v.updated_at,
            history: v
                .history
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        }
    }
}
