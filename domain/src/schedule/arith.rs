//! Exact arithmetic at the engine's rounding points.
//!
//! Interest, fees and penalty interest are an amount in fen times a rate divided by a whole
//! number (periods a year, or 360 days). With a rate of at most 10 decimal places that
//! product is an exact fraction of 128-bit integers, so it is rounded half-up to the fen
//! exactly once, with no intermediate rounding that could tip a result across a midpoint
//! (`Decimal` would have to round 0.07 / 12 before multiplying). The only value that
//! cannot be exact is the annuity payment, computed in `Decimal` (28 significant digits)
//! and rounded half-up to the fen.

use rust_decimal::Decimal;
use rust_decimal::prelude::MathematicalOps;

use crate::money::Money;
use crate::rate::Rate;

/// A non-negative fraction `num / den` of integers: a rate divided by periods a year or by
/// days a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ratio {
    num: u128,
    den: u128,
}

impl Ratio {
    /// `|value| / divisor` exactly. `den` is at most 10^28 × 2^32 < 2^128, so this cannot
    /// overflow; a divisor of 0 is taken as 1.
    pub(crate) fn new(value: Decimal, divisor: u32) -> Ratio {
        // scale ≤ 28, so 10^scale ≤ 10^28 < 2^94.
        let scale_factor = 10u128.pow(value.scale());
        Ratio {
            num: value.mantissa().unsigned_abs(),
            den: scale_factor * u128::from(divisor.max(1)),
        }
    }

    /// A rate divided by `divisor` (e.g. an annual rate by 12 for the monthly rate).
    pub(crate) fn of_rate(rate: Rate, divisor: u32) -> Ratio {
        Ratio::new(rate.value(), divisor)
    }

    /// This fraction times a whole number (a day count), or `None` if it overflows.
    pub(crate) fn times(self, k: u64) -> Option<Ratio> {
        Some(Ratio {
            num: self.num.checked_mul(u128::from(k))?,
            den: self.den,
        })
    }

    /// `fen × num / den` rounded half-up to the fen; `None` for a negative amount or a
    /// result that does not fit in `i64`.
    ///
    /// For terms accepted by `LoanTerms::new` this is always `Some`: fen ≤ 10^14 and
    /// num ≤ 10^11 (a rate ≤ 10 with ≤ 10 decimals), so the product is below 2^84.
    pub(crate) fn apply(self, fen: i64) -> Option<i64> {
        let amount = u64::try_from(fen).ok()?;
        if self.num == 0 {
            return Some(0);
        }
        // The common case fits in 64 bits, and 64-bit division is several times faster.
        if let (Ok(num), Ok(den)) = (u64::try_from(self.num), u64::try_from(self.den))
            && let Some(product) = amount.checked_mul(num)
        {
            let (q, r) = (product / den, product % den);
            let q = if r >= den - r { q + 1 } else { q };
            return i64::try_from(q).ok();
        }
        let product = u128::from(amount).checked_mul(self.num)?;
        let (q, r) = (product / self.den, product % self.den);
        let q = if r >= self.den - r { q + 1 } else { q };
        i64::try_from(q).ok()
    }
}

/// `fen / n` rounded half-up to the fen, for a non-negative `fen` and `n ≥ 1`.
pub(crate) fn div_half_up(fen: i64, n: u32) -> i64 {
    let n = i128::from(n.max(1));
    let q = (2 * i128::from(fen) + n) / (2 * n);
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// The level payment of an annuity (等额本息), in fen: `P·r·(1+r)^n / ((1+r)^n − 1)`
/// (or, where `(1+r)^n` would overflow `Decimal`, the equal `P·r / (1 − (1+r)^−n)`),
/// computed in `Decimal` and rounded half-up to the fen. The
/// period rate `r` is the annual rate / `periods_per_year`; for `r = 0` the payment is
/// `P / n` rounded half-up.
pub(crate) fn level_payment(
    principal_fen: i64,
    annual_rate: Rate,
    periods_per_year: u32,
    n: u32,
) -> i64 {
    annuity(principal_fen, annual_rate, periods_per_year, n)
        .unwrap_or_else(|| div_half_up(principal_fen, n))
}

fn annuity(principal_fen: i64, annual_rate: Rate, periods_per_year: u32, n: u32) -> Option<i64> {
    if annual_rate.is_zero() || n == 0 {
        return None;
    }
    let r = annual_rate
        .value()
        .checked_div(Decimal::from(periods_per_year))?;
    let one_plus_r = Decimal::ONE.checked_add(r)?;
    let principal = Decimal::new(principal_fen, 2);
    // (1 + r)^n first: for the usual rates 1 + r has few digits, so the first squarings
    // are exact and cheap. It overflows only for extreme rates and terms, where the
    // shrinking form (1 + r)^−n takes over.
    let payment = match one_plus_r.checked_powu(u64::from(n)) {
        Some(growth) => {
            let denominator = growth.checked_sub(Decimal::ONE)?;
            if denominator <= Decimal::ZERO {
                // r so small that (1 + r)^n rounds to 1: the interest is far below a fen.
                return None;
            }
            principal
                .checked_mul(r)?
                .checked_mul(growth.checked_div(denominator)?)?
        }
        None => {
            let v = Decimal::ONE.checked_div(one_plus_r)?;
            let denominator = Decimal::ONE.checked_sub(v.checked_powu(u64::from(n))?)?;
            if denominator <= Decimal::ZERO {
                return None;
            }
            principal.checked_mul(r)?.checked_div(denominator)?
        }
    };
    Some(Money::round_half_up(payment).to_fen())
}

/// The principal that `n` level payments of `payment` repay at `annual_rate` (the present
/// value of the annuity `level_payment` computes), unrounded: `A·(1 − (1+r)^−n)/r`, with
/// `r` the annual rate / `periods_per_year`. Risk limits use it to turn an affordable
/// installment into the largest amount the schedule engine would let it repay. Saturates
/// at `Decimal::MAX`; for `r = 0` it is `A·n`.
pub(crate) fn present_value(
    payment: Decimal,
    annual_rate: Rate,
    periods_per_year: u32,
    n: u32,
) -> Decimal {
    let discounted = || -> Option<Decimal> {
        if annual_rate.is_zero() || n == 0 {
            return None;
        }
        let r = annual_rate
            .value()
            .checked_div(Decimal::from(periods_per_year))?;
        let v = Decimal::ONE.checked_div(Decimal::ONE.checked_add(r)?)?;
        // Past the representable range v^n is below 10^-28: zero for every purpose here.
        let vn = v.checked_powu(u64::from(n)).unwrap_or(Decimal::ZERO);
        let one_less = Decimal::ONE.checked_sub(vn)?;
        if one_less <= Decimal::ZERO {
            return None;
        }
        Some(
            payment
                .checked_mul(one_less)
                .and_then(|x| x.checked_div(r))
                .unwrap_or(Decimal::MAX),
        )
    };
    discounted().unwrap_or_else(|| payment.saturating_mul(Decimal::from(n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn rate(d: Decimal) -> Rate {
        Rate::new(d).unwrap()
    }

    #[test]
    fn ratio_rounds_half_up_exactly() {
        // 6.00 × 0.07 / 12 = 0.035 exactly: a Decimal 0.07/12 would round down to 0.03.
        let monthly = Ratio::of_rate(rate(dec!(0.07)), 12);
        assert_eq!(monthly.apply(600), Some(4));
        assert_eq!(monthly.apply(599), Some(3));
        // 10000.00 × 0.12 / 12 = 100.00.
        assert_eq!(
            Ratio::of_rate(rate(dec!(0.12)), 12).apply(1_000_000),
            Some(10_000)
        );
        assert_eq!(Ratio::of_rate(Rate::ZERO, 12).apply(1_000_000), Some(0));
        assert_eq!(monthly.apply(-1), None);
        // The 128-bit path.
        let fine = Ratio::of_rate(rate(dec!(9.9999999999)), 4);
        assert_eq!(fine.apply(100_000_000_000_000), Some(249_999_999_997_500));
        assert_eq!(Ratio::new(Decimal::MAX, 1).apply(i64::MAX), None);
        let daily = Ratio::of_rate(rate(dec!(0.0435)), 360).times(30).unwrap();
        assert_eq!(daily.apply(1_000_000), Some(3_625));
    }

    #[test]
    fn division_rounds_half_up() {
        assert_eq!(div_half_up(1_000_000, 12), 83_333);
        assert_eq!(div_half_up(5, 2), 3);
        assert_eq!(div_half_up(7, 2), 4);
        assert_eq!(div_half_up(1, 3), 0);
        assert_eq!(div_half_up(2, 3), 1);
    }

    #[test]
    fn level_payment_anchor() {
        // 10,000.00 at 12 % over 12 months: 888.49 a month.
        assert_eq!(level_payment(1_000_000, rate(dec!(0.12)), 12, 12), 88_849);
        assert_eq!(level_payment(1_000_000, Rate::ZERO, 12, 12), 83_333);
        // One period: principal plus one period's interest.
        assert_eq!(level_payment(1_000_000, rate(dec!(0.12)), 12, 1), 1_010_000);
        // A rate so small that the interest is nothing: falls back to P / n.
        assert_eq!(
            level_payment(1_000_000, rate(dec!(0.0000000001)), 12, 12),
            83_333
        );
        // The largest loan the engine takes, at its highest rate, over its longest term.
        let p = level_payment(100_000_000_000_000, rate(dec!(10)), 4, 1_200);
        assert_eq!(p, 250_000_000_000_000);
    }

    #[test]
    fn present_value_inverts_the_level_payment() {
        // 100,000 over 36 months at 12 %: the textbook 3,321.43 a month.
        assert_eq!(level_payment(10_000_000, rate(dec!(0.12)), 12, 36), 332_143);
        let pv = present_value(dec!(3321.43), rate(dec!(0.12)), 12, 36);
        assert!((pv - dec!(100000)).abs() < dec!(0.2), "{pv}");
        assert_eq!(
            present_value(dec!(3000), rate(dec!(0.09)), 12, 36).round_dp(2),
            dec!(94340.42)
        );
        assert_eq!(present_value(dec!(100), Rate::ZERO, 12, 12), dec!(1200));
        assert_eq!(present_value(dec!(100), rate(dec!(0.12)), 12, 0), dec!(0));
        assert_eq!(
            present_value(Decimal::MAX, rate(dec!(0.36)), 12, 360),
            Decimal::MAX
        );
        // A huge term neither loops nor overflows: the payment tends to the interest.
        assert_eq!(
            level_payment(120_000, rate(dec!(0.12)), 12, u32::MAX),
            1_200
        );
    }
}
