//! Callbacks the simulated partner sends us: signed `CallbackEvent` JSON posted to our
//! callback URL, exactly as `HttpPlatform::parse_callback` expects, with the callback
//! faults ([`CallbackFault`]) applied on the way out so tests can prove what the receiver
//! does with lost, repeated, reordered, forged and replayed events.
//!
//! Events are built from the books: a payment event carries the movement's reference,
//! key, amount and sequence; a status event the plan's new state and sequence. Event ids
//! are derived from what they report (`evt-PAY-000001`, `evt-PA-000001-3`), so they are
//! unique per partner and a duplicate repeats its id.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::platforms::callback::{CallbackEvent, EventKind, PaymentReport};
use crate::platforms::messages::{CollectOutcome, PlanStatus};
use crate::signing::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};

use super::book::Movement;
use super::config::Clock;
use super::faults::CallbackFault;

/// The key forged callbacks are signed with: not the shared secret.
const FORGED_KEY: &[u8] = b"not-the-partner-secret";

/// How old a stale callback's timestamp is: twice the default replay window.
const STALE_BY_SECONDS: i64 = 600;

/// How long one delivery may take before it counts as failed.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a callback could not be delivered (the receiver's refusals are statuses, not
/// errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackSendError {
    /// No callback URL is set yet.
    #[error("no callback URL is set")]
    NoCallbackUrl,
    /// The event could not be encoded.
    #[error("the event cannot be encoded: {0}")]
    Encode(String),
    /// The receiver could not be reached or did not answer in time.
    #[error("the callback could not be delivered: {0}")]
    Transport(String),
}

/// The payment event reporting `movement`: `payment.succeeded` when money moved,
/// otherwise `payment.failed` with the reason.
pub fn payment_event(movement: &Movement) -> CallbackEvent {
    let (kind, reason) = match &movement.outcome {
        CollectOutcome::Succeeded { .. } | CollectOutcome::Pending { .. } => {
            (EventKind::PaymentSucceeded, None)
        }
        CollectOutcome::InsufficientFunds => (
            EventKind::PaymentFailed,
            Some("insufficient funds".to_owned()),
        ),
        CollectOutcome::AccountClosed => {
            (EventKind::PaymentFailed, Some("account closed".to_owned()))
        }
        CollectOutcome::Rejected { reason } => (EventKind::PaymentFailed, Some(reason.clone())),
    };
    CallbackEvent {
        event_id: format!("evt-{}", movement.reference),
        kind,
        plan_ref: movement.plan_ref.clone(),
        sequence: movement.sequence,
        occurred_at: movement.occurred_at,
        payment: Some(PaymentReport {
            reference: movement.reference.clone(),
            idempotency_key: Some(movement.idempotency_key.clone()),
            amount_fen: movement.amount_fen,
            reason,
        }),
        state: None,
    }
}

/// The status event reporting that a plan reached `status` at `at`.
pub fn plan_event(status: &PlanStatus, at: chrono::DateTime<chrono::Utc>) -> CallbackEvent {
    CallbackEvent {
        event_id: format!("evt-{}-{}", status.plan_ref, status.sequence),
        kind: EventKind::PlanStatusChanged,
        plan_ref: status.plan_ref.clone(),
        sequence: status.sequence,
        occurred_at: at,
        payment: None,
        state: Some(status.state),
    }
}

#[derive(Debug, Default)]
struct State {
    url: Option<String>,
    fault: CallbackFault,
    held: Vec<CallbackEvent>,
}

/// The sending side: where to, which fault, the events held back, and the HTTP client.
pub(super) struct Callbacks {
    secret: crate::secret::Secret,
    now: Clock,
    client: reqwest::Client,
    state: Mutex<State>,
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callbacks")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Callbacks {
    /// A sender signing with `secret` on `now`. Its client keeps no idle connections, so
    /// it may be used from the handle's runtime and the server's alike.
    pub(super) fn new(
        secret: crate::secret::Secret,
        now: Clock,
        url: Option<String>,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(DELIVERY_TIMEOUT)
            .pool_max_idle_per_host(0)
            .build()?;
        Ok(Self {
            secret,
            now,
            client,
            state: Mutex::new(State {
                url,
                ..State::default()
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets where callbacks go.
    pub(super) fn set_url(&self, url: Option<String>) {
        self.lock().url = url;
    }

    /// Sets the fault for the callbacks that follow.
    pub(super) fn set_fault(&self, fault: CallbackFault) {
        self.lock().fault = fault;
    }

    /// How many events are held back for a flush.
    pub(super) fn held(&self) -> usize {
        self.lock().held.len()
    }

    /// Sends `event` as the current fault dictates: the statuses the receiver answered,
    /// one per delivery (none when dropped or held back).
    pub(super) async fn send(&self, event: &CallbackEvent) -> Result<Vec<u16>, CallbackSendError> {
        let (url, fault) = {
            let mut state = self.lock();
            let url = state.url.clone().ok_or(CallbackSendError::NoCallbackUrl)?;
            if state.fault == CallbackFault::Reordered {
                state.held.push(event.clone());
                return Ok(Vec::new());
            }
            (url, state.fault)
        };
        let times = match fault {
            CallbackFault::Dropped => 0,
            CallbackFault::Duplicated => 2,
            _ => 1,
        };
        let mut statuses = Vec::with_capacity(times);
        for _ in 0..times {
            statuses.push(self.post(&url, event, fault).await?);
        }
        Ok(statuses)
    }

    /// Sends the held-back events, newest first, signed correctly: the statuses in the
    /// order sent.
    pub(super) async fn flush(&self) -> Result<Vec<u16>, CallbackSendError> {
        let (url, held) = {
            let mut state = self.lock();
            let url = state.url.clone().ok_or(CallbackSendError::NoCallbackUrl)?;
            (url, std::mem::take(&mut state.held))
        };
        let mut statuses = Vec::with_capacity(held.len());
        for event in held.iter().rev() {
            statuses.push(self.post(&url, event, CallbackFault::None).await?);
        }
        Ok(statuses)
    }

    /// One signed POST of `event`.
    async fn post(
        &self,
        url: &str,
        event: &CallbackEvent,
        fault: CallbackFault,
    ) -> Result<u16, CallbackSendError> {
        let body =
            serde_json::to_vec(event).map_err(|e| CallbackSendError::Encode(e.to_string()))?;
        let mut timestamp = (self.now)().timestamp();
        if fault == CallbackFault::Stale {
            timestamp -= STALE_BY_SECONDS;
        }
        let key = match fault {
            CallbackFault::Forged => FORGED_KEY,
            _ => self.secret.expose().as_bytes(),
        };
        let signature = signing::sign(key, timestamp, &body);
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| CallbackSendError::Transport(e.to_string()))?;
        Ok(response.status().as_u16())
    }
}
