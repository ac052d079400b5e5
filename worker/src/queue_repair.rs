//! Mending a Redis queue that lost part of its keys.
//!
//! apalis-redis keeps a job's id in lists (waiting, scheduled, each consumer's in-flight
//! set), its body in one hash and its attempts in a key of its own. When the body or that
//! key is lost but a list keeps the id (a Redis that evicted keys, a failover that lost
//! the last writes, a hand that deleted the wrong key), the queue's fetch fails on every
//! batch holding that id. The loop restarts under a new name; once the old consumer has
//! missed its heartbeats, another consumer hands its in-flight ids — the bad one with
//! them — back to the waiting list, and the next fetch fails again: five times in a
//! minute and the loop stays down.
//!
//! The repair drops ids whose body or attempts are gone, from every list of one queue, in
//! one script (atomic: a push writes both before the id, in the push's own script). It
//! runs when the worker starts and again whenever a loop fails, so a bad id costs a
//! restart or two, not the loop. Nothing of value is lost with it: the job is unreadable
//! already, and the database, not the queue, holds what must be done (the sweeps queue
//! it again).

use apalis_redis::ConnectionManager;

use crate::queue::{JobQueue, QueueError};

/// Drops from the waiting list (KEYS[1]), the scheduled set (KEYS[3]) and every
/// registered consumer's in-flight set (KEYS[4] names the consumers, ARGV[1] prefixes
/// their sets) each id whose body the hash (KEYS[2]) lacks or whose metadata key (ARGV[2]
/// prefixes it) is gone, with what is left of it. The waiting list is rebuilt once from
/// the ids that stay (one `LREM` per bad id would take minutes on a list of 100,000).
/// Answers how many ids it dropped.
const SCRIPT: &str = r"
local dropped = 0
local function orphan(id)
  local meta = ARGV[2] .. ':' .. id
  if redis.call('hexists', KEYS[2], id) == 1 and redis.call('exists', meta) == 1 then
    return false
  end
  redis.call('hdel', KEYS[2], id)
  redis.call('del', meta)
  return true
end
local waiting = redis.call('lrange', KEYS[1], 0, -1)
local kept = {}
for _, id in ipairs(waiting) do
  if orphan(id) then
    dropped = dropped + 1
  else
    kept[#kept + 1] = id
  end
end
if #kept < #waiting then
  redis.call('del', KEYS[1])
  for i = 1, #kept, 5000 do
    redis.call('rpush', KEYS[1], unpack(kept, i, math.min(i + 4999, #kept)))
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
