//! Assessing a customer: gather the profile, financial status, preferences and a fresh
//! credit report; apply the active policy; keep the outcome with its reasons, the inputs
//! it saw and the policy version.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use entities::{customer_preference, financial_status, risk_assessment};

use crate::audit::AuditRecord;
use crate::auth::Caller;
use crate::auth::Permission;
use crate::clock::{from_millis, to_millis};
use crate::customers::access::{audit_unless_self_service, load_for};
use crate::customers::consent::{self, ConsentPurpose};
use crate::customers::profile::age_on;
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::rate::Rate;
use crate::risk::{self, CreditFacts, Decision, Grade, Reason, RequestedLoan, RiskInputs};
use crate::service::Domain;

use super::policies;

/// A loan the customer asks about, to assess against.
#[derive(Debug, Clone, Copy)]
pub struct LoanRequest {
    /// The amount in yuan.
    pub amount: Decimal,
    /// The term in months.
    pub term_months: u32,
}

/// An assessment as kept.
#[derive(Debug, Clone)]
pub struct AssessmentView {
    /// The assessment id.
    pub id: Uuid,
    /// The customer.
    pub customer_id: Uuid,
    /// The policy version that produced it.
    pub policy_version: i32,
    /// Score, 0–100.
    pub score: Decimal,
    /// Grade A (best) to E.
    pub grade: String,
    /// Existing monthly debt payments over monthly income.
    pub debt_to_income: Decimal,
    /// Income left each month after expenses and existing debts.
    pub disposable_income: Money,
    /// The largest installment the customer can carry.
    pub max_installment: Money,
    /// The largest amount the policy allows.
    pub max_amount: Money,
    /// The longest term the policy allows, in months.
    pub max_term_months: u32,
    /// The rate range of the grade.
    pub rate_min: Decimal,
    /// The rate range of the grade.
    pub rate_max: Decimal,
    /// `APPROVE`, `REFER` or `DECLINE`.
    pub decision: String,
    /// Every reason, in plain words.
    pub reasons: Vec<ReasonView>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// One reason.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReasonView {
    /// A stable code (`DTI_HIGH`, `ACTIVE_DELINQUENCY`…).
    pub code: String,
    /// `positive`, `negative`, `neutral` or `decisive`.
    pub effect: String,
    /// Points contributed to the score, for scoring factors.
    pub points: Option<Decimal>,
    /// The reason in words.
    pub message: String,
}

impl From<&Reason> for ReasonView {
    fn from(r: &Reason) -> Self {
        Self {
            code: r.code.to_string(),
            effect: format!("{:?}", r.effect).to_lowercase(),
            points: r.points,
            message: r.message.clone(),
        }
    }
}

fn decision_name(d: Decision) -> &'static str {
    match d {
        Decision::Approve => "APPROVE",
        Decision::Refer => "REFER",
        Decision::Decline => "DECLINE",
    }
}

fn grade_name(g: Grade) -> String {
    format!("{g:?}")
}

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

impl From<&risk_assessment::Model> for AssessmentView {
    fn from(m: &risk_assessment::Model) -> Self {
        Self {
            id: m.id,
            customer_id: m.customer_id,
            policy_version: m.policy_version,
            score: decimal(&m.score),
            grade: m.grade.clone(),
            debt_to_income: decimal(&m.debt_to_income),
            disposable_income: Money::from_fen(m.disposable_income_fen),
            max_installment: Money::from_fen(m.max_installment_fen),
            max_amount: Money::from_fen(m.max_amount_fen),
            max_term_months: m.max_term_months.max(0) as u32,
            rate_min: decimal(&m.rate_min),
            rate_max: decimal(&m.rate_max),
            decision: m.decision.clone(),
            reasons: serde_json::from_str(&m.reasons).unwrap_or_default(),
            created_at: from_millis(m.created_at),
        }
    }
}

impl Domain {
    /// Assesses the customer now under the active policy, optionally against a loan they
    /// ask about. Needs consent to sensitive processing and to credit inquiries, a birth
    /// date, an income and a financial status. Staff assessments are audited.
    pub async fn assess_risk(
        &self,
        customer_id: Uuid,
        request: Option<LoanRequest>,
        caller: &Caller,
    ) -> DomainResult<AssessmentView> {
        let customer = load_for(self.db(), caller, customer_id, Permission::AssessRisk).await?;
        consent::require(
            self.db(),
            customer.id,
            ConsentPurpose::SensitivePersonalInformation,
        )
        .await?;
        let birth = customer.birth_date.ok_or_else(|| {
            DomainError::validation(
                "birthDate",
                "Record the customer's birth date (or ID number) first.",
            )
        })?;
        let income = customer
            .monthly_income_fen
            .map(Money::from_fen)
            .ok_or_else(|| {
                DomainError::validation(
                    "monthlyIncome",
                    "Record the customer's monthly income first.",
                )
            })?;
        let finance = financial_status::Entity::find_by_id(customer.id)
            .one(self.db())
            .await?
            .ok_or_else(|| {
                DomainError::validation(
                    "financialStatus",
                    "Record the customer's financial status (assets, liabilities, expenses, debt payments) first.",
                )
            })?;
        let preference = customer_preference::Entity::find_by_id(customer.id)
            .one(self.db())
            .await?;
        let requested = request
            .map(|r| {
                let amount = Money::try_from_yuan(r.amount)
                    .ok()
                    .filter(|m| !m.is_negative() && !m.is_zero())
                    .ok_or_else(|| {
                        DomainError::validation(
                            "requested.amount",
                            "Give an amount above 0 with at most 2 decimals.",
                        )
                    })?;
                if !(1..=360).contains(&r.term_months) {
                    return Err(DomainError::validation(
                        "requested.termMonths",
                        "Choose a term of 1 to 360 months.",
                    ));
                }
                Ok(RequestedLoan {
                    amount,
                    term_months: r.term_months,
                })
            })
            .transpose()?;
        let report = self.fresh_credit_report(&customer, false, caller).await?;
        let inputs = RiskInputs {
            age: age_on(birth, self.today()),
            monthly_income: income,
            monthly_expenses: Money::from_fen(finance.monthly_expenses_fen),
            existing_monthly_debt_payments: Money::from_fen(finance.monthly_debt_payments_fen),
            assets: Money::from_fen(finance.assets_fen),
            liabilities: Money::from_fen(finance.liabilities_fen),
            occupation: customer.occupation.clone(),
            credit: Some(CreditFacts {
                score: report.score,
                open_accounts: report.open_accounts,
                delinquencies_24m: report.delinquencies_24m,
                recent_inquiries: report.recent_inquiries,
                active_delinquency: report.active_delinquency,
            }),
            requested,
            monthly_budget: preference
                .as_ref()
                .and_then(|p| p.max_monthly_budget_fen)
                .map(Money::from_fen),
        };
        let (version, policy) = policies::active(self.db()).await?;
        let outcome = risk::assess(&policy, &inputs);
        let reasons: Vec<ReasonView> = outcome.reasons.iter().map(ReasonView::from).collect();
        let snapshot = inputs_snapshot(&inputs, report.id);
        let (rate_min, rate_max): (Rate, Rate) = outcome.rate_range;

        let now = self.now();
        let txn = begin_write(self.db()).await?;
        // Re-check inside the transaction: consent may have been withdrawn, or the customer
        // anonymized, while the inputs were gathered.
        load_for(&txn, caller, customer.id, Permission::AssessRisk).await?;
        consent::require(
            &txn,
            customer.id,
            ConsentPurpose::SensitivePersonalInformation,
        )
        .await?;
        let saved = risk_assessment::ActiveModel {
            id: Set(Uuid::now_v7()),
            customer_id: Set(customer.id),
            policy_version: Set(version),
            score: Set(outcome.score.to_string()),
            grade: Set(grade_name(outcome.grade)),
            debt_to_income: Set(outcome.debt_to_income.to_string()),
            disposable_income_fen: Set(outcome.disposable_income.to_fen()),
            max_installment_fen: Set(outcome.max_installment.to_fen()),
            max_amount_fen: Set(outcome.max_amount.to_fen()),
            max_term_months: Set(outcome.max_term_months as i32),
            rate_min: Set(rate_min.to_string()),
            rate_max: Set(rate_max.to_string()),
            decision: Set(decision_name(outcome.decision).into()),
            reasons: Set(serde_json::to_string(&reasons)
                .map_err(|e| DomainError::Internal(e.to_string()))?),
            inputs: Set(snapshot.to_string()),
            credit_report_id: Set(Some(report.id)),
            created_by: Set(caller.actor.map(|a| a.account_id)),
            created_at: Set(to_millis(now)),
        }
        .insert(&txn)
        .await?;
        audit_unless_self_service(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "customer.risk_assessment",
                "customer",
                Some(customer.id.to_string()),
            )
            .after(json!({
                "assessmentId": saved.id,
                "policyVersion": version,
                "grade": saved.grade,
                "decision": saved.decision,
            })),
        )
        .await?;
        txn.commit().await?;
        Ok(AssessmentView::from(&saved))
    }

    /// The customer's assessments, newest first (at most `limit`).
    pub async fn assessments(
        &self,
        customer_id: Uuid,
        limit: u64,
        caller: &Caller,
    ) -> DomainResult<Vec<AssessmentView>> {
        let customer = load_for(
            self.db(),
            caller,
            customer_id,
            Permission::ReadRiskAssessments,
        )
        .await?;
        Ok(risk_assessment::Entity::find()
            .filter(risk_assessment::Column::CustomerId.eq(customer.id))
            .order_by_desc(risk_assessment::Column::CreatedAt)
            .order_by_desc(risk_assessment::Column::Id)
            .limit(limit.clamp(1, 100))
            .all(self.db())
            .await?
            .iter()
            .map(AssessmentView::from)
            .collect())
    }
}

fn inputs_snapshot(i: &RiskInputs, report_id: Uuid) -> Value {
    json!({
        "age": i.age,
        "monthlyIncome": i.monthly_income.to_string(),
        "monthlyExpenses": i.monthly_expenses.to_string(),
        "existingMonthlyDebtPayments": i.existing_monthly_debt_payments.to_string(),
        "assets": i.assets.to_string(),
        "liabilities": i.liabilities.to_string(),
        "occupation": i.occupation,
        "creditReportId": report_id,
        "credit": i.credit.as_ref().map(|c| json!({
            "score": c.score, "openAccounts": c.open_accounts,
            "delinquencies24m": c.delinquencies_24m, "recentInquiries": c.recent_inquiries,
            "activeDelinquency": c.active_delinquency,
        })),
        "requested": i.requested.as_ref().map(|r| json!({ "amount": r.amount.to_string(), "termMonths": r.term_months })),
        "monthlyBudget": i.monthly_budget.map(|m| m.to_string()),
    })
}
