//! Worked examples for every method and frequency, through the public API, plus
//! prepayment and late-charge examples.
//!
//! Every literal figure was computed independently of this crate, with exact rational
//! arithmetic in Python (`fractions`; IRR by bisection in `decimal` at 60 digits), from the
//! rules in docs/schedule.md, where the script is reproduced.

use chrono::NaiveDate;
use domain::money::Money;
use domain::rate::Rate;
use domain::schedule::{
    Frequency, LateChargePolicy, Limits, LoanQuote, LoanTerms, LoanTermsInput, PrepaymentError,
    RecomputeMode, RepaymentMethod, ScheduleEntry, annual_rates, disclosed_rate,
    partial_prepayment, payoff, quote,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn money(s: &str) -> Money {
    s.parse().unwrap()
}

fn rate(d: Decimal) -> Rate {
    Rate::new(d).unwrap()
}

fn quote_of(input: LoanTermsInput) -> LoanQuote {
    let terms = LoanTerms::new(input, &Limits::default()).unwrap();
    quote(&terms, &Limits::default()).unwrap()
}

/// One expected period: "period due-date payment principal interest fee remaining".
fn row(line: &str) -> ScheduleEntry {
    let f: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(f.len(), 7, "{line}");
    ScheduleEntry {
        period: f[0].parse().unwrap(),
        due_date: f[1].parse().unwrap(),
        payment: money(f[2]),
        principal: money(f[3]),
        interest: money(f[4]),
        fee: money(f[5]),
        remaining_principal: money(f[6]),
    }
}

fn assert_rows(entries: &[ScheduleEntry], expected: &[&str]) {
    assert_eq!(entries.len(), expected.len(), "number of periods");
    for (e, line) in entries.iter().zip(expected) {
        assert_eq!(*e, row(line), "{line}");
    }
}

fn assert_entries(q: &LoanQuote, expected: &[&str]) {
    assert_rows(q.schedule.entries(), expected);
}

fn assert_totals(
    q: &LoanQuote,
    payment: &str,
    interest: &str,
    fees: &str,
    apr: Decimal,
    ear: Decimal,
) {
    assert_eq!(q.total_payment, money(payment), "total payment");
    assert_eq!(q.total_interest, money(interest), "total interest");
    assert_eq!(q.total_fees, money(fees), "total fees");
    assert_eq!(q.apr_exact, apr, "APR");
    assert_eq!(q.effective_annual_rate_exact, ear, "effective annual rate");
    assert_eq!(q.apr, disclosed_rate(apr), "disclosed APR");
    assert_eq!(
        q.effective_annual_rate,
        disclosed_rate(ear),
        "disclosed EAR"
    );
    let principal: Money = q.schedule.entries().iter().map(|e| e.principal).sum();
    assert_eq!(principal, q.schedule.terms().principal());
}

fn anchor() -> LoanTermsInput {
    LoanTermsInput {
        principal: dec!(10000.00),
        annual_rate: dec!(0.12),
        period_fee_rate: None,
        periods: 12,
        frequency: Frequency::Monthly,
        method: RepaymentMethod::EqualInstallment,
        start_date: date(2026, 1, 15),
        payment_day: 15,
    }
}

/// The brief's anchor: 10,000.00 at 12 % over 12 months is 888.49 a month; the last
/// payment absorbs the residue (888.47).
#[test]
fn equal_installment_monthly() {
    let q = quote_of(LoanTermsInput {
        principal: dec!(10000.00),
        annual_rate: dec!(0.12),
        period_fee_rate: None,
        periods: 12,
        frequency: Frequency::Monthly,
        method: RepaymentMethod::EqualInstallment,
        start_date: date(2026, 1, 15),
        payment_day: 15,
    });
    assert_entries(
        &q,
        &[
            "1 2026-02-15 888.49 788.49 100.00 0.00 9211.51",
            "2 2026-03-15 888.49 796.37 92.12 0.00 8415.14",
            "3 2026-04-15 888.49 804.34 84.15 0.00 7610.80",
            "4 2026-05-15 888.49 812.38 76.11 0.00 6798.42",
            "5 2026-06-15 888.49 820.51 67.98 0.00 5977.91",
            "6 2026-07-15 888.49 828.71 59.78 0.00 5149.20",
            "7 2026-08-15 888.49 837.00 51.49 0.00 4312.20",
            "8 2026-09-15 888.49 845.37 43.12 0.00 3466.83",
            "9 2026-10-15 888.49 853.82 34.67 0.00 2613.01",
            "10 2026-11-15 888.49 862.36 26.13 0.00 1750.65",
            "11 2026-12-15 888.49 870.98 17.51 0.00 879.67",
            "12 2027-01-15 888.47 879.67 8.80 0.00 0.00",
        ],
    );
    assert_totals(
        &q,
        "10661.86",
        "661.86",
        "0.00",
        dec!(0.12000115),
        dec!(0.12682631),
    );
}

/// Quarterly, period rate 0.06 / 4; started on 31 March: 31 March + 3 months = 30 June,
/// after day 28, so the first due date is 28 July.
#[test]
fn equal_installment_quarterly() {
    let q = quote_of(LoanTermsInput {
        principal: dec!(50000.00),
        annual_rate: dec!(0.06),
        period_fee_rate: None,
        periods: 8,
        frequency: Frequency::Quarterly,
        method: RepaymentMethod::EqualInstallment,
        start_date: date(2026, 3, 31),
        payment_day: 28,
    });
    assert_entries(
        &q,
        &[
            "1 2026-07-28 6679.20 5929.20 750.00 0.00 44070.80",
            "2 2026-10-28 6679.20 6018.14 661.06 0.00 38052.66",
            "3 2027-01-28 6679.20 6108.41 570.79 0.00 31944.25",
            "4 2027-04-28 6679.20 6200.04 479.16 0.00 25744.21",
            "5 2027-07-28 6679.20 6293.04 386.16 0.00 19451.17",
            "6 2027-10-28 6679.20 6387.43 291.77 0.00 13063.74",
            "7 2028-01-28 6679.20 6483.24 195.96 0.00 6580.50",
            "8 2028-04-28 6679.21 6580.50 98.71 0.00 0.00",
        ],
    );
    assert_totals(
        &q,
        "53433.61",
        "3433.61",
        "0.00",
        dec!(0.05999999),
        dec!(0.06136354),
    );
}

/// 1666.67 principal a month (10000 / 6 rounded), the last takes 1666.65; the year is
/// crossed between the start and the first due date.
#[test]
fn equal_principal_monthly() {
    let q = quote_of(LoanTermsInput {
        principal: dec!(10000.00),
        annual_rate: dec!(0.07),
        period_fee_rate: None,
        periods: 6,
        frequency: Frequency::Monthly,
        method: RepaymentMethod::EqualPrincipal,
        start_date: date(2026, 11, 20),
        payment_day: 5,
    });
    assert_entries(
        &q,
        &[
            "1 2027-01-05 1725.00 1666.67 58.33 0.00 8333.33",
            "2 2027-02-05 1715.28 1666.67 48.61 0.00 6666.66",
            "3 2027-03-05 1705.56 1666.67 38.89 0.00 4999.99",
            "4 2027-04-05 1695.84 1666.67 29.17 0.00 3333.32",
            "5 2027-05-05 1686.11 1666.67 19.44 0.00 1666.65",
            "6 2027-06-05 1676.37 1666.65 9.72 0.00 0.00",
        ],
    );
    assert_totals(
        &q,
        "10204.16",
        "204.16",
        "0.00",
        dec!(0.06999783),
        dec!(0.07228776),
    );
}

/// Quarterly equal principal: 25,000.00 a quarter plus interest on the balance.
#[test]
fn equal_principal_quarterly() {
    let q = quote_of(LoanTermsInput {
        principal: dec!(100000.00),
        annual_rate: dec!(0.055),
        period_fee_rate: None,
        periods: 4,
        frequency: Frequency::Quarterly,
        method: RepaymentMethod::EqualPrincipal,
        start_date: date(2026, 1, 15),
        payment_day: 10,
    });
    assert_entries(
        &q,
        &[
            "1 2026-05-10 26375.00 25000.00 1375.00 0.00 75000.00",
            "2 2026-08-10 26031.25 25000.00 1031.25 0.00 50000.00",
            "3 2026-11-10 25687.50 25000.00 687.50 0.00 25000.00",
            "4 2027-02-10 25343.75 25000.00 343.75 0.00 0.00",
        ],
    );
    assert_totals(
        &q,
        "103437.50",
        "3437.50",
        "0.00",
        dec!(0.05500000),
        dec!(0.05614481),
    );
}

/// Interest only, principal with the last payment; started on 31 January: + 1 month =
/// 28 February, which is payment day 28 itself.
#[test]
fn interest_first_monthly() {
    let q = quote_of(LoanTermsInput {
        principal: dec!(30000.00),
        annual_rate: dec!(0.085),
        period_fee_rate: None,
        periods: 6,
        frequency: Frequency::Monthly,
        method: RepaymentMethod::InterestFirst,
        start_date: date(2026, 1, 31),
        payment_day: 28,
    });
    assert_entries(
        &q,
        &[
            "1 2026-02-28 212.50 0.00 212.50 0.00 30000.00",
            "2 2026-03-28 212.50 0.00 212.50 0.00 30000.00",
            "3 2026-04-28 212.50 0.00 212.50 0.00 30000.00",
            "4 2026-05-28 212.50 0.00 212.50 0.00 30000.00",
            "5 2026-06-28 212.50 0.00 212.50 0.00 30000.00",
            "6 2026-07-28 30212.50 30000.00 212.50 0.00 0.00",
        ],
    );
    assert_totals(
        &q,
        "31275.00",
        "1275.00",
        "0.00",
        dec!(0.08500000),
        dec!(0.08839091),
    );
}

/// Quarterly interest only.
#[test]
fn interest_first_quarterly() {
    let q = quote_of(LoanTermsInput {
        principal: dec!(200000.00),
        annual_rate: dec!(0.0385),
        period_fee_rate: None,
        periods: 4,
        frequency: Frequency::Quarterly,
        method: RepaymentMethod::InterestFirst,
        start_date: date(2026, 8, 20),
        payment_day: 20,
    });
    assert_entries(
        &q,
        &[
            "1 2026-11-20 1925.00 0.00 1925.00 0.00 200000.00",
            "2 2027-02-20 1925.00 0.00 1925.00 0.00 200000.00",
            "3 2027-05-20 1925.00 0.00 1925.00 0.00 200000.00",
            "4 2027-08-20 201925.00 200000.00 1925.00 0.00 0.00",
        ],
    );
    assert_totals(
        &q,
        "207700.00",
        "7700.00",
        "0.00",
        dec!(0.03850000),
        dec!(0.03905942),
    );
}

/// A credit-card style installment: 0.6 % of the original principal a month, no
/// interest; 10 February is less than a month after 15 January, so the first due date
/// is 10 March. The APR is about twice the simple 7.2 %.
#[test]
fn fee_based_monthly() {
    let q = quote_of(LoanTermsInput {
        principal: dec!(12000.00),
        annual_rate: dec!(0),
        period_fee_rate: Some(dec!(0.006)),
        periods: 12,
        frequency: Frequency::Monthly,
        method: RepaymentMethod::FeeBased,
        start_date: date(2026, 1, 15),
        payment_day: 10,
    });
    assert_entries(
        &q,
        &[
            "1 2026-03-10 1072.00 1000.00 0.00 72.00 11000.00",
            "2 2026-04-10 1072.00 1000.00 0.00 72.00 10000.00",
            "3 2026-05-10 1072.00 1000.00 0.00 72.00 9000.00",
            "4 2026-06-10 1072.00 1000.00 0.00 72.00 8000.00",
            "5 2026-07-10 1072.00 1000.00 0.00 72.00 7000.00",
            "6 2026-08-10 1072.00 1000.00 0.00 72.00 6000.00",
            "7 2026-09-10 1072.00 1000.00 0.00 72.00 5000.00",
            "8 2026-10-10 1072.00 1000.00 0.00 72.00 4000.00",
            "9 2026-11-10 1072.00 1000.00 0.00 72.00 3000.00",
            "10 2026-12-10 1072.00 1000.00 0.00 72.00 2000.00",
            "11 2027-01-10 1072.00 1000.00 0.00 72.00 1000.00",
            "12 2027-02-10 1072.00 1000.00 0.00 72.00 0.00",
        ],
    );
    assert_totals(
        &q,
        "12864.00",
        "0.00",
        "864.00",
        dec!(0.13034224),
        dec!(0.13841785),
    );
}

/// Quarterly fee-based with a principal that does not divide evenly: 2500.00 a quarter,
/// the last takes 2499.99.
#[test]
fn fee_based_quarterly() {
    let q = quote_of(LoanTermsInput {
        principal: dec!(9999.99),
        annual_rate: dec!(0),
        period_fee_rate: Some(dec!(0.018)),
        periods: 4,
        frequency: Frequency::Quarterly,
        method: RepaymentMethod::FeeBased,
        start_date: date(2026, 12, 1),
        payment_day: 1,
    });
    assert_entries(
        &q,
        &[
            "1 2027-03-01 2680.00 2500.00 0.00 180.00 7499.99",
            "2 2027-06-01 2680.00 2500.00 0.00 180.00 4999.99",
            "3 2027-09-01 2680.00 2500.00 0.00 180.00 2499.99",
            "4 2027-12-01 2679.99 2499.99 0.00 180.00 0.00",
        ],
    );
    assert_totals(
        &q,
        "10719.99",
        "0.00",
        "720.00",
        dec!(0.11360963),
        dec!(0.11854211),
    );
}

/// The benchmark's loan and docs/schedule.md's worked example: 100,000.00 at 4.35 % over
/// 36 months.
#[test]
fn equal_installment_36_months() {
    let q = quote_of(LoanTermsInput {
        principal: dec!(100000.00),
        annual_rate: dec!(0.0435),
        period_fee_rate: None,
        periods: 36,
        frequency: Frequency::Monthly,
        method: RepaymentMethod::EqualInstallment,
        start_date: date(2026, 1, 15),
        payment_day: 15,
    });
    assert_entries(
        &q,
        &[
            "1 2026-02-15 2967.99 2605.49 362.50 0.00 97394.51",
            "2 2026-03-15 2967.99 2614.93 353.06 0.00 94779.58",
            "3 2026-04-15 2967.99 2624.41 343.58 0.00 92155.17",
            "4 2026-05-15 2967.99 2633.93 334.06 0.00 89521.24",
            "5 2026-06-15 2967.99 2643.48 324.51 0.00 86877.76",
            "6 2026-07-15 2967.99 2653.06 314.93 0.00 84224.70",
            "7 2026-08-15 2967.99 2662.68 305.31 0.00 81562.02",
            "8 2026-09-15 2967.99 2672.33 295.66 0.00 78889.69",
            "9 2026-10-15 2967.99 2682.01 285.98 0.00 76207.68",
            "10 2026-11-15 2967.99 2691.74 276.25 0.00 73515.94",
            "11 2026-12-15 2967.99 2701.49 266.50 0.00 70814.45",
            "12 2027-01-15 2967.99 2711.29 256.70 0.00 68103.16",
            "13 2027-02-15 2967.99 2721.12 246.87 0.00 65382.04",
            "14 2027-03-15 2967.99 2730.98 237.01 0.00 62651.06",
            "15 2027-04-15 2967.99 2740.88 227.11 0.00 59910.18",
            "16 2027-05-15 2967.99 2750.82 217.17 0.00 57159.36",
            "17 2027-06-15 2967.99 2760.79 207.20 0.00 54398.57",
            "18 2027-07-15 2967.99 2770.80 197.19 0.00 51627.77",
            "19 2027-08-15 2967.99 2780.84 187.15 0.00 48846.93",
            "20 2027-09-15 2967.99 2790.92 177.07 0.00 46056.01",
            "21 2027-10-15 2967.99 2801.04 166.95 0.00 43254.97",
            "22 2027-11-15 2967.99 2811.19 156.80 0.00 40443.78",
            "23 2027-12-15 2967.99 2821.38 146.61 0.00 37622.40",
            "24 2028-01-15 2967.99 2831.61 136.38 0.00 34790.79",
            "25 2028-02-15 2967.99 2841.87 126.12 0.00 31948.92",
            "26 2028-03-15 2967.99 2852.18 115.81 0.00 29096.74",
            "27 2028-04-15 2967.99 2862.51 105.48 0.00 26234.23",
            "28 2028-05-15 2967.99 2872.89 95.10 0.00 23361.34",
            "29 2028-06-15 2967.99 2883.31 84.68 0.00 20478.03",
            "30 2028-07-15 2967.99 2893.76 74.23 0.00 17584.27",
            "31 2028-08-15 2967.99 2904.25 63.74 0.00 14680.02",
            "32 2028-09-15 2967.99 2914.77 53.22 0.00 11765.25",
            "33 2028-10-15 2967.99 2925.34 42.65 0.00 8839.91",
            "34 2028-11-15 2967.99 2935.95 32.04 0.00 5903.96",
            "35 2028-12-15 2967.99 2946.59 21.40 0.00 2957.37",
            "36 2029-01-15 2968.09 2957.37 10.72 0.00 0.00",
        ],
    );
    assert_totals(
        &q,
        "106847.74",
        "6847.74",
        "0.00",
        dec!(0.04349982),
        dec!(0.04437766),
    );
}

/// Paying the anchor loan off 10 days after its third due date (15 April 2026), with a
/// 1 % prepayment fee: 7610.80 + 7610.80 × 0.12 × 10 / 360 (25.37) + 76.11.
#[test]
fn payoff_after_three_periods() {
    let q = quote_of(anchor());
    let p = payoff(&q.schedule, 3, date(2026, 4, 25), rate(dec!(0.01))).unwrap();
    assert_eq!(p.outstanding_principal, money("7610.80"));
    assert_eq!(p.accrued_days, 10);
    assert_eq!(p.accrued_interest, money("25.37"));
    assert_eq!(p.prepayment_fee, money("76.11"));
    assert_eq!(p.total, money("7712.28"));
}

/// Nothing paid yet: interest runs from the start date (20 days: 66.67).
#[test]
fn payoff_before_the_first_due_date() {
    let q = quote_of(anchor());
    let p = payoff(&q.schedule, 0, date(2026, 2, 4), Rate::ZERO).unwrap();
    assert_eq!(p.outstanding_principal, money("10000.00"));
    assert_eq!(p.accrued_days, 20);
    assert_eq!(p.accrued_interest, money("66.67"));
    assert_eq!(p.prepayment_fee, Money::ZERO);
    assert_eq!(p.total, money("10066.67"));
    // On the last due date paid itself: no interest yet.
    let p = payoff(&q.schedule, 3, date(2026, 4, 15), Rate::ZERO).unwrap();
    assert_eq!(p.accrued_interest, Money::ZERO);
    assert_eq!(p.total, money("7610.80"));
}

#[test]
fn payoff_dates_and_periods_are_checked() {
    let q = quote_of(anchor());
    let e = payoff(&q.schedule, 3, date(2026, 4, 14), Rate::ZERO).unwrap_err();
    assert_eq!(
        e,
        PrepaymentError::BeforePeriodStart {
            from: date(2026, 4, 15)
        }
    );
    assert_eq!(e.field(), "payoffDate");
    let e = payoff(&q.schedule, 3, date(2026, 5, 15), Rate::ZERO).unwrap_err();
    assert_eq!(
        e,
        PrepaymentError::NextPeriodDue {
            period: 4,
            due_date: date(2026, 5, 15)
        }
    );
    assert_eq!(
        e.to_string(),
        "period 4 falls due on 2026-05-15: pay it first, then pay off the rest before the following due date"
    );
    let e = payoff(&q.schedule, 12, date(2027, 2, 1), Rate::ZERO).unwrap_err();
    assert_eq!(e.field(), "paidPeriods");
    let e = payoff(&q.schedule, 3, date(2026, 4, 20), rate(dec!(1.01))).unwrap_err();
    assert_eq!(e, PrepaymentError::FeeRateTooHigh);
}

/// 3,000.00 prepaid with the third payment, same term: a new level payment of 538.27 over
/// the nine remaining months.
#[test]
fn partial_prepayment_equal_installment_keep_term() {
    let q = quote_of(anchor());
    let pp = partial_prepayment(
        &q.schedule,
        3,
        money("3000.00"),
        RecomputeMode::KeepTerm,
        rate(dec!(0.01)),
    )
    .unwrap();
    assert_eq!(pp.prepayment_fee, money("30.00"));
    assert_eq!(pp.due_now(), money("3030.00"));
    assert_eq!(pp.outstanding_principal, money("4610.80"));
    assert_rows(
        pp.new_entries(),
        &[
            "4 2026-05-15 538.27 492.16 46.11 0.00 4118.64",
            "5 2026-06-15 538.27 497.08 41.19 0.00 3621.56",
            "6 2026-07-15 538.27 502.05 36.22 0.00 3119.51",
            "7 2026-08-15 538.27 507.07 31.20 0.00 2612.44",
            "8 2026-09-15 538.27 512.15 26.12 0.00 2100.29",
            "9 2026-10-15 538.27 517.27 21.00 0.00 1583.02",
            "10 2026-11-15 538.27 522.44 15.83 0.00 1060.58",
            "11 2026-12-15 538.27 527.66 10.61 0.00 532.92",
            "12 2027-01-15 538.25 532.92 5.33 0.00 0.00",
        ],
    );
    // The first three periods are kept as they were paid.
    assert_eq!(&pp.schedule.entries()[..3], &q.schedule.entries()[..3]);
    // The APR of the new plan counts the prepaid 3,000.00 as a payment in period 3.
    assert_eq!(annual_rates(&pp.schedule).apr, dec!(0.12000370));
    let principal: Money = pp.schedule.entries().iter().map(|e| e.principal).sum();
    assert_eq!(principal + pp.amount, money("10000.00"));
}

/// The same prepayment keeping the 888.49 installment: repaid in six more months instead
/// of nine, the last payment smaller.
#[test]
fn partial_prepayment_equal_installment_keep_installment() {
    let q = quote_of(anchor());
    let pp = partial_prepayment(
        &q.schedule,
        3,
        money("3000.00"),
        RecomputeMode::KeepInstallment,
        Rate::ZERO,
    )
    .unwrap();
    assert_eq!(pp.prepayment_fee, Money::ZERO);
    assert_rows(
        pp.new_entries(),
        &[
            "4 2026-05-15 888.49 842.38 46.11 0.00 3768.42",
            "5 2026-06-15 888.49 850.81 37.68 0.00 2917.61",
            "6 2026-07-15 888.49 859.31 29.18 0.00 2058.30",
            "7 2026-08-15 888.49 867.91 20.58 0.00 1190.39",
            "8 2026-09-15 888.49 876.59 11.90 0.00 313.80",
            "9 2026-10-15 316.94 313.80 3.14 0.00 0.00",
        ],
    );
    assert_eq!(pp.schedule.entries().len(), 9);
    // A later payoff works on the new plan: after period 5, 2917.61 is outstanding.
    let p = payoff(&pp.schedule, 5, date(2026, 6, 15), Rate::ZERO).unwrap();
    assert_eq!(p.outstanding_principal, money("2917.61"));
}

fn equal_principal_loan() -> LoanQuote {
    quote_of(LoanTermsInput {
        principal: dec!(10000.00),
        annual_rate: dec!(0.07),
        period_fee_rate: None,
        periods: 6,
        frequency: Frequency::Monthly,
        method: RepaymentMethod::EqualPrincipal,
        start_date: date(2026, 11, 20),
        payment_day: 5,
    })
}

#[test]
fn partial_prepayment_equal_principal_both_ways() {
    let q = equal_principal_loan();
    let term = partial_prepayment(
        &q.schedule,
        2,
        money("2500.00"),
        RecomputeMode::KeepTerm,
        Rate::ZERO,
    )
    .unwrap();
    assert_rows(
        term.new_entries(),
        &[
            "3 2027-03-05 1065.98 1041.67 24.31 0.00 3124.99",
            "4 2027-04-05 1059.90 1041.67 18.23 0.00 2083.32",
            "5 2027-05-05 1053.82 1041.67 12.15 0.00 1041.65",
            "6 2027-06-05 1047.73 1041.65 6.08 0.00 0.00",
        ],
    );
    let shorter = partial_prepayment(
        &q.schedule,
        2,
        money("2500.00"),
        RecomputeMode::KeepInstallment,
        Rate::ZERO,
    )
    .unwrap();
    assert_rows(
        shorter.new_entries(),
        &[
            "3 2027-03-05 1690.98 1666.67 24.31 0.00 2499.99",
            "4 2027-04-05 1681.25 1666.67 14.58 0.00 833.32",
            "5 2027-05-05 838.18 833.32 4.86 0.00 0.00",
        ],
    );
}

#[test]
fn partial_prepayment_interest_first_keeps_the_term_only() {
    let q = quote_of(LoanTermsInput {
        principal: dec!(200000.00),
        annual_rate: dec!(0.0385),
        period_fee_rate: None,
        periods: 4,
        frequency: Frequency::Quarterly,
        method: RepaymentMethod::InterestFirst,
        start_date: date(2026, 8, 20),
        payment_day: 20,
    });
    let pp = partial_prepayment(
        &q.schedule,
        1,
        money("50000.00"),
        RecomputeMode::KeepTerm,
        Rate::ZERO,
    )
    .unwrap();
    assert_rows(
        pp.new_entries(),
        &[
            "2 2027-02-20 1443.75 0.00 1443.75 0.00 150000.00",
            "3 2027-05-20 1443.75 0.00 1443.75 0.00 150000.00",
            "4 2027-08-20 151443.75 150000.00 1443.75 0.00 0.00",
        ],
    );
    let e = partial_prepayment(
        &q.schedule,
        1,
        money("50000.00"),
        RecomputeMode::KeepInstallment,
        Rate::ZERO,
    )
    .unwrap_err();
    assert_eq!(e.field(), "mode");
    assert_eq!(
        e.to_string(),
        "an INTEREST_FIRST loan's installment is interest only, so it cannot be kept after a partial prepayment: choose KEEP_TERM to lower the interest"
    );
}

#[test]
fn partial_prepayment_refusals() {
    let q = quote_of(anchor());
    let e = partial_prepayment(
        &q.schedule,
        3,
        money("7610.80"),
        RecomputeMode::KeepTerm,
        Rate::ZERO,
    )
    .unwrap_err();
    assert_eq!(
        e,
        PrepaymentError::AmountNotBelowOutstanding {
            outstanding: money("7610.80")
        }
    );
    assert_eq!(e.field(), "amount");
    assert_eq!(
        e.to_string(),
        "the amount to prepay must be less than the outstanding principal of 7610.80 yuan; to repay it all, pay the loan off"
    );
    for bad in ["0.00", "-1.00"] {
        let e = partial_prepayment(
            &q.schedule,
            3,
            money(bad),
            RecomputeMode::KeepTerm,
            Rate::ZERO,
        )
        .unwrap_err();
        assert_eq!(e, PrepaymentError::AmountNotPositive);
    }
    let e = partial_prepayment(
        &q.schedule,
        12,
        money("1.00"),
        RecomputeMode::KeepTerm,
        Rate::ZERO,
    )
    .unwrap_err();
    assert_eq!(
        e,
        PrepaymentError::NothingOutstanding {
            paid_periods: 12,
            periods: 12
        }
    );
    let fee_based = quote_of(LoanTermsInput {
        annual_rate: dec!(0),
        period_fee_rate: Some(dec!(0.006)),
        method: RepaymentMethod::FeeBased,
        ..anchor()
    });
    for mode in [RecomputeMode::KeepTerm, RecomputeMode::KeepInstallment] {
        let e = partial_prepayment(&fee_based.schedule, 3, money("100.00"), mode, Rate::ZERO)
            .unwrap_err();
        assert!(matches!(e, PrepaymentError::Unsupported { .. }), "{e}");
    }
    // A fee-based loan can still be paid off: principal (10000.00 − 3 × 833.33) and the
    // product's fee (3 % of 7500.01 = 225.0003 → 225.00), no interest.
    let p = payoff(&fee_based.schedule, 3, date(2026, 4, 20), rate(dec!(0.03))).unwrap();
    assert_eq!(p.outstanding_principal, money("7500.01"));
    assert_eq!(p.accrued_interest, Money::ZERO);
    assert_eq!(p.total, money("7725.01"));
}

#[test]
fn late_charges() {
    let policy = LateChargePolicy::default();
    let cases = [
        ("800.00", dec!(0.0435), 10, "1.45"),
        ("800.00", dec!(0.0435), 1, "0.15"),
        ("800.00", dec!(0.18), 30, "16.00"),
        ("888.49", dec!(0.12), 7, "3.11"),
        ("888.49", dec!(0.12), 0, "0.00"),
    ];
    for (overdue, contract, days, expected) in cases {
        assert_eq!(
            policy.penalty_interest(money(overdue), rate(contract), days),
            Ok(money(expected)),
            "{overdue} at {contract} for {days} days"
        );
    }
}

/// The cap is on the APR, not the nominal rate: a fee of 1.9 % a month is 22.8 % simple
/// but 39.73 % by IRR (0.39726197, computed independently), and is refused on
/// `periodFeeRate`.
#[test]
fn the_legal_cap_applies_to_the_apr() {
    let terms = LoanTerms::new(
        LoanTermsInput {
            annual_rate: dec!(0),
            period_fee_rate: Some(dec!(0.019)),
            method: RepaymentMethod::FeeBased,
            ..anchor()
        },
        &Limits::default(),
    )
    .unwrap();
    let e = quote(&terms, &Limits::default()).unwrap_err();
    assert_eq!(e.field, "periodFeeRate");
    assert_eq!(
        e.message,
        "the APR of this loan would be 39.73 %, above the legal cap of 24 %: lower the fee rate"
    );
    // An interest-bearing loan at exactly the cap is accepted: its APR is disclosed as 24.00 %.
    // Independently: 0.24000063, a hair above the cap only because interest is rounded to
    // the fen.
    let at_cap = quote_of(LoanTermsInput {
        annual_rate: dec!(0.24),
        ..anchor()
    });
    assert_eq!(at_cap.apr_exact, dec!(0.24000063));
    // What is shown is never above the cap.
    assert_eq!(at_cap.apr, dec!(0.2400));
}
