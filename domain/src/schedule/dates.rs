//! Due dates.
//!
//! **The rule.** One full period after the start date is the start date plus one month
//! (quarterly: three months) by the calendar, where a month that has no such day ends on
//! its last day — the Civil Code's rule for periods counted in months (《民法典》第二百零三条:
//! 没有对应日的，月末日为期间的最后一日): 31 January plus one month is 28 (or 29) February.
//! The first due date is the first payment day on or after that date; every later due date
//! is the first one plus a whole number of periods, on the same payment day. So a loan
//! started on 15 January 2026 with payment day 10 is first due on 10 March 2026 (10 February
//! would be less than a month after the money was paid out), and with payment day 20 on
//! 20 February 2026. The first period is therefore between one period and one period plus
//! one month long; it is charged one period's interest like every other period.
//!
//! The payment day is 1–28, so it exists in every month; the functions still return
//! `Option` rather than panic, for dates at the end of the calendar.

use chrono::{Datelike, Months, NaiveDate};

use super::method::Frequency;

/// The first due date of a loan started on `start` and repaid on `payment_day` of the
/// month: the first such day at least one full period after `start` (see the module
/// documentation). `None` only past the end of the calendar or for a day outside 1–28.
pub fn first_due_date(
    start: NaiveDate,
    payment_day: u8,
    frequency: Frequency,
) -> Option<NaiveDate> {
    if !(1..=28).contains(&payment_day) {
        return None;
    }
    let one_period_later = start.checked_add_months(Months::new(frequency.months_per_period()))?;
    let index = month_index(one_period_later);
    let index = if one_period_later.day() <= u32::from(payment_day) {
        index
    } else {
        index.checked_add(1)?
    };
    date_at(index, u32::from(payment_day))
}

/// The due date of period `period` (1-based) of a loan first due on `first`: `first` plus
/// `period − 1` periods. `None` for period 0 or past the end of the calendar.
pub fn nth_due_date(first: NaiveDate, frequency: Frequency, period: u32) -> Option<NaiveDate> {
    let steps = i64::from(period.checked_sub(1)?);
    let index = month_index(first).checked_add(steps * i64::from(frequency.months_per_period()))?;
    date_at(index, first.day())
}

/// The due dates of consecutive periods, starting with a given one; cheaper than calling
/// [`nth_due_date`] for each (no calendar arithmetic beyond building the date).
#[derive(Debug, Clone)]
pub(crate) struct DueDates {
    index: i64,
    day: u32,
    step: i64,
}

impl DueDates {
    /// Due dates from `period` (1-based) on, for a loan first due on `first`.
    pub(crate) fn from_period(first: NaiveDate, frequency: Frequency, period: u32) -> DueDates {
        let step = i64::from(frequency.months_per_period());
        let offset = i64::from(period.saturating_sub(1)) * step;
        DueDates {
            index: month_index(first).saturating_add(offset),
            day: first.day(),
            step,
        }
    }
}

impl Iterator for DueDates {
    type Item = NaiveDate;

    /// `None` only past the end of the calendar, which [`LoanTerms::new`] rules out for
    /// every period of a loan.
    ///
    /// [`LoanTerms::new`]: super::terms::LoanTerms::new
    fn next(&mut self) -> Option<NaiveDate> {
        let date = date_at(self.index, self.day)?;
        self.index = self.index.saturating_add(self.step);
        Some(date)
    }
}

/// Months since year 0: `year × 12 + month − 1`.
fn month_index(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

fn date_at(index: i64, day: u32) -> Option<NaiveDate> {
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn first_due_date_is_at_least_one_full_period_later() {
        let m = Frequency::Monthly;
        // The brief's example: 10 February is less than a month after 15 January.
        assert_eq!(first_due_date(d(2026, 1, 15), 10, m), Some(d(2026, 3, 10)));
        assert_eq!(first_due_date(d(2026, 1, 15), 20, m), Some(d(2026, 2, 20)));
        // Exactly one month is enough.
        assert_eq!(first_due_date(d(2026, 1, 15), 15, m), Some(d(2026, 2, 15)));
        assert_eq!(first_due_date(d(2026, 1, 16), 15, m), Some(d(2026, 3, 15)));
        // Month ends: 31 January + 1 month = 28 February (Civil Code art. 203).
        assert_eq!(first_due_date(d(2026, 1, 31), 28, m), Some(d(2026, 2, 28)));
        assert_eq!(first_due_date(d(2026, 1, 31), 27, m), Some(d(2026, 3, 27)));
        assert_eq!(first_due_date(d(2026, 1, 29), 28, m), Some(d(2026, 2, 28)));
        // Leap year: 31 January 2028 + 1 month = 29 February 2028, after day 28.
        assert_eq!(first_due_date(d(2028, 1, 31), 28, m), Some(d(2028, 3, 28)));
        assert_eq!(first_due_date(d(2028, 1, 28), 28, m), Some(d(2028, 2, 28)));
        // 30 April + 1 month = 30 May.
        assert_eq!(first_due_date(d(2026, 4, 30), 1, m), Some(d(2026, 6, 1)));
        // Year crossing.
        assert_eq!(first_due_date(d(2026, 12, 5), 1, m), Some(d(2027, 2, 1)));
        assert_eq!(
            first_due_date(d(2026, 11, 20), 25, m),
            Some(d(2026, 12, 25))
        );
        assert_eq!(first_due_date(d(2026, 12, 20), 25, m), Some(d(2027, 1, 25)));
    }

    #[test]
    fn quarterly_first_due_date() {
        let q = Frequency::Quarterly;
        assert_eq!(first_due_date(d(2026, 1, 15), 10, q), Some(d(2026, 5, 10)));
        assert_eq!(first_due_date(d(2026, 1, 15), 20, q), Some(d(2026, 4, 20)));
        // 30 November + 3 months = 28 February.
        assert_eq!(first_due_date(d(2026, 11, 30), 28, q), Some(d(2027, 2, 28)));
        assert_eq!(first_due_date(d(2026, 11, 30), 1, q), Some(d(2027, 3, 1)));
    }

    #[test]
    fn later_due_dates_step_by_the_frequency() {
        let first = d(2026, 11, 28);
        let monthly: Vec<_> = DueDates::from_period(first, Frequency::Monthly, 1)
            .take(4)
            .collect();
        assert_eq!(
            monthly,
            [
                d(2026, 11, 28),
                d(2026, 12, 28),
                d(2027, 1, 28),
                d(2027, 2, 28)
            ]
        );
        let quarterly: Vec<_> = DueDates::from_period(first, Frequency::Quarterly, 1)
            .take(4)
            .collect();
        assert_eq!(
            quarterly,
            [
                d(2026, 11, 28),
                d(2027, 2, 28),
                d(2027, 5, 28),
                d(2027, 8, 28)
            ]
        );
        let from_third: Vec<_> = DueDates::from_period(first, Frequency::Quarterly, 3)
            .take(2)
            .collect();
        assert_eq!(from_third, [d(2027, 5, 28), d(2027, 8, 28)]);
        assert_eq!(nth_due_date(first, Frequency::Monthly, 1), Some(first));
        assert_eq!(
            nth_due_date(first, Frequency::Monthly, 15),
            Some(d(2028, 1, 28))
        );
        assert_eq!(
            nth_due_date(first, Frequency::Quarterly, 5),
            Some(d(2027, 11, 28))
        );
        assert_eq!(nth_due_date(first, Frequency::Monthly, 0), None);
    }

    #[test]
    fn never_panics_at_the_end_of_the_calendar() {
        assert_eq!(first_due_date(NaiveDate::MAX, 1, Frequency::Monthly), None);
        assert_eq!(first_due_date(d(2026, 1, 1), 29, Frequency::Monthly), None);
        assert_eq!(first_due_date(d(2026, 1, 1), 0, Frequency::Monthly), None);
        assert_eq!(
            nth_due_date(d(2026, 1, 1), Frequency::Quarterly, u32::MAX),
            None
        );
        let mut near_end = DueDates::from_period(d(262_142, 1, 1), Frequency::Monthly, 1);
        assert!(near_end.next().is_some());
        assert_eq!(near_end.by_ref().take(20).count(), 11);
        assert_eq!(near_end.next(), None);
        assert!(first_due_date(NaiveDate::MIN, 28, Frequency::Quarterly).is_some());
    }
}
