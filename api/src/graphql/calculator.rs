//! The public loan calculator, for the bank's website and app: no login needed.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use domain::schedule::{LoanQuote as Quote, LoanTermsInput, RepaymentMethod, ScheduleEntry};
use rust_decimal::Decimal as RustDecimal;

use super::context::ContextExt;
use super::errors::GqlResult;
use super::scalars::{Date, Decimal};
use super::types::customer::FrequencyGql;
use super::types::money::money;

/// How a loan is repaid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "RepaymentMethod")]
pub enum RepaymentMethodGql {
    /// 等额本息: the same payment every period.
    EqualInstallment,
    /// 等额本金: the same principal every period, interest on the balance.
    EqualPrincipal,
    /// 先息后本: interest each period, all principal with the last.
    InterestFirst,
    /// 分期手续费: principal in equal parts plus a fee on the original principal; no interest.
    FeeBased,
}

impl From<RepaymentMethodGql> for RepaymentMethod {
    fn from(m: RepaymentMethodGql) -> Self {
        match m {
            RepaymentMethodGql::EqualInstallment => Self::EqualInstallment,
            RepaymentMethodGql::EqualPrincipal => Self::EqualPrincipal,
            RepaymentMethodGql::InterestFirst => Self::InterestFirst,
            RepaymentMethodGql::FeeBased => Self::FeeBased,
        }
    }
}

/// The loan to price.
#[derive(InputObject)]
pub struct LoanCalculatorInput {
    /// The amount borrowed, in yuan (above 0, at most 100,000,000.00).
    pub principal: Decimal,
    /// The nominal annual interest rate as a fraction ("0.12" = 12 %); omit for FEE_BASED.
    pub annual_rate: Option<Decimal>,
    /// The fee per period as a fraction of the original principal (FEE_BASED only).
    pub period_fee_rate: Option<Decimal>,
    /// The number of periods (1–360).
    pub periods: i32,
    /// Monthly or quarterly.
    pub frequency: FrequencyGql,
    /// How the loan is repaid.
    pub method: RepaymentMethodGql,
    /// When the money is paid out.
    pub start_date: Date,
    /// The day of the month payments fall due (1–28).
    pub payment_day: i32,
}

/// One row of a repayment schedule.
#[derive(SimpleObject)]
pub struct ScheduleRow {
    /// 1, 2, …
    pub period: u32,
    /// When it falls due.
    pub due_date: Date,
    /// principal + interest + fee.
    pub payment: Decimal,
    /// The principal repaid.
    pub principal: Decimal,
    /// The interest charged.
    pub interest: Decimal,
    /// The fee charged.
    pub fee: Decimal,
    /// The principal still owed after this payment.
    pub remaining_principal: Decimal,
}

impl From<&ScheduleEntry> for ScheduleRow {
    fn from(e: &ScheduleEntry) -> Self {
        Self {
            period: e.period,
            due_date: Date(e.due_date),
            payment: money(e.payment),
            principal: money(e.principal),
            interest: money(e.interest),
            fee: money(e.fee),
            remaining_principal: money(e.remaining_principal),
        }
    }
}

/// A priced loan: the full schedule, its totals and its true annual cost.
#[derive(SimpleObject)]
pub struct LoanQuote {
    /// Every payment.
    pub entries: Vec<ScheduleRow>,
    /// Everything paid.
    pub total_payment: Decimal,
    /// All interest.
    pub total_interest: Decimal,
    /// All fees.
    pub total_fees: Decimal,
    /// The annualized rate by the IRR method (PBOC 2021 No. 3): periodic IRR × periods per
    /// year, as a fraction, disclosed to 0.01 % ("0.2400" = 24.00 %): the figure compared
    /// with the legal cap, never above it.
    pub apr: Decimal,
    /// The APR as a percent with two decimals ("24.00"), as a bank shows it.
    pub apr_percent: Decimal,
    /// (1 + periodic IRR)^(periods per year) − 1, disclosed to 0.01 %.
    pub effective_annual_rate: Decimal,
}

/// A disclosed fraction as a percent with two decimals.
fn percent(fraction: RustDecimal) -> RustDecimal {
    let mut p = fraction
        .checked_mul(RustDecimal::ONE_HUNDRED)
        .unwrap_or(RustDecimal::MAX);
    p.rescale(2);
    p
}

impl From<Quote> for LoanQuote {
    fn from(q: Quote) -> Self {
        Self {
            entries: q.schedule.entries().iter().map(ScheduleRow::from).collect(),
            total_payment: money(q.total_payment),
            total_interest: money(q.total_interest),
            total_fees: money(q.total_fees),
            apr: Decimal(q.apr),
            apr_percent: Decimal(percent(q.apr)),
            effective_annual_rate: Decimal(q.effective_annual_rate),
        }
    }
}

/// The calculator query.
#[derive(Default)]
pub struct CalculatorQuery;

#[Object]
impl CalculatorQuery {
    /// Prices a loan: schedule, totals, APR and effective annual rate. Public. Its cost in
    /// the complexity limit is its selection once per period: a schedule costs what it
    /// returns.
    #[graphql(
        complexity = "child_complexity.saturating_mul(usize::try_from(input.periods.max(1)).unwrap_or(1)).saturating_add(1)"
    )]
    async fn loan_calculator(
        &self,
        ctx: &Context<'_>,
        input: LoanCalculatorInput,
    ) -> async_graphql::Result<LoanQuote> {
        let terms = LoanTermsInput {
            principal: input.principal.0,
            annual_rate: input.annual_rate.map_or(RustDecimal::ZERO, |d| d.0),
            period_fee_rate: input.period_fee_rate.map(|d| d.0),
            periods: i64::from(input.periods),
            frequency: input.frequency.into(),
            method: input.method.into(),
            start_date: input.start_date.0,
            payment_day: i64::from(input.payment_day),
        };
        let caller = ctx.anonymous_caller()?;
        ctx.domain()?
            .loan_calculator(&caller, terms)
            .await
            .gql()
            .map(LoanQuote::from)
    }
}
