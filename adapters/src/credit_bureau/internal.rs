//! The bank's own ledger as a credit bureau: what Fenqi itself knows of a customer's
//! plans and repayments. Used when no external bureau is configured, and for people the
//! bank already serves. It has no score of its own: scoring is the bureaus' trade, and the
//! risk policy says how to treat a file without one.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Months, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use entities::{credit_report, installment_plan};

use super::{BureauError, CreditBureau, CreditQuery, CreditReport};

/// Plan statuses that mean the plan is over.
const CLOSED: [&str; 3] = ["closed", "cancelled", "written_off"];

/// The source of the current instant, so tests can move time.
pub type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Reads `installment_plan` (and the bank's own past inquiries) for the customer named by
/// [`CreditQuery::customer_ref`].
#[derive(Clone)]
pub struct InternalCreditBureau {
    db: DatabaseConnection,
    now: Now,
}

impl std::fmt::Debug for InternalCreditBureau {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InternalCreditBureau")
    }
}

impl InternalCreditBureau {
    /// A ledger bureau over `db`, reading time from `now`.
    pub fn new(db: DatabaseConnection, now: Now) -> Self {
        Self { db, now }
    }
}

fn unavailable(e: sea_orm::DbErr) -> BureauError {
    BureauError::Unavailable(format!("the bank's own ledger could not be read: {e}"))
}

fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[async_trait]
impl CreditBureau for InternalCreditBureau {
    fn name(&self) -> &str {
        "internal"
    }

    /// The ledger finds the customer by our own id, never by the ID number.
    fn identifies_by_id_number(&self) -> bool {
        false
    }

    async fn fetch(&self, query: &CreditQuery) -> Result<CreditReport, BureauError> {
        let now = (self.now)();
        let empty = CreditReport {
            score: None,
            open_accounts: 0,
            delinquencies_24m: 0,
            recent_inquiries: 0,
            active_delinquency: false,
            source: CreditReport::INTERNAL.into(),
            reported_at: now,
        };
        let Some(customer) = query.customer_ref else {
            return Ok(empty);
        };
        let plans = installment_plan::Entity::find()
            .filter(installment_plan::Column::CustomerId.eq(customer))
            .all(&self.db)
            .await
            .map_err(unavailable)?;
        let two_years_ago = now.checked_sub_months(Months::new(24)).unwrap_or(now);
        let six_months_ago = now.checked_sub_months(Months::new(6)).unwrap_or(now);
        let open: Vec<_> = plans
            .iter()
            .filter(|p| !CLOSED.contains(&p.status.as_str()))
            .collect();
        let inquiries = credit_report::Entity::find()
            .filter(credit_report::Column::CustomerId.eq(customer))
            .filter(credit_report::Column::FetchedAt.gte(six_months_ago.timestamp_millis()))
            .count(&self.db)
            .await
            .map_err(unavailable)?;
        Ok(CreditReport {
            open_accounts: count(open.len() as u64),
            delinquencies_24m: count(
                plans
                    .iter()
                    .filter(|p| {
                        p.last_delinquent_at
                            .is_some_and(|at| at >= two_years_ago.timestamp_millis())
                    })
                    .count() as u64,
            ),
            recent_inquiries: count(inquiries),
            active_delinquency: open.iter().any(|p| p.days_past_due > 0),
            ..empty
        })
    }
}
