//! Opening an application: the customer's need, checked, with the risk assessment it
//! rests on.
//!
//! The latest assessment of the customer is linked when it is recent enough
//! (`DomainSettings::assessment_max_age`, 30 days by default); otherwise the customer is
//! assessed anew for this need. An `APPROVE` or `REFER` makes the application `ASSESSED`
//! (a referral is decided by a risk officer later), a `DECLINE` makes it `DECLINED`. When
//! no assessment can be made yet (a missing consent, income or financial status; the
//! bureau unavailable), the application stays a `DRAFT` and its history says why, so the
//! agent knows what to collect.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use uuid::Uuid;

use entities::{installment_application, risk_assessment};

use crate::assessment::LoanRequest;
use crate::audit::{AuditRecord, chain};
use crate::auth::{Caller, Permission, Role};
use crate::clock::{from_millis, to_millis};
use crate::customers::access::load_for;
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::schedule::Frequency;
use crate::service::Domain;

use super::lifecycle::{ApplicationStatus, Step, name};
use super::{ApplicationView, steps};

/// The largest amount an application may ask for, in yuan.
const MAX_AMOUNT_YUAN: i64 = 10_000_000;
/// The longest term, in installments.
const MAX_PERIODS: u32 = 360;

/// A need, as the customer or their agent states it.
#[derive(Debug, Clone)]
pub struct NewApplication {
    /// Whose: required from staff; a customer opens for themself only.
    pub customer_id: Option<Uuid>,
    /// The amount wanted, in yuan.
    pub amount: Decimal,
    /// What it is for.
    pub purpose: String,
    /// Installments wanted.
    pub periods: u32,
    /// How often.
    pub frequency: Frequency,
    /// The most the customer wants to pay a month.
    pub monthly_budget: Option<Decimal>,
    /// The day of the month payments should fall due (1–28).
    pub payment_day: u32,
}

/// The need, parsed: after this, every value can be trusted.
struct Need {
    amount: Money,
    purpose: String,
    periods: u32,
    frequency: Frequency,
    monthly_budget: Option<Money>,
    payment_day: u32,
}

fn positive_money(value: Decimal, field: &str, max_yuan: i64) -> DomainResult<Money> {
    let money = Money::try_from_yuan(value).map_err(|_| {
        DomainError::validation(field, "Give the amount in yuan with at most 2 decimals.")
    })?;
    if !money.is_positive() || money.amount() > Decimal::from(max_yuan) {
        return Err(DomainError::validation(
            field,
            format!("The amount must be more than 0 and at most {max_yuan} yuan."),
        ));
    }
    Ok(money)
}

impl NewApplication {
    fn parse(&self) -> DomainResult<Need> {
        let purpose = self.purpose.trim();
        let chars = purpose.chars().count();
        if !(2..=200).contains(&chars) {
            return Err(DomainError::validation(
                "purpose",
                "Say what the money is for, in 2 to 200 characters.",
            ));
        }
        if !(1..=MAX_PERIODS).contains(&self.periods) {
            return Err(DomainError::validation(
                "periods",
                format!("The number of installments must be 1 to {MAX_PERIODS}."),
            ));
        }
        if !(1..=28).contains(&self.payment_day) {
            return Err(DomainError::validation(
                "paymentDay",
                "The payment day must be 1 to 28, so that it exists in every month.",
            ));
        }
        Ok(Need {
            amount: positive_money(self.amount, "amount", MAX_AMOUNT_YUAN)?,
            purpose: purpose.to_owned(),
            periods: self.periods,
            frequency: self.frequency,
            monthly_budget: self
                .monthly_budget
                .map(|b| positive_money(b, "monthlyBudget", MAX_AMOUNT_YUAN))
                .transpose()?,
            payment_day: self.payment_day,
        })
    }
}

/// What opening found about the customer's risk.
struct Assessed {
    id: Option<Uuid>,
    step: Option<Step>,
    reason: String,
}

impl Domain {
    /// Opens an application: by a customer for themself, or by an agent for a customer.
    /// Audited; its history starts with the opening and the assessment step.
    pub async fn open_application(
        &self,
        input: NewApplication,
        caller: &Caller,
    ) -> DomainResult<ApplicationView> {
        caller.require(Permission::OpenApplication)?;
        let need = input.parse()?;
        let customer_id = match (caller.actor, input.customer_id) {
            (Some(actor), _) if actor.role == Role::Customer => self
                .read_my_customer(caller)
                .await?
                .map(|c| c.view.id)
                .ok_or_else(|| {
                    DomainError::validation(
                        "customerId",
                        "Create your customer profile first (createCustomer).",
                    )
                })?,
            (_, Some(id)) => id,
            (_, None) => {
                return Err(DomainError::validation(
                    "customerId",
                    "Name the customer this application is for.",
                ));
            }
        };
        // Access to the customer (a customer's own record only).
        load_for(self.db(), caller, customer_id, Permission::OpenApplication).await?;
        let assessed = self.assessment_for(customer_id, &need, caller).await?;

        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let id = Uuid::now_v7();
        let mut status = ApplicationStatus::Draft;
        let mut model = installment_application::ActiveModel {
            id: Set(id),
            customer_id: Set(customer_id),
            opened_by: Set(caller.actor.map(|a| a.account_id)),
            amount_fen: Set(need.amount.to_fen()),
            purpose: Set(need.purpose.clone()),
            periods: Set(need.periods as i32),
            frequency: Set(need.frequency.stored().into()),
            monthly_budget_fen: Set(need.monthly_budget.map(Money::to_fen)),
            payment_day: Set(need.payment_day as i32),
            status: Set(status),
            assessment_id: Set(None),
            platform_code: Set(None),
            product_code: Set(None),
            disclosure_version: Set(None),
            opening_error: Set(None),
            created_at: Set(to_millis(now)),
            updated_at: Set(to_millis(now)),
        }
        .insert(&txn)
        .await?;
        let opening = match assessed.step {
            Some(_) => "opened".to_owned(),
            None => format!("opened; {}", assessed.reason),
        };
        steps::record(&txn, id, None, status, caller, &opening, now).await?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new("application.open", "application", Some(id.to_string())).after(
                json!({
                    "customerId": customer_id,
                    "amount": need.amount.to_string(),
                    "periods": need.periods,
                    "frequency": need.frequency.stored(),
                    "status": name(status),
                }),
            ),
        )
        .await?;
        // Without an assessment it stays a draft; the opening record says what is missing.
        if let Some(step) = assessed.step {
            status = steps::take(&txn, &model, step, caller, &assessed.reason, now, |u| {
                u.col_expr(
                    installment_application::Column::AssessmentId,
                    sea_orm::sea_query::Expr::value(assessed.id),
                )
            })
            .await?;
            model.status = status;
            model.assessment_id = assessed.id;
        }
        txn.commit().await?;
        ApplicationView::try_from(&model)
    }

    /// The assessment to link: the latest if recent enough, else a new one for this need;
    /// none (with the reason) when the customer cannot be assessed yet.
    async fn assessment_for(
        &self,
        customer_id: Uuid,
        need: &Need,
        caller: &Caller,
    ) -> DomainResult<Assessed> {
        let now = self.now();
        let latest = risk_assessment::Entity::find()
            .filter(risk_assessment::Column::CustomerId.eq(customer_id))
            .order_by_desc(risk_assessment::Column::CreatedAt)
            .one(self.db())
            .await?;
        let fresh =
            |created_at: i64| from_millis(created_at) + self.settings().assessment_max_age > now;
        let term_months = need.periods * need.frequency.months_per_period();
        // A recent assessment is reused only for a need within its limits: its decision
        // may depend on the loan it was made for.
        let covers = |a: &risk_assessment::Model| {
            need.amount.to_fen() <= a.max_amount_fen
                && i64::from(term_months) <= i64::from(a.max_term_months)
        };
        let (id, decision, when): (Uuid, String, DateTime<Utc>) = match latest {
            Some(a) if fresh(a.created_at) && covers(&a) => {
                (a.id, a.decision, from_millis(a.created_at))
            }
            _ => {
                let request = LoanRequest {
                    amount: need.amount.amount(),
                    term_months,
                };
                match self.assess_risk(customer_id, Some(request), caller).await {
                    Ok(a) => (a.id, a.decision, a.created_at),
                    Err(
                        e @ (DomainError::Validation { .. }
                        | DomainError::ConsentRequired { .. }
                        | DomainError::Unavailable(_)
                        | DomainError::Forbidden(_)),
                    ) => {
                        return Ok(Assessed {
                            id: None,
                            step: None,
                            reason: format!("not assessed yet: {e}"),
                        });
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        let step = if decision == "DECLINE" {
            Step::Decline
        } else {
            Step::Assess
        };
        Ok(Assessed {
            id: Some(id),
            step: Some(step),
            reason: format!("risk assessment of {}: {decision}", when.format("%Y-%m-%d")),
        })
    }
}
