//! Property tests over thousands of generated loans: the engine's invariants, the APR
//! solver's convergence and accuracy, prepayment and late-charge rules, and that no input
//! makes anything panic.

use chrono::{Datelike, Months, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::apr::{Method, periodic_irr};
use super::*;
use crate::money::Money;
use crate::rate::Rate;

/// Cases per property; `PROPTEST_CASES` overrides it for a longer soak
/// (`PROPTEST_CASES=200000 cargo test -p domain --release proptests`).
const CASES: u32 = 4_000;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    ProptestConfig {
        cases,
        // Failing inputs are printed; nothing is written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

prop_compose! {
    /// Principal in fen, weighted towards ordinary loans but covering a fen up to the
    /// default maximum.
    fn principal_fen()(fen in prop_oneof![
        1 => 1i64..=10_000,
        6 => 10_000i64..=100_000_000,
        3 => 100_000_000i64..=10_000_000_000,
    ]) -> i64 { fen }
}

fn frequency() -> impl Strategy<Value = Frequency> {
    prop_oneof![Just(Frequency::Monthly), Just(Frequency::Quarterly)]
}

fn method() -> impl Strategy<Value = RepaymentMethod> {
    prop_oneof![
        Just(RepaymentMethod::EqualInstallment),
        Just(RepaymentMethod::EqualPrincipal),
        Just(RepaymentMethod::InterestFirst),
        Just(RepaymentMethod::FeeBased),
    ]
}

prop_compose! {
    fn start_date()(days in 0i64..20_000) -> NaiveDate {
        NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Duration::days(days)
    }
}

prop_compose! {
    /// A valid input for `method`: an annual rate up to the 24 % cap with up to 6
    /// decimals, or a fee rate whose simple annual equivalent is within the cap.
    fn input_for(method: RepaymentMethod)(
        principal in principal_fen(),
        rate_millionths in 0i64..=240_000,
        fee_millionths in 0i64..=20_000,
        periods in prop_oneof![3 => 1i64..=36, 1 => 37i64..=360],
        frequency in frequency(),
        start_date in start_date(),
        payment_day in 1i64..=28,
    ) -> LoanTermsInput {
        let fee_based = method == RepaymentMethod::FeeBased;
        // Quarterly fees may be three times the monthly ones.
        let fee_scale = if frequency == Frequency::Quarterly { 3 } else { 1 };
        LoanTermsInput {
            principal: Decimal::new(principal, 2),
            annual_rate: if fee_based { Decimal::ZERO } else { Decimal::new(rate_millionths, 6) },
            period_fee_rate: fee_based.then(|| Decimal::new(fee_millionths * fee_scale, 6)),
            periods,
            frequency,
            method,
            start_date,
            payment_day,
        }
    }
}

fn any_input() -> impl Strategy<Value = LoanTermsInput> {
    method().prop_flat_map(input_for)
}

fn terms(input: LoanTermsInput) -> LoanTerms {
    LoanTerms::new(input, &Limits::default()).expect("generated inputs are valid")
}

/// Checks every invariant of a schedule that starts at period `first` with `balance`
/// outstanding; returns the principal repaid.
fn check_entries(t: &LoanTerms, entries: &[ScheduleEntry], first: u32, balance: Money) -> Money {
    let ppy = Decimal::from(t.frequency().periods_per_year());
    let mut outstanding = balance;
    let mut repaid = Money::ZERO;
    let mut previous_due: Option<NaiveDate> = None;
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.period, first + i as u32);
        assert!(!e.payment.is_negative() && !e.principal.is_negative());
        assert!(!e.interest.is_negative() && !e.fee.is_negative());
        assert!(!e.remaining_principal.is_negative());
        assert_eq!(e.payment, e.principal + e.interest + e.fee);
        // Interest recomputed independently in Decimal: balance × annual / periods a year.
        let interest = Money::round_half_up(outstanding.amount() * t.annual_rate().value() / ppy);
        assert_eq!(e.interest, interest, "period {}", e.period);
        assert!(e.principal <= outstanding);
        outstanding -= e.principal;
        repaid += e.principal;
        assert_eq!(
            e.remaining_principal, outstanding,
            "remaining principal never rises"
        );
        assert_eq!(e.due_date.day(), u32::from(t.payment_day()));
        if let Some(before) = previous_due {
            let step = Months::new(t.frequency().months_per_period());
            assert_eq!(before.checked_add_months(step), Some(e.due_date));
        }
        previous_due = Some(e.due_date);
    }
    assert_eq!(
        outstanding,
        Money::ZERO,
        "the last period repays everything"
    );
    repaid
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn schedules_keep_every_invariant(input in any_input()) {
        let t = terms(input);
        let s = generate(&t);
        let entries = s.entries();
        prop_assert_eq!(entries.len(), t.periods() as usize);
        let repaid = check_entries(&t, entries, 1, t.principal());
        prop_assert_eq!(repaid, t.principal(), "principal sums exactly to the loan");

        // The first due date is the first payment day at least one period after the start.
        let one_period = t.start_date()
            .checked_add_months(Months::new(t.frequency().months_per_period()))
            .unwrap();
        let first = entries[0].due_date;
        prop_assert!(first >= one_period);
        // ... and the payment day a month earlier is too soon.
        let month_before = first.checked_sub_months(Months::new(1)).unwrap();
        prop_assert!(month_before < one_period);

        let n = entries.len();
        let p = t.principal().to_fen();
        match t.method() {
            RepaymentMethod::EqualInstallment => {
                // Level payments, except where rounding left a loan of a few fen nothing to
                // repay in a period.
                let level = entries[0].payment;
                for e in &entries[..n - 1] {
                    if e.principal.is_positive() && e.remaining_principal.is_positive() {
                        prop_assert_eq!(e.payment, level);
                    }
                }
            }
            RepaymentMethod::EqualPrincipal | RepaymentMethod::FeeBased => {
                let part = (2 * p + n as i64) / (2 * n as i64);
                for e in &entries[..n - 1] {
                    prop_assert!(e.principal.to_fen() == part || e.remaining_principal.is_zero());
                }
            }
            RepaymentMethod::InterestFirst => {
                for e in &entries[..n - 1] {
                    prop_assert!(e.principal.is_zero());
                }
            }
        }
        match t.period_fee_rate() {
            Some(fee) => {
                let expected = Money::round_half_up(t.principal().amount() * fee.value());
                for e in entries {
                    prop_assert_eq!(e.fee, expected);
                    prop_assert!(e.interest.is_zero());
                }
            }
            None => prop_assert!(entries.iter().all(|e| e.fee.is_zero())),
        }
    }

    #[test]
    fn the_solver_converges_and_is_proven(input in any_input()) {
        let s = generate(&terms(input));
        let irr = periodic_irr(&s);
        prop_assert!(irr.method != Method::DecimalBisection, "{:?}", s.terms());
        let rates = annual_rates(&s);
        prop_assert!(rates.apr >= Decimal::ZERO);
        prop_assert!(rates.effective_annual_rate >= rates.apr);
    }

    #[test]
    fn interest_bearing_apr_equals_the_nominal_rate(
        input in prop_oneof![
            Just(RepaymentMethod::EqualInstallment),
            Just(RepaymentMethod::EqualPrincipal),
            Just(RepaymentMethod::InterestFirst),
        ].prop_flat_map(input_for),
        principal in 1_000_000i64..=10_000_000_000,
    ) {
        let t = terms(LoanTermsInput { principal: Decimal::new(principal, 2), ..input });
        let rates = annual_rates(&generate(&t));
        let gap = (rates.apr - t.annual_rate().value()).abs();
        prop_assert!(gap <= Decimal::new(1, 5), "APR {} vs nominal {}", rates.apr, t.annual_rate());
    }

    #[test]
    fn fee_based_apr_is_above_the_simple_fee_rate(
        input in input_for(RepaymentMethod::FeeBased),
        principal in 100_000i64..=10_000_000_000,
        fee_ten_thousandths in 1i64..=200,
        periods in 2i64..=60,
    ) {
        let t = terms(LoanTermsInput {
            principal: Decimal::new(principal, 2),
            period_fee_rate: Some(Decimal::new(fee_ten_thousandths, 4)),
            periods,
            ..input
        });
        let rates = annual_rates(&generate(&t));
        let fee = t.period_fee_rate().unwrap().value();
        let simple = fee * Decimal::from(t.frequency().periods_per_year());
        prop_assert!(rates.apr > simple, "APR {} vs simple {}", rates.apr, simple);
    }

    #[test]
    fn quotes_respect_the_cap_and_add_up(input in any_input()) {
        let t = terms(input);
        match quote(&t, &Limits::default()) {
            Ok(q) => {
                prop_assert!(q.apr <= Decimal::new(24, 2), "disclosed APR {} above the cap", q.apr);
                prop_assert_eq!(q.apr, q.apr_exact.round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero));
                prop_assert_eq!(q.total_payment, q.schedule.total_payment());
                prop_assert_eq!(q.total_payment, t.principal() + q.total_interest + q.total_fees);
            }
            Err(e) => {
                let field = if t.method().has_fee() { "periodFeeRate" } else { "annualRate" };
                prop_assert_eq!(e.field, field);
            }
        }
    }

    #[test]
    fn partial_prepayments_keep_every_invariant(
        input in prop_oneof![
            Just(RepaymentMethod::EqualInstallment),
            Just(RepaymentMethod::EqualPrincipal),
            Just(RepaymentMethod::InterestFirst),
        ].prop_flat_map(input_for),
        paid_share in 0.0f64..1.0,
        amount_share in 0.0f64..1.0,
        keep_term in any::<bool>(),
    ) {
        let t = terms(input);
        let s = generate(&t);
        let n = s.entries().len();
        let k = ((n as f64 * paid_share) as usize).min(n - 1);
        let outstanding = s.entries()[k].remaining_principal + s.entries()[k].principal;
        prop_assume!(outstanding.to_fen() >= 2);
        let amount = Money::from_fen(1 + ((outstanding.to_fen() - 2) as f64 * amount_share) as i64);
        let mode = if keep_term { RecomputeMode::KeepTerm } else { RecomputeMode::KeepInstallment };
        let result = partial_prepayment(&s, k as u32, amount, mode, Rate::ZERO);
        if t.method() == RepaymentMethod::InterestFirst && !keep_term {
            prop_assert!(result.is_err());
            return Ok(());
        }
        let pp = result.unwrap();
        prop_assert_eq!(&pp.schedule.entries()[..k], &s.entries()[..k]);
        let new = pp.new_entries();
        let repaid = check_entries(&t, new, k as u32 + 1, outstanding - amount);
        prop_assert_eq!(repaid + amount, outstanding);
        if keep_term {
            prop_assert_eq!(new.len(), n - k);
        } else {
            prop_assert!(new.len() <= n - k);
        }
        for (after, before) in new.iter().zip(&s.entries()[k..]) {
            prop_assert_eq!(after.due_date, before.due_date);
            // Keeping the installment, the same payments on a smaller balance stay ahead.
            // (Keeping the term, a new level payment is rounded afresh, so a prepayment of
            // a few fen may leave a balance a fen above the old one near the end.)
            if !keep_term {
                prop_assert!(after.remaining_principal <= before.remaining_principal);
            }
        }
        // The APR of the new plan, with the prepayment as a cash flow, is still proven.
        prop_assert!(periodic_irr(&pp.schedule).method != Method::DecimalBisection);
        // And a payoff on the next period's first day costs exactly what is outstanding.
        if let Some(next) = new.first() {
            let from = if k == 0 { t.start_date() } else { s.entries()[k - 1].due_date };
            if from < next.due_date {
                let p = payoff(&pp.schedule, k as u32, from, Rate::ZERO).unwrap();
                prop_assert_eq!(p.total, outstanding - amount);
            }
        }
    }

    #[test]
    fn payoff_adds_up(input in any_input(), paid_share in 0.0f64..1.0, day_share in 0.0f64..1.0) {
        let t = terms(input);
        let s = generate(&t);
        let n = s.entries().len();
        let k = ((n as f64 * paid_share) as usize).min(n - 1);
        let from = if k == 0 { t.start_date() } else { s.entries()[k - 1].due_date };
        let span = (s.entries()[k].due_date - from).num_days();
        let days = ((span as f64) * day_share) as i64;
        let date = from + chrono::Duration::days(days.min(span - 1));
        let fee_rate = Rate::new(Decimal::new(1, 2)).unwrap();
        let p = payoff(&s, k as u32, date, fee_rate).unwrap();
        let outstanding = s.entries()[k].remaining_principal + s.entries()[k].principal;
        prop_assert_eq!(p.outstanding_principal, outstanding);
        let accrued = Money::round_half_up(
            outstanding.amount() * t.annual_rate().value() * Decimal::from(p.accrued_days)
                / Decimal::from(360),
        );
        prop_assert_eq!(p.accrued_interest, accrued);
        prop_assert_eq!(p.prepayment_fee, Money::round_half_up(outstanding.amount() / Decimal::from(100)));
        prop_assert_eq!(p.total, outstanding + p.accrued_interest + p.prepayment_fee);
    }

    #[test]
    fn late_charges_grow_with_the_days(
        overdue in 0i64..=10_000_000_000,
        rate_millionths in 0i64..=240_000,
        days in 0u32..=3_650,
    ) {
        let policy = LateChargePolicy::default();
        let rate = Rate::new(Decimal::new(rate_millionths, 6)).unwrap();
        let overdue = Money::from_fen(overdue);
        let today = policy.penalty_interest(overdue, rate, days).unwrap();
        let tomorrow = policy.penalty_interest(overdue, rate, days + 1).unwrap();
        prop_assert!(today <= tomorrow);
        let penalty_rate = (rate.value() * Decimal::new(15, 1)).min(Decimal::new(24, 2));
        let expected = Money::round_half_up(
            overdue.amount() * penalty_rate * Decimal::from(days) / Decimal::from(360),
        );
        prop_assert_eq!(today, expected);
        prop_assert_eq!(policy.penalty_interest(overdue, rate, 0).unwrap(), Money::ZERO);
    }

    #[test]
    fn no_input_makes_anything_panic(
        lo in any::<u32>(), mid in any::<u32>(), hi in any::<u32>(),
        negative in any::<bool>(), scale in 0u32..=28,
        rate_parts in (any::<u32>(), any::<u32>(), 0u32..=28),
        fee in proptest::option::of((any::<u32>(), any::<u32>(), any::<u32>(), 0u32..=28)),
        periods in any::<i64>(),
        payment_day in any::<i64>(),
        frequency in frequency(),
        method in method(),
        start in any::<i32>(),
    ) {
        let input = LoanTermsInput {
            principal: Decimal::from_parts(lo, mid, hi, negative, scale),
            annual_rate: Decimal::from_parts(rate_parts.0, rate_parts.1, 0, false, rate_parts.2),
            period_fee_rate: fee.map(|(lo, mid, hi, s)| Decimal::from_parts(lo, mid, hi, false, s)),
            periods,
            frequency,
            method,
            start_date: NaiveDate::from_num_days_from_ce_opt(start).unwrap_or(NaiveDate::MIN),
            payment_day,
        };
        let generous = Limits {
            max_principal: Money::MAX,
            max_periods: u32::MAX,
            legal_apr_cap: Rate::new(Decimal::from(1_000)).unwrap(),
        };
        for limits in [Limits::default(), generous] {
            if let Ok(t) = LoanTerms::new(input, &limits) {
                let _ = quote(&t, &limits);
            }
        }
        let _ = Money::try_from_yuan(input.principal);
        let _ = Money::round_half_up(input.principal);
        let _ = Rate::new(input.principal);
    }

    #[test]
    fn money_round_trips(fen in any::<i64>()) {
        let m = Money::from_fen(fen);
        prop_assert_eq!(Money::try_from_yuan(m.amount()), Ok(m));
        prop_assert_eq!(m.to_string().parse::<Money>(), Ok(m));
        let json = serde_json::to_string(&m).unwrap();
        prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    }
}

/// The engine's extremes — the largest principal, the highest rate, the longest term —
/// still produce a valid, proven schedule.
#[test]
fn the_engine_extremes() {
    let limits = Limits {
        max_principal: Money::MAX,
        max_periods: u32::MAX,
        legal_apr_cap: Rate::new(Decimal::from(10)).unwrap(),
    };
    for method in RepaymentMethod::ALL {
        for frequency in Frequency::ALL {
            let fee_based = method == RepaymentMethod::FeeBased;
            let input = LoanTermsInput {
                principal: Decimal::new(100_000_000_000_000, 2),
                annual_rate: if fee_based {
                    Decimal::ZERO
                } else {
                    Decimal::from(10)
                },
                period_fee_rate: fee_based.then(|| {
                    (Decimal::from(10) / Decimal::from(frequency.periods_per_year()))
                        .round_dp_with_strategy(10, rust_decimal::RoundingStrategy::ToZero)
                }),
                periods: 1_200,
                frequency,
                method,
                start_date: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
                payment_day: 28,
            };
            let t = LoanTerms::new(input, &limits).unwrap();
            let s = generate(&t);
            let repaid = check_entries(&t, s.entries(), 1, t.principal());
            assert_eq!(repaid, t.principal());
            assert_ne!(
                periodic_irr(&s).method,
                Method::DecimalBisection,
                "{method} {frequency}"
            );
            let q = quote(&t, &limits);
            assert!(q.is_ok() || q.is_err());
        }
    }
}
