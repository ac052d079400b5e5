//! How figures are written in reasons: for people, not for parsers.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::money::Money;

/// `12,345.67 yuan`: grouped thousands, always two decimals.
pub(super) fn yuan(amount: Money) -> String {
    format!("{} yuan", grouped(amount))
}

/// `12,345.67`: grouped thousands, always two decimals.
pub(crate) fn grouped(amount: Money) -> String {
    let fen = amount.to_fen();
    let abs = fen.unsigned_abs();
    let (whole, cents) = (abs / 100, abs % 100);
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
    if fen < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(&format!(".{cents:02}"));
    out
}

/// A measured fraction as a percentage with one decimal: `0.38` → `38.0 %`.
pub(super) fn percent1(fraction: Decimal) -> String {
    let mut p = round(fraction.saturating_mul(Decimal::ONE_HUNDRED), 1);
    p.rescale(1);
    format!("{p} %")
}

/// A policy's fraction as a percentage, as written: `0.5` → `50 %`, `0.125` → `12.5 %`.
pub(super) fn percent(fraction: Decimal) -> String {
    format!(
        "{} %",
        fraction.saturating_mul(Decimal::ONE_HUNDRED).normalize()
    )
}

/// Points with one decimal: `24.9`.
pub(super) fn points(value: Decimal) -> String {
    let mut p = round(value, 1);
    p.rescale(1);
    p.to_string()
}

/// A maximum of points as written: `30`, `12.5`.
pub(super) fn max_points(value: Decimal) -> String {
    value.normalize().to_string()
}

/// `n` followed by the singular or plural noun: `1 delinquency`, `3 delinquencies`.
pub(super) fn count(n: u32, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// Half-up (away from zero) to `dp` decimals, the house rounding.
pub(super) fn round(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn writes_figures_for_people() {
        assert_eq!(yuan(Money::from_fen(1_234_567)), "12,345.67 yuan");
        assert_eq!(grouped(Money::from_fen(5)), "0.05");
        assert_eq!(grouped(Money::from_fen(-100_000_000)), "-1,000,000.00");
        assert_eq!(grouped(Money::from_fen(99_999)), "999.99");
        assert_eq!(grouped(Money::MIN), "-92,233,720,368,547,758.08");
        assert_eq!(percent1(dec!(0.38)), "38.0 %");
        assert_eq!(percent1(dec!(0.05)), "5.0 %");
        assert_eq!(percent1(dec!(0.12345)), "12.3 %");
        assert_eq!(percent(dec!(0.50)), "50 %");
        assert_eq!(percent(dec!(0.125)), "12.5 %");
        assert_eq!(points(dec!(24.94)), "24.9");
        assert_eq!(points(dec!(0)), "0.0");
        assert_eq!(max_points(dec!(30.0)), "30");
        assert_eq!(count(1, "inquiry", "inquiries"), "1 inquiry");
        assert_eq!(count(0, "inquiry", "inquiries"), "0 inquiries");
    }
}
