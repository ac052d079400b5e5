//! How an idle job loop is woken to look for new jobs: every poll interval, by a timer that
//! is always armed.
//!
//! apalis's own interval strategy (`poll_with_interval`, apalis-core 1.0.0) re-arms its
//! timer when it fires but does not poll the new timer, so nothing is registered to wake
//! the loop with it. Whenever the queue's fetch outlasted the interval (a busy two-core
//! machine, SQLite fetches of over a second), the backend's heartbeat timer could fire
//! during that fetch as well, and the loop then went to sleep with no timer armed at all:
//! its jobs waited in the queue until something else woke it. A test saw a sweep job left
//! pending for two minutes while the same process's other loops ran on. This strategy
//! polls every timer it arms, so an idle loop always wakes within one interval.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::{PollSnapshot, PollStrategy};
use tokio::time::{Instant, Sleep};

/// Wakes a job loop every `every`.
#[derive(Debug)]
pub struct WakeEvery {
    every: Duration,
    /// Made on the first poll, inside the runtime whose timer it uses.
    timer: Option<Pin<Box<Sleep>>>,
}

impl WakeEvery {
    /// A loop woken every `every` while it has nothing to do.
    pub fn new(every: Duration) -> Self {
        Self {
            every: every.max(Duration::from_millis(1)),
            timer: None,
        }
    }
}

impl PollStrategy for WakeEvery {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        let every = self.every;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(every)));
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        // Fired: the next tick is armed *and polled*, so it wakes this loop. On a busy
        // machine the new tick may already be due when polled; then the one after it.
        loop {
            timer.as_mut().reset(Instant::now() + every);
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Ready(Some(()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    /// Counts its wake-ups.
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The case apalis's interval lost: the timer has fired and is found ready by a poll;
    /// with no other poll after it, the loop must still be woken at the next tick.
    #[tokio::test(start_paused = true)]
    async fn a_fired_timer_arms_the_next_wake_up() {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = std::task::Waker::from(counter.clone());
        let mut cx = Context::from_waker(&waker);
        let mut strategy = WakeEvery::new(Duration::from_millis(100));
        let snapshot = PollSnapshot::default();
        assert!(strategy.poll_drive(&mut cx, &snapshot).is_pending());
        tokio::time::advance(Duration::from_millis(150)).await;
        assert!(strategy.poll_drive(&mut cx, &snapshot).is_ready());
        let woken = counter.0.load(Ordering::SeqCst);
        // No poll from here on: only the armed timer can wake the loop.
        tokio::time::advance(Duration::from_millis(150)).await;
        tokio::task::yield_now().await;
        assert!(
            counter.0.load(Ordering::SeqCst) > woken,
            "the loop was not woken at the next tick"
        );
    }
}
