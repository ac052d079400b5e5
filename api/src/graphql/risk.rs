//! Risk assessment and risk policies.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::assessment::{AssessmentView, LoanRequest, PolicyView};
use domain::auth::Permission;
use domain::page::PageRequest;

use super::context::ContextExt;
use super::cursor;
use super::errors::GqlResult;
use super::guard::RoleGuard;
use super::scalars::Decimal;
use super::types::money::money;
use super::types::parse_id;

/// A loan to assess against.
#[derive(InputObject)]
pub struct LoanRequestInput {
    /// The amount in yuan.
    pub amount: Decimal,
    /// The term in months.
    pub term_months: u32,
}

/// One reason of an assessment.
#[derive(SimpleObject)]
pub struct RiskReason {
    /// A stable code, e.g. `DTI_HIGH`.
    pub code: String,
    /// `positive`, `negative`, `neutral` or `decisive`.
    pub effect: String,
    /// Points contributed to the score.
    pub points: Option<Decimal>,
    /// The reason in plain words.
    pub message: String,
}

/// An explainable risk assessment.
pub struct RiskAssessment(pub AssessmentView);

#[Object]
impl RiskAssessment {
    /// The assessment id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The policy version that produced it.
    async fn policy_version(&self) -> i32 {
        self.0.policy_version
    }
    /// Score, 0–100.
    async fn score(&self) -> Decimal {
        Decimal(self.0.score)
    }
    /// Grade, A (best) to E.
    async fn grade(&self) -> &str {
        &self.0.grade
    }
    /// Existing monthly debt payments over monthly income (a fraction).
    async fn debt_to_income(&self) -> Decimal {
        Decimal(self.0.debt_to_income)
    }
    /// Income left each month after expenses and existing debts.
    async fn disposable_income(&self) -> Decimal {
        money(self.0.disposable_income)
    }
    /// The largest installment the customer can carry.
    async fn max_installment(&self) -> Decimal {
        money(self.0.max_installment)
    }
    /// The largest amount the policy allows.
    async fn max_amount(&self) -> Decimal {
        money(self.0.max_amount)
    }
    /// The longest term allowed, in months.
    async fn max_term_months(&self) -> u32 {
        self.0.max_term_months
    }
    /// The lowest annual rate of the grade (a fraction).
    async fn rate_min(&self) -> Decimal {
        Decimal(self.0.rate_min)
    }
    /// The highest annual rate of the grade (a fraction).
    async fn rate_max(&self) -> Decimal {
        Decimal(self.0.rate_max)
    }
    /// `APPROVE`, `REFER` (a risk officer decides) or `DECLINE`.
    async fn decision(&self) -> &str {
        &self.0.decision
    }
    /// Every reason, in plain words.
    async fn reasons(&self) -> Vec<RiskReason> {
        self.0
            .reasons
            .iter()
            .map(|r| RiskReason {
                code: r.code.clone(),
                effect: r.effect.clone(),
                points: r.points.map(Decimal),
                message: r.message.clone(),
            })
            .collect()
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A risk policy version.
pub struct RiskPolicy(pub PolicyView);

#[Object]
impl RiskPolicy {
    /// The version number.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// `draft`, `active`, `retired` or `rejected`.
    async fn status(&self) -> String {
        self.0.status_name()
    }
    /// The rules.
    async fn policy(&self) -> Json<serde_json::Value> {
        Json(self.0.body.clone())
    }
    /// The drafter's note, or the rejection reason.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Who drafted it (empty for the built-in default).
    async fn drafted_by(&self) -> Option<ID> {
        self.0.drafted_by.map(|id| ID(id.to_string()))
    }
    /// When.
    async fn drafted_at(&self) -> DateTime<Utc> {
        self.0.drafted_at
    }
    /// Who approved or rejected it.
    async fn decided_by(&self) -> Option<ID> {
        self.0.decided_by.map(|id| ID(id.to_string()))
    }
    /// When.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
}

/// Risk queries.
#[derive(Default)]
pub struct RiskQuery;

#[Object]
impl RiskQuery {
    /// A customer's assessments, newest first.
    #[graphql(guard = "RoleGuard::new(Permission::ReadRiskAssessments)")]
    async fn risk_assessments(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        #[graphql(default = 10)] limit: u32,
    ) -> async_graphql::Result<Vec<RiskAssessment>> {
        let caller = ctx.caller().await?;
        let id = parse_id(&customer_id, "customerId")?;
        let list = ctx
            .domain()?
            .assessments(id, u64::from(limit), &caller)
            .await
            .gql()?;
        Ok(list.into_iter().map(RiskAssessment).collect())
    }

    /// Every policy version, newest first.
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadRiskPolicy)",
        complexity = "super::cursor::page_cost(first, child_complexity)"
    )]
    async fn risk_policies(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, RiskPolicy>> {
        let caller = ctx.caller().await?;
        let after = cursor::decode(after.as_deref())?;
        let page = PageRequest::new(first, after).gql()?;
        let result = ctx.domain()?.risk_policies(page, &caller).await.gql()?;
        Ok(cursor::connection(result, page.after.is_some(), RiskPolicy))
    }

    /// The policy in force.
    #[graphql(guard = "RoleGuard::new(Permission::ReadRiskPolicy)")]
    async fn active_risk_policy(&self, ctx: &Context<'_>) -> async_graphql::Result<RiskPolicy> {
        let caller = ctx.caller().await?;
        ctx.domain()?
            .active_risk_policy(&caller)
            .await
            .gql()
            .map(RiskPolicy)
    }
}

/// Risk mutations.
#[derive(Default)]
pub struct RiskMutation;

#[Object]
impl RiskMutation {
    /// Assesses a customer under the active policy, optionally against a loan they ask
    /// about. Uses a fresh credit report (fetched if the stored one is older than 30 days).
    #[graphql(guard = "RoleGuard::new(Permission::AssessRisk)")]
    async fn assess_risk(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        requested: Option<LoanRequestInput>,
    ) -> async_graphql::Result<RiskAssessment> {
        let caller = ctx.caller().await?;
        let id = parse_id(&customer_id, "customerId")?;
        let request = requested.map(|r| LoanRequest {
            amount: r.amount.0,
            term_months: r.term_months,
        });
        ctx.domain()?
            .assess_risk(id, request, &caller)
            .await
            .gql()
            .map(RiskAssessment)
    }

    /// Drafts a new policy version (see `activeRiskPolicy.policy` for the shape).
    #[graphql(guard = "RoleGuard::new(Permission::DraftRiskPolicy)")]
    async fn draft_risk_policy(
        &self,
        ctx: &Context<'_>,
        policy: Json<serde_json::Value>,
        note: Option<String>,
    ) -> async_graphql::Result<RiskPolicy> {
        let caller = ctx.caller().await?;
        ctx.domain()?
            .draft_risk_policy(policy.0, note, &caller)
            .await
            .gql()
            .map(RiskPolicy)
    }

    /// Approves a draft: it becomes active, the old one is retired. Not by its drafter.
    #[graphql(guard = "RoleGuard::new(Permission::DecideRiskPolicy)")]
    async fn approve_risk_policy(
        &self,
        ctx: &Context<'_>,
        version: i32,
    ) -> async_graphql::Result<RiskPolicy> {
        let caller = ctx.caller().await?;
        ctx.domain()?
            .approve_risk_policy(version, &caller)
            .await
            .gql()
            .map(RiskPolicy)
    }

    /// Rejects a draft with a reason.
    #[graphql(guard = "RoleGuard::new(Permission::DecideRiskPolicy)")]
    async fn reject_risk_policy(
        &self,
        ctx: &Context<'_>,
        version: i32,
        reason: String,
    ) -> async_graphql::Result<RiskPolicy> {
        let caller = ctx.caller().await?;
        ctx.domain()?
            .reject_risk_policy(version, &reason, &caller)
            .await
            .gql()
            .map(RiskPolicy)
    }
}
