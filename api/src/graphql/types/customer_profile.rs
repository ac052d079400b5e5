//! The customer profile and its nested records, resolved the house's one way (see
//! `domain::customers::reads`): the access check is the parent's, carried to the children
//! as a grant; one-to-one children arrive with the parent's row; one-to-many children are
//! read for a whole list of parents at once ([`preload`]) or, for a single parent, in one
//! statement when first asked.

use async_graphql::{Context, ID, Object, SelectionField};
use chrono::{DateTime, Utc};
use domain::customers::{
    BankAccountView, ConsentView, CreditReportView, CustomerGrant, CustomerRead, CustomerSummary,
    CustomerView, FinancialStatusView, PreferencesView,
};

use crate::graphql::context::ContextExt;
use crate::graphql::errors::GqlResult;
use crate::graphql::scalars::{Date, Decimal};

use super::customer::{BankAccount, Consent, CreditReport, FinancialStatus, Preferences};
use super::money::money;

/// Nested records already read (`None`: not yet; read when asked).
#[derive(Debug, Clone, Default)]
pub struct Children {
    preferences: Option<Option<PreferencesView>>,
    financial_status: Option<Option<FinancialStatusView>>,
    consents: Option<Vec<ConsentView>>,
    bank_accounts: Option<Vec<BankAccountView>>,
    credit_report: Option<Option<CreditReportView>>,
}

/// A customer profile; identifiers are masked.
#[derive(Debug, Clone)]
pub struct Customer {
    view: CustomerView,
    children: Children,
}

impl From<CustomerView> for Customer {
    fn from(view: CustomerView) -> Self {
        Self {
            view,
            children: Children::default(),
        }
    }
}

impl From<CustomerRead> for Customer {
    fn from(read: CustomerRead) -> Self {
        Self {
            view: read.view,
            children: Children {
                preferences: Some(read.preferences),
                financial_status: Some(read.financial_status),
                ..Children::default()
            },
        }
    }
}

impl Customer {
    fn grant(&self) -> CustomerGrant {
        self.view.grant()
    }

    /// The customer id.
    pub fn id_value(&self) -> uuid::Uuid {
        self.view.id
    }
}

/// Reads the one-to-many children that `selection` (a `Customer` field) asks for, for every
/// customer in `customers` at once: one statement per kind, whatever the number of
/// customers. Lists of customers call this before answering.
pub async fn preload(
    ctx: &Context<'_>,
    customers: &mut [Customer],
    selection: SelectionField<'_>,
) -> async_graphql::Result<()> {
    if customers.is_empty() {
        return Ok(());
    }
    let asked = |name: &str| selection.selection_set().any(|f| f.name() == name);
    let domain = ctx.domain()?;
    let grants: Vec<CustomerGrant> = customers.iter().map(Customer::grant).collect();
    if asked("consents") {
        let mut all = domain.consents_of(&grants).await.gql()?;
        for c in customers.iter_mut() {
            c.children.consents = Some(all.remove(&c.view.id).unwrap_or_default());
        }
    }
    if asked("bankAccounts") {
        let mut all = domain.bank_accounts_of(&grants).await.gql()?;
        for c in customers.iter_mut() {
            c.children.bank_accounts = Some(all.remove(&c.view.id).unwrap_or_default());
        }
    }
    if asked("creditReport") {
        let mut all = domain.latest_credit_reports_of(&grants).await.gql()?;
        for c in customers.iter_mut() {
            c.children.credit_report = Some(all.remove(&c.view.id));
        }
    }
    Ok(())
}

#[Object]
impl Customer {
    /// The customer id.
    async fn id(&self) -> ID {
        ID(self.view.id.to_string())
    }
    /// The legal name.
    async fn full_name(&self) -> &str {
        &self.view.full_name
    }
    /// Birth date.
    async fn birth_date(&self) -> Option<Date> {
        self.view.birth_date.map(Date)
    }
    /// Age in whole years today.
    async fn age(&self) -> Option<u32> {
        self.view.age
    }
    /// Occupation.
    async fn occupation(&self) -> Option<&str> {
        self.view.occupation.as_deref()
    }
    /// Employer.
    async fn employer(&self) -> Option<&str> {
        self.view.employer.as_deref()
    }
    /// Monthly income in yuan.
    async fn monthly_income(&self) -> Option<Decimal> {
        self.view.monthly_income.map(money)
    }
    /// Postal address.
    async fn address(&self) -> Option<&str> {
        self.view.address.as_deref()
    }
    /// Contact e-mail.
    async fn email(&self) -> Option<&str> {
        self.view.email.as_deref()
    }
    /// Mobile, masked: `138****5678`.
    async fn mobile(&self) -> Option<&str> {
        self.view.mobile_masked.as_deref()
    }
    /// Resident ID number, masked: `110***********1234`.
    async fn id_number(&self) -> Option<&str> {
        self.view.id_number_masked.as_deref()
    }
    /// `zh-CN` or `en`.
    async fn preferred_language(&self) -> &str {
        &self.view.preferred_language
    }
    /// When staff verified the name and ID number against an identity document; empty
    /// until then (and again after either changes).
    async fn identity_verified_at(&self) -> Option<DateTime<Utc>> {
        self.view.identity_verified_at
    }
    /// True when the customer has their own login.
    async fn has_login(&self) -> bool {
        self.view.account_id.is_some()
    }
    /// When created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.view.created_at
    }
    /// When last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.view.updated_at
    }
    /// Consents, newest first.
    async fn consents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Consent>> {
        let list = match &self.children.consents {
            Some(list) => list.clone(),
            None => ctx
                .domain()?
                .consents_of(&[self.grant()])
                .await
                .gql()?
                .remove(&self.view.id)
                .unwrap_or_default(),
        };
        Ok(list.into_iter().map(Consent).collect())
    }
    /// Financial status, if recorded.
    async fn financial_status(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<FinancialStatus>> {
        let status = match &self.children.financial_status {
            Some(status) => *status,
            None => ctx
                .domain()?
                .financial_statuses_of(&[self.grant()])
                .await
                .gql()?
                .remove(&self.view.id),
        };
        Ok(status.map(FinancialStatus))
    }
    /// Preferences, if recorded.
    async fn preferences(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Preferences>> {
        let preferences = match &self.children.preferences {
            Some(preferences) => preferences.clone(),
            None => ctx
                .domain()?
                .preferences_of(&[self.grant()])
                .await
                .gql()?
                .remove(&self.view.id),
        };
        Ok(preferences.map(Preferences))
    }
    /// Bank cards, masked.
    async fn bank_accounts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<BankAccount>> {
        let list = match &self.children.bank_accounts {
            Some(list) => list.clone(),
            None => ctx
                .domain()?
                .bank_accounts_of(&[self.grant()])
                .await
                .gql()?
                .remove(&self.view.id)
                .unwrap_or_default(),
        };
        Ok(list.into_iter().map(BankAccount).collect())
    }
    /// The newest credit-report snapshot (no bureau call).
    async fn credit_report(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<CreditReport>> {
        let report = match &self.children.credit_report {
            Some(report) => report.clone(),
            None => ctx
                .domain()?
                .latest_credit_reports_of(&[self.grant()])
                .await
                .gql()?
                .remove(&self.view.id),
        };
        Ok(report.map(CreditReport))
    }
}

/// A search hit, with the full profile when asked for (loaded for the whole page at once).
pub struct CustomerSummaryGql(pub CustomerSummary, pub Option<Customer>);

#[Object(name = "CustomerSummary")]
impl CustomerSummaryGql {
    /// The customer id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The legal name.
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    /// Mobile, masked.
    async fn mobile(&self) -> Option<&str> {
        self.0.mobile_masked.as_deref()
    }
    /// ID number, masked.
    async fn id_number(&self) -> Option<&str> {
        self.0.id_number_masked.as_deref()
    }
    /// Birth date.
    async fn birth_date(&self) -> Option<Date> {
        self.0.birth_date.map(Date)
    }
    /// The full profile with its nested records. Asked for on a page, it is read for every
    /// hit at once (a fixed number of statements whatever the page size).
    async fn profile(&self) -> Option<&Customer> {
        self.1.as_ref()
    }
}
