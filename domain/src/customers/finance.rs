//! Financial status (assets, liabilities, monthly expenses and existing debt payments) and
//! repayment and contact preferences: the inputs of affordability and of personalized
//! options.

use chrono::{DateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use uuid::Uuid;

use entities::{customer_preference, financial_status};

use crate::audit::AuditRecord;
use crate::auth::Caller;
use crate::auth::Permission;
use crate::clock::{from_millis, to_millis};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult};
use crate::money::Money;
use crate::schedule::Frequency;
use crate::service::Domain;

use super::access::{audit_unless_self_service, load_for};
use super::consent::{self, ConsentPurpose};

/// The largest amount accepted for any financial figure (10 billion yuan).
const MAX_FEN: i64 = 1_000_000_000_000;

/// Financial status as given, in yuan.
#[derive(Debug, Clone, Copy)]
pub struct FinancialStatusInput {
    /// Everything owned (deposits, property, vehicles…).
    pub assets: Decimal,
    /// Everything owed.
    pub liabilities: Decimal,
    /// Living expenses per month.
    pub monthly_expenses: Decimal,
    /// Payments on existing debts per month (mortgage, car loan, other installments).
    pub monthly_debt_payments: Decimal,
}

/// Financial status as stored.
#[derive(Debug, Clone, Copy)]
pub struct FinancialStatusView {
    /// Assets.
    pub assets: Money,
    /// Liabilities.
    pub liabilities: Money,
    /// Monthly expenses.
    pub monthly_expenses: Money,
    /// Monthly payments on existing debts.
    pub monthly_debt_payments: Money,
    /// When it was last recorded.
    pub updated_at: DateTime<Utc>,
}

impl From<&financial_status::Model> for FinancialStatusView {
    fn from(m: &financial_status::Model) -> Self {
        Self {
            assets: Money::from_fen(m.assets_fen),
            liabilities: Money::from_fen(m.liabilities_fen),
            monthly_expenses: Money::from_fen(m.monthly_expenses_fen),
            monthly_debt_payments: Money::from_fen(m.monthly_debt_payments_fen),
            updated_at: from_millis(m.updated_at),
        }
    }
}

fn amount(value: Decimal, field: &str) -> DomainResult<i64> {
    let money = Money::try_from_yuan(value).map_err(|_| {
        DomainError::validation(field, "Give the amount in yuan with at most 2 decimals.")
    })?;
    let fen = money.to_fen();
    if !(0..=MAX_FEN).contains(&fen) {
        return Err(DomainError::validation(
            field,
            "The amount must be between 0 and 10,000,000,000 yuan.",
        ));
    }
    Ok(fen)
}

/// A contact channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Text message.
    Sms,
    /// E-mail.
    Email,
    /// Push notification in the app.
    App,
}

impl Channel {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
            Self::App => "app",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Self::Sms),
            "email" => Some(Self::Email),
            "app" => Some(Self::App),
            _ => None,
        }
    }
}

/// Preferences as given.
#[derive(Debug, Clone)]
pub struct PreferencesInput {
    /// Monthly or quarterly.
    pub frequency: Frequency,
    /// The preferred term in months (1–360).
    pub preferred_term_months: u32,
    /// The preferred day of the month for payments (1–28, so every month has it).
    pub payment_day: u32,
    /// The most the customer wants to pay per period, in yuan.
    pub max_monthly_budget: Option<Decimal>,
    /// How the customer wants to be contacted (at least one).
    pub channels: Vec<Channel>,
    /// No reminders from (e.g. 21:30)…
    pub quiet_hours_start: Option<NaiveTime>,
    /// …until (e.g. 08:00), in the bank's time zone.
    pub quiet_hours_end: Option<NaiveTime>,
}

/// Preferences as stored.
#[derive(Debug, Clone)]
pub struct PreferencesView {
    /// Monthly or quarterly.
    pub frequency: Frequency,
    /// The preferred term in months.
    pub preferred_term_months: u32,
    /// The preferred payment day.
    pub payment_day: u32,
    /// The most per period.
    pub max_monthly_budget: Option<Money>,
    /// Contact channels.
    pub channels: Vec<Channel>,
    /// Quiet hours start.
    pub quiet_hours_start: Option<NaiveTime>,
    /// Quiet hours end.
    pub quiet_hours_end: Option<NaiveTime>,
    /// When they were last set.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<&customer_preference::Model> for PreferencesView {
    type Error = DomainError;

    fn try_from(m: &customer_preference::Model) -> Result<Self, DomainError> {
        let time = |s: &Option<String>| {
            s.as_deref()
                .and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok())
        };
        Ok(Self {
            frequency: Frequency::from_stored(&m.frequency).map_err(DomainError::Internal)?,
            preferred_term_months: m.preferred_term_months.max(0) as u32,
            payment_day: m.payment_day.max(0) as u32,
            max_monthly_budget: m.max_monthly_budget_fen.map(Money::from_fen),
            channels: m.channels.split(',').filter_map(Channel::parse).collect(),
            quiet_hours_start: time(&m.quiet_hours_start),
            quiet_hours_end: time(&m.quiet_hours_end),
            updated_at: from_millis(m.updated_at),
        })
    }
}

impl Domain {
    /// Records the customer's financial status (sensitive: needs consent). Staff changes
    /// are audited.
    pub async fn set_financial_status(
        &self,
        customer_id: Uuid,
        input: FinancialStatusInput,
        caller: &Caller,
    ) -> DomainResult<FinancialStatusView> {
        let assets = amount(input.assets, "assets")?;
        let liabilities = amount(input.liabilities, "liabilities")?;
        let expenses = amount(input.monthly_expenses, "monthlyExpenses")?;
        let debts = amount(input.monthly_debt_payments, "monthlyDebtPayments")?;
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let customer = load_for(&txn, caller, customer_id, Permission::WriteCustomer).await?;
        consent::require(
            &txn,
            customer.id,
            ConsentPurpose::SensitivePersonalInformation,
        )
        .await?;
        let existing = financial_status::Entity::find_by_id(customer.id)
            .one(&txn)
            .await?;
        let before = existing
            .as_ref()
            .map(|m| financial_snapshot(&FinancialStatusView::from(m)));
        let model = financial_status::ActiveModel {
            customer_id: Set(customer.id),
            assets_fen: Set(assets),
            liabilities_fen: Set(liabilities),
            monthly_expenses_fen: Set(expenses),
            monthly_debt_payments_fen: Set(debts),
            updated_by: Set(caller.actor.map(|a| a.account_id)),
            updated_at: Set(to_millis(now)),
        };
        let saved = if existing.is_some() {
            model.update(&txn).await?
        } else {
            model.insert(&txn).await?
        };
        let view = FinancialStatusView::from(&saved);
        let mut record = AuditRecord::new(
            "customer.financial_status",
            "customer",
            Some(customer.id.to_string()),
        )
        .after(financial_snapshot(&view));
        if let Some(before) = before {
            record = record.before(before);
        }
        audit_unless_self_service(&txn, now, caller, record).await?;
        txn.commit().await?;
        Ok(view)
    }

    /// Records repayment and contact preferences. Staff changes are audited.
    pub async fn set_preferences(
        &self,
        customer_id: Uuid,
        input: PreferencesInput,
        caller: &Caller,
    ) -> DomainResult<PreferencesView> {
        if !(1..=360).contains(&input.preferred_term_months) {
            return Err(DomainError::validation(
                "preferredTermMonths",
                "Choose a term of 1 to 360 months.",
            ));
        }
        if !(1..=28).contains(&input.payment_day) {
            return Err(DomainError::validation(
                "paymentDay",
                "Choose a payment day from 1 to 28, so that every month has it.",
            ));
        }
        if input.channels.is_empty() {
            return Err(DomainError::validation(
                "channels",
                "Choose at least one way to be contacted.",
            ));
        }
        if input.quiet_hours_start.is_some() != input.quiet_hours_end.is_some() {
            return Err(DomainError::validation(
                "quietHoursEnd",
                "Give both the start and the end of the quiet hours, or neither.",
            ));
        }
        let budget = input
            .max_monthly_budget
            .map(|b| amount(b, "maxMonthlyBudget"))
            .transpose()?;
        let mut channels: Vec<&str> = Vec::with_capacity(input.channels.len());
        for channel in &input.channels {
            if !channels.contains(&channel.as_str()) {
                channels.push(channel.as_str());
            }
        }
        let now = self.now();
        let txn = begin_write(self.db()).await?;
        let customer = load_for(&txn, caller, customer_id, Permission::WriteCustomer).await?;
        let existing = customer_preference::Entity::find_by_id(customer.id)
            .one(&txn)
            .await?;
        let before = existing
            .as_ref()
            .map(|m| PreferencesView::try_from(m).map(|v| preferences_snapshot(&v)))
            .transpose()?;
        let model = customer_preference::ActiveModel {
            customer_id: Set(customer.id),
            frequency: Set(input.frequency.stored().into()),
            preferred_term_months: Set(input.preferred_term_months as i32),
            payment_day: Set(input.payment_day as i32),
            max_monthly_budget_fen: Set(budget),
            channels: Set(channels.join(",")),
            quiet_hours_start: Set(input
                .quiet_hours_start
                .map(|t| t.format("%H:%M").to_string())),
            quiet_hours_end: Set(input.quiet_hours_end.map(|t| t.format("%H:%M").to_string())),
            updated_at: Set(to_millis(now)),
        };
        let saved = if existing.is_some() {
            model.update(&txn).await?
        } else {
            model.insert(&txn).await?
        };
        audit_unless_self_service(&txn, now, caller, {
            let record = AuditRecord::new(
                "customer.preferences",
                "customer",
                Some(customer.id.to_string()),
            )
            .after(preferences_snapshot(&PreferencesView::try_from(&saved)?));
            match before {
                Some(before) => record.before(before),
                None => record,
            }
        })
        .await?;
        txn.commit().await?;
        PreferencesView::try_from(&saved)
    }
}

/// Financial status as the audit trail and the customer's copy of their data show it.
pub(crate) fn financial_snapshot(v: &FinancialStatusView) -> serde_json::Value {
    json!({
        "assets": v.assets.to_string(),
        "liabilities": v.liabilities.to_string(),
        "monthlyExpenses": v.monthly_expenses.to_string(),
        "monthlyDebtPayments": v.monthly_debt_payments.to_string(),
    })
}

/// Preferences as the audit trail and the customer's copy of their data show them: every
/// field, since the budget caps the largest installment a customer is offered.
pub(crate) fn preferences_snapshot(v: &PreferencesView) -> serde_json::Value {
    json!({
        "frequency": v.frequency.stored(),
        "preferredTermMonths": v.preferred_term_months,
        "paymentDay": v.payment_day,
        "maxMonthlyBudget": v.max_monthly_budget.map(|m| m.to_string()),
        "channels": v.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "quietHoursStart": v.quiet_hours_start.map(|t| t.format("%H:%M").to_string()),
        "quietHoursEnd": v.quiet_hours_end.map(|t| t.format("%H:%M").to_string()),
    })
}
