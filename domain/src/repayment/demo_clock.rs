//! `advanceClock` (demo mode only): moves the business clock forward day by day, closing
//! each business day and running its debits as the worker would, so a demo lives through
//! a year of repayments in seconds without sleeping. A real deployment follows real time:
//! there the clock cannot move and the call is refused.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::debit::DebitOutcome;
use super::debit_group::DEMO_GROUP;
use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::service::Domain;

/// The local hour each business day is closed at in the demo (the default schedule's).
const CLOSE_HOUR: u32 = 6;

/// What moving the clock did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClockAdvance {
    /// Where the clock was.
    pub from: Option<DateTime<Utc>>,
    /// Where it is now.
    pub to: Option<DateTime<Utc>>,
    /// Business days closed on the way.
    pub days_closed: u32,
    /// Debits collected and posted.
    pub collected: u32,
    /// Debits that found too little money.
    pub insufficient: u32,
    /// Debits pending, refused or skipped.
    pub other: u32,
}

impl Domain {
    /// Moves the clock to `to` (see the module documentation).
    pub async fn advance_clock(
        &self,
        to: DateTime<Utc>,
        caller: &Caller,
    ) -> DomainResult<ClockAdvance> {
        caller.require(Permission::AdvanceClock)?;
        if !self.settings().demo_clock {
            return Err(DomainError::Conflict(
                "The clock moves only in demo mode (FENQI_DEMO_CLOCK=on, the embedded default); this platform follows real time.".into(),
            ));
        }
        let from = self.now();
        if to <= from {
            return Err(DomainError::validation(
                "to",
                format!(
                    "The clock only moves forward: give a time after {}.",
                    from.format("%Y-%m-%dT%H:%M:%SZ")
                ),
            ));
        }
        if to > from + chrono::Duration::days(5 * 366) {
            return Err(DomainError::validation(
                "to",
                "Move the clock at most five years at a time.",
            ));
        }
        let tz = self.settings().timezone;
        let mut done = ClockAdvance {
            from: Some(from),
            to: Some(to),
            ..ClockAdvance::default()
        };
        let last = to.with_timezone(&tz).date_naive();
        let mut day = self.business_date() + chrono::Days::new(1);
        while day <= last {
            let close = day
                .and_hms_opt(CLOSE_HOUR, 0, 0)
                .and_then(|t| t.and_local_timezone(tz).earliest())
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| DomainError::Internal(format!("no 06:00 on {day}")))?;
            if close > to {
                break;
            }
            self.move_clock(close)?;
            let closed = self.close_of_business(day).await?;
            for group in closed.attempts.chunks(DEMO_GROUP) {
                for outcome in self.run_debits(group).await {
                    match outcome? {
                        DebitOutcome::Collected(_) => done.collected += 1,
                        DebitOutcome::Insufficient(_) => done.insufficient += 1,
                        _ => done.other += 1,
                    }
                }
            }
            // The after-care rules run on the same days (follow-ups due by then).
            self.schedule_follow_ups(day).await?;
            done.days_closed += 1;
            day = day + chrono::Days::new(1);
        }
        self.move_clock(to)?;
        let txn = begin_write(self.db()).await?;
        chain::append(
            &txn,
            self.now(),
            caller,
            AuditRecord::new("clock.advance", "clock", None).after(json!({
                "from": from, "to": to, "daysClosed": done.days_closed,
                "collected": done.collected, "insufficient": done.insufficient,
            })),
        )
        .await?;
        txn.commit().await?;
        Ok(done)
    }

    fn move_clock(&self, to: DateTime<Utc>) -> DomainResult<()> {
        if self.clock().move_to(to) {
            Ok(())
        } else {
            Err(DomainError::Conflict(
                "This platform's clock follows real time and cannot be moved.".into(),
            ))
        }
    }
}
