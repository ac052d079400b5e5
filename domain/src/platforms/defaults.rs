//! The bank's own ledger as every installation starts with it: registered at migration
//! with a standard product, so a new bank can take applications at once. Admins change
//! its products and policy like any other platform's.

use adapters::platforms::{
    GradePricing, INTERNAL_CODE, LateChargeTerms, PlanFrequency, PlanMethod, PrepaymentTerms,
    Product,
};
use entities::installment_platform::{self, PlatformKind};
use rust_decimal::Decimal;
use sea_orm::EntityTrait;

use crate::auth::Caller;
use crate::customers::Channel;
use crate::error::DomainResult;
use crate::service::Domain;

use super::registry::PlatformInput;

fn grade(letter: &str, min: i64, standard: i64, max: i64) -> GradePricing {
    // Rates in basis points of a year: 750 = 7.50 %.
    GradePricing {
        grade: letter.to_owned(),
        min_rate: Decimal::new(min, 4),
        standard_rate: Decimal::new(standard, 4),
        max_rate: Decimal::new(max, 4),
    }
}

/// The bank's standard product: equal installments, monthly or quarterly, priced by
/// grade, free early repayment after three installments.
pub fn internal_products() -> Vec<Product> {
    vec![Product {
        code: "standard".into(),
        name: "Fenqi Standard".into(),
        method: PlanMethod::EqualInstallment,
        frequencies: vec![PlanFrequency::Monthly, PlanFrequency::Quarterly],
        terms: vec![3, 6, 12, 18, 24, 36],
        min_amount_fen: 100_000,
        max_amount_fen: 50_000_000,
        pricing: vec![
            grade("A", 600, 750, 1000),
            grade("B", 800, 950, 1300),
            grade("C", 1000, 1200, 1600),
            grade("D", 1400, 1800, 2000),
        ],
        prepayment: PrepaymentTerms {
            allowed: true,
            fee_rate: Decimal::ZERO,
            min_periods_paid: 3,
        },
        late_charge: LateChargeTerms {
            grace_days: 3,
            daily_rate: Decimal::new(5, 4),
        },
    }]
}

/// The policy text of the bank's own plans.
pub const INTERNAL_POLICY: &str = "Installments on the bank's own books. The bank debits your \
repayment account on each due date; keep enough money in it the day before. You may repay \
early, free of charge, once three installments are paid. Late payment costs penalty interest \
after three days of grace, as the fee standards say. Your data stays with the bank. \
本行自营分期：每期到期日自动从您的还款账户扣款，请于前一日存足款项；已还三期后可免费提前还款；\
逾期宽限三日后按收费标准计收罚息；您的信息仅由本行保存。";

impl Domain {
    /// Registers the bank's own ledger if it is not registered yet.
    pub async fn ensure_internal_platform(&self) -> DomainResult<()> {
        if installment_platform::Entity::find_by_id(INTERNAL_CODE.to_owned())
            .one(self.db())
            .await?
            .is_some()
        {
            return Ok(());
        }
        self.save_platform(
            PlatformInput {
                code: INTERNAL_CODE.into(),
                kind: PlatformKind::Internal,
                name: "Fenqi Bank (own ledger)".into(),
                base_url: None,
                client_id: None,
                secret: None,
                products: internal_products(),
                channels: vec![Channel::Sms, Channel::Email, Channel::App],
                policy_text: INTERNAL_POLICY.into(),
                active: true,
            },
            &Caller::system("bootstrap"),
        )
        .await
        .map(|_| ())
    }

    /// Registers (or updates) a platform as the platform itself: demo data and set-up
    /// commands, never a request.
    pub async fn register_platform(&self, input: PlatformInput) -> DomainResult<()> {
        self.save_platform(input, &Caller::system("set-up"))
            .await
            .map(|_| ())
    }
}
