//! Worked examples and properties of the repayment engine.

use proptest::prelude::*;
use rust_decimal_macros::dec;

use super::*;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// 727.31 due on 2027-01-15: interest 77.16, principal 650.15.
fn january() -> Installment {
    Installment {
        period: 1,
        due_date: day("2027-01-15"),
        scheduled: Parts {
            penalty: 0,
            interest: 7_716,
            fee: 0,
            principal: 65_015,
        },
        paid: Parts::default(),
        penalty: 0,
        penalty_through: None,
    }
}

#[test]
fn nothing_accrues_within_the_grace_days() {
    let terms = PlanTerms::default();
    let mut i = january();
    i.accrue(&terms, day("2027-01-18"));
    assert_eq!(i.penalty, 0);
    assert_eq!(terms.overdue_on(i.due_date), day("2027-01-19"));
}

#[test]
fn the_late_charge_runs_from_the_day_after_the_grace_on_the_unpaid_amount() {
    let terms = PlanTerms::default();
    let mut i = january();
    // Day 1 past grace: 727.31 × 0.0005 = 0.363655 → 0.36.
    i.accrue(&terms, day("2027-01-19"));
    assert_eq!(i.penalty, 36);
    // Accruing the same day again adds nothing.
    i.accrue(&terms, day("2027-01-19"));
    assert_eq!(i.penalty, 36);
    // Nine more days, as one segment: 727.31 × 0.0005 × 9 = 3.272895 → 3.27.
    i.accrue(&terms, day("2027-01-28"));
    assert_eq!(i.penalty, 36 + 327);
    // A partial payment of 400.00 pays the charge, then interest, then principal.
    let paid = i.pay(40_000);
    assert_eq!(
        paid,
        Parts {
            penalty: 363,
            interest: 7_716,
            fee: 0,
            principal: 31_921
        }
    );
    // From then on the charge runs on what is left: 331.94 × 0.0005 × 2 = 0.33194 → 0.33.
    i.accrue(&terms, day("2027-01-30"));
    assert_eq!(i.penalty, 363 + 33);
    assert_eq!(i.owed().total(), 33 + 65_015 - 31_921);
}

#[test]
fn a_payment_runs_oldest_first_and_leaves_the_rest() {
    let mut two = vec![january(), {
        let mut f = january();
        f.period = 2;
        f.due_date = day("2027-02-15");
        f
    }];
    let (shares, left) = allocate(&mut two, 100_000);
    assert_eq!(shares[0].total(), 72_731);
    assert_eq!(shares[1].total(), 100_000 - 72_731);
    assert_eq!(left, 0);
    assert!(two[0].settled() && !two[1].settled());
    let (_, left) = allocate(&mut two, 200_000);
    assert_eq!(left, 200_000 - (2 * 72_731 - 100_000));
}

#[test]
fn retries_follow_the_configured_days_then_stop() {
    let due = day("2027-01-15");
    assert_eq!(retry_day(due, 0, &[1, 3]), Some(due));
    assert_eq!(retry_day(due, 1, &[1, 3]), Some(day("2027-01-16")));
    assert_eq!(retry_day(due, 2, &[1, 3]), Some(day("2027-01-18")));
    assert_eq!(retry_day(due, 3, &[1, 3]), None);
}

#[test]
fn buckets_by_days_past_due() {
    for (days, bucket) in [
        (0, Bucket::Current),
        (1, Bucket::M1),
        (30, Bucket::M1),
        (31, Bucket::M2),
        (60, Bucket::M2),
        (61, Bucket::M3),
        (90, Bucket::M3),
        (91, Bucket::M3Plus),
    ] {
        assert_eq!(Bucket::of(days), bucket, "{days}");
        assert_eq!(Bucket::from_stored(bucket.as_str()), bucket);
    }
}

#[test]
fn progress_of_a_plan_with_one_overdue_month() {
    let terms = PlanTerms::default();
    let mut months: Vec<Installment> = (1..=3)
        .map(|n| {
            let mut i = january();
            i.period = n;
            i.due_date = day(&format!("2027-0{n}-15"));
            i
        })
        .collect();
    let today = day("2027-02-20");
    for m in &mut months {
        m.accrue(&terms, today);
    }
    // February paid in full (with its two days of late charge), January not.
    let february = months[1].owed().total();
    assert_eq!(february, 72_731 + 73);
    months[1].pay(february);
    let p = progress(&months, &terms, today, 3 * 65_015);
    assert_eq!(p.periods_paid, 1);
    assert_eq!(p.periods_total, 3);
    assert_eq!(p.principal_paid, 65_015);
    assert_eq!(p.principal_remaining, 2 * 65_015);
    assert_eq!(p.percent_complete, dec!(33.33));
    // Principal repaid early counts as paid, though no installment holds it any more.
    let p = progress(&months, &terms, today, 3 * 65_015 + 10_000);
    assert_eq!(p.principal_paid, 65_015 + 10_000);
    assert_eq!(p.principal_remaining, 2 * 65_015);
    assert_eq!(p.next_due_date, Some(day("2027-03-15")));
    assert_eq!(p.next_due_amount, 72_731);
    // January: 727.31 and 33 days past grace (2027-01-19..=2027-02-20) of 0.0005 a day.
    assert_eq!(p.overdue_amount, 72_731 + 1_200);
    assert_eq!(p.overdue_days, 36);
    assert_eq!(p.bucket, Bucket::M2);
}

proptest! {
    /// Whatever is paid in whatever pieces, nothing is lost or created: each installment is
    /// paid at most what it owed, by part, and the total allocated plus what is left is
    /// what was paid.
    #[test]
    fn allocation_keeps_every_fen(
        payments in proptest::collection::vec(0i64..200_000, 1..8),
        late_days in 0u32..120,
    ) {
        let terms = PlanTerms::default();
        let mut months: Vec<Installment> = (1..=4)
            .map(|n| {
                let mut i = january();
                i.period = n;
                i.due_date = day(&format!("2027-0{n}-15"));
                i
            })
            .collect();
        let today = day("2027-01-15") + chrono::Days::new(u64::from(late_days));
        for m in &mut months {
            m.accrue(&terms, today);
        }
        let owed_before: i64 = months.iter().map(|m| m.owed().total()).sum();
        let mut allocated = 0;
        for amount in payments {
            let (shares, left) = allocate(&mut months, amount);
            let total: i64 = shares.iter().map(Parts::total).sum();
            prop_assert_eq!(total + left, amount);
            allocated += total;
            for m in &months {
                let owed = m.owed();
                prop_assert!(owed.penalty >= 0 && owed.interest >= 0 && owed.fee >= 0 && owed.principal >= 0);
            }
        }
        let owed_after: i64 = months.iter().map(|m| m.owed().total()).sum();
        prop_assert_eq!(owed_before - owed_after, allocated);
        // Oldest first: no installment has been paid while an older one still owes.
        for pair in months.windows(2) {
            if !pair[0].settled() {
                prop_assert_eq!(pair[1].paid.total(), 0);
            }
        }
    }

    /// The late charge only grows with time and never accrues within the grace days.
    #[test]
    fn the_late_charge_grows_with_time(a in 0u32..200, b in 0u32..200) {
        let terms = PlanTerms::default();
        let (early, late) = (a.min(b), a.max(b));
        let mut i = january();
        i.accrue(&terms, i.due_date + chrono::Days::new(u64::from(early)));
        let first = i.penalty;
        i.accrue(&terms, i.due_date + chrono::Days::new(u64::from(late)));
        prop_assert!(i.penalty >= first);
        if late <= terms.grace_days {
            prop_assert_eq!(i.penalty, 0);
        }
    }
}

#[test]
fn a_payoff_quote_is_what_is_due_the_rest_s_principal_its_interest_since_the_last_due_date_and_the_fee()
 {
    let terms = PlanTerms {
        annual_rate: dec!(0.075),
        prepayment_min_periods_paid: 1,
        prepayment_fee_rate: dec!(0.01),
        start_date: Some(day("2026-12-15")),
        ..PlanTerms::default()
    };
    let mut months: Vec<Installment> = (1..=3)
        .map(|n| {
            let mut i = january();
            i.period = n;
            i.due_date = day(&format!("2027-0{n}-15"));
            i
        })
        .collect();
    // Nothing paid yet: too early.
    assert_eq!(
        payoff_quote(&months, &terms, day("2027-01-20")),
        Err(PayoffRefusal::TooEarly {
            required: 1,
            paid: 0
        })
    );
    let january_owed = months[0].owed().total();
    months[0].pay(january_owed);
    // On 2027-02-05: nothing due; February and March principal 1,300.30; 21 days since
    // 2027-01-15: 1,300.30 × 7.5 % × 21 / 360 = 5.6888… → 5.69; fee 1 %: 13.003 → 13.00.
    let quote = payoff_quote(&months, &terms, day("2027-02-05")).unwrap();
    assert_eq!(quote.due_now, 0);
    assert_eq!(quote.principal, 130_030);
    assert_eq!(quote.accrued_days, 21);
    assert_eq!(quote.accrued_interest, 569);
    assert_eq!(quote.fee, 1_300);
    assert_eq!(quote.total, 130_030 + 569 + 1_300);
    // Not allowed at all.
    let closed = PlanTerms {
        prepayment_allowed: false,
        ..terms.clone()
    };
    assert_eq!(
        payoff_quote(&months, &closed, day("2027-02-05")),
        Err(PayoffRefusal::NotAllowed)
    );
}
