//! The risk policy: every number the rules use, in one serializable value.
//!
//! A policy is stored as JSON text, one row per version, and edited by risk officers
//! through GraphQL, so its JSON shape is part of the API: camelCase, decimals and amounts
//! as strings (`"0.30"`, `"12000.00"`, never a float), whole numbers (months, ages, counts,
//! credit scores) as JSON numbers, unknown fields refused so that a typo is an error rather
//! than a silently ignored rule. [`RiskPolicy::validate`] refuses a policy that parses but
//! makes no sense, naming the field path.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::rate::Rate;

/// No grade may be priced above this annual rate (36 %), the line PRC regulation and courts
/// have drawn against usurious lending; a policy asking for more is a typo.
pub const MAX_ANNUAL_RATE: Rate = Rate::from_parts(36, 2);

/// No policy may allow terms longer than this (30 years); an installment loan with a longer
/// term is a typo.
pub const MAX_TERM_MONTHS: u32 = 360;

/// The lowest and highest credit score a bureau reports.
const BUREAU_SCORE_RANGE: (u16, u16) = (300, 900);

/// The youngest age a policy may accept: a person has full capacity for civil conduct at 18
/// (PRC Civil Code, art. 17).
const LEGAL_MIN_AGE: u32 = 18;

/// The oldest age a policy may accept; a larger number is a typo.
const OLDEST_MAX_AGE: u32 = 100;

/// The largest income multiple a policy may set for the maximum amount; a larger number is
/// a typo.
const MAX_INCOME_MULTIPLE: u32 = 100;

/// A risk grade, A (best) to E (worst). The grade picks the rate range and the longest
/// term, and D and E usually need a person's judgement or are declined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Grade {
    /// The best applicants.
    A,
    /// Good applicants.
    B,
    /// Average applicants.
    C,
    /// Weak applicants: referred to a risk officer under the default policy.
    D,
    /// The weakest: declined (or referred, as the policy says).
    E,
}

impl Grade {
    /// All grades, best first, in the order a policy lists its bands.
    pub const ALL: [Grade; 5] = [Grade::A, Grade::B, Grade::C, Grade::D, Grade::E];

    /// The letter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
            Self::D => "D",
            Self::E => "E",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A versioned set of rules: how the score is made, how it maps to grades, prices and
/// terms, how much a customer can afford, and when to decline or refer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RiskPolicy {
    /// How much each factor counts; they add up to exactly 1, so the score is 0–100.
    pub weights: FactorWeights,
    /// How each factor turns its figure into a share of its points.
    pub scoring: ScoringParams,
    /// The five grade bands A–E, best first, with their minimum score, rates and terms.
    pub grade_bands: Vec<GradeBand>,
    /// The affordability limits.
    pub affordability: AffordabilityLimits,
    /// The longest term allowed for any grade, in months.
    pub max_term_months: u32,
    /// When an application is declined.
    pub decline: DeclineRules,
    /// When an application goes to a risk officer.
    pub refer: ReferRules,
}

/// The weight of each scoring factor: a fraction of the 100 points, at most three decimals
/// (so that every factor's maximum is a whole tenth of a point), together exactly 1.
///
/// Exactly 1 rather than normalized: a risk officer reads a weight of 0.30 as "30 points",
/// and a policy whose weights do not add up is more likely a mistake than an intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FactorWeights {
    /// The bureau's credit score.
    #[serde(with = "rust_decimal::serde::str")]
    pub credit_score: Decimal,
    /// Existing debt payments over income.
    #[serde(with = "rust_decimal::serde::str")]
    pub debt_to_income: Decimal,
    /// Disposable income (what is left after expenses and debts) as a share of income.
    #[serde(with = "rust_decimal::serde::str")]
    pub affordability: Decimal,
    /// Delinquencies in the last 24 months.
    #[serde(with = "rust_decimal::serde::str")]
    pub delinquency_history: Decimal,
    /// Recent hard inquiries (many at once suggest borrowing from many lenders).
    #[serde(with = "rust_decimal::serde::str")]
    pub recent_inquiries: Decimal,
    /// Employment and income stability: an occupation on record and the income level.
    #[serde(with = "rust_decimal::serde::str")]
    pub stability: Decimal,
    /// Net worth: assets less liabilities.
    #[serde(with = "rust_decimal::serde::str")]
    pub net_worth: Decimal,
    /// The age band.
    #[serde(with = "rust_decimal::serde::str")]
    pub age_band: Decimal,
}

impl FactorWeights {
    /// The weights with their JSON names, in the order reasons list them.
    pub(crate) fn named(&self) -> [(&'static str, Decimal); 8] {
        [
            ("creditScore", self.credit_score),
            ("debtToIncome", self.debt_to_income),
            ("affordability", self.affordability),
            ("delinquencyHistory", self.delinquency_history),
            ("recentInquiries", self.recent_inquiries),
            ("stability", self.stability),
            ("netWorth", self.net_worth),
            ("ageBand", self.age_band),
        ]
    }
}

/// The curves that turn each factor's figure into a share (0–1) of its points. Every curve
/// is linear between two stated points, so that a reason can say exactly where a customer
/// stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScoringParams {
    /// A credit score at or below this earns none of the credit-score points.
    pub credit_score_zero_at: u16,
    /// A credit score at or above this earns all of them.
    pub credit_score_full_at: u16,
    /// The share of a credit factor's points given when the bureau has no figure for it
    /// (no report at all, or a report without a score): neither a reward nor a penalty
    /// for a thin file, which the refer rules send to a person instead.
    #[serde(with = "rust_decimal::serde::str")]
    pub no_credit_data_fraction: Decimal,
    /// Disposable income at or above this share of income earns all the affordability
    /// points; none at 0 or below.
    #[serde(with = "rust_decimal::serde::str")]
    pub disposable_share_full_at: Decimal,
    /// This many recent inquiries or more earn none of the inquiry points; none earn all.
    pub inquiries_zero_at: u32,
    /// A monthly income at or above this earns the income half of the stability points.
    pub income_full_at: Money,
    /// A net worth at or above this earns all the net-worth points; none at 0 or below.
    pub net_worth_full_at: Money,
    /// The prime age band earns all the age points.
    pub prime_age_from: u32,
    /// The prime age band's last year.
    pub prime_age_to: u32,
    /// The share of the age points for an accepted age outside the prime band.
    #[serde(with = "rust_decimal::serde::str")]
    pub outside_prime_age_fraction: Decimal,
}

/// One grade band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GradeBand {
    /// The grade.
    pub grade: Grade,
    /// The lowest score in this band (0–100); band E starts at 0.
    #[serde(with = "rust_decimal::serde::str")]
    pub min_score: Decimal,
    /// The annual rates this grade may be offered.
    pub rate: RateRange,
    /// The longest term this grade may be offered, in months (at most the overall
    /// maximum).
    pub max_term_months: u32,
}

/// An annual rate range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateRange {
    /// The lowest annual rate (a fraction: 0.06 is 6 %).
    pub min: Rate,
    /// The highest annual rate.
    pub max: Rate,
}

/// How much a customer can afford and borrow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AffordabilityLimits {
    /// The most of monthly income that all debt payments together, the new installment
    /// included, may take (0.5 is 50 %).
    #[serde(with = "rust_decimal::serde::str")]
    pub max_debt_to_income: Decimal,
    /// The most of the disposable income (after expenses and existing debts) that the new
    /// installment may take, so that the customer keeps a buffer.
    #[serde(with = "rust_decimal::serde::str")]
    pub disposable_income_share: Decimal,
    /// The largest principal as a multiple of monthly income.
    #[serde(with = "rust_decimal::serde::str")]
    pub max_amount_income_multiple: Decimal,
    /// An absolute ceiling on the principal for anyone, if the policy sets one.
    pub absolute_max_amount: Option<Money>,
}

/// What a policy does with grade E.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GradeEAction {
    /// Decline grade E outright.
    Decline,
    /// Send grade E to a risk officer.
    Refer,
}

/// The rules that decline an application. An active delinquency always declines; it is not
/// a policy choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeclineRules {
    /// Younger than this is declined (at least 18).
    pub min_age: u32,
    /// Older than this is declined.
    pub max_age: u32,
    /// More delinquencies than this in the last 24 months is declined.
    pub max_delinquencies_24m: u32,
    /// A credit score below this is declined; `null` for no floor.
    pub min_credit_score: Option<u16>,
    /// What grade E means.
    pub grade_e: GradeEAction,
}

/// The rules that send an application to a risk officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReferRules {
    /// Grades that always need a person's judgement (E is governed by
    /// [`DeclineRules::grade_e`]).
    pub grades: Vec<Grade>,
    /// Refer when there is no credit report or the report has no score.
    pub without_credit_score: bool,
    /// Refer when no occupation is recorded: income stability is then unknown.
    pub without_occupation: bool,
    /// Refer when there are more recent inquiries than this; `null` for no such rule.
    pub recent_inquiries_above: Option<u32>,
    /// Refer when the requested loan is above the maximum amount, longer than the maximum
    /// term or costs more than the affordable installment; otherwise those only count as
    /// negative reasons.
    pub request_above_limits: bool,
}

impl Default for RiskPolicy {
    fn default() -> Self {
        Self::default_policy()
    }
}

impl RiskPolicy {
    /// The built-in starting policy for a Chinese retail-installment bank, installed as
    /// version 1; every number's rationale is in `docs/risk.md`.
    pub fn default_policy() -> Self {
        let band = |grade, min_score: i64, min: u32, max: u32, term| GradeBand {
            grade,
            min_score: Decimal::from(min_score),
            rate: RateRange {
                min: Rate::from_parts(min, 2),
                max: Rate::from_parts(max, 2),
            },
            max_term_months: term,
        };
        Self {
            weights: FactorWeights {
                credit_score: Decimal::new(30, 2),
                debt_to_income: Decimal::new(20, 2),
                affordability: Decimal::new(15, 2),
                delinquency_history: Decimal::new(10, 2),
                recent_inquiries: Decimal::new(5, 2),
                stability: Decimal::new(10, 2),
                net_worth: Decimal::new(5, 2),
                age_band: Decimal::new(5, 2),
            },
            scoring: ScoringParams {
                credit_score_zero_at: 450,
                credit_score_full_at: 800,
                no_credit_data_fraction: Decimal::new(5, 1),
                disposable_share_full_at: Decimal::new(5, 1),
                inquiries_zero_at: 10,
                income_full_at: Money::from_fen(1_200_000),
                net_worth_full_at: Money::from_fen(20_000_000),
                prime_age_from: 25,
                prime_age_to: 50,
                outside_prime_age_fraction: Decimal::new(5, 1),
            },
            grade_bands: vec![
                band(Grade::A, 80, 6, 9, 36),
                band(Grade::B, 70, 9, 12, 36),
                band(Grade::C, 60, 12, 15, 24),
                band(Grade::D, 50, 15, 18, 12),
                band(Grade::E, 0, 18, 24, 12),
            ],
            affordability: AffordabilityLimits {
                max_debt_to_income: Decimal::new(5, 1),
                disposable_income_share: Decimal::new(6, 1),
                max_amount_income_multiple: Decimal::from(12),
                absolute_max_amount: Some(Money::from_fen(20_000_000)),
            },
            max_term_months: 36,
            decline: DeclineRules {
                min_age: 22,
                max_age: 60,
                max_delinquencies_24m: 5,
                min_credit_score: Some(500),
                grade_e: GradeEAction::Decline,
            },
            refer: ReferRules {
                grades: vec![Grade::D],
                without_credit_score: true,
                without_occupation: true,
                recent_inquiries_above: Some(6),
                request_above_limits: true,
            },
        }
    }

    /// Refuses a policy that parses but makes no sense, with a
    /// [`DomainError::Validation`] naming the field path (`policy.gradeBands[2].rate.max`)
    /// and saying what a sensible value is. Called before a draft is stored, so an active
    /// policy has always passed it.
    pub fn validate(&self) -> DomainResult<()> {
        self.validate_weights()?;
        self.validate_scoring()?;
        if !(1..=MAX_TERM_MONTHS).contains(&self.max_term_months) {
            return Err(invalid(
                "policy.maxTermMonths",
                format!("The maximum term must be 1 to {MAX_TERM_MONTHS} months."),
            ));
        }
        self.validate_bands()?;
        self.validate_affordability()?;
        self.validate_rules()
    }

    fn validate_weights(&self) -> DomainResult<()> {
        let mut sum = Decimal::ZERO;
        for (name, weight) in self.weights.named() {
            let field = format!("policy.weights.{name}");
            if weight < Decimal::ZERO || weight > Decimal::ONE {
                return Err(invalid(
                    field,
                    "A weight is a fraction from 0 to 1, e.g. \"0.30\".",
                ));
            }
            if weight.normalize().scale() > 3 {
                return Err(invalid(
                    field,
                    "A weight has at most 3 decimals, e.g. \"0.125\", so that every factor is \
                     worth a whole tenth of a point.",
                ));
            }
            sum += weight;
        }
        if sum != Decimal::ONE {
            return Err(invalid(
                "policy.weights",
                format!(
                    "The factor weights must add up to exactly 1; they add up to {}.",
                    sum.normalize()
                ),
            ));
        }
        Ok(())
    }

    fn validate_scoring(&self) -> DomainResult<()> {
        let s = &self.scoring;
        let (lowest, highest) = BUREAU_SCORE_RANGE;
        let scores = lowest..=highest;
        if !scores.contains(&s.credit_score_zero_at)
            || !scores.contains(&s.credit_score_full_at)
            || s.credit_score_zero_at >= s.credit_score_full_at
        {
            return Err(invalid(
                "policy.scoring.creditScoreFullAt",
                format!(
                    "creditScoreZeroAt and creditScoreFullAt are credit scores from {lowest} to \
                     {highest}, the first below the second."
                ),
            ));
        }
        for (name, value) in [
            ("noCreditDataFraction", s.no_credit_data_fraction),
            ("outsidePrimeAgeFraction", s.outside_prime_age_fraction),
        ] {
            if value < Decimal::ZERO || value > Decimal::ONE {
                return Err(invalid(
                    format!("policy.scoring.{name}"),
                    "A share of a factor's points is a fraction from 0 to 1, e.g. \"0.5\".",
                ));
            }
        }
        if s.disposable_share_full_at <= Decimal::ZERO || s.disposable_share_full_at > Decimal::ONE
        {
            return Err(invalid(
                "policy.scoring.disposableShareFullAt",
                "A share of income above 0 and at most 1, e.g. \"0.5\".",
            ));
        }
        if s.inquiries_zero_at == 0 {
            return Err(invalid(
                "policy.scoring.inquiriesZeroAt",
                "The number of inquiries that earns no points must be at least 1.",
            ));
        }
        if !s.income_full_at.is_positive() {
            return Err(invalid(
                "policy.scoring.incomeFullAt",
                "A monthly income above 0, e.g. \"12000.00\".",
            ));
        }
        if !s.net_worth_full_at.is_positive() {
            return Err(invalid(
                "policy.scoring.netWorthFullAt",
                "A net worth above 0, e.g. \"200000.00\".",
            ));
        }
        if s.prime_age_from > s.prime_age_to || s.prime_age_to > OLDEST_MAX_AGE {
            return Err(invalid(
                "policy.scoring.primeAgeTo",
                format!(
                    "The prime age band runs from primeAgeFrom to primeAgeTo, the first not \
                     after the second and both at most {OLDEST_MAX_AGE}."
                ),
            ));
        }
        Ok(())
    }

    fn validate_bands(&self) -> DomainResult<()> {
        let bands = &self.grade_bands;
        let grades: Vec<Grade> = bands.iter().map(|b| b.grade).collect();
        if grades != Grade::ALL {
            return Err(invalid(
                "policy.gradeBands",
                "List the five grade bands A, B, C, D and E in that order, best first.",
            ));
        }
        let mut previous: Option<&GradeBand> = None;
        for (i, band) in bands.iter().enumerate() {
            let at = |field: &str| format!("policy.gradeBands[{i}].{field}");
            let g = band.grade;
            if band.min_score < Decimal::ZERO || band.min_score > Decimal::ONE_HUNDRED {
                return Err(invalid(
                    at("minScore"),
                    format!("Grade {g}'s minimum score must be from 0 to 100."),
                ));
            }
            if band.min_score.normalize().scale() > 1 {
                return Err(invalid(
                    at("minScore"),
                    format!("Grade {g}'s minimum score has at most 1 decimal, like the score."),
                ));
            }
            if let Some(better) = previous {
                if band.min_score >= better.min_score {
                    return Err(invalid(
                        at("minScore"),
                        format!(
                            "Grade {g}'s minimum score must be below grade {}'s ({}).",
                            better.grade,
                            better.min_score.normalize()
                        ),
                    ));
                }
                if band.rate.min < better.rate.min || band.rate.max < better.rate.max {
                    return Err(invalid(
                        at("rate"),
                        format!(
                            "Grade {g} must not be priced below grade {}: a weaker grade's rates \
                             are at least a better grade's.",
                            better.grade
                        ),
                    ));
                }
            }
            if g == Grade::E && !band.min_score.is_zero() {
                return Err(invalid(
                    at("minScore"),
                    "Grade E's minimum score must be 0, so that every score has a grade.",
                ));
            }
            if band.rate.min > band.rate.max {
                return Err(invalid(
                    at("rate.min"),
                    format!("Grade {g}'s lowest rate is above its highest rate."),
                ));
            }
            if band.rate.max > MAX_ANNUAL_RATE {
                return Err(invalid(
                    at("rate.max"),
                    format!(
                        "Grade {g}'s highest rate is above the cap of {} % a year.",
                        MAX_ANNUAL_RATE.percent()
                    ),
                ));
            }
            if band.max_term_months == 0 || band.max_term_months > self.max_term_months {
                return Err(invalid(
                    at("maxTermMonths"),
                    format!(
                        "Grade {g}'s maximum term must be 1 to {} months (the overall maximum).",
                        self.max_term_months
                    ),
                ));
            }
            previous = Some(band);
        }
        Ok(())
    }

    fn validate_affordability(&self) -> DomainResult<()> {
        let a = &self.affordability;
        for (name, value) in [
            ("maxDebtToIncome", a.max_debt_to_income),
            ("disposableIncomeShare", a.disposable_income_share),
        ] {
            if value <= Decimal::ZERO || value > Decimal::ONE {
                return Err(invalid(
                    format!("policy.affordability.{name}"),
                    "A share of income above 0 and at most 1, e.g. \"0.5\" for 50 %.",
                ));
            }
        }
        if a.max_amount_income_multiple <= Decimal::ZERO
            || a.max_amount_income_multiple > Decimal::from(MAX_INCOME_MULTIPLE)
        {
            return Err(invalid(
                "policy.affordability.maxAmountIncomeMultiple",
                format!(
                    "A multiple of monthly income above 0 and at most {MAX_INCOME_MULTIPLE}, e.g. \"12\"."
                ),
            ));
        }
        if a.absolute_max_amount.is_some_and(|m| !m.is_positive()) {
            return Err(invalid(
                "policy.affordability.absoluteMaxAmount",
                "The ceiling must be above 0, or null for none.",
            ));
        }
        Ok(())
    }

    fn validate_rules(&self) -> DomainResult<()> {
        let d = &self.decline;
        if d.min_age < LEGAL_MIN_AGE {
            return Err(invalid(
                "policy.decline.minAge",
                format!(
                    "The minimum age must be at least {LEGAL_MIN_AGE}, the age of full civil capacity."
                ),
            ));
        }
        if d.max_age < d.min_age || d.max_age > OLDEST_MAX_AGE {
            return Err(invalid(
                "policy.decline.maxAge",
                format!(
                    "The maximum age must be from the minimum age ({}) to {OLDEST_MAX_AGE}.",
                    d.min_age
                ),
            ));
        }
        let (lowest, highest) = BUREAU_SCORE_RANGE;
        if d.min_credit_score
            .is_some_and(|s| !(lowest..=highest).contains(&s))
        {
            return Err(invalid(
                "policy.decline.minCreditScore",
                format!(
                    "The credit score floor must be from {lowest} to {highest}, or null for none."
                ),
            ));
        }
        let mut seen = Vec::new();
        for (i, grade) in self.refer.grades.iter().enumerate() {
            if seen.contains(grade) {
                return Err(invalid(
                    format!("policy.refer.grades[{i}]"),
                    format!("Grade {grade} is listed twice."),
                ));
            }
            seen.push(*grade);
        }
        Ok(())
    }
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> DomainError {
    DomainError::validation(field, message)
}
