//! Late charges (逾期罚息): penalty interest on overdue principal.
//!
//! For each day a period's principal is overdue the customer owes penalty interest on it at
//! the penalty annual rate / 360 (actual/360, as for prepayment). The penalty annual rate
//! is the contract's annual rate times a configured multiple (commonly 1.5: the contract
//! rate plus 50 %), but never above a configured ceiling (commonly 0.24, the legal cap).
//! The charge for a number of days is computed as one exact product and rounded half-up to
//! the fen once: `round(overdue × min(rate × multiple, ceiling) × days / 360)`. No days,
//! no charge.

use rust_decimal::Decimal;

use super::arith::Ratio;
use super::prepayment::DAYS_PER_YEAR;
use crate::money::Money;
use crate::rate::Rate;

/// How a product charges for lateness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LateChargePolicy {
    multiple: Decimal,
    ceiling: Rate,
}

/// Why a late charge could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LateChargeError {
    /// The multiple of the contract rate is negative.
    #[error("the penalty multiple must not be negative, e.g. 1.5 for the contract rate plus 50 %")]
    NegativeMultiple,
    /// The overdue principal is negative.
    #[error("the overdue principal must not be negative")]
    NegativePrincipal,
    /// The charge would exceed any storable amount (absurd principal and day count).
    #[error("the late charge is too large to compute")]
    TooLarge,
}

impl Default for LateChargePolicy {
    /// 1.5 × the contract rate, at most 24 % a year.
    fn default() -> Self {
        LateChargePolicy {
            multiple: Decimal::new(15, 1),
            ceiling: Rate::from_parts(24, 2),
        }
    }
}

impl LateChargePolicy {
    /// A policy charging `multiple` × the contract rate, capped at `ceiling`.
    pub fn new(multiple: Decimal, ceiling: Rate) -> Result<LateChargePolicy, LateChargeError> {
        if multiple.is_sign_negative() && !multiple.is_zero() {
            return Err(LateChargeError::NegativeMultiple);
        }
        Ok(LateChargePolicy {
            multiple: multiple.normalize(),
            ceiling,
        })
    }

    /// The multiple of the contract rate.
    pub fn multiple(&self) -> Decimal {
        self.multiple
    }

    /// The ceiling on the penalty annual rate.
    pub fn ceiling(&self) -> Rate {
        self.ceiling
    }

    /// The penalty annual rate for a contract rate: `min(contract × multiple, ceiling)`,
    /// exact (it may have more decimals than a [`Rate`] allows).
    pub fn penalty_annual_rate(&self, contract_rate: Rate) -> Decimal {
        match contract_rate.value().checked_mul(self.multiple) {
            Some(rate) if rate < self.ceiling.value() => rate,
            // An overflowing product is far above any ceiling.
            _ => self.ceiling.value(),
        }
    }

    /// Penalty interest on `overdue_principal` for `days` days late, rounded half-up to the
    /// fen (see the module documentation).
    pub fn penalty_interest(
        &self,
        overdue_principal: Money,
        contract_rate: Rate,
        days: u32,
    ) -> Result<Money, LateChargeError> {
        if overdue_principal.is_negative() {
            return Err(LateChargeError::NegativePrincipal);
        }
        if days == 0 || overdue_principal.is_zero() {
            return Ok(Money::ZERO);
        }
        Ratio::new(self.penalty_annual_rate(contract_rate), DAYS_PER_YEAR)
            .times(u64::from(days))
            .and_then(|ratio| ratio.apply(overdue_principal.to_fen()))
            .map(Money::from_fen)
            .ok_or(LateChargeError::TooLarge)
    }
}

/// A product's late charge by the day (the platforms' terms: `daily_rate` a day on the
/// overdue amount): `round(overdue × daily_rate × days)`, one exact product rounded half-up
/// to the fen once. `None` for a negative amount or rate, or one too large to store.
pub fn daily_late_charge(overdue_fen: i64, daily_rate: Decimal, days: u32) -> Option<i64> {
    if overdue_fen < 0 || daily_rate.is_sign_negative() && !daily_rate.is_zero() {
        return None;
    }
    if days == 0 || overdue_fen == 0 {
        return Some(0);
    }
    Ratio::new(daily_rate, 1)
        .times(u64::from(days))
        .and_then(|ratio| ratio.apply(overdue_fen))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn rate(d: Decimal) -> Rate {
        Rate::new(d).unwrap()
    }

    #[test]
    fn penalty_rate_is_a_capped_multiple() {
        let p = LateChargePolicy::default();
        assert_eq!(p.multiple(), dec!(1.5));
        assert_eq!(p.ceiling().value(), dec!(0.24));
        assert_eq!(p.penalty_annual_rate(rate(dec!(0.0435))), dec!(0.06525));
        assert_eq!(p.penalty_annual_rate(rate(dec!(0.18))), dec!(0.24));
        assert_eq!(p.penalty_annual_rate(rate(dec!(0.16))), dec!(0.24));
        assert_eq!(p.penalty_annual_rate(Rate::ZERO), dec!(0));
    }

    #[test]
    fn worked_examples() {
        let p = LateChargePolicy::default();
        let overdue = Money::from_fen(80_000); // 800.00 yuan
        // 800.00 × 0.0435 × 1.5 / 360 × 10 = 1.45
        assert_eq!(
            p.penalty_interest(overdue, rate(dec!(0.0435)), 10),
            Ok(Money::from_fen(145))
        );
        // 800.00 × 0.06525 / 360 × 1 = 0.145 exactly: half-up to 0.15
        assert_eq!(
            p.penalty_interest(overdue, rate(dec!(0.0435)), 1),
            Ok(Money::from_fen(15))
        );
        // 800.00 × 0.24 / 360 × 30 = 16.00 (0.18 × 1.5 = 0.27 is capped at 0.24)
        assert_eq!(
            p.penalty_interest(overdue, rate(dec!(0.18)), 30),
            Ok(Money::from_fen(1_600))
        );
        // 888.49 × 0.12 × 1.5 / 360 × 7 = 3.109715 → 3.11
        assert_eq!(
            p.penalty_interest(Money::from_fen(88_849), rate(dec!(0.12)), 7),
            Ok(Money::from_fen(311))
        );
        assert_eq!(
            p.penalty_interest(overdue, rate(dec!(0.12)), 0),
            Ok(Money::ZERO)
        );
        assert_eq!(
            p.penalty_interest(Money::ZERO, rate(dec!(0.12)), 30),
            Ok(Money::ZERO)
        );
    }

    #[test]
    fn daily_charges_round_once() {
        // 727.31 × 0.0005 × 1 = 0.363655 → 0.36; × 10 days = 3.63655 → 3.64 (not 10 × 0.36).
        assert_eq!(daily_late_charge(72_731, dec!(0.0005), 1), Some(36));
        assert_eq!(daily_late_charge(72_731, dec!(0.0005), 10), Some(364));
        assert_eq!(daily_late_charge(72_731, dec!(0.0005), 0), Some(0));
        assert_eq!(daily_late_charge(-1, dec!(0.0005), 3), None);
        assert_eq!(daily_late_charge(100, dec!(-0.1), 3), None);
    }

    #[test]
    fn refuses_what_cannot_be_charged() {
        let p = LateChargePolicy::default();
        assert_eq!(
            p.penalty_interest(Money::from_fen(-1), rate(dec!(0.12)), 3),
            Err(LateChargeError::NegativePrincipal)
        );
        assert_eq!(
            LateChargePolicy::new(dec!(-1), Rate::ZERO),
            Err(LateChargeError::NegativeMultiple)
        );
        let huge = LateChargePolicy::new(dec!(1000000), rate(dec!(1000000000))).unwrap();
        assert_eq!(
            huge.penalty_interest(Money::MAX, rate(dec!(1000)), u32::MAX),
            Err(LateChargeError::TooLarge)
        );
        assert_eq!(
            huge.penalty_annual_rate(rate(Decimal::MAX.trunc())),
            dec!(1000000000)
        );
    }
}
