//! What can go wrong with a partner, switchable while it runs, so tests can prove the
//! client's answer to each failure: faults on our requests ([`Fault`]) and faults on the
//! callbacks it sends us ([`CallbackFault`]).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How the simulated partner treats the requests that follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    /// A healthy partner.
    #[default]
    None,
    /// Waits this long before handling the request, then answers normally: a slow
    /// partner (a client timeout shorter than this sees no answer and nothing happens).
    Latency(Duration),
    /// Answers this status (503, 500, 429…) with a signed JSON error, before looking at
    /// the request: an outage. Nothing is processed.
    Outage(u16),
    /// Processes the request (money moves, the outcome is remembered under its key), then
    /// waits this long before answering: the answer lost to a client timeout. A retry
    /// with the same key must get the first outcome without moving money again.
    ProcessThenStall(Duration),
    /// Processes the request and answers with the right body signed with the wrong key:
    /// an answer that must not be trusted.
    ForgedSignature,
    /// Processes the request and answers 200 with a correctly signed body that is not
    /// JSON.
    Malformed,
}

/// How the simulated partner treats the callbacks it sends from now on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallbackFault {
    /// Each callback is sent once, signed correctly.
    #[default]
    None,
    /// Callbacks are lost: nothing is sent.
    Dropped,
    /// Each callback is sent twice, identically: the receiver must deduplicate.
    Duplicated,
    /// Callbacks are held back and sent in reverse order on a flush: the receiver must
    /// recognise the stale ones by their sequence.
    Reordered,
    /// Callbacks are signed with a key that is not the shared secret: someone else.
    Forged,
    /// Callbacks are signed with a timestamp ten minutes old: a replay.
    Stale,
}

/// The request fault now in force and how many more requests it applies to.
#[derive(Debug, Default)]
pub(super) struct FaultSwitch {
    inner: Mutex<(Fault, Option<u32>)>,
}

impl FaultSwitch {
    /// Sets `fault` for every request (`None`) or the next `times` requests.
    pub(super) fn set(&self, fault: Fault, times: Option<u32>) {
        *self.inner.lock().unwrap_or_else(PoisonError::into_inner) = (fault, times);
    }

    /// The fault in force, without using it up.
    pub(super) fn current(&self) -> Fault {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).0
    }

    /// The fault for one request, counting it against a limited fault; once used up the
    /// partner is healthy again.
    pub(super) fn take(&self) -> Fault {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match inner.1 {
            None => inner.0,
            Some(0) => {
                *inner = (Fault::None, None);
                Fault::None
            }
            Some(left) => {
                let fault = inner.0;
                *inner = if left == 1 {
                    (Fault::None, None)
                } else {
                    (fault, Some(left - 1))
                };
                fault
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limited_fault_is_used_up() {
        let switch = FaultSwitch::default();
        switch.set(Fault::Outage(503), Some(2));
        assert_eq!(switch.take(), Fault::Outage(503));
        assert_eq!(switch.current(), Fault::Outage(503));
        assert_eq!(switch.take(), Fault::Outage(503));
        assert_eq!(switch.take(), Fault::None);
        switch.set(Fault::Malformed, None);
        assert_eq!(switch.take(), Fault::Malformed);
        assert_eq!(switch.take(), Fault::Malformed);
    }
}
