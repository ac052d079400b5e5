//! Two demo catalogues that differ the way real partners do, so that comparing offers
//! (stage 3) has something to choose between:
//!
//! | | partner A ([`DemoCatalogue::PartnerA`]) | partner B ([`DemoCatalogue::PartnerB`]) |
//! |---|---|---|
//! | methods | equal installment, equal principal | fee-based (手续费分期) |
//! | frequency | monthly | monthly, quarterly |
//! | terms | 6, 12, 24 | 3, 6, 12, 24, 36 |
//! | grades | A–C | A–D |
//! | price | 7.8 %–12.8 % a year | 0.60 %–0.95 % of the principal a period |
//! | amounts | 1,000–200,000 yuan | 1,000–200,000 yuan |
//!
//! Partner B is dearer (a 0.60 % monthly fee is about 13 % APR) but serves grade D and
//! longer or quarterly plans. No rate is above 0.24 a year, or its fee equivalent.

use rust_decimal::Decimal;

use crate::platforms::messages::{
    GradePricing, LateChargeTerms, PlanFrequency, PlanMethod, PrepaymentTerms, Product,
};

/// 1,000 yuan, in fen.
const MIN_AMOUNT_FEN: i64 = 100_000;
/// 200,000 yuan, in fen.
const MAX_AMOUNT_FEN: i64 = 20_000_000;

/// Which demo catalogue a simulated partner sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoCatalogue {
    /// Cheaper, monthly only, 6/12/24 installments, grades A–C.
    PartnerA,
    /// Fee-based, monthly or quarterly, 3 to 36 installments, grades A–D, dearer.
    PartnerB,
}

impl DemoCatalogue {
    /// The catalogue a demo partner code suggests (`partner-a`, `partner-b`), so the
    /// `partner-sim` command can be started with just a code.
    pub fn for_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "partner-a" | "a" => Some(Self::PartnerA),
            "partner-b" | "b" => Some(Self::PartnerB),
            _ => None,
        }
    }

    /// Its products.
    pub fn products(self) -> Vec<Product> {
        match self {
            Self::PartnerA => partner_a(),
            Self::PartnerB => partner_b(),
        }
    }
}

/// A decimal from an integer mantissa and a scale: `rate(78, 3)` is 0.078.
fn rate(mantissa: i64, scale: u32) -> Decimal {
    Decimal::new(mantissa, scale)
}

fn grade(grade: &str, min: Decimal, standard: Decimal, max: Decimal) -> GradePricing {
    GradePricing {
        grade: grade.into(),
        min_rate: min,
        max_rate: max,
        standard_rate: standard,
    }
}

fn partner_a() -> Vec<Product> {
    let prepayment = PrepaymentTerms {
        allowed: true,
        fee_rate: rate(1, 2),
        min_periods_paid: 0,
    };
    let late_charge = LateChargeTerms {
        grace_days: 3,
        daily_rate: rate(5, 4),
    };
    vec![
        Product {
            code: "PA-EI".into(),
            name: "A享分期 等额本息".into(),
            method: PlanMethod::EqualInstallment,
            frequencies: vec![PlanFrequency::Monthly],
            terms: vec![6, 12, 24],
            min_amount_fen: MIN_AMOUNT_FEN,
            max_amount_fen: MAX_AMOUNT_FEN,
            pricing: vec![
                grade("A", rate(68, 3), rate(78, 3), rate(10, 2)),
                grade("B", rate(88, 3), rate(98, 3), rate(13, 2)),
                grade("C", rate(118, 3), rate(128, 3), rate(16, 2)),
            ],
            prepayment: prepayment.clone(),
            late_charge: late_charge.clone(),
        },
        Product {
            code: "PA-EP".into(),
            name: "A享分期 等额本金".into(),
            method: PlanMethod::EqualPrincipal,
            frequencies: vec![PlanFrequency::Monthly],
            terms: vec![12, 24],
            min_amount_fen: 500_000,
            max_amount_fen: MAX_AMOUNT_FEN,
            pricing: vec![
                grade("A", rate(65, 3), rate(75, 3), rate(95, 3)),
                grade("B", rate(85, 3), rate(95, 3), rate(125, 3)),
                grade("C", rate(115, 3), rate(125, 3), rate(155, 3)),
            ],
            prepayment,
            late_charge,
        },
    ]
}

fn partner_b() -> Vec<Product> {
    vec![Product {
        code: "PB-FEE".into(),
        name: "B易分期 手续费分期".into(),
        method: PlanMethod::FeeBased,
        frequencies: vec![PlanFrequency::Monthly, PlanFrequency::Quarterly],
        terms: vec![3, 6, 12, 24, 36],
        min_amount_fen: MIN_AMOUNT_FEN,
        max_amount_fen: MAX_AMOUNT_FEN,
        pricing: vec![
            grade("A", rate(55, 4), rate(60, 4), rate(70, 4)),
            grade("B", rate(62, 4), rate(70, 4), rate(80, 4)),
            grade("C", rate(72, 4), rate(80, 4), rate(90, 4)),
            grade("D", rate(85, 4), rate(95, 4), rate(100, 4)),
        ],
        prepayment: PrepaymentTerms {
            allowed: true,
            fee_rate: rate(2, 2),
            min_periods_paid: 1,
        },
        late_charge: LateChargeTerms {
            grace_days: 1,
            daily_rate: rate(5, 4),
        },
    }]
}
