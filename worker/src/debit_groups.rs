//! Gathers the debit jobs that run at the same time into groups, and hands each group to
//! [`Domain::run_debits`], which posts the debits on the bank's own ledger in one
//! transaction (group commit; docs/repayment.md). Each job still waits for its own
//! answer, so a job is acknowledged only after its debit's transaction committed, and
//! one whose group failed is retried by the queue as before.
//!
//! A group takes whatever jobs are waiting when it starts, up to the group size, and
//! never waits for more: a lone debit runs at once, and under a close of business's burst
//! the jobs that arrive while the groups run make the next groups large.

use std::sync::Arc;

use domain::repayment::DebitOutcome;
use domain::{Domain, DomainError, DomainResult};
use tokio::sync::{Semaphore, mpsc, oneshot};
use uuid::Uuid;

/// Groups in their transactions at once: one posting while the next gathers and reads.
pub const GROUPS_AT_ONCE: usize = 2;

/// A debit waiting for its group.
struct Waiting {
    attempt_id: Uuid,
    answer: oneshot::Sender<DomainResult<DebitOutcome>>,
}

/// Where debit jobs wait to be grouped. Cheap to clone.
#[derive(Debug, Clone)]
pub struct DebitGroups {
    sender: mpsc::UnboundedSender<Waiting>,
}

impl DebitGroups {
    /// Starts gathering groups of at most `size` debits for `domain`. It stops when the
    /// last clone is dropped.
    pub fn start(domain: Arc<Domain>, size: usize) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(gather(domain, receiver, size.max(1)));
        Self { sender }
    }

    /// Runs the debit attempt `attempt_id` in the next group and answers its outcome.
    pub async fn run(&self, attempt_id: Uuid) -> DomainResult<DebitOutcome> {
        let (answer, answered) = oneshot::channel();
        self.sender
            .send(Waiting { attempt_id, answer })
            .map_err(|_| DomainError::Unavailable("the debit groups have stopped".into()))?;
        answered.await.map_err(|_| {
            DomainError::Unavailable("the debit's group ended without an answer".into())
        })?
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
            let answers = domain.run_debits(&ids).await;
            for (waiting, answer) in group.into_iter().zip(answers) {
                // A job that stopped waiting (its worker shutting down) is delivered
                // again and finds its debit done.
                let _ = waiting.answer.send(answer);
            }
            drop(permit);
        });
    }
}
