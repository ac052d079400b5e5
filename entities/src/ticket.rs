//! A customer's problem (难题解决) and where it stands.

use sea_orm::entity::prelude::*;

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum TicketStatus {
    /// New, nobody on it yet.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Staff are working on it.
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    /// Staff asked the customer something.
    #[sea_orm(string_value = "WAITING_CUSTOMER")]
    WaitingCustomer,
    /// Solved; may be reopened within the reopen window.
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
    /// Done for good.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// How urgent it is: sets its service-level deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum TicketPriority {
    /// Whenever convenient.
    #[sea_orm(string_value = "LOW")]
    Low,
    /// The usual.
    #[sea_orm(string_value = "NORMAL")]
    Normal,
    /// Money or access at stake soon.
    #[sea_orm(string_value = "HIGH")]
    High,
    /// Money wrongly taken, or no access at all.
    #[sea_orm(string_value = "URGENT")]
    Urgent,
}

/// What it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum TicketCategory {
    /// A debit, a payment, a receipt.
    #[sea_orm(string_value = "REPAYMENT")]
    Repayment,
    /// The plan's terms, schedule or agreement.
    #[sea_orm(string_value = "PLAN")]
    Plan,
    /// Signing in, the app, personal data.
    #[sea_orm(string_value = "ACCOUNT")]
    Account,
    /// Hardship: cannot pay as planned.
    #[sea_orm(string_value = "HARDSHIP")]
    Hardship,
    /// A complaint about the service.
    #[sea_orm(string_value = "COMPLAINT")]
    Complaint,
    /// Anything else.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    /// The account that opened it (the customer's, or an agent's).
    pub opened_by: Uuid,
    pub category: TicketCategory,
    pub priority: TicketPriority,
    pub subject: String,
    pub status: TicketStatus,
    /// Staff must answer by then (ms).
    pub first_response_due: i64,
    /// It must be resolved by then (ms).
    pub resolution_due: i64,
    pub first_responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// When it went to the supervisors' queue for a missed deadline.
    pub escalated_at: Option<i64>,
    pub escalation_reason: Option<String>,
    /// Times it was reopened.
    pub reopened: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
