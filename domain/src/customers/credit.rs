//! The credit record: fetched through the configured `CreditBureau` port, kept as a
//! snapshot and reused while fresh (30 days by default), so one application does not
//! cost the customer several bureau inquiries. A bureau outage is a clear, retryable
//! error.

use adapters::credit_bureau::{BureauError, CreditQuery};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use entities::{credit_report, customer};

use crate::audit::AuditRecord;
use crate::auth::Caller;
use crate::auth::Permission;
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::pii::IdNumber;
use crate::service::Domain;

use super::access::{audit_unless_self_service, is_self_service, load_for};
use super::consent::{self, ConsentPurpose};

/// A credit-report snapshot.
#[derive(Debug, Clone)]
pub struct CreditReportView {
    /// The snapshot's id.
    pub id: Uuid,
    /// Which bureau answered (`internal`, `external:<name>`).
    pub source: String,
    /// The bureau's score (300–900), when it has one.
    pub score: Option<u16>,
    /// Open credit accounts.
    pub open_accounts: u32,
    /// Delinquencies in the last 24 months.
    pub delinquencies_24m: u32,
    /// Inquiries in the last 6 months.
    pub recent_inquiries: u32,
    /// Whether an account is delinquent now.
    pub active_delinquency: bool,
    /// When the bureau produced it.
    pub reported_at: DateTime<Utc>,
    /// When Fenqi fetched it.
    pub fetched_at: DateTime<Utc>,
}

impl From<&credit_report::Model> for CreditReportView {
    fn from(m: &credit_report::Model) -> Self {
        let count = |v: i32| v.max(0) as u32;
        Self {
            id: m.id,
            source: m.source.clone(),
            score: m.score.and_then(|s| u16::try_from(s).ok()),
            open_accounts: count(m.open_accounts),
            delinquencies_24m: count(m.delinquencies24m),
            recent_inquiries: count(m.recent_inquiries),
            active_delinquency: m.active_delinquency,
            reported_at: from_millis(m.reported_at),
            fetched_at: from_millis(m.fetched_at),
        }
    }
}

fn bureau_error(err: BureauError) -> DomainError {
    tracing::warn!(error = %err, "credit bureau call failed");
    if err.is_retryable() {
        DomainError::Unavailable(
            "The credit bureau is not answering right now; please try again in a few minutes."
                .into(),
        )
    } else {
        DomainError::Unavailable(
            "The credit bureau could not give a report (the bank has been alerted); please try again later.".into(),
        )
    }
}

impl Domain {
    /// A fresh report: the stored one while younger than the freshness window (unless
    /// `refresh`), else a new one from the bureau. Needs consent to credit inquiries and an
    /// ID number on file. A staff-initiated inquiry is audited.
    pub async fn credit_report(
        &self,
        customer_id: Uuid,
        refresh: bool,
        caller: &Caller,
    ) -> DomainResult<CreditReportView> {
        let customer = load_for(self.db(), caller, customer_id, Permission::AssessRisk).await?;
        // Each refresh is an inquiry on the customer's record and costs the bank: only
        // staff may force one; customers get the stored report while it is fresh.
        let refresh = refresh && !is_self_service(caller);
        self.fresh_credit_report(&customer, refresh, caller).await
    }

    pub(crate) async fn fresh_credit_report(
        &self,
        customer: &customer::Model,
        refresh: bool,
        caller: &Caller,
    ) -> DomainResult<CreditReportView> {
        consent::require(self.db(), customer.id, ConsentPurpose::CreditInquiry).await?;
        let now = self.now();
        if !refresh
            && let Some(stored) = latest(self.db(), customer.id).await?
            && from_millis(stored.fetched_at) + self.settings().credit_report_ttl > now
        {
            return Ok(CreditReportView::from(&stored));
        }
        if self.bureau().identifies_by_id_number() && customer.identity_verified_at.is_none() {
            return Err(DomainError::Conflict(
                "The customer's identity has not been verified: an agent must check the ID document against the name and ID number on file (verifyCustomerIdentity) before the credit bureau is asked.".into(),
            ));
        }
        let sealed = customer.id_number_enc.as_deref().ok_or_else(|| {
            DomainError::validation(
                "idNumber",
                "Record the customer's resident ID number first: the bureau identifies people by it.",
            )
        })?;
        let id_number = self.keys().open(IdNumber::PURPOSE, sealed)?;
        let query = CreditQuery {
            id_number,
            name: customer.full_name.clone(),
            purpose: "installment_application".into(),
            customer_ref: Some(customer.id),
        };
        // The bureau call happens outside any transaction: it may take seconds.
        let report = self.bureau().fetch(&query).await.map_err(bureau_error)?;
        let txn = begin_write(self.db()).await?;
        // Re-check inside the transaction: consent may have been withdrawn, or the
        // customer anonymized, while the bureau answered.
        load_for(&txn, caller, customer.id, Permission::AssessRisk).await?;
        consent::require(&txn, customer.id, ConsentPurpose::CreditInquiry).await?;
        let saved = credit_report::ActiveModel {
            id: Set(Uuid::now_v7()),
            customer_id: Set(customer.id),
            source: Set(report.source.clone()),
            score: Set(report.score.map(i32::from)),
            open_accounts: Set(saturate(report.open_accounts)),
            delinquencies24m: Set(saturate(report.delinquencies_24m)),
            recent_inquiries: Set(saturate(report.recent_inquiries)),
            active_delinquency: Set(report.active_delinquency),
            reported_at: Set(to_millis(report.reported_at)),
            fetched_at: Set(to_millis(now)),
            requested_by: Set(caller.actor.map(|a| a.account_id)),
        }
        .insert(&txn)
        .await?;
        audit_unless_self_service(
            &txn,
            now,
            caller,
            AuditRecord::new(
                "customer.credit_inquiry",
                "customer",
                Some(customer.id.to_string()),
            )
            .after(json!({ "source": saved.source, "creditReportId": saved.id })),
        )
        .await?;
        txn.commit().await?;
        Ok(CreditReportView::from(&saved))
    }
}

/// A count as stored; counts beyond `i32` (never real) stay at the maximum rather than
/// wrap to a negative number that would read back as zero.
fn saturate(count: u32) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}

async fn latest<C: ConnectionTrait>(
    db: &C,
    customer_id: Uuid,
) -> DomainResult<Option<credit_report::Model>> {
    Ok(credit_report::Entity::find()
        .filter(credit_report::Column::CustomerId.eq(customer_id))
        .order_by_desc(credit_report::Column::FetchedAt)
        .one(db)
        .await?)
}
