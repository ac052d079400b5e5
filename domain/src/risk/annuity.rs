//! Equal-installment (等额本息) arithmetic for limits: how much a monthly installment repays,
//! and what a loan costs a month.
//!
//! The same formula as the schedule engine, written so that nothing can overflow:
//! with `v = 1 / (1 + i)`, the present value of `n` payments of `A` is `A·(1 − vⁿ)/i`
//! and the payment of a principal `P` is `P·i/(1 − vⁿ)`; `vⁿ` only shrinks.

use rust_decimal::Decimal;
use rust_decimal::prelude::MathematicalOps;

use crate::rate::Rate;

/// Months a year: the period rate of a monthly installment is the annual rate / 12.
const MONTHS: u32 = 12;

/// `vⁿ` for the monthly rate of `annual`, or `None` when the rate is 0 (or so small that
/// `vⁿ` rounds to 1, which is the same thing at the fen).
fn discount(annual: Rate, n: u32) -> Option<(Decimal, Decimal)> {
    if annual.is_zero() || n == 0 {
        return None;
    }
    let i = annual.value().checked_div(Decimal::from(MONTHS))?;
    let v = Decimal::ONE.checked_div(Decimal::ONE.checked_add(i)?)?;
    // Past the representable range vⁿ is below 10⁻²⁸: zero for every purpose here.
    let vn = v.checked_powu(u64::from(n)).unwrap_or(Decimal::ZERO);
    let one_less = Decimal::ONE.checked_sub(vn)?;
    (one_less > Decimal::ZERO).then_some((i, one_less))
}

/// The principal that `n` monthly payments of `payment` repay at the annual rate `annual`
/// (the present value), unrounded. Saturates at `Decimal::MAX`.
pub(super) fn present_value(payment: Decimal, annual: Rate, n: u32) -> Decimal {
    match discount(annual, n) {
        Some((i, one_less)) => payment
            .checked_mul(one_less)
            .and_then(|x| x.checked_div(i))
            .unwrap_or(Decimal::MAX),
        None => payment.saturating_mul(Decimal::from(n)),
    }
}

/// The monthly payment that repays `principal` over `n` months at the annual rate
/// `annual`, unrounded; a term of 0 is read as 1 (one payment of everything).
/// Saturates at `Decimal::MAX`.
pub(super) fn payment(principal: Decimal, annual: Rate, n: u32) -> Decimal {
    let n = n.max(1);
    match discount(annual, n) {
        Some((i, one_less)) => principal
            .checked_mul(i)
            .and_then(|x| x.checked_div(one_less))
            .unwrap_or(Decimal::MAX),
        None => principal
            .checked_div(Decimal::from(n))
            .unwrap_or(Decimal::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn rate(d: Decimal) -> Rate {
        Rate::new(d).unwrap()
    }

    #[test]
    fn payment_and_present_value_are_inverse() {
        // 100,000 over 36 months at 12 %: the textbook 3,321.43 a month.
        let p = payment(dec!(100000), rate(dec!(0.12)), 36);
        assert_eq!(p.round_dp(2), dec!(3321.43));
        let pv = present_value(p, rate(dec!(0.12)), 36);
        assert!((pv - dec!(100000)).abs() < dec!(0.000001), "{pv}");
        assert_eq!(
            present_value(dec!(3000), rate(dec!(0.09)), 36).round_dp(2),
            dec!(94340.42)
        );
    }

    #[test]
    fn zero_rate_and_odd_terms() {
        assert_eq!(payment(dec!(1200), Rate::ZERO, 12), dec!(100));
        assert_eq!(present_value(dec!(100), Rate::ZERO, 12), dec!(1200));
        assert_eq!(
            payment(dec!(1200), rate(dec!(0.12)), 0).round_dp(2),
            dec!(1212.00)
        );
        assert_eq!(present_value(dec!(100), rate(dec!(0.12)), 0), dec!(0));
        // A huge term does not loop or overflow: the payment tends to the interest.
        let p = payment(dec!(1200), rate(dec!(0.12)), u32::MAX);
        assert_eq!(p.round_dp(2), dec!(12.00));
        assert_eq!(
            present_value(Decimal::MAX, rate(dec!(0.36)), 360),
            Decimal::MAX
        );
    }
}
