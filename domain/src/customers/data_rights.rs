//! The customer's rights over their data (PIPL arts. 45 and 47): a copy of everything held
//! about them, and deletion — refused while an installment plan is active, and never of the
//! identity record the Anti-Money-Laundering Law makes the bank keep for ten years after
//! the relationship ends.

use chrono::Months;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use entities::{
    account, consent, credit_report, customer, customer_bank_account, customer_preference,
    financial_status, installment_plan, retained_identity, risk_assessment, session,
};

use crate::audit::{AuditRecord, chain};
use crate::auth::{AccountStatus, Caller, Role};
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::pii::IdNumber;
use crate::service::Domain;

use super::access::ANONYMIZED;
use super::bank_accounts;
use super::credit::CreditReportView;
use super::finance::{
    FinancialStatusView, PreferencesView, financial_snapshot, preferences_snapshot,
};

/// Plan statuses that end a relationship; any other status keeps the plan active.
pub const CLOSED_PLAN_STATUSES: &[&str] = &["closed", "cancelled", "written_off"];

/// How long identity records are kept after the relationship ends.
pub const RETENTION_YEARS: u32 = 10;

fn own_account(caller: &Caller) -> DomainResult<Uuid> {
    match caller.actor {
        Some(actor) if actor.role == Role::Customer => Ok(actor.account_id),
        _ => Err(DomainError::Forbidden(
            "Only customers exercise these rights, for themselves.".into(),
        )),
    }
}

async fn own_customer<C: ConnectionTrait>(
    db: &C,
    account_id: Uuid,
) -> DomainResult<Option<customer::Model>> {
    Ok(customer::Entity::find()
        .filter(customer::Column::AccountId.eq(account_id))
        .filter(customer::Column::Status.ne(ANONYMIZED))
        .one(db)
        .await?)
}

impl Domain {
    /// Everything held about the caller, as one JSON document. Identifiers are masked even
    /// here: a copy with clear numbers is handed over in a branch, on identification.
    pub async fn my_data(&self, caller: &Caller) -> DomainResult<Value> {
        let account_id = own_account(caller)?;
        let account = account::Entity::find_by_id(account_id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::NotFound("Your account no longer exists.".into()))?;
        let account_view = self.account_view(&account)?;
        let mut doc = json!({
            "exportedAt": self.now(),
            "note": "Resident ID, mobile and card numbers are shown masked. A copy with the full numbers is available at any branch on identification.",
            "account": {
                "id": account_view.id,
                "displayName": account_view.display_name,
                "email": account_view.email,
                "mobile": account_view.mobile_masked,
                "createdAt": account_view.created_at,
            },
        });
        let Some(customer) = own_customer(self.db(), account_id).await? else {
            return Ok(doc);
        };
        let profile = self.customer_view(&customer)?;
        doc["profile"] = super::profile::own_snapshot(&profile);
        doc["profile"]["id"] = json!(profile.id);
        doc["profile"]["createdAt"] = json!(profile.created_at);
        let consents = consent::Entity::find()
            .filter(consent::Column::CustomerId.eq(customer.id))
            .order_by_asc(consent::Column::GivenAt)
            .all(self.db())
            .await?;
        doc["consents"] = consents
            .iter()
            .map(|c| {
                json!({
                    "purpose": c.purpose, "version": c.version, "textHash": c.text_hash,
                    "channel": c.channel, "givenAt": from_millis(c.given_at),
                    "withdrawnAt": c.withdrawn_at.map(from_millis),
                })
            })
            .collect();
        if let Some(f) = financial_status::Entity::find_by_id(customer.id)
            .one(self.db())
            .await?
        {
            let v = FinancialStatusView::from(&f);
            doc["financialStatus"] = financial_snapshot(&v);
            doc["financialStatus"]["updatedAt"] = json!(v.updated_at);
        }
        if let Some(p) = customer_preference::Entity::find_by_id(customer.id)
            .one(self.db())
            .await?
        {
            let v = PreferencesView::try_from(&p)?;
            doc["preferences"] = preferences_snapshot(&v);
        }
        let cards = customer_bank_account::Entity::find()
            .filter(customer_bank_account::Column::CustomerId.eq(customer.id))
            .all(self.db())
            .await?;
        doc["bankAccounts"] = cards
            .iter()
            .map(|c| {
                let v = bank_accounts::view(c);
                json!({ "id": v.id, "bankName": v.bank_name, "card": v.card_masked, "addedAt": v.created_at })
            })
            .collect();
        let reports = credit_report::Entity::find()
            .filter(credit_report::Column::CustomerId.eq(customer.id))
            .order_by_asc(credit_report::Column::FetchedAt)
            .all(self.db())
            .await?;
        doc["creditReports"] = reports
            .iter()
            .map(|r| {
                let v = CreditReportView::from(r);
                json!({
                    "source": v.source, "score": v.score, "openAccounts": v.open_accounts,
                    "delinquencies24m": v.delinquencies_24m, "recentInquiries": v.recent_inquiries,
                    "activeDelinquency": v.active_delinquency, "reportedAt": v.reported_at,
                    "fetchedAt": v.fetched_at,
                })
            })
            .collect();
        let assessments = risk_assessment::Entity::find()
            .filter(risk_assessment::Column::CustomerId.eq(customer.id))
            .order_by_asc(risk_assessment::Column::CreatedAt)
            .all(self.db())
            .await?;
        doc["riskAssessments"] = assessments
            .iter()
            .map(|a| {
                json!({
                    "policyVersion": a.policy_version, "score": a.score, "grade": a.grade,
                    "decision": a.decision,
                    "reasons": serde_json::from_str::<Value>(&a.reasons).unwrap_or(Value::Null),
                    "createdAt": from_millis(a.created_at),
                })
            })
            .collect();
        let plans = installment_plan::Entity::find()
            .filter(installment_plan::Column::CustomerId.eq(customer.id))
            .all(self.db())
            .await?;
        doc["installmentPlans"] = plans
            .iter()
            .map(
                |p| json!({ "id": p.id, "status": p.status, "openedAt": from_millis(p.opened_at) }),
            )
            .collect();
        Ok(doc)
    }

    /// Erases the caller's personal data. Refused, with the reason, while a plan is
    /// active. The identity record (name and ID number, sealed) is kept apart until ten
    /// years after today; everything else that identifies the customer is deleted or
    /// blanked, the login is disabled and its sessions end.
    pub async fn request_data_deletion(&self, caller: &Caller) -> DomainResult<()> {
        let account_id = own_account(caller)?;
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let customer = own_customer(&txn, account_id).await?;
        if let Some(customer) = &customer {
            let active = installment_plan::Entity::find()
                .filter(installment_plan::Column::CustomerId.eq(customer.id))
                .filter(
                    installment_plan::Column::Status
                        .is_not_in(CLOSED_PLAN_STATUSES.iter().copied()),
                )
                .all(&txn)
                .await?;
            if !active.is_empty() {
                return Err(DomainError::Conflict(format!(
                    "You have {} active installment plan(s). Your data can be deleted once every plan is repaid or closed; until then the bank needs it to serve the plan.",
                    active.len()
                )));
            }
            crate::applications::erasure::close_for_erasure(&txn, customer.id, caller, now).await?;
            self.anonymize_customer(&txn, customer, now).await?;
        }
        let account = account::Entity::find_by_id(account_id)
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::NotFound("Your account no longer exists.".into()))?;
        let mut active: account::ActiveModel = account.into();
        active.display_name = Set("Anonymized customer".into());
        active.email = Set(None);
        active.mobile_enc = Set(None);
        active.mobile_hash = Set(None);
        active.password_hash = Set("!anonymized".into());
        active.status = Set(AccountStatus::Disabled);
        active.updated_at = Set(to_millis(now));
        active.update(&txn).await?;
        session::Entity::delete_many()
            .filter(session::Column::AccountId.eq(account_id))
            .exec(&txn)
            .await?;
        chain::append(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "customer.anonymize",
                "customer",
                customer.as_ref().map(|c| c.id.to_string()),
            )
            .after(json!({ "accountId": account_id, "retainedYears": RETENTION_YEARS })),
        )
        .await?;
        txn.commit().await?;
        self.sessions_changed(account_id).await;
        Ok(())
    }

    async fn anonymize_customer<C: ConnectionTrait>(
        &self,
        txn: &C,
        customer: &customer::Model,
        now: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<()> {
        let retain_until = now
            .checked_add_months(Months::new(12 * RETENTION_YEARS))
            .unwrap_or(now);
        retained_identity::ActiveModel {
            id: Set(Uuid::now_v7()),
            customer_id: Set(customer.id),
            full_name_enc: Set(self
                .keys()
                .seal("retained.full_name", &customer.full_name)?),
            id_number_enc: Set(customer
                .id_number_enc
                .as_deref()
                .map(|sealed| self.keys().open(IdNumber::PURPOSE, sealed))
                .transpose()?
                .map(|clear| self.keys().seal(IdNumber::PURPOSE, &clear))
                .transpose()?),
            id_number_hash: Set(customer.id_number_hash.clone()),
            relationship_ended_at: Set(to_millis(now)),
            retain_until: Set(to_millis(retain_until)),
        }
        .insert(txn)
        .await?;
        customer_bank_account::Entity::delete_many()
            .filter(customer_bank_account::Column::CustomerId.eq(customer.id))
            .exec(txn)
            .await?;
        financial_status::Entity::delete_by_id(customer.id)
            .exec(txn)
            .await?;
        customer_preference::Entity::delete_by_id(customer.id)
            .exec(txn)
            .await?;
        credit_report::Entity::delete_many()
            .filter(credit_report::Column::CustomerId.eq(customer.id))
            .exec(txn)
            .await?;
        // Decisions stay (the bank must be able to show what it decided and under which
        // policy); the figures and reasons that describe the person's finances go.
        risk_assessment::Entity::update_many()
            .col_expr(risk_assessment::Column::Inputs, "{}".into())
            .col_expr(risk_assessment::Column::Reasons, "[]".into())
            .col_expr(risk_assessment::Column::DebtToIncome, "0".into())
            .col_expr(risk_assessment::Column::DisposableIncomeFen, 0i64.into())
            .col_expr(risk_assessment::Column::MaxInstallmentFen, 0i64.into())
            .col_expr(risk_assessment::Column::MaxAmountFen, 0i64.into())
            .filter(risk_assessment::Column::CustomerId.eq(customer.id))
            .exec(txn)
            .await?;
        let mut active: customer::ActiveModel = customer.clone().into();
        active.account_id = Set(None);
        active.full_name = Set("Anonymized customer".into());
        active.birth_date = Set(None);
        active.occupation = Set(None);
        active.employer = Set(None);
        active.monthly_income_fen = Set(None);
        active.address = Set(None);
        active.email = Set(None);
        active.mobile_enc = Set(None);
        active.mobile_hash = Set(None);
        active.id_number_enc = Set(None);
        active.id_number_hash = Set(None);
        active.status = Set(ANONYMIZED.into());
        active.updated_at = Set(to_millis(now));
        active.anonymized_at = Set(Some(to_millis(now)));
        active.update(txn).await?;
        Ok(())
    }
}
