//! Cron schedules: each tick enqueues a job keyed by the tick's time, so every worker
//! process may run the same schedule and the ledger still runs each tick once.

use std::str::FromStr;

use apalis::prelude::*;
use apalis_cron::Tick;
use chrono::{DateTime, Utc};

use crate::jobs::{JobContext, ScheduledJob};

/// The setting of the session-purge schedule.
pub const PURGE_SESSIONS_SETTING: &str = "FENQI_SESSION_PURGE_SCHEDULE";
/// The setting of the retention-purge schedule.
pub const PURGE_RETAINED_SETTING: &str = "FENQI_RETENTION_PURGE_SCHEDULE";
/// The setting of the application-expiry schedule.
pub const EXPIRE_APPLICATIONS_SETTING: &str = "FENQI_APPLICATION_EXPIRY_SCHEDULE";
/// The setting naming the reconciliation schedule.
pub const RECONCILE_PLATFORMS_SETTING: &str = "FENQI_RECONCILE_SCHEDULE";
/// The setting naming the schedule of retries of signed plans not opened yet.
pub const OPEN_PLANS_SETTING: &str = "FENQI_PLAN_OPENING_SCHEDULE";

/// The setting of the close-of-business schedule.
pub const CLOSE_OF_BUSINESS_SETTING: &str = "FENQI_COB_SCHEDULE";
/// The setting of the schedule that queues lost debits again.
pub const SWEEP_DEBITS_SETTING: &str = "FENQI_DEBIT_SWEEP_SCHEDULE";
/// The setting of the schedule that sends what the outbox holds.
pub const DELIVER_MESSAGES_SETTING: &str = "FENQI_DELIVERY_SCHEDULE";
/// The setting of the schedule that escalates tickets past their service level.
pub const ESCALATE_TICKETS_SETTING: &str = "FENQI_TICKET_ESCALATION_SCHEDULE";
/// The setting of the daily follow-up rules' schedule.
pub const FOLLOW_UPS_SETTING: &str = "FENQI_FOLLOW_UP_SCHEDULE";
/// The setting of the schedule that queues running campaigns' batches.
pub const DISPATCH_CAMPAIGNS_SETTING: &str = "FENQI_CAMPAIGN_DISPATCH_SCHEDULE";

/// The schedules, parsed.
#[derive(Debug, Clone)]
pub struct Schedules {
    /// When to purge finished sessions.
    pub purge_sessions: cron::Schedule,
    /// When to delete identity records past their retention.
    pub purge_retained_identities: cron::Schedule,
    /// When to expire idle applications.
    pub expire_applications: cron::Schedule,
    /// When to reconcile partners' statements.
    pub reconcile_platforms: cron::Schedule,
    /// When to retry opening signed plans.
    pub open_plans: cron::Schedule,
    /// When to close the business day (and queue its debits).
    pub close_of_business: cron::Schedule,
    /// When to queue again debits whose jobs were lost.
    pub sweep_debits: cron::Schedule,
    /// When to send what the outbox holds.
    pub deliver_messages: cron::Schedule,
    /// When to escalate tickets past their service level.
    pub escalate_tickets: cron::Schedule,
    /// When to run the follow-up rules.
    pub follow_ups: cron::Schedule,
    /// When to queue running campaigns' batches.
    pub dispatch_campaigns: cron::Schedule,
}

/// The cron expressions, as configured.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleTexts<'a> {
    /// `FENQI_SESSION_PURGE_SCHEDULE`.
    pub purge_sessions: &'a str,
    /// `FENQI_RETENTION_PURGE_SCHEDULE`.
    pub purge_retained_identities: &'a str,
    /// `FENQI_APPLICATION_EXPIRY_SCHEDULE`.
    pub expire_applications: &'a str,
    /// `FENQI_RECONCILE_SCHEDULE`.
    pub reconcile_platforms: &'a str,
    /// `FENQI_PLAN_OPENING_SCHEDULE`.
    pub open_plans: &'a str,
    /// `FENQI_COB_SCHEDULE`.
    pub close_of_business: &'a str,
    /// `FENQI_DEBIT_SWEEP_SCHEDULE`.
    pub sweep_debits: &'a str,
    /// `FENQI_DELIVERY_SCHEDULE`.
    pub deliver_messages: &'a str,
    /// `FENQI_TICKET_ESCALATION_SCHEDULE`.
    pub escalate_tickets: &'a str,
    /// `FENQI_FOLLOW_UP_SCHEDULE`.
    pub follow_ups: &'a str,
    /// `FENQI_CAMPAIGN_DISPATCH_SCHEDULE`.
    pub dispatch_campaigns: &'a str,
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

/// Parses one cron expression, naming `setting` in the error.
pub fn parse_cron(
    expression: &str,
    setting: &'static str,
) -> Result<cron::Schedule, ScheduleError> {
    cron::Schedule::from_str(expression).map_err(|e| ScheduleError {
        setting,
        reason: e.to_string(),
    })
}

impl Schedules {
    /// Parses every schedule.
    pub fn parse(texts: ScheduleTexts<'_>) -> Result<Self, ScheduleError> {
        Ok(Self {
            purge_sessions: parse_cron(texts.purge_sessions, PURGE_SESSIONS_SETTING)?,
            purge_retained_identities: parse_cron(
                texts.purge_retained_identities,
                PURGE_RETAINED_SETTING,
            )?,
            expire_applications: parse_cron(
                texts.expire_applications,
                EXPIRE_APPLICATIONS_SETTING,
            )?,
            reconcile_platforms: parse_cron(
                texts.reconcile_platforms,
                RECONCILE_PLATFORMS_SETTING,
            )?,
            open_plans: parse_cron(texts.open_plans, OPEN_PLANS_SETTING)?,
            close_of_business: parse_cron(texts.close_of_business, CLOSE_OF_BUSINESS_SETTING)?,
            sweep_debits: parse_cron(texts.sweep_debits, SWEEP_DEBITS_SETTING)?,
            deliver_messages: parse_cron(texts.deliver_messages, DELIVER_MESSAGES_SETTING)?,
            escalate_tickets: parse_cron(texts.escalate_tickets, ESCALATE_TICKETS_SETTING)?,
            follow_ups: parse_cron(texts.follow_ups, FOLLOW_UPS_SETTING)?,
            dispatch_campaigns: parse_cron(texts.dispatch_campaigns, DISPATCH_CAMPAIGNS_SETTING)?,
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

/// On each tick, enqueue the job `J` keyed by the tick.
pub async fn enqueue_on_tick<J: ScheduledJob>(
    tick: Tick,
    ctx: Data<JobContext>,
) -> Result<(), BoxDynError> {
    ctx.queue
        .push(J::KIND, J::for_key(tick_key(&tick)))
        .await
        .map_err(Into::into)
}
