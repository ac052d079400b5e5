//! Checking one proposal's terms (方案讨论): repriced by the schedule engine at once, and
//! every limit it breaks named. Two kinds of limits:
//!
//! * **hard** — the platform does not offer it (the frequency, term or amount; a rate
//!   outside the product's range for the grade) or its APR is above the legal cap: the
//!   proposal is refused;
//! * **automatic** — the risk policy's limits (the amount and term the assessment allows,
//!   the grade's rate range, the affordable installment, which holds the debt-to-income
//!   cap): a proposal outside them may stand, but only with a risk officer's approval.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use adapters::platforms::{PlanMethod, Product};

use crate::money::Money;
use crate::platforms::{plan_frequency, repayment_method};
use crate::schedule::{Frequency, Limits, LoanQuote, LoanTerms, LoanTermsInput, quote};

use super::options::{Affordability, Limit};

/// Proposed terms.
#[derive(Debug, Clone)]
pub struct ProposedTerms {
    /// The amount.
    pub amount: Money,
    /// Installments.
    pub periods: u32,
    /// How often.
    pub frequency: Frequency,
    /// The day of the month payments fall due (1–28).
    pub payment_day: u32,
    /// The rate: the annual interest rate, or the fee per period for a fee-based product;
    /// the product's standard rate for the grade when not given.
    pub rate: Option<Decimal>,
}

/// Terms that the platform offers, priced, with the automatic limits they break.
#[derive(Debug, Clone)]
pub struct CheckedTerms {
    /// The rate used.
    pub rate: Decimal,
    /// The schedule, totals and APR.
    pub quote: LoanQuote,
    /// The first payment.
    pub first_payment: Money,
    /// The largest payment.
    pub largest_payment: Money,
    /// The automatic limits broken: non-empty means a risk officer must approve.
    pub needs_approval: Vec<Limit>,
}

/// Why terms cannot stand at all, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub Vec<String>);

/// Checks `terms` on `product` for a customer of `grade`.
pub fn check(
    terms: &ProposedTerms,
    product: &Product,
    grade: &str,
    start_date: NaiveDate,
    aff: &Affordability,
    limits: &Limits,
) -> Result<CheckedTerms, Refused> {
    let mut hard = Vec::new();
    if !product
        .frequencies
        .contains(&plan_frequency(terms.frequency))
    {
        hard.push(format!(
            "{} is not offered {}.",
            product.name,
            terms.frequency.as_str().to_lowercase()
        ));
    }
    if !product.terms.contains(&terms.periods) {
        hard.push(format!(
            "{} offers {} installments, not {}.",
            product.name,
            product
                .terms
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            terms.periods
        ));
    }
    let fen = terms.amount.to_fen();
    if fen < product.min_amount_fen || fen > product.max_amount_fen {
        hard.push(format!(
            "{} lends {} to {} yuan.",
            product.name,
            Money::from_fen(product.min_amount_fen),
            Money::from_fen(product.max_amount_fen)
        ));
    }
    let Some(pricing) = product.pricing_for(grade) else {
        hard.push(format!("{} is not offered to grade {grade}.", product.name));
        return Err(Refused(hard));
    };
    let rate = terms.rate.unwrap_or(pricing.standard_rate);
    if rate < pricing.min_rate || rate > pricing.max_rate {
        hard.push(format!(
            "The platform prices grade {grade} from {} to {}; {rate} is outside that.",
            pricing.min_rate.normalize(),
            pricing.max_rate.normalize()
        ));
    }
    if !hard.is_empty() {
        return Err(Refused(hard));
    }
    let fee_based = product.method == PlanMethod::FeeBased;
    let input = LoanTermsInput {
        principal: terms.amount.amount(),
        annual_rate: if fee_based { Decimal::ZERO } else { rate },
        period_fee_rate: fee_based.then_some(rate),
        periods: i64::from(terms.periods),
        frequency: terms.frequency,
        method: repayment_method(product.method),
        start_date,
        payment_day: i64::from(terms.payment_day),
    };
    let priced = LoanTerms::new(input, limits)
        .and_then(|t| quote(&t, limits))
        .map_err(|e| Refused(vec![e.message]))?;
    let entries = priced.schedule.entries();
    let first = entries.first().map_or(Money::ZERO, |e| e.payment);
    let largest = entries
        .iter()
        .map(|e| e.payment)
        .max()
        .unwrap_or(Money::ZERO);
    let per = i64::from(terms.frequency.months_per_period().max(1));
    let monthly = Money::from_fen((largest.to_fen() + per - 1) / per);

    let mut approval = Vec::new();
    if terms.amount > aff.max_amount {
        approval.push(Limit::Amount {
            max: aff.max_amount,
        });
    }
    let months = terms
        .periods
        .saturating_mul(terms.frequency.months_per_period());
    if months > aff.max_term_months {
        approval.push(Limit::Term {
            months,
            max_months: aff.max_term_months,
        });
    }
    let annual = if fee_based {
        rate * Decimal::from(terms.frequency.periods_per_year())
    } else {
        rate
    };
    if annual < aff.rate_min || annual > aff.rate_max {
        approval.push(Limit::Rate {
            detail: format!(
                "A rate of {:.2} % a year is outside the grade's range of {:.2} % to {:.2} %.",
                annual * Decimal::ONE_HUNDRED,
                aff.rate_min * Decimal::ONE_HUNDRED,
                aff.rate_max * Decimal::ONE_HUNDRED
            ),
        });
    }
    if monthly > aff.max_installment {
        approval.push(Limit::Installment {
            payment: monthly,
            max: aff.max_installment,
        });
    }
    Ok(CheckedTerms {
        rate,
        quote: priced,
        first_payment: first,
        largest_payment: largest,
        needs_approval: approval,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::defaults::internal_products;

    fn aff() -> Affordability {
        Affordability {
            max_installment: Money::from_fen(200_000),
            max_amount: Money::from_fen(3_000_000),
            max_term_months: 24,
            rate_min: Decimal::new(8, 2),
            rate_max: Decimal::new(13, 2),
        }
    }

    fn terms(amount_yuan: i64, periods: u32, rate: Option<Decimal>) -> ProposedTerms {
        ProposedTerms {
            amount: Money::from_fen(amount_yuan * 100),
            periods,
            frequency: Frequency::Monthly,
            payment_day: 10,
            rate,
        }
    }

    fn run(t: &ProposedTerms) -> Result<CheckedTerms, Refused> {
        let product = &internal_products()[0];
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        check(t, product, "B", day, &aff(), &Limits::default())
    }

    #[test]
    fn terms_within_every_limit_need_no_approval() {
        let ok = run(&terms(12_000, 12, None)).expect("offered");
        assert!(ok.needs_approval.is_empty(), "{:?}", ok.needs_approval);
        assert_eq!(ok.rate, Decimal::new(95, 3));
    }

    #[test]
    fn each_automatic_limit_is_named() {
        let over = run(&terms(40_000, 36, Some(Decimal::new(8, 2)))).expect("offered");
        let codes: Vec<&str> = over.needs_approval.iter().map(Limit::code).collect();
        assert_eq!(codes, ["AMOUNT", "TERM"], "{:?}", over.needs_approval);
        // Grade B's product floor is 8 %; the policy's floor here is 8 % too: 8 % passes.
        let heavy = run(&terms(30_000, 6, None)).expect("offered");
        assert_eq!(heavy.needs_approval[0].code(), "AFFORDABILITY");
    }

    #[test]
    fn what_the_platform_does_not_offer_is_refused() {
        let refused = run(&terms(12_000, 7, Some(Decimal::new(5, 2)))).expect_err("refused");
        assert_eq!(refused.0.len(), 2, "{refused:?}");
        assert!(refused.0[0].contains("not 7"), "{refused:?}");
        assert!(refused.0[1].contains("outside"), "{refused:?}");
    }
}
