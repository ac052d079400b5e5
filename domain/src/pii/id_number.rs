//! Mainland China resident identity numbers (居民身份证号码, GB 11643-1999).
//!
//! An 18-character number: a 6-digit region code, the birth date as `YYYYMMDD`, a 3-digit
//! sequence whose last digit is odd for men and even for women, and a check character
//! computed by ISO 7064 MOD 11-2 (a digit or `X`). Parsing checks all of it, so a number
//! that reaches the database, the credit bureau or the blind index is at least
//! well-formed, and the birth date it carries can be compared with the profile's.

use std::fmt;

use chrono::NaiveDate;

use crate::error::DomainError;

use super::mask::keep_ends;

/// The weights of the 17 leading digits in the ISO 7064 MOD 11-2 checksum.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder of the weighted sum modulo 11.
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// A well-formed 18-character resident identity number, normalized (trimmed, a final `x`
/// upper-cased). Holds the birth date it encodes so that callers need not re-parse it.
///
/// Debug prints the masked form only: the clear value is reachable through
/// [`IdNumber::expose`] alone, which makes every use of it visible in review.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    value: String,
    birth_date: NaiveDate,
}

impl IdNumber {
    /// The blind-index and encryption purpose for ID numbers.
    pub const PURPOSE: &'static str = "id_number";

    /// Parses what a person typed. Surrounding spaces are ignored and a final `x` is read
    /// as `X`. Refused, naming `field`, when the length or characters are wrong, the region
    /// code starts with 0, the birth date is impossible, in the future (after `today`) or
    /// before 1900, or the check character does not match (a mistyped digit).
    pub fn parse(input: &str, field: &str, today: NaiveDate) -> Result<Self, DomainError> {
        let refuse = |message: String| DomainError::validation(field, message);
        let value = input.trim().to_uppercase();
        let length = value.chars().count();
        if length == 15 && value.chars().all(|c| c.is_ascii_digit()) {
            return Err(refuse(
                "This looks like an old 15-digit ID number; enter the 18-character number on the \
                 current resident identity card."
                    .into(),
            ));
        }
        if length != 18 {
            return Err(refuse(format!(
                "An ID number has 18 characters (17 digits and a final digit or X); this one has \
                 {length}."
            )));
        }
        let bytes = value.as_bytes();
        let (body, check) = bytes.split_at(17);
        let check = check.first().copied().unwrap_or_default();
        if !body.iter().all(u8::is_ascii_digit) || !(check.is_ascii_digit() || check == b'X') {
            return Err(refuse(
                "An ID number is 17 digits followed by a digit or X; remove any other characters."
                    .into(),
            ));
        }
        if body.first() == Some(&b'0') {
            return Err(refuse(
                "The first 6 digits of an ID number are a region code, which never starts with 0; \
                 check the number."
                    .into(),
            ));
        }
        let birth_date = birth_date_of(body).ok_or_else(|| {
            refuse(format!(
                "Digits 7 to 14 of an ID number are the birth date (YYYYMMDD), and {} is not a \
                 real date; check the number.",
                digits(body, 6, 14)
            ))
        })?;
        let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
        if birth_date > today {
            return Err(refuse(format!(
                "The birth date in this ID number ({birth_date}) is in the future; check the \
                 number."
            )));
        }
        if birth_date < earliest {
            return Err(refuse(format!(
                "The birth date in this ID number ({birth_date}) is before 1900; check the number."
            )));
        }
        if check_char(body) != Some(check) {
            return Err(refuse(
                "This ID number fails its checksum (the last character does not match the other \
                 17): check for a mistyped digit."
                    .into(),
            ));
        }
        Ok(Self { value, birth_date })
    }

    /// The normalized 18 characters; handle with care, this is the clear value.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The masked form shown in answers: `110***********1234`.
    pub fn masked(&self) -> String {
        keep_ends(&self.value, 3, 4)
    }

    /// The birth date the number encodes (digits 7–14).
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// Whether `date` is the birth date the number encodes: a profile whose birth date
    /// disagrees with its ID number holds a typing error in one of them.
    pub fn matches_birth_date(&self, date: NaiveDate) -> bool {
        self.birth_date == date
    }

    /// Whether the number was issued to a man (the 17th digit is odd), as GB 11643 encodes.
    pub fn is_male(&self) -> bool {
        self.value
            .as_bytes()
            .get(16)
            .is_some_and(|d| (d - b'0') % 2 == 1)
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// The ISO 7064 MOD 11-2 check character of 17 ASCII digits.
fn check_char(body: &[u8]) -> Option<u8> {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS.get((sum % 11) as usize).copied()
}

/// The ASCII digits `body[from..to]` as text (for messages).
fn digits(body: &[u8], from: usize, to: usize) -> String {
    body.get(from..to)
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .unwrap_or_default()
}

/// The birth date in digits 7–14, if it is a real calendar date.
fn birth_date_of(body: &[u8]) -> Option<NaiveDate> {
    let number = |from: usize, to: usize| digits(body, from, to).parse::<u32>().ok();
    let year = i32::try_from(number(6, 10)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(10, 12)?, number(12, 14)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    /// An independent MOD 11-2 implementation: the check value is the `c` in 0..=10 that
    /// makes Σ dᵢ·2^(18−i) + c ≡ 1 (mod 11), written as a digit or X for 10.
    fn with_check(first17: &str) -> String {
        let sum: u64 = first17
            .chars()
            .enumerate()
            .map(|(i, c)| u64::from(c.to_digit(10).unwrap()) * (1u64 << (17 - i)) % 11)
            .sum();
        let c = (0..=10u64).find(|c| (sum + c) % 11 == 1).unwrap();
        let check = if c == 10 {
            'X'
        } else {
            char::from_digit(c as u32, 10).unwrap()
        };
        format!("{first17}{check}")
    }

    fn message(err: DomainError) -> String {
        match err {
            DomainError::Validation { field, message } => {
                assert_eq!(field, "idNumber");
                message
            }
            other => panic!("not a validation error: {other:?}"),
        }
    }

    fn refused(input: &str) -> String {
        message(IdNumber::parse(input, "idNumber", today()).unwrap_err())
    }

    #[test]
    fn the_independent_helper_agrees_with_known_valid_numbers() {
        assert_eq!(with_check("11010519491231002"), "11010519491231002X");
        assert_eq!(with_check("44052418800101001"), "440524188001010014");
        assert_eq!(with_check("11010519900307123"), "110105199003071239");
    }

    #[test]
    fn accepts_valid_numbers_and_reads_them() {
        let id = IdNumber::parse("11010519491231002X", "idNumber", today()).unwrap();
        assert_eq!(id.expose(), "11010519491231002X");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert!(!id.is_male());
        assert!(id.matches_birth_date(NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()));
        assert!(!id.matches_birth_date(NaiveDate::from_ymd_opt(1949, 12, 30).unwrap()));

        let id = IdNumber::parse("110105199003071239", "idNumber", today()).unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1990, 3, 7).unwrap()
        );
        assert!(id.is_male());

        for first17 in [
            "32010619850617456",
            "51010720000229001",
            "65010219000101007",
            "44030520260601888",
        ] {
            let number = with_check(first17);
            let id = IdNumber::parse(&number, "idNumber", today()).unwrap();
            assert_eq!(id.expose(), number);
        }
    }

    #[test]
    fn normalizes_spaces_and_a_lower_case_x() {
        let id = IdNumber::parse("  11010519491231002x ", "idNumber", today()).unwrap();
        assert_eq!(id.expose(), "11010519491231002X");
    }

    #[test]
    fn masks_and_never_debugs_the_clear_value() {
        let id = IdNumber::parse("110105199003071239", "idNumber", today()).unwrap();
        assert_eq!(id.masked(), "110***********1239");
        assert_eq!(format!("{id:?}"), "IdNumber(110***********1239)");
        assert_eq!(IdNumber::PURPOSE, "id_number");
    }

    #[test]
    fn refuses_a_wrong_length() {
        assert!(refused("11010519900307123").contains("18 characters"));
        assert!(refused("1101051990030712399").contains("18 characters"));
        assert!(refused("").contains("this one has 0"));
        assert!(refused("110105900307123").contains("15-digit"));
    }

    #[test]
    fn refuses_wrong_characters() {
        assert!(refused("11010519900307123A").contains("17 digits followed by a digit or X"));
        assert!(refused("1101051990030X1239").contains("17 digits followed by a digit or X"));
        assert!(refused("110105 99003071239").contains("17 digits"));
        assert!(refused("１10105199003071239").contains("17 digits"));
    }

    #[test]
    fn refuses_a_region_code_starting_with_zero() {
        assert!(refused(&with_check("01010519900307123")).contains("region code"));
    }

    #[test]
    fn refuses_a_failed_checksum_as_a_mistyped_digit() {
        let m = refused("110105199003071238");
        assert!(m.contains("check for a mistyped digit"), "{m}");
        // Two digits swapped.
        assert!(refused("110105199003071329").contains("mistyped digit"));
    }

    #[test]
    fn refuses_impossible_birth_dates() {
        let m = refused(&with_check("11010519900230123"));
        assert!(m.contains("19900230 is not a real date"), "{m}");
        assert!(refused(&with_check("11010519901301123")).contains("not a real date"));
        assert!(refused(&with_check("11010520250229123")).contains("not a real date"));
        let m = refused(&with_check("11010520260602123"));
        assert!(m.contains("2026-06-02) is in the future"), "{m}");
        let m = refused(&with_check("11010518991231123"));
        assert!(m.contains("before 1900"), "{m}");
    }

    #[test]
    fn the_error_names_the_callers_field() {
        let err = IdNumber::parse("x", "filter.idNumber", today()).unwrap_err();
        assert!(
            matches!(err, DomainError::Validation { ref field, .. } if field == "filter.idNumber")
        );
    }
}
