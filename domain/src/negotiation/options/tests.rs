//! The options engine over many generated customers: every option passes every limit
//! (checked here independently of the engine), there are at most six, exactly one is
//! recommended when any pass, and when none does the answer says what blocks it.

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;

use adapters::platforms::{
    GradePricing, LateChargeTerms, PlanFrequency, PlanMethod, PrepaymentTerms, Product,
};

use super::*;
use crate::platforms::defaults::internal_products;

fn fee_product() -> Product {
    Product {
        code: "fee".into(),
        name: "Fee plan".into(),
        method: PlanMethod::FeeBased,
        frequencies: vec![PlanFrequency::Monthly, PlanFrequency::Quarterly],
        terms: vec![3, 6, 12, 24],
        min_amount_fen: 100_000,
        max_amount_fen: 20_000_000,
        pricing: ["A", "B", "C", "D"]
            .iter()
            .map(|g| GradePricing {
                grade: (*g).into(),
                min_rate: Decimal::new(4, 3),
                standard_rate: Decimal::new(6, 3),
                max_rate: Decimal::new(8, 3),
            })
            .collect(),
        prepayment: PrepaymentTerms {
            allowed: true,
            fee_rate: Decimal::ZERO,
            min_periods_paid: 1,
        },
        late_charge: LateChargeTerms {
            grace_days: 3,
            daily_rate: Decimal::new(5, 4),
        },
    }
}

fn products() -> Vec<Product> {
    let mut p = internal_products();
    p.push(fee_product());
    p
}

/// Checks `o` against every limit, independently of [`price`].
fn passes(o: &PlanOption, need: &Need, aff: &Affordability, limits: &Limits) -> Result<(), String> {
    if need.amount > aff.max_amount {
        return Err("amount".into());
    }
    if o.periods * o.frequency.months_per_period() > aff.max_term_months {
        return Err("term".into());
    }
    if o.quote.apr > limits.legal_apr_cap.value() {
        return Err(format!("apr {}", o.quote.apr));
    }
    let annual = match o.period_fee_rate {
        Some(fee) => fee * Decimal::from(o.frequency.periods_per_year()),
        None => o.annual_rate,
    };
    if annual < aff.rate_min || annual > aff.rate_max {
        return Err(format!(
            "rate {annual} outside {}..{}",
            aff.rate_min, aff.rate_max
        ));
    }
    let largest = o
        .quote
        .schedule
        .entries()
        .iter()
        .map(|e| e.payment)
        .max()
        .unwrap_or(Money::ZERO);
    let per_month = Money::from_fen(
        (largest.to_fen() + i64::from(o.frequency.months_per_period()) - 1)
            / i64::from(o.frequency.months_per_period()),
    );
    if per_month > aff.max_installment {
        return Err(format!("installment {per_month} > {}", aff.max_installment));
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(300),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_option_passes_every_limit(
        amount_yuan in 1_000i64..300_000,
        periods in prop::sample::select(vec![3u32, 6, 12, 18, 24, 36]),
        quarterly in any::<bool>(),
        grade in prop::sample::select(vec!["A", "B", "C", "D", "E"]),
        max_installment_yuan in 0i64..30_000,
        max_amount_yuan in 0i64..400_000,
        max_term_months in prop::sample::select(vec![6u32, 12, 24, 36, 60]),
        rate_min_bp in 400i64..1_400,
        rate_span_bp in 0i64..1_200,
        budget_yuan in prop::option::of(100i64..20_000),
    ) {
        let need = Need {
            amount: Money::from_fen(amount_yuan * 100),
            periods,
            frequency: if quarterly { Frequency::Quarterly } else { Frequency::Monthly },
            payment_day: 10,
            start_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
            grade: grade.into(),
        };
        let aff = Affordability {
            max_installment: Money::from_fen(max_installment_yuan * 100),
            max_amount: Money::from_fen(max_amount_yuan * 100),
            max_term_months,
            rate_min: Decimal::new(rate_min_bp, 4),
            rate_max: Decimal::new(rate_min_bp + rate_span_bp, 4),
        };
        let limits = Limits::default();
        let answer = generate(&need, &products(), &aff, &limits, budget_yuan.map(|y| Money::from_fen(y * 100)));
        prop_assert!(answer.options.len() <= 6);
        for o in &answer.options {
            prop_assert!(passes(o, &need, &aff, &limits).is_ok(), "{:?}: {:?}", passes(o, &need, &aff, &limits), o.product_code);
        }
        if answer.options.is_empty() {
            prop_assert!(!answer.blocked_by.is_empty());
        } else {
            prop_assert_eq!(answer.options.iter().filter(|o| o.recommended).count(), 1);
            prop_assert!(answer.blocked_by.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// Not vacuous: customers with room get options, and those pass every limit too.
    #[test]
    fn customers_with_room_get_options_that_pass(
        amount_yuan in 1_000i64..200_000,
        periods in prop::sample::select(vec![3u32, 6, 12, 18, 24, 36]),
        quarterly in any::<bool>(),
        grade in prop::sample::select(vec!["A", "B", "C", "D"]),
        spare_yuan in 0i64..50_000,
    ) {
        let need = Need {
            amount: Money::from_fen(amount_yuan * 100),
            periods,
            frequency: if quarterly { Frequency::Quarterly } else { Frequency::Monthly },
            payment_day: 28,
            start_date: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap_or_default(),
            grade: grade.into(),
        };
        let aff = Affordability {
            max_installment: Money::from_fen((amount_yuan + spare_yuan) * 100),
            max_amount: Money::from_fen(200_000 * 100),
            max_term_months: 120,
            rate_min: Decimal::new(5, 2),
            rate_max: Decimal::new(24, 2),
        };
        let limits = Limits::default();
        let answer = generate(&need, &products(), &aff, &limits, None);
        prop_assert!(answer.options.len() >= 3, "{} options", answer.options.len());
        for o in &answer.options {
            prop_assert!(passes(o, &need, &aff, &limits).is_ok(), "{:?}", passes(o, &need, &aff, &limits));
        }
    }
}

fn roomy() -> Affordability {
    Affordability {
        max_installment: Money::from_fen(300_000),
        max_amount: Money::from_fen(10_000_000),
        max_term_months: 36,
        rate_min: Decimal::new(6, 2),
        rate_max: Decimal::new(24, 2),
    }
}

fn need(amount_yuan: i64, periods: u32) -> Need {
    Need {
        amount: Money::from_fen(amount_yuan * 100),
        periods,
        frequency: Frequency::Monthly,
        payment_day: 10,
        start_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
        grade: "B".into(),
    }
}

#[test]
fn a_roomy_customer_gets_three_to_six_different_options_with_the_wanted_term() {
    let answer = generate(
        &need(12_000, 12),
        &products(),
        &roomy(),
        &Limits::default(),
        None,
    );
    assert!(
        (3..=6).contains(&answer.options.len()),
        "{}",
        answer.options.len()
    );
    let wanted = answer
        .options
        .iter()
        .find(|o| o.periods == 12 && o.frequency == Frequency::Monthly)
        .expect("the wanted term");
    assert!(wanted.recommended, "{}", wanted.reason);
    assert!(
        wanted.reason.contains("the term you asked for"),
        "{}",
        wanted.reason
    );
}

#[test]
fn the_budget_picks_the_recommendation() {
    // 12,000 over 12 months is about 1,050 a month; a budget of 600 needs 24 months.
    let answer = generate(
        &need(12_000, 12),
        &products(),
        &roomy(),
        &Limits::default(),
        Some(Money::from_fen(60_000)),
    );
    let pick = answer.options.iter().find(|o| o.recommended).expect("one");
    assert!(
        pick.monthly_equivalent <= Money::from_fen(60_000),
        "{pick:?}"
    );
    assert!(pick.reason.contains("fits your budget"), "{}", pick.reason);
}

#[test]
fn nothing_fits_says_what_blocks_and_what_would_unblock() {
    let tight = Affordability {
        max_installment: Money::from_fen(60_000),
        max_term_months: 12,
        ..roomy()
    };
    let answer = generate(
        &need(12_000, 12),
        &internal_products(),
        &tight,
        &Limits::default(),
        None,
    );
    assert!(answer.options.is_empty());
    assert_eq!(
        answer.blocked_by[0].code(),
        "AFFORDABILITY",
        "{:?}",
        answer.blocked_by
    );
    assert!(
        answer
            .unblock
            .iter()
            .any(|u| u.starts_with("A smaller amount: 6800.00 yuan")),
        "{:?}",
        answer.unblock
    );
    let longer = Affordability {
        max_term_months: 36,
        ..tight
    };
    let answer = generate(
        &need(12_000, 6),
        &internal_products(),
        &longer,
        &Limits::default(),
        None,
    );
    assert!(!answer.options.is_empty(), "a longer term passes");
    let answer = generate(
        &need(12_000, 12),
        &internal_products(),
        &Affordability {
            max_installment: Money::from_fen(60_000),
            ..roomy()
        },
        &Limits::default(),
        None,
    );
    assert!(
        answer
            .options
            .iter()
            .all(|o| o.periods * o.frequency.months_per_period() >= 24),
        "{:?}",
        answer
            .options
            .iter()
            .map(|o| (o.periods, o.frequency))
            .collect::<Vec<_>>()
    );
}
