//! An installment application (分期申请): a customer's need, carried through every stage
//! from assessment to the last repayment. Its status follows the one state machine in
//! `domain::applications::lifecycle`.

use sea_orm::entity::prelude::*;

/// Where an application stands; stored by its upper-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum ApplicationStatus {
    /// Opened; no usable risk assessment linked yet.
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    /// A risk assessment that allows it is linked.
    #[sea_orm(string_value = "ASSESSED")]
    Assessed,
    /// A platform was chosen after consent to its disclosure.
    #[sea_orm(string_value = "PLATFORM_SELECTED")]
    PlatformSelected,
    /// Proposals are being exchanged.
    #[sea_orm(string_value = "NEGOTIATING")]
    Negotiating,
    /// Both sides accepted one proposal version.
    #[sea_orm(string_value = "AGREED")]
    Agreed,
    /// The agreement is signed.
    #[sea_orm(string_value = "SIGNED")]
    Signed,
    /// The plan is open and being repaid.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Repaid or otherwise finished.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    /// Refused by the risk decision or in negotiation.
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    /// Withdrawn before the plan opened.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    /// Idle too long.
    #[sea_orm(string_value = "EXPIRED")]
    Expired,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "installment_application")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    /// The account that opened it (the customer, or an agent for them).
    pub opened_by: Option<Uuid>,
    pub amount_fen: i64,
    pub purpose: String,
    pub periods: i32,
    /// `monthly` or `quarterly`.
    pub frequency: String,
    pub monthly_budget_fen: Option<i64>,
    pub payment_day: i32,
    pub status: ApplicationStatus,
    pub assessment_id: Option<Uuid>,
    /// The platform selected (after consent to its disclosure).
    pub platform_code: Option<String>,
    /// The product of that platform.
    pub product_code: Option<String>,
    /// The disclosure version consented to when it was selected.
    pub disclosure_version: Option<i32>,
    /// Why the plan did not open on the platform yet (a retry job tries again).
    pub opening_error: Option<String>,
    pub created_at: i64,
    /// The last change; an open application idle too long expires.
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
