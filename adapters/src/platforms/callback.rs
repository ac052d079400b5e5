//! What a platform tells us on its own initiative (a callback), once verified and decoded.
//!
//! The wire form, which every partner follows (docs/platforms.md gives it with an example):
//!
//! ```json
//! { "eventId": "evt-7f3a", "type": "payment.succeeded", "planRef": "PA-0001",
//!   "sequence": 4, "occurredAt": "2026-11-30T08:00:00Z",
//!   "payment": { "reference": "PAY-9", "idempotencyKey": "entry-1:1", "amountFen": 100000 } }
//! ```
//!
//! `eventId` is unique per platform forever (a repeat is a duplicate or a replay);
//! `sequence` grows with every change of one plan, so an event that arrives after a later
//! one is recognised as stale.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::messages::PlanState;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// A debit went through.
    #[serde(rename = "payment.succeeded")]
    PaymentSucceeded,
    /// A debit failed (the reason says why).
    #[serde(rename = "payment.failed")]
    PaymentFailed,
    /// The plan changed state.
    #[serde(rename = "plan.status_changed")]
    PlanStatusChanged,
}

impl EventKind {
    /// The wire and stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaymentSucceeded => "payment.succeeded",
            Self::PaymentFailed => "payment.failed",
            Self::PlanStatusChanged => "plan.status_changed",
        }
    }
}

/// The money movement a payment event reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentReport {
    /// The platform's reference of the movement.
    pub reference: String,
    /// The key our collect carried, when the movement answers one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The amount, in fen.
    pub amount_fen: i64,
    /// Why it failed, for `payment.failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One verified callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallbackEvent {
    /// Unique per platform: the replay and duplicate guard.
    pub event_id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// The plan it concerns.
    pub plan_ref: String,
    /// The plan's change counter at this event.
    pub sequence: i64,
    /// When it happened at the platform.
    pub occurred_at: DateTime<Utc>,
    /// The movement, for payment events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentReport>,
    /// The new state, for `plan.status_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<PlanState>,
}

impl CallbackEvent {
    /// Checks what serde cannot: the fields each kind needs, and sane values. The reason
    /// is returned for the partner (a 400 answer).
    pub fn check(&self) -> Result<(), String> {
        if self.event_id.trim().is_empty() || self.event_id.len() > 128 {
            return Err("eventId must be 1 to 128 characters".into());
        }
        if self.plan_ref.trim().is_empty() || self.plan_ref.len() > 128 {
            return Err("planRef must be 1 to 128 characters".into());
        }
        if self.sequence < 0 {
            return Err("sequence must not be negative".into());
        }
        match self.kind {
            EventKind::PaymentSucceeded | EventKind::PaymentFailed => match &self.payment {
                None => Err(format!("a {} event needs a payment", self.kind.as_str())),
                Some(p) if p.amount_fen <= 0 => Err("payment.amountFen must be more than 0".into()),
                Some(p) if p.reference.trim().is_empty() || p.reference.len() > 128 => {
                    Err("payment.reference must be 1 to 128 characters".into())
                }
                Some(_) => Ok(()),
            },
            EventKind::PlanStatusChanged if self.state.is_none() => {
                Err("a plan.status_changed event needs a state".into())
            }
            EventKind::PlanStatusChanged => Ok(()),
        }
    }
}

/// The signature headers of a received callback, as received.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallbackHeaders<'a> {
    /// `X-Fenqi-Timestamp`.
    pub timestamp: Option<&'a str>,
    /// `X-Fenqi-Signature`.
    pub signature: Option<&'a str>,
}

/// Why a callback was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// The signature or its time window is wrong: someone other than the partner, or a
    /// replay of an old message (401).
    #[error("the callback's signature was refused: {0}")]
    Signature(#[from] crate::signing::SignatureError),
    /// Signed correctly but not a callback we can read (400).
    #[error("the callback cannot be read: {0}")]
    Malformed(String),
    /// This platform sends no callbacks (the bank's own ledger).
    #[error("this platform sends no callbacks")]
    Unsupported,
}
