//! How fast the engine quotes a loan. The target: a 36-period EQUAL_INSTALLMENT schedule
//! with its APR in at most 5 µs (200,000 a second on one core), because option generation
//! quotes dozens of loans per request.
//!
//! Run with `cargo bench -p domain --bench schedule`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use domain::schedule::{
    Frequency, Limits, LoanTerms, LoanTermsInput, RepaymentMethod, annual_rates, generate, quote,
};
use rust_decimal::Decimal;

fn input(method: RepaymentMethod) -> LoanTermsInput {
    let fee_based = method == RepaymentMethod::FeeBased;
    LoanTermsInput {
        principal: Decimal::new(10_000_000, 2),
        annual_rate: if fee_based {
            Decimal::ZERO
        } else {
            Decimal::new(435, 4)
        },
        period_fee_rate: fee_based.then(|| Decimal::new(6, 3)),
        periods: 36,
        frequency: Frequency::Monthly,
        method,
        start_date: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap_or_default(),
        payment_day: 15,
    }
}

fn terms(method: RepaymentMethod) -> LoanTerms {
    match LoanTerms::new(input(method), &Limits::default()) {
        Ok(terms) => terms,
        Err(e) => panic!("benchmark terms refused: {e}"),
    }
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let equal_installment = terms(RepaymentMethod::EqualInstallment);

    let mut group = c.benchmark_group("equal_installment_36");
    group.throughput(Throughput::Elements(1));
    group.bench_function("schedule", |b| {
        b.iter(|| generate(black_box(&equal_installment)))
    });
    group.bench_function("schedule_with_apr", |b| {
        b.iter(|| {
            let schedule = generate(black_box(&equal_installment));
            annual_rates(&schedule)
        })
    });
    group.bench_function("quote", |b| {
        b.iter(|| quote(black_box(&equal_installment), &limits))
    });
    group.bench_function("validate_and_quote", |b| {
        b.iter(|| {
            LoanTerms::new(black_box(input(RepaymentMethod::EqualInstallment)), &limits)
                .and_then(|t| quote(&t, &limits))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("quote_36");
    group.throughput(Throughput::Elements(1));
    for method in RepaymentMethod::ALL {
        let t = terms(method);
        group.bench_function(method.as_str(), |b| {
            b.iter(|| quote(black_box(&t), &limits))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
