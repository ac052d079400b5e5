//! Interest and fee rates as exact decimal fractions.
//!
//! A [`Rate`] is a fraction, not a percentage: `0.0435` is 4.35 %. It is never negative and
//! has at most [`Rate::MAX_DECIMAL_PLACES`] decimal places — finer than any bank quotes
//! (0.00000001 %), and it is what lets the schedule engine compute every interest and fee as
//! an exact integer fraction before rounding it to the fen once.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative decimal fraction such as an annual interest rate (`0.0435` = 4.35 %), a
/// per-period fee rate or a legal cap.
///
/// Kept normalized (no trailing zeros), so `0.04350` and `0.0435` are the same rate and
/// print the same way.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rate(Decimal);

/// Why a rate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    /// A rate below zero would pay the borrower for borrowing.
    #[error("a rate must not be negative")]
    Negative,
    /// More decimal places than [`Rate::MAX_DECIMAL_PLACES`].
    #[error("a rate has at most 10 decimal places, e.g. 0.0435 for 4.35 %")]
    TooPrecise,
    /// Not a decimal number at all.
    #[error("not a rate: give a decimal fraction such as 0.0435 for 4.35 %")]
    NotANumber,
}

impl Rate {
    /// No interest, no fee.
    pub const ZERO: Rate = Rate(Decimal::ZERO);

    /// The most decimal places a rate may have.
    pub const MAX_DECIMAL_PLACES: u32 = 10;

    /// A rate from its decimal fraction, refused if negative or more precise than
    /// [`Rate::MAX_DECIMAL_PLACES`] (trailing zeros do not count).
    pub fn new(value: Decimal) -> Result<Rate, RateError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(RateError::Negative);
        }
        let normalized = value.normalize();
        if normalized.scale() > Self::MAX_DECIMAL_PLACES {
            return Err(RateError::TooPrecise);
        }
        Ok(Rate(normalized))
    }

    /// A computed rate (a policy's base plus a spread, a multiple of another rate) rounded
    /// half-up to [`Rate::MAX_DECIMAL_PLACES`]; refused only if negative.
    pub fn round_half_up(value: Decimal) -> Result<Rate, RateError> {
        Rate::new(value.round_dp_with_strategy(
            Self::MAX_DECIMAL_PLACES,
            RoundingStrategy::MidpointAwayFromZero,
        ))
    }

    /// A constant rate `mantissa × 10^-scale` (`(24, 2)` is 0.24), for the crate's own
    /// defaults and policy tables; a `scale` above 28 is taken as 28. Trailing zeros are
    /// harmless (`(240, 3)` equals and prints as 0.24).
    pub(crate) const fn from_parts(mantissa: u32, scale: u32) -> Rate {
        let scale = if scale > Decimal::MAX_SCALE {
            Decimal::MAX_SCALE
        } else {
            scale
        };
        Rate(Decimal::from_parts(mantissa, 0, 0, false, scale))
    }

    /// The fraction itself (`0.0435`).
    pub const fn value(self) -> Decimal {
        self.0
    }

    /// The rate in percent (`4.35` for `0.0435`), for messages and disclosures; saturates at
    /// `Decimal::MAX` for a rate too large to express in percent.
    pub fn percent(self) -> Decimal {
        self.0
            .checked_mul(Decimal::ONE_HUNDRED)
            .map_or(Decimal::MAX, |p| p.normalize())
    }

    /// Whether this is 0.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
}

impl fmt::Display for Rate {
    /// The fraction, normalized: `0.0435`, `0.24`, `0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.normalize(), f)
    }
}

impl fmt::Debug for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rate({self})")
    }
}

impl FromStr for Rate {
    type Err = RateError;

    /// Parses a fraction such as `"0.0435"`.
    fn from_str(s: &str) -> Result<Rate, RateError> {
        let value = Decimal::from_str_exact(s.trim()).map_err(|_| RateError::NotANumber)?;
        Rate::new(value)
    }
}

impl TryFrom<Decimal> for Rate {
    type Error = RateError;

    fn try_from(value: Decimal) -> Result<Rate, RateError> {
        Rate::new(value)
    }
}

impl Serialize for Rate {
    /// A string such as `"0.0435"`, so that no JSON reader turns it into a float.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rate {
    /// Accepts only the string form (`"0.0435"`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Rate, D::Error> {
        struct RateVisitor;

        impl Visitor<'_> for RateVisitor {
            type Value = Rate;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a rate as a decimal fraction in a string, e.g. \"0.0435\"")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Rate, E> {
                v.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(RateVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn accepts_non_negative_fractions_and_normalizes() {
        let r = Rate::new(dec!(0.04350)).unwrap();
        assert_eq!(r.value(), dec!(0.0435));
        assert_eq!(r.value().scale(), 4);
        assert_eq!(r, Rate::new(dec!(0.0435)).unwrap());
        assert_eq!(r.to_string(), "0.0435");
        assert_eq!(r.percent(), dec!(4.35));
        assert!(Rate::new(dec!(0)).unwrap().is_zero());
        assert!(Rate::new(dec!(-0.00)).unwrap().is_zero());
        assert_eq!(Rate::ZERO.to_string(), "0");
        assert_eq!(Rate::new(Decimal::MAX).unwrap().percent(), Decimal::MAX);
    }

    #[test]
    fn refuses_negative_and_too_precise() {
        assert_eq!(Rate::new(dec!(-0.01)), Err(RateError::Negative));
        assert_eq!(Rate::new(dec!(0.00000000001)), Err(RateError::TooPrecise));
        assert_eq!(
            Rate::new(dec!(0.01000000000000)).map(Rate::value),
            Ok(dec!(0.01))
        );
        assert_eq!("abc".parse::<Rate>(), Err(RateError::NotANumber));
        assert_eq!("-1".parse::<Rate>(), Err(RateError::Negative));
    }

    #[test]
    fn rounding_a_computed_rate() {
        let r = Rate::round_half_up(dec!(0.0435) / dec!(3)).unwrap();
        assert_eq!(r.value(), dec!(0.0145));
        let r = Rate::round_half_up(dec!(0.05) / dec!(12)).unwrap();
        assert_eq!(r.value(), dec!(0.0041666667));
        assert_eq!(Rate::round_half_up(dec!(-0.1)), Err(RateError::Negative));
    }

    #[test]
    fn constants_print_normalized() {
        assert_eq!(Rate::from_parts(240, 3).to_string(), "0.24");
        assert_eq!(Rate::from_parts(240, 3), Rate::from_parts(24, 2));
        assert_eq!(Rate::from_parts(10, 0).to_string(), "10");
        assert_eq!(Rate::from_parts(1, 40).value(), Decimal::new(1, 28));
    }

    #[test]
    fn ordering_and_serde() {
        assert!(Rate::new(dec!(0.24)).unwrap() > Rate::new(dec!(0.0435)).unwrap());
        let json = serde_json::to_string(&Rate::new(dec!(0.0435)).unwrap()).unwrap();
        assert_eq!(json, "\"0.0435\"");
        let back: Rate = serde_json::from_str(&json).unwrap();
        assert_eq!(back.value(), dec!(0.0435));
        assert!(serde_json::from_str::<Rate>("\"-0.1\"").is_err());
        assert!(serde_json::from_str::<Rate>("0.1").is_err());
    }
}
