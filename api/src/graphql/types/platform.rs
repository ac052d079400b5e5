//! Platforms, their products and disclosures, recommendations and reconciliation as
//! clients see them. Rates are fractions ("0.0950" = 9.50 %), amounts yuan; credentials
//! never appear.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use domain::money::Money;
use domain::platforms::port::{
    GradePricing as Pricing, PlanFrequency, PlanMethod, Product as PortProduct,
};
use domain::platforms::{
    DisclosureView, EventView, MismatchView, PlatformQuote, PlatformView, Recommendation,
    ReconciliationReportView,
};
use entities::installment_platform::PlatformKind;
use entities::platform_event::EventOutcome;
use entities::reconciliation_item::MismatchKind;

use crate::graphql::calculator::{LoanQuote, RepaymentMethodGql};
use crate::graphql::scalars::{Date, Decimal};

use super::customer::{ChannelGql, FrequencyGql};
use super::money::money;

/// Whose books a platform's plans live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "PlatformKind", remote = "PlatformKind")]
pub enum PlatformKindGql {
    /// The bank's own ledger.
    Internal,
    /// A third party over signed HTTP.
    External,
}

/// What became of a partner's callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "PlatformEventOutcome", remote = "EventOutcome")]
pub enum EventOutcomeGql {
    /// It changed our records.
    Applied,
    /// A later event had already been applied.
    Stale,
    /// It names a plan we do not know: kept for staff review.
    Unmatched,
}

/// How a partner's statement and our records disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "MismatchKind", remote = "MismatchKind")]
pub enum MismatchKindGql {
    /// In their statement, not in our records.
    MissingOurs,
    /// In our records, not in their statement.
    MissingTheirs,
    /// Both have it, with different amounts.
    AmountDiffers,
    /// One says it moved, the other that it failed.
    StatusDiffers,
}

pub(crate) fn method_gql(m: PlanMethod) -> RepaymentMethodGql {
    match m {
        PlanMethod::EqualInstallment => RepaymentMethodGql::EqualInstallment,
        PlanMethod::EqualPrincipal => RepaymentMethodGql::EqualPrincipal,
        PlanMethod::InterestFirst => RepaymentMethodGql::InterestFirst,
        PlanMethod::FeeBased => RepaymentMethodGql::FeeBased,
    }
}

pub(crate) fn method_port(m: RepaymentMethodGql) -> PlanMethod {
    match m {
        RepaymentMethodGql::EqualInstallment => PlanMethod::EqualInstallment,
        RepaymentMethodGql::EqualPrincipal => PlanMethod::EqualPrincipal,
        RepaymentMethodGql::InterestFirst => PlanMethod::InterestFirst,
        RepaymentMethodGql::FeeBased => PlanMethod::FeeBased,
    }
}

pub(crate) fn frequency_gql(f: PlanFrequency) -> FrequencyGql {
    match f {
        PlanFrequency::Monthly => FrequencyGql::Monthly,
        PlanFrequency::Quarterly => FrequencyGql::Quarterly,
    }
}

pub(crate) fn frequency_port(f: FrequencyGql) -> PlanFrequency {
    match f {
        FrequencyGql::Monthly => PlanFrequency::Monthly,
        FrequencyGql::Quarterly => PlanFrequency::Quarterly,
    }
}

/// The price of a product for one risk grade. `rate` is the annual interest rate, or the
/// fee per period for `FEE_BASED` products.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "GradePricingInput")]
pub struct GradePricing {
    /// The grade, A–E.
    pub grade: String,
    /// The lowest rate negotiable.
    pub min_rate: Decimal,
    /// The list price.
    pub standard_rate: Decimal,
    /// The highest rate.
    pub max_rate: Decimal,
}

/// An installment product.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "ProductInput")]
pub struct Product {
    /// The platform's code for it.
    pub code: String,
    /// Its name.
    pub name: String,
    /// How it is repaid.
    pub method: RepaymentMethodGql,
    /// How often payments may fall due.
    pub frequencies: Vec<FrequencyGql>,
    /// The numbers of installments offered.
    pub terms: Vec<u32>,
    /// The smallest amount, in yuan.
    pub min_amount: Decimal,
    /// The largest amount, in yuan.
    pub max_amount: Decimal,
    /// The price per eligible grade.
    pub pricing: Vec<GradePricing>,
    /// Whether early repayment is allowed.
    pub prepayment_allowed: bool,
    /// Its fee, a fraction of the principal repaid early.
    pub prepayment_fee_rate: Decimal,
    /// Installments to pay before early repayment is allowed.
    pub prepayment_min_periods_paid: u32,
    /// Days of grace before late charges.
    pub late_grace_days: u32,
    /// Penalty interest per day on the overdue amount.
    pub late_daily_rate: Decimal,
}

impl From<&PortProduct> for Product {
    fn from(p: &PortProduct) -> Self {
        Self {
            code: p.code.clone(),
            name: p.name.clone(),
            method: method_gql(p.method),
            frequencies: p.frequencies.iter().map(|f| frequency_gql(*f)).collect(),
            terms: p.terms.clone(),
            min_amount: money(Money::from_fen(p.min_amount_fen)),
            max_amount: money(Money::from_fen(p.max_amount_fen)),
            pricing: p
                .pricing
                .iter()
                .map(|g| GradePricing {
                    grade: g.grade.clone(),
                    min_rate: Decimal(g.min_rate),
                    standard_rate: Decimal(g.standard_rate),
                    max_rate: Decimal(g.max_rate),
                })
                .collect(),
            prepayment_allowed: p.prepayment.allowed,
            prepayment_fee_rate: Decimal(p.prepayment.fee_rate),
            prepayment_min_periods_paid: p.prepayment.min_periods_paid,
            late_grace_days: p.late_charge.grace_days,
            late_daily_rate: Decimal(p.late_charge.daily_rate),
        }
    }
}

impl Product {
    /// The port's product; amounts that are not whole fen are refused by the domain's
    /// checks through `min_amount_fen > max_amount_fen`-style errors, so they are
    /// converted exactly here.
    pub fn into_port(self) -> Result<PortProduct, String> {
        let fen = |d: Decimal, what: &str| {
            Money::try_from_yuan(d.0)
                .map(Money::to_fen)
                .map_err(|_| format!("{}: {what} must be yuan with at most 2 decimals", self.code))
        };
        Ok(PortProduct {
            min_amount_fen: fen(self.min_amount, "minAmount")?,
            max_amount_fen: fen(self.max_amount, "maxAmount")?,
            code: self.code.clone(),
            name: self.name,
            method: method_port(self.method),
            frequencies: self.frequencies.into_iter().map(frequency_port).collect(),
            terms: self.terms,
            pricing: self
                .pricing
                .into_iter()
                .map(|g| Pricing {
                    grade: g.grade,
                    min_rate: g.min_rate.0,
                    standard_rate: g.standard_rate.0,
                    max_rate: g.max_rate.0,
                })
                .collect(),
            prepayment: domain::platforms::port::PrepaymentTerms {
                allowed: self.prepayment_allowed,
                fee_rate: self.prepayment_fee_rate.0,
                min_periods_paid: self.prepayment_min_periods_paid,
            },
            late_charge: domain::platforms::port::LateChargeTerms {
                grace_days: self.late_grace_days,
                daily_rate: self.late_daily_rate.0,
            },
        })
    }
}

/// What a platform discloses to customers: one version, fixed by its SHA-256.
#[derive(SimpleObject)]
pub struct Disclosure {
    /// The platform.
    pub platform_code: String,
    /// The version; consent names it.
    pub version: i32,
    /// The policy text.
    pub policy_text: String,
    /// The fee standards, written out from the products.
    pub fee_text: String,
    /// SHA-256 (hex) of exactly what is shown; `acceptDisclosure` repeats it.
    pub sha256: String,
    /// When this version was made.
    pub created_at: DateTime<Utc>,
}

impl From<DisclosureView> for Disclosure {
    fn from(d: DisclosureView) -> Self {
        Self {
            platform_code: d.platform_code,
            version: d.version,
            policy_text: d.policy_text,
            fee_text: d.fee_text,
            sha256: d.sha256,
            created_at: d.created_at,
        }
    }
}

/// An installment platform: the bank's own ledger or a partner.
#[derive(SimpleObject)]
pub struct InstallmentPlatform {
    /// Its code.
    pub code: String,
    /// Internal or external.
    pub kind: PlatformKindGql,
    /// Its name.
    pub name: String,
    /// A partner's base URL (staff only; null for customers).
    pub base_url: Option<String>,
    /// Whether credentials are on file (staff only; the credentials never leave the bank).
    pub has_credentials: bool,
    /// Its products.
    pub products: Vec<Product>,
    /// The channels it serves customers through.
    pub channels: Vec<ChannelGql>,
    /// Whether it is offered.
    pub active: bool,
    /// What it discloses now.
    pub disclosure: Disclosure,
    /// Its circuit breaker in this API process, once called (`closed`, `open`,
    /// `half_open`; staff only).
    pub breaker: Option<String>,
}

impl From<PlatformView> for InstallmentPlatform {
    fn from(p: PlatformView) -> Self {
        Self {
            code: p.code,
            kind: p.kind.into(),
            name: p.name,
            base_url: p.base_url,
            has_credentials: p.has_credentials,
            products: p.products.iter().map(Product::from).collect(),
            channels: p.channels.into_iter().map(Into::into).collect(),
            active: p.active,
            disclosure: p.disclosure.into(),
            breaker: p.breaker.map(str::to_owned),
        }
    }
}

/// One platform's answer for an application.
#[derive(SimpleObject)]
pub struct PlatformRecommendation {
    /// 1 for the best; null when not eligible.
    pub rank: Option<u32>,
    /// The platform.
    pub platform_code: String,
    /// Its name.
    pub platform_name: String,
    /// Whether it can serve this application now.
    pub eligible: bool,
    /// The product quoted (the cheapest that fits).
    pub product_code: Option<String>,
    /// Its name.
    pub product_name: Option<String>,
    /// How it is repaid.
    pub method: Option<RepaymentMethodGql>,
    /// The annual interest rate quoted (0 for fee-based).
    pub annual_rate: Option<Decimal>,
    /// The fee per period, fee-based only.
    pub period_fee_rate: Option<Decimal>,
    /// The schedule, totals and APR, priced by the bank's schedule engine.
    pub quote: Option<LoanQuote>,
    /// Why it ranks where it does, or why it is not eligible, in plain words.
    pub reasons: Vec<String>,
    /// What the platform discloses now; consent names this version.
    pub disclosure: Disclosure,
    /// Whether the customer accepted this disclosure version for this application.
    pub consented: bool,
}

impl From<PlatformQuote> for PlatformRecommendation {
    fn from(q: PlatformQuote) -> Self {
        Self {
            rank: q.rank,
            platform_code: q.platform_code,
            platform_name: q.platform_name,
            eligible: q.eligible,
            product_code: q.product_code,
            product_name: q.product_name,
            method: q.price.as_ref().map(|p| method_gql(p.method)),
            annual_rate: q.price.as_ref().map(|p| Decimal(p.annual_rate)),
            period_fee_rate: q
                .price
                .as_ref()
                .and_then(|p| p.period_fee_rate.map(Decimal)),
            quote: q.quote.map(LoanQuote::from),
            reasons: q.reasons,
            disclosure: q.disclosure.into(),
            consented: q.consented,
        }
    }
}

/// The platforms ranked for one application.
#[derive(SimpleObject)]
pub struct PlatformRecommendations {
    /// The application.
    pub application_id: ID,
    /// The customer's risk grade the ranking rests on.
    pub grade: String,
    /// Every active platform, eligible ones first, best first.
    pub platforms: Vec<PlatformRecommendation>,
}

impl From<Recommendation> for PlatformRecommendations {
    fn from(r: Recommendation) -> Self {
        Self {
            application_id: ID(r.application_id.to_string()),
            grade: r.grade,
            platforms: r.platforms.into_iter().map(Into::into).collect(),
        }
    }
}

/// One disagreement between a partner's statement and our records.
#[derive(SimpleObject)]
pub struct ReconciliationItem {
    /// Its id.
    pub id: ID,
    /// How the sides disagree.
    pub kind: MismatchKindGql,
    /// The platform's reference of the movement.
    pub reference: String,
    /// The plan.
    pub plan_ref: String,
    /// Our amount, yuan.
    pub ours: Option<Decimal>,
    /// Theirs, yuan.
    pub theirs: Option<Decimal>,
    /// Our outcome (`SUCCEEDED`, `FAILED`).
    pub our_status: Option<String>,
    /// Theirs.
    pub their_status: Option<String>,
    /// When staff resolved it.
    pub resolved_at: Option<DateTime<Utc>>,
    /// What they did.
    pub note: Option<String>,
}

impl From<MismatchView> for ReconciliationItem {
    fn from(m: MismatchView) -> Self {
        Self {
            id: ID(m.id.to_string()),
            kind: m.kind.into(),
            reference: m.reference,
            plan_ref: m.plan_ref,
            ours: m.ours_fen.map(|f| money(Money::from_fen(f))),
            theirs: m.theirs_fen.map(|f| money(Money::from_fen(f))),
            our_status: m.our_status,
            their_status: m.their_status,
            resolved_at: m.resolved_at,
            note: m.note,
        }
    }
}

/// One partner's day, reconciled.
#[derive(SimpleObject)]
pub struct ReconciliationReport {
    /// Its id.
    pub id: ID,
    /// The platform.
    pub platform_code: String,
    /// The day (the bank's local calendar).
    pub statement_date: Date,
    /// Movements in their statement.
    pub their_lines: i32,
    /// Movements in our records.
    pub our_lines: i32,
    /// Movements both agree on.
    pub matched: i32,
    /// Disagreements found.
    pub mismatches: i32,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The disagreements.
    pub items: Vec<ReconciliationItem>,
}

impl From<ReconciliationReportView> for ReconciliationReport {
    fn from(r: ReconciliationReportView) -> Self {
        Self {
            id: ID(r.id.to_string()),
            platform_code: r.platform_code,
            statement_date: Date(r.statement_date),
            their_lines: r.their_lines,
            our_lines: r.our_lines,
            matched: r.matched,
            mismatches: r.mismatches,
            created_at: r.created_at,
            items: r.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// A partner's callback, as kept.
#[derive(SimpleObject)]
pub struct PlatformEvent {
    /// Its id.
    pub id: ID,
    /// The platform that sent it.
    pub platform_code: String,
    /// The partner's event id.
    pub event_id: String,
    /// What happened (`payment.succeeded`, `payment.failed`, `plan.status_changed`).
    pub kind: String,
    /// The plan it names.
    pub plan_ref: String,
    /// What became of it.
    pub outcome: EventOutcomeGql,
    /// The body as received.
    pub payload: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// When staff reviewed it.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// What they did.
    pub review_note: Option<String>,
}

impl From<EventView> for PlatformEvent {
    fn from(e: EventView) -> Self {
        Self {
            id: ID(e.id.to_string()),
            platform_code: e.platform_code,
            event_id: e.event_id,
            kind: e.kind,
            plan_ref: e.plan_ref,
            outcome: e.outcome.into(),
            payload: e.payload,
            received_at: e.received_at,
            reviewed_at: e.reviewed_at,
            review_note: e.review_note,
        }
    }
}
