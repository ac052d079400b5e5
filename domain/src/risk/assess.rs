//! The assessment: score, grade, affordability, limits, decision and reasons.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::money::Money;
use crate::rate::Rate;
use crate::schedule::{level_payment, present_value};

/// Limits are reckoned in monthly installments.
const MONTHS_PER_YEAR: u32 = 12;

use super::inputs::{CreditFacts, RiskInputs};
use super::outcome::{Decision, Effect, Reason, RiskOutcome};
use super::policy::{Grade, GradeEAction, RiskPolicy};
use super::text::{self, count, grouped, max_points, percent, percent1, yuan};

/// The debt-to-income ratio reported when there is no income but there are debt payments:
/// "ten times the income or more". A finite cap keeps the figure storable and comparable.
const DTI_CAP: Decimal = Decimal::TEN;

/// A factor at or above this share of its points helps; below [`NEGATIVE_BELOW`] it hurts.
const POSITIVE_FROM: Decimal = Decimal::from_parts(6, 0, 0, false, 1);
/// See [`POSITIVE_FROM`].
const NEGATIVE_BELOW: Decimal = Decimal::from_parts(4, 0, 0, false, 1);

/// Assesses `inputs` under `policy`. Pure and deterministic: the same policy and inputs give
/// the same outcome, reasons included, so that a kept assessment can be reproduced.
///
/// Never panics, whatever the inputs or policy (an unvalidated policy gives odd figures,
/// not a crash); the steps and formulas are in `docs/risk.md`.
pub fn assess(policy: &RiskPolicy, inputs: &RiskInputs) -> RiskOutcome {
    let figures = Figures::of(inputs);
    let mut reasons = Vec::with_capacity(20);

    // 1. Score: each factor's points rounded to 0.1, so the reasons add up to the score.
    let mut score = Decimal::ZERO;
    for reason in factors(policy, inputs, &figures) {
        score = score.saturating_add(reason.points.unwrap_or_default());
        reasons.push(reason);
    }
    let mut score = score.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED);
    score.rescale(1);

    // 2. Grade, rates and term.
    let band = Band::for_score(policy, score);
    let max_term_months = policy.max_term_months.min(band.max_term_months);
    reasons.push(grade_reason(score, &band, max_term_months));

    // 3. Affordability and limits.
    let (max_installment, room) = max_installment(policy, &figures);
    reasons.push(installment_reason(policy, &figures, max_installment, &room));
    let max_amount = max_amount(policy, &figures, max_installment, &band, max_term_months);
    reasons.push(max_amount.reason(policy, max_installment, &band, max_term_months));
    let max_amount = max_amount.value;

    // 4. The requested loan, then the rules.
    let mut hits = Vec::new();
    if let Some(request) = &inputs.requested {
        requested_loan(
            policy,
            &figures,
            request,
            (max_installment, max_amount, max_term_months),
            &band,
            &mut hits,
            &mut reasons,
        );
    }
    decline_rules(
        policy,
        inputs,
        &figures,
        &band,
        &room,
        max_installment,
        &mut hits,
    );
    refer_rules(policy, inputs, &band, &mut hits);

    // 5. Decision: any decline rule declines; otherwise any refer rule refers.
    let decision = hits
        .iter()
        .map(|h| h.kind)
        .max()
        .unwrap_or(Decision::Approve);
    let decisive = hits.iter().filter(|h| h.kind == decision).count();
    reasons.extend(hits.into_iter().map(|h| h.into_reason(decision)));
    reasons.push(decision_reason(
        decision,
        decisive,
        &band,
        max_amount,
        max_term_months,
    ));

    RiskOutcome {
        score,
        grade: band.grade,
        debt_to_income: figures.dti,
        disposable_income: figures.disposable,
        max_installment,
        max_amount,
        max_term_months,
        rate_range: (band.rate_min, band.rate_max),
        decision,
        reasons,
    }
}

/// The inputs as the rules read them: negative amounts as zero, and the derived figures.
struct Figures {
    income: Money,
    expenses: Money,
    debts: Money,
    assets: Money,
    liabilities: Money,
    /// Income less expenses less existing debt payments (may be negative).
    disposable: Money,
    /// Existing debt payments over income, 4 decimals.
    dti: Decimal,
    /// Assets less liabilities (may be negative).
    net_worth: Money,
    budget: Option<Money>,
}

impl Figures {
    fn of(inputs: &RiskInputs) -> Self {
        let income = non_negative(inputs.monthly_income);
        let expenses = non_negative(inputs.monthly_expenses);
        let debts = non_negative(inputs.existing_monthly_debt_payments);
        let assets = non_negative(inputs.assets);
        let liabilities = non_negative(inputs.liabilities);
        let dti = if income.is_zero() {
            if debts.is_zero() {
                Decimal::ZERO
            } else {
                DTI_CAP
            }
        } else {
            debts
                .amount()
                .checked_div(income.amount())
                .unwrap_or(DTI_CAP)
                .min(DTI_CAP)
        };
        let mut dti = text::round(dti, 4);
        dti.rescale(4);
        Self {
            income,
            expenses,
            debts,
            assets,
            liabilities,
            disposable: income - expenses - debts,
            dti,
            net_worth: assets - liabilities,
            budget: inputs.monthly_budget.map(non_negative),
        }
    }
}

fn non_negative(amount: Money) -> Money {
    amount.max(Money::ZERO)
}

/// `value` clamped to 0–1.
fn unit(value: Decimal) -> Decimal {
    value.clamp(Decimal::ZERO, Decimal::ONE)
}

/// `a / b` clamped to 0–1; `when_undefined` when `b` is 0.
fn share(a: Decimal, b: Decimal, when_undefined: Decimal) -> Decimal {
    a.checked_div(b).map_or(when_undefined, unit)
}

/// Down to the fen (a limit is never rounded up), and never below 0.
fn floor_fen(value: Decimal) -> Money {
    let floored = value
        .max(Decimal::ZERO)
        .round_dp_with_strategy(2, RoundingStrategy::ToZero);
    Money::round_half_up(floored)
}

/// A scoring factor's reason: `fraction` (clamped to 0–1) of `weight` × 100 points,
/// rounded half-up to 0.1; `describe(points, max)` writes the message.
fn scored(
    code: &'static str,
    weight: Decimal,
    fraction: Decimal,
    describe: impl FnOnce(&str, &str) -> String,
) -> Reason {
    let fraction = unit(fraction);
    let max = weight.saturating_mul(Decimal::ONE_HUNDRED);
    let mut points = text::round(max.saturating_mul(fraction), 1);
    points.rescale(1);
    let effect = if weight <= Decimal::ZERO {
        Effect::Neutral
    } else if fraction >= POSITIVE_FROM {
        Effect::Positive
    } else if fraction < NEGATIVE_BELOW {
        Effect::Negative
    } else {
        Effect::Neutral
    };
    let message = describe(&text::points(points), &max_points(max));
    Reason {
        code,
        effect,
        points: Some(points),
        message,
    }
}

/// "adds" for one, "add" for several.
fn adds(n: u32) -> &'static str {
    if n == 1 { "adds" } else { "add" }
}

/// The eight scoring factors, in the order the reasons list them.
fn factors(policy: &RiskPolicy, inputs: &RiskInputs, f: &Figures) -> [Reason; 8] {
    let credit = inputs.credit.as_ref();
    [
        credit_score(policy, credit),
        debt_to_income(policy, f),
        affordability(policy, f),
        delinquency_history(policy, credit),
        recent_inquiries(policy, credit),
        stability(policy, inputs, f),
        net_worth(policy, f),
        age_band(policy, inputs.age),
    ]
}

fn credit_score(policy: &RiskPolicy, credit: Option<&CreditFacts>) -> Reason {
    let s = &policy.scoring;
    let weight = policy.weights.credit_score;
    match credit.map(|c| (c.score, c.open_accounts)) {
        Some((Some(score), _)) => {
            let zero = Decimal::from(s.credit_score_zero_at);
            let full = Decimal::from(s.credit_score_full_at);
            let score_d = Decimal::from(score);
            let fraction = if score_d >= full {
                Decimal::ONE
            } else {
                share(score_d - zero, full - zero, Decimal::ZERO)
            };
            scored("CREDIT_SCORE", weight, fraction, |p, max| {
                format!(
                    "Credit score {score} out of 900 adds {p} of {max} points (none at {} or \
                     below, all from {}).",
                    s.credit_score_zero_at, s.credit_score_full_at
                )
            })
        }
        Some((None, open)) => scored(
            "CREDIT_SCORE",
            weight,
            s.no_credit_data_fraction,
            |p, max| {
                format!(
                    "The credit bureau has no score for this customer ({} on file), so the credit \
                 score counts {} of its points: {p} of {max}.",
                    count(open, "open account", "open accounts"),
                    percent(unit(s.no_credit_data_fraction))
                )
            },
        ),
        None => scored(
            "CREDIT_SCORE",
            weight,
            s.no_credit_data_fraction,
            |p, max| {
                format!(
                    "No credit report is available, so the credit score counts {} of its points: {p} \
                 of {max}.",
                    percent(unit(s.no_credit_data_fraction))
                )
            },
        ),
    }
}

fn debt_to_income(policy: &RiskPolicy, f: &Figures) -> Reason {
    let weight = policy.weights.debt_to_income;
    let limit = policy.affordability.max_debt_to_income;
    if f.income.is_zero() {
        return scored("DEBT_TO_INCOME", weight, Decimal::ZERO, |p, max| {
            if f.debts.is_zero() {
                format!(
                    "There is no monthly income to measure debt payments against: {p} of {max} \
                     points."
                )
            } else {
                format!(
                    "There is no monthly income to carry existing debt payments of {}: {p} of \
                     {max} points.",
                    yuan(f.debts)
                )
            }
        });
    }
    // All the points at no debt, none at the limit.
    let fraction = Decimal::ONE - share(f.dti, limit, Decimal::ONE);
    scored("DEBT_TO_INCOME", weight, fraction, |p, max| {
        if f.debts.is_zero() {
            format!(
                "There are no existing debt payments (the limit is {} of monthly income), which \
                 adds {p} of {max} points.",
                percent(limit)
            )
        } else {
            format!(
                "Existing debt payments of {} take {} of monthly income (the limit is {}), which \
                 adds {p} of {max} points.",
                yuan(f.debts),
                percent1(f.dti),
                percent(limit)
            )
        }
    })
}

fn affordability(policy: &RiskPolicy, f: &Figures) -> Reason {
    let weight = policy.weights.affordability;
    let full_at = policy.scoring.disposable_share_full_at;
    if f.income.is_zero() {
        return scored("AFFORDABILITY", weight, Decimal::ZERO, |p, max| {
            format!(
                "There is no monthly income to leave money after expenses: {p} of {max} points."
            )
        });
    }
    if !f.disposable.is_positive() {
        return scored("AFFORDABILITY", weight, Decimal::ZERO, |p, max| {
            format!(
                "Expenses of {} and debt payments of {} take all of the monthly income of {}{}: \
                 {p} of {max} points.",
                yuan(f.expenses),
                yuan(f.debts),
                yuan(f.income),
                if f.disposable.is_negative() {
                    format!(" and {} more", yuan(Money::ZERO - f.disposable))
                } else {
                    String::new()
                }
            )
        });
    }
    let disposable_share = share(f.disposable.amount(), f.income.amount(), Decimal::ZERO);
    let fraction = share(disposable_share, full_at, Decimal::ONE);
    scored("AFFORDABILITY", weight, fraction, |p, max| {
        format!(
            "After expenses of {} and debt payments of {}, {} ({} of income) is left each month, \
             which adds {p} of {max} points (all from {}).",
            yuan(f.expenses),
            yuan(f.debts),
            yuan(f.disposable),
            percent1(disposable_share),
            percent(full_at)
        )
    })
}

fn delinquency_history(policy: &RiskPolicy, credit: Option<&CreditFacts>) -> Reason {
    let weight = policy.weights.delinquency_history;
    let no_data = policy.scoring.no_credit_data_fraction;
    let limit = policy.decline.max_delinquencies_24m;
    let Some(c) = credit else {
        return scored("DELINQUENCY_HISTORY", weight, no_data, |p, max| {
            format!(
                "No credit report is available, so delinquency history counts {} of its points: \
                 {p} of {max}.",
                percent(unit(no_data))
            )
        });
    };
    let n = c.delinquencies_24m;
    if c.active_delinquency {
        return scored("DELINQUENCY_HISTORY", weight, Decimal::ZERO, |p, max| {
            format!(
                "An account is delinquent right now ({} in the last 24 months): {p} of {max} \
                 points.",
                count(n, "delinquency", "delinquencies")
            )
        });
    }
    // All the points at none, none once past the decline limit.
    let fraction = Decimal::ONE
        - share(
            Decimal::from(n),
            Decimal::from(limit) + Decimal::ONE,
            Decimal::ONE,
        );
    scored("DELINQUENCY_HISTORY", weight, fraction, |p, max| {
        if n == 0 {
            format!("No delinquencies in the last 24 months adds {p} of {max} points.")
        } else {
            format!(
                "{} in the last 24 months (the policy declines more than {limit}) {} {p} of {max} \
                 points.",
                count(n, "delinquency", "delinquencies"),
                adds(n)
            )
        }
    })
}

fn recent_inquiries(policy: &RiskPolicy, credit: Option<&CreditFacts>) -> Reason {
    let weight = policy.weights.recent_inquiries;
    let no_data = policy.scoring.no_credit_data_fraction;
    let zero_at = policy.scoring.inquiries_zero_at;
    let Some(c) = credit else {
        return scored("RECENT_INQUIRIES", weight, no_data, |p, max| {
            format!(
                "No credit report is available, so recent inquiries count {} of their points: \
                 {p} of {max}.",
                percent(unit(no_data))
            )
        });
    };
    let n = c.recent_inquiries;
    let fraction = Decimal::ONE - share(Decimal::from(n), Decimal::from(zero_at), Decimal::ONE);
    scored("RECENT_INQUIRIES", weight, fraction, |p, max| {
        if n == 0 {
            format!("No recent credit inquiries by lenders adds {p} of {max} points.")
        } else {
            format!(
                "{} by lenders {} {p} of {max} points (none from {zero_at}).",
                count(n, "recent credit inquiry", "recent credit inquiries"),
                adds(n)
            )
        }
    })
}

fn has_occupation(inputs: &RiskInputs) -> bool {
    inputs
        .occupation
        .as_deref()
        .is_some_and(|o| !o.trim().is_empty())
}

fn stability(policy: &RiskPolicy, inputs: &RiskInputs, f: &Figures) -> Reason {
    let weight = policy.weights.stability;
    let full_at = policy.scoring.income_full_at;
    let half = Decimal::new(5, 1);
    let occupied = has_occupation(inputs);
    let income_share = share(f.income.amount(), full_at.amount(), Decimal::ONE);
    let fraction = if occupied { half } else { Decimal::ZERO } + half * income_share;
    scored("STABILITY", weight, fraction, |p, max| {
        format!(
            "{} and the monthly income is {} (the income half of these points is full from {}): \
             together {p} of {max} points.",
            if occupied {
                "An occupation is recorded"
            } else {
                "No occupation is recorded"
            },
            yuan(f.income),
            yuan(full_at)
        )
    })
}

fn net_worth(policy: &RiskPolicy, f: &Figures) -> Reason {
    let weight = policy.weights.net_worth;
    let full_at = policy.scoring.net_worth_full_at;
    if !f.net_worth.is_positive() {
        return scored("NET_WORTH", weight, Decimal::ZERO, |p, max| {
            if f.liabilities > f.assets {
                format!(
                    "Liabilities of {} exceed assets of {} by {}: net worth earns {p} of {max} \
                     points.",
                    yuan(f.liabilities),
                    yuan(f.assets),
                    yuan(f.liabilities - f.assets)
                )
            } else {
                format!(
                    "Assets of {} do not exceed liabilities of {}: net worth earns {p} of {max} \
                     points.",
                    yuan(f.assets),
                    yuan(f.liabilities)
                )
            }
        });
    }
    let fraction = share(f.net_worth.amount(), full_at.amount(), Decimal::ONE);
    scored("NET_WORTH", weight, fraction, |p, max| {
        format!(
            "Net worth of {} (assets of {} less liabilities of {}) adds {p} of {max} points (all \
             from {}).",
            yuan(f.net_worth),
            grouped(f.assets),
            grouped(f.liabilities),
            yuan(full_at)
        )
    })
}

fn age_band(policy: &RiskPolicy, age: u32) -> Reason {
    let weight = policy.weights.age_band;
    let s = &policy.scoring;
    let d = &policy.decline;
    if age < d.min_age || age > d.max_age {
        return scored("AGE_BAND", weight, Decimal::ZERO, |p, max| {
            format!(
                "Age {age} is outside the accepted ages {}–{}: {p} of {max} points.",
                d.min_age, d.max_age
            )
        });
    }
    if (s.prime_age_from..=s.prime_age_to).contains(&age) {
        return scored("AGE_BAND", weight, Decimal::ONE, |p, max| {
            format!(
                "Age {age} is in the prime band {}–{}: {p} of {max} points.",
                s.prime_age_from, s.prime_age_to
            )
        });
    }
    let fraction = s.outside_prime_age_fraction;
    scored("AGE_BAND", weight, fraction, |p, max| {
        format!(
            "Age {age} is outside the prime band {}–{}, which earns {} of the age points: {p} of \
             {max}.",
            s.prime_age_from,
            s.prime_age_to,
            percent(unit(fraction))
        )
    })
}

/// The grade band a score falls in, read defensively so that an unvalidated policy cannot
/// make the assessment fail.
struct Band {
    grade: Grade,
    min_score: Decimal,
    rate_min: Rate,
    rate_max: Rate,
    max_term_months: u32,
    /// Whether the policy had no band at all (an unvalidated policy): refer.
    missing: bool,
}

impl Band {
    /// The band with the highest minimum score not above `score`; failing that the band
    /// with the lowest minimum; failing that (no bands) grade E with no rates and no term.
    fn for_score(policy: &RiskPolicy, score: Decimal) -> Self {
        let bands = &policy.grade_bands;
        let reached = bands
            .iter()
            .filter(|b| b.min_score <= score)
            .reduce(|best, b| {
                if b.min_score > best.min_score {
                    b
                } else {
                    best
                }
            });
        let lowest = || {
            bands
                .iter()
                .reduce(|low, b| if b.min_score < low.min_score { b } else { low })
        };
        match reached.or_else(lowest) {
            Some(b) => Self {
                grade: b.grade,
                min_score: b.min_score,
                rate_min: b.rate.min,
                rate_max: b.rate.max,
                max_term_months: b.max_term_months,
                missing: false,
            },
            None => Self {
                grade: Grade::E,
                min_score: Decimal::ZERO,
                rate_min: Rate::ZERO,
                rate_max: Rate::ZERO,
                max_term_months: 0,
                missing: true,
            },
        }
    }
}

fn grade_reason(score: Decimal, band: &Band, max_term_months: u32) -> Reason {
    let effect = match band.grade {
        Grade::A | Grade::B => Effect::Positive,
        Grade::C => Effect::Neutral,
        Grade::D | Grade::E => Effect::Negative,
    };
    Reason::new(
        "GRADE",
        effect,
        format!(
            "A score of {score} out of 100 gives grade {} (from {} points): annual rates of {} to \
             {} and terms of up to {max_term_months} months.",
            band.grade,
            band.min_score.normalize(),
            percent(band.rate_min.value()),
            percent(band.rate_max.value()),
        ),
    )
}

/// The three ceilings on a new installment, unrounded (each may be negative).
struct Room {
    /// Income × the debt-to-income limit, less existing debt payments.
    dti: Decimal,
    /// The policy's share of the disposable income.
    disposable: Decimal,
    /// The customer's stated monthly budget.
    budget: Option<Decimal>,
}

fn max_installment(policy: &RiskPolicy, f: &Figures) -> (Money, Room) {
    let a = &policy.affordability;
    let room = Room {
        dti: f
            .income
            .amount()
            .saturating_mul(a.max_debt_to_income)
            .saturating_sub(f.debts.amount()),
        disposable: f
            .disposable
            .amount()
            .saturating_mul(a.disposable_income_share),
        budget: f.budget.map(Money::amount),
    };
    let smallest = room.dti.min(room.disposable);
    let smallest = room.budget.map_or(smallest, |b| smallest.min(b));
    (floor_fen(smallest), room)
}

fn installment_reason(policy: &RiskPolicy, f: &Figures, max: Money, room: &Room) -> Reason {
    let a = &policy.affordability;
    let message = if f.income.is_zero() {
        "With no monthly income there is no room for a new installment: the largest affordable \
         installment is 0.00 yuan."
            .to_owned()
    } else {
        let mut parts = vec![
            format!(
                "{} ({} of income less existing debt payments)",
                yuan(floor_fen(room.dti)),
                percent(a.max_debt_to_income)
            ),
            format!(
                "{} ({} of the {} left each month)",
                yuan(floor_fen(room.disposable)),
                percent(a.disposable_income_share),
                yuan(f.disposable)
            ),
        ];
        if let Some(budget) = room.budget {
            parts.push(format!(
                "{} (the customer's monthly budget)",
                yuan(floor_fen(budget))
            ));
        }
        format!(
            "The largest affordable new installment is {} a month, the smallest of {}.",
            yuan(max),
            join(&parts)
        )
    };
    let effect = if max.is_positive() {
        Effect::Neutral
    } else {
        Effect::Negative
    };
    Reason::new("MAX_INSTALLMENT", effect, message)
}

/// "a, b and c".
fn join(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The maximum amount and the ceilings it is the smallest of.
struct MaxAmount {
    value: Money,
    repayable: Money,
    income_multiple: Money,
    ceiling: Option<Money>,
}

fn max_amount(
    policy: &RiskPolicy,
    f: &Figures,
    installment: Money,
    band: &Band,
    term: u32,
) -> MaxAmount {
    let a = &policy.affordability;
    let repayable = floor_fen(present_value(
        installment.amount(),
        band.rate_max,
        MONTHS_PER_YEAR,
        term,
    ));
    let income_multiple = floor_fen(
        f.income
            .amount()
            .saturating_mul(a.max_amount_income_multiple),
    );
    let ceiling = a.absolute_max_amount.map(non_negative);
    let value = repayable.min(income_multiple);
    let value = ceiling.map_or(value, |c| value.min(c));
    MaxAmount {
        value,
        repayable,
        income_multiple,
        ceiling,
    }
}

impl MaxAmount {
    fn reason(&self, policy: &RiskPolicy, installment: Money, band: &Band, term: u32) -> Reason {
        if term == 0 {
            return Reason::new(
                "MAX_AMOUNT",
                Effect::Negative,
                format!(
                    "The policy allows no term for grade {}, so the largest loan is 0.00 yuan.",
                    band.grade
                ),
            );
        }
        if !installment.is_positive() {
            return Reason::new(
                "MAX_AMOUNT",
                Effect::Negative,
                "With no affordable installment the largest loan is 0.00 yuan.".to_owned(),
            );
        }
        let mut parts = vec![
            format!(
                "{} (what {} a month repays over {term} months at {} a year)",
                yuan(self.repayable),
                grouped(installment),
                percent(band.rate_max.value())
            ),
            format!(
                "{} ({} times the monthly income)",
                yuan(self.income_multiple),
                policy.affordability.max_amount_income_multiple.normalize()
            ),
        ];
        if let Some(ceiling) = self.ceiling {
            parts.push(format!("{} (the policy's ceiling)", yuan(ceiling)));
        }
        Reason::new(
            "MAX_AMOUNT",
            Effect::Neutral,
            format!(
                "The largest loan is {}, the smallest of {}.",
                yuan(self.value),
                join(&parts)
            ),
        )
    }
}

/// A decline or refer rule that fired.
struct Hit {
    /// What the rule asks for.
    kind: Decision,
    code: &'static str,
    /// The message when this rule decides the outcome.
    decisive: String,
    /// The message when a decline overtakes this refer rule.
    overtaken: String,
}

impl Hit {
    /// A decline rule: `what` is the finding, without a full stop.
    fn decline(code: &'static str, what: String) -> Self {
        Self {
            kind: Decision::Decline,
            code,
            decisive: format!("{what}: the application is declined."),
            overtaken: String::new(),
        }
    }

    /// A refer rule: `what` is the finding, without a full stop.
    fn refer(code: &'static str, what: &str) -> Self {
        Self {
            kind: Decision::Refer,
            code,
            decisive: format!("{what}: a risk officer reviews the application."),
            overtaken: format!("{what}; on its own this would need a risk officer's review."),
        }
    }

    /// Its reason, once the decision is known.
    fn into_reason(self, decision: Decision) -> Reason {
        if self.kind == decision {
            Reason::new(self.code, Effect::Decisive, self.decisive)
        } else {
            Reason::new(self.code, Effect::Negative, self.overtaken)
        }
    }
}

fn requested_loan(
    policy: &RiskPolicy,
    f: &Figures,
    request: &super::inputs::RequestedLoan,
    (max_installment, max_amount, max_term): (Money, Money, u32),
    band: &Band,
    hits: &mut Vec<Hit>,
    reasons: &mut Vec<Reason>,
) {
    let amount = non_negative(request.amount);
    let term = request.term_months;
    // The schedule engine's own level payment, so the limit checks the installment the
    // customer would be offered, to the fen. A term of 0 is read as one payment.
    let installment = Money::from_fen(level_payment(
        amount.to_fen(),
        band.rate_max,
        MONTHS_PER_YEAR,
        term.max(1),
    ));
    let new_dti = if f.income.is_zero() {
        DTI_CAP
    } else {
        (f.debts + installment)
            .amount()
            .checked_div(f.income.amount())
            .unwrap_or(DTI_CAP)
            .min(DTI_CAP)
    };
    let cost = format!(
        "about {} a month at the grade's highest rate of {}",
        yuan(installment),
        percent(band.rate_max.value())
    );
    let over: Vec<(&'static str, String)> = [
        (amount > max_amount).then(|| {
            (
                "AMOUNT_ABOVE_LIMIT",
                format!(
                    "The requested {} is above the largest loan of {}.",
                    yuan(amount),
                    yuan(max_amount)
                ),
            )
        }),
        (term > max_term || term == 0).then(|| {
            (
                "TERM_ABOVE_LIMIT",
                format!(
                    "The requested term of {term} months is outside grade {}'s 1 to {max_term} \
                     months.",
                    band.grade
                ),
            )
        }),
        (installment > max_installment).then(|| {
            (
                "INSTALLMENT_ABOVE_LIMIT",
                format!(
                    "The requested loan would cost {cost}, above the affordable {}; debt payments \
                     would take {} of income (the limit is {}).",
                    yuan(max_installment),
                    percent1(new_dti),
                    percent(policy.affordability.max_debt_to_income)
                ),
            )
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    if over.is_empty() {
        reasons.push(Reason::new(
            "REQUEST_WITHIN_LIMITS",
            Effect::Positive,
            format!(
                "The requested {} over {term} months is within the limits: it would cost {cost}, \
                 and debt payments would take {} of income.",
                yuan(amount),
                percent1(new_dti)
            ),
        ));
        return;
    }
    for (code, message) in over {
        if policy.refer.request_above_limits {
            hits.push(Hit {
                kind: Decision::Refer,
                code,
                decisive: format!(
                    "{message} A risk officer must approve it, or choose a loan within the limits."
                ),
                overtaken: format!(
                    "{message} It could only be offered with a risk officer's approval."
                ),
            });
        } else {
            reasons.push(Reason::new(
                code,
                Effect::Negative,
                format!("{message} Offer a loan within the limits instead."),
            ));
        }
    }
}

fn decline_rules(
    policy: &RiskPolicy,
    inputs: &RiskInputs,
    f: &Figures,
    band: &Band,
    room: &Room,
    max_installment: Money,
    hits: &mut Vec<Hit>,
) {
    let d = &policy.decline;
    let credit = inputs.credit.as_ref();
    if credit.is_some_and(|c| c.active_delinquency) {
        hits.push(Hit::decline(
            "ACTIVE_DELINQUENCY",
            "An active delinquency on a credit account".to_owned(),
        ));
    }
    let age = inputs.age;
    if age < d.min_age {
        hits.push(Hit::decline(
            "AGE_BELOW_MIN",
            format!("Age {age} is below the minimum age of {}", d.min_age),
        ));
    }
    if age > d.max_age {
        hits.push(Hit::decline(
            "AGE_ABOVE_MAX",
            format!("Age {age} is above the maximum age of {}", d.max_age),
        ));
    }
    if let Some(c) = credit.filter(|c| c.delinquencies_24m > d.max_delinquencies_24m) {
        hits.push(Hit::decline(
            "DELINQUENCIES_HIGH",
            format!(
                "{} in the last 24 months, more than the {} allowed",
                count(c.delinquencies_24m, "delinquency", "delinquencies"),
                d.max_delinquencies_24m
            ),
        ));
    }
    if let (Some(floor), Some(score)) = (d.min_credit_score, credit.and_then(|c| c.score))
        && score < floor
    {
        hits.push(Hit::decline(
            "CREDIT_SCORE_LOW",
            format!("Credit score {score} is below the minimum of {floor}"),
        ));
    }
    if band.grade == Grade::E && !band.missing && d.grade_e == GradeEAction::Decline {
        hits.push(Hit::decline(
            "GRADE_E",
            "Grade E is declined under this policy, the score being too low for any offer"
                .to_owned(),
        ));
    }
    if f.income.is_zero() {
        hits.push(Hit::decline(
            "NO_INCOME",
            "There is no monthly income to pay an installment from".to_owned(),
        ));
    } else if room.dti <= Decimal::ZERO {
        hits.push(Hit::decline(
            "DTI_HIGH",
            format!(
                "Existing debt payments already take {} of monthly income, at or above the limit \
                 of {}, which leaves no room for a new installment",
                percent1(f.dti),
                percent(policy.affordability.max_debt_to_income)
            ),
        ));
    } else if !max_installment.is_positive() {
        let why = if !f.disposable.is_positive() {
            "after expenses and existing debt payments".to_owned()
        } else if f.budget.is_some_and(|b| !b.is_positive()) {
            "within the customer's monthly budget of 0.00 yuan".to_owned()
        } else {
            format!(
                "after the buffer the policy keeps ({} of what is left)",
                percent(policy.affordability.disposable_income_share)
            )
        };
        hits.push(Hit::decline(
            "NO_AFFORDABLE_INSTALLMENT",
            format!("Nothing is left for a new installment {why}"),
        ));
    }
}

fn refer_rules(policy: &RiskPolicy, inputs: &RiskInputs, band: &Band, hits: &mut Vec<Hit>) {
    let r = &policy.refer;
    if band.missing {
        hits.push(Hit::refer(
            "POLICY_INCOMPLETE",
            "The risk policy has no grade bands, so no grade applies",
        ));
    }
    if band.grade == Grade::E && policy.decline.grade_e == GradeEAction::Refer && !band.missing {
        hits.push(Hit::refer(
            "GRADE_E",
            "Grade E is referred under this policy",
        ));
    } else if band.grade != Grade::E && r.grades.contains(&band.grade) {
        hits.push(Hit::refer(
            "GRADE_REFER",
            &format!("Grade {} is referred under this policy", band.grade),
        ));
    }
    if r.without_credit_score {
        match &inputs.credit {
            None => hits.push(Hit::refer(
                "NO_CREDIT_REPORT",
                "No credit report is available",
            )),
            Some(c) if c.score.is_none() => hits.push(Hit::refer(
                "NO_CREDIT_SCORE",
                "The credit bureau has no score for this customer",
            )),
            Some(_) => {}
        }
    }
    if r.without_occupation && !has_occupation(inputs) {
        hits.push(Hit::refer(
            "NO_OCCUPATION",
            "No occupation is recorded, so income stability is unknown",
        ));
    }
    if let (Some(limit), Some(c)) = (r.recent_inquiries_above, &inputs.credit)
        && c.recent_inquiries > limit
    {
        hits.push(Hit::refer(
            "INQUIRIES_HIGH",
            &format!(
                "{} by lenders, more than {limit}, suggest borrowing from several lenders at once",
                count(
                    c.recent_inquiries,
                    "recent credit inquiry",
                    "recent credit inquiries"
                )
            ),
        ));
    }
}

fn decision_reason(
    decision: Decision,
    decisive: usize,
    band: &Band,
    max_amount: Money,
    max_term_months: u32,
) -> Reason {
    let message = match decision {
        Decision::Approve => format!(
            "Approved within the policy: grade {}, a loan of up to {} over up to \
             {max_term_months} months.",
            band.grade,
            yuan(max_amount)
        ),
        Decision::Refer => format!(
            "Referred to a risk officer, who decides: {}.",
            rule_count(decisive, "asks", "ask", "for a person's judgement")
        ),
        Decision::Decline => format!(
            "Declined: {}.",
            rule_count(decisive, "declines", "decline", "the application")
        ),
    };
    Reason::new("DECISION", Effect::Neutral, message)
}

fn rule_count(n: usize, one: &str, many: &str, rest: &str) -> String {
    if n == 1 {
        format!("1 of the rules above {one} {rest}")
    } else {
        format!("{n} of the rules above {many} {rest}")
    }
}
