//! Stage 2: the installment application (分期申请), which carries a customer's need through
//! every later stage, and its one state machine ([`lifecycle`]).
//!
//! * `open.rs` — opening one (a customer for themself, an agent for a customer), linking
//!   the latest risk assessment or assessing anew;
//! * `steps.rs` — moving one along its state machine: the one way every stage changes
//!   an application's status, recorded and audited;
//! * `reads.rs` — one application, a customer's own, staff lists, with their history read
//!   for a whole page at once;
//! * `cancel.rs` — withdrawing one before the plan opens;
//! * `expiry.rs` — the scheduled end of applications idle too long;
//! * `erasure.rs` — what a customer's data deletion does to their applications.

mod cancel;
pub(crate) mod erasure;
mod expiry;
pub mod lifecycle;
mod open;
mod reads;
pub(crate) mod steps;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use entities::{application_transition, installment_application};

use crate::clock::from_millis;
use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::schedule::Frequency;

pub use expiry::EXPIRE_APPLICATIONS;
pub use lifecycle::{ApplicationStatus, NotAllowed, Step};
pub use open::NewApplication;
pub use reads::ApplicationFilter;

/// An application as its customer and staff see it.
#[derive(Debug, Clone)]
pub struct ApplicationView {
    /// Its id.
    pub id: Uuid,
    /// Whose it is.
    pub customer_id: Uuid,
    /// The amount wanted.
    pub amount: Money,
    /// What it is for, in the customer's words.
    pub purpose: String,
    /// Installments wanted.
    pub periods: u32,
    /// How often.
    pub frequency: Frequency,
    /// The most the customer wants to pay a month, if said.
    pub monthly_budget: Option<Money>,
    /// The day of the month payments fall due.
    pub payment_day: u32,
    /// Where it stands.
    pub status: ApplicationStatus,
    /// The risk assessment it rests on, once linked.
    pub assessment_id: Option<Uuid>,
    /// The platform selected, once selected.
    pub platform_code: Option<String>,
    /// Its product.
    pub product_code: Option<String>,
    /// The disclosure version the customer accepted for it.
    pub disclosure_version: Option<i32>,
    /// Why its signed plan has not opened on the platform yet.
    pub opening_error: Option<String>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// Its last change.
    pub updated_at: DateTime<Utc>,
    /// Every step so far, oldest first, when it was asked for.
    pub history: Option<Vec<TransitionView>>,
}

/// One step of an application's life.
#[derive(Debug, Clone)]
pub struct TransitionView {
    /// The state before (`None` for the opening).
    pub from: Option<ApplicationStatus>,
    /// The state after.
    pub to: ApplicationStatus,
    /// Who moved it: a role, or `system` for a scheduled job.
    pub actor_role: String,
    /// Why, in words.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

impl TryFrom<&installment_application::Model> for ApplicationView {
    type Error = DomainError;

    fn try_from(m: &installment_application::Model) -> DomainResult<Self> {
        Ok(Self {
            id: m.id,
            customer_id: m.customer_id,
            amount: Money::from_fen(m.amount_fen),
            purpose: m.purpose.clone(),
            periods: u32::try_from(m.periods)
                .map_err(|_| DomainError::Internal(format!("periods {}", m.periods)))?,
            frequency: Frequency::from_stored(&m.frequency).map_err(DomainError::Internal)?,
            monthly_budget: m.monthly_budget_fen.map(Money::from_fen),
            payment_day: u32::try_from(m.payment_day)
                .map_err(|_| DomainError::Internal(format!("payment day {}", m.payment_day)))?,
            status: m.status,
            assessment_id: m.assessment_id,
            platform_code: m.platform_code.clone(),
            product_code: m.product_code.clone(),
            disclosure_version: m.disclosure_version,
            opening_error: m.opening_error.clone(),
            created_at: from_millis(m.created_at),
            updated_at: from_millis(m.updated_at),
            history: None,
        })
    }
}

impl From<&application_transition::Model> for TransitionView {
    fn from(m: &application_transition::Model) -> Self {
        Self {
            from: m.from_status,
            to: m.to_status,
            actor_role: m.actor_role.clone(),
            reason: m.reason.clone(),
            at: from_millis(m.at),
        }
    }
}
