//! Money in yuan, exact to the fen.
//!
//! Every amount the bank shows, stores or charges is a whole number of fen (0.01 yuan), so
//! [`Money`] is a whole number of fen by construction: it cannot hold 0.005 yuan, and code
//! that needs a finer intermediate (interest, fees, an annuity) works in `Decimal` and comes
//! back through [`Money::round_half_up`] at a stated rounding point.
//!
//! Inside, the amount is an `i64` count of fen — the same integer the database stores — which
//! makes `Money` exact, `Copy`, totally ordered and as cheap to add as an integer (the
//! schedule engine builds dozens of schedules per request). Outward it speaks
//! `rust_decimal::Decimal` in yuan ([`Money::amount`], [`Money::try_from_yuan`]), and on the
//! wire a string such as `"1234.56"`. It never goes through `f64`.
//!
//! The range is that of `i64` fen (about ±92 million billion yuan). Adding past it saturates
//! instead of panicking — no real amount comes within a million times of the bound, and the
//! `checked_*` methods exist for code that wants to know.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount in yuan, always exactly two decimals (whole fen).
///
/// Built only from whole fen ([`Money::from_fen`]), from a yuan amount that has no more than
/// two decimals ([`Money::try_from_yuan`]), or by rounding half-up (四舍五入) at one of the
/// engine's stated rounding points ([`Money::round_half_up`]) — so an invalid amount is never
/// constructed in the first place.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// Why a yuan amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// More than two decimal places: fen are the smallest unit the bank can pay or charge.
    #[error("an amount in yuan has at most 2 decimal places (whole fen), e.g. 1234.56")]
    TooPrecise,
    /// Beyond what can be stored as integer fen.
    #[error("the amount is too large to be stored")]
    OutOfRange,
    /// Not a decimal number at all.
    #[error("not an amount in yuan: give a decimal number such as 1234.56")]
    NotANumber,
}

impl Money {
    /// Nothing.
    pub const ZERO: Money = Money(0);
    /// The largest amount that can be stored (`i64::MAX` fen).
    pub const MAX: Money = Money(i64::MAX);
    /// The smallest (most negative) amount that can be stored (`i64::MIN` fen).
    pub const MIN: Money = Money(i64::MIN);

    /// The amount of `fen` fen, as the database stores it. Every `i64` is a valid amount.
    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    /// This amount as integer fen, for the database (which must never hold money as a float).
    pub const fn to_fen(self) -> i64 {
        self.0
    }

    /// An amount given in yuan, refused if it has more than two decimal places (rather than
    /// silently rounded: a customer who types 100.005 should be told, not charged 100.01)
    /// or cannot be stored as `i64` fen. Trailing zeros are fine: `1.500` is 1.50.
    pub fn try_from_yuan(amount: Decimal) -> Result<Money, MoneyError> {
        let rounded = amount.round_dp(2);
        if rounded != amount {
            return Err(MoneyError::TooPrecise);
        }
        decimal_to_fen(rounded)
            .map(Money)
            .ok_or(MoneyError::OutOfRange)
    }

    /// Rounds a computed yuan amount half away from zero to the fen (四舍五入: 0.005 → 0.01,
    /// −0.005 → −0.01). Use it only at a stated rounding point of a calculation, never to
    /// accept input — input with more than two decimals is refused by
    /// [`Money::try_from_yuan`]. Saturates at [`Money::MIN`]/[`Money::MAX`].
    pub fn round_half_up(amount: Decimal) -> Money {
        let rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        match decimal_to_fen(rounded) {
            Some(fen) => Money(fen),
            None if rounded.is_sign_negative() => Money::MIN,
            None => Money::MAX,
        }
    }

    /// The amount in yuan, with exactly two decimals (scale 2).
    pub fn amount(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Whether this is 0.00.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether this is below 0.00 (a refund or a correction, never a loan amount).
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Whether this is above 0.00.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// `self + other`, or `None` past the storable range.
    pub const fn checked_add(self, other: Money) -> Option<Money> {
        match self.0.checked_add(other.0) {
            Some(fen) => Some(Money(fen)),
            None => None,
        }
    }

    /// `self - other`, or `None` past the storable range.
    pub const fn checked_sub(self, other: Money) -> Option<Money> {
        match self.0.checked_sub(other.0) {
            Some(fen) => Some(Money(fen)),
            None => None,
        }
    }
}

/// Whole fen of a decimal that has at most two decimal places, if it fits in `i64`.
fn decimal_to_fen(amount: Decimal) -> Option<i64> {
    let mut mantissa = amount.mantissa();
    let mut scale = amount.scale();
    while scale < 2 {
        // |mantissa| < 2^96, so two multiplications by 10 cannot overflow i128.
        mantissa *= 10;
        scale += 1;
    }
    i64::try_from(mantissa).ok()
}

impl Add for Money {
    type Output = Money;
    /// Saturates at the storable range rather than panicking.
    fn add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        *self = *self + other;
    }
}

impl Sub for Money {
    type Output = Money;
    /// Saturates at the storable range rather than panicking.
    fn sub(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0))
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, other: Money) {
        *self = *self - other;
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

impl fmt::Display for Money {
    /// Yuan with exactly two decimals and no grouping: `1234.56`, `0.00`, `-0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.amount(), f)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({})", self.amount())
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Parses yuan such as `"1234.56"`; more than two decimals are refused.
    fn from_str(s: &str) -> Result<Money, MoneyError> {
        let amount = Decimal::from_str_exact(s.trim()).map_err(|_| MoneyError::NotANumber)?;
        Money::try_from_yuan(amount)
    }
}

impl Serialize for Money {
    /// A string such as `"1234.56"`, so that no JSON reader turns it into a float.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    /// Accepts only the string form (`"1234.56"`): a JSON number may already have been
    /// through a float on its way here.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        struct MoneyVisitor;

        impl Visitor<'_> for MoneyVisitor {
            type Value = Money;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount in yuan as a string, e.g. \"1234.56\"")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
                v.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(MoneyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn fen_round_trip() {
        assert_eq!(Money::from_fen(123_456).to_fen(), 123_456);
        assert_eq!(Money::from_fen(123_456).amount(), dec!(1234.56));
        assert_eq!(Money::from_fen(123_456).amount().scale(), 2);
        assert_eq!(Money::from_fen(i64::MIN).to_fen(), i64::MIN);
    }

    #[test]
    fn yuan_with_at_most_two_decimals_is_accepted() {
        assert_eq!(
            Money::try_from_yuan(dec!(1234.56)),
            Ok(Money::from_fen(123_456))
        );
        assert_eq!(Money::try_from_yuan(dec!(7)), Ok(Money::from_fen(700)));
        assert_eq!(Money::try_from_yuan(dec!(1.500)), Ok(Money::from_fen(150)));
        assert_eq!(Money::try_from_yuan(dec!(-0.05)), Ok(Money::from_fen(-5)));
    }

    #[test]
    fn more_than_two_decimals_or_too_large_is_refused() {
        assert_eq!(
            Money::try_from_yuan(dec!(100.005)),
            Err(MoneyError::TooPrecise)
        );
        assert_eq!(
            Money::try_from_yuan(dec!(0.0000000000000000000000000001)),
            Err(MoneyError::TooPrecise)
        );
        assert_eq!(
            Money::try_from_yuan(Decimal::MAX),
            Err(MoneyError::OutOfRange)
        );
        assert_eq!(
            Money::try_from_yuan(dec!(92233720368547758.08)),
            Err(MoneyError::OutOfRange)
        );
        assert_eq!(
            Money::try_from_yuan(dec!(92233720368547758.07)),
            Ok(Money::MAX)
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(Money::round_half_up(dec!(0.005)), Money::from_fen(1));
        assert_eq!(Money::round_half_up(dec!(0.0049999)), Money::ZERO);
        assert_eq!(
            Money::round_half_up(dec!(888.48788)),
            Money::from_fen(88_849)
        );
        assert_eq!(Money::round_half_up(dec!(-0.005)), Money::from_fen(-1));
        assert_eq!(Money::round_half_up(Decimal::MAX), Money::MAX);
        assert_eq!(Money::round_half_up(Decimal::MIN), Money::MIN);
    }

    #[test]
    fn arithmetic_and_predicates() {
        let a = Money::from_fen(150);
        let b = Money::from_fen(275);
        assert_eq!(a + b, Money::from_fen(425));
        assert_eq!(a - b, Money::from_fen(-125));
        assert!((a - b).is_negative());
        assert!(Money::ZERO.is_zero());
        assert!(a.is_positive());
        assert_eq!([a, b, a].iter().sum::<Money>(), Money::from_fen(575));
        assert_eq!(vec![a, b].into_iter().sum::<Money>(), Money::from_fen(425));
        assert!(a < b);
        assert_eq!(Money::MAX + a, Money::MAX);
        assert_eq!(Money::MIN - a, Money::MIN);
        assert_eq!(Money::MAX.checked_add(a), None);
        assert_eq!(a.checked_sub(b), Some(Money::from_fen(-125)));
        let mut c = a;
        c += b;
        c -= a;
        assert_eq!(c, b);
    }

    #[test]
    fn display_and_parse() {
        assert_eq!(Money::from_fen(123_456).to_string(), "1234.56");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money::from_fen(-5).to_string(), "-0.05");
        assert_eq!(Money::from_fen(100).to_string(), "1.00");
        assert_eq!("1234.56".parse::<Money>(), Ok(Money::from_fen(123_456)));
        assert_eq!("1234.567".parse::<Money>(), Err(MoneyError::TooPrecise));
        assert_eq!("12a".parse::<Money>(), Err(MoneyError::NotANumber));
        assert_eq!(format!("{:?}", Money::from_fen(1)), "Money(0.01)");
    }

    #[test]
    fn serde_is_a_string() {
        let json = serde_json::to_string(&Money::from_fen(123_456)).unwrap();
        assert_eq!(json, "\"1234.56\"");
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Money::from_fen(123_456));
        assert!(serde_json::from_str::<Money>("1234.56").is_err());
        assert!(serde_json::from_str::<Money>("\"1.001\"").is_err());
    }
}
