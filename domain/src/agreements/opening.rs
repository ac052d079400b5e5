//! Opening the plan once the agreement is signed (备案 → 放款): the plan goes to the
//! chosen platform through its adapter (`open_plan`, with the application as its
//! idempotency key, so a retry never opens a second plan), and the plan and its schedule
//! entries are stored from the signed document's schedule; the application becomes
//! `ACTIVE`. A platform that refuses or cannot be reached leaves the application
//! `SIGNED` with the reason, and the `open_plans` job tries again; one plan per
//! application (unique), whatever retries and concurrent workers do.

use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use adapters::platforms::{OpenPlanRequest, PlanMethod, PricingTerms};
use entities::{
    agreement, installment_application, installment_plan, installment_platform, plan_entry,
    proposal,
};

use crate::applications::{ApplicationStatus, Step, lifecycle, steps};
use crate::auth::Caller;
use crate::clock::to_millis;
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::jobs::ledger::{self, RunOutcome};
use crate::money::Money;
use crate::notices::outbox::{self, Notice};
use crate::notices::{Message, ScheduleRow};
use crate::platforms::plan_frequency;
use crate::platforms::registry::parse_products;
use crate::repayment::engine::{Bucket, LoanSpec, PlanTerms};
use crate::schedule::Frequency;
use crate::service::Domain;

use super::render::Facts;

/// The ledger kind of the retry job.
pub const OPEN_PLANS: &str = "open_plans";

/// What an opening came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opening {
    /// The plan is open now.
    Opened(Uuid),
    /// It was open already.
    AlreadyOpen(Uuid),
    /// The platform did not open it; the reason is kept and a retry will try again.
    Waiting(String),
}

fn fen(text: &str) -> DomainResult<i64> {
    text.parse::<Decimal>()
        .ok()
        .and_then(|d| Money::try_from_yuan(d).ok())
        .map(Money::to_fen)
        .ok_or_else(|| DomainError::Internal(format!("a schedule amount '{text}'")))
}

impl Domain {
    async fn plan_of(&self, application_id: Uuid) -> DomainResult<Option<installment_plan::Model>> {
        Ok(installment_plan::Entity::find()
            .filter(installment_plan::Column::ApplicationId.eq(application_id))
            .one(self.db())
            .await?)
    }

    /// Opens the plan of a `SIGNED` application, once.
    pub async fn open_signed_plan(
        &self,
        application_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<Opening> {
        let app = installment_application::Entity::find_by_id(application_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("No application has this id.".into()))?;
        if app.status == ApplicationStatus::Active
            && let Some(plan) = self.plan_of(application_id).await?
        {
            return Ok(Opening::AlreadyOpen(plan.id));
        }
        if app.status != ApplicationStatus::Signed {
            return Err(DomainError::Conflict(format!(
                "This application is {}; a plan opens once it is SIGNED.",
                lifecycle::name(app.status)
            )));
        }
        let signed = agreement::Entity::find()
            .filter(agreement::Column::ApplicationId.eq(application_id))
            .one(self.db())
            .await?
            .ok_or_else(|| {
                DomainError::Internal("a signed application without an agreement".into())
            })?;
        let facts: Facts = serde_json::from_str(&signed.facts)
            .map_err(|e| DomainError::Internal(format!("agreement facts: {e}")))?;
        let terms = proposal::Entity::find_by_id(signed.proposal_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("the agreed proposal is missing".into()))?;
        let platform_code = app.platform_code.clone().unwrap_or_default();
        let platform_row = installment_platform::Entity::find_by_id(platform_code.clone())
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::Internal("the selected platform is missing".into()))?;
        let product = parse_products(&platform_row)?
            .into_iter()
            .find(|p| p.code == terms.product_code)
            .ok_or_else(|| DomainError::Internal("the agreed product is gone".into()))?;
        let rate: Decimal = terms
            .rate
            .parse()
            .map_err(|e| DomainError::Internal(format!("proposal rate: {e}")))?;
        let fee_based = product.method == PlanMethod::FeeBased;
        let frequency = Frequency::from_stored(&terms.frequency).map_err(DomainError::Internal)?;
        let start_date = chrono::NaiveDate::parse_from_str(&facts.issued_on, "%Y-%m-%d")
            .map_err(|e| DomainError::Internal(format!("agreement date: {e}")))?;
        let request = OpenPlanRequest {
            idempotency_key: format!("plan:{application_id}"),
            application_id,
            customer_id: app.customer_id,
            product_code: product.code.clone(),
            amount_fen: terms.amount_fen,
            periods: u32::try_from(terms.periods).unwrap_or(0),
            frequency: plan_frequency(frequency),
            pricing: PricingTerms {
                product_code: product.code.clone(),
                method: product.method,
                annual_rate: if fee_based { Decimal::ZERO } else { rate },
                period_fee_rate: fee_based.then_some(rate),
            },
            payment_day: u32::try_from(terms.payment_day).unwrap_or(1),
            start_date,
        };
        // The plan keeps its product's late-charge terms: repayment reads them, not the
        // catalogue, which may change after signing.
        let plan_terms = PlanTerms {
            grace_days: product.late_charge.grace_days,
            late_daily_rate: product.late_charge.daily_rate,
            annual_rate: if fee_based { Decimal::ZERO } else { rate },
            prepayment_allowed: product.prepayment.allowed,
            prepayment_min_periods_paid: product.prepayment.min_periods_paid,
            prepayment_fee_rate: product.prepayment.fee_rate,
            start_date: Some(start_date),
            loan: Some(LoanSpec {
                principal_fen: terms.amount_fen,
                annual_rate: if fee_based { Decimal::ZERO } else { rate },
                period_fee_rate: fee_based.then_some(rate),
                periods: u32::try_from(terms.periods).unwrap_or(0),
                frequency,
                method: crate::platforms::recommend::repayment_method(product.method),
                start_date,
                payment_day: u32::try_from(terms.payment_day).unwrap_or(1),
            }),
        };
        let plan_terms_json = serde_json::to_string(&plan_terms)
            .map_err(|e| DomainError::Internal(format!("plan terms: {e}")))?;
        let existing = self.plan_of(application_id).await?;
        let status = match existing {
            // Opened before a crash stopped the activation: only activate.
            Some(_) => None,
            None => match self.platform_of(&platform_row)?.open_plan(&request).await {
                Ok(status) => Some(status),
                Err(e) => {
                    let reason = format!("{platform_code} did not open the plan: {e}");
                    installment_application::Entity::update_many()
                        .col_expr(
                            installment_application::Column::OpeningError,
                            Expr::value(reason.clone()),
                        )
                        .filter(installment_application::Column::Id.eq(application_id))
                        .exec(self.db())
                        .await?;
                    tracing::warn!(application = %application_id, %reason, "a plan could not be opened; a retry will try again");
                    return Ok(Opening::Waiting(reason));
                }
            },
        };
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let plan_id = match (status, existing) {
            (Some(status), _) => {
                let plan_id = Uuid::now_v7();
                let kept = installment_plan::Entity::insert(installment_plan::ActiveModel {
                    id: Set(plan_id),
                    customer_id: Set(app.customer_id),
                    status: Set("active".into()),
                    principal_fen: Set(terms.amount_fen),
                    days_past_due: Set(0),
                    last_delinquent_at: Set(None),
                    opened_at: Set(to_millis(now)),
                    closed_at: Set(None),
                    application_id: Set(Some(application_id)),
                    platform_code: Set(Some(platform_code.clone())),
                    external_ref: Set(Some(status.plan_ref.clone())),
                    status_sequence: Set(status.sequence),
                    delinquent_since: Set(None),
                    bucket: Set(Bucket::Current.as_str().to_owned()),
                    terms: Set(Some(plan_terms_json.clone())),
                })
                .on_conflict(
                    OnConflict::column(installment_plan::Column::ApplicationId)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
                if kept == 0 {
                    txn.rollback().await?;
                    let plan = self
                        .plan_of(application_id)
                        .await?
                        .ok_or_else(|| DomainError::Internal("a plan vanished".into()))?;
                    return Ok(Opening::AlreadyOpen(plan.id));
                }
                let mut entries = Vec::with_capacity(facts.rows.len());
                for row in &facts.rows {
                    let due = chrono::NaiveDate::parse_from_str(&row.due_date, "%Y-%m-%d")
                        .map_err(|e| DomainError::Internal(format!("a due date: {e}")))?;
                    entries.push(plan_entry::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        plan_id: Set(plan_id),
                        period: Set(i32::try_from(row.period).unwrap_or(i32::MAX)),
                        due_date: Set(row.due_date.clone()),
                        payment_fen: Set(fen(&row.amounts[0])?),
                        principal_fen: Set(fen(&row.amounts[1])?),
                        interest_fen: Set(fen(&row.amounts[2])?),
                        fee_fen: Set(fen(&row.amounts[3])?),
                        remaining_fen: Set(fen(&row.amounts[4])?),
                        status: Set("DUE".into()),
                        paid_principal_fen: Set(0),
                        paid_interest_fen: Set(0),
                        paid_fee_fen: Set(0),
                        paid_penalty_fen: Set(0),
                        penalty_fen: Set(0),
                        penalty_through: Set(None),
                        collect_on: Set(Some(row.due_date.clone())),
                        overdue_on: Set(Some(
                            plan_terms.overdue_on(due).format("%Y-%m-%d").to_string(),
                        )),
                        attempts: Set(0),
                        settled_on: Set(None),
                    });
                }
                for chunk in entries.chunks(200) {
                    plan_entry::Entity::insert_many(chunk.to_vec())
                        .exec_without_returning(&txn)
                        .await?;
                }
                crate::repayment::versions::keep(
                    &txn,
                    plan_id,
                    crate::repayment::versions::OPENING,
                    None,
                    now,
                )
                .await?;
                // The schedule notice: written with the plan, so it exists exactly when
                // the plan does.
                let mut rows = Vec::with_capacity(facts.rows.len());
                for row in &facts.rows {
                    rows.push(ScheduleRow {
                        period: i32::try_from(row.period).unwrap_or(i32::MAX),
                        due_date: chrono::NaiveDate::parse_from_str(&row.due_date, "%Y-%m-%d")
                            .map_err(|e| DomainError::Internal(format!("a due date: {e}")))?,
                        amount_fen: fen(&row.amounts[0])?,
                    });
                }
                outbox::write(
                    &txn,
                    now,
                    &[Notice {
                        customer_id: app.customer_id,
                        plan_id: Some(plan_id),
                        message: Message::Schedule {
                            principal_fen: terms.amount_fen,
                            apr: Some(facts.apr.clone()),
                            rows,
                        },
                        once: Some(format!("schedule:{plan_id}")),
                    }],
                )
                .await?;
                plan_id
            }
            (None, Some(plan)) => plan.id,
            (None, None) => return Err(DomainError::Internal("no plan and no opening".into())),
        };
        let app = installment_application::Entity::find_by_id(application_id)
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::NotFound("No application has this id.".into()))?;
        steps::take(
            &txn,
            &app,
            Step::Activate,
            caller,
            "the plan opened on the platform",
            now,
            |u| {
                u.col_expr(
                    installment_application::Column::OpeningError,
                    Expr::value(Option::<String>::None),
                )
            },
        )
        .await?;
        txn.commit().await?;
        Ok(Opening::Opened(plan_id))
    }

    /// The retry job, once per `run_key`: every `SIGNED` application, oldest first.
    pub async fn open_signed_plans(&self, run_key: &str) -> DomainResult<RunOutcome> {
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        if !ledger::claim(&txn, OPEN_PLANS, run_key, now).await? {
            txn.rollback().await?;
            return Ok(RunOutcome::AlreadyDone);
        }
        txn.commit().await?;
        let signed = installment_application::Entity::find()
            .filter(installment_application::Column::Status.eq(ApplicationStatus::Signed))
            .order_by_asc(installment_application::Column::UpdatedAt)
            .limit(500)
            .all(self.db())
            .await?;
        let caller = Caller::system(format!("{OPEN_PLANS}:{run_key}"));
        let (mut opened, mut waiting) = (0, 0);
        for app in &signed {
            match self.open_signed_plan(app.id, &caller).await {
                Ok(Opening::Opened(_) | Opening::AlreadyOpen(_)) => opened += 1,
                Ok(Opening::Waiting(_)) => waiting += 1,
                Err(e) => {
                    waiting += 1;
                    tracing::warn!(application = %app.id, error = %e, "a plan could not be opened");
                }
            }
        }
        Ok(RunOutcome::Done(format!(
            "{opened} plan(s) opened, {waiting} still waiting"
        )))
    }
}
