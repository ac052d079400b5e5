//! How a loan is repaid ([`RepaymentMethod`]) and how often ([`Frequency`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::terms_error::TermsError;

/// The four repayment methods Chinese banks offer. The names on the wire are the GraphQL
/// enum values (`EQUAL_INSTALLMENT`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RepaymentMethod {
    /// 等额本息: the same payment every period; early payments are mostly interest.
    EqualInstallment,
    /// 等额本金: the same principal every period plus interest on the balance, so payments
    /// fall over time and the total interest is lower.
    EqualPrincipal,
    /// 先息后本: interest only each period, all the principal with the last payment.
    InterestFirst,
    /// 分期手续费: credit-card style; the same principal every period plus a fixed fee that
    /// is a rate on the *original* principal, and no interest.
    FeeBased,
}

impl RepaymentMethod {
    /// Every method, in the order the product catalogue shows them.
    pub const ALL: [RepaymentMethod; 4] = [
        RepaymentMethod::EqualInstallment,
        RepaymentMethod::EqualPrincipal,
        RepaymentMethod::InterestFirst,
        RepaymentMethod::FeeBased,
    ];

    /// The wire name, e.g. `EQUAL_INSTALLMENT`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RepaymentMethod::EqualInstallment => "EQUAL_INSTALLMENT",
            RepaymentMethod::EqualPrincipal => "EQUAL_PRINCIPAL",
            RepaymentMethod::InterestFirst => "INTEREST_FIRST",
            RepaymentMethod::FeeBased => "FEE_BASED",
        }
    }

    /// Whether the method charges a per-period fee instead of interest (only
    /// [`RepaymentMethod::FeeBased`]).
    pub const fn has_fee(self) -> bool {
        matches!(self, RepaymentMethod::FeeBased)
    }
}

impl fmt::Display for RepaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RepaymentMethod {
    type Err = TermsError;

    /// Parses the wire name; the error names the `method` input field.
    fn from_str(s: &str) -> Result<Self, TermsError> {
        RepaymentMethod::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| {
                TermsError::new(
                    "method",
                    "method must be one of EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, INTEREST_FIRST or FEE_BASED",
                )
            })
    }
}

/// How often a payment falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Frequency {
    /// Every month; the period rate is the annual rate / 12.
    Monthly,
    /// Every three months; the period rate is the annual rate / 4.
    Quarterly,
}

impl Frequency {
    /// Both frequencies.
    pub const ALL: [Frequency; 2] = [Frequency::Monthly, Frequency::Quarterly];

    /// Periods in a year. Chinese banks take the period rate as the annual rate divided by
    /// this (not a compounded root), and the APR is the periodic IRR times this.
    pub const fn periods_per_year(self) -> u32 {
        match self {
            Frequency::Monthly => 12,
            Frequency::Quarterly => 4,
        }
    }

    /// Calendar months from one due date to the next.
    pub const fn months_per_period(self) -> u32 {
        match self {
            Frequency::Monthly => 1,
            Frequency::Quarterly => 3,
        }
    }

    /// The spelling stored in the database (`monthly`, `quarterly`).
    pub const fn stored(self) -> &'static str {
        match self {
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
        }
    }

    /// Reads the stored spelling. Anything else is refused, never read as a default: a
    /// row nobody can interpret is a bug to see, not a monthly plan.
    pub fn from_stored(s: &str) -> Result<Self, String> {
        Frequency::ALL
            .into_iter()
            .find(|f| f.stored() == s)
            .ok_or_else(|| format!("'{s}' is not a stored frequency (monthly, quarterly)"))
    }

    /// The wire name, e.g. `MONTHLY`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Frequency::Monthly => "MONTHLY",
            Frequency::Quarterly => "QUARTERLY",
        }
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Frequency {
    type Err = TermsError;

    /// Parses the wire name; the error names the `frequency` input field.
    fn from_str(s: &str) -> Result<Self, TermsError> {
        Frequency::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| TermsError::new("frequency", "frequency must be MONTHLY or QUARTERLY"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for m in RepaymentMethod::ALL {
            assert_eq!(m.as_str().parse::<RepaymentMethod>(), Ok(m));
            assert_eq!(
                serde_json::to_string(&m).unwrap(),
                format!("\"{}\"", m.as_str())
            );
        }
        for f in Frequency::ALL {
            assert_eq!(f.to_string().parse::<Frequency>(), Ok(f));
            assert_eq!(
                serde_json::from_str::<Frequency>(&format!("\"{f}\"")).unwrap(),
                f
            );
        }
    }

    #[test]
    fn unknown_names_name_their_field() {
        assert_eq!(
            "WEEKLY".parse::<Frequency>().unwrap_err().field,
            "frequency"
        );
        assert_eq!(
            "BALLOON".parse::<RepaymentMethod>().unwrap_err().field,
            "method"
        );
    }

    #[test]
    fn periods_per_year() {
        assert_eq!(Frequency::Monthly.periods_per_year(), 12);
        assert_eq!(Frequency::Quarterly.periods_per_year(), 4);
        assert_eq!(Frequency::Quarterly.months_per_period(), 3);
        assert!(RepaymentMethod::FeeBased.has_fee());
        assert!(!RepaymentMethod::EqualInstallment.has_fee());
    }
}
