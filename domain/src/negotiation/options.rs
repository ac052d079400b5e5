//! The options engine: from a customer's need, what their risk assessment allows and the
//! selected platform's products, the plans that pass **every** limit, 3 to 6 of them
//! chosen to differ (the wanted term, the fastest, the lightest, the cheapest), one marked
//! recommended with the reason in words. Pure: no I/O, no clock (the start date is given).
//!
//! The limits an option must pass ([`Limit`]):
//! * the amount and the term within what the assessment allows;
//! * the rate within the grade's range of the risk policy and the product's range for the
//!   grade (the price is the product's standard rate, moved into both ranges); for a
//!   fee-based product the simple annual equivalent of its fee (fee × periods a year);
//! * the APR under the legal cap (the schedule engine refuses above it);
//! * the largest payment, as a monthly equivalent (a quarterly payment counts a third a
//!   month), within the affordable installment, which already holds the policy's
//!   debt-to-income cap, the share of disposable income and the customer's budget.
//!
//! When nothing passes, the answer names the limits that block the wanted plan and what
//! would unblock it: the largest amount that fits at the wanted term, or the shortest
//! longer term that brings the payment within reach.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use adapters::platforms::{PlanFrequency, Product};

use crate::money::Money;
use crate::platforms::{plan_frequency, repayment_method};
use crate::schedule::{Frequency, Limits, LoanQuote, LoanTerms, LoanTermsInput, quote};

/// What the risk assessment allows this customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Affordability {
    /// The largest monthly installment affordable.
    pub max_installment: Money,
    /// The largest amount.
    pub max_amount: Money,
    /// The longest term, in months.
    pub max_term_months: u32,
    /// The lowest annual rate of the customer's grade.
    pub rate_min: Decimal,
    /// The highest.
    pub rate_max: Decimal,
}

/// The need to price.
#[derive(Debug, Clone)]
pub struct Need {
    /// The amount.
    pub amount: Money,
    /// The term wanted, in installments.
    pub periods: u32,
    /// How often, as wanted.
    pub frequency: Frequency,
    /// The day of the month payments fall due.
    pub payment_day: u32,
    /// The day the money would be paid out.
    pub start_date: NaiveDate,
    /// The customer's grade.
    pub grade: String,
}

/// A limit an option breaks, with the figures, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// The amount is above what the assessment allows.
    Amount {
        /// The most allowed.
        max: Money,
    },
    /// The term is longer than the grade allows.
    Term {
        /// The term asked, in months.
        months: u32,
        /// The longest allowed.
        max_months: u32,
    },
    /// No rate is both in the grade's range and the product's.
    Rate {
        /// Why, in words.
        detail: String,
    },
    /// The APR is above the legal cap (the engine's words).
    Apr {
        /// Why, in words.
        detail: String,
    },
    /// The payment is above the affordable installment.
    Installment {
        /// The monthly equivalent of the largest payment.
        payment: Money,
        /// The affordable installment.
        max: Money,
    },
}

impl Limit {
    /// A stable name clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Amount { .. } => "AMOUNT",
            Self::Term { .. } => "TERM",
            Self::Rate { .. } => "RATE",
            Self::Apr { .. } => "APR_CAP",
            Self::Installment { .. } => "AFFORDABILITY",
        }
    }

    /// The limit in words, with its figures.
    pub fn describe(&self) -> String {
        match self {
            Self::Amount { max } => {
                format!("The amount is above the {max} yuan the risk assessment allows.")
            }
            Self::Term { months, max_months } => format!(
                "A term of {months} months is longer than the {max_months} months the grade allows."
            ),
            Self::Rate { detail } | Self::Apr { detail } => detail.clone(),
            Self::Installment { payment, max } => format!(
                "The payment of {payment} yuan a month is above the affordable {max} yuan a month."
            ),
        }
    }
}

/// One priced plan.
#[derive(Debug, Clone)]
pub struct PlanOption {
    /// The product.
    pub product_code: String,
    /// Its name.
    pub product_name: String,
    /// How often.
    pub frequency: Frequency,
    /// Installments.
    pub periods: u32,
    /// The nominal annual rate (0 for fee-based).
    pub annual_rate: Decimal,
    /// The fee per period, fee-based only.
    pub period_fee_rate: Option<Decimal>,
    /// The schedule, totals and APR.
    pub quote: LoanQuote,
    /// The first payment.
    pub first_payment: Money,
    /// The largest payment.
    pub largest_payment: Money,
    /// The largest payment as a monthly equivalent.
    pub monthly_equivalent: Money,
    /// Whether this is the one recommended.
    pub recommended: bool,
    /// Why it was chosen, in words.
    pub reason: String,
}

impl PlanOption {
    /// Interest and fees together.
    pub fn cost(&self) -> Money {
        self.quote.total_interest + self.quote.total_fees
    }
}

/// The engine's answer.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// 3 to 6 options (fewer only when fewer pass), none breaking a limit.
    pub options: Vec<PlanOption>,
    /// When none passes: the limits that block the wanted plan.
    pub blocked_by: Vec<Limit>,
    /// When none passes: what would unblock it, in words.
    pub unblock: Vec<String>,
}

/// A priced candidate, or the limits it breaks.
pub type Priced = Result<PlanOption, Vec<Limit>>;

fn months(frequency: Frequency, periods: u32) -> u32 {
    periods.saturating_mul(frequency.months_per_period())
}

fn frequency_of(f: PlanFrequency) -> Frequency {
    match f {
        PlanFrequency::Monthly => Frequency::Monthly,
        PlanFrequency::Quarterly => Frequency::Quarterly,
    }
}

/// The monthly equivalent of a payment: a quarterly one counts a third a month (rounded
/// up to the fen, so nothing fits by rounding).
fn monthly(payment: Money, frequency: Frequency) -> Money {
    let per = i64::from(frequency.months_per_period().max(1));
    Money::from_fen((payment.to_fen() + per - 1) / per)
}

/// Prices one product at one frequency and term, checking every limit.
pub fn price(
    need: &Need,
    product: &Product,
    frequency: Frequency,
    periods: u32,
    aff: &Affordability,
    limits: &Limits,
) -> Priced {
    let mut broken = Vec::new();
    if need.amount > aff.max_amount {
        broken.push(Limit::Amount {
            max: aff.max_amount,
        });
    }
    let term = months(frequency, periods);
    if term > aff.max_term_months {
        broken.push(Limit::Term {
            months: term,
            max_months: aff.max_term_months,
        });
    }
    let fee_based = product.method == adapters::platforms::PlanMethod::FeeBased;
    let Some(pricing) = product.pricing_for(&need.grade) else {
        broken.push(Limit::Rate {
            detail: format!("{} is not offered to grade {}.", product.name, need.grade),
        });
        return Err(broken);
    };
    // The price: the standard rate, moved into the product's range for the grade and the
    // policy's range for the grade (compared as a simple annual rate).
    let per_year = Decimal::from(frequency.periods_per_year());
    let to_annual = |r: Decimal| if fee_based { r * per_year } else { r };
    let from_annual = |r: Decimal| if fee_based { r / per_year } else { r };
    let low = to_annual(pricing.min_rate).max(aff.rate_min);
    let high = to_annual(pricing.max_rate).min(aff.rate_max);
    if low > high {
        broken.push(Limit::Rate {
            detail: format!(
                "{}'s rates for grade {} ({:.2} % to {:.2} % a year) are outside the grade's range in the risk policy ({:.2} % to {:.2} %).",
                product.name,
                need.grade,
                to_annual(pricing.min_rate) * Decimal::ONE_HUNDRED,
                to_annual(pricing.max_rate) * Decimal::ONE_HUNDRED,
                aff.rate_min * Decimal::ONE_HUNDRED,
                aff.rate_max * Decimal::ONE_HUNDRED
            ),
        });
        return Err(broken);
    }
    // A fee is kept to 6 decimals; rounded toward the inside of the range, so that its
    // annual equivalent never falls outside it.
    let target = to_annual(pricing.standard_rate).clamp(low, high);
    let rate = {
        let near = from_annual(target).round_dp(6);
        if to_annual(near) < low {
            from_annual(target).round_dp_with_strategy(6, RoundingStrategy::ToPositiveInfinity)
        } else if to_annual(near) > high {
            from_annual(target).round_dp_with_strategy(6, RoundingStrategy::ToNegativeInfinity)
        } else {
            near
        }
    };
    if to_annual(rate) < low || to_annual(rate) > high {
        broken.push(Limit::Rate {
            detail: format!(
                "No fee of {} to 6 decimals falls inside the grade's narrow range of rates.",
                product.name
            ),
        });
        return Err(broken);
    }
    let input = LoanTermsInput {
        principal: need.amount.amount(),
        annual_rate: if fee_based { Decimal::ZERO } else { rate },
        period_fee_rate: fee_based.then_some(rate),
        periods: i64::from(periods),
        frequency,
        method: repayment_method(product.method),
        start_date: need.start_date,
        payment_day: i64::from(need.payment_day),
    };
    let priced = match LoanTerms::new(input, limits).and_then(|t| quote(&t, limits)) {
        Ok(q) => q,
        Err(e) => {
            broken.push(Limit::Apr { detail: e.message });
            return Err(broken);
        }
    };
    let entries = priced.schedule.entries();
    let first = entries.first().map_or(Money::ZERO, |e| e.payment);
    let largest = entries
        .iter()
        .map(|e| e.payment)
        .max()
        .unwrap_or(Money::ZERO);
    let per_month = monthly(largest, frequency);
    if per_month > aff.max_installment {
        broken.push(Limit::Installment {
            payment: per_month,
            max: aff.max_installment,
        });
    }
    if !broken.is_empty() {
        return Err(broken);
    }
    Ok(PlanOption {
        product_code: product.code.clone(),
        product_name: product.name.clone(),
        frequency,
        periods,
        annual_rate: input.annual_rate,
        period_fee_rate: input.period_fee_rate,
        quote: priced,
        first_payment: first,
        largest_payment: largest,
        monthly_equivalent: per_month,
        recommended: false,
        reason: String::new(),
    })
}

/// Every candidate the products offer for this amount, wanted frequency first.
fn candidates(need: &Need, products: &[Product]) -> Vec<(usize, Frequency, u32)> {
    let mut out = Vec::new();
    for (i, p) in products.iter().enumerate() {
        if need.amount.to_fen() < p.min_amount_fen || need.amount.to_fen() > p.max_amount_fen {
            continue;
        }
        for f in &p.frequencies {
            for t in &p.terms {
                out.push((i, frequency_of(*f), *t));
            }
        }
    }
    let wanted = plan_frequency(need.frequency);
    out.sort_by_key(|(i, f, t)| (plan_frequency(*f) != wanted, *t, *i));
    out
}

/// The options for `need`: see the module's documentation.
pub fn generate(
    need: &Need,
    products: &[Product],
    aff: &Affordability,
    limits: &Limits,
    budget: Option<Money>,
) -> Options {
    let mut passing: Vec<PlanOption> = Vec::new();
    let mut wanted_breaks: Vec<Limit> = Vec::new();
    for (i, f, t) in candidates(need, products) {
        match price(need, &products[i], f, t, aff, limits) {
            Ok(o) => passing.push(o),
            Err(broken) => {
                if f == need.frequency && t == need.periods {
                    for b in broken {
                        if !wanted_breaks.contains(&b) {
                            wanted_breaks.push(b);
                        }
                    }
                }
            }
        }
    }
    if passing.is_empty() {
        return blocked(need, products, aff, limits, wanted_breaks);
    }
    let mut chosen: Vec<(PlanOption, &'static str)> = Vec::new();
    let take = |o: Option<&PlanOption>,
                why: &'static str,
                chosen: &mut Vec<(PlanOption, &'static str)>| {
        if let Some(o) = o {
            let same = |c: &PlanOption| {
                c.product_code == o.product_code
                    && c.frequency == o.frequency
                    && c.periods == o.periods
            };
            if !chosen.iter().any(|(c, _)| same(c)) && chosen.len() < 6 {
                chosen.push((o.clone(), why));
            }
        }
    };
    let cheapest_of = |it: &mut dyn Iterator<Item = &PlanOption>| -> Option<PlanOption> {
        it.min_by_key(|o| (o.cost(), o.periods)).cloned()
    };
    let wanted = cheapest_of(
        &mut passing
            .iter()
            .filter(|o| o.frequency == need.frequency && o.periods == need.periods),
    );
    take(wanted.as_ref(), "the term you asked for", &mut chosen);
    if let Some(budget) = budget {
        let within = cheapest_of(&mut passing.iter().filter(|o| o.monthly_equivalent <= budget));
        take(
            within.as_ref(),
            "the least interest and fees within your budget",
            &mut chosen,
        );
    }
    let fastest = passing
        .iter()
        .min_by_key(|o| (months(o.frequency, o.periods), o.cost()));
    take(fastest, "the shortest term that fits", &mut chosen);
    let lightest = passing
        .iter()
        .min_by_key(|o| (o.monthly_equivalent, o.cost()));
    take(lightest, "the lightest payment", &mut chosen);
    let cheapest = passing.iter().min_by_key(|o| (o.cost(), o.periods));
    take(cheapest, "the least interest and fees", &mut chosen);
    let mut rest: Vec<&PlanOption> = passing.iter().collect();
    rest.sort_by_key(|o| (o.periods.abs_diff(need.periods), o.cost()));
    for o in rest {
        if chosen.len() >= 4 {
            break;
        }
        take(Some(o), "another term to compare", &mut chosen);
    }
    let mut options: Vec<PlanOption> = chosen
        .into_iter()
        .map(|(mut o, why)| {
            o.reason = format!("Shown as {why}.");
            o
        })
        .collect();
    recommend(&mut options, need, budget);
    Options {
        options,
        blocked_by: Vec::new(),
        unblock: Vec::new(),
    }
}

/// Marks the recommended option: within the customer's budget (if they gave one), the
/// one with the least interest and fees; else the term they asked for; else the cheapest.
fn recommend(options: &mut [PlanOption], need: &Need, budget: Option<Money>) {
    let within: Vec<usize> = (0..options.len())
        .filter(|i| budget.is_none_or(|b| options[*i].monthly_equivalent <= b))
        .collect();
    let pick = if budget.is_some() && !within.is_empty() {
        within
            .iter()
            .copied()
            .min_by_key(|i| (options[*i].cost(), options[*i].periods))
    } else {
        options
            .iter()
            .position(|o| o.frequency == need.frequency && o.periods == need.periods)
            .or_else(|| (0..options.len()).min_by_key(|i| options[*i].cost()))
    };
    if let Some(i) = pick {
        let o = &mut options[i];
        o.recommended = true;
        o.reason = match budget {
            Some(b) if o.monthly_equivalent <= b => format!(
                "Recommended: it fits your budget of {b} yuan a month ({} yuan) with the least interest and fees ({} yuan) of the plans that do.",
                o.monthly_equivalent,
                o.cost()
            ),
            _ if o.frequency == need.frequency && o.periods == need.periods => format!(
                "Recommended: the term you asked for, at {} yuan a month and {} yuan of interest and fees.",
                o.monthly_equivalent,
                o.cost()
            ),
            _ => format!(
                "Recommended: the least interest and fees ({} yuan) of the plans that pass every limit.",
                o.cost()
            ),
        };
    }
}

/// Nothing passes: what blocks the wanted plan, and what would unblock it.
fn blocked(
    need: &Need,
    products: &[Product],
    aff: &Affordability,
    limits: &Limits,
    mut wanted_breaks: Vec<Limit>,
) -> Options {
    let mut unblock = Vec::new();
    if wanted_breaks.is_empty() {
        wanted_breaks.push(Limit::Rate {
            detail: format!(
                "No product of the selected platform offers {} installments {} for this amount.",
                need.periods,
                need.frequency.as_str().to_lowercase()
            ),
        });
    }
    // A smaller amount at the wanted term: payments scale with the principal, so the
    // affordable share of the amount, rounded down to 100 yuan, and checked.
    if let Some(Limit::Installment { payment, max }) = wanted_breaks
        .iter()
        .find(|l| matches!(l, Limit::Installment { .. }))
        .cloned()
        && payment.is_positive()
    {
        let share = need.amount.amount() * max.amount() / payment.amount();
        let hundreds = (share / Decimal::ONE_HUNDRED).floor() * Decimal::ONE_HUNDRED;
        let smaller =
            Money::try_from_yuan(hundreds.min(aff.max_amount.amount())).unwrap_or(Money::ZERO);
        if smaller.is_positive() {
            unblock.push(format!(
                "A smaller amount: {smaller} yuan over {} installments fits the affordable {max} yuan a month.",
                need.periods
            ));
        }
    }
    // A longer term: the shortest offered that passes for the same amount, ignoring only
    // the installment (so the customer sees what length would do it).
    let mut longer: Vec<(u32, Frequency)> = Vec::new();
    for p in products {
        for f in &p.frequencies {
            for t in &p.terms {
                let f = frequency_of(*f);
                if months(f, *t) > months(need.frequency, need.periods) {
                    longer.push((*t, f));
                }
            }
        }
    }
    longer.sort_by_key(|(t, f)| months(*f, *t));
    'search: for (t, f) in longer {
        for p in products {
            if let Ok(o) = price(need, p, f, t, aff, limits) {
                unblock.push(format!(
                    "A longer term: {t} installments {} bring the payment to {} yuan a month.",
                    f.as_str().to_lowercase(),
                    o.monthly_equivalent
                ));
                break 'search;
            }
        }
    }
    Options {
        options: Vec::new(),
        blocked_by: wanted_breaks,
        unblock,
    }
}

#[cfg(test)]
mod tests;
