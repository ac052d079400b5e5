//! When a customer may be contacted (pure). The collection guideline forbids contact
//! between 22:00 and 08:00 local time; a customer may add quiet hours of their own. A
//! message that falls in either waits for the first minute outside both, so a reminder
//! made at close of business (06:00) reaches the phone at 08:00, not at dawn.
//!
//! Calls are bounded too: at most [`MAX_UNANSWERED_CALLS_PER_DAY`] unanswered attempts a
//! day ([`may_call`]), for the agents' follow-up calls.

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The guideline's limit on unanswered call attempts to one customer in one day.
pub const MAX_UNANSWERED_CALLS_PER_DAY: u32 = 6;

/// Whether one more call may be made after `unanswered_today` unanswered ones today.
pub fn may_call(unanswered_today: u32) -> bool {
    unanswered_today < MAX_UNANSWERED_CALLS_PER_DAY
}

/// A daily span of local time with no contact: `[start, end)`, across midnight when the
/// start is later than the end (22:00–08:00). Equal ends make an empty span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// The first quiet minute.
    pub start: NaiveTime,
    /// The first minute one may be contacted again.
    pub end: NaiveTime,
}

impl QuietHours {
    /// The collection guideline's span: 22:00 to 08:00.
    pub fn guideline() -> Self {
        Self {
            start: NaiveTime::from_hms_opt(22, 0, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
        }
    }

    /// Parses `HH:MM-HH:MM` (the `FENQI_CONTACT_QUIET_HOURS` setting).
    pub fn parse(text: &str) -> Option<Self> {
        let (start, end) = text.split_once('-')?;
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
        Some(Self {
            start: time(start)?,
            end: time(end)?,
        })
    }

    /// Whether `t` is quiet.
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start <= self.end {
            t >= self.start && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// When the quiet span holding `at` ends (`at` itself when it is not quiet).
    fn end_after(&self, at: NaiveDateTime) -> NaiveDateTime {
        if !self.contains(at.time()) {
            return at;
        }
        let day: NaiveDate = if self.start > self.end && at.time() >= self.start {
            at.date() + Days::new(1)
        } else {
            at.date()
        };
        day.and_time(self.end)
    }
}

/// Where and when one customer may be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactWindow {
    /// The customer's local time zone (the bank's, Asia/Shanghai by default).
    pub timezone: Tz,
    /// The guideline's quiet span.
    pub guideline: QuietHours,
    /// The customer's own, if they set one.
    pub customer: Option<QuietHours>,
}

impl ContactWindow {
    /// The first instant at or after `now` outside every quiet span. Quiet hours of the
    /// customer's that leave no minute of the day open are set aside (the guideline's
    /// still hold): a preference cannot stop the bank from ever reaching someone.
    pub fn next_open(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let open = self.first_open(now);
        let local = open.with_timezone(&self.timezone).time();
        if self.customer.is_some_and(|c| c.contains(local)) || self.guideline.contains(local) {
            return Self {
                customer: None,
                ..*self
            }
            .first_open(now);
        }
        open
    }

    fn first_open(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let mut at = now.with_timezone(&self.timezone).naive_local();
        // Each step ends one span; two spans can hand over to each other at most twice.
        for _ in 0..4 {
            let moved = self
                .customer
                .iter()
                .chain(std::iter::once(&self.guideline))
                .fold(at, |t, span| span.end_after(t));
            if moved == at {
                break;
            }
            at = moved;
        }
        match self.timezone.from_local_datetime(&at).earliest() {
            Some(local) => local.with_timezone(&Utc).max(now),
            // A local time skipped by a daylight-saving change: an hour later exists.
            None => {
                now + (at - now.with_timezone(&self.timezone).naive_local())
                    + chrono::Duration::hours(1)
            }
        }
    }

    /// Whether `now` is open.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.next_open(now) == now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shanghai(customer: Option<&str>) -> ContactWindow {
        ContactWindow {
            timezone: chrono_tz::Asia::Shanghai,
            guideline: QuietHours::guideline(),
            customer: customer.and_then(QuietHours::parse),
        }
    }

    /// A Shanghai wall-clock time as UTC.
    fn local(text: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time");
        chrono_tz::Asia::Shanghai
            .from_local_datetime(&naive)
            .single()
            .expect("one instant")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_guideline_holds_messages_from_ten_at_night_to_eight_in_the_morning() {
        let w = shanghai(None);
        assert_eq!(
            w.next_open(local("2027-01-10 06:00")),
            local("2027-01-10 08:00")
        );
        assert_eq!(
            w.next_open(local("2027-01-10 22:00")),
            local("2027-01-11 08:00")
        );
        assert_eq!(
            w.next_open(local("2027-01-10 23:59")),
            local("2027-01-11 08:00")
        );
        assert_eq!(
            w.next_open(local("2027-01-10 08:00")),
            local("2027-01-10 08:00")
        );
        assert_eq!(
            w.next_open(local("2027-01-10 21:59")),
            local("2027-01-10 21:59")
        );
        assert!(!w.is_open(local("2027-01-10 07:59")));
    }

    #[test]
    fn a_customers_own_quiet_hours_add_to_the_guideline() {
        // Lunch: 12:00–13:30.
        let w = shanghai(Some("12:00-13:30"));
        assert_eq!(
            w.next_open(local("2027-01-10 12:10")),
            local("2027-01-10 13:30")
        );
        // A night worker sleeping 07:00–15:00: the guideline's end at 08:00 is still quiet.
        let w = shanghai(Some("07:00-15:00"));
        assert_eq!(
            w.next_open(local("2027-01-10 06:00")),
            local("2027-01-10 15:00")
        );
        // Quiet hours that run into the guideline's: 21:00–23:00, then 22:00–08:00.
        let w = shanghai(Some("21:00-23:00"));
        assert_eq!(
            w.next_open(local("2027-01-10 21:30")),
            local("2027-01-11 08:00")
        );
        // Empty span.
        let w = shanghai(Some("09:00-09:00"));
        assert!(w.is_open(local("2027-01-10 09:00")));
        // Quiet all day but the guideline's night: set aside, the guideline holds.
        let w = shanghai(Some("08:00-22:00"));
        assert_eq!(
            w.next_open(local("2027-01-10 06:00")),
            local("2027-01-10 08:00")
        );
    }

    #[test]
    fn quiet_hours_parse_from_the_setting() {
        assert_eq!(
            QuietHours::parse("22:00-08:00"),
            Some(QuietHours::guideline())
        );
        assert_eq!(QuietHours::parse("22-08"), None);
        assert_eq!(QuietHours::parse("25:00-08:00"), None);
    }

    #[test]
    fn calls_stop_after_six_unanswered() {
        assert!(may_call(0));
        assert!(may_call(5));
        assert!(!may_call(6));
    }

    proptest! {
        #[test]
        fn the_next_open_instant_is_never_quiet_never_early_and_within_two_days(
            minutes in 0i64..(60 * 24 * 400),
            start in 0u32..(24 * 60),
            length in 0u32..(20 * 60),
        ) {
            let start_time = NaiveTime::from_num_seconds_from_midnight_opt(start * 60, 0).expect("t");
            let end_time = NaiveTime::from_num_seconds_from_midnight_opt(((start + length) % (24 * 60)) * 60, 0).expect("t");
            let w = ContactWindow {
                timezone: chrono_tz::Asia::Shanghai,
                guideline: QuietHours::guideline(),
                customer: Some(QuietHours { start: start_time, end: end_time }),
            };
            let now = local("2027-01-01 00:00") + chrono::Duration::minutes(minutes);
            let open = w.next_open(now);
            prop_assert!(open >= now);
            prop_assert!(open - now <= chrono::Duration::hours(48));
            let t = open.with_timezone(&chrono_tz::Asia::Shanghai).time();
            prop_assert!(!w.guideline.contains(t), "{open} is in the guideline's quiet hours");
            let customer = w.customer.expect("set");
            let always_quiet = (0..24 * 60).all(|m| {
                let t = NaiveTime::from_num_seconds_from_midnight_opt(m * 60, 0).expect("t");
                customer.contains(t) || w.guideline.contains(t)
            });
            prop_assert!(always_quiet || !customer.contains(t), "{open} is in the customer's quiet hours");
        }
    }
}
