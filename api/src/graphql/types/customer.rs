//! Customer records as GraphQL shapes. Identifiers are always masked. The profile with
//! its nested reads is in [`super::customer_profile`].

use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveTime, Utc};
use domain::customers::{
    BankAccountView, Channel, ConsentPurpose, ConsentView, CreditReportView, FinancialStatusView,
    PreferencesView,
};
use domain::schedule::Frequency;

use crate::graphql::scalars::Decimal;

use super::money::money;

/// What a consent allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "ConsentPurpose")]
pub enum ConsentPurposeGql {
    /// Processing the ID number, bank accounts and financial status.
    SensitivePersonalInformation,
    /// Asking a credit bureau for the credit report.
    CreditInquiry,
}

impl From<ConsentPurposeGql> for ConsentPurpose {
    fn from(p: ConsentPurposeGql) -> Self {
        match p {
            ConsentPurposeGql::SensitivePersonalInformation => Self::SensitivePersonalInformation,
            ConsentPurposeGql::CreditInquiry => Self::CreditInquiry,
        }
    }
}

impl From<ConsentPurpose> for ConsentPurposeGql {
    fn from(p: ConsentPurpose) -> Self {
        match p {
            ConsentPurpose::SensitivePersonalInformation => Self::SensitivePersonalInformation,
            ConsentPurpose::CreditInquiry => Self::CreditInquiry,
        }
    }
}

/// Monthly or quarterly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "Frequency")]
pub enum FrequencyGql {
    /// Every month (period rate = annual / 12).
    Monthly,
    /// Every three months (period rate = annual / 4).
    Quarterly,
}

impl From<FrequencyGql> for Frequency {
    fn from(f: FrequencyGql) -> Self {
        match f {
            FrequencyGql::Monthly => Self::Monthly,
            FrequencyGql::Quarterly => Self::Quarterly,
        }
    }
}

impl From<Frequency> for FrequencyGql {
    fn from(f: Frequency) -> Self {
        match f {
            Frequency::Monthly => Self::Monthly,
            Frequency::Quarterly => Self::Quarterly,
        }
    }
}

/// A contact channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "ContactChannel")]
pub enum ChannelGql {
    /// Text message.
    Sms,
    /// E-mail.
    Email,
    /// App notification.
    App,
}

impl From<ChannelGql> for Channel {
    fn from(c: ChannelGql) -> Self {
        match c {
            ChannelGql::Sms => Self::Sms,
            ChannelGql::Email => Self::Email,
            ChannelGql::App => Self::App,
        }
    }
}

impl From<Channel> for ChannelGql {
    fn from(c: Channel) -> Self {
        match c {
            Channel::Sms => Self::Sms,
            Channel::Email => Self::Email,
            Channel::App => Self::App,
        }
    }
}

/// A recorded consent.
pub struct Consent(pub ConsentView);

#[Object]
impl Consent {
    /// The record id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What it allows.
    async fn purpose(&self) -> ConsentPurposeGql {
        self.0.purpose.into()
    }
    /// The text version agreed to.
    async fn version(&self) -> &str {
        &self.0.version
    }
    /// SHA-256 of the exact text agreed to.
    async fn text_hash(&self) -> &str {
        &self.0.text_hash
    }
    /// `app` (the customer) or `staff` (recorded by an agent).
    async fn channel(&self) -> &str {
        &self.0.channel
    }
    /// When it was given.
    async fn given_at(&self) -> DateTime<Utc> {
        self.0.given_at
    }
    /// When it was withdrawn.
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at
    }
}

/// A consent text to show before asking for consent.
#[derive(SimpleObject)]
pub struct ConsentTextGql {
    /// What it allows.
    pub purpose: ConsentPurposeGql,
    /// The version.
    pub version: String,
    /// `zh-CN` or `en`.
    pub language: String,
    /// The text.
    pub text: String,
    /// SHA-256 of the text: send it back with `giveConsent`.
    pub text_hash: String,
}

/// Financial status.
pub struct FinancialStatus(pub FinancialStatusView);

#[Object]
impl FinancialStatus {
    /// Everything owned.
    async fn assets(&self) -> Decimal {
        money(self.0.assets)
    }
    /// Everything owed.
    async fn liabilities(&self) -> Decimal {
        money(self.0.liabilities)
    }
    /// Living expenses per month.
    async fn monthly_expenses(&self) -> Decimal {
        money(self.0.monthly_expenses)
    }
    /// Payments on existing debts per month.
    async fn monthly_debt_payments(&self) -> Decimal {
        money(self.0.monthly_debt_payments)
    }
    /// When recorded.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Repayment and contact preferences.
pub struct Preferences(pub PreferencesView);

#[Object]
impl Preferences {
    /// Monthly or quarterly.
    async fn frequency(&self) -> FrequencyGql {
        self.0.frequency.into()
    }
    /// Preferred term in months.
    async fn preferred_term_months(&self) -> u32 {
        self.0.preferred_term_months
    }
    /// Preferred payment day (1–28).
    async fn payment_day(&self) -> u32 {
        self.0.payment_day
    }
    /// The most the customer wants to pay per period.
    async fn max_monthly_budget(&self) -> Option<Decimal> {
        self.0.max_monthly_budget.map(money)
    }
    /// Contact channels.
    async fn channels(&self) -> Vec<ChannelGql> {
        self.0.channels.iter().map(|c| (*c).into()).collect()
    }
    /// Quiet hours start (`HH:MM`).
    async fn quiet_hours_start(&self) -> Option<String> {
        self.0.quiet_hours_start.map(fmt_time)
    }
    /// Quiet hours end (`HH:MM`).
    async fn quiet_hours_end(&self) -> Option<String> {
        self.0.quiet_hours_end.map(fmt_time)
    }
}

fn fmt_time(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// A bank card, masked.
pub struct BankAccount(pub BankAccountView);

#[Object]
impl BankAccount {
    /// The record id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The issuing bank.
    async fn bank_name(&self) -> &str {
        &self.0.bank_name
    }
    /// `**** **** **** 1234`.
    async fn card_number(&self) -> &str {
        &self.0.card_masked
    }
    /// Whether the number passes the Luhn check.
    async fn luhn_valid(&self) -> bool {
        self.0.luhn_valid
    }
    /// Something to check about the card, if anything (a failed Luhn check).
    async fn warning(&self) -> Option<&str> {
        self.0.warning.as_deref()
    }
    /// When added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A credit-report snapshot.
pub struct CreditReport(pub CreditReportView);

#[Object]
impl CreditReport {
    /// The snapshot id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Which bureau answered.
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// The bureau's score (300–900), when it has one.
    async fn score(&self) -> Option<u16> {
        self.0.score
    }
    /// Open credit accounts.
    async fn open_accounts(&self) -> u32 {
        self.0.open_accounts
    }
    /// Delinquencies in the last 24 months.
    #[graphql(name = "delinquencies24m")]
    async fn delinquencies_24m(&self) -> u32 {
        self.0.delinquencies_24m
    }
    /// Inquiries in the last 6 months.
    async fn recent_inquiries(&self) -> u32 {
        self.0.recent_inquiries
    }
    /// Whether an account is delinquent now.
    async fn active_delinquency(&self) -> bool {
        self.0.active_delinquency
    }
    /// When the bureau produced it.
    async fn reported_at(&self) -> DateTime<Utc> {
        self.0.reported_at
    }
    /// When Fenqi fetched it.
    async fn fetched_at(&self) -> DateTime<Utc> {
        self.0.fetched_at
    }
}
