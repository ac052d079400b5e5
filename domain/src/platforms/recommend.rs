//! Which platforms fit one application, best first, with the reasons in plain words and
//! each platform's disclosure (平台选择).
//!
//! A platform is eligible when one of its products offers the wanted frequency and term,
//! lends the amount, prices the customer's risk grade, and its quote — priced by our own
//! schedule engine, so every platform's APR is computed the same way — stays under the
//! legal cap; the amount and term must also be within what the risk assessment allows.
//! Eligible platforms are ranked by APR, with a preference for those that serve the
//! customer through a channel they chose (the first choice counts more) and against a
//! first payment above the customer's budget. A partner that cannot be reached is listed
//! as unavailable, never silently left out.

use adapters::platforms::{
    InstallmentPlatform, PlanFrequency, PlanMethod, PlatformError, PricingTerms, Product,
    QuoteRequest,
};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use entities::{customer_preference, disclosure_consent, installment_platform, risk_assessment};

use crate::applications::{ApplicationStatus, ApplicationView};
use crate::auth::{Caller, Permission};
use crate::customers::Channel;
use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::schedule::{Frequency, LoanQuote, LoanTerms, LoanTermsInput, RepaymentMethod, quote};
use crate::service::Domain;

use super::disclosure::{self, DisclosureView};
use super::registry::{parse_channels, parse_products};

/// One platform's answer for the application.
#[derive(Debug, Clone)]
pub struct PlatformQuote {
    /// 1 for the best; `None` when not eligible.
    pub rank: Option<u32>,
    /// The platform.
    pub platform_code: String,
    /// Its name.
    pub platform_name: String,
    /// Whether it can serve this application now.
    pub eligible: bool,
    /// The product quoted (the best one that fits).
    pub product_code: Option<String>,
    /// Its name.
    pub product_name: Option<String>,
    /// The price and its schedule, when quoted.
    pub price: Option<PricingTerms>,
    /// The schedule, totals and APR, when quoted.
    pub quote: Option<LoanQuote>,
    /// Why it ranks where it does, or why it is not eligible, in plain words.
    pub reasons: Vec<String>,
    /// What the platform discloses now.
    pub disclosure: DisclosureView,
    /// Whether this application's customer consented to that disclosure version.
    pub consented: bool,
}

/// The ranking for one application.
#[derive(Debug, Clone)]
pub struct Recommendation {
    /// The application.
    pub application_id: Uuid,
    /// The customer's risk grade it rests on.
    pub grade: String,
    /// Every active platform, eligible ones first, best first.
    pub platforms: Vec<PlatformQuote>,
}

pub(crate) fn plan_frequency(f: Frequency) -> PlanFrequency {
    match f {
        Frequency::Monthly => PlanFrequency::Monthly,
        Frequency::Quarterly => PlanFrequency::Quarterly,
    }
}

pub(crate) fn repayment_method(m: PlanMethod) -> RepaymentMethod {
    match m {
        PlanMethod::EqualInstallment => RepaymentMethod::EqualInstallment,
        PlanMethod::EqualPrincipal => RepaymentMethod::EqualPrincipal,
        PlanMethod::InterestFirst => RepaymentMethod::InterestFirst,
        PlanMethod::FeeBased => RepaymentMethod::FeeBased,
    }
}

fn pct(rate: Decimal) -> String {
    format!("{:.2} %", (rate * Decimal::ONE_HUNDRED).round_dp(2))
}

/// A ranked candidate: its score orders the eligible ones (lower is better), then what
/// the plan costs in all (two products at the same APR can differ: equal principal pays
/// less interest than equal installments).
struct Candidate {
    score: Decimal,
    cost: Money,
    answer: PlatformQuote,
}

impl Domain {
    /// Prices `price` for `application` with the schedule engine.
    pub(crate) fn price_application(
        &self,
        application: &ApplicationView,
        price: &PricingTerms,
    ) -> DomainResult<Result<LoanQuote, String>> {
        let limits = self.loan_limits()?;
        let start_date = self
            .now()
            .with_timezone(&self.settings().timezone)
            .date_naive();
        let input = LoanTermsInput {
            principal: application.amount.amount(),
            annual_rate: price.annual_rate,
            period_fee_rate: price.period_fee_rate,
            periods: i64::from(application.periods),
            frequency: application.frequency,
            method: repayment_method(price.method),
            start_date,
            payment_day: i64::from(application.payment_day),
        };
        Ok(LoanTerms::new(input, &limits)
            .and_then(|terms| quote(&terms, &limits))
            .map_err(|e| e.message))
    }

    /// Ranks every active platform for an application. The customer themself or staff
    /// who may select platforms for them.
    pub async fn recommend_platforms(
        &self,
        application_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<Recommendation> {
        caller.require(Permission::SelectPlatform)?;
        let application = self.application(application_id, false, caller).await?;
        if !matches!(
            application.status,
            ApplicationStatus::Assessed | ApplicationStatus::PlatformSelected
        ) {
            return Err(DomainError::Conflict(format!(
                "This application is {}; platforms are recommended once it is ASSESSED.",
                crate::applications::lifecycle::name(application.status)
            )));
        }
        let assessment_id = application.assessment_id.ok_or_else(|| {
            DomainError::Conflict("This application has no risk assessment yet.".into())
        })?;
        let assessment = risk_assessment::Entity::find_by_id(assessment_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("the linked assessment is missing".into()))?;
        let channels = customer_preference::Entity::find_by_id(application.customer_id)
            .one(self.db())
            .await?
            .map(|p| parse_channels(&p.channels))
            .unwrap_or_default();
        let rows = installment_platform::Entity::find()
            .filter(installment_platform::Column::Active.eq(true))
            .all(self.db())
            .await?;
        let disclosures = disclosure::current_of(self.db(), &rows).await?;
        let consents = disclosure_consent::Entity::find()
            .filter(disclosure_consent::Column::ApplicationId.eq(application_id))
            .all(self.db())
            .await?;

        let asks = rows.iter().map(|row| {
            let application = &application;
            let assessment = &assessment;
            async move {
                let products = parse_products(row)?;
                let platform = self.platform_of(row)?;
                Ok::<_, DomainError>(
                    self.best_offer(platform.as_ref(), &products, application, assessment)
                        .await,
                )
            }
        });
        let offers = futures::future::join_all(asks).await;

        let mut candidates = Vec::with_capacity(rows.len());
        for (row, offer) in rows.iter().zip(offers) {
            let offer = offer?;
            let disclosure = disclosures.get(&row.code).cloned().ok_or_else(|| {
                DomainError::Internal(format!("platform {} has no disclosure", row.code))
            })?;
            let consented = consents
                .iter()
                .any(|c| c.platform_code == row.code && c.version == disclosure.version);
            let served = parse_channels(&row.channels);
            candidates.push(rank_one(
                row,
                offer,
                &served,
                &channels,
                application.monthly_budget,
                disclosure,
                consented,
            ));
        }
        candidates.sort_by(|a, b| {
            b.answer
                .eligible
                .cmp(&a.answer.eligible)
                .then(a.score.cmp(&b.score))
                .then(a.cost.cmp(&b.cost))
                .then(a.answer.platform_code.cmp(&b.answer.platform_code))
        });
        let mut rank = 0;
        let platforms = candidates
            .into_iter()
            .map(|mut c| {
                if c.answer.eligible {
                    rank += 1;
                    c.answer.rank = Some(rank);
                    if rank == 1 {
                        c.answer
                            .reasons
                            .insert(0, "Best overall for this application.".into());
                    }
                }
                c.answer
            })
            .collect();
        Ok(Recommendation {
            application_id,
            grade: assessment.grade,
            platforms,
        })
    }

    /// The cheapest product of one platform that fits, priced; or the reasons none does.
    async fn best_offer(
        &self,
        platform: &dyn InstallmentPlatform,
        products: &[Product],
        application: &ApplicationView,
        assessment: &risk_assessment::Model,
    ) -> Offer {
        let mut reasons = Vec::new();
        let term_months = application.periods
            * match application.frequency {
                Frequency::Monthly => 1,
                Frequency::Quarterly => 3,
            };
        if application.amount.to_fen() > assessment.max_amount_fen {
            reasons.push(format!(
                "The amount is above the {} yuan your risk assessment allows.",
                Money::from_fen(assessment.max_amount_fen)
            ));
        }
        if i64::from(term_months) > i64::from(assessment.max_term_months) {
            reasons.push(format!(
                "The term of {term_months} months is longer than the {} months your grade allows.",
                assessment.max_term_months
            ));
        }
        if !reasons.is_empty() {
            return Offer::None(reasons);
        }
        let mut best: Option<(Product, PricingTerms, LoanQuote)> = None;
        for product in products {
            let request = QuoteRequest {
                product_code: product.code.clone(),
                grade: assessment.grade.clone(),
                amount_fen: application.amount.to_fen(),
                periods: application.periods,
                frequency: plan_frequency(application.frequency),
            };
            if let Some(why) = product.refusal(&request) {
                reasons.push(format!("{why}."));
                continue;
            }
            let price = match platform.quote(&request).await {
                Ok(price) => price,
                Err(PlatformError::Unavailable(e)) => {
                    tracing::warn!(platform = platform.code(), error = %e, "a platform could not quote");
                    return Offer::Unavailable;
                }
                Err(e) => {
                    reasons.push(format!("{} refused to quote: {e}.", product.name));
                    continue;
                }
            };
            match self.price_application(application, &price) {
                Ok(Ok(q)) => {
                    if best.as_ref().is_none_or(|(_, _, b)| q.apr < b.apr) {
                        best = Some((product.clone(), price, q));
                    }
                }
                Ok(Err(why)) => reasons.push(format!("{}: {why}.", product.name)),
                Err(e) => return Offer::Failed(e.to_string()),
            }
        }
        match best {
            Some((product, price, q)) => Offer::Quoted(Box::new((product, price, q))),
            None => Offer::None(reasons),
        }
    }
}

/// What one platform offered.
enum Offer {
    Quoted(Box<(Product, PricingTerms, LoanQuote)>),
    None(Vec<String>),
    Unavailable,
    Failed(String),
}

fn rank_one(
    row: &installment_platform::Model,
    offer: Offer,
    served: &[Channel],
    wanted: &[Channel],
    budget: Option<Money>,
    disclosure: DisclosureView,
    consented: bool,
) -> Candidate {
    let mut answer = PlatformQuote {
        rank: None,
        platform_code: row.code.clone(),
        platform_name: row.name.clone(),
        eligible: false,
        product_code: None,
        product_name: None,
        price: None,
        quote: None,
        reasons: Vec::new(),
        disclosure,
        consented,
    };
    let (product, price, q) = match offer {
        Offer::Quoted(b) => *b,
        Offer::None(reasons) => {
            answer.reasons = if reasons.is_empty() {
                vec!["No product of this platform fits this application.".into()]
            } else {
                reasons
            };
            return Candidate {
                score: Decimal::MAX,
                cost: Money::MAX,
                answer,
            };
        }
        Offer::Unavailable => {
            answer.reasons =
                vec!["This platform cannot be reached right now; try again later.".into()];
            return Candidate {
                score: Decimal::MAX,
                cost: Money::MAX,
                answer,
            };
        }
        Offer::Failed(e) => {
            answer.reasons = vec![format!("This platform could not be priced: {e}")];
            return Candidate {
                score: Decimal::MAX,
                cost: Money::MAX,
                answer,
            };
        }
    };
    // The score is the APR, less a point for serving the customer's first channel (half
    // a point for another chosen one), plus two points when the first payment is above
    // the budget: a customer pays for convenience only a little.
    let mut score = q.apr;
    answer.reasons.push(format!(
        "APR {} ({} {}).",
        pct(q.apr),
        product.name,
        if price.method == PlanMethod::FeeBased {
            format!(
                "fee {} a period",
                pct(price.period_fee_rate.unwrap_or_default())
            )
        } else {
            format!("at {} a year", pct(price.annual_rate))
        }
    ));
    match wanted.iter().position(|c| served.contains(c)) {
        Some(0) => {
            score -= Decimal::new(1, 2);
            answer.reasons.push(format!(
                "Serves you by {}, your first choice of channel.",
                wanted[0].as_str()
            ));
        }
        Some(i) => {
            score -= Decimal::new(5, 3);
            answer.reasons.push(format!(
                "Serves you by {}, one of your chosen channels.",
                wanted[i].as_str()
            ));
        }
        None if !wanted.is_empty() => answer
            .reasons
            .push("Does not serve you through a channel you chose.".into()),
        None => {}
    }
    let first = q.schedule.entries().first().map(|e| e.payment);
    if let (Some(budget), Some(first)) = (budget, first) {
        if first > budget {
            score += Decimal::new(2, 2);
            answer.reasons.push(format!(
                "The first payment of {first} yuan is above your budget of {budget} yuan."
            ));
        } else {
            answer.reasons.push(format!(
                "The first payment of {first} yuan fits your budget of {budget} yuan."
            ));
        }
    }
    let cost = q.total_interest + q.total_fees;
    answer.eligible = true;
    answer.product_code = Some(product.code.clone());
    answer.product_name = Some(product.name.clone());
    answer.price = Some(price);
    answer.quote = Some(q);
    Candidate {
        score,
        cost,
        answer,
    }
}
