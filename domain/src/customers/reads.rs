//! How nested reads of a customer are resolved: the one way every later stage follows.
//!
//! 1. **The parent's access check is done once.** A [`CustomerView`] is only ever made
//!    by the domain after the caller was allowed to read that customer, and carries a
//!    [`CustomerGrant`] (which nothing outside the domain can make). Children are read
//!    with grants, without loading and checking the customer row again.
//! 2. **One-to-one children come with the parent's row**: preferences and financial
//!    status are joined into the customer's own statement ([`CustomerRead`]).
//! 3. **One-to-many children are read in batches**: one statement for the consents (or
//!    cards, or credit reports) of any number of granted customers, keyed by customer id,
//!    so a list of N parents costs a fixed number of statements, not N. The API feeds
//!    these from a per-request data loader.
//!
//! So `myCustomerProfile { preferences financialStatus consents }` costs three statements:
//! the session, the customer with its one-to-one children, and the consents.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use entities::{
    consent, credit_report, customer, customer_bank_account, customer_preference, financial_status,
};

use crate::auth::Caller;
use crate::auth::Permission;
use crate::error::DomainResult;
use crate::service::Domain;

use super::access::{self, ANONYMIZED, not_found};
use super::bank_accounts::view as bank_account_view;
use super::{
    BankAccountView, ConsentView, CreditReportView, CustomerView, FinancialStatusView,
    PreferencesView,
};

/// Proof that the caller of this request may read one customer's records. Made only by
/// the domain, when it hands out a [`CustomerView`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomerGrant {
    customer_id: Uuid,
}

impl CustomerGrant {
    pub(crate) fn new(customer_id: Uuid) -> Self {
        Self { customer_id }
    }

    /// The customer it is for.
    pub fn customer_id(&self) -> Uuid {
        self.customer_id
    }
}

/// A customer with the one-to-one children read in the same statement.
#[derive(Debug, Clone)]
pub struct CustomerRead {
    /// The profile (carrying the grant for further reads).
    pub view: CustomerView,
    /// Preferences, if recorded.
    pub preferences: Option<PreferencesView>,
    /// Financial status, if recorded.
    pub financial_status: Option<FinancialStatusView>,
}

type Joined = (
    customer::Model,
    Option<customer_preference::Model>,
    Option<financial_status::Model>,
);

/// The ids of the customers `grants` are for.
fn ids(grants: &[CustomerGrant]) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = grants.iter().map(CustomerGrant::customer_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl Domain {
    fn customer_read(&self, (model, preferences, financial): Joined) -> DomainResult<CustomerRead> {
        Ok(CustomerRead {
            view: self.customer_view(&model)?,
            preferences: preferences
                .as_ref()
                .map(PreferencesView::try_from)
                .transpose()?,
            financial_status: financial.as_ref().map(FinancialStatusView::from),
        })
    }

    /// A customer and its one-to-one children in one statement, after the access check.
    pub async fn read_customer(
        &self,
        customer_id: Uuid,
        caller: &Caller,
    ) -> DomainResult<CustomerRead> {
        let joined = customer::Entity::find_by_id(customer_id)
            .find_also_related(customer_preference::Entity)
            .find_also_related(financial_status::Entity)
            .one(self.db())
            .await?
            .ok_or_else(not_found)?;
        access::check(&joined.0, caller, Permission::ReadCustomer)?;
        self.customer_read(joined)
    }

    /// The customer record of the calling customer's account, if they made one; `None`
    /// for staff and the platform itself. The one way after-care and the inbox tell whose
    /// tickets, articles and answers a customer's request is about.
    pub(crate) async fn own_customer(
        &self,
        caller: &Caller,
    ) -> DomainResult<Option<customer::Model>> {
        let Some(actor) = caller.actor.filter(|a| !a.role.is_staff()) else {
            return Ok(None);
        };
        Ok(customer::Entity::find()
            .filter(customer::Column::AccountId.eq(actor.account_id))
            .one(self.db())
            .await?)
    }

    /// The caller's own customer record with its one-to-one children, if they made one.
    pub async fn read_my_customer(&self, caller: &Caller) -> DomainResult<Option<CustomerRead>> {
        let Some(actor) = caller.actor else {
            return Err(not_found());
        };
        let joined = customer::Entity::find()
            .filter(customer::Column::AccountId.eq(actor.account_id))
            .filter(customer::Column::Status.ne(ANONYMIZED))
            .find_also_related(customer_preference::Entity)
            .find_also_related(financial_status::Entity)
            .one(self.db())
            .await?;
        joined.map(|j| self.customer_read(j)).transpose()
    }

    /// Many customers with their one-to-one children in one statement: those the caller
    /// may read, by id (the others are left out, as if they did not exist).
    pub async fn read_customers(
        &self,
        customer_ids: &[Uuid],
        caller: &Caller,
    ) -> DomainResult<HashMap<Uuid, CustomerRead>> {
        if customer_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = customer::Entity::find()
            .filter(customer::Column::Id.is_in(customer_ids.iter().copied()))
            .find_also_related(customer_preference::Entity)
            .find_also_related(financial_status::Entity)
            .all(self.db())
            .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for joined in rows {
            if access::check(&joined.0, caller, Permission::ReadCustomer).is_ok() {
                let read = self.customer_read(joined)?;
                out.insert(read.view.id, read);
            }
        }
        Ok(out)
    }

    /// Preferences of granted customers, one statement for all.
    pub async fn preferences_of(
        &self,
        grants: &[CustomerGrant],
    ) -> DomainResult<HashMap<Uuid, PreferencesView>> {
        customer_preference::Entity::find()
            .filter(customer_preference::Column::CustomerId.is_in(ids(grants)))
            .all(self.db())
            .await?
            .iter()
            .map(|m| Ok((m.customer_id, PreferencesView::try_from(m)?)))
            .collect()
    }

    /// Financial statuses of granted customers, one statement for all.
    pub async fn financial_statuses_of(
        &self,
        grants: &[CustomerGrant],
    ) -> DomainResult<HashMap<Uuid, FinancialStatusView>> {
        Ok(financial_status::Entity::find()
            .filter(financial_status::Column::CustomerId.is_in(ids(grants)))
            .all(self.db())
            .await?
            .iter()
            .map(|m| (m.customer_id, FinancialStatusView::from(m)))
            .collect())
    }

    /// Consents of granted customers, newest first, one statement for all.
    pub async fn consents_of(
        &self,
        grants: &[CustomerGrant],
    ) -> DomainResult<HashMap<Uuid, Vec<ConsentView>>> {
        let mut out: HashMap<Uuid, Vec<ConsentView>> = HashMap::new();
        for m in consent::Entity::find()
            .filter(consent::Column::CustomerId.is_in(ids(grants)))
            .order_by_desc(consent::Column::GivenAt)
            .order_by_desc(consent::Column::Id)
            .all(self.db())
            .await?
        {
            out.entry(m.customer_id)
                .or_default()
                .push(ConsentView::from(m));
        }
        Ok(out)
    }

    /// Cards of granted customers, oldest first, one statement for all.
    pub async fn bank_accounts_of(
        &self,
        grants: &[CustomerGrant],
    ) -> DomainResult<HashMap<Uuid, Vec<BankAccountView>>> {
        let mut out: HashMap<Uuid, Vec<BankAccountView>> = HashMap::new();
        for m in customer_bank_account::Entity::find()
            .filter(customer_bank_account::Column::CustomerId.is_in(ids(grants)))
            .order_by_asc(customer_bank_account::Column::CreatedAt)
            .all(self.db())
            .await?
        {
            out.entry(m.customer_id)
                .or_default()
                .push(bank_account_view(&m));
        }
        Ok(out)
    }

    /// The newest credit-report snapshot of each granted customer, one statement for all.
    pub async fn latest_credit_reports_of(
        &self,
        grants: &[CustomerGrant],
    ) -> DomainResult<HashMap<Uuid, CreditReportView>> {
        let mut out: HashMap<Uuid, CreditReportView> = HashMap::new();
        // Newest first: the first row seen per customer is its latest.
        for m in credit_report::Entity::find()
            .filter(credit_report::Column::CustomerId.is_in(ids(grants)))
            .order_by_desc(credit_report::Column::FetchedAt)
            .all(self.db())
            .await?
        {
            out.entry(m.customer_id)
                .or_insert_with(|| CreditReportView::from(&m));
        }
        Ok(out)
    }
}
