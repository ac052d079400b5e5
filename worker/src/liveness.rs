//! Who this worker process is, and whether its job loops are alive.
//!
//! Every process gets a unique identity (host, pid, a random part) so that any number of
//! `fenqi work` processes can share every job kind on either queue: the queues register
//! workers by name, and two processes with one name refuse each other. A job loop that
//! fails is restarted a few times a minute at most; one that stays down makes the
//! process's `/ready` answer 503 and name the loop, so an orchestrator replaces it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apalis::prelude::{Event, WorkerContext};
use domain::ops::{HealthProbe, ProbeError};

/// How many restarts of one job loop are allowed within [`RESTART_WINDOW`] before it is
/// left dead: enough to ride out a queue blip, few enough that a loop failing at once on
/// every start (the queue gone) does not spin.
pub const MAX_RESTARTS_PER_WINDOW: usize = 5;
/// The window of [`MAX_RESTARTS_PER_WINDOW`].
pub const RESTART_WINDOW: Duration = Duration::from_secs(60);

/// This process's worker identity: `host:pid:random`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerIdentity(String);

impl WorkerIdentity {
    /// A fresh identity for this process.
    pub fn for_this_process() -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "host".into());
        let host: String = host
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
            .take(64)
            .collect();
        let random = uuid::Uuid::now_v7().simple().to_string();
        let tail = &random[random.len() - 6..];
        Self(format!("{host}:{}:{tail}", std::process::id()))
    }

    /// The identity as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The queue-facing name of the loop `label` after `restarts` restarts. A restarted
    /// loop takes a new name, because the queue still remembers the old one as alive for
    /// a heartbeat or two.
    pub fn worker_name(&self, label: &str, restarts: usize) -> String {
        if restarts == 0 {
            format!("{label}@{}", self.0)
        } else {
            format!("{label}@{}#{restarts}", self.0)
        }
    }
}

/// The loop label inside a worker name (`purge_sessions@host:1:ab12#2` → `purge_sessions`):
/// the queue's name for a job loop.
pub(crate) fn label_of(worker_name: &str) -> &str {
    worker_name.split('@').next().unwrap_or(worker_name)
}

/// What is known of one job loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoopState {
    /// Registered, not yet polling.
    Starting,
    /// Polling its queue.
    Running,
    /// Failed and being restarted.
    Restarting(String),
    /// Failed too often; it will not come back in this process.
    Dead(String),
}

#[derive(Debug)]
struct LoopRecord {
    state: LoopState,
    restarts: Vec<Instant>,
}

/// The liveness of this process's job loops, shared by the monitor (which writes) and the
/// readiness probe (which reads). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Liveness {
    loops: Arc<Mutex<BTreeMap<String, LoopRecord>>>,
    expected: Arc<std::sync::atomic::AtomicBool>,
}

impl Liveness {
    /// No loops yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<String, LoopRecord>) -> R) -> R {
        let mut loops = self
            .loops
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut loops)
    }

    /// Declares a loop that this process runs.
    pub fn register(&self, label: &str) {
        self.with(|loops| {
            loops.insert(
                label.to_owned(),
                LoopRecord {
                    state: LoopState::Starting,
                    restarts: Vec::new(),
                },
            );
        });
    }

    /// Says that this process runs the worker, before its loops are declared, so that
    /// `/ready` waits for them from the first request on.
    pub fn expect_loops(&self) {
        self.expected
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// True for a process that runs the worker.
    pub fn has_loops(&self) -> bool {
        self.expected.load(std::sync::atomic::Ordering::SeqCst)
            || self.with(|loops| !loops.is_empty())
    }

    /// Takes note of a worker event.
    pub fn on_event(&self, worker: &WorkerContext, event: &Event) {
        let label = label_of(worker.name());
        if matches!(event, Event::Start | Event::HeartBeat) {
            self.with(|loops| {
                if let Some(record) = loops.get_mut(label)
                    && !matches!(record.state, LoopState::Dead(_))
                {
                    record.state = LoopState::Running;
                }
            });
        }
    }

    /// Decides whether a failed loop is restarted, at `now`: yes, unless it already
    /// restarted [`MAX_RESTARTS_PER_WINDOW`] times in the last [`RESTART_WINDOW`].
    pub fn on_failure(&self, worker_name: &str, error: &str, now: Instant) -> bool {
        let label = label_of(worker_name).to_owned();
        self.with(|loops| {
            let record = loops.entry(label.clone()).or_insert(LoopRecord {
                state: LoopState::Starting,
                restarts: Vec::new(),
            });
            record
                .restarts
                .retain(|t| now.saturating_duration_since(*t) < RESTART_WINDOW);
            if record.restarts.len() >= MAX_RESTARTS_PER_WINDOW {
                tracing::error!(job_loop = %label, %error, "job loop failed too often; it stays down and /ready reports it");
                record.state = LoopState::Dead(error.to_owned());
                false
            } else {
                tracing::warn!(job_loop = %label, %error, "job loop failed; restarting it");
                record.restarts.push(now);
                record.state = LoopState::Restarting(error.to_owned());
                true
            }
        })
    }

    /// Every loop and its state.
    pub fn snapshot(&self) -> Vec<(String, LoopState)> {
        self.with(|loops| {
            loops
                .iter()
                .map(|(label, record)| (label.clone(), record.state.clone()))
                .collect()
        })
    }

    /// The loops that are not running, by label, with why.
    pub fn problems(&self) -> Vec<String> {
        let snapshot = self.snapshot();
        if snapshot.is_empty() && self.has_loops() {
            return vec!["the worker is starting".into()];
        }
        snapshot
            .into_iter()
            .filter_map(|(label, state)| match state {
                LoopState::Running => None,
                LoopState::Starting => Some(format!("{label}: starting")),
                LoopState::Restarting(e) => Some(format!("{label}: restarting after: {e}")),
                LoopState::Dead(e) => Some(format!("{label}: dead after: {e}")),
            })
            .collect()
    }
}

/// `/ready`'s view of the job loops: not ready while any loop is not running, naming it.
#[derive(Debug, Clone)]
pub struct LivenessProbe(pub Liveness);

#[async_trait::async_trait]
impl HealthProbe for LivenessProbe {
    fn name(&self) -> &'static str {
        "workers"
    }

    async fn check(&self) -> Result<(), ProbeError> {
        let problems = self.0.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ProbeError(problems.join("; ")))
        }
    }

    fn detail_is_public(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_differ_between_processes_and_restarts() {
        let a = WorkerIdentity::for_this_process();
        let b = WorkerIdentity::for_this_process();
        assert_ne!(a, b, "a random part tells two starts apart");
        assert!(a.as_str().contains(&format!(":{}:", std::process::id())));
        let first = a.worker_name("fenqi:purge_sessions", 0);
        let again = a.worker_name("fenqi:purge_sessions", 1);
        assert_ne!(first, again);
        assert_eq!(label_of(&first), "fenqi:purge_sessions");
        assert_eq!(label_of(&again), "fenqi:purge_sessions");
    }

    #[test]
    fn a_loop_that_keeps_failing_is_reported_dead_by_name() {
        let live = Liveness::new();
        live.register("fenqi:purge_sessions");
        live.register("fenqi:purge_retained_identities");
        assert_eq!(live.problems().len(), 2, "starting loops are not ready yet");
        let t0 = Instant::now();
        for i in 0..MAX_RESTARTS_PER_WINDOW {
            assert!(live.on_failure(
                "fenqi:purge_sessions@h:1:abc",
                "queue gone",
                t0 + Duration::from_secs(i as u64)
            ));
        }
        assert!(!live.on_failure(
            "fenqi:purge_sessions@h:1:abc#5",
            "queue gone",
            t0 + Duration::from_secs(10)
        ));
        let problems = live.problems();
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("fenqi:purge_sessions: dead")),
            "{problems:?}"
        );
    }

    #[test]
    fn restarts_spread_over_time_are_allowed() {
        let live = Liveness::new();
        let t0 = Instant::now();
        for i in 0..(MAX_RESTARTS_PER_WINDOW * 3) {
            assert!(live.on_failure("x@h:1:a", "blip", t0 + RESTART_WINDOW * i as u32));
        }
    }
}
