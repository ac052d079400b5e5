//! Cron schedules: each tick enqueues a job keyed by the tick's time, so every worker
//! process may run the same schedule and the ledger still runs each tick once.

use std::str::FromStr;

use apalis::prelude::*;
use apalis_cron::Tick;
use chrono::{DateTime, Utc};

use crate::jobs::{JobContext, purge_sessions};

/// The schedules, parsed.
#[derive(Debug, Clone)]
pub struct Schedules {
    /// When to purge finished sessions.
    pub purge_sessions: cron::Schedule,
}

/// A schedule that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("{setting} is not a valid cron expression (sec min hour day month weekday): {reason}")]
pub struct ScheduleError {
    /// The setting's name.
    pub setting: &'static str,
    /// The parser's complaint.
    pub reason: String,
}

impl Schedules {
    /// Parses the session-purge schedule from `purge_sessions` (named `setting` in
    /// errors).
    pub fn parse(purge_sessions: &str, setting: &'static str) -> Result<Self, ScheduleError> {
        Ok(Self {
            purge_sessions: cron::Schedule::from_str(purge_sessions).map_err(|e| {
                ScheduleError {
                    setting,
                    reason: e.to_string(),
                }
            })?,
        })
    }
}

/// The run key of a tick: its time, to the second.
pub fn tick_key(tick: &Tick) -> String {
    let secs = i64::try_from(tick.get_timestamp()).unwrap_or(i64::MAX);
    DateTime::<Utc>::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| secs.to_string())
}

/// On each purge tick, enqueue the purge.
pub async fn on_purge_tick(tick: Tick, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    ctx.queue
        .push(
            purge_sessions::KIND,
            purge_sessions::PurgeSessions {
                run_key: tick_key(&tick),
            },
        )
        .await
        .map_err(Into::into)
}
