//! The annual percentage rate by the IRR method, as the PBOC requires it disclosed
//! (中国人民银行公告〔2021〕第3号).
//!
//! The cash flows are the principal paid out at time 0 and each period's whole payment
//! (principal, interest and fees — and any prepaid principal) at the end of its period. The
//! periodic IRR `i` solves `P = Σ payment_k / (1 + i)^k`; the APR is `i × periods a year`
//! and the effective annual rate `(1 + i)^(periods a year) − 1`. Periods are counted as
//! equal, like the engine's interest.
//!
//! **Solver.** Newton's method, safeguarded by bisection, runs in `f64` *inside the solver
//! only*: each iteration is two multiply-adds per period instead of a dozen `Decimal`
//! operations, which is what lets a 36-period schedule with its APR take a couple of
//! microseconds. Money does not lose anything on the way in — the cash flows are whole fen
//! below 2^53, which `f64` represents exactly — and the result is not trusted but
//! *verified*: the net present value is evaluated (Horner's scheme) at `i − 10⁻¹⁰` and
//! `i + 10⁻¹⁰` together with a rigorous bound on its floating-point error, and only if the
//! two signs are certainly opposite is `i` accepted, which proves it within 10⁻¹⁰ of the
//! true IRR (1.2 × 10⁻⁹ on a monthly APR, a thousand times finer than the required
//! 10⁻⁶). Should the proof ever fail, the IRR is found again by bisection entirely in
//! `Decimal`. The results are returned as `Decimal`, rounded half-up to 8 decimal places.
//!
//! Newton starts from `(total payments − principal) / Σ outstanding balance per period`,
//! which is exactly the nominal period rate for an interest-bearing loan (up to fen
//! rounding) and the usual flat-fee approximation for a fee-based one, so it converges in
//! two or three iterations.

use rust_decimal::prelude::MathematicalOps;
use rust_decimal::{Decimal, RoundingStrategy};

use super::engine::Schedule;

/// Decimal places of the returned APR and effective annual rate.
pub const RATE_DECIMAL_PLACES: u32 = 8;

/// A schedule's cost of credit as annual rates, all fractions (`0.1268` = 12.68 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnnualRates {
    /// The periodic IRR, rounded half-up to 12 decimal places.
    pub periodic_rate: Decimal,
    /// The APR (年化利率, IRR method): periodic IRR × periods a year, 8 decimal places.
    pub apr: Decimal,
    /// The effective annual rate `(1 + IRR)^(periods a year) − 1`, 8 decimal places.
    pub effective_annual_rate: Decimal,
}

/// The APR and effective annual rate of `schedule` (see the module documentation).
/// Converges for every schedule the engine can produce; never panics.
pub fn annual_rates(schedule: &Schedule) -> AnnualRates {
    let periods_per_year = schedule.terms().frequency().periods_per_year();
    let irr = periodic_irr(schedule);
    if let Some(rates) = irr.proven.and_then(|i| rates_from_f64(i, periods_per_year)) {
        return rates;
    }
    rates_from_decimal(irr.value, periods_per_year)
}

/// The rates from a proven `f64` IRR. `x.round()` rounds half away from zero, so scaling by
/// 10^dp, rounding and reading the integer back with scale `dp` is the half-up rounding
/// to `dp` places, without `Decimal` multiplications (which would dominate the time of a
/// quote). `None` if a value does not fit — impossible for the engine's terms.
fn rates_from_f64(irr: f64, periods_per_year: u32) -> Option<AnnualRates> {
    let ppy = f64::from(periods_per_year);
    let effective = (1.0 + irr).powi(i32::try_from(periods_per_year).ok()?) - 1.0;
    Some(AnnualRates {
        periodic_rate: fixed(irr, 12)?,
        apr: fixed(irr * ppy, RATE_DECIMAL_PLACES)?,
        effective_annual_rate: fixed(effective, RATE_DECIMAL_PLACES)?,
    })
}

/// `x` rounded half away from zero to `dp` decimal places, as a `Decimal`.
fn fixed(x: f64, dp: u32) -> Option<Decimal> {
    let scaled = (x * 10f64.powi(i32::try_from(dp).ok()?)).round();
    // 2^63: the scaled value must fit in i64 exactly.
    if !scaled.is_finite() || scaled.abs() >= 9.223_372_036_854_775e18 {
        return None;
    }
    Some(Decimal::new(scaled as i64, dp))
}

/// The rates from a `Decimal` IRR (the fallback path), rounded half-up.
fn rates_from_decimal(irr: Decimal, periods_per_year: u32) -> AnnualRates {
    let round =
        |d: Decimal, dp| d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    let apr = irr
        .checked_mul(Decimal::from(periods_per_year))
        .unwrap_or(Decimal::MAX);
    let effective = Decimal::ONE
        .checked_add(irr)
        .and_then(|x| x.checked_powu(u64::from(periods_per_year)))
        .and_then(|x| x.checked_sub(Decimal::ONE))
        .unwrap_or(Decimal::MAX);
    AnnualRates {
        periodic_rate: round(irr, 12),
        apr: round(apr, RATE_DECIMAL_PLACES),
        effective_annual_rate: round(effective, RATE_DECIMAL_PLACES),
    }
}

/// How the IRR was found; the tests check that the fast path is always proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// No interest or fee at all: exactly 0.
    Exact,
    /// `f64` Newton, proven by the error-bounded sign check.
    Verified,
    /// The `Decimal` bisection fallback.
    DecimalBisection,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Irr {
    /// The IRR as a `Decimal` (rounded to 12 places on the fast path).
    pub(crate) value: Decimal,
    /// The proven `f64` IRR, on the fast path.
    pub(crate) proven: Option<f64>,
    pub(crate) method: Method,
}

/// The half-width of the interval in which the `f64` result is proven to lie.
const PROOF_HALF_WIDTH: f64 = 1e-10;

/// The cash flows of a schedule, in fen: `advanced` at time 0, then one payment per period.
struct Flows<'a> {
    schedule: &'a Schedule,
    /// Principal paid out net of any prepayment on the start date.
    advanced: i64,
}

impl<'a> Flows<'a> {
    fn new(schedule: &'a Schedule) -> Flows<'a> {
        let at_start: i64 = schedule
            .prepaid_fen()
            .iter()
            .filter(|(period, _)| *period == 0)
            .map(|(_, fen)| *fen)
            .sum();
        Flows {
            schedule,
            advanced: schedule.terms().principal().to_fen() - at_start,
        }
    }

    /// Each period's payment plus any principal prepaid with it, in fen, in order.
    fn payments(&self) -> impl DoubleEndedIterator<Item = i64> + '_ {
        let prepaid = self.schedule.prepaid_fen();
        self.schedule.entries().iter().map(move |e| {
            let extra: i64 = prepaid
                .iter()
                .filter(|(period, _)| *period == e.period)
                .map(|(_, fen)| *fen)
                .sum();
            e.payment.to_fen().saturating_add(extra)
        })
    }
}

pub(crate) fn periodic_irr(schedule: &Schedule) -> Irr {
    let flows = Flows::new(schedule);
    let advanced = flows.advanced;
    let mut total: i64 = 0;
    let mut balance_periods: i64 = 0;
    for (entry, payment) in schedule.entries().iter().zip(flows.payments()) {
        total = total.saturating_add(payment);
        balance_periods = balance_periods.saturating_add(
            entry
                .remaining_principal
                .to_fen()
                .saturating_add(entry.principal.to_fen()),
        );
    }
    if advanced <= 0 || total <= advanced {
        // Nothing is charged for the credit (or nothing is lent): the IRR is exactly 0.
        return Irr {
            value: Decimal::ZERO,
            proven: Some(0.0),
            method: Method::Exact,
        };
    }
    let guess = (total - advanced) as f64 / (balance_periods.max(1)) as f64;
    if let Some(irr) = newton(&flows, total, guess)
        && verified(&flows, irr)
        && let Some(value) = fixed(irr, 12)
    {
        return Irr {
            value,
            proven: Some(irr),
            method: Method::Verified,
        };
    }
    Irr {
        value: decimal_bisection(&flows, total),
        proven: None,
        method: Method::DecimalBisection,
    }
}

/// Safeguarded Newton on `f(i) = Σ payment_k (1+i)^−k − P`, which decreases strictly in
/// `i`; the root lies in `[0, total / P − 1]` because `P ≤ total` and
/// `P = Σ payment_k v^k ≤ v · total`.
fn newton(flows: &Flows<'_>, total: i64, guess: f64) -> Option<f64> {
    let advanced = flows.advanced as f64;
    let (mut lo, mut hi) = (0.0_f64, total as f64 / advanced - 1.0);
    let mut i = if guess.is_finite() {
        guess.clamp(lo, hi)
    } else {
        0.5 * (lo + hi)
    };
    for _ in 0..200 {
        let v = 1.0 / (1.0 + i);
        let (mut discount, mut npv, mut slope) = (v, -advanced, 0.0);
        for (k, payment) in flows.payments().enumerate() {
            let term = payment as f64 * discount;
            npv += term;
            slope += (k + 1) as f64 * term;
            discount *= v;
        }
        // d npv / d i = −Σ k·payment_k·v^(k+1)
        let slope = -slope * v;
        if npv == 0.0 {
            return Some(i);
        }
        if npv > 0.0 {
            lo = i;
        } else {
            hi = i;
        }
        let step = npv / slope;
        let mut next = i - step;
        if !next.is_finite() || next <= lo || next >= hi {
            next = 0.5 * (lo + hi);
        }
        let moved = (next - i).abs();
        i = next;
        if moved <= 1e-15 * (1.0 + i) || hi - lo <= 1e-15 * (1.0 + i) {
            return Some(i);
        }
    }
    Some(i)
}

/// Proves that the true IRR lies within `PROOF_HALF_WIDTH` of `irr`: the NPV, evaluated
/// with a rigorous floating-point error bound, is certainly positive just below and
/// certainly negative just above.
fn verified(flows: &Flows<'_>, irr: f64) -> bool {
    let below = npv_with_error_bound(flows, 1.0 / (1.0 + (irr - PROOF_HALF_WIDTH)));
    let above = npv_with_error_bound(flows, 1.0 / (1.0 + (irr + PROOF_HALF_WIDTH)));
    matches!((below, above), (Some((lo_npv, lo_err)), Some((hi_npv, hi_err)))
        if lo_npv > lo_err && hi_npv < -hi_err)
}

/// `Σ payment_k v^k − P` by Horner's scheme at the `f64` value `v`, with a bound on its
/// rounding error. Horner's error on a polynomial of degree n is at most
/// `γ(2n) · Σ|a_k| v^k` with `γ(m) = m·u / (1 − m·u)`, `u = 2^−53` (Higham, *Accuracy and
/// Stability of Numerical Algorithms*, §5.1); the coefficients are whole fen below 2^53,
/// hence exact, and all but `−P` are non-negative, so `Σ|a_k| v^k` is the computed sum of
/// the payments' present values plus `P`. The bound is doubled for the rounding of the
/// bound itself.
fn npv_with_error_bound(flows: &Flows<'_>, v: f64) -> Option<(f64, f64)> {
    if !(v.is_finite() && v > 0.0) {
        return None;
    }
    let mut acc = 0.0_f64;
    let mut degree = 0_f64;
    for payment in flows.payments().rev() {
        acc = acc * v + payment as f64;
        degree += 1.0;
    }
    let present_value = acc * v;
    let advanced = flows.advanced as f64;
    let u = f64::EPSILON / 2.0;
    let m = 2.0 * degree + 2.0;
    if m * u >= 0.5 {
        return None;
    }
    let gamma = m * u / (1.0 - m * u);
    let bound = 2.0 * gamma * (present_value.abs() * (1.0 + gamma) + advanced);
    Some((present_value - advanced, bound))
}

/// The IRR by bisection with every operation in `Decimal`: slow (a few hundred
/// microseconds) and only a fallback, but it depends on no floating-point argument.
#[cfg(test)]
pub(crate) fn decimal_bisection_irr(schedule: &Schedule) -> Decimal {
    let flows = Flows::new(schedule);
    let total = flows.payments().fold(0_i64, i64::saturating_add);
    if flows.advanced <= 0 || total <= flows.advanced {
        return Decimal::ZERO;
    }
    decimal_bisection(&flows, total)
}

fn decimal_bisection(flows: &Flows<'_>, total: i64) -> Decimal {
    let advanced = Decimal::from(flows.advanced);
    let mut lo = Decimal::ZERO;
    let mut hi = Decimal::from(total)
        .checked_div(advanced)
        .and_then(|x| x.checked_sub(Decimal::ONE))
        .unwrap_or(Decimal::ZERO);
    let tolerance = Decimal::new(1, 13);
    let two = Decimal::TWO;
    for _ in 0..200 {
        if hi - lo <= tolerance {
            break;
        }
        let mid = (lo + hi) / two;
        match decimal_npv(flows, advanced, mid) {
            Some(npv) if npv > Decimal::ZERO => lo = mid,
            Some(_) => hi = mid,
            None => break,
        }
    }
    (lo + hi) / two
}

/// `Σ payment_k (1+i)^−k − P` by Horner's scheme in `Decimal`.
fn decimal_npv(flows: &Flows<'_>, advanced: Decimal, i: Decimal) -> Option<Decimal> {
    let v = Decimal::ONE.checked_div(Decimal::ONE.checked_add(i)?)?;
    let mut acc = Decimal::ZERO;
    for payment in flows.payments().rev() {
        acc = acc.checked_mul(v)?.checked_add(Decimal::from(payment))?;
    }
    acc.checked_mul(v)?.checked_sub(advanced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::terms::Limits;
    use crate::schedule::{Frequency, LoanTerms, LoanTermsInput, RepaymentMethod, generate};
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;

    fn schedule(method: RepaymentMethod, rate: Decimal, fee: Option<Decimal>, n: i64) -> Schedule {
        let terms = LoanTerms::new(
            LoanTermsInput {
                principal: dec!(10000.00),
                annual_rate: rate,
                period_fee_rate: fee,
                periods: n,
                frequency: Frequency::Monthly,
                method,
                start_date: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
                payment_day: 10,
            },
            &Limits::default(),
        )
        .unwrap();
        generate(&terms)
    }

    #[test]
    fn interest_free_loans_have_an_apr_of_exactly_zero() {
        let s = schedule(RepaymentMethod::EqualInstallment, dec!(0), None, 12);
        let irr = periodic_irr(&s);
        assert_eq!(irr.method, Method::Exact);
        let rates = annual_rates(&s);
        assert_eq!(rates.apr, Decimal::ZERO);
        assert_eq!(rates.effective_annual_rate, Decimal::ZERO);
    }

    #[test]
    fn the_fast_path_is_proven_and_agrees_with_decimal_bisection() {
        let cases = [
            schedule(RepaymentMethod::EqualInstallment, dec!(0.12), None, 12),
            schedule(RepaymentMethod::EqualPrincipal, dec!(0.0435), None, 36),
            schedule(RepaymentMethod::InterestFirst, dec!(0.24), None, 6),
            schedule(RepaymentMethod::FeeBased, dec!(0), Some(dec!(0.006)), 24),
            schedule(RepaymentMethod::EqualInstallment, dec!(0.001), None, 360),
        ];
        for s in &cases {
            let fast = periodic_irr(s);
            assert_eq!(fast.method, Method::Verified, "{:?}", s.terms());
            let slow = decimal_bisection_irr(s);
            assert!(
                (fast.value - slow).abs() < dec!(0.0000000002),
                "{} vs {slow}",
                fast.value
            );
            // Both ways of turning the IRR into annual rates agree.
            let ppy = s.terms().frequency().periods_per_year();
            let from_f64 = rates_from_f64(fast.proven.unwrap(), ppy).unwrap();
            let from_decimal = rates_from_decimal(slow, ppy);
            assert!((from_f64.apr - from_decimal.apr).abs() <= dec!(0.00000002));
            assert!(
                (from_f64.effective_annual_rate - from_decimal.effective_annual_rate).abs()
                    <= dec!(0.00000002)
            );
        }
    }

    #[test]
    fn an_interest_bearing_loan_costs_its_nominal_rate() {
        let rates = annual_rates(&schedule(
            RepaymentMethod::EqualInstallment,
            dec!(0.12),
            None,
            12,
        ));
        assert!((rates.apr - dec!(0.12)).abs() < dec!(0.00001), "{rates:?}");
        // (1.01)^12 − 1 = 0.12682503…
        assert!((rates.effective_annual_rate - dec!(0.12682503)).abs() < dec!(0.00001));
    }
}
