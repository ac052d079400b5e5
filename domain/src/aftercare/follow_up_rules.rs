//! When the bank follows up with a customer (定期回访), pure: 7 days after a plan
//! activates, then every 90 days while it is active, and after a second failed debit of
//! an installment. Each follow-up has a key, so a rule that fires again (a rerun, a second
//! worker, a day caught up late) makes nothing twice.

use chrono::{Days, NaiveDate};
use uuid::Uuid;

/// First follow-up, days after activation.
pub const FIRST_AFTER_DAYS: u64 = 7;
/// Then every this many days.
pub const EVERY_DAYS: u64 = 90;

/// Why a follow-up exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A week after the plan activated: did everything start well?
    Activation,
    /// The quarterly call.
    Periodic,
    /// An installment's second debit failed: reach out before it goes overdue.
    FailedDebit,
}

impl Reason {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Activation => "ACTIVATION",
            Self::Periodic => "PERIODIC",
            Self::FailedDebit => "FAILED_DEBIT",
        }
    }
}

/// A follow-up a rule asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// Why.
    pub reason: Reason,
    /// What makes it once.
    pub key: String,
    /// The day it is due.
    pub due_on: NaiveDate,
}

/// The follow-ups a plan opened on `opened` calls for by `today`: the activation call
/// from day 7, and the latest periodic one (day 97, 187, …) — earlier periodic calls
/// missed are not worth making late; the latest one covers them.
pub fn plan_follow_ups(plan: Uuid, opened: NaiveDate, today: NaiveDate) -> Vec<Due> {
    let Some(first) = opened.checked_add_days(Days::new(FIRST_AFTER_DAYS)) else {
        return Vec::new();
    };
    if today < first {
        return Vec::new();
    }
    let mut out = vec![Due {
        reason: Reason::Activation,
        key: format!("activation:{plan}"),
        due_on: first,
    }];
    let since = (today - first).num_days().max(0) as u64;
    let n = since / EVERY_DAYS;
    if n >= 1
        && let Some(due_on) = first.checked_add_days(Days::new(n * EVERY_DAYS))
    {
        out.push(Due {
            reason: Reason::Periodic,
            key: format!("periodic:{plan}:{n}"),
            due_on,
        });
    }
    out
}

/// The follow-up of an installment whose second debit failed on `day`.
pub fn failed_debit_follow_up(entry: Uuid, day: NaiveDate) -> Due {
    Due {
        reason: Reason::FailedDebit,
        key: format!("failed_debit:{entry}"),
        due_on: day,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_week_after_activation_then_every_ninety_days() {
        let plan = Uuid::nil();
        let opened = d("2026-01-01");
        assert!(plan_follow_ups(plan, opened, d("2026-01-07")).is_empty());
        let week = plan_follow_ups(plan, opened, d("2026-01-08"));
        assert_eq!(week.len(), 1);
        assert_eq!(week[0].reason, Reason::Activation);
        assert_eq!(week[0].due_on, d("2026-01-08"));
        // Day 96: still only the activation call; day 97: the first periodic one.
        assert_eq!(plan_follow_ups(plan, opened, d("2026-04-07")).len(), 1);
        let quarter = plan_follow_ups(plan, opened, d("2026-04-08"));
        assert_eq!(quarter[1].reason, Reason::Periodic);
        assert_eq!(quarter[1].key, format!("periodic:{plan}:1"));
        assert_eq!(quarter[1].due_on, d("2026-04-08"));
        let later = plan_follow_ups(plan, opened, d("2026-07-08"));
        assert_eq!(later[1].key, format!("periodic:{plan}:2"));
        // The same day asks for the same keys: nothing twice.
        assert_eq!(later, plan_follow_ups(plan, opened, d("2026-07-08")));
    }

    #[test]
    fn a_second_failed_debit_is_followed_up_once_per_installment() {
        let entry = Uuid::nil();
        let a = failed_debit_follow_up(entry, d("2026-02-02"));
        let b = failed_debit_follow_up(entry, d("2026-02-04"));
        assert_eq!(a.key, b.key);
        assert_eq!(a.reason.as_str(), "FAILED_DEBIT");
    }
}
