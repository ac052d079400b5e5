//! Stage 1 for customers and agents: profiles, consent, financial status, preferences,
//! bank cards, credit reports, revealing masked data, and the customer's data rights.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Json, Object};
use chrono::NaiveTime;
use domain::auth::Permission;
use domain::customers::{
    CustomerSearch, FinancialStatusInput, NewBankAccount, PreferencesInput, ProfileInput,
    RevealField,
};
use domain::page::PageRequest;

use super::context::ContextExt;
use super::cursor;
use super::errors::{GqlResult, invalid};
use super::guard::RoleGuard;
use super::scalars::{Date, Decimal};
use super::types::customer::{
    BankAccount, ChannelGql, Consent, ConsentPurposeGql, ConsentTextGql, CreditReport,
    FinancialStatus, FrequencyGql, Preferences,
};
use super::types::customer_profile::{self, Customer, CustomerSummaryGql};
use super::types::parse_id;

/// A profile to create or change; on change, omitted fields stay as they are and an empty
/// string clears a text field.
#[derive(InputObject, Default)]
pub struct CustomerProfileInput {
    /// The legal name.
    pub full_name: Option<String>,
    /// Birth date (must match the ID number).
    pub birth_date: Option<Date>,
    /// Occupation.
    pub occupation: Option<String>,
    /// Employer.
    pub employer: Option<String>,
    /// Monthly income in yuan, e.g. "15000.00".
    pub monthly_income: Option<Decimal>,
    /// Postal address.
    pub address: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Contact mobile (11 digits).
    pub mobile: Option<String>,
    /// Resident ID number (18 characters); needs consent to sensitive processing.
    pub id_number: Option<String>,
    /// `zh-CN` or `en`.
    pub preferred_language: Option<String>,
}

impl From<CustomerProfileInput> for ProfileInput {
    fn from(i: CustomerProfileInput) -> Self {
        Self {
            full_name: i.full_name,
            birth_date: i.birth_date.map(|d| d.0),
            occupation: i.occupation,
            employer: i.employer,
            monthly_income: i.monthly_income.map(|d| d.0),
            address: i.address,
            email: i.email,
            mobile: i.mobile,
            id_number: i.id_number,
            preferred_language: i.preferred_language,
        }
    }
}

/// What to search for (at least one field).
#[derive(InputObject, Default)]
pub struct CustomerSearchInput {
    /// A part of the name.
    pub name: Option<String>,
    /// The exact mobile number.
    pub mobile: Option<String>,
    /// The exact resident ID number.
    pub id_number: Option<String>,
}

/// Financial status in yuan.
#[derive(InputObject)]
pub struct FinancialStatusGqlInput {
    /// Everything owned.
    pub assets: Decimal,
    /// Everything owed.
    pub liabilities: Decimal,
    /// Living expenses per month.
    pub monthly_expenses: Decimal,
    /// Payments on existing debts per month.
    pub monthly_debt_payments: Decimal,
}

/// Repayment and contact preferences.
#[derive(InputObject)]
pub struct PreferencesGqlInput {
    /// Monthly or quarterly.
    pub frequency: FrequencyGql,
    /// Preferred term in months (1–360).
    pub preferred_term_months: u32,
    /// Preferred payment day (1–28).
    pub payment_day: u32,
    /// The most per period, in yuan.
    pub max_monthly_budget: Option<Decimal>,
    /// Contact channels (at least one).
    pub channels: Vec<ChannelGql>,
    /// No reminders from `HH:MM`…
    pub quiet_hours_start: Option<String>,
    /// …until `HH:MM`.
    pub quiet_hours_end: Option<String>,
}

/// A bank card to add.
#[derive(InputObject)]
pub struct BankAccountInput {
    /// The issuing bank.
    pub bank_name: String,
    /// The card number (12–19 digits; spaces allowed).
    pub card_number: String,
}

/// Which masked value to reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum RevealableField {
    /// The resident ID number.
    IdNumber,
    /// The mobile number.
    Mobile,
    /// A bank card (give `bankAccountId`).
    BankCard,
}

fn time(value: Option<String>, field: &str) -> async_graphql::Result<Option<NaiveTime>> {
    value
        .map(|v| {
            NaiveTime::parse_from_str(v.trim(), "%H:%M")
                .map_err(|_| invalid(field, "Give a time as HH:MM, e.g. 21:30."))
        })
        .transpose()
}

/// Customer queries.
#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// The logged-in customer's own profile, if they made one.
    #[graphql(guard = "RoleGuard::new(Permission::OwnCustomerData)")]
    async fn my_customer_profile(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Customer>> {
        let caller = ctx.caller().await?;
        Ok(ctx
            .domain()?
            .read_my_customer(&caller)
            .await
            .gql()?
            .map(Customer::from))
    }

    /// One customer: the caller's own, or any for staff.
    #[graphql(guard = "RoleGuard::new(Permission::ReadCustomer)")]
    async fn customer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Customer> {
        let caller = ctx.caller().await?;
        let id = parse_id(&id, "id")?;
        ctx.domain()?
            .read_customer(id, &caller)
            .await
            .gql()
            .map(Customer::from)
    }

    /// Finds customers by a part of the name, or exactly by mobile or ID number.
    #[graphql(
        guard = "RoleGuard::new(Permission::SearchCustomers)",
        complexity = "super::cursor::page_cost(first, child_complexity)"
    )]
    async fn search_customers(
        &self,
        ctx: &Context<'_>,
        filter: CustomerSearchInput,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, CustomerSummaryGql>> {
        let caller = ctx.caller().await?;
        let after = cursor::decode(after.as_deref())?;
        let page = PageRequest::new(first, after).gql()?;
        let search = CustomerSearch {
            name: filter.name,
            mobile: filter.mobile,
            id_number: filter.id_number,
        };
        let domain = ctx.domain()?;
        let result = domain.search_customers(search, page, &caller).await.gql()?;
        // Profiles asked for on the page are read for every hit at once.
        let profile = ctx
            .look_ahead()
            .field("edges")
            .field("node")
            .field("profile");
        let mut profiles = match profile.selection_fields().first() {
            Some(selection) => {
                let ids: Vec<_> = result.items.iter().map(|(_, hit)| hit.id).collect();
                let mut reads = domain.read_customers(&ids, &caller).await.gql()?;
                let mut customers: Vec<Customer> = ids
                    .iter()
                    .filter_map(|id| reads.remove(id))
                    .map(Customer::from)
                    .collect();
                customer_profile::preload(ctx, &mut customers, *selection).await?;
                customers
                    .into_iter()
                    .map(|c| (c.id_value(), c))
                    .collect::<std::collections::HashMap<_, _>>()
            }
            None => std::collections::HashMap::new(),
        };
        Ok(cursor::connection(result, page.after.is_some(), |hit| {
            let profile = profiles.remove(&hit.id);
            CustomerSummaryGql(hit, profile)
        }))
    }

    /// The consent texts to show before asking for consent, in every language.
    async fn consent_texts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ConsentTextGql>> {
        Ok(ctx
            .domain()?
            .consent_texts()
            .iter()
            .map(|t| ConsentTextGql {
                purpose: t.purpose.into(),
                version: t.version.into(),
                language: t.language.into(),
                text: t.text.into(),
                text_hash: t.hash(),
            })
            .collect())
    }

    /// Everything the bank holds about the logged-in customer, as one JSON document.
    #[graphql(guard = "RoleGuard::new(Permission::OwnCustomerData)")]
    async fn my_data(&self, ctx: &Context<'_>) -> async_graphql::Result<Json<serde_json::Value>> {
        let caller = ctx.caller().await?;
        ctx.domain()?.my_data(&caller).await.gql().map(Json)
    }
}

/// Customer mutations.
#[derive(Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Creates a profile: a customer for themself, or an agent for a customer (audited).
    #[graphql(guard = "RoleGuard::new(Permission::WriteCustomer)")]
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        input: CustomerProfileInput,
    ) -> async_graphql::Result<Customer> {
        let caller = ctx.caller().await?;
        ctx.domain()?
            .create_customer(input.into(), &caller)
            .await
            .gql()
            .map(Customer::from)
    }

    /// Changes a profile (staff changes are audited).
    #[graphql(guard = "RoleGuard::new(Permission::WriteCustomer)")]
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        input: CustomerProfileInput,
    ) -> async_graphql::Result<Customer> {
        let caller = ctx.caller().await?;
        let id = parse_id(&customer_id, "customerId")?;
        ctx.domain()?
            .update_customer(id, input.into(), &caller)
            .await
            .gql()
            .map(Customer::from)
    }

    /// Records consent to the current text of `purpose`; `textHash` is the hash of the
    /// text shown (from `consentTexts`).
    #[graphql(guard = "RoleGuard::new(Permission::WriteCustomer)")]
    async fn give_consent(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        purpose: ConsentPurposeGql,
        text_hash: String,
    ) -> async_graphql::Result<Consent> {
        let caller = ctx.caller().await?;
        let id = parse_id(&customer_id, "customerId")?;
        ctx.domain()?
            .give_consent(id, purpose.into(), &text_hash, &caller)
            .await
            .gql()
            .map(Consent)
    }

    /// Withdraws consent; processing that needs it is refused from now on.
    #[graphql(guard = "RoleGuard::new(Permission::WriteCustomer)")]
    async fn withdraw_consent(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        purpose: ConsentPurposeGql,
    ) -> async_graphql::Result<Vec<Consent>> {
        let caller = ctx.caller().await?;
        let id = parse_id(&customer_id, "customerId")?;
        let list = ctx
            .domain()?
            .withdraw_consent(id, purpose.into(), &caller)
            .await
            .gql()?;
        Ok(list.into_iter().map(Consent).collect())
    }

    /// Records the financial status (needs consent).
    #[graphql(guard = "RoleGuard::new(Permission::WriteCustomer)")]
    async fn set_financial_status(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        input: FinancialStatusGqlInput,
    ) -> async_graphql::Result<FinancialStatus> {
        let caller = ctx.caller().await?;
        let id = parse_id(&customer_id, "customerId")?;
        let input = FinancialStatusInput {
            assets: input.assets.0,
            liabilities: input.liabilities.0,
            monthly_expenses: input.monthly_expenses.0,
            monthly_debt_payments: input.monthly_debt_payments.0,
        };
        ctx.domain()?
            .set_financial_status(id, input, &caller)
            .await
            .gql()
            .map(FinancialStatus)
    }

    /// Records repayment and contact preferences.
    #[graphql(guard = "RoleGuard::new(Permission::WriteCustomer)")]
    async fn set_preferences(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        input: PreferencesGqlInput,
    ) -> async_graphql::Result<Preferences> {
        let caller = ctx.caller().await?;
        let id = parse_id(&customer_id, "customerId")?;
        let input = PreferencesInput {
            frequency: input.frequency.into(),
            preferred_term_months: input.preferred_term_months,
            payment_day: input.payment_day,
            max_monthly_budget: input.max_monthly_budget.map(|d| d.0),
            channels: input.channels.into_iter().map(Into::into).collect(),
            quiet_hours_start: time(input.quiet_hours_start, "quietHoursStart")?,
            quiet_hours_end: time(input.quiet_hours_end, "quietHoursEnd")?,
        };
        ctx.domain()?
            .set_preferences(id, input, &caller)
            .await
            .gql()
            .map(Preferences)
    }

    /// Adds a bank card (needs consent). A card failing the Luhn check is kept with a
    /// warning to confirm it.
    #[graphql(guard = "RoleGuard::new(Permission::WriteCustomer)")]
    async fn add_bank_account(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        input: BankAccountInput,
    ) -> async_graphql::Result<BankAccount> {
        let caller = ctx.caller().await?;
        let id = parse_id(&customer_id, "customerId")?;
        let input = NewBankAccount {
            bank_name: input.bank_name,
            card_number: input.card_number,
        };
        ctx.domain()?
            .add_bank_account(id, input, &caller)
            .await
            .gql()
            .map(BankAccount)
    }

    /// Records that the agent checked the customer's identity document against the name
    /// and ID number on file (needed before an external credit bureau is asked). Audited.
    #[graphql(guard = "RoleGuard::new(Permission::VerifyIdentity)")]
    async fn verify_customer_identity(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        note: String,
    ) -> async_graphql::Result<Customer> {
        let caller = ctx.caller().await?;
        let id = parse_id(&customer_id, "customerId")?;
        ctx.domain()?
            .verify_customer_identity(id, &note, &caller)
            .await
            .gql()
            .map(Customer::from)
    }

    /// The clear value of a masked identifier, for staff with a stated reason. Audited.
    #[graphql(guard = "RoleGuard::new(Permission::RevealPersonalData)")]
    async fn reveal_customer_data(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        field: RevealableField,
        bank_account_id: Option<ID>,
        reason: String,
    ) -> async_graphql::Result<String> {
        let caller = ctx.caller().await?;
        let id = parse_id(&customer_id, "customerId")?;
        let field = match field {
            RevealableField::IdNumber => RevealField::IdNumber,
            RevealableField::Mobile => RevealField::Mobile,
            RevealableField::BankCard => {
                let account = bank_account_id
                    .as_ref()
                    .ok_or_else(|| invalid("bankAccountId", "Say which card to reveal."))?;
                RevealField::BankCard(parse_id(account, "bankAccountId")?)
            }
        };
        ctx.domain()?
            .reveal(id, field, &reason, &caller)
            .await
            .gql()
    }

    /// The customer's credit report: the stored one while fresh (30 days), else a new one
    /// from the bureau; `refresh` forces a new inquiry. Needs consent to credit inquiries.
    #[graphql(guard = "RoleGuard::new(Permission::AssessRisk)")]
    async fn fetch_credit_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer whose report is wanted.")] customer_id: ID,
        #[graphql(desc = "Ask the bureau again even if the stored report is fresh.")]
        refresh: Option<bool>,
    ) -> async_graphql::Result<CreditReport> {
        let caller = ctx.caller().await?;
        let id = parse_id(&customer_id, "customerId")?;
        ctx.domain()?
            .credit_report(id, refresh.unwrap_or(false), &caller)
            .await
            .gql()
            .map(CreditReport)
    }

    /// Erases the logged-in customer's personal data; refused while a plan is active.
    /// Identity records are kept ten years, as the Anti-Money-Laundering Law requires.
    #[graphql(guard = "RoleGuard::new(Permission::OwnCustomerData)")]
    async fn request_data_deletion(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let caller = ctx.caller().await?;
        ctx.domain()?.request_data_deletion(&caller).await.gql()?;
        Ok(true)
    }
}
