//! Mending a Redis queue that lost part of its keys.
//!
//! apalis-redis keeps a job's id in lists (waiting, scheduled, each consumer's in-flight
//! set) and its body in one hash. When the hash loses an entry but a list keeps the id (a
//! Redis that evicted keys, a failover that lost the last writes, a hand that deleted the
//! wrong key), the queue's fetch fails on every batch holding that id. The loop restarts
//! under a new name, the old consumer is presumed dead after a few heartbeats, its
//! in-flight ids — the bad one with them — go back to the waiting list, and the next
//! fetch fails again: five times in a minute and the loop stays down.
//!
//! The repair drops ids that have no body, from every list of one queue, in one script
//! (atomic: a job pushed meanwhile has its body first, in the push's own script). It runs
//! when the worker starts and again whenever a loop fails, so a bad id costs one restart.
//! Nothing of value is lost with it: the job's body is gone already, and the database,
//! not the queue, holds what must be done (the sweeps queue it again).

use apalis_redis::ConnectionManager;

use crate::queue::{JobQueue, QueueError};

/// Drops from the waiting list (KEYS[1]), the scheduled set (KEYS[3]) and every
/// registered consumer's in-flight set (KEYS[4] names the consumers, ARGV[1] prefixes
/// their sets) each id the body hash (KEYS[2]) does not hold, with its metadata (ARGV[2]
/// prefixes it). Answers how many ids it dropped.
const SCRIPT: &str = r"
local dropped = 0
local function orphan(id)
  if redis.call('hexists', KEYS[2], id) == 0 then
    redis.call('del', ARGV[2] .. ':' .. id)
    return true
  end
  return false
end
for _, id in ipairs(redis.call('lrange', KEYS[1], 0, -1)) do
  if orphan(id) then
    dropped = dropped + redis.call('lrem', KEYS[1], 0, id)
  end
end
for _, id in ipairs(redis.call('zrange', KEYS[3], 0, -1)) do
  if orphan(id) then
    dropped = dropped + redis.call('zrem', KEYS[3], id)
  end
end
for _, consumer in ipairs(redis.call('zrange', KEYS[4], 0, -1)) do
  local inflight = ARGV[1] .. ':' .. consumer
  for _, id in ipairs(redis.call('smembers', inflight)) do
    if orphan(id) then
      dropped = dropped + redis.call('srem', inflight, id)
    end
  end
end
return dropped
";

impl JobQueue {
    /// Drops the ids of queue `name` whose job body is gone (see the module
    /// documentation); answers how many. The SQLite queue keeps an id and its body in one
    /// row, so there is nothing to mend there.
    pub async fn repair(&self, name: &str) -> Result<u64, QueueError> {
        match self {
            Self::Sqlite { .. } => Ok(0),
            Self::Redis { conn, .. } => repair_redis(conn, name).await,
        }
    }

    /// [`JobQueue::repair`] for each queue of `names`, logging what it dropped; a queue
    /// that cannot be mended now is left to the next failure.
    pub async fn repair_all(&self, names: &[String]) {
        for name in names {
            match self.repair(name).await {
                Ok(0) => {}
                Ok(dropped) => {
                    tracing::warn!(queue = %name, dropped, "dropped queued ids whose job data was gone");
                }
                Err(e) => {
                    tracing::warn!(queue = %name, error = %e, "the queue could not be mended")
                }
            }
        }
    }
}

async fn repair_redis(conn: &ConnectionManager, name: &str) -> Result<u64, QueueError> {
    let keys = apalis_redis::Config::default().queue(name);
    let mut conn = conn.clone();
    redis::Script::new(SCRIPT)
        .key(keys.active_jobs_list())
        .key(keys.job_data_hash())
        .key(keys.scheduled_jobs_set())
        .key(keys.workers_set())
        .arg(keys.inflight_jobs_set())
        .arg(keys.job_meta_hash())
        .invoke_async::<u64>(&mut conn)
        .await
        .map_err(|e| QueueError::Redis(e.to_string()))
}
