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
//!
//! A second mend: apalis-redis files every pushed job in the scheduled set (due now) and
//! its fetch moves every due id to the waiting list in one Lua `unpack`, which fails past
//! about 8,000 ids ("too many results to unpack"): a close of business that queued 10,000
//! debits between two fetches of the loop, or a loop that was down while they were
//! queued, made every fetch fail and the loop stay down. [`JobQueue::promote_due`] moves
//! the due ids a thousand at a time; the bulk push calls it after each chunk, and the
//! worker at start and on every loop failure.

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

/// Moves the ids of the scheduled set (KEYS[1]) due by ARGV[1] (seconds) to the end of
/// the waiting list (KEYS[2]), ARGV[2] at a time, and wakes the consumers (the signal
/// list, KEYS[3]) as a fetch does. Answers how many it moved.
const PROMOTE: &str = r"
local moved = 0
local chunk = tonumber(ARGV[2])
while true do
  local due = redis.call('zrangebyscore', KEYS[1], 0, ARGV[1], 'LIMIT', 0, chunk)
  if #due == 0 then
    break
  end
  redis.call('rpush', KEYS[2], unpack(due))
  redis.call('zrem', KEYS[1], unpack(due))
  moved = moved + #due
end
if moved > 0 then
  redis.call('del', KEYS[3])
  redis.call('lpush', KEYS[3], 1)
end
return moved
";

/// Ids moved per step of [`PROMOTE`], well under Lua's limit.
const PROMOTE_CHUNK: u64 = 1000;

impl JobQueue {
    /// Moves the jobs of queue `name` that are due from the scheduled set to the waiting
    /// list, a thousand at a time (see the module documentation); answers how many. The
    /// SQLite queue has no such set.
    pub async fn promote_due(&self, name: &str) -> Result<u64, QueueError> {
        let Self::Redis { conn, .. } = self else {
            return Ok(0);
        };
        let keys = apalis_redis::Config::default().queue(name);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut conn = conn.clone();
        redis::Script::new(PROMOTE)
            .key(keys.scheduled_jobs_set())
            .key(keys.active_jobs_list())
            .key(keys.signal_list())
            .arg(now)
            .arg(PROMOTE_CHUNK)
            .invoke_async::<u64>(&mut conn)
            .await
            .map_err(|e| QueueError::Redis(e.to_string()))
    }

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
            if let Err(e) = self.promote_due(name).await {
                tracing::warn!(queue = %name, error = %e, "due jobs could not be moved to the waiting list");
            }
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
