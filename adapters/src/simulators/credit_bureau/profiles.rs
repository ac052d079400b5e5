//! The simulated bureau's deterministic answers: the 17th character of the ID number (the
//! last digit of the sequence code) picks one of four credit profiles, so a test chooses
//! the credit history it needs by choosing the ID number.
//!
//! | 17th digit | profile | score | open | delinquencies 24m | inquiries 6m | active |
//! |---|---|---|---|---|---|---|
//! | 0–3 | [`Profile::Clean`] | 760 | 3 | 0 | 1 | no |
//! | 4–5 | [`Profile::ThinFile`] | none | 0 | 0 | 0 | no |
//! | 6–7 | [`Profile::PastDelinquencies`] | 610 | 4 | 2 | 3 | no |
//! | 8–9 | [`Profile::ActiveDelinquency`] | 520 | 5 | 4 | 6 | yes |

use chrono::{DateTime, Utc};

use crate::credit_bureau::CreditReport;

/// A simulated person's credit history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// A long, clean history and a high score.
    Clean,
    /// Too little history for a score.
    ThinFile,
    /// Late payments in the past two years, none now; a middling score.
    PastDelinquencies,
    /// An account in arrears right now; a low score.
    ActiveDelinquency,
}

impl Profile {
    /// Every profile, in table order.
    pub const ALL: [Profile; 4] = [
        Self::Clean,
        Self::ThinFile,
        Self::PastDelinquencies,
        Self::ActiveDelinquency,
    ];

    /// The profile an ID number selects, or `None` when it is not 17 digits followed by a
    /// digit or `X` with a correct check character (the bureau refuses it).
    pub fn for_id_number(id_number: &str) -> Option<Self> {
        if !is_valid_id_number(id_number) {
            return None;
        }
        let digit = id_number.as_bytes().get(16).map(|b| b - b'0')?;
        Some(match digit {
            0..=3 => Self::Clean,
            4..=5 => Self::ThinFile,
            6..=7 => Self::PastDelinquencies,
            _ => Self::ActiveDelinquency,
        })
    }

    /// A valid (check character included) ID number selecting this profile, for tests in
    /// any crate: they all share region 110105 and birth date 1990-03-07.
    pub fn sample_id_number(self) -> &'static str {
        match self {
            Self::Clean => "110105199003071239",
            Self::ThinFile => "110105199003071247",
            Self::PastDelinquencies => "110105199003071263",
            Self::ActiveDelinquency => "11010519900307128X",
        }
    }

    /// The report this profile answers, dated `reported_at`, with the given `source`.
    pub fn report(self, source: String, reported_at: DateTime<Utc>) -> CreditReport {
        let (score, open_accounts, delinquencies_24m, recent_inquiries, active_delinquency) =
            match self {
                Self::Clean => (Some(760), 3, 0, 1, false),
                Self::ThinFile => (None, 0, 0, 0, false),
                Self::PastDelinquencies => (Some(610), 4, 2, 3, false),
                Self::ActiveDelinquency => (Some(520), 5, 4, 6, true),
            };
        CreditReport {
            score,
            open_accounts,
            delinquencies_24m,
            recent_inquiries,
            active_delinquency,
            source,
            reported_at,
        }
    }
}

/// GB 11643-1999 shape and ISO 7064 MOD 11-2 check character, as a real bureau checks.
fn is_valid_id_number(id_number: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = id_number.as_bytes();
    let (Some(body), Some(&check)) = (bytes.get(..17), bytes.get(17)) else {
        return false;
    };
    if bytes.len() != 18 || !body.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK.get((sum % 11) as usize) == Some(&check.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seventeenth_digit_picks_the_profile() {
        let expected = [
            ("110105199003071204", Profile::Clean),
            ("110105199003071212", Profile::Clean),
            ("110105199003071220", Profile::Clean),
            ("110105199003071239", Profile::Clean),
            ("110105199003071247", Profile::ThinFile),
            ("110105199003071255", Profile::ThinFile),
            ("110105199003071263", Profile::PastDelinquencies),
            ("110105199003071271", Profile::PastDelinquencies),
            ("11010519900307128X", Profile::ActiveDelinquency),
            ("11010519900307128x", Profile::ActiveDelinquency),
            ("110105199003071298", Profile::ActiveDelinquency),
        ];
        for (id, profile) in expected {
            assert_eq!(Profile::for_id_number(id), Some(profile), "{id}");
        }
    }

    #[test]
    fn samples_select_their_own_profile() {
        for profile in Profile::ALL {
            assert_eq!(
                Profile::for_id_number(profile.sample_id_number()),
                Some(profile)
            );
        }
    }

    #[test]
    fn malformed_id_numbers_select_nothing() {
        for id in [
            "",
            "110105199003071238",
            "11010519900307123",
            "1101051990030712390",
            "11010519900307123９",
            "A10105199003071239",
        ] {
            assert_eq!(Profile::for_id_number(id), None, "{id}");
        }
    }

    #[test]
    fn reports_follow_the_table() {
        let at = Utc::now();
        let clean = Profile::Clean.report("external:sim".into(), at);
        assert_eq!(
            (
                clean.score,
                clean.delinquencies_24m,
                clean.active_delinquency
            ),
            (Some(760), 0, false)
        );
        assert_eq!(Profile::ThinFile.report("s".into(), at).score, None);
        assert!(
            Profile::ActiveDelinquency
                .report("s".into(), at)
                .active_delinquency
        );
        for profile in Profile::ALL {
            let score = profile.report("s".into(), at).score;
            assert!(score.is_none_or(|s| CreditReport::SCORE_RANGE.contains(&s)));
        }
    }
}
