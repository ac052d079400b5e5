//! The terms of a loan, checked once: [`LoanTerms::new`] turns what a client sent
//! ([`LoanTermsInput`]) into terms the engine can compute without any further check, or says
//! which input field is wrong and how to put it right ([`TermsError`]).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::dates;
use super::method::{Frequency, RepaymentMethod};
pub use super::terms_error::TermsError;
use crate::money::{Money, MoneyError};
use crate::rate::{Rate, RateError};

/// The engine's own ceilings, whatever [`Limits`] a deployment configures. They keep every
/// intermediate product of the engine inside 128-bit integers and `Decimal`, so nothing can
/// overflow or panic: principal at most 1,000,000,000,000.00 yuan, at most 1,200 periods,
/// an annual rate of at most 10 (1,000 %).
pub const ENGINE_MAX_PRINCIPAL: Money = Money::from_fen(100_000_000_000_000);
/// See [`ENGINE_MAX_PRINCIPAL`].
pub const ENGINE_MAX_PERIODS: u32 = 1_200;
/// See [`ENGINE_MAX_PRINCIPAL`]; the fraction 10 (1,000 %).
pub const ENGINE_MAX_ANNUAL_RATE: Rate = Rate::from_parts(10, 0);

/// The product and regulatory limits a loan must respect. Configured per deployment; the
/// defaults are the bank's standing rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest loan the bank will quote (default 100,000,000.00 yuan).
    pub max_principal: Money,
    /// The longest loan in periods (default 360, thirty years of monthly payments).
    pub max_periods: u32,
    /// The legal ceiling on the APR (default 0.24: the Supreme People's Court's protected
    /// ceiling for private lending, which the bank applies to itself). The nominal annual
    /// rate is checked against it by [`LoanTerms::new`], the APR by IRR by
    /// [`quote`](super::quote::quote).
    pub legal_apr_cap: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_principal: Money::from_fen(10_000_000_000),
            max_periods: 360,
            legal_apr_cap: Rate::from_parts(24, 2),
        }
    }
}

impl Limits {
    fn effective_max_principal(&self) -> Money {
        self.max_principal.min(ENGINE_MAX_PRINCIPAL)
    }

    fn effective_max_periods(&self) -> u32 {
        self.max_periods.min(ENGINE_MAX_PERIODS)
    }

    /// The cap on the annual rate, never above the engine's own ceiling.
    pub(crate) fn rate_cap(&self) -> Rate {
        self.legal_apr_cap.min(ENGINE_MAX_ANNUAL_RATE)
    }
}

/// A loan as a client asks for it, before any check. The integer fields are wide (`i64`)
/// so that a transport can pass on whatever the client sent and get a refusal that names
/// the field, instead of failing in its own conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanTermsInput {
    /// The amount lent, in yuan, at most 2 decimals.
    pub principal: Decimal,
    /// The nominal annual interest rate as a fraction (`0.0435`); `0` for
    /// [`RepaymentMethod::FeeBased`].
    pub annual_rate: Decimal,
    /// The fee per period as a fraction of the original principal (`0.006` = 0.6 % a
    /// period); only, and always, for [`RepaymentMethod::FeeBased`].
    pub period_fee_rate: Option<Decimal>,
    /// The number of payments.
    pub periods: i64,
    /// Monthly or quarterly.
    pub frequency: Frequency,
    /// How the loan is repaid.
    pub method: RepaymentMethod,
    /// The day the money is paid out (放款日) and interest starts.
    pub start_date: NaiveDate,
    /// The day of the month payments fall due, 1 to 28.
    pub payment_day: i64,
}

/// Terms that passed every check of [`LoanTerms::new`]: the schedule engine, the APR solver
/// and the prepayment rules rely on that and never check again. The fields are private so
/// that no other path can build unchecked terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanTerms {
    principal: Money,
    annual_rate: Rate,
    period_fee_rate: Option<Rate>,
    periods: u32,
    frequency: Frequency,
    method: RepaymentMethod,
    start_date: NaiveDate,
    payment_day: u8,
    first_due_date: NaiveDate,
}

impl LoanTerms {
    /// Checks the input field by field, in the order the GraphQL input lists them, and
    /// returns the first problem found. Refuses: a principal ≤ 0, with more than 2 decimals,
    /// or above `limits.max_principal`; a negative annual rate, or one above
    /// `limits.legal_apr_cap`; a non-zero annual rate with `FEE_BASED`; a fee rate with any
    /// other method, or `FEE_BASED` without one, or a fee rate whose simple annual
    /// equivalent (rate × periods a year) is above the cap; 0 periods or more than
    /// `limits.max_periods`; a payment day outside 1–28; and a start date so late that the
    /// last due date would not exist in the calendar. Never panics.
    ///
    /// A `FEE_BASED` loan must come with an annual rate of exactly 0: its price is the fee,
    /// and an interest rate given alongside would either be silently ignored or make a
    /// hybrid product that neither the engine nor the disclosure describes.
    ///
    /// Limits beyond the engine's own ceilings ([`ENGINE_MAX_PRINCIPAL`],
    /// [`ENGINE_MAX_PERIODS`], [`ENGINE_MAX_ANNUAL_RATE`]) are lowered to them.
    pub fn new(input: LoanTermsInput, limits: &Limits) -> Result<LoanTerms, TermsError> {
        let method = input.method;
        let frequency = input.frequency;
        let cap = limits.rate_cap();

        let max_principal = limits.effective_max_principal();
        let principal = Money::try_from_yuan(input.principal)
            .map_err(|e| match e {
                MoneyError::TooPrecise => TermsError::new(
                    "principal",
                    "principal must be given in yuan with at most 2 decimal places (whole fen), e.g. 10000.00",
                ),
                MoneyError::OutOfRange | MoneyError::NotANumber => {
                    principal_range_error(max_principal)
                }
            })
            .and_then(|p| {
                if p.is_positive() && p <= max_principal {
                    Ok(p)
                } else {
                    Err(principal_range_error(max_principal))
                }
            })?;

        let annual_rate = Rate::new(input.annual_rate)
            .map_err(|e| rate_error("annualRate", e, "0.0435 for 4.35 % a year"))?;
        if method.has_fee() && !annual_rate.is_zero() {
            return Err(TermsError::new(
                "annualRate",
                "a FEE_BASED installment charges a fee instead of interest: set annualRate to 0, or choose another method",
            ));
        }
        if annual_rate > cap {
            return Err(TermsError::new(
                "annualRate",
                format!(
                    "annualRate {} ({} %) is above the legal cap of {} ({} %): offer at most {}",
                    annual_rate,
                    annual_rate.percent(),
                    cap,
                    cap.percent(),
                    cap
                ),
            ));
        }

        let period_fee_rate = match (method.has_fee(), input.period_fee_rate) {
            (false, None) => None,
            (false, Some(_)) => {
                return Err(TermsError::new(
                    "periodFeeRate",
                    format!(
                        "periodFeeRate applies only to FEE_BASED installments: leave it out for {method}"
                    ),
                ));
            }
            (true, None) => {
                return Err(TermsError::new(
                    "periodFeeRate",
                    "a FEE_BASED installment needs periodFeeRate, the fee per period as a fraction of the principal, e.g. 0.006 for 0.6 % a period",
                ));
            }
            (true, Some(value)) => {
                let fee = Rate::new(value)
                    .map_err(|e| rate_error("periodFeeRate", e, "0.006 for 0.6 % a period"))?;
                let yearly = fee
                    .value()
                    .checked_mul(Decimal::from(frequency.periods_per_year()))
                    .unwrap_or(Decimal::MAX);
                if yearly > cap.value() {
                    let yearly_percent = yearly
                        .checked_mul(Decimal::ONE_HUNDRED)
                        .map_or(Decimal::MAX, |p| p.normalize());
                    return Err(TermsError::new(
                        "periodFeeRate",
                        format!(
                            "periodFeeRate {fee} a period is {yearly_percent} % a year even before counting that the principal is repaid over time, above the legal cap of {} %: lower the fee",
                            cap.percent()
                        ),
                    ));
                }
                Some(fee)
            }
        };

        let max_periods = limits.effective_max_periods();
        let periods = u32::try_from(input.periods)
            .ok()
            .filter(|n| (1..=max_periods).contains(n))
            .ok_or_else(|| {
                TermsError::new(
                    "periods",
                    format!("periods must be a whole number from 1 to {max_periods}"),
                )
            })?;

        let payment_day = u8::try_from(input.payment_day)
            .ok()
            .filter(|d| (1..=28).contains(d))
            .ok_or_else(|| {
                TermsError::new(
                    "paymentDay",
                    "paymentDay must be a day of the month from 1 to 28, so that it exists in every month",
                )
            })?;

        let first_due_date = dates::first_due_date(input.start_date, payment_day, frequency)
            .filter(|first| dates::nth_due_date(*first, frequency, periods).is_some())
            .ok_or_else(|| {
                TermsError::new(
                    "startDate",
                    "startDate is too far in the future: the last payment would fall past the end of the calendar",
                )
            })?;

        Ok(LoanTerms {
            principal,
            annual_rate,
            period_fee_rate,
            periods,
            frequency,
            method,
            start_date: input.start_date,
            payment_day,
            first_due_date,
        })
    }

    /// The amount lent.
    pub const fn principal(&self) -> Money {
        self.principal
    }

    /// The nominal annual interest rate (0 for `FEE_BASED`).
    pub const fn annual_rate(&self) -> Rate {
        self.annual_rate
    }

    /// The fee per period on the original principal; `Some` exactly for `FEE_BASED`.
    pub const fn period_fee_rate(&self) -> Option<Rate> {
        self.period_fee_rate
    }

    /// The number of payments, at least 1.
    pub const fn periods(&self) -> u32 {
        self.periods
    }

    /// Monthly or quarterly.
    pub const fn frequency(&self) -> Frequency {
        self.frequency
    }

    /// How the loan is repaid.
    pub const fn method(&self) -> RepaymentMethod {
        self.method
    }

    /// The day the money is paid out and interest starts.
    pub const fn start_date(&self) -> NaiveDate {
        self.start_date
    }

    /// The day of the month payments fall due, 1 to 28.
    pub const fn payment_day(&self) -> u8 {
        self.payment_day
    }

    /// The first due date (see [`dates::first_due_date`] for the rule).
    pub const fn first_due_date(&self) -> NaiveDate {
        self.first_due_date
    }
}

fn principal_range_error(max: Money) -> TermsError {
    TermsError::new(
        "principal",
        format!("principal must be more than 0 and at most {max} yuan"),
    )
}

fn rate_error(field: &'static str, e: RateError, example: &str) -> TermsError {
    let what = match e {
        RateError::Negative => "must not be negative",
        RateError::TooPrecise => "has more than 10 decimal places",
        RateError::NotANumber => "is not a number",
    };
    TermsError::new(
        field,
        format!(
            "{field} {what}: give it as a fraction with at most 10 decimal places, e.g. {example}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DomainError;
    use rust_decimal_macros::dec;

    fn input() -> LoanTermsInput {
        LoanTermsInput {
            principal: dec!(10000.00),
            annual_rate: dec!(0.12),
            period_fee_rate: None,
            periods: 12,
            frequency: Frequency::Monthly,
            method: RepaymentMethod::EqualInstallment,
            start_date: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
            payment_day: 15,
        }
    }

    fn fee_input() -> LoanTermsInput {
        LoanTermsInput {
            method: RepaymentMethod::FeeBased,
            annual_rate: dec!(0),
            period_fee_rate: Some(dec!(0.006)),
            ..input()
        }
    }

    fn refused(i: LoanTermsInput) -> TermsError {
        LoanTerms::new(i, &Limits::default()).unwrap_err()
    }

    #[test]
    fn valid_terms_are_kept_as_given() {
        let t = LoanTerms::new(input(), &Limits::default()).unwrap();
        assert_eq!(t.principal(), Money::from_fen(1_000_000));
        assert_eq!(t.annual_rate().value(), dec!(0.12));
        assert_eq!(t.period_fee_rate(), None);
        assert_eq!(t.periods(), 12);
        assert_eq!(t.payment_day(), 15);
        assert_eq!(
            t.first_due_date(),
            NaiveDate::from_ymd_opt(2026, 2, 15).unwrap()
        );
        let f = LoanTerms::new(fee_input(), &Limits::default()).unwrap();
        assert_eq!(f.period_fee_rate().map(Rate::value), Some(dec!(0.006)));
    }

    #[test]
    fn principal_is_checked() {
        for bad in [dec!(0), dec!(-1), dec!(100000000.01), Decimal::MAX] {
            let e = refused(LoanTermsInput {
                principal: bad,
                ..input()
            });
            assert_eq!(e.field, "principal");
            assert_eq!(
                e.message,
                "principal must be more than 0 and at most 100000000.00 yuan"
            );
        }
        let e = refused(LoanTermsInput {
            principal: dec!(1.001),
            ..input()
        });
        assert_eq!(e.field, "principal");
        assert!(e.message.contains("at most 2 decimal places"), "{e}");
        assert!(
            LoanTerms::new(
                LoanTermsInput {
                    principal: dec!(100000000.00),
                    ..input()
                },
                &Limits::default()
            )
            .is_ok()
        );
        assert!(
            LoanTerms::new(
                LoanTermsInput {
                    principal: dec!(0.01),
                    ..input()
                },
                &Limits::default()
            )
            .is_ok()
        );
    }

    #[test]
    fn annual_rate_is_checked() {
        let e = refused(LoanTermsInput {
            annual_rate: dec!(-0.01),
            ..input()
        });
        assert_eq!(e.field, "annualRate");
        assert!(e.message.contains("must not be negative"), "{e}");
        let e = refused(LoanTermsInput {
            annual_rate: dec!(0.24000000001),
            ..input()
        });
        assert_eq!(e.field, "annualRate");
        assert!(e.message.contains("more than 10 decimal places"), "{e}");
        let e = refused(LoanTermsInput {
            annual_rate: dec!(0.2401),
            ..input()
        });
        assert_eq!(e.field, "annualRate");
        assert_eq!(
            e.message,
            "annualRate 0.2401 (24.01 %) is above the legal cap of 0.24 (24 %): offer at most 0.24"
        );
        assert!(
            LoanTerms::new(
                LoanTermsInput {
                    annual_rate: dec!(0.24),
                    ..input()
                },
                &Limits::default()
            )
            .is_ok()
        );
        assert!(
            LoanTerms::new(
                LoanTermsInput {
                    annual_rate: dec!(0),
                    ..input()
                },
                &Limits::default()
            )
            .is_ok()
        );
    }

    #[test]
    fn fee_based_loans_charge_no_interest() {
        let e = refused(LoanTermsInput {
            annual_rate: dec!(0.01),
            ..fee_input()
        });
        assert_eq!(e.field, "annualRate");
        assert!(e.message.contains("set annualRate to 0"), "{e}");
    }

    #[test]
    fn period_fee_rate_is_checked() {
        let e = refused(LoanTermsInput {
            period_fee_rate: Some(dec!(0.006)),
            ..input()
        });
        assert_eq!(e.field, "periodFeeRate");
        assert_eq!(
            e.message,
            "periodFeeRate applies only to FEE_BASED installments: leave it out for EQUAL_INSTALLMENT"
        );
        let e = refused(LoanTermsInput {
            period_fee_rate: None,
            ..fee_input()
        });
        assert_eq!(e.field, "periodFeeRate");
        assert!(e.message.contains("needs periodFeeRate"), "{e}");
        let e = refused(LoanTermsInput {
            period_fee_rate: Some(dec!(-0.001)),
            ..fee_input()
        });
        assert_eq!(e.field, "periodFeeRate");
        let e = refused(LoanTermsInput {
            period_fee_rate: Some(dec!(0.0201)),
            ..fee_input()
        });
        assert_eq!(e.field, "periodFeeRate");
        assert!(e.message.contains("24.12 % a year"), "{e}");
        let quarterly = LoanTermsInput {
            frequency: Frequency::Quarterly,
            period_fee_rate: Some(dec!(0.0201)),
            ..fee_input()
        };
        assert!(LoanTerms::new(quarterly, &Limits::default()).is_ok());
    }

    #[test]
    fn periods_are_checked() {
        for bad in [0, -1, 361, i64::MAX, i64::MIN] {
            let e = refused(LoanTermsInput {
                periods: bad,
                ..input()
            });
            assert_eq!(e.field, "periods");
            assert_eq!(e.message, "periods must be a whole number from 1 to 360");
        }
        assert!(
            LoanTerms::new(
                LoanTermsInput {
                    periods: 360,
                    ..input()
                },
                &Limits::default()
            )
            .is_ok()
        );
    }

    #[test]
    fn payment_day_is_checked() {
        for bad in [0, 29, 31, -5, 256, i64::MAX] {
            let e = refused(LoanTermsInput {
                payment_day: bad,
                ..input()
            });
            assert_eq!(e.field, "paymentDay");
            assert_eq!(
                e.message,
                "paymentDay must be a day of the month from 1 to 28, so that it exists in every month"
            );
        }
    }

    #[test]
    fn start_date_is_checked() {
        let e = refused(LoanTermsInput {
            start_date: NaiveDate::MAX,
            ..input()
        });
        assert_eq!(e.field, "startDate");
        let late = NaiveDate::MAX
            .checked_sub_months(chrono::Months::new(6))
            .unwrap();
        let e = refused(LoanTermsInput {
            start_date: late,
            ..input()
        });
        assert_eq!(e.field, "startDate");
        assert!(
            LoanTerms::new(
                LoanTermsInput {
                    start_date: NaiveDate::MIN,
                    ..input()
                },
                &Limits::default()
            )
            .is_ok()
        );
    }

    #[test]
    fn limits_beyond_the_engine_are_clamped() {
        let generous = Limits {
            max_principal: Money::MAX,
            max_periods: u32::MAX,
            legal_apr_cap: Rate::new(dec!(1000)).unwrap(),
        };
        let e = LoanTerms::new(
            LoanTermsInput {
                periods: 1201,
                ..input()
            },
            &generous,
        )
        .unwrap_err();
        assert_eq!(e.field, "periods");
        let e = LoanTerms::new(
            LoanTermsInput {
                annual_rate: dec!(10.5),
                ..input()
            },
            &generous,
        )
        .unwrap_err();
        assert_eq!(e.field, "annualRate");
        let e = LoanTerms::new(
            LoanTermsInput {
                principal: dec!(1000000000000.01),
                ..input()
            },
            &generous,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "principal must be more than 0 and at most 1000000000000.00 yuan"
        );
    }

    #[test]
    fn terms_errors_become_validation_errors() {
        let e: DomainError = refused(LoanTermsInput {
            periods: 0,
            ..input()
        })
        .into();
        assert_eq!(e.code(), "VALIDATION");
        assert!(matches!(e, DomainError::Validation { ref field, .. } if field == "periods"));
    }
}
