//! Bank card numbers (debit and credit cards, including UnionPay 银联 cards).
//!
//! A card number is 12 to 19 digits. The Luhn check catches most typing errors, but some
//! genuine UnionPay cards do not satisfy it, so a failed check is reported for a person to
//! confirm rather than refused: refusing would lock those customers out of auto-debit.

use std::fmt;

use crate::error::DomainError;

/// The fewest digits a card number has.
const MIN_DIGITS: usize = 12;
/// The most digits a card number has.
const MAX_DIGITS: usize = 19;

/// A bank card number of 12–19 digits, normalized (no spaces or dashes).
///
/// Debug prints the masked form only; the clear value is reachable through
/// [`BankCardNumber::expose`] alone.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BankCardNumber(String);

/// What parsing found that a person should know without it being a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardCheck {
    /// Whether the number passes the Luhn check.
    pub luhn_valid: bool,
    /// A message for the agent or customer when something deserves a second look.
    pub warning: Option<String>,
}

impl BankCardNumber {
    /// The blind-index and encryption purpose for card numbers.
    pub const PURPOSE: &'static str = "bank_card";

    /// The warning given when the Luhn check fails. The customer and the agent both see it,
    /// so it speaks to whoever reads it.
    pub const LUHN_WARNING: &'static str = "This card number fails the Luhn check, which usually means a mistyped digit; please check it against the card.";

    /// Parses what a person typed: spaces and dashes are accepted and dropped. Refused,
    /// naming `field`, when anything else but digits is present or there are not 12–19
    /// digits. A failed Luhn check is not a refusal; it comes back in the [`CardCheck`].
    pub fn parse(input: &str, field: &str) -> Result<(Self, CardCheck), DomainError> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.is_empty() {
            return Err(DomainError::validation(
                field,
                "Enter the bank card number (12 to 19 digits).",
            ));
        }
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(DomainError::validation(
                field,
                "A bank card number contains only digits (spaces and dashes are fine).",
            ));
        }
        let count = digits.len();
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&count) {
            return Err(DomainError::validation(
                field,
                format!("A bank card number has 12 to 19 digits; this one has {count}."),
            ));
        }
        let luhn_valid = luhn(&digits);
        let check = CardCheck {
            luhn_valid,
            warning: (!luhn_valid).then(|| Self::LUHN_WARNING.to_owned()),
        };
        Ok((Self(digits), check))
    }

    /// The normalized digits; handle with care, this is the clear value.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last four digits, which customers use to tell their cards apart.
    pub fn last4(&self) -> &str {
        let start = self.0.len().saturating_sub(4);
        self.0.get(start..).unwrap_or_default()
    }

    /// The masked form shown in answers, `**** **** **** 1234`, the same shape whatever the
    /// length so that the mask reveals nothing about the card type.
    pub fn masked(&self) -> String {
        format!("**** **** **** {}", self.last4())
    }
}

impl fmt::Debug for BankCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BankCardNumber({})", self.masked())
    }
}

/// The Luhn (mod 10) check over ASCII digits.
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.saturating_sub(b'0'));
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_spaced_and_dashed_numbers_that_pass_luhn() {
        for input in [
            "6222020200112233446",
            "6222 0202 0011 2233 446",
            "6222-0202-0011-2233-446",
            " 6222 0202-0011 2233 446 ",
        ] {
            let (card, check) = BankCardNumber::parse(input, "cardNumber").unwrap();
            assert_eq!(card.expose(), "6222020200112233446");
            assert!(check.luhn_valid);
            assert_eq!(check.warning, None);
        }
        // A 16-digit Visa test number and a 12-digit number.
        let (card, check) = BankCardNumber::parse("4111 1111 1111 1111", "cardNumber").unwrap();
        assert!(check.luhn_valid);
        assert_eq!(card.last4(), "1111");
        let (card, check) = BankCardNumber::parse("100000000008", "cardNumber").unwrap();
        assert!(check.luhn_valid, "{card:?}");
    }

    #[test]
    fn a_failed_luhn_check_is_a_warning_not_a_refusal() {
        // The last digit of a valid number changed: the classic typing error Luhn catches.
        let (card, check) = BankCardNumber::parse("6222 0202 0011 2233 445", "cardNumber").unwrap();
        assert_eq!(card.expose(), "6222020200112233445");
        assert!(!check.luhn_valid);
        assert_eq!(check.warning.as_deref(), Some(BankCardNumber::LUHN_WARNING));
        // Customers read it too: it must not speak to staff about "the customer".
        assert!(!BankCardNumber::LUHN_WARNING.contains("customer"));
    }

    #[test]
    fn masks_to_one_shape_whatever_the_length() {
        let (card, _) = BankCardNumber::parse("6222020200112233445", "cardNumber").unwrap();
        assert_eq!(card.masked(), "**** **** **** 3445");
        assert_eq!(card.last4(), "3445");
        let (card, _) = BankCardNumber::parse("100000000008", "cardNumber").unwrap();
        assert_eq!(card.masked(), "**** **** **** 0008");
        assert_eq!(format!("{card:?}"), "BankCardNumber(**** **** **** 0008)");
        assert_eq!(BankCardNumber::PURPOSE, "bank_card");
    }

    #[test]
    fn refuses_what_is_not_a_card_number() {
        for (input, expected) in [
            ("", "Enter the bank card number"),
            ("  - ", "Enter the bank card number"),
            ("6222 0202 0011 2233 44a", "only digits"),
            ("6222.0202.0011.2233", "only digits"),
            ("62220202001", "this one has 11"),
            ("62220202001122334455", "this one has 20"),
        ] {
            match BankCardNumber::parse(input, "cardNumber").unwrap_err() {
                DomainError::Validation { field, message } => {
                    assert_eq!(field, "cardNumber");
                    assert!(message.contains(expected), "{input}: {message}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn luhn_matches_known_values() {
        assert!(luhn("79927398713"));
        assert!(!luhn("79927398710"));
        assert!(luhn("0"));
    }
}
