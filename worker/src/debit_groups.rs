//! Gathers the debit jobs that run at the same time into groups, and hands each group to
//! [`Domain::debit_together`], which collects and posts those on the bank's own ledger in
//! one transaction (group commit; docs/repayment.md). Each job still waits for its own
//! answer, so it is acknowledged only after its debit's transaction committed. A debit
//! the group did not take (through a partner, changed since, or in a group that was
//! rolled back) is run by its own job, one by one, outside the group: a slow partner
//! never holds a group up.
//!
//! A group takes whatever jobs are waiting when it starts, up to the group size, and
//! never waits for more: a lone debit runs at once, and under a close of business's burst
//! the jobs that arrive while the groups run make the next groups large.

use std::collections::HashMap;
use std::sync::Arc;

use domain::repayment::DebitOutcome;
use domain::{Domain, DomainResult};
use tokio::sync::{Semaphore, mpsc, oneshot};
use uuid::Uuid;

/// Groups in their transactions at once: one posting while the next gathers and reads.
pub const GROUPS_AT_ONCE: usize = 2;

/// A debit waiting for its group; answered with its outcome, or `None` to run alone.
struct Waiting {
    attempt_id: Uuid,
    answer: oneshot::Sender<Option<DebitOutcome>>,
}

/// Where debit jobs wait to be grouped. Cheap to clone.
#[derive(Debug, Clone)]
pub struct DebitGroups {
    domain: Arc<Domain>,
    /// `None` with a group size of 1: every debit runs alone.
    sender: Option<mpsc::UnboundedSender<Waiting>>,
}

impl DebitGroups {
    /// Starts gathering groups of at most `size` debits for `domain` (none for a size of
    /// 1). It stops when the last clone is dropped.
    pub fn start(domain: Arc<Domain>, size: usize) -> Self {
        let sender = (size > 1).then(|| {
            let (sender, receiver) = mpsc::unbounded_channel();
            tokio::spawn(gather(domain.clone(), receiver, size));
            sender
        });
        Self { domain, sender }
    }

    /// How many debit jobs to run at once: enough to fill every group and gather the
    /// next, and never fewer than the other kinds' `job_concurrency`.
    pub fn concurrency(size: usize, job_concurrency: usize) -> usize {
        if size > 1 {
            job_concurrency.max(size * (GROUPS_AT_ONCE + 1))
        } else {
            job_concurrency
        }
    }

    /// Runs the debit attempt `attempt_id`: in the next group if the group takes it,
    /// otherwise alone.
    pub async fn run(&self, attempt_id: Uuid) -> DomainResult<DebitOutcome> {
        if let Some(sender) = &self.sender {
            let (answer, answered) = oneshot::channel();
            if sender.send(Waiting { attempt_id, answer }).is_ok()
                && let Ok(Some(outcome)) = answered.await
            {
                return Ok(outcome);
            }
        }
        self.domain.run_debit(attempt_id).await
    }
}

/// Forms the groups: a permit first (so jobs gather while every group is busy), then
/// every debit waiting, up to `size`.
async fn gather(domain: Arc<Domain>, mut receiver: mpsc::UnboundedReceiver<Waiting>, size: usize) {
    let permits = Arc::new(Semaphore::new(GROUPS_AT_ONCE));
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let Some(first) = receiver.recv().await else {
            return;
        };
        let mut group = vec![first];
        while group.len() < size {
            match receiver.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let domain = domain.clone();
        tokio::spawn(async move {
            let ids: Vec<Uuid> = group.iter().map(|w| w.attempt_id).collect();
            let mut done: HashMap<Uuid, DebitOutcome> = domain.debit_together(&ids).await;
            drop(permit);
            for waiting in group {
                // A job that stopped waiting (its worker shutting down) is delivered
                // again and finds its debit done. An id twice in one group is answered
                // once; the other runs alone and finds it done.
                let _ = waiting.answer.send(done.remove(&waiting.attempt_id));
            }
        });
    }
}
