//! The use cases behind `applicationOptions` and `whatIf`: an application's need, its
//! risk assessment and its selected platform's products, handed to the pure options
//! engine. Nothing is stored: options are recomputed from the current assessment and
//! catalogue each time they are asked for.

use std::str::FromStr;

use rust_decimal::Decimal;
use sea_orm::EntityTrait;
use uuid::Uuid;

use entities::{installment_platform, risk_assessment};

use crate::applications::{ApplicationStatus, ApplicationView, lifecycle};
use crate::auth::{Caller, Permission};
use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::platforms::registry::parse_products;
use crate::schedule::Frequency;
use crate::service::Domain;

use super::options::{self, Affordability, Limit, Need, Options, PlanOption};

/// The options for one application.
#[derive(Debug, Clone)]
pub struct ApplicationOptions {
    /// The application.
    pub application_id: Uuid,
    /// The platform whose products were priced.
    pub platform_code: String,
    /// The customer's grade.
    pub grade: String,
    /// The affordable installment a month the options were held to.
    pub max_installment: Money,
    /// The engine's answer.
    pub options: Options,
}

/// A "what if" question: a budget or a term.
#[derive(Debug, Clone, Copy)]
pub enum WhatIfQuestion {
    /// The shortest term whose payments fit this much a month.
    Budget(Money),
    /// The payments of this many installments.
    Periods(u32),
}

/// The answer: the plan found (if any) and what it means, in words.
#[derive(Debug, Clone)]
pub struct WhatIfAnswer {
    /// The plan, when one answers the question.
    pub plan: Option<PlanOption>,
    /// The limits it breaks (for a term), empty when none.
    pub breaks: Vec<Limit>,
    /// The answer in words.
    pub explanation: String,
}

impl Domain {
    /// Reads what the engine needs: the application (the caller's own, or any for staff),
    /// its assessment as affordability, and the selected platform's products.
    pub(super) async fn plan_inputs(
        &self,
        application_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<(
        ApplicationView,
        Need,
        Affordability,
        Vec<adapters::platforms::Product>,
    )> {
        caller.require(Permission::PlanOptions)?;
        let app = self.application(application_id, false, caller).await?;
        if !matches!(
            app.status,
            ApplicationStatus::PlatformSelected | ApplicationStatus::Negotiating
        ) {
            return Err(DomainError::Conflict(format!(
                "This application is {}; plans are worked out once a platform is selected.",
                lifecycle::name(app.status)
            )));
        }
        let (Some(assessment_id), Some(platform_code)) =
            (app.assessment_id, app.platform_code.clone())
        else {
            return Err(DomainError::Conflict(
                "This application has no assessment or platform yet.".into(),
            ));
        };
        let assessment = risk_assessment::Entity::find_by_id(assessment_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("the linked assessment is missing".into()))?;
        let platform = installment_platform::Entity::find_by_id(platform_code.clone())
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("the selected platform is missing".into()))?;
        let mut products = parse_products(&platform)?;
        // The product selected first, then the platform's others.
        if let Some(selected) = &app.product_code {
            products.sort_by_key(|p| &p.code != selected);
        }
        let rate = |s: &str| {
            Decimal::from_str(s)
                .map_err(|e| DomainError::Internal(format!("assessment rate {s}: {e}")))
        };
        let affordability = Affordability {
            max_installment: Money::from_fen(assessment.max_installment_fen),
            max_amount: Money::from_fen(assessment.max_amount_fen),
            max_term_months: u32::try_from(assessment.max_term_months).unwrap_or(0),
            rate_min: rate(&assessment.rate_min)?,
            rate_max: rate(&assessment.rate_max)?,
        };
        let need = Need {
            amount: app.amount,
            periods: app.periods,
            frequency: app.frequency,
            payment_day: app.payment_day,
            start_date: self
                .now()
                .with_timezone(&self.settings().timezone)
                .date_naive(),
            grade: assessment.grade.clone(),
        };
        Ok((app, need, affordability, products))
    }

    /// The 3–6 plans that fit an application on its selected platform, one recommended;
    /// or, when none fits, what blocks it and what would unblock it.
    pub async fn application_options(
        &self,
        application_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<ApplicationOptions> {
        let (app, need, aff, products) = self.plan_inputs(application_id, caller).await?;
        let limits = self.loan_limits()?;
        let answer = options::generate(&need, &products, &aff, &limits, app.monthly_budget);
        Ok(ApplicationOptions {
            application_id,
            platform_code: app.platform_code.unwrap_or_default(),
            grade: need.grade,
            max_installment: aff.max_installment,
            options: answer,
        })
    }

    /// "What if": the shortest term that fits a budget, or the payments of a term, on the
    /// selected platform's products, from the schedule engine; nothing is stored.
    pub async fn what_if(
        &self,
        application_id: Uuid,
        question: WhatIfQuestion,
        caller: &Caller,
    ) -> DomainResult<WhatIfAnswer> {
        let (_, need, aff, products) = self.plan_inputs(application_id, caller).await?;
        let limits = self.loan_limits()?;
        match question {
            WhatIfQuestion::Budget(budget) => {
                if !budget.is_positive() {
                    return Err(DomainError::validation(
                        "budget",
                        "Give a budget above 0 yuan.",
                    ));
                }
                let aff = Affordability {
                    max_installment: aff.max_installment.min(budget),
                    ..aff
                };
                let mut terms: Vec<(u32, Frequency, usize)> = Vec::new();
                for (i, p) in products.iter().enumerate() {
                    for f in &p.frequencies {
                        for t in &p.terms {
                            let f = match f {
                                adapters::platforms::PlanFrequency::Monthly => Frequency::Monthly,
                                adapters::platforms::PlanFrequency::Quarterly => {
                                    Frequency::Quarterly
                                }
                            };
                            terms.push((*t, f, i));
                        }
                    }
                }
                terms
                    .sort_by_key(|(t, f, i)| (t * f.months_per_period(), *f != need.frequency, *i));
                for (t, f, i) in terms {
                    if let Ok(plan) = options::price(&need, &products[i], f, t, &aff, &limits) {
                        let explanation = format!(
                            "{t} installments {} fit {budget} yuan a month: {} yuan a month at most, APR {:.2} %.",
                            f.as_str().to_lowercase(),
                            plan.monthly_equivalent,
                            plan.quote.apr * Decimal::ONE_HUNDRED
                        );
                        return Ok(WhatIfAnswer {
                            plan: Some(plan),
                            breaks: Vec::new(),
                            explanation,
                        });
                    }
                }
                Ok(WhatIfAnswer {
                    plan: None,
                    breaks: Vec::new(),
                    explanation: format!(
                        "No term the platform offers brings the payments of {} yuan within {budget} yuan a month and every other limit; a smaller amount would.",
                        need.amount
                    ),
                })
            }
            WhatIfQuestion::Periods(periods) => {
                if periods == 0 || periods > 360 {
                    return Err(DomainError::validation(
                        "periods",
                        "Give 1 to 360 installments.",
                    ));
                }
                let mut last_breaks = Vec::new();
                for p in &products {
                    let offered = p.terms.contains(&periods)
                        && p.frequencies
                            .contains(&crate::platforms::plan_frequency(need.frequency));
                    if !offered {
                        continue;
                    }
                    match options::price(&need, p, need.frequency, periods, &aff, &limits) {
                        Ok(plan) => {
                            let explanation = format!(
                                "{periods} installments: {} yuan first, {} yuan at most, APR {:.2} %.",
                                plan.first_payment,
                                plan.largest_payment,
                                plan.quote.apr * Decimal::ONE_HUNDRED
                            );
                            return Ok(WhatIfAnswer {
                                plan: Some(plan),
                                breaks: Vec::new(),
                                explanation,
                            });
                        }
                        Err(breaks) => last_breaks = breaks,
                    }
                }
                let explanation = if last_breaks.is_empty() {
                    format!(
                        "The platform does not offer {periods} installments {} for this amount.",
                        need.frequency.as_str().to_lowercase()
                    )
                } else {
                    last_breaks
                        .iter()
                        .map(Limit::describe)
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                Ok(WhatIfAnswer {
                    plan: None,
                    breaks: last_breaks,
                    explanation,
                })
            }
        }
    }
}
