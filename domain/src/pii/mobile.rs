//! Mainland China mobile numbers.

use std::fmt;

use crate::error::DomainError;

use super::mask::keep_ends;

/// An 11-digit mainland mobile number starting with 1, normalized (no spaces, no +86).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MobileNumber(String);

impl MobileNumber {
    /// The blind-index and encryption purpose for mobile numbers.
    pub const PURPOSE: &'static str = "mobile";

    /// Parses what a person typed: spaces, dashes and a leading +86 / 0086 are accepted.
    /// `field` names the input in the error.
    pub fn parse(input: &str, field: &str) -> Result<Self, DomainError> {
        let digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("0086"))
            .unwrap_or(&digits);
        let valid = digits.len() == 11
            && digits.chars().all(|c| c.is_ascii_digit())
            && digits.starts_with('1')
            && digits
                .as_bytes()
                .get(1)
                .is_some_and(|d| (b'3'..=b'9').contains(d));
        if valid {
            Ok(Self(digits.to_owned()))
        } else {
            Err(DomainError::validation(
                field,
                "Enter an 11-digit mainland China mobile number starting with 1, e.g. 13812345678.",
            ))
        }
    }

    /// The normalized digits; handle with care, this is the clear value.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The masked form shown in answers: `138****5678`.
    pub fn masked(&self) -> String {
        keep_ends(&self.0, 3, 4)
    }
}

impl fmt::Debug for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MobileNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        for input in [
            "13812345678",
            "138 1234 5678",
            "+86 138-1234-5678",
            "008613812345678",
        ] {
            assert_eq!(
                MobileNumber::parse(input, "mobile").unwrap().expose(),
                "13812345678"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_a_mainland_mobile() {
        for input in [
            "",
            "1381234567",
            "138123456789",
            "23812345678",
            "12812345678",
            "1381234567a",
        ] {
            let err = MobileNumber::parse(input, "mobile").unwrap_err();
            assert!(matches!(err, DomainError::Validation { ref field, .. } if field == "mobile"));
        }
    }

    #[test]
    fn debug_never_prints_the_number() {
        let m = MobileNumber::parse("13812345678", "m").unwrap();
        assert_eq!(format!("{m:?}"), "MobileNumber(138****5678)");
        assert_eq!(m.masked(), "138****5678");
    }
}
